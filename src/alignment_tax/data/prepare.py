"""Run one dataset's prepare and write its outputs.

Everything is read and validated before anything is written, and the
dataset's directory is replaced whole (io.atomic_dir), so a bad input leaves
the previous outputs untouched and a rerun never mixes old and new files.
A dataset that keeps no row at all (every row dropped, e.g. by a huge
data.min_words) is an error naming the drop counts, not an empty success; an
evaluation refuses an empty input file (evaluate/cells.read_rows).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Dict, Optional

from alignment_tax.data import comments, mmlu_pro, realtoxicityprompts, tldr, truthfulqa
from alignment_tax.data.common import REMOVED_FROM, Prepared
from alignment_tax.errors import AlignmentTaxError
from alignment_tax.io import atomic_dir, write_json, write_jsonl

PREPARERS: Dict[str, Callable[..., Prepared]] = {
    "tldr": tldr.prepare,
    "truthfulqa": truthfulqa.prepare,
    "realtoxicityprompts": realtoxicityprompts.prepare,
    "mmlu_pro": mmlu_pro.prepare,
    "comments": comments.prepare,
}

DATA_DIR = Path("data/prepared")
METRICS_DIR = Path("metrics/prepare")


def prepare(name: str, data, out_dir: Optional[Path] = None, metrics_path: Optional[Path] = None,
            base: Path = Path(".")) -> Dict[str, Any]:
    """Prepare dataset `name` from the `data` params section; return its metrics.

    out_dir defaults to data/prepared/<name>, metrics_path to
    metrics/prepare/<name>.json; a relative data.source is resolved against `base`.
    """
    if name not in PREPARERS:
        raise AlignmentTaxError(f"unknown dataset '{name}' (known: {', '.join(PREPARERS)})")
    out_dir = Path(out_dir) if out_dir is not None else DATA_DIR / name
    metrics_path = Path(metrics_path) if metrics_path is not None else METRICS_DIR / f"{name}.json"
    REMOVED_FROM.clear()
    prepared = PREPARERS[name](data, base)
    prepared.stats.extra["texts_with_chars_removed"] = len(REMOVED_FROM)  # control/format characters (common.py)
    metrics = prepared.metrics()
    if metrics["kept"] == 0:
        dropped = ", ".join(f"{k}={v}" for k, v in metrics["dropped"].items() if v) or "none"
        raise AlignmentTaxError(f"{name}: no row kept (read {metrics['read']}, dropped: {dropped}): nothing to "
                                "prepare (the drop rules: data/<dataset>.py; data.min_words, the rows caps)")
    with atomic_dir(out_dir) as tmp:
        for fname, rows in prepared.files.items():
            write_jsonl(tmp / fname, rows)
    write_json(metrics_path, metrics)
    return metrics
