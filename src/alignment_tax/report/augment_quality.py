"""Is the assembled contrastive set what the paper means by it? Per augmentation, measured.

For every origin of positives and negatives in data/contrastive/train.jsonl (reference,
backtranslate, low_confidence, toxic, entity_swap, mask_regen):
- count, and texts per source;
- English-like: the text's per-token perplexity under the judge LM (the study's own augmenter,
  unconditioned) is at most the 95th percentile of the human reference summaries' (so the bar is
  set by real summaries, not by a constant);
- on topic: the text shares at least one content word (letters, not a stop word) with its post;
- toxic: share flagged toxic by the configured scorer (the `toxic` flag contrastive_data wrote).
The toxic rewrites' own scores (data/augment/toxic/train.jsonl: kept ones only) and the share of
generated rewrites that reached the threshold (metrics/augment/toxic.json) are reported beside them,
with five examples per origin.
"""
from __future__ import annotations

import math
import re
from collections import defaultdict

import numpy as np
import torch

from alignment_tax.evaluate.summary_stats import mean_std

WORD = re.compile(r"[^\W\d_]+")
EXAMPLES = 5


def content_words(text: str, stop: frozenset) -> set:
    return {w for w in (m.group().lower() for m in WORD.finditer(text)) if w not in stop and len(w) > 2}


@torch.no_grad()
def perplexities(model, tok, texts: list[str], batch_size: int = 16, max_tokens: int = 96) -> list[float]:
    """Per-token perplexity of each text after the model's start token (nothing else as context)."""
    start = tok.bos_token_id if tok.bos_token_id is not None else tok.eos_token_id
    out = [math.nan] * len(texts)
    ids = [[start] + tok(t, add_special_tokens=False)["input_ids"][:max_tokens] for t in texts]
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    for b in range(0, len(order), batch_size):
        idx = order[b:b + batch_size]
        width = max(len(ids[i]) for i in idx)
        x = torch.full((len(idx), width), start, dtype=torch.long)
        mask = torch.zeros_like(x)
        for j, i in enumerate(idx):
            x[j, :len(ids[i])], mask[j, :len(ids[i])] = torch.tensor(ids[i]), 1
        logp = torch.log_softmax(model(input_ids=x, attention_mask=mask).logits[:, :-1].float(), dim=-1)
        nll = -logp.gather(-1, x[:, 1:].unsqueeze(-1)).squeeze(-1) * mask[:, 1:]
        for j, i in enumerate(idx):
            n = int(mask[j, 1:].sum())
            out[i] = math.exp(float(nll[j].sum()) / n) if n else math.nan
    return out


def items_by_origin(rows: list[dict]) -> dict:
    """{(side, origin): [(row, item)]}: side is positive or negative."""
    out = defaultdict(list)
    for r in rows:
        for side in ("positives", "negatives"):
            for it in r.get(side, []):
                out[(side[:-1], it.get("origin", "reference"))].append((r, it))
    return dict(sorted(out.items()))


def quality(rows: list[dict], posts: dict, stop: frozenset, ppl=None) -> tuple[dict, dict]:
    """(figures per origin, examples per origin). `ppl(texts) -> perplexities`, or None (no judge LM)."""
    groups = items_by_origin(rows)
    refs = [r["summary"] for r in rows]
    ref_ppl = ppl(refs) if ppl else None
    cutoff = float(np.nanpercentile(ref_ppl, 95)) if ref_ppl else None
    figures, examples = {}, {}
    for (side, origin), pairs in groups.items():
        texts = [it["text"] for _, it in pairs]
        on_topic = [bool(content_words(t, stop) & content_words(posts.get(r["id"], ""), stop)) for (r, _), t in
                    zip(pairs, texts)]
        f = {"side": side, "count": len(texts), "sources": len({r["id"] for r, _ in pairs}),
             "words": mean_std([len(t.split()) for t in texts]),
             "on_topic_share": round(float(np.mean(on_topic)), 4) if texts else None,
             "toxic_share": round(float(np.mean([bool(it.get("toxic")) for _, it in pairs])), 4) if texts else None}
        if ppl and texts:
            p = np.asarray(ppl(texts), dtype=float)
            f["perplexity_median"] = round(float(np.nanmedian(p)), 3)
            f["english_share"] = round(float(np.mean(p <= cutoff)), 4)
        figures[f"{side}:{origin}"] = f
        firsts = list({r["id"]: (r, it) for r, it in reversed(pairs)}.values())[::-1]  # one per source, in order
        examples[f"{side}:{origin}"] = [{"id": r["id"], "summary": r["summary"], "text": it["text"]}
                                        for r, it in firsts[:EXAMPLES]]
    return {"judge_cutoff_perplexity": None if cutoff is None else round(cutoff, 3),
            "reference_perplexity_median": None if ref_ppl is None else round(float(np.nanmedian(ref_ppl)), 3),
            "origins": figures}, examples


def render(figures: dict, examples: dict, toxic: dict, judge: str) -> str:
    lines = ["# The assembled contrastive set, measured", "",
             f"Judge LM for English-likeness: `{judge}` (per-token perplexity of the text alone; a text counts as "
             f"English-like at or under the 95th percentile of the reference summaries', "
             f"{figures['judge_cutoff_perplexity']}). On topic: shares a content word with its post. "
             "report/augment_quality.py.", "",
             "| side:origin | count | sources | words | English-like | on topic | toxic | median perplexity |",
             "|---|---|---|---|---|---|---|---|"]
    for key, f in figures["origins"].items():
        words = "-" if f["words"]["mean"] is None else f"{f['words']['mean']:.1f}"
        lines.append(f"| {key} | {f['count']} | {f['sources']} | {words} | {f.get('english_share', '-')} "
                     f"| {f['on_topic_share']} | {f['toxic_share']} | {f.get('perplexity_median', '-')} |")
    lines += ["", f"Toxic rewrites: {toxic.get('generated')} generated, {toxic.get('kept')} kept at toxicity >= "
              f"{toxic.get('threshold')} ({toxic.get('kept_share')}); kept scores {toxic.get('kept_toxicity')}.", ""]
    for key, exs in examples.items():
        lines += [f"## {key}", ""]
        lines += [f"- `{e['id']}` reference: {e['summary'][:200]!r}  \n  → {e['text'][:300]!r}" for e in exs]
        lines.append("")
    return "\n".join(lines)
