"""The TL;DR part of the alignment-tax report (paper Table 4): grid metrics -> markdown + plot data."""
from __future__ import annotations

from pathlib import Path

from tabulate import tabulate

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.io import read_json

METRICS_DIR = Path("metrics/tldr")


def collect(models: list[str], methods: list[str], metrics_dir: Path = METRICS_DIR) -> dict:
    """{(model, method): metrics}; a missing cell names the stage that should have made it."""
    cells = {}
    for model in models:
        for method in methods:
            path = metrics_dir / model / f"{method}.json"
            if not path.is_file():
                raise AlignmentTaxError(
                    f"{path}: missing metrics for grid cell ({model}, {method}); "
                    f"it is made by stage evaluate_tldr@{model}-{method} (dvc repro evaluate_tldr@{model}-{method})")
            cells[(model, method)] = read_json(path)
    return cells


def _pm(stat: dict) -> str:
    return "absent" if stat.get("mean") is None else f"{stat['mean']:.3f} ± {stat['std']:.3f}"


def delta(value, base) -> str:
    """Signed change with the paper's arrows; '-' for the base row itself."""
    if value is None or base is None:
        return "absent"
    d = round(value - base, 3)
    return "0.000" if d == 0 else f"{'↑' if d > 0 else '↓'} {abs(d):.3f}"


def table4(cells: dict, models: list[str], methods: list[str]) -> str:
    rows = []
    for model in models:
        base = cells.get((model, "base"))
        for method in methods:
            m = cells[(model, method)]
            is_base = method == "base"
            rows.append([
                model if is_base else f"+ {method}",
                _pm(m["original_toxicity"]), _pm(m["toxicity"]),
                "-" if is_base or base is None else delta(m["toxicity"]["mean"], base["toxicity"]["mean"]),
                _pm(m["faithfulness"]),
                "-" if is_base or base is None else delta(m["faithfulness"]["mean"], base["faithfulness"]["mean"]),
                m["n"],
            ])
    return tabulate(rows, headers=["Model", "Original toxicity", "Generated toxicity", "Δ tox",
                                   "Faithfulness", "Δ faith", "n"], tablefmt="github")


def tradeoff_rows(cells: dict) -> list[dict]:
    """One point per grid cell for the toxicity-vs-faithfulness plot."""
    return [{"model": model, "method": method, "cell": f"{model}/{method}",
             "toxicity": m["toxicity"]["mean"], "faithfulness": m["faithfulness"]["mean"]}
            for (model, method), m in sorted(cells.items())]


def render(cells: dict, models: list[str], methods: list[str], scorers: dict) -> str:
    return "\n".join([
        "# Alignment-tax report",
        "",
        "## Reddit TL;DR (paper Table 4)",
        "",
        table4(cells, models, methods),
        "",
        f"Toxicity scorer: `{scorers.get('toxicity')}`; faithfulness scorer: `{scorers.get('faithfulness')}`. "
        "Mean ± sample std over the evaluation posts; Δ against the base model of the same row group.",
        "",
    ])
