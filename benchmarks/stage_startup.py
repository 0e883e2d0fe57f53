"""What a stage pays before it works, and what a no-op `dvc repro` costs (docs/benchmarks.md).

Start-up: each `stages/*.py` entry point imported without running its main() (its module-level
imports), beside a bare interpreter and the two heavy imports, fastest of --repeats runs each.
No-op repro: `dvc repro` and `dvc status` in --workspace, a repository whose dvc.lock is up to date
(for example a fresh clone after `dvc exp run`); the command is checked to have run no stage but the
always-changed ones (`source`, which hashes the data mirror on every repro).

    python benchmarks/stage_startup.py [--repeats 3] [--workspace DIR]
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd: list[str], cwd: Path, repeats: int) -> tuple[float, subprocess.CompletedProcess]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    best, proc = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter()
        proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
        best = min(best, time.perf_counter() - t)
    return best, proc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workspace", type=Path, default=None, help="a DVC repository whose lock is up to date")
    a = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f}; python {platform.python_version()}; fastest of {a.repeats}")
    py = sys.executable
    rows = [("python -c pass", [py, "-c", "pass"]),
            ("import torch", [py, "-c", "import torch"]),
            ("import transformers (+ torch)", [py, "-c", "import torch, transformers"])]
    # a stage module imported without running main(): its module-level imports (lazy ones inside main not counted)
    rows += [(f"import stages/{p.name}", [py, "-c", f"import runpy; runpy.run_path({str(p)!r}, run_name='timing')"])
             for p in sorted((ROOT / "stages").glob("*.py")) if p.name != "__init__.py"]
    print("\n| command | seconds |\n|---|---|")
    for name, cmd in rows:
        s, proc = timed(cmd, ROOT, a.repeats)
        print(f"| `{name}` | {s:.2f}{'' if proc.returncode == 0 else f' (exit {proc.returncode})'} |")
    if a.workspace is not None:
        print("\n| no-op command | seconds |\n|---|---|")
        for name in ("repro", "status"):
            s, proc = timed([py, "-m", "dvc", name], a.workspace, a.repeats)
            ran = set(re.findall(r"Running stage '([^']+)'", proc.stdout)) - always_changed(a.workspace)
            if proc.returncode != 0 or ran:
                sys.exit(f"{a.workspace}: `dvc {name}` was not a no-op (exit {proc.returncode}; ran {sorted(ran)}): "
                         f"{(proc.stdout + proc.stderr).strip().splitlines()[-1:]}")
            print(f"| `dvc {name}` | {s:.2f} |")
        lock_bookkeeping(a.workspace, a.repeats)


# What DVC does in its own process after every stage it runs (seen with py-spy during `dvc exp run`): it
# rewrites dvc.lock through a round-trip YAML load + dump (dvc.dvcfile.Lockfile.dump_stages -> modify_yaml),
# and `dvc exp run` rebuilds the repo index (every dvc.yaml stage and its lock entry) to find files to track.
BOOKKEEPING = r"""
import shutil, sys, tempfile, time
from pathlib import Path
from dvc.repo import Repo
from dvc.utils.serialize import modify_yaml
ws, repeats = Path(sys.argv[1]), int(sys.argv[2])
best = {"lock": float("inf"), "index": float("inf")}
with tempfile.TemporaryDirectory() as tmp:
    lock = Path(tmp) / "dvc.lock"
    for _ in range(repeats):
        shutil.copy(ws / "dvc.lock", lock)
        t = time.perf_counter()
        with modify_yaml(lock) as data:
            data["stages"] = dict(data["stages"])
        best["lock"] = min(best["lock"], time.perf_counter() - t)
for _ in range(repeats):
    t = time.perf_counter()
    with Repo(str(ws)) as repo:
        n = len(repo.index.stages)
    best["index"] = min(best["index"], time.perf_counter() - t)
print(best["lock"], best["index"], n)
"""


def lock_bookkeeping(ws: Path, repeats: int) -> None:
    """DVC's per-stage bookkeeping on this workspace's dvc.lock and graph, and the graph run's total of it."""
    import yaml

    proc = subprocess.run([sys.executable, "-c", BOOKKEEPING, str(ws), str(repeats)], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"lock bookkeeping on {ws} failed: {proc.stderr.strip().splitlines()[-1:]}")
    lock_s, index_s, n = proc.stdout.split()
    lock = ws / "dvc.lock"
    entries = yaml.load(lock.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))["stages"]
    deps = sum(len(e.get("deps", [])) for e in entries.values())
    per_stage = float(lock_s) + float(index_s)
    print(f"\ndvc.lock: {lock.stat().st_size / 1024:.0f} KiB, {sum(1 for _ in lock.open())} lines, {len(entries)} stages, "
          f"{deps} deps\n\n| DVC's work after each stage it runs | seconds |\n|---|---|\n"
          f"| rewrite dvc.lock (round-trip YAML load + dump) | {float(lock_s):.2f} |\n"
          f"| rebuild the index of {n} stages (`dvc exp run`) | {float(index_s):.2f} |\n"
          f"| per stage | {per_stage:.2f} |\n| x {n} stages (a full run) | {per_stage * int(n):.0f} |")


def always_changed(ws: Path) -> set[str]:
    """Stages DVC runs on every repro (`source` hashes the data mirror); their outputs rerun nothing."""
    import yaml

    return {k for k, v in yaml.safe_load((ws / "dvc.yaml").read_text())["stages"].items() if v.get("always_changed")}


if __name__ == "__main__":
    main()
