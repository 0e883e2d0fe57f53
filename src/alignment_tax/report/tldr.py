"""The TL;DR part of the report: Table 4 (with paired-bootstrap deltas), Table 14 (alpha), Pareto points."""
from __future__ import annotations

from tabulate import tabulate

from alignment_tax.report.compare import ABSENT, Comparer, cell, delta_text, row_label

TLDR = "tldr"


def _pm(stat) -> str:
    return ABSENT if not stat or stat.get("mean") is None else f"{stat['mean']:.3f} ± {stat['std']:.3f}"


def table4(cmp: Comparer, cells: dict) -> str:
    rows = []
    for model in cmp.grid.models:
        for method in cmp.grid.methods:
            m, is_base = cells[(model, method)], method == "base"

            def d(field, _mo=model, _me=method):
                return "-" if is_base else delta_text(cmp.delta(TLDR, _mo, _me, field))
            rows.append([
                row_label(model, method), _pm(m["original_toxicity"]),
                _pm(m["toxicity"]), d("toxicity"), _pm(m["faithfulness"]), d("faithfulness"),
                cell((m.get("rougeL") or {}).get("mean"), None if is_base else cmp.delta(TLDR, model, method, "rougeL"),
                     is_base, 2),
                cell((m.get("bleu") or {}).get("mean"), None if is_base else cmp.delta(TLDR, model, method, "bleu"),
                     is_base, 2),
                m["n"],
            ])
    return tabulate(rows, headers=["Model", "Original toxicity", "Generated toxicity", "Δ tox", "Faithfulness",
                                   "Δ faith", "ROUGE-L", "BLEU", "n"], tablefmt="github", disable_numparse=True)


def table14(cells: dict, models: list[str]) -> str:
    """This run's alpha row per model (the contrastive method); other alphas come from other experiments."""
    rows = [[model, cells[(model, "contrastive")].get("alpha"), _pm(cells[(model, "contrastive")]["toxicity"]),
             _pm(cells[(model, "contrastive")]["faithfulness"])]
            for model in models if (model, "contrastive") in cells]
    return tabulate(rows, headers=["Model", "α", "Toxicity", "Faithfulness"], tablefmt="github",
                    disable_numparse=True)


def frontier(points: list[tuple[float, float]]) -> list[bool]:
    """Pareto-optimal flags for (toxicity, faithfulness): nothing else is at most as toxic and at
    least as faithful while strictly better in one of the two."""
    flags = []
    for i, (t, f) in enumerate(points):
        dominated = any(t2 <= t and f2 >= f and (t2 < t or f2 > f)
                        for j, (t2, f2) in enumerate(points) if j != i)
        flags.append(not dominated)
    return flags


def tradeoff_rows(cells: dict) -> list[dict]:
    """One point per grid cell for the toxicity-vs-faithfulness plot; frontier per model."""
    out = []
    for model in sorted({mo for mo, _ in cells}):
        group = sorted((me, m) for (mo, me), m in cells.items() if mo == model)
        pts = [(m["toxicity"]["mean"], m["faithfulness"]["mean"]) for _, m in group]
        ok = [p[0] is not None and p[1] is not None for p in pts]
        flags = iter(frontier([p for p, k in zip(pts, ok) if k]))
        for (method, m), k in zip(group, ok):
            out.append({"model": model, "method": method, "cell": f"{model}/{method}",
                        "toxicity": m["toxicity"]["mean"], "faithfulness": m["faithfulness"]["mean"],
                        "frontier": int(next(flags)) if k else 0})
    return out
