"""The paper path as params overrides: the `paper_scale` experiment, as a dotlist.

`PAPER` is what conf/experiment/paper_scale.yaml changes (the one named choice of the paper's models,
every Hub role by its real id, and bias-bench's budgets), as the `key=value` overrides Hydra composes
for `dvc exp run -S experiment=paper_scale`: the rehearsal runs that configuration, never a copy of it. `CPU_PRECISION`
overrides the precisions a CPU lacks (fp16 -> fp32 for phi2 and llama2_7b): the rehearsal adds
it, and a handful of rows (run.HANDFUL), on top.
"""
from __future__ import annotations

from alignment_tax.composition import changed

PAPER = changed(["experiment=paper_scale"])  # conf/ of the checkout, wherever the caller stands

# Precisions a CPU lacks (fp16 matmuls; the Trainer refuses fp16 mixed precision on CPU).
CPU_PRECISION = ["model_zoo.phi2.precision=fp32", "model_zoo.llama2_7b.precision=fp32"]


def as_overrides(dotlist: list[str]) -> dict:
    from omegaconf import OmegaConf

    return OmegaConf.to_container(OmegaConf.from_dotlist(dotlist))
