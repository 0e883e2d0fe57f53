"""python -m alignment_tax.rehearsal {build CACHE_DIR | run CACHE_DIR WORKDIR}: see the package docstring."""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from alignment_tax.errors import AlignmentTaxError, stage_main


def build(cache: Path, mirror: Path) -> dict[str, str]:
    """Write every stand-in into `cache`; returns {kind:id -> commit}."""
    from alignment_tax.rehearsal import hub_datasets
    from alignment_tax.rehearsal.cache import write_repo
    from alignment_tax.rehearsal.stand_ins import build_models

    if not mirror.is_dir():
        raise AlignmentTaxError(f"rehearsal: data mirror not found: {mirror} (--mirror)")
    cache.mkdir(parents=True, exist_ok=True)
    commits = {}
    for repo_id, make in hub_datasets.BUILDERS.items():
        commits[f"dataset:{repo_id}"] = write_repo(cache, "dataset", repo_id, make(mirror))
    with tempfile.TemporaryDirectory() as work:
        for repo_id, files in build_models(hub_datasets.corpus_text(mirror), Path(work)).items():
            commits[f"model:{repo_id}"] = write_repo(cache, "model", repo_id, files)
    return commits


@stage_main
def main(argv=None) -> None:
    ap = argparse.ArgumentParser(prog="python -m alignment_tax.rehearsal", description=__doc__)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="write the stand-in Hugging Face cache")
    b.add_argument("cache", type=Path)
    b.add_argument("--mirror", type=Path, required=True, help="the data mirror directory (its SOURCES.md lists the files)")
    r = sub.add_parser("run", help="run the paper-path DVC graph offline against a built cache")
    r.add_argument("cache", type=Path)
    r.add_argument("workdir", type=Path)
    r.add_argument("--grid", choices=("reduced", "models", "full"), default="reduced",
                   help="reduced: llama2_7b, one method per family (CI); models: the 3 Hub models, one method "
                        "per family; full: 3 models x every method")
    r.add_argument("--device-precisions", action="store_true",
                   help="keep the zoo's fp16/bf16 (on CUDA); default: CPU precisions (fp32)")
    args = ap.parse_args(argv)
    start = time.time()
    if args.cmd == "build":
        commits = build(args.cache.resolve(), args.mirror.resolve())
        for k, c in sorted(commits.items()):
            print(f"{k} @ {c}")
        print(f"rehearsal cache: {len(commits)} repositories in {args.cache} ({time.time() - start:.0f}s)")
    else:
        from alignment_tax.rehearsal.run import run

        run(args.cache.resolve(), args.workdir.resolve(), grid=args.grid, cpu=not args.device_precisions)
        print(f"rehearsal run: done in {time.time() - start:.0f}s")


if __name__ == "__main__":
    main()
