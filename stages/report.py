"""Stage report: the grid's metrics -> reports/alignment_tax.md and plot data."""
import csv
from pathlib import Path

from alignment_tax.config import load_params
from alignment_tax.errors import stage_main
from alignment_tax.io import atomic_path
from alignment_tax.report import tldr

REPORT = Path("reports/alignment_tax.md")
TRADEOFF = Path("plots/tldr/tradeoff.csv")


@stage_main
def main() -> None:
    params = load_params()
    models, methods = list(params.models), list(params.methods)
    cells = tldr.collect(models, methods)
    scorers = next(iter(cells.values()))["scorers"]
    with atomic_path(REPORT) as tmp:
        tmp.write_text(tldr.render(cells, models, methods, scorers), encoding="utf-8")
    points = tldr.tradeoff_rows(cells)
    with atomic_path(TRADEOFF) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(points[0]))
        w.writeheader()
        w.writerows(points)
    print(REPORT.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
