"""Stage report: the grid's metrics and per-item files -> reports/alignment_tax.md, plot data, figures.

Tables 1, 2, 4, 5, 6, 7, 8, 9, 14 with deltas against base and paired-bootstrap
intervals; CSVs under plots/ for DVC's Vega plots; PNGs under plots/figures/ that
`dvc plots show` embeds (they need no network).
"""
import csv
from pathlib import Path

from alignment_tax.config import load_params
from alignment_tax.errors import stage_main
from alignment_tax.io import atomic_path
from alignment_tax.report import figures
from alignment_tax.report.build import plot_rows, render
from alignment_tax.report.compare import Comparer
from alignment_tax.report.grid import STAGES, Grid
from alignment_tax.pipeline.stage import begin

REPORT = Path("reports/alignment_tax.md")
PLOTS = Path("plots")
FIGURES = PLOTS / "figures"


def write_csv(path: Path, rows: list[dict]) -> None:
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]) if rows else ["empty"])
        w.writeheader()
        w.writerows(rows)


@stage_main
def main() -> None:
    params = load_params()
    begin(params, seed=False)
    grid = Grid(params.models, params.methods)
    rep = params.benchmarks.report
    cmp = Comparer(grid, rep.resamples, rep.confidence, params.seed, interval=rep.interval,
                   exact_below=rep.exact_below)
    cells = {b: grid.metrics(b) for b in STAGES}
    text = render(cmp, cells)
    rows = plot_rows(cells)
    for name, data in rows.items():
        write_csv(PLOTS / name, data)
    figures.pareto(rows["tldr/tradeoff.csv"], FIGURES / "pareto.png")
    figures.grouped_bars(rows["mmlu_pro/categories.csv"], "acc", "MMLU-Pro accuracy per category",
                         FIGURES / "mmlu_pro_categories.png")
    figures.grouped_bars(rows["truthfulqa/categories.csv"], "mc2", "TruthfulQA MC2 per category",
                         FIGURES / "truthfulqa_categories.png", horizontal=True)
    with atomic_path(REPORT) as tmp:
        tmp.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
