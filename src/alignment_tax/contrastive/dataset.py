"""The contrastive training set: its row format, the interim source, annotation.

A row (one JSON line of data/contrastive/train.jsonl):
  {"id", "subreddit", "title", "post", "summary", "source_toxic": bool,
   "positives": [item, ...], "negatives": [item, ...]}
  item = {"text", "origin", "toxic": bool, "entities": [[start, end, label], ...]}
The first positive is the reference summary; `origin` names where an item
came from (reference, backtranslate, title; low_confidence, toxic,
entity_swap, mask_regen, other_post_summary). The trainer reads nothing else.

Sources (params contrastive.source):
* `augmented` (default): the augment_<type> stages' outputs, assembled by
  augment/assemble.py (Sec. 4.1-4.2).
* `reference_and_title` (the interim source, kept as an alternative): the
  positives of a post are its reference TL;DR and the post's own title (a
  second human-written short description of the same post); the negatives are
  the reference summaries of `k` other posts, drawn with a seeded RNG. Posts
  without a usable title have a single positive and are dropped (counted).
"""
from __future__ import annotations

import random
from collections import Counter

import numpy as np


def word_count(text: str) -> int:
    return len(text.split())


def reference_and_title(rows: list[dict], negatives_per_source: int, min_words: int, seed: int,
                        drops: Counter) -> list[dict]:
    kept = []
    for row in rows:
        title = (row.get("title") or "").strip()
        if not title:
            drops["no_title"] += 1
            continue
        if word_count(title) < min_words:
            drops["title_under_min_words"] += 1
            continue
        if title.lower() == row["summary"].strip().lower():
            drops["title_equals_summary"] += 1
            continue
        kept.append(row)
    rng = random.Random(seed)
    summaries = [r["summary"] for r in kept]
    n = len(kept)
    out = []
    for i, row in enumerate(kept):
        # O(k) per post, not O(n): draw a few spare indices and drop those with the same summary
        draw = rng.sample(range(n), min(n, negatives_per_source + 8))
        picks = [j for j in draw if j != i and summaries[j] != row["summary"]][:negatives_per_source]
        out.append({
            "id": row["id"], "subreddit": row.get("subreddit"), "title": row.get("title"),
            "post": row["post"], "summary": row["summary"],
            "positives": [{"text": row["summary"], "origin": "reference"},
                          {"text": row["title"].strip(), "origin": "title"}],
            "negatives": [{"text": summaries[j], "origin": "other_post_summary"} for j in picks],
        })
    return out


def annotate(rows: list[dict], toxicity, nlp, threshold: float, batch_size: int) -> None:
    """Add `toxic` flags (scorer >= threshold) and NE character spans, in place, batched."""
    from alignment_tax.scorers.ner import entity_spans

    items = [it for r in rows for it in r["positives"] + r["negatives"]]
    texts = [it["text"] for it in items]
    scores = np.asarray(toxicity.score(texts)) if texts else np.zeros(0)
    spans = entity_spans(nlp, texts, batch_size) if texts else []
    for it, s, sp in zip(items, scores, spans):
        it["toxic"] = bool(s >= threshold)
        it["entities"] = [[int(a), int(b), str(label)] for a, b, label in sp]
    post_scores = toxicity.score([r["post"] for r in rows]) if rows else []
    for r, s in zip(rows, post_scores):
        r["source_toxic"] = bool(s >= threshold)


def stats(rows: list[dict], drops: Counter, n_read: int) -> dict:
    negs = [it for r in rows for it in r["negatives"]]
    with_entities = sum(any(it["entities"] for it in r["positives"]) for r in rows)
    return {
        "read": n_read, "rows": len(rows), "dropped": dict(sorted(drops.items())),
        "positives_per_source": round(float(np.mean([len(r["positives"]) for r in rows])), 4) if rows else 0.0,
        "negatives_per_source": round(float(np.mean([len(r["negatives"]) for r in rows])), 4) if rows else 0.0,
        "share_sources_with_entities": round(with_entities / len(rows), 4) if rows else 0.0,  # paper: 0.29
        "share_negatives_toxic": round(sum(it["toxic"] for it in negs) / len(negs), 4) if negs else 0.0,  # paper: 0.2319
        "share_sources_toxic": round(sum(r["source_toxic"] for r in rows) / len(rows), 4) if rows else 0.0,
    }
