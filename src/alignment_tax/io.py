"""Atomic, deterministic file IO.

Every output is written to a temporary path beside its target and renamed into
place, so a killed stage never leaves a half-written file that a later stage
could read. JSON is written with sorted keys so reruns are byte-identical and
DVC's run cache can restore them.

Temporaries are named `.<target name>.<pid>.<random>.tmp` (ignored by git: `.*.tmp`
in .gitignore). SIGKILL leaves them behind; the next write of the same target
sweeps those whose process is gone. A target that is a symbolic link to a
directory is refused (replacing it would act on the link's target); a file
target that is a link is replaced by the new file, never written through.
"""
from __future__ import annotations

import contextlib
import glob
import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterable, Iterator

from alignment_tax.errors import AlignmentTaxError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def _prefix(target: Path) -> str:
    return f".{target.name}.{os.getpid()}."


def sweep_stale(target: Path) -> int:
    """Remove temporaries of `target` left by a killed process; returns how many."""
    n = 0
    for p in target.parent.glob(f".{glob.escape(target.name)}.*.tmp"):
        pid = p.name[len(target.name) + 2:].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() and not p.is_symlink() else p.unlink(missing_ok=True)
            n += 1
    return n


def _publish_mode(path: Path, is_dir: bool) -> None:
    """mkstemp/mkdtemp create private (0600/0700) paths; outputs get the usual umask mode."""
    os.chmod(path, (0o777 if is_dir else 0o666) & ~_umask())


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temp file path; on success rename it onto `target`."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(target)
    fd, tmp = tempfile.mkstemp(prefix=_prefix(target), suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        _publish_mode(tmp, is_dir=False)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temp directory; on success it replaces `target` whole."""
    target = Path(target)
    if target.is_symlink():
        raise AlignmentTaxError(f"{target}: output directory is a symbolic link; remove it (outputs are written "
                                "in place, never through a link)")
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(target)
    tmp = Path(tempfile.mkdtemp(prefix=_prefix(target), suffix=".tmp", dir=target.parent))
    try:
        yield tmp
        _publish_mode(tmp, is_dir=True)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def _clean(obj: Any) -> Any:
    """NaN/inf are not JSON: an absent metric is written as null."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy / torch scalars
        return _clean(obj.item())
    return obj


def dumps(obj: Any) -> str:
    return json.dumps(_clean(obj), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def write_json(path: str | os.PathLike, obj: Any) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(dumps(obj), encoding="utf-8")


def write_jsonl(path: str | os.PathLike, rows: Iterable[dict]) -> int:
    n = 0
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(_clean(row), sort_keys=True, ensure_ascii=False) + "\n")
            n += 1
    return n


def read_json(path: str | os.PathLike) -> Any:
    path = Path(path)
    if not path.is_file():
        raise AlignmentTaxError(f"{path}: file not found")
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise AlignmentTaxError(f"{path}: not valid UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise AlignmentTaxError(f"{path}:{exc.lineno}: malformed JSON ({exc.msg})") from None


def read_jsonl(path: str | os.PathLike) -> Iterator[tuple[int, dict]]:
    """Yield (line number, object) for each non-blank line; errors name file:line."""
    path = Path(path)
    if not path.is_file():
        raise AlignmentTaxError(f"{path}: file not found")
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise AlignmentTaxError(f"{path}:{lineno}: not valid UTF-8 (byte {exc.start})") from None
            if lineno == 1:
                line = line.removeprefix("\ufeff")  # a BOM: accepted and dropped, as for CSV and JSON
            if not line.strip():
                continue
            try:
                # strict=False: a raw control character inside a string is text (data/common.py
                # removes it from text fields the same way for every file type), not malformed JSON
                obj = json.loads(line, strict=False)
            except json.JSONDecodeError as exc:
                raise AlignmentTaxError(f"{path}:{lineno}: malformed JSON ({exc.msg})") from None
            if not isinstance(obj, dict):
                raise AlignmentTaxError(f"{path}:{lineno}: expected a JSON object, got {type(obj).__name__}")
            yield lineno, obj
