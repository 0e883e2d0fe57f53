"""A debiasing method's model directory, `models/<method>/<model>/`, loadable by `load_runtime`.

Methods that change weights (CDA, Dropout, DPO) save the trained model with
`save_pretrained` (safetensors). Methods that only add inference-time behaviour
(INLP, SentenceDebias, Self-Debias, Instructive) copy the base directory as it is
(the tiny LM's weights, or a Hub base's `source.json` pointer) and add their own
files. Every directory carries `alignment_tax.json`: method, attribute,
hyper-parameters, and `runtime` when inference needs something installed.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from alignment_tax.io import write_json
from alignment_tax.models.loader import METHOD_FILE, model_dir


def copy_base(slug: str, target: Path) -> None:
    base = model_dir(slug, "base")
    for f in sorted(base.iterdir()):
        if f.is_file() and f.name != METHOD_FILE:
            shutil.copy2(f, Path(target) / f.name)


def save_trained(model, tokenizer, target: Path) -> None:
    model.save_pretrained(target, safe_serialization=True)
    tokenizer.save_pretrained(target)


def write_info(target: Path, info: dict) -> None:
    write_json(Path(target) / METHOD_FILE, info)
