"""params.yaml `debias:` schema (issue 4). Imported by alignment_tax.config.

`validate(cfg, check)` receives the section and `check(cond, key, msg)`; keys are
given relative to the section, the caller prefixes "debias.".
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class DebiasConfig:
    pass


def validate(cfg, check) -> None:
    pass
