"""Entity swap (negatives; Sec. 4.2, Table 10): the summary with named entities replaced.

spaCy NER (params scorers.ner_model; paper en_core_web_trf) finds the entities
of the summary and of its post. Replacements for an entity have the same
label and a different text (case/whitespace-normalised; neither's words may contain
the other's, so "4 hours" never becomes "about 4 hours"), drawn first from the
post itself (in order of appearance: hard negatives that still "sound right"
for the post, like Table 3's "stole 40 from 13 years later me"), then, with
`corpus_entities`, from every post and summary of the train split. Corpus
candidates are ranked by a simple compatibility score standing in for the
paper's "syntactic role and semantic context": same digit-ness first (a
number for a number), then the closest word count; ties in a seeded order.

Caps: up to `max_swaps` entity spans of the summary are chosen (seeded); the
v-th negative replaces each chosen span by its v-th candidate, so each entity
gets at most `max_variations` distinct replacements and each negative has at
most `max_swaps` replaced spans. A result equal to the original (after
normalisation) is never returned.
"""
from __future__ import annotations

import random
from collections import Counter
from typing import Iterable, Iterator, Sequence

from tqdm.auto import tqdm

from alignment_tax.augment.common import check_text
from alignment_tax.data.common import norm_key

Span = tuple[int, int, str]


def entity_pool(docs: Iterable[tuple[str, Sequence[Span]]]) -> dict[str, list[str]]:
    """{label: distinct entity strings in first-seen order} over (text, spans) pairs."""
    pool: dict[str, list[str]] = {}
    seen: set = set()
    for text, spans in docs:
        for a, b, label in spans:
            ent = " ".join(text[a:b].split())
            if ent and (label, norm_key(ent)) not in seen:
                seen.add((label, norm_key(ent)))
                pool.setdefault(label, []).append(ent)
    return pool


def _shape_distance(a: str, b: str) -> tuple[int, int]:
    digits = lambda s: any(ch.isdigit() for ch in s)  # noqa: E731
    return int(digits(a) != digits(b)), abs(len(a.split()) - len(b.split()))


def _same_referent(a: str, b: str) -> bool:
    """One entity's words contain the other's ("4 hours" / "about 4 hours", "Helms" / "Gregory Helms")."""
    wa, wb = set(norm_key(a).split()), set(norm_key(b).split())
    return wa <= wb or wb <= wa


def candidates(entity: str, label: str, source: dict[str, list[str]], corpus: dict[str, list[str]],
               k: int, rng: random.Random) -> list[str]:
    """Up to k same-label replacements for `entity`: never its own text, nor a text containing it."""
    out: list[str] = []

    def usable(c: str) -> bool:
        return not _same_referent(c, entity) and all(norm_key(c) != norm_key(o) for o in out)

    for c in source.get(label, []):
        if len(out) < k and usable(c):
            out.append(c)
    if len(out) < k:
        pool = [c for c in corpus.get(label, []) if usable(c)]
        rng.shuffle(pool)  # the seeded tie-break of the stable sort below
        for c in sorted(pool, key=lambda c: _shape_distance(entity, c)):
            if len(out) == k:
                break
            if usable(c):
                out.append(c)
    return out


def replace_spans(text: str, repl: dict[tuple[int, int], str]) -> str:
    for (a, b), new in sorted(repl.items(), reverse=True):
        text = text[:a] + new + text[b:]
    return text


def swaps(summary: str, spans: Sequence[Span], source: dict[str, list[str]], corpus: dict[str, list[str]],
          cfg, rng: random.Random, min_words: int, drops: Counter) -> list[dict]:
    """The negatives of one summary (see the module docstring); drops counted per rule."""
    if not spans:
        drops["source:no_entities"] += 1
        return []
    cands = {(a, b): (summary[a:b], label, candidates(summary[a:b], label, source, corpus, cfg.max_variations, rng))
             for a, b, label in spans}
    usable = [s for s, (_, _, c) in cands.items() if c]
    if not usable:
        drops["source:no_candidates"] += 1
        return []
    chosen = sorted(rng.sample(usable, min(cfg.max_swaps, len(usable))))
    out, seen = [], set()
    for v in range(cfg.max_variations):
        repl = {s: cands[s][2][v] for s in chosen if len(cands[s][2]) > v}
        if not repl:
            break
        text = replace_spans(summary, repl)
        if check_text(text, summary, min_words, seen, drops):
            out.append({"text": text, "swaps": [[cands[s][0], new, cands[s][1]] for s, new in sorted(repl.items())]})
    return out


def augment(rows: list[dict], nlp, cfg, seed: int, min_words: int, batch_size: int, drops: Counter,
            stats: Counter) -> Iterator[tuple[int, list[dict]]]:
    from alignment_tax.scorers.ner import entity_spans

    summaries = [r["summary"] for r in rows]
    posts = [r["post"] for r in rows]
    sum_spans = entity_spans(nlp, summaries, batch_size)
    post_spans = entity_spans(nlp, posts, batch_size)
    corpus = entity_pool(list(zip(posts, post_spans)) + list(zip(summaries, sum_spans))) if cfg.corpus_entities else {}
    corpus = {label: sorted(ents, key=lambda e: (norm_key(e), e)) for label, ents in corpus.items()}  # row-order free
    stats["corpus_entities"] = sum(len(v) for v in corpus.values())
    for i, row in enumerate(tqdm(rows, desc="entity_swap", unit="row")):
        rng = random.Random(f"{seed}:{row['id']}")  # per source, so the result does not depend on row order
        source = entity_pool([(posts[i], post_spans[i])])
        yield i, swaps(summaries[i], sum_spans[i], source, corpus, cfg, rng, min_words, drops)
