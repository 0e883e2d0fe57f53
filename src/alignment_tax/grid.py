"""Grid coordinates (model slug, method) from a command line, checked before any path is built.

Stages build their paths from these two words (models/<method>/<slug>/,
metrics/<benchmark>/<slug>/<method>.json, .checkpoints/<kind>/<slug>/...), so a word
like `../../elsewhere` would read and write outside the repository. Every path
builder calls `check_slug` / `check_method` first (models/loader.model_dir,
evaluate/cells, models/training.checkpoint_dir, config.zoo_entry): a slug is
letters, digits and '_' (the model_zoo rule), a method one of KNOWN_METHODS.
"""
from __future__ import annotations

import re

from alignment_tax.debias.config import METHODS as BASELINES  # a stdlib-only schema module
from alignment_tax.errors import AlignmentTaxError

# Methods the pipeline knows. A plain tuple, no registry: adding a method means adding its
# stage to dvc.yaml and its name here (debiasing baselines: debias/config.py).
KNOWN_METHODS = ("base", "contrastive") + BASELINES

SLUG = re.compile(r"[A-Za-z0-9_]+")


def check_slug(slug: str, what: str = "model") -> str:
    if not isinstance(slug, str) or not SLUG.fullmatch(slug):
        raise AlignmentTaxError(f"argument {what}: {slug!r} is not a model slug (letters, digits and '_': "
                                "a key of params.yaml model_zoo)")
    return slug


def check_method(method: str) -> str:
    if method not in KNOWN_METHODS:
        raise AlignmentTaxError(f"argument method: {method!r} is not a known method "
                                f"(known: {', '.join(KNOWN_METHODS)})")
    return method


def check_cell(slug: str, method: str) -> tuple[str, str]:
    return check_slug(slug), check_method(method)
