"""Table 14 over experiments: `python -m alignment_tax.report.alpha_sweep` after an alpha sweep.

One DVC run sees one alpha, so the sweep lives in experiments:

    dvc exp run --queue -S alpha=1   # likewise 2, 4, 8, 16
    dvc queue start                  # then wait: dvc queue status
    python -m alignment_tax.report.alpha_sweep

This reads `dvc exp show --json` (the workspace, its baseline and every experiment),
takes each one's `alpha` and the contrastive cell's TL;DR metrics
(metrics/tldr/<model>/contrastive.json), and writes reports/alpha_sweep.md and
reports/figures/alpha_sweep.png. It is a helper, not a DVC stage: no stage can
read other experiments. `dvc plots diff $(dvc exp ls --name-only)` shows the same
points from plots/alpha/tldr.csv.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Iterator

from tabulate import tabulate

from alignment_tax.errors import AlignmentTaxError, stage_main

REPORT = Path("reports/alpha_sweep.md")
FIGURE = Path("reports/figures/alpha_sweep.png")


def _states(show: list) -> Iterator[dict]:
    """Every experiment state (baselines and experiments) in `dvc exp show --json` output."""
    for state in show:
        yield state
        for rng in state.get("experiments") or []:
            yield from _states(rng.get("revs") or [])


def sweep_rows(show: list) -> list[dict]:
    rows, seen = [], set()
    for state in _states(show):
        data = state.get("data") or {}
        params = ((data.get("params") or {}).get("params.yaml") or {}).get("data") or {}
        if "alpha" not in params:
            continue
        for path, result in sorted((data.get("metrics") or {}).items()):
            parts = Path(path).parts
            if len(parts) != 4 or parts[:2] != ("metrics", "tldr") or parts[3] != "contrastive.json":
                continue
            m = (result or {}).get("data") or {}
            rev = state["rev"]
            row = {"experiment": state.get("name") or (rev[:7] if len(rev) == 40 else rev), "model": parts[2],
                   "alpha": float(params["alpha"]), "toxicity": (m.get("toxicity") or {}).get("mean"),
                   "faithfulness": (m.get("faithfulness") or {}).get("mean")}
            key = tuple(row[k] for k in ("model", "alpha", "toxicity", "faithfulness"))
            if row["toxicity"] is not None and key not in seen:  # the workspace repeats its experiment
                seen.add(key)
                rows.append(row)
    return sorted(rows, key=lambda r: (r["model"], r["alpha"], r["experiment"]))


def render(rows: list[dict]) -> str:
    table = tabulate([[r["model"], f"{r['alpha']:g}", f"{r['toxicity']:.3f}", f"{r['faithfulness']:.3f}",
                       r["experiment"]] for r in rows],
                     headers=["Model", "α", "Toxicity", "Faithfulness", "Experiment"], tablefmt="github",
                     disable_numparse=True)
    return ("# Contrastive loss weight α (paper Table 14)\n\n" + table +
            "\n\nTL;DR toxicity and faithfulness (means) of the contrastive cell in each DVC experiment "
            "(`dvc exp show`); regenerate with `python -m alignment_tax.report.alpha_sweep`.\n")


@stage_main
def main() -> None:
    proc = subprocess.run([sys.executable, "-m", "dvc", "exp", "show", "--json"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise AlignmentTaxError(f"dvc exp show failed: {proc.stderr.strip().splitlines()[-1:] or proc.returncode}")
    rows = sweep_rows(json.loads(proc.stdout))
    if not rows:
        raise AlignmentTaxError("dvc exp show: no experiment has metrics/tldr/<model>/contrastive.json "
                                "(run the sweep first: dvc exp run --queue -S alpha=1 ...; dvc queue start)")
    from alignment_tax.io import atomic_path
    from alignment_tax.report.figures import alpha_sweep

    with atomic_path(REPORT) as tmp:
        tmp.write_text(render(rows), encoding="utf-8")
    alpha_sweep(rows, FIGURE)
    print(REPORT.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
