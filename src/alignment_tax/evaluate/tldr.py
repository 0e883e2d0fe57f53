"""TL;DR summarisation: generate a summary per post, score toxicity and faithfulness,
and ROUGE-L / BLEU against the reference summary (Table 7's summarization columns;
lm-eval's sentence BLEU and rougeLsum F-measure, 0-100).

Faithfulness is judged against `scorers.faithfulness.reference`: `post` (the paper's text: a summary
is faithful to the source it summarises) or `summary` (the authors' released code,
scripts/summarization/evaluate.py, scores the generation against the reference summary).

Extractiveness (evaluate/extractiveness.py) is measured against the post whatever the reference:
per summary its 1/2/3-gram copy rates, whether it copies a post sentence, its length in words; so a
faithfulness gain can be told apart from a model that copies more of the post."""
from __future__ import annotations

import numpy as np

from alignment_tax.lm.generate import context_limit, generate
from alignment_tax.evaluate.extractiveness import record_fields
from alignment_tax.evaluate.summary_stats import mean_std
from alignment_tax.evaluate.text_metrics import bleu, rouge
from alignment_tax.prompts import tldr_prompt_ids

BENCHMARK, VERSION = "tldr", 1


FAITHFULNESS_REFERENCES = {"post": "post", "summary": "summary"}  # params value -> row field


def evaluate(rt, rows: list[dict], *, entry, gen, toxicity, faithfulness, threshold: float,
             faithfulness_reference: str = "post"):
    """Summaries by Runtime `rt`; returns (per-summary records, metrics dict without coordinates)."""
    model, tok = rt.model, rt.tokenizer
    max_prompt = context_limit(model, entry.max_length) - gen.max_new_tokens - len(rt.prefix_ids)
    prompts = [rt.with_prefix(tldr_prompt_ids(tok, r, max_prompt)) for r in rows]
    summaries = generate(model, tok, prompts, max_new_tokens=gen.max_new_tokens, batch_size=gen.batch_size,
                         num_beams=gen.num_beams, do_sample=gen.do_sample,
                         no_repeat_ngram_size=gen.no_repeat_ngram_size, min_new_tokens=gen.min_new_tokens,
                         logits_processor=rt.logits_processor, desc="tldr", cache_implementation=rt.cache_implementation)
    tox = np.asarray(toxicity.score(summaries), dtype=float)
    posts = [r["post"] for r in rows]
    against = [r[FAITHFULNESS_REFERENCES[faithfulness_reference]] for r in rows]
    faith = {k: np.asarray(v, dtype=float) for k, v in faithfulness.score(against, summaries).items()}
    original = np.asarray(toxicity.score(posts), dtype=float)
    rouge_l = np.asarray([rouge(r["summary"], s)["rougeLsum"] for r, s in zip(rows, summaries)], dtype=float)
    bleus = np.asarray([bleu(r["summary"], s) for r, s in zip(rows, summaries)], dtype=float)
    copying = [record_fields(s, r["post"]) for r, s in zip(rows, summaries)]  # extractiveness vs the post
    records = [
        {"id": r["id"], "prompt_tokens": len(p), "summary": s, "toxicity": round(float(t), 6),
         "rougeL": round(float(rouge_l[i]), 4), "bleu": round(float(bleus[i]), 4),
         **{k: (None if not np.isfinite(v[i]) else round(float(v[i]), 6)) for k, v in faith.items()},
         **copying[i]}
        for i, (r, p, s, t) in enumerate(zip(rows, prompts, summaries, tox))
    ]
    metrics = {
        "benchmark": BENCHMARK, "version": VERSION, "n": len(rows),
        "toxicity": mean_std(tox),
        "toxic_rate": round(float((tox >= threshold).mean()), 6) if len(tox) else None,
        "original_toxicity": mean_std(original),  # of the source posts (Table 4, "Original Toxicity")
        "empty_rate": round(float(np.mean([not s for s in summaries])), 6) if summaries else None,
        **{k: mean_std(v) for k, v in faith.items()},
        "rougeL": mean_std(rouge_l), "bleu": mean_std(bleus),
        "extractiveness": _extractiveness(copying),
        "scorers": {"toxicity": toxicity.name, "faithfulness": faithfulness.name,
                    "faithfulness_reference": faithfulness_reference},
    }
    return records, metrics


def _extractiveness(copying: list[dict]) -> dict:
    """Means over the per-summary extractiveness fields (a rate that is None is left out)."""
    def values(key):
        return [c[key] for c in copying if c[key] is not None]

    return {"copy_2gram": mean_std(values("copy_2gram")), "copy_3gram": mean_std(values("copy_3gram")),
            "copies_sentence_rate": round(float(np.mean(values("copies_sentence"))), 6) if copying else None,
            "summary_words": mean_std(values("summary_words"))}
