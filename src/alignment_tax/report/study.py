"""The seed study: contrastive against its CE-only control, with seed variance in every interval.

For each model of the grid, the trained methods (`training_runs`: contrastive, ce_only, each at
its seeds) and DPO are compared with base and contrastive with ce_only (seed-matched: the same data
order), per metric, by report/seeds.two_level_interval. The cell means come from the metrics
files (so the summary's numbers are theirs); the per-item values that give the item part of each
interval come from the cells' records. `summary()` is the machine-readable result
(reports/<study_name>.json), `render()` its page, `verdict()` the paragraph written from the
numbers, whichever way they fall.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np

from alignment_tax.evaluate.cells import items_path, metrics_path
from alignment_tax.grid import method_kind, training_run
from alignment_tax.report.seeds import SeedInterval, seed_t_interval, two_level_interval


@dataclass(frozen=True)
class Metric:
    name: str
    benchmark: str
    path: tuple  # keys into the cell's metrics file, to the cell mean
    field: Optional[str]  # per-item record field (None: a cell-level number, seed variance only)
    kind: Optional[str] = None  # records of this `kind` only (likelihood perturbations)
    better: int = 1  # +1 higher is better, -1 lower is better, 0 neither (a property, e.g. copy rate)
    digits: int = 3


METRICS = (
    Metric("tldr_toxicity", "tldr", ("toxicity", "mean"), "toxicity", better=-1),
    Metric("tldr_faithfulness", "tldr", ("faithfulness", "mean"), "faithfulness"),
    Metric("tldr_copy_2gram", "tldr", ("extractiveness", "copy_2gram", "mean"), "copy_2gram", better=0),
    Metric("tldr_copies_sentence", "tldr", ("extractiveness", "copies_sentence_rate"), "copies_sentence", better=0),
    Metric("tldr_summary_words", "tldr", ("extractiveness", "summary_words", "mean"), "summary_words", better=0,
           digits=1),
    Metric("tldr_rougeL", "tldr", ("rougeL", "mean"), "rougeL", digits=2),
    Metric("rtp_toxicity", "realtoxicityprompts", ("toxicity", "mean"), "mean_toxicity", better=-1),
    Metric("rtp_expected_max_toxicity", "realtoxicityprompts", ("expected_max_toxicity", "mean"), "max_toxicity",
           better=-1),
    Metric("truthfulqa_mc2", "truthfulqa", ("mc2", "mean"), "mc2"),
    Metric("mmlu_pro_acc", "mmlu_pro", ("acc", "mean"), "correct"),
    Metric("heldout_bits_per_byte", "likelihood", ("heldout_bits_per_byte",), None, better=-1),
    Metric("margin_entity_swap", "likelihood", ("entity_swap", "margin_per_token", "mean"), "margin_per_token",
           kind="entity_swap"),
    Metric("margin_negation", "likelihood", ("negation", "margin_per_token", "mean"), "margin_per_token",
           kind="negation"),
    Metric("margin_false_claim", "likelihood", ("false_claim", "margin_per_token", "mean"), "margin_per_token",
           kind="false_claim"),
)
BY_NAME = {m.name: m for m in METRICS}


def _dig(node, path: tuple):
    for k in path:
        node = None if node is None else node.get(k)
    return node


class Cells:
    """Metrics files and per-item records of one grid, read once each."""

    def __init__(self, metrics_root: Path = Path("metrics"), items_root: Path = Path("data/generations")):
        self.metrics_root, self.items_root = Path(metrics_root), Path(items_root)
        self._m: dict = {}
        self._r: dict = {}

    def mean(self, metric: Metric, model: str, method: str) -> Optional[float]:
        key = (metric.benchmark, model, method)
        if key not in self._m:
            path = metrics_path(metric.benchmark, model, method, self.metrics_root)
            self._m[key] = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
        v = _dig(self._m[key], metric.path)
        return None if v is None else float(v)

    def items(self, metric: Metric, model: str, method: str) -> Optional[dict]:
        """{item id: value} of the cell's records (None: a cell-level metric or no records)."""
        if metric.field is None:
            return None
        key = (metric.benchmark, model, method)
        if key not in self._r:
            path = items_path(metric.benchmark, model, method, self.items_root)
            self._r[key] = ([json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
                            if path.is_file() else None)
        rows = self._r[key]
        if rows is None:
            return None
        out = {}
        for r in rows:
            if metric.kind is not None and r.get("kind") != metric.kind:
                continue
            v = r.get(metric.field)
            if v is not None and np.isfinite(float(v)):
                out[str(r["id"])] = float(v)
        return out


def deltas(cells: Cells, metric: Metric, model: str, runs: list[str], refs: list[str]) -> Optional[tuple]:
    """(per-seed deltas from the metrics files, (seeds, items) per-item deltas) of runs[k] - refs[k]."""
    per_seed = []
    for run, ref in zip(runs, refs):
        a, b = cells.mean(metric, model, run), cells.mean(metric, model, ref)
        if a is None or b is None:
            return None
        per_seed.append(round(a - b, 6))
    items = [(cells.items(metric, model, run), cells.items(metric, model, ref)) for run, ref in zip(runs, refs)]
    if metric.field is None or any(a is None or b is None for a, b in items):
        return per_seed, np.asarray(per_seed, dtype=float).reshape(-1, 1)
    common = sorted(set.intersection(*[set(a) & set(b) for a, b in items]))
    if not common:
        return per_seed, np.asarray(per_seed, dtype=float).reshape(-1, 1)
    return per_seed, np.asarray([[a[i] - b[i] for i in common] for a, b in items], dtype=float)


def _entry(per_seed: list, d: np.ndarray, confidence: float) -> dict:
    iv: SeedInterval = two_level_interval(d, confidence)
    mean = float(np.mean(per_seed))
    half = (iv.high - iv.low) / 2 if np.isfinite(iv.low) else None
    seed_iv = seed_t_interval(per_seed, confidence)
    return {"mean": round(mean, 6),
            "ci_low": None if half is None else round(mean - half, 6),
            "ci_high": None if half is None else round(mean + half, 6),
            "significant": bool(iv.significant), "seed_variance": iv.seed_variance, "items": iv.items,
            "detectable_80": None if not np.isfinite(iv.detectable(0.8, confidence)) else round(iv.detectable(0.8, confidence), 6),
            "seed_t_interval": None if seed_iv is None else [round(x, 6) for x in seed_iv]}


def runs_of(params, kind: str) -> list[str]:
    """The seeded runs of a trained kind, in seed order."""
    runs = [m for m in params.methods if method_kind(m) == kind]
    if kind in ("contrastive", "ce_only"):
        return sorted(runs, key=lambda m: training_run(m, params.seed)[1])
    return runs


def _seed(params, method: str) -> int:
    kind = method_kind(method)
    return training_run(method, params.seed)[1] if kind in ("contrastive", "ce_only") else int(params.seed)


def _training(params, model: str, method: str, metrics_root: Path) -> dict:
    kind = method_kind(method)
    if kind in ("contrastive", "ce_only"):
        path = Path(metrics_root) / "train" / method / f"{model}.json"
        m = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        return {"examples_seen": m.get("examples_seen"), "optimizer_steps": m.get("steps"),
                "first_ce": m.get("first_ce"), "final_ce": m.get("final_ce"), "final_cl": m.get("final_cl"),
                "toxic_batch_share": m.get("toxic_batch_share")}
    path = Path(metrics_root) / "debias" / model / f"{method}.json"
    m = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    seen = m.get("examples_seen")
    if seen is None and m.get("steps") is not None:  # the DPO stage records its steps; a step takes the zoo
        entry = params.model_zoo[model]            # entry's batch x grad_accum rows (debias/dpo.py)
        seen = int(m["steps"]) * int(entry.batch_size) * int(entry.grad_accum)
    return {"examples_seen": seen, "optimizer_steps": m.get("steps")}


def summary(params, cells: Cells, metrics_root: Path = Path("metrics"), confidence: float = 0.95) -> dict:
    """The study's machine-readable result (see the module docstring)."""
    out = {"models": {}, "confidence": confidence, "augmenters": {
        "low_confidence": params.augment.low_confidence.model, "toxic": params.augment.toxic.model,
        "mask_regen": params.augment.mask_regen.fill_model}}
    ce_runs = runs_of(params, "ce_only")
    for model in params.models:
        methods = {}
        for kind in ("contrastive", "ce_only", "dpo"):
            runs = runs_of(params, kind)
            if not runs:
                continue
            seeds = [_seed(params, r) for r in runs]
            train = [_training(params, model, r, metrics_root) for r in runs]
            entry = {"runs": runs, "seeds": seeds,
                     "examples_seen": train[0]["examples_seen"], "optimizer_steps": train[0]["optimizer_steps"],
                     "training": dict(zip(runs, train)), "metrics": {}}
            ce_by_seed = {_seed(params, r): r for r in ce_runs}
            matched = [(r, ce_by_seed[s]) for r, s in zip(runs, seeds) if s in ce_by_seed]
            for metric in METRICS:
                got = deltas(cells, metric, model, runs, ["base"] * len(runs))
                if got is None:
                    continue
                e = {"per_seed": got[0], **_entry(got[0], got[1], confidence)}
                if kind != "ce_only" and matched:
                    vs = deltas(cells, metric, model, [a for a, _ in matched], [b for _, b in matched])
                    e["vs_ce_only"] = None if vs is None else {"per_seed": vs[0], **_entry(vs[0], vs[1], confidence)}
                base = cells.mean(metric, model, "base")
                e["base"] = None if base is None else round(base, 6)
                entry["metrics"][metric.name] = e
            methods[kind] = entry
        out["models"][model] = {"methods": methods}
    if len(params.models) == 1:  # a one-model study: its fields at the top too (the summary's documented shape)
        model = params.models[0]
        augmenters = set(out["augmenters"].values())
        out.update({"model": model, "methods": out["models"][model]["methods"],
                    "augmenter": augmenters.pop() if len(augmenters) == 1 else dict(out["augmenters"]),
                    "seeds": sorted({s for e in out["models"][model]["methods"].values() for s in e["seeds"]})})
    return out


# The paper's Table 4 rows for contrastive learning (generated toxicity and faithfulness, delta vs base)
PAPER_TABLE4 = {"GPT2": (-0.007, 0.018), "Phi2": (-0.014, 0.195), "Llama2-7B": (-0.013, 0.285)}


def _fmt(x, digits: int = 3) -> str:
    return "-" if x is None else f"{x:+.{digits}f}"


def _iv(e: Optional[dict], digits: int = 3) -> str:
    if not e:
        return "-"
    ci = "" if e.get("ci_low") is None else f" [{e['ci_low']:+.{digits}f}, {e['ci_high']:+.{digits}f}]"
    mark = "*" if e.get("significant") else ""
    return f"{e['mean']:+.{digits}f}{ci}{mark}"


def _claim(e: Optional[dict], better: int, bound: float) -> str:
    """One claim's reading: a significant change in the wanted direction supports it, in the other
    contradicts it; an interval inside +-bound rules out an effect that large; otherwise cannot tell."""
    if e is None or e.get("ci_low") is None:
        return "not measured"
    if e["significant"]:
        return "supports" if np.sign(e["mean"]) == better else "contradicts"
    if -bound < e["ci_low"] and e["ci_high"] < bound:
        return f"no effect as large as {bound:g}"
    det = e.get("detectable_80")
    return "cannot tell at this power" + ("" if det is None else f" (80 % power only for effects beyond ±{det:.3f})")


def verdict(result: dict, model: str) -> list[str]:
    """The verdict sentences for one model, from the contrastive - ce_only intervals."""
    c = result["models"][model]["methods"].get("contrastive")
    if c is None or "ce_only" not in result["models"][model]["methods"]:
        return [f"{model}: no contrastive and ce_only runs, no verdict."]
    m = c["metrics"]

    def vs(name):
        return (m.get(name) or {}).get("vs_ce_only")

    tox = vs("rtp_expected_max_toxicity")
    faith, copy = vs("tldr_faithfulness"), vs("tldr_copy_2gram")
    lines = [f"**{model}, contrastive against ce_only ({len(c['seeds'])} seeds each, seed-matched; intervals "
             f"include seed variance; * = the interval excludes 0):**"]
    lines.append(f"- Toxicity (RealToxicityPrompts, challenging prompts, expected maximum toxicity): "
                 f"{_iv(tox)}: **{_claim(tox, -1, 0.02)}** (the paper's claim: contrastive lowers toxicity).")
    t_tldr = vs("tldr_toxicity")
    lines.append(f"- TL;DR toxicity: {_iv(t_tldr)}: **{_claim(t_tldr, -1, 0.02)}**.")
    reading = _claim(faith, 1, 0.01)
    if reading == "supports" and copy is not None and copy["significant"] and copy["mean"] > 0:
        reading = "a gain that comes with more copying from the post (copy rate up): not counted"
    lines.append(f"- Faithfulness (MiniLM support by the post): {_iv(faith)}, copy rate (2-grams) {_iv(copy)}: "
                 f"**{reading}**.")
    tax = [(n, vs(n)) for n in ("truthfulqa_mc2", "heldout_bits_per_byte", "tldr_rougeL")]
    paid = [n for n, e in tax if e and e["significant"] and np.sign(e["mean"]) == -BY_NAME[n].better]
    lines.append("- Tax (TruthfulQA MC2, held-out bits per byte, ROUGE-L): "
                 + ", ".join(f"{n} {_iv(e, BY_NAME[n].digits)}" for n, e in tax)
                 + (f": **the contrastive term costs {', '.join(paid)}**." if paid else
                    ": **no cost detected** beyond the CE-only control."))
    marg = [(n, vs(n)) for n in ("margin_entity_swap", "margin_negation", "margin_false_claim")]
    lines.append("- What the term teaches (log-likelihood margin per token of the reference over a perturbed "
                 "summary; entity swap is in the training set, negation and the false claim are not): "
                 + ", ".join(f"{n.removeprefix('margin_')} {_iv(e)}" for n, e in marg) + ".")
    return lines


def render(result: dict, params) -> str:
    lines = ["# Seed study: contrastive vs its CE-only control", "",
             "Generated by `stages/study_report.py` from the metrics files (report/study.py). Deltas against "
             "base unless marked; each interval includes seed variance (report/seeds.py); * = it excludes 0. "
             "With one seed (DPO) the interval holds item variance only and is never marked.", ""]
    for model, mres in result["models"].items():
        methods = mres["methods"]
        lines += [f"## {model}", ""]
        for kind, e in methods.items():
            lines.append(f"- {kind}: runs {', '.join(e['runs'])} (seeds {e['seeds']}), "
                         f"{e['optimizer_steps']} optimizer steps, {e['examples_seen']} examples seen per run")
        lines += ["", "| metric | base | " + " | ".join(f"{k} - base" for k in methods)
                  + " | contrastive - ce_only | detectable (80 %) | per seed (contrastive - ce_only) |",
                  "|---" * (len(methods) + 5) + "|"]
        for metric in METRICS:
            cols, vs = [], None
            base = None
            for kind, e in methods.items():
                me = e["metrics"].get(metric.name)
                base = base if me is None else me.get("base")
                cols.append(_iv(me, metric.digits))
                if kind == "contrastive" and me:
                    vs = me.get("vs_ce_only")
            per = "-" if not vs else ", ".join(_fmt(x, metric.digits) for x in vs["per_seed"])
            det = None if not vs else vs.get("detectable_80")
            det = "-" if det is None else f"±{det:.{metric.digits}f}"
            lines.append(f"| {metric.name} | {'-' if base is None else f'{base:.{metric.digits}f}'} | "
                         + " | ".join(cols) + f" | {_iv(vs, metric.digits)} | {det} | {per} |")
        lines += ["", "### Verdict", ""] + verdict(result, model) + [""]
        c = methods.get("contrastive", {}).get("metrics", {})
        lines += ["### Beside the paper (Table 4, contrastive learning, delta vs base)", "",
                  "| model | TL;DR toxicity | faithfulness |", "|---|---|---|"]
        lines += [f"| {name} (paper) | {tox:+.3f} | {faith:+.3f} |" for name, (tox, faith) in PAPER_TABLE4.items()]
        lines.append(f"| {model} (this study) | {_iv(c.get('tldr_toxicity'))} | {_iv(c.get('tldr_faithfulness'))} |")
        lines += ["", "The paper scores faithfulness with the detector of Achintalwar et al. (2024), this study with "
                  "MiniLM support by the post (docs/scorers.md): the columns share a direction, not a scale.", ""]
    return "\n".join(lines)


HEADLINE = ("rtp_expected_max_toxicity", "rtp_toxicity", "tldr_toxicity", "tldr_faithfulness", "tldr_copy_2gram",
            "truthfulqa_mc2", "heldout_bits_per_byte", "tldr_rougeL", "margin_entity_swap", "margin_negation",
            "margin_false_claim")


def headline(result: dict, model: str) -> str:
    """The README's table: the study's main metrics, cells formatted exactly as in render()."""
    methods = result["models"][model]["methods"]
    c, e = methods["contrastive"]["metrics"], methods["ce_only"]["metrics"]
    rows = [f"| {model} study | base | contrastive − base | ce_only − base | contrastive − ce_only | detectable (80 %) |",
            "|---|---|---|---|---|---|"]
    for name in HEADLINE:
        m = BY_NAME[name]
        if name not in c:
            continue
        vs = c[name].get("vs_ce_only") or {}
        det = vs.get("detectable_80")
        rows.append(f"| {name} | {c[name]['base']:.{m.digits}f} | {_iv(c[name], m.digits)} | {_iv(e.get(name), m.digits)} "
                    f"| {_iv(vs, m.digits)} | {'-' if det is None else f'±{det:.{m.digits}f}'} |")
    return "\n".join(rows)
