"""Does a stage gain from the second core? Its wall time at each thread count, side by side (docs/benchmarks.md).

Runs each named stage's own command in --workspace (a repository whose default graph is built, so every
input exists) once per thread count, then restores params.yaml. A count is written wherever the stage
would read it: `compute.threads`, and the stage kind's `compute.stage_threads.<kind>` or its model's
`model_zoo.<m>.threads` when those are set. Per stage, the count the workspace itself gives that stage
runs last, so its outputs are checked to be byte-identical to what was there before (a run is
deterministic at a fixed count); whether another count changed them is printed (a float sum split over
two threads rounds differently). The environment carries no thread variable; the stage sets its own.

    python benchmarks/stage_threads.py --workspace DIR --threads 1,2 evaluate_tldr@tiny-base base@tiny ...
"""
from __future__ import annotations

import argparse
import hashlib
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from ruamel.yaml import YAML

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "TOKENIZERS_PARALLELISM")


def digest(path: Path) -> str:
    """One hash over a file, or over a directory's files (names and bytes) in sorted order."""
    h = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for p in files:
        h.update(str(p.relative_to(path.parent)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:12]


def stage_commands(ws: Path, names: list[str]) -> dict[str, tuple[str, list[Path]]]:
    """{stage name: (its cmd, its outs and metrics)} from the workspace's DVC graph."""
    from dvc.repo import Repo

    with Repo(str(ws)) as repo:
        stages = {st.name: st for st in repo.index.stages}
        missing = [n for n in names if n not in stages]
        if missing:
            sys.exit(f"{ws}: no stage named {missing} in its dvc.yaml")
        return {n: (stages[n].cmd, [Path(o.fs_path) for o in stages[n].outs]) for n in names}


def kind_and_model(name: str) -> tuple[str, str | None]:
    """`debias_train@tiny-cda_gender` -> ("debias_train", "tiny"); `augment_toxic` -> ("augment_toxic", None)."""
    kind, _, item = name.partition("@")
    return kind, (item.split("-", 1)[0] or None) if item else None


def own_threads(ws: Path, name: str) -> int:
    """The thread count the workspace's params give this stage (pipeline/stage.compute_for)."""
    from alignment_tax.config import load_params
    from alignment_tax.pipeline.stage import STAGE_THREAD_KINDS, compute_for

    params = load_params(ws / "params.yaml")
    kind, model = kind_and_model(name)
    return compute_for(params, model if model in params.model_zoo else None,
                       kind if kind in STAGE_THREAD_KINDS else None)["threads"]


def set_threads(params: Path, original: str, name: str, threads: int) -> None:
    yaml = YAML()  # round trip: the rest of params.yaml stays as written
    doc = yaml.load(original)
    kind, model = kind_and_model(name)
    doc["compute"]["threads"] = threads
    if doc["compute"].get("stage_threads", {}).get(kind) is not None:
        doc["compute"]["stage_threads"][kind] = threads
    if model is not None and doc["model_zoo"].get(model, {}).get("threads") is not None:
        doc["model_zoo"][model]["threads"] = threads
    with params.open("w") as f:
        yaml.dump(doc, f)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspace", type=Path, required=True)
    ap.add_argument("--threads", default="1,2", help="thread counts to compare, the first as the baseline")
    ap.add_argument("stages", nargs="+", help="DVC stage names, e.g. evaluate_tldr@tiny-base")
    a = ap.parse_args()
    ws = a.workspace.resolve()
    counts = [int(t) for t in a.threads.split(",")]
    if len(counts) < 2 or len(set(counts)) != len(counts):
        sys.exit(f"--threads: two or more different counts, got {a.threads!r}")
    params = ws / "params.yaml"
    original = params.read_text()
    own = {n: own_threads(ws, n) for n in a.stages}
    if any(o not in counts for o in own.values()):
        sys.exit(f"--threads: include each stage's own count so its outputs are restored: {own}")
    cmds = stage_commands(ws, a.stages)
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f} at the start; python {platform.python_version()}")
    head = " | ".join(f"{t} thread{'s' if t > 1 else ''} (s)" for t in counts)
    print(f"\n| stage | own count | {head} | {counts[1]} / {counts[0]} | outputs at {counts[1]} = at {counts[0]} |")
    print("|---|---|" + "---|" * (len(counts) + 2))
    try:
        for name, (cmd, outs) in cmds.items():
            before = {o: digest(o) for o in outs}
            secs, after = {}, {}
            for t in [c for c in counts if c != own[name]] + [own[name]]:  # its own count last: restores it
                set_threads(params, original, name, t)
                start = time.perf_counter()
                proc = subprocess.run(cmd, shell=True, cwd=ws, env=env, capture_output=True, text=True)
                secs[t] = time.perf_counter() - start
                if proc.returncode != 0:
                    sys.exit(f"{name} at {t} threads failed (exit {proc.returncode}): "
                             f"{(proc.stdout + proc.stderr).strip().splitlines()[-1:]}")
                after[t] = {o: digest(o) for o in outs}
            if after[own[name]] != before:
                sys.exit(f"{name}: at its own {own[name]} threads its outputs differ from the workspace's (not deterministic?)")
            # metrics files record the thread count, so compare the outputs that are not metrics
            data = [o for o in outs if o.suffix != ".json" or "metrics" not in o.parts]
            same = all(after[counts[0]][o] == after[counts[1]][o] for o in data) if data else None
            cells = " | ".join(f"{secs[t]:.1f}" for t in counts)
            print(f"| `{name}` | {own[name]} | {cells} | {secs[counts[1]] / secs[counts[0]]:.2f} | "
                  f"{'n/a' if same is None else 'yes' if same else 'no'} |", flush=True)
    finally:
        params.write_text(original)
    print(f"\nload {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
