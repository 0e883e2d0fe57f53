"""DVC's own work after each stage, read from a `graph_time.py --log` file (docs/benchmarks.md).

The gap from a stage's last output line to the next "Running stage" line is what DVC does after the
stage's command exits: hash and cache its outputs, rewrite dvc.lock, and under `dvc exp run` rebuild
its index. DVC's own "Updating lock file" line is not counted as stage output.

    python benchmarks/log_gaps.py LOG [LOG ...]
"""
from __future__ import annotations

import re
import statistics
import sys
from pathlib import Path

STAMPED = re.compile(r"\s*([\d.]+) (.*)")


def gaps(lines: list[str]) -> list[float]:
    out, last, in_stage = [], None, False
    for line in lines:
        m = STAMPED.match(line)
        if not m:
            continue
        t, text = float(m.group(1)), m.group(2)
        if "Running stage" in text:
            if in_stage and last is not None:
                out.append(t - last)
            in_stage = True
        elif text.strip() and not text.startswith("Updating lock") and in_stage:
            last = t
    return out


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip().splitlines()[-1].strip())
    for log in sys.argv[1:]:
        g = gaps(Path(log).read_text().splitlines())
        if not g:
            sys.exit(f"{log}: no two stamped stages (a graph_time.py --log file?)")
        print(f"{log}: {len(g)} gaps, mean {statistics.mean(g):.2f} s, median {statistics.median(g):.2f} s, "
              f"sum {sum(g):.0f} s")


if __name__ == "__main__":
    main()
