"""Where a benchmark grid cell's files live, and the coordinates every result file states.

Per cell (model, method) and benchmark:
  data/generations/<benchmark>/<model>/<method>.jsonl   per-item records (DVC out): the text
      scored and its per-item scores, which the report pairs against base
  metrics/<benchmark>/<model>/<method>.json             summary metrics (DVC metrics, cache: false)
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable, Optional

from alignment_tax.io import read_jsonl, write_json, write_jsonl

GENERATIONS = Path("data/generations")
METRICS = Path("metrics")


def items_path(benchmark: str, model: str, method: str, root: Path = GENERATIONS) -> Path:
    return Path(root) / benchmark / model / f"{method}.jsonl"


def metrics_path(benchmark: str, model: str, method: str, root: Path = METRICS) -> Path:
    return Path(root) / benchmark / model / f"{method}.json"


def cell_arguments(description: str) -> argparse.Namespace:
    """The command line every benchmark stage takes: `<model> <method>` (a grid cell)."""
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("model", help="a key of model_zoo")
    ap.add_argument("method", help="a method of the grid (params.yaml methods)")
    return ap.parse_args()


def coordinates(params, model: str, method: str, rt) -> dict:
    """The grid coordinates plus what the method recorded (alpha, tau) and the model size (Table 7)."""
    return {"model": model, "method": method, "seed": params.seed,
            "alpha": rt.info.get("alpha"), "tau": rt.info.get("tau"),
            "n_params": int(sum(p.numel() for p in rt.model.parameters()))}


def read_rows(path: Path, check: Optional[Callable[[dict, str], None]] = None) -> list[dict]:
    """All rows of a prepared JSONL file; `check(row, "file:line")` raises on a row that cannot be scored."""
    rows = []
    for line, row in read_jsonl(path):
        if check is not None:
            check(row, f"{path}:{line}")
        rows.append(row)
    return rows


def write_cell(benchmark: str, model: str, method: str, records: list[dict], metrics: dict, coords: dict) -> None:
    write_jsonl(items_path(benchmark, model, method), records)
    write_json(metrics_path(benchmark, model, method), {**coords, **metrics})
