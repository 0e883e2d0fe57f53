"""Does a stage gain from the second core? Its wall time at each `compute.threads`, side by side (issue 14 goal 2).

Runs each named stage's own command in --workspace (a repository whose default graph is built, so every
input exists) once per thread count, with `compute.threads` set in that workspace's params.yaml, then
restores params.yaml. The thread counts run in the order given, and the workspace's own count should come
last: each stage's outputs are then checked to be byte-identical to what was there before (the run is
deterministic at a fixed count), and whether another count changed them is printed (a float sum split over
two threads rounds differently). The environment carries no thread variable; the stage sets its own.

    python benchmarks/stage_threads.py --workspace DIR --threads 2,1 evaluate_tldr@tiny-base base ...
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


def set_threads(params: Path, original: str, threads: int) -> None:
    yaml = YAML()  # round trip: the rest of params.yaml stays as written
    doc = yaml.load(original)
    doc["compute"]["threads"] = threads
    with params.open("w") as f:
        yaml.dump(doc, f)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspace", type=Path, required=True)
    ap.add_argument("--threads", default="2,1", help="counts in run order; the workspace's own count last")
    ap.add_argument("stages", nargs="+", help="DVC stage names, e.g. evaluate_tldr@tiny-base")
    a = ap.parse_args()
    ws = a.workspace.resolve()
    counts = [int(t) for t in a.threads.split(",")]
    params = ws / "params.yaml"
    original = params.read_text()
    own = YAML(typ="safe").load(original)["compute"]["threads"]
    if counts[-1] != own:
        sys.exit(f"--threads: end with the workspace's own compute.threads ({own}) so its outputs are restored")
    cmds = stage_commands(ws, a.stages)
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f} at the start; python {platform.python_version()}")
    head = " | ".join(f"{t} thread{'s' if t > 1 else ''} (s)" for t in counts)
    print(f"\n| stage | {head} | {counts[0]} / {counts[-1]} | outputs at {counts[0]} = at {counts[-1]} |")
    print("|---|" + "---|" * (len(counts) + 2))
    try:
        for name, (cmd, outs) in cmds.items():
            before = {o: digest(o) for o in outs}
            secs, after = {}, {}
            for t in counts:
                set_threads(params, original, t)
                start = time.perf_counter()
                proc = subprocess.run(cmd, shell=True, cwd=ws, env=env, capture_output=True, text=True)
                secs[t] = time.perf_counter() - start
                if proc.returncode != 0:
                    sys.exit(f"{name} at {t} threads failed (exit {proc.returncode}): "
                             f"{(proc.stdout + proc.stderr).strip().splitlines()[-1:]}")
                after[t] = {o: digest(o) for o in outs}
            if after[counts[-1]] != before:
                sys.exit(f"{name}: at {counts[-1]} threads its outputs differ from the workspace's (not deterministic?)")
            # metrics files record the thread count, so compare the outputs that are not metrics too
            data = [o for o in outs if o.suffix != ".json" or "metrics" not in o.parts]
            same = all(after[counts[0]][o] == after[counts[-1]][o] for o in data) if data else None
            cells = " | ".join(f"{secs[t]:.1f}" for t in counts)
            print(f"| `{name}` | {cells} | {secs[counts[0]] / secs[counts[-1]]:.2f} | "
                  f"{'n/a' if same is None else 'yes' if same else 'no'} |", flush=True)
    finally:
        params.write_text(original)
    print(f"\nload {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
