"""Table 7: how often an intervention degrades a capability, per model, and its correlation with size.

Degradation share = the fraction of (intervention, metric) pairs whose mean got
worse than base (paper: TruthfulQA ROUGE, BLEU, MC1 and judge; MMLU-Pro's seven
qualitative subjects; summarization ROUGE-L and BLEU). Overall = the mean of the
three shares (the paper's numbers satisfy this). Beyond the paper, a second
share counts only declines whose paired-bootstrap interval excludes 0.
The correlation with size is Pearson's r over the models of the grid; with fewer
than three models it is not computed, and the table says so.
"""
from __future__ import annotations

import numpy as np
from tabulate import tabulate

from alignment_tax.report.subjects import QUALITATIVE
from alignment_tax.report.compare import ABSENT, Comparer

MIN_MODELS_FOR_R = 3


def _checks(cmp: Comparer, model: str, tqa: dict, mmlu: dict):
    """{group: [(benchmark, field, where)]} for one model: the metrics Table 7 counts."""
    tq = [("truthfulqa", f, None) for f in ("rouge1_max", "bleu_max", "mc1")]
    if tqa[(model, "base")]["judge"].get("mean") is not None:
        tq.append(("truthfulqa", lambda r: None if r["judge"] is None else r["judge"], None))
    cats = [c for c in QUALITATIVE if c in mmlu[(model, "base")]["by_category"]]
    mm = [("mmlu_pro", "correct", (lambda r, _c=c: r["category"] == _c)) for c in cats]
    summ = [("tldr", f, None) for f in ("rougeL", "bleu")]
    return {"TruthfulQA": tq, "MMLU-Pro qualitative": mm, "Summarization": summ}


def shares(cmp: Comparer, tqa: dict, mmlu: dict) -> dict:
    """{model: {group: (share degraded, share significantly degraded, n pairs)}}."""
    out = {}
    for model in cmp.grid.models:
        out[model] = {}
        for group, checks in _checks(cmp, model, tqa, mmlu).items():
            worse = sig = n = 0
            for method in cmp.grid.interventions():
                for bench, field, where in checks:
                    d = cmp.delta(bench, model, method, field, where=where)
                    if d is None:
                        continue
                    n += 1
                    worse += d.delta < 0
                    sig += d.delta < 0 and d.excludes_zero
            out[model][group] = (worse / n, sig / n, n) if n else (None, None, 0)
    return out


def _pct(v) -> str:
    return ABSENT if v is None else f"{100 * v:.1f}"


def table7(cmp: Comparer, tqa: dict, mmlu: dict) -> str:
    s = shares(cmp, tqa, mmlu)
    groups = list(next(iter(s.values())))
    rows, cols = [], {g: [] for g in groups + ["Overall"]}
    sizes = []
    for model in cmp.grid.models:
        size = tqa[(model, "base")].get("n_params")
        sizes.append(size / 1e9 if size else None)
        vals = [s[model][g] for g in groups]
        overall = [v[0] for v in vals if v[0] is not None]
        overall_sig = [v[1] for v in vals if v[1] is not None]
        o = (np.mean(overall) if overall else None, np.mean(overall_sig) if overall_sig else None)
        for g, v in zip(groups + ["Overall"], vals + [o]):
            cols[g].append(v[0])
        rows.append([model, ABSENT if size is None else f"{size / 1e9:.4g}"] +
                    [f"{_pct(v[0])} ({_pct(v[1])})" for v in vals + [o]])
    rows.append(["Correlation with size", "-"] + [_corr(sizes, cols[g]) for g in groups + ["Overall"]])
    return tabulate(rows, headers=["Model", "Parameters (B)"] + [f"{g} degradation (%)" for g in groups] +
                    ["Overall degradation (%)"], tablefmt="github", disable_numparse=True)


def _corr(x, y) -> str:
    pairs = [(a, b) for a, b in zip(x, y) if a is not None and b is not None]
    if len(pairs) < MIN_MODELS_FOR_R:
        return f"n/a ({len(pairs)} model{'s' if len(pairs) != 1 else ''}; needs ≥ {MIN_MODELS_FOR_R})"
    a, b = np.array(pairs, dtype=float).T
    if a.std() == 0 or b.std() == 0:
        return "n/a (no variation)"
    return f"{np.corrcoef(a, b)[0, 1]:.3f}"
