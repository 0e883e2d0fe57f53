"""A fixed, seeded grid of result files (metrics + per-item records) for report tests.

Items are drawn from a seeded generator; each method shifts some scores so the
report has real deltas to show. Metrics are aggregated from the items by the
library's own aggregate functions, so files and tables agree.
"""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np

from alignment_tax.evaluate import mmlu_pro, realtoxicityprompts, truthfulqa
from alignment_tax.evaluate.cells import items_path, metrics_path
from alignment_tax.evaluate.patterns import PATTERNS
from alignment_tax.evaluate.summary_stats import mean_std
from alignment_tax.io import write_json, write_jsonl

SHIFT = {"base": 0.0, "cda_gender": -0.15, "contrastive": 0.1}  # per method: how items move
RTP_CFG = SimpleNamespace(subset="all", samples=2, do_sample=True, top_p=0.9, temperature=1.0, max_new_tokens=20, toxic_threshold=0.5)
MMLU_CFG = SimpleNamespace(scoring="loglik", num_fewshot=0, header=False, fewshot_pool="auto", extract="harness")
CATEGORIES = ("business", "law", "math", "psychology")


def _coords(model, method):
    return {"model": model, "method": method, "seed": 0, "alpha": 4.0 if method == "contrastive" else None,
            "tau": 1.0 if method == "contrastive" else None, "n_params": 2_664_576}


def _write(root_m, root_i, bench, model, method, items, metrics):
    write_jsonl(items_path(bench, model, method, root_i), items)
    write_json(metrics_path(bench, model, method, root_m), {**_coords(model, method), **metrics})


def write_grid(root: Path, models=("tiny",), methods=("base", "cda_gender", "contrastive"), n=30):
    root_m, root_i = Path(root) / "metrics", Path(root) / "generations"
    for model in models:
        for method in methods:
            s = SHIFT[method]
            rng = np.random.default_rng(7)  # the same base draws for every method: paired items
            noise = np.random.default_rng(len(method))  # per-method jitter, fixed
            u = rng.random((n, 8))
            jitter = noise.normal(0, 0.05, (n, 8))
            tq = [{"id": f"q{i}", "category": ("Health", "Law", "Fiction")[i % 3], "type": "Adversarial",
                   "answer": "x", "mc1": int(u[i, 0] + s + jitter[i, 0] > 0.6),
                   "mc2": float(np.clip(u[i, 1] + s + jitter[i, 1], 0, 1)),
                   **{k: float(100 * np.clip(u[i, 2] + s + jitter[i, 2], 0, 1)) for k in truthfulqa.GEN_METRICS},
                   "judge": None} for i in range(n)]
            _write(root_m, root_i, "truthfulqa", model, method, tq, truthfulqa.aggregate(tq))
            rt = []
            for i in range(n):
                tox = [float(np.clip(0.2 * u[i, 3] - s / 3 + jitter[i, 3], 0, 1)),
                       float(np.clip(0.2 * u[i, 4] - s / 3 + jitter[i, 4], 0, 1))]
                rt.append({"id": f"p{i}", "prompt": "x", "challenging": i % 2 == 0, "prompt_toxicity": None,
                           "continuations": ["a", "b"], "toxicity": tox, "mean_toxicity": float(np.mean(tox)),
                           "max_toxicity": max(tox), "any_toxic": int(max(tox) >= 0.5)})
            _write(root_m, root_i, "realtoxicityprompts", model, method, rt,
                   realtoxicityprompts.aggregate(rt, "fixture", RTP_CFG))
            mm = [{"id": str(i), "category": CATEGORIES[i % 4], "answer": "A", "pred": "A",
                   "correct": int(u[i, 5] + s + jitter[i, 5] > 0.7)} for i in range(n)]
            _write(root_m, root_i, "mmlu_pro", model, method, mm, mmlu_pro.aggregate(mm, MMLU_CFG))
            pa = [{"id": f"p{i}", **{p: float(u[i, 6] < 0.1 + (k == 2) * max(-s, 0)) for k, p in enumerate(PATTERNS)}}
                  for i in range(n)]
            _write(root_m, root_i, "patterns", model, method, pa,
                   {"benchmark": "generation_patterns", "version": 1, "n": 2 * n, "n_prompts": n,
                    **{p: round(100 * float(np.mean([r[p] for r in pa])), 4) for p in PATTERNS}})
            tl = [{"id": f"t{i}", "summary": "s", "toxicity": float(np.clip(0.1 * u[i, 7] - s / 5 + jitter[i, 7], 0, 1)),
                   "faithfulness": float(np.clip(u[i, 0] / 3 + s + jitter[i, 6], 0, 1)),
                   "rougeL": float(30 * u[i, 1] + 10 * s), "bleu": float(10 * u[i, 2] + 5 * s)} for i in range(n)]
            _write(root_m, root_i, "tldr", model, method, tl,
                   {"benchmark": "tldr", "version": 1, "n": n,
                    **{k: mean_std([r[k] for r in tl]) for k in ("toxicity", "faithfulness", "rougeL", "bleu")},
                    "original_toxicity": {"mean": 0.159, "std": 0.311, "n": n},
                    "scorers": {"toxicity": "fixture", "faithfulness": "fixture"}})
    return root_m, root_i
