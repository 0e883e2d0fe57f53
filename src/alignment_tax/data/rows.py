"""A stage's JSONL input, read with the fields it uses checked.

Prepared files are validated when they are made; these checks catch a file
edited by hand, left by an older version of a stage, or produced by a new
one with another format: one line naming file:line and the field, instead of
a KeyError deep inside training.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List

from alignment_tax.data.common import bad
from alignment_tax.errors import AlignmentTaxError
from alignment_tax.io import read_jsonl

TLDR_FIELDS = {"post": str, "summary": str}
COMMENT_FIELDS = {"text": str}
CONTRASTIVE_FIELDS = {"post": str, "summary": str, "positives": list, "negatives": list}
ITEM_FIELDS = {"text": str}  # one positive or negative of a contrastive row


def _check(obj: dict, fields: Dict[str, type], where: str) -> None:
    for key, kind in fields.items():
        if key not in obj:
            raise bad(where, f"missing field '{key}'")
        value = obj[key]
        if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
            raise bad(where, f"field '{key}' must be {kind.__name__}, got {type(value).__name__}")


def read_rows(path: str | Path, fields: Dict[str, type], items: bool = False) -> List[dict]:
    """Every row of a JSONL file, each checked to hold `fields` with their types; at least one row.

    items=True: contrastive rows (format: contrastive/dataset.py), their positives and negatives too.
    """
    rows = []
    for lineno, row in read_jsonl(path):
        where = f"{path}:{lineno}"
        _check(row, fields, where)
        if items:
            _check_items(row, where)
        rows.append(row)
    if not rows:
        raise AlignmentTaxError(f"{path}: no rows (rerun the stage that makes it)")
    return rows


def _check_items(row: dict, where: str) -> None:
    if not row["positives"]:
        raise bad(where, "no positives (the first positive is the reference summary)")
    for key in ("positives", "negatives"):
        for i, item in enumerate(row[key]):
            if not isinstance(item, dict):
                raise bad(where, f"{key}[{i}] must be an object, got {type(item).__name__}")
            _check(item, ITEM_FIELDS, f"{where}: {key}[{i}]")
