"""TL;DR summarisation: generate a summary per post, score toxicity and faithfulness."""
from __future__ import annotations

import numpy as np

from alignment_tax.evaluate.generate import generate
from alignment_tax.evaluate.summary_stats import mean_std
from alignment_tax.prompts import tldr_prompt_ids

BENCHMARK, VERSION = "tldr", 1


def context_limit(model, entry_max_length: int) -> int:
    n_pos = getattr(model.config, "n_positions", None) or getattr(model.config, "max_position_embeddings", None)
    return min(entry_max_length, n_pos) if n_pos else entry_max_length


def evaluate(rt, rows: list[dict], *, entry, gen, toxicity, faithfulness, threshold: float):
    """Summaries by Runtime `rt`; returns (per-summary records, metrics dict without coordinates)."""
    model, tok = rt.model, rt.tokenizer
    max_prompt = context_limit(model, entry.max_length) - gen.max_new_tokens - len(rt.prefix_ids)
    prompts = [rt.with_prefix(tldr_prompt_ids(tok, r, max_prompt)) for r in rows]
    summaries = generate(model, tok, prompts, max_new_tokens=gen.max_new_tokens, batch_size=gen.batch_size,
                         num_beams=gen.num_beams, do_sample=gen.do_sample,
                         no_repeat_ngram_size=gen.no_repeat_ngram_size, min_new_tokens=gen.min_new_tokens,
                         logits_processor=rt.logits_processor, desc="tldr")
    tox = np.asarray(toxicity.score(summaries), dtype=float)
    posts = [r["post"] for r in rows]
    faith = {k: np.asarray(v, dtype=float) for k, v in faithfulness.score(posts, summaries).items()}
    original = np.asarray(toxicity.score(posts), dtype=float)
    records = [
        {"id": r["id"], "prompt_tokens": len(p), "summary": s, "toxicity": round(float(t), 6),
         **{k: (None if not np.isfinite(v[i]) else round(float(v[i]), 6)) for k, v in faith.items()}}
        for i, (r, p, s, t) in enumerate(zip(rows, prompts, summaries, tox))
    ]
    metrics = {
        "benchmark": BENCHMARK, "version": VERSION, "n": len(rows),
        "toxicity": mean_std(tox),
        "toxic_rate": round(float((tox >= threshold).mean()), 6) if len(tox) else None,
        "original_toxicity": mean_std(original),  # of the source posts (Table 4, "Original Toxicity")
        "empty_rate": round(float(np.mean([not s for s in summaries])), 6) if summaries else None,
        **{k: mean_std(v) for k, v in faith.items()},
        "scorers": {"toxicity": toxicity.name, "faithfulness": faithfulness.name},
    }
    return records, metrics
