"""Where a whole DVC run spends its time: each stage's wall time, summed per stage script (docs/benchmarks.md).

Runs one DVC command in --workspace (a fresh clone, say), reads its output as it comes and stamps each
"Running stage 'X'" line. A stage's time runs from its line to the next stage's line (or the command's
end), so it includes DVC's own work for that stage (hashing and caching its outputs, writing the lock).
Time before the first stage (DVC collecting the graph) is printed apart. DVC runs stages one at a time,
so the per-stage times add up to the run's wall time.

    python benchmarks/graph_time.py --workspace DIR [--log FILE] -- dvc exp run -S data.source=MIRROR
"""
from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

STAGE = re.compile(r"Running stage '([^']+)'")


def script_of(stage: str) -> str:
    """`evaluate_tldr@tiny-contrastive` -> `evaluate_tldr` (a matrix cell's stage definition)."""
    return stage.split("@", 1)[0]


def stage_times(stamped: list[tuple[float, str]], end: float) -> tuple[float, dict[str, float]]:
    """(seconds before the first stage, {stage: seconds}) from (time, line) pairs."""
    starts = [(t, m.group(1)) for t, line in stamped if (m := STAGE.search(line))]
    if not starts:
        return end - (stamped[0][0] if stamped else end), {}
    times = {}
    for (t, name), nxt in zip(starts, [s[0] for s in starts[1:]] + [end]):
        times[name] = times.get(name, 0.0) + nxt - t
    return starts[0][0] - stamped[0][0], times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workspace", type=Path, required=True)
    ap.add_argument("--log", type=Path, default=None, help="also write the stamped output here")
    ap.add_argument("--top", type=int, default=12, help="slowest single stages to list")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="after --: the DVC command (python -m is added)")
    a = ap.parse_args()
    cmd = [c for c in a.command if c != "--"]
    if not cmd or cmd[0] != "dvc":
        sys.exit("graph_time.py: give the DVC command after --, e.g. -- dvc repro")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f} at start; python {platform.python_version()}; {' '.join(cmd)}")
    t0 = time.time()
    stamped = [(t0, "")]
    proc = subprocess.Popen([sys.executable, "-m", *cmd], cwd=a.workspace, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, bufsize=1)
    log = a.log.open("w") if a.log else None
    for line in proc.stdout:
        now = time.time()
        stamped.append((now, line.rstrip("\n")))
        if log:
            log.write(f"{now - t0:9.2f} {line}")
            log.flush()
    rc = proc.wait()
    end = time.time()
    if rc != 0:
        sys.exit(f"{' '.join(cmd)} exited {rc} after {end - t0:.0f} s: "
                 f"{[line for _, line in stamped[-3:]]}")
    before, times = stage_times(stamped, end)
    by_script: dict[str, list[float]] = defaultdict(list)
    for name, s in times.items():
        by_script[script_of(name)].append(s)
    total = end - t0
    print(f"\nwall {total:.1f} s ({total / 60:.1f} min), {len(times)} stages run, "
          f"{before:.1f} s before the first stage; load {os.getloadavg()[0]:.2f} at the end")
    print("\n| stage script | stages | seconds | share | mean per stage |\n|---|---|---|---|---|")
    for script, ss in sorted(by_script.items(), key=lambda kv: -sum(kv[1])):
        print(f"| `{script}` | {len(ss)} | {sum(ss):.1f} | {sum(ss) / total:.1%} | {sum(ss) / len(ss):.1f} |")
    print("\n| slowest stages | seconds |\n|---|---|")
    for name, s in sorted(times.items(), key=lambda kv: -kv[1])[:a.top]:
        print(f"| `{name}` | {s:.1f} |")


if __name__ == "__main__":
    main()
