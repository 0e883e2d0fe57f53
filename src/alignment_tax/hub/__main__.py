"""python -m alignment_tax.hub {manifest,pin,download}: see the package docstring and docs/paper_scale.md."""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from alignment_tax.config import PARAMS_FILE, load_params
from alignment_tax.errors import AlignmentTaxError, stage_main
from alignment_tax.hub.loader import MODEL_FILES, dataset_files
from alignment_tax.hub.manifest import Entry, manifest
from alignment_tax.hub.pins import PIN_HINT, lock_path, read_lock, write_lock


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on")


def _repo_type(kind: str) -> str:
    return "model" if kind == "models" else "dataset"


def resolve_commit(e: Entry) -> str:
    """The commit e.revision points at: asked of the Hub, or read from the local cache's refs when offline."""
    from huggingface_hub import HfApi, snapshot_download

    try:
        if _offline():
            path = snapshot_download(e.repo_id, repo_type=_repo_type(e.kind), revision=e.revision,
                                     local_files_only=True)
            return Path(path).name
        api = HfApi()
        info = api.model_info(e.repo_id, revision=e.revision) if e.kind == "models" else \
            api.dataset_info(e.repo_id, revision=e.revision)
        return info.sha
    except Exception as exc:  # noqa: BLE001 - not found, gated, offline and not cached
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        raise AlignmentTaxError(f"hub pin: cannot resolve {e.kind[:-1]} '{e.repo_id}' revision '{e.revision}' "
                                f"({type(exc).__name__}: {first})") from None


def cmd_manifest(params, args) -> None:
    entries = manifest(params)
    if args.json:
        print(json.dumps([e.as_dict() for e in entries], indent=2))
        return
    for e in entries:
        configs = "" if e.kind == "models" else " [" + ", ".join(c or "default" for c in e.configs) + "]"
        commit = e.commit or f"NOT PINNED ({PIN_HINT})"
        print(f"{e.kind[:-1]:8} {e.repo_id}{configs} @ {e.revision} -> {commit}  <- {', '.join(e.roles)}")
    print(f"{len(entries)} Hub repositories; pins: {lock_path()}")


def cmd_pin(params, args) -> None:
    lock = read_lock()
    entries = manifest(params)
    changed = 0
    for e in entries:
        if e.commit is not None and not args.refresh:
            continue
        commit = resolve_commit(e)
        lock[e.kind][e.repo_id] = {"revision": e.revision, "commit": commit}
        changed += 1
        print(f"pinned {e.kind[:-1]} {e.repo_id} @ {e.revision} -> {commit}")
    write_lock(lock)
    print(f"{changed} pinned, {len(entries) - changed} already pinned; {lock_path()}")


def cmd_download(params, args) -> None:
    from huggingface_hub import snapshot_download

    entries = manifest(params)
    missing = [e.repo_id for e in entries if e.commit is None]
    if missing:
        raise AlignmentTaxError(f"hub download: not pinned: {', '.join(missing)} ({PIN_HINT})")
    for e in entries:
        if e.kind == "models":
            patterns = MODEL_FILES
        else:
            patterns = sorted({p for c in e.configs for p in dataset_files(e.repo_id, c)})
        try:
            path = snapshot_download(e.repo_id, repo_type=_repo_type(e.kind), revision=e.commit,
                                     cache_dir=args.cache, allow_patterns=patterns)
        except Exception as exc:  # noqa: BLE001
            first = (str(exc).strip().splitlines() or [""])[0][:200]
            raise AlignmentTaxError(f"hub download: {e.repo_id} @ {e.commit[:12]}: {type(exc).__name__}: {first}") \
                from None
        print(f"{e.kind[:-1]} {e.repo_id} @ {e.commit[:12]} -> {path}")


@stage_main
def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m alignment_tax.hub", description=__doc__)
    ap.add_argument("--params", default=PARAMS_FILE, help="params file (default: params.yaml)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("manifest", help="list every Hub model and dataset the params need, with its revision")
    m.add_argument("--json", action="store_true")
    p = sub.add_parser("pin", help="resolve unpinned revisions to commits and record them in hub.lock.json")
    p.add_argument("--refresh", action="store_true", help="re-resolve every entry, not only the missing ones")
    d = sub.add_parser("download", help="snapshot_download every pinned commit into a Hugging Face cache")
    d.add_argument("--cache", default=None, help="cache directory (default: the Hugging Face hub cache)")
    args = ap.parse_args(argv)
    params = load_params(args.params)
    {"manifest": cmd_manifest, "pin": cmd_pin, "download": cmd_download}[args.cmd](params, args)


if __name__ == "__main__":
    main()
