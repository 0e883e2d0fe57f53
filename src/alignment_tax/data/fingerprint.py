"""What a prepare stage reads, as a small file DVC can track: a mirror's file digests.

`data.source` names a directory outside the repository (or the Hub), which DVC
cannot hash as a dependency by itself. The `source` stage runs on every
`dvc repro` (always_changed), hashes the mirror files of each dataset and writes
data/source/<dataset>.json; a prepare stage depends on its dataset's file, so
editing one mirror file reruns exactly the prepare that reads it. The mirror's
location is not recorded: the same bytes elsewhere (a queued experiment's copy)
are the same input.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from alignment_tax.data.source import HUB, resolve

# dataset -> the mirror folder it reads (layout: the shared data mirror's SOURCES.md)
MIRROR_DIRS = {"tldr": "tldr", "truthfulqa": "truthfulqa", "realtoxicityprompts": "realtoxicityprompts",
               "mmlu_pro": "mmlu_pro", "comments": "toxicity_labeled"}
OUT_DIR = Path("data/source")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fingerprint(source: str, dataset: str, base: Path = Path(".")) -> dict:
    if source == HUB:
        return {"dataset": dataset, "source": HUB}  # the Hub revision is pinned where it is loaded
    folder = resolve(source, base) / MIRROR_DIRS[dataset]
    files = sorted(f for f in folder.rglob("*") if f.is_file()) if folder.is_dir() else []
    return {"dataset": dataset, "source": "mirror",
            "files": {str(f.relative_to(folder.parent)): _sha256(f) for f in files}}
