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

# The methods train_contrastive builds: the paper's loss, and the CE-only control (alpha 0: the
# same data, steps, schedule and seeds, so contrastive - ce_only isolates the contrastive term).
TRAINED = ("contrastive", "ce_only")
# Methods the pipeline knows. A plain tuple, no registry: adding a method means adding its
# stage to dvc.yaml and its name here (debiasing baselines: debias/config.py).
KNOWN_METHODS = ("base",) + TRAINED + BASELINES
# A trained method's other training seeds: `<method>_s<k>` is the same run with seed k (data
# order, head initialisation); the plain name trains with params `seed`.
SEEDED = re.compile(r"(%s)_s([0-9]{1,9})" % "|".join(TRAINED))

SLUG = re.compile(r"[A-Za-z0-9_]+")


def is_known(method: str) -> bool:
    return isinstance(method, str) and (method in KNOWN_METHODS or SEEDED.fullmatch(method) is not None)


def training_run(method: str, default_seed: int) -> tuple[str, int]:
    """(kind, training seed) of a trained method name: `ce_only_s2` -> ("ce_only", 2), `contrastive` ->
    ("contrastive", default_seed)."""
    m = SEEDED.fullmatch(method)
    if m:
        return m.group(1), int(m.group(2))
    if method not in TRAINED:
        raise AlignmentTaxError(f"argument method: {method!r} is not a trained method "
                                f"({', '.join(TRAINED)}, or one of them with _s<seed>)")
    return method, int(default_seed)


def method_kind(method: str) -> str:
    """The method a name is a seed of (`contrastive_s1` -> contrastive); other names are their own kind."""
    m = SEEDED.fullmatch(method) if isinstance(method, str) else None
    return m.group(1) if m else method


def check_slug(slug: str, what: str = "model") -> str:
    if not isinstance(slug, str) or not SLUG.fullmatch(slug):
        raise AlignmentTaxError(f"argument {what}: {slug!r} is not a model slug (letters, digits and '_': "
                                "a key of params.yaml model_zoo)")
    return slug


def check_method(method: str) -> str:
    if not is_known(method):
        raise AlignmentTaxError(f"argument method: {method!r} is not a known method "
                                f"(known: {', '.join(KNOWN_METHODS)}; trained ones also as <name>_s<seed>)")
    return method


def check_cell(slug: str, method: str) -> tuple[str, str]:
    return check_slug(slug), check_method(method)
