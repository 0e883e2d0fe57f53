"""Where raw data comes from: the Hugging Face Hub or a local mirror directory.

`data.source` is either "hub" (the paper path: `datasets.load_dataset` of the commit
pinned in hub.lock.json, through alignment_tax.hub) or a
directory laid out like the shared data mirror, relative to the repository
root. Both paths end in the same iterator of (where, record) pairs, where
`where` names the file and line (or hub id, split and row) so every validation
error points at the offending input.
"""
from __future__ import annotations

import csv
import functools
import io
import os
from pathlib import Path
from typing import Iterator, Optional, Sequence

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.io import read_jsonl

HUB = "hub"
PROBE_TIMEOUT_S = 10
MIRROR_HINT = ("set data.source to a local mirror directory (relative to the repository root), "
               "e.g. dvc exp run -S data.source=<mirror dir>")


def resolve(source: str, base: Path = Path(".")) -> Optional[Path]:
    """None for the Hub, else the mirror directory (checked to exist)."""
    if source == HUB:
        return None
    path = Path(source)
    path = path if path.is_absolute() else base / path
    if not path.is_dir() and not Path(source).is_absolute():
        path = _from_queued_copy(Path(source), base) or path
    if not path.is_dir():
        raise AlignmentTaxError(f"data.source: mirror directory not found: {source}")
    return path


def _from_queued_copy(rel: Path, base: Path) -> Optional[Path]:
    """`dvc exp run --queue` runs in a copy at <repo>/.dvc/tmp/exps/<name>/: a mirror path relative to
    the repository root is resolved against the repository the experiment was queued from."""
    here = (base if base.is_absolute() else Path.cwd() / base).resolve()
    parts = here.parts
    for i in range(len(parts) - 3):
        if parts[i:i + 3] == (".dvc", "tmp", "exps"):
            candidate = Path(*parts[:i]) / rel
            return candidate if candidate.is_dir() else None
    return None


def mirror_file(mirror: Path, rel: str) -> Path:
    path = mirror / rel
    if not path.is_file():
        raise AlignmentTaxError(f"{path}: file not found (the data.source mirror lacks {rel})")
    return path


def _offline() -> bool:
    return any(os.environ.get(v, "").lower() in ("1", "true", "yes", "on")
               for v in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE"))


@functools.lru_cache(maxsize=None)
def _probe(hub_id: str) -> None:
    """One metadata request before load_dataset: without it an unreachable Hub
    costs ~25 s of retries and a page of retry warnings on stderr."""
    from huggingface_hub import HfApi  # noqa: PLC0415
    from huggingface_hub.errors import HfHubHTTPError

    try:
        HfApi().dataset_info(hub_id, timeout=PROBE_TIMEOUT_S)
    except HfHubHTTPError as exc:  # reached the Hub: not found, gated, no token
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise AlignmentTaxError(f"cannot load {hub_id} from the Hugging Face Hub: {first}") from None
    except Exception as exc:  # noqa: BLE001 - any transport failure (DNS, proxy, TLS, timeout)
        raise AlignmentTaxError(
            f"cannot reach the Hugging Face Hub for {hub_id} ({type(exc).__name__}); {MIRROR_HINT}") from None


def load_hub(hub_id: str, split: str, config: Optional[str] = None):
    """One split of a Hub dataset at its pinned commit (alignment_tax.hub), errors as one line.

    Imported lazily: `datasets` costs ~1 s to import and the mirror path never
    needs it. In offline mode (HF_HUB_OFFLINE=1) only the local cache is
    tried, so there is no probe.
    """
    from alignment_tax import hub  # noqa: PLC0415

    hub.commit_for("datasets", hub_id)  # an unpinned id fails before any network use
    if not _offline():
        _probe(hub_id)
    return hub.dataset(hub_id, config, split, hint=f"cache it with `python -m alignment_tax.hub download` on a connected machine, or {MIRROR_HINT}")


def hub_rows(hub_id: str, split: str, config: Optional[str] = None) -> Iterator[tuple[str, dict]]:
    ds = load_hub(hub_id, split, config)
    tag = f"{hub_id}" + (f"/{config}" if config else "") + f"[{split}]"
    for i, row in enumerate(ds):
        yield f"{tag} row {i}", dict(row)


def jsonl_rows(path: Path) -> Iterator[tuple[str, dict]]:
    for lineno, obj in read_jsonl(path):
        yield f"{path}:{lineno}", obj


def read_text(path: Path) -> str:
    """The whole file as UTF-8 (BOM dropped); a bad byte is reported by line."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise AlignmentTaxError(f"{path}:{line}: not valid UTF-8 (byte {exc.start})") from None
    return text.removeprefix("\ufeff")


def csv_rows(path: Path, required: Sequence[str] = (),
             fieldnames: Optional[Sequence[str]] = None) -> Iterator[tuple[str, dict]]:
    """Yield ("file:line", row dict) per CSV record; quoted fields may span lines.

    `fieldnames` is for header-less files. The line is where the record starts,
    so an error in a multi-line comment still points at its first line.
    """
    reader = csv.reader(io.StringIO(read_text(path), newline=""))
    try:
        if fieldnames is None:
            header = next(reader, None)
            if header is None:
                raise AlignmentTaxError(f"{path}: empty CSV file (no header)")
            first_data_line = reader.line_num + 1
        else:
            header, first_data_line = list(fieldnames), 1
        missing = [c for c in required if c not in header]
        if missing:
            raise AlignmentTaxError(f"{path}:1: missing column(s) {', '.join(repr(c) for c in missing)}")
        start = first_data_line
        for rec in reader:
            where = f"{path}:{start}"
            start = reader.line_num + 1
            if not rec or (len(rec) == 1 and not rec[0].strip()):
                continue
            if len(rec) != len(header):
                raise AlignmentTaxError(f"{where}: expected {len(header)} fields, got {len(rec)}")
            yield where, dict(zip(header, rec))
    except csv.Error as exc:
        raise AlignmentTaxError(f"{path}:{reader.line_num}: malformed CSV ({exc})") from None
