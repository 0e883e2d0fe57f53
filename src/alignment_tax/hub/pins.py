"""hub.lock.json: Hub repository id -> the commit every load uses.

Layout: {"models": {id: {"revision": "main", "commit": "<40 hex>"}},
         "datasets": {id: {...}}}. Models and datasets live in separate Hub
namespaces, so an id may appear in both.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.io import write_json

LOCK_FILE = Path("hub.lock.json")
LOCK_ENV = "ALIGNMENT_TAX_HUB_LOCK"  # another lock file (tests); stages use the repository's
KINDS = ("models", "datasets")
PIN_HINT = "run: python -m alignment_tax.hub pin"
_COMMIT = re.compile(r"^[0-9a-f]{40}$")


def lock_path(path: str | os.PathLike | None = None) -> Path:
    return Path(path or os.environ.get(LOCK_ENV) or LOCK_FILE)


def read_lock(path: str | os.PathLike | None = None) -> dict:
    """The lock's two tables; a missing file is an empty lock (nothing pinned yet)."""
    path = lock_path(path)
    if not path.is_file():
        return {k: {} for k in KINDS}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise AlignmentTaxError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise AlignmentTaxError(f"{path}: expected an object with keys {', '.join(KINDS)}")
    lock = {}
    for kind in KINDS:
        table = raw.get(kind, {})
        if not isinstance(table, dict):
            raise AlignmentTaxError(f"{path}: {kind}: expected an object of id -> {{revision, commit}}")
        for repo_id, pin in table.items():
            if not isinstance(pin, dict) or not _COMMIT.match(str(pin.get("commit", ""))):
                raise AlignmentTaxError(f"{path}: {kind}.{repo_id}: 'commit' must be a 40-hex commit id")
        lock[kind] = dict(table)
    return lock


def write_lock(lock: dict, path: str | os.PathLike | None = None) -> None:
    write_json(lock_path(path), {k: dict(sorted(lock.get(k, {}).items())) for k in KINDS})


def commit_for(kind: str, repo_id: str, path: str | os.PathLike | None = None) -> str:
    """The pinned commit of a model or dataset; a one-line error naming the pin command if there is none."""
    pin = read_lock(path)[kind].get(repo_id)
    if pin is None:
        singular = kind[:-1]
        raise AlignmentTaxError(f"{lock_path(path)}: no pinned commit for {singular} '{repo_id}' ({PIN_HINT})")
    return pin["commit"]
