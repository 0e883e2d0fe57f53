"""Writing a Hugging Face hub cache by hand, in the layout huggingface_hub reads.

<cache>/<type>s--<org>--<name>/blobs/<sha256>, snapshots/<commit>/<file> (a
relative symlink to its blob) and refs/main (the commit). The commit is the
sha1 of the files' names and contents, so a rebuild of the same stand-in gives
the same commit.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path


def repo_folder(cache: Path, kind: str, repo_id: str) -> Path:
    return Path(cache) / f"{kind}s--{repo_id.replace('/', '--')}"


def commit_of(files: dict[str, bytes]) -> str:
    h = hashlib.sha1()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
    return h.hexdigest()


def write_repo(cache: Path, kind: str, repo_id: str, files: dict[str, bytes]) -> str:
    """Write one repository (kind: model | dataset) at one commit; returns the commit."""
    folder = repo_folder(cache, kind, repo_id)
    if folder.exists():
        shutil.rmtree(folder)
    commit = commit_of(files)
    snap = folder / "snapshots" / commit
    (folder / "blobs").mkdir(parents=True)
    for name, data in files.items():
        blob = folder / "blobs" / hashlib.sha256(data).hexdigest()
        blob.write_bytes(data)
        link = snap / name
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(os.path.relpath(blob, link.parent), link)
    (folder / "refs").mkdir()
    (folder / "refs" / "main").write_text(commit)
    return commit


def read_dir(path: Path) -> dict[str, bytes]:
    path = Path(path)
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}
