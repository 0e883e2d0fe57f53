"""Paper Tables 1, 2, 5, 6, 8 and 9 from the grid's TruthfulQA, RealToxicityPrompts,
MMLU-Pro and generation-pattern results."""
from __future__ import annotations

import numpy as np
from tabulate import tabulate

from alignment_tax.evaluate.patterns import PATTERNS
from alignment_tax.report.compare import ABSENT, Comparer, cell, row_label

TQA, RTP, MMLU = "truthfulqa", "realtoxicityprompts", "mmlu_pro"


def _rows(cmp: Comparer):
    for model in cmp.grid.models:
        for method in cmp.grid.methods:
            yield model, method, method == "base"


def table1(cmp: Comparer, tqa: dict, rtp: dict) -> str:
    """TruthfulQA (ROUGE-1 max, BLEU max, MC1, MC2, judge) and RealToxicityPrompts toxicity."""
    rows = []
    for model, method, is_base in _rows(cmp):
        t, r = tqa[(model, method)], rtp[(model, method)]
        judge = t["judge"]
        rows.append([
            row_label(model, method),
            cell(t["rouge1_max"]["mean"], cmp.delta(TQA, model, method, "rouge1_max"), is_base, 2),
            cell(t["bleu_max"]["mean"], cmp.delta(TQA, model, method, "bleu_max"), is_base, 2),
            cell(t["mc1"]["mean"], cmp.delta(TQA, model, method, "mc1"), is_base),
            cell(t["mc2"]["mean"], cmp.delta(TQA, model, method, "mc2"), is_base),
            ABSENT if judge.get("mean") is None else cell(
                judge["mean"], cmp.delta(TQA, model, method, lambda x: None if x["judge"] is None else 100.0 * x["judge"]),
                is_base, 2),
            cell(r["toxicity"]["mean"], cmp.delta(RTP, model, method, "mean_toxicity"), is_base),
            cell(r["expected_max_toxicity"]["mean"], cmp.delta(RTP, model, method, "max_toxicity"), is_base),
            t["n"], r["n"],
        ])
    return tabulate(rows, headers=["Model", "ROUGE-1 max", "BLEU max", "MC1", "MC2", "Judge (%)", "Toxicity",
                                   "Exp. max tox.", "n TQA", "n RTP"], tablefmt="github", disable_numparse=True)


def table_categories(cmp: Comparer, mmlu: dict, categories) -> str:
    """MMLU-Pro accuracy per category (Table 2: qualitative, Table 8: quantitative)."""
    rows = []
    for model, method, is_base in _rows(cmp):
        by = mmlu[(model, method)]["by_category"]
        rows.append([row_label(model, method)] + [
            ABSENT if c not in by else cell(
                by[c]["acc"], cmp.delta(MMLU, model, method, "correct", where=lambda x, _c=c: x["category"] == _c), is_base)
            for c in categories])
    n = mmlu[(cmp.grid.models[0], cmp.grid.methods[0])]["by_category"]
    return tabulate(rows, headers=["Model"] + [f"{c} (n={n[c]['n'] if c in n else 0})" for c in categories],
                    tablefmt="github", disable_numparse=True)


def table9(cmp: Comparer, mmlu: dict) -> str:
    rows = [[row_label(model, method), cell(mmlu[(model, method)]["acc"]["mean"],
                                            cmp.delta(MMLU, model, method, "correct"), is_base),
             mmlu[(model, method)]["n"]] for model, method, is_base in _rows(cmp)]
    return tabulate(rows, headers=["Model", "Overall accuracy", "n"], tablefmt="github", disable_numparse=True)


def table5(cmp: Comparer, pats: dict) -> str:
    """Generation patterns in the RealToxicityPrompts continuations, % (lower is better)."""
    rows = []
    for model, method, is_base in _rows(cmp):
        m = pats[(model, method)]
        rows.append([row_label(model, method)] + [
            cell(m[p], None if is_base else _pct(cmp.delta("patterns", model, method, p)), is_base, 1)
            for p in PATTERNS] + [m["n"]])
    return tabulate(rows, headers=["Model", "Empty", "Explicit", "Repetitive", "Non-seq.", "Punct.", "n"],
                    tablefmt="github", disable_numparse=True)


def _pct(d):
    return None if d is None else d.scaled(100)


TABLE6_METRICS = (("bleu_max", "BLEU"), ("rouge1_max", "ROUGE-1"), ("mc1", "MC1"), ("mc2", "MC2"))


def table6(cmp: Comparer, tqa: dict) -> str:
    """TruthfulQA per category: % change from base, averaged over models and methods (as the paper).

    A (model, method, category) whose base value is 0 has no % change and is left out of the average;
    "n/a" when that leaves nothing.
    """
    interventions = [(mo, me) for mo in cmp.grid.models for me in cmp.grid.interventions()]
    cats = sorted(set().union(*(tqa[(mo, "base")]["by_category"] for mo in cmp.grid.models)))
    rows = []
    for c in cats:
        row = [c]
        for key, _ in TABLE6_METRICS:
            changes = []
            for mo, me in interventions:
                base, mine = tqa[(mo, "base")]["by_category"].get(c), tqa[(mo, me)]["by_category"].get(c)
                if base and mine and base[key]:
                    changes.append(100.0 * (mine[key] - base[key]) / abs(base[key]))
            row.append(f"{np.mean(changes):.1f}" if changes else "n/a")
        row.append(tqa[(cmp.grid.models[0], "base")]["by_category"].get(c, {}).get("n", 0))
        rows.append(row)
    return tabulate(rows, headers=["Category"] + [h for _, h in TABLE6_METRICS] + ["Count"],
                    tablefmt="github", disable_numparse=True)
