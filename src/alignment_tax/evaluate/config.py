"""params.yaml `benchmarks:` schema (issue 5). Imported by alignment_tax.config.

`validate(cfg, check)` receives the section and `check(cond, key, msg)`; keys are
given relative to the section, the caller prefixes "benchmarks.".
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class BenchmarksConfig:
    pass


def validate(cfg, check) -> None:
    pass
