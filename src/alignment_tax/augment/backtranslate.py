"""Backtranslation (positives; Sec. 4.1, Table 10): the reference summary in other words.

`marian` (paper path): for each pivot language p (de, fr, es) the summaries go
English -> p -> English through the Helsinki-NLP opus-mt pair named by
`forward_id` / `backward_id`, with beam width 5 and temperature 0.8. A beam
width and a temperature together mean beam-sample decoding (`do_sample`,
default true); with `do_sample: false` it is plain beam search and the
temperature has no effect. One model is loaded at a time. Rows are yielded
once every pivot is done (the output still appears only when complete).

`lexical_paraphrase` (offline default): the entity-preserving stand-in of
augment/paraphrase.py, one variant per pivot slot. It does not translate.

Each kept positive: >= min_words, not the reference, not a repeat (counted).
"""
from __future__ import annotations

from collections import Counter
from typing import Iterator

from tqdm.auto import tqdm

from alignment_tax.augment.common import check_text
from alignment_tax.augment import paraphrase


def generation_kwargs(cfg) -> dict:
    return dict(num_beams=cfg.num_beams, do_sample=cfg.do_sample, temperature=cfg.temperature,
                max_new_tokens=cfg.max_new_tokens)


def translate(texts: list[str], hf_id: str, cfg, key: str, load) -> list[str]:
    model, tok = load(hf_id, key)
    from alignment_tax.augment.models import seq2seq_generate

    out = seq2seq_generate(model, tok, texts, cfg.batch_size, hf_id.rsplit("/", 1)[-1], **generation_kwargs(cfg))
    del model
    return out


def marian(rows: list[dict], cfg, min_words: int, drops: Counter, stats: Counter,
           load=None) -> Iterator[tuple[int, list[dict]]]:
    """`load(hf_id, params_key) -> (model, tokenizer)`; default: augment.models.load_seq2seq."""
    if load is None:
        from alignment_tax.augment.models import load_seq2seq as load
    summaries = [r["summary"] for r in rows]
    back = {}
    for p in cfg.pivots:
        there = translate(summaries, cfg.forward_id.format(pivot=p), cfg, "augment.backtranslate.forward_id", load)
        back[p] = translate(there, cfg.backward_id.format(pivot=p), cfg, "augment.backtranslate.backward_id", load)
    for i, summary in enumerate(summaries):
        seen: set = set()
        items = [{"text": back[p][i], "pivot": p} for p in cfg.pivots]
        stats["generated"] += len(items)
        yield i, [it for it in items if check_text(it["text"], summary, min_words, seen, drops)]


def lexical(rows: list[dict], nlp, cfg, min_words: int, batch_size: int, drops: Counter,
            stats: Counter) -> Iterator[tuple[int, list[dict]]]:
    from alignment_tax.scorers.ner import entity_spans

    summaries = [r["summary"] for r in rows]
    spans = entity_spans(nlp, summaries, batch_size)
    for i, summary in enumerate(tqdm(summaries, desc="lexical_paraphrase", unit="row")):
        protected = [(a, b) for a, b, _ in spans[i]]
        seen: set = set()
        kept = []
        for p, (text, n_subs) in zip(cfg.pivots, paraphrase.variants(summary, len(cfg.pivots), protected)):
            stats["generated"] += 1
            if check_text(text, summary, min_words, seen, drops):
                kept.append({"text": text, "pivot": p, "substitutions": n_subs})
        yield i, kept
