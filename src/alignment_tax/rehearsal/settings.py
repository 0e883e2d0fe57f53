"""The paper path as params overrides: the `paper_scale` preset, as a dotlist.

`PAPER` is configs/presets/paper_scale.yaml (the one named choice of the paper's models, every
Hub role by its real id, and bias-bench's budgets) as `key=value` overrides, the form
`dvc exp run -S` takes: the rehearsal runs that preset, never a copy of it. `CPU_PRECISION`
overrides the precisions a CPU lacks (fp16 -> fp32 for phi2 and llama2_7b): the rehearsal adds
it, and a handful of rows (run.HANDFUL), on top.
"""
from __future__ import annotations

from pathlib import Path

from alignment_tax.presets import overrides

PRESETS = Path(__file__).resolve().parents[3] / "configs" / "presets"  # the checkout's, wherever the caller stands
PAPER = overrides(["paper_scale"], PRESETS)

# Precisions a CPU lacks (fp16 matmuls; the Trainer refuses fp16 mixed precision on CPU).
CPU_PRECISION = ["model_zoo.phi2.precision=fp32", "model_zoo.llama2_7b.precision=fp32"]


def as_overrides(dotlist: list[str]) -> dict:
    from omegaconf import OmegaConf

    return OmegaConf.to_container(OmegaConf.from_dotlist(dotlist))
