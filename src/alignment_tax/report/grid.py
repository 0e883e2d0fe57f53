"""The grid's result files, read for the report: metrics and per-item records per (model, method).

A missing file is a one-line error naming the grid cell and the stage that makes it.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.evaluate.cells import GENERATIONS, METRICS, items_path, metrics_path
from alignment_tax.io import read_json, read_jsonl

# benchmark (directory name) -> the dvc.yaml stage that writes it
STAGES = {"tldr": "evaluate_tldr", "truthfulqa": "evaluate_truthfulqa", "realtoxicityprompts": "evaluate_rtp",
          "mmlu_pro": "evaluate_mmlu_pro", "patterns": "generation_patterns"}


def _missing(path: Path, benchmark: str, model: str, method: str, what: str) -> AlignmentTaxError:
    stage = f"{STAGES[benchmark]}@{model}-{method}"
    return AlignmentTaxError(f"{path}: missing {what} for grid cell ({model}, {method}); "
                             f"it is made by stage {stage} (dvc repro {stage})")


class Grid:
    """models x methods, with the roots of the metrics and per-item files (tests point them elsewhere)."""

    def __init__(self, models: list[str], methods: list[str], metrics_root: Path = METRICS,
                 items_root: Path = GENERATIONS) -> None:
        self.models, self.methods = list(models), list(methods)
        self.metrics_root, self.items_root = Path(metrics_root), Path(items_root)
        self._items: dict = {}

    def cells(self):
        return [(model, method) for model in self.models for method in self.methods]

    def interventions(self):
        return [m for m in self.methods if m != "base"]

    def metrics(self, benchmark: str) -> dict:
        out = {}
        for model, method in self.cells():
            path = metrics_path(benchmark, model, method, self.metrics_root)
            if not path.is_file():
                raise _missing(path, benchmark, model, method, "metrics")
            out[(model, method)] = read_json(path)
        return out

    def items(self, benchmark: str, model: str, method: str) -> dict:
        """{item id: record}, cached."""
        key = (benchmark, model, method)
        if key not in self._items:
            path = items_path(benchmark, model, method, self.items_root)
            if not path.is_file():
                raise _missing(path, benchmark, model, method, "per-item records")
            self._items[key] = {str(r["id"]): r for _, r in read_jsonl(path)}
        return self._items[key]

    def paired(self, benchmark: str, model: str, method: str, field) -> tuple[np.ndarray, np.ndarray]:
        """(method values, base values) over the same items; `field` is a key or a function of a record."""
        get = field if callable(field) else (lambda r: r.get(field))
        mine, base = self.items(benchmark, model, method), self.items(benchmark, model, "base")
        if mine.keys() != base.keys():
            raise AlignmentTaxError(
                f"{items_path(benchmark, model, method, self.items_root)}: its items differ from base's "
                f"({len(mine)} vs {len(base)}); rerun both cells with the same benchmarks.{benchmark} params")
        ids = sorted(base)

        def val(r):
            v = get(r)
            return np.nan if v is None else float(v)
        return (np.array([val(mine[i]) for i in ids], dtype=float),
                np.array([val(base[i]) for i in ids], dtype=float))
