"""Where a benchmark grid cell's files live, and the coordinates every result file states.

Per cell (model, method) and benchmark:
  data/generations/<benchmark>/<model>/<method>.jsonl   per-item records (DVC out): the text
      scored and its per-item scores, which the report pairs against base
  metrics/<benchmark>/<model>/<method>.json             summary metrics (DVC metrics, cache: false)

A cell whose inputs were degenerate is refused, never written: no items (n = 0),
every generated text empty, or one per-item score non-finite for every item (e.g.
all log-likelihoods NaN from a broken model). Such a cell would otherwise report a
"perfect" toxic_rate of 0 or an accuracy from argmax over NaN.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Callable, Optional

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.grid import check_cell
from alignment_tax.io import read_jsonl, write_json, write_jsonl

GENERATIONS = Path("data/generations")
METRICS = Path("metrics")


def items_path(benchmark: str, model: str, method: str, root: Path = GENERATIONS) -> Path:
    check_cell(model, method)
    return Path(root) / benchmark / model / f"{method}.jsonl"


def metrics_path(benchmark: str, model: str, method: str, root: Path = METRICS) -> Path:
    check_cell(model, method)
    return Path(root) / benchmark / model / f"{method}.json"


def cell_arguments(description: str) -> argparse.Namespace:
    """The command line every benchmark stage takes: `<model> <method>` (a grid cell)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("model", help="a key of model_zoo")
    ap.add_argument("method", help="a method of the grid (params.yaml methods)")
    a = ap.parse_args()
    check_cell(a.model, a.method)
    return a


def coordinates(params, model: str, method: str, rt, compute: dict | None = None) -> dict:
    """The grid coordinates plus what the method recorded (alpha, tau), the model size (Table 7) and
    the compute settings the stage applied (thread counts change CPU numbers)."""
    return {"model": model, "method": method, "seed": params.seed,
            "alpha": rt.info.get("alpha"), "tau": rt.info.get("tau"),
            "n_params": int(sum(p.numel() for p in rt.model.parameters())),
            **({"compute": compute} if compute is not None else {})}


def read_rows(path: Path, check: Optional[Callable[[dict, str], None]] = None) -> list[dict]:
    """All rows of a prepared JSONL file; `check(row, "file:line")` raises on a row that cannot be scored."""
    rows = []
    for line, row in read_jsonl(path):
        if check is not None:
            check(row, f"{path}:{line}")
        rows.append(row)
    if not rows:
        raise AlignmentTaxError(f"{path}: no rows: nothing to evaluate (n = 0)")
    return rows


TEXT_KEYS = ("summary", "answer", "generation", "continuations")  # what a model generated, per benchmark


def _texts(value) -> list:
    return value if isinstance(value, list) else [value]


def _finite(value) -> Optional[bool]:
    """None when `value` is not a float score (text, id, int flag); else whether every float in it is finite."""
    vals = value if isinstance(value, list) else [value]
    if not vals or not all(isinstance(v, float) for v in vals):
        return None
    return any(math.isfinite(v) for v in vals)


def check_not_degenerate(benchmark: str, model: str, method: str, records: list[dict]) -> None:
    cell = f"{benchmark} {model}/{method}"
    if not records:
        raise AlignmentTaxError(f"{cell}: no items were scored (n = 0): no metrics file is written")
    for key in TEXT_KEYS:
        texts = [t for r in records if key in r for t in _texts(r[key])]
        if texts and not any(isinstance(t, str) and t.strip() for t in texts):
            raise AlignmentTaxError(f"{cell}: all {len(texts)} generated '{key}' texts are empty: the model "
                                    f"{'models/' + method + '/' + model} generates nothing; no metrics file is written")
    for key in records[0]:
        flags = [_finite(r.get(key)) for r in records]
        if all(f is False for f in flags):
            raise AlignmentTaxError(f"{cell}: '{key}' is NaN or inf for every one of {len(records)} items "
                                    f"(a degenerate model at models/{method}/{model}); no metrics file is written")


def write_cell(benchmark: str, model: str, method: str, records: list[dict], metrics: dict, coords: dict) -> None:
    check_not_degenerate(benchmark, model, method, records)
    write_jsonl(items_path(benchmark, model, method), records)
    write_json(metrics_path(benchmark, model, method), {**coords, **metrics})
