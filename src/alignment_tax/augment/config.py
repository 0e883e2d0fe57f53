"""params.yaml `augment:` schema (issue 3). Imported by alignment_tax.config.

`validate(cfg, check)` receives the section and `check(cond, key, msg)`; keys are
given relative to the section ("toxic.threshold"), the caller prefixes "augment.".
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class AugmentConfig:
    pass


def validate(cfg, check) -> None:
    pass
