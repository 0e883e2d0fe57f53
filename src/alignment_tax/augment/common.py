"""What every augmenter shares: text rules, length-sorted batches, streamed output.

An augmenter is a generator over the TL;DR train rows that yields
`(row index, items)` for every row as soon as its batch is done, where an item
is `{"text": ..., <metadata>}`; drops are counted per named rule in a Counter,
never silent. `stream_rows` writes what it yields to a temp file renamed into
place at the end, so a killed stage leaves no half-written output.
"""
from __future__ import annotations

import contextlib
import json
from collections import Counter
from pathlib import Path
from typing import Callable, Iterator, Sequence

from alignment_tax.data.common import n_words, norm_key
from alignment_tax.errors import AlignmentTaxError
from alignment_tax.io import atomic_path, read_jsonl

AUGMENT_DIR = Path("data/augment")
METRICS_DIR = Path("metrics/augment")


def output_path(kind: str) -> Path:
    return AUGMENT_DIR / kind / "train.jsonl"


def metrics_path(kind: str) -> Path:
    return METRICS_DIR / f"{kind}.json"


def first_line(text: str) -> str:
    """Generated text up to its first line break, whitespace collapsed (a summary is one line)."""
    lines = text.strip().splitlines()
    return " ".join(lines[0].split()) if lines else ""


def check_text(text: str, reference: str, min_words: int, seen: set, drops: Counter, prefix: str = "") -> bool:
    """The rules every generated text passes: not empty, >= min_words, not the reference, not a repeat.

    `seen` holds the normalised texts already kept for this source (updated here).
    """
    key = norm_key(text)
    if not key:
        drops[prefix + "empty"] += 1
    elif n_words(text) < min_words:
        drops[prefix + "under_min_words"] += 1
    elif key == norm_key(reference):
        drops[prefix + "identical_to_reference"] += 1
    elif key in seen:
        drops[prefix + "duplicate"] += 1
    else:
        seen.add(key)
        return True
    return False


def length_sorted_batches(lengths: Sequence[int], batch_size: int) -> Iterator[list[int]]:
    """Index batches of similar length (longest first, so memory peaks at once), stable order."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    for start in range(0, len(order), batch_size):
        yield order[start:start + batch_size]


@contextlib.contextmanager
def stream_rows(path: Path) -> Iterator[Callable[[dict], None]]:
    """Yield `write(row)`; rows go to disk as they come, the file appears only on success."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        def write(row: dict) -> None:
            fh.write(json.dumps(row, sort_keys=True, ensure_ascii=False) + "\n")
            fh.flush()
        yield write


def read_items(path: Path, ids: Sequence[str]) -> dict[str, list[dict]]:
    """{source id: items} of one augmentation's output; it must cover exactly `ids` (else it is stale)."""
    out: dict[str, list[dict]] = {}
    for line, row in read_jsonl(path):
        if "id" not in row or not isinstance(row.get("items"), list):
            raise AlignmentTaxError(f"{path}:{line}: expected {{'id', 'items': [...]}}")
        for j, it in enumerate(row["items"]):
            if not isinstance(it, dict) or not isinstance(it.get("text"), str):
                raise AlignmentTaxError(f"{path}:{line}: items[{j}] has no 'text' string")
        if row["id"] in out:
            raise AlignmentTaxError(f"{path}:{line}: duplicate id '{row['id']}'")
        out[row["id"]] = row["items"]
    missing, extra = set(ids) - set(out), set(out) - set(ids)
    if missing or extra:
        some = sorted(missing or extra)[0]
        raise AlignmentTaxError(f"{path}: does not match data/prepared/tldr/train.jsonl "
                                f"({len(missing)} ids missing, {len(extra)} unknown, e.g. '{some}'; "
                                "rerun its augment stage)")
    return out
