"""The paper path as params overrides: every Hub role on its paper setting.

`PAPER` turns every augmenter, scorer and the judge to the paper's Hub models
and the grid to the three Hub zoo entries (LoRA on the 7B one). `CPU_SMALL`
shrinks the work to a handful of rows and overrides the precisions a CPU lacks
(fp16 -> fp32 for phi2 and llama2_7b): it is what the rehearsal adds on top.
Both are dotlists, the form `dvc exp run -S` takes.
"""
from __future__ import annotations

PAPER = [
    "data.source=hub",
    "models=[gpt2_large,phi2,llama2_7b]",
    "model_zoo.llama2_7b.lora.enabled=true",
    "augment.backtranslate.model=marian",
    "augment.low_confidence.model=gpt2-large",
    "augment.toxic.model=EleutherAI/gpt-neo-2.7B",
    "augment.mask_regen.fill_model=FacebookAI/roberta-large",
    "augment.mask_regen.regen_model=google/flan-t5-large",
    "scorers.toxicity.name=hf",
    "scorers.faithfulness.name=nli",
    "benchmarks.truthfulqa.judge=hf",
    "debias.corpus.source=hub",  # bias-bench's English Wikipedia for CDA/Dropout and the attribute sentences
]

# Precisions a CPU lacks (fp16 matmuls; the Trainer refuses fp16 mixed precision on CPU).
CPU_PRECISION = ["model_zoo.phi2.precision=fp32", "model_zoo.llama2_7b.precision=fp32"]


def as_overrides(dotlist: list[str]) -> dict:
    from omegaconf import OmegaConf

    return OmegaConf.to_container(OmegaConf.from_dotlist(dotlist))
