"""Training curves as tidy CSV for `dvc plots` (one row per logged step)."""
from __future__ import annotations

import csv
from pathlib import Path

from alignment_tax.io import atomic_path

COLUMNS = ("step", "loss", "ce", "cl", "toxic_batch", "learning_rate")  # toxic_batch: share of batches w_tox fired on


def write_loss_curve(path: Path, log_history: list[dict]) -> None:
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for e in log_history:
            w.writerow([e.get("step")] + [
                "" if e.get(k) is None else f"{float(e[k]):.6g}" for k in COLUMNS[1:]])
