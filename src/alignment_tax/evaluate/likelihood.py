"""Likelihood margins: does the model prefer a post's reference summary to a perturbed one?

What the contrastive term is meant to teach, measured directly. For each TL;DR eval post the
prompt is the pipeline's TL;DR prompt (the method's prefix before it, the post cut to fit the
context) and the continuation is `tldr_target(summary, "")`, cut at `max_summary_tokens`.
Per item and kind: margin = log p(reference) - log p(perturbed) (summed over the
continuation's tokens) and the per-token margin (each sum divided by its own token count).

Perturbations (each deterministic given the seed, `random.Random(f"{seed}:{kind}:{id}")`; None
when it does not apply, and the item is then skipped for that kind and counted):
- entity_swap (in distribution: the training set holds entity-swapped negatives): one named
  entity span of the summary (spaCy, scorers.ner_model; seeded choice) replaced by an entity
  of the same label from the *other* eval posts' summaries, ranked as augment/entity_swap.py
  ranks corpus candidates (same digit-ness, closest word count, seeded ties; never a text
  containing the entity or contained in it). "I met Anna in Paris" -> "I met Bob in Paris".
- negation (transfer): the polarity of the first finite auxiliary or copula (am, is, are,
  was, were, do, does, did, can, will, would, should, has, have, had; one right after "to"
  is not finite and is passed over) is flipped: "is" -> "is not", "can" -> "cannot", and in
  reverse "is not"/"is never" -> "is", "didn't" -> "did", "can't"/"cannot" -> "can", "won't"
  -> "will". Case is kept. "She is happy" -> "She is not happy". Rule-based, no tagger: a main
  verb "have"/"do" is negated the same way ("I have a dog" -> "I have not a dog").
- false_claim (transfer): a claim that contradicts the post, on its topic: a sentence of the
  post (4-30 words, not a question, one the negation rule applies to; seeded choice) is
  appended to the summary as it is (the reference of this kind: a true claim) and negated by
  the rule above (the perturbed one). Post "My sister was angry." + summary "Moved to Paris"
  -> "Moved to Paris. My sister was angry." against "Moved to Paris. My sister was not
  angry." Both continuations share the summary, so the margin is the log-probability of the
  true claim over the false one given the post and the summary (cut at max_summary_tokens
  + CLAIM_TOKENS tokens, so the claim is never cut off).
A perturbed continuation equal to the reference's after the cut is skipped too.

Held-out language modelling (the tax): the same text as the base stage (models/heldout.py),
through the cell's runtime: a plain runtime gives exactly `text_nll`'s numbers; a method with an
instruction prefix reads it as unscored context and a replaced log-prob function (Self-Debias)
scores the text, both through `Runtime.token_logprobs` ("heldout_note" says which).
"""
from __future__ import annotations

import math
import random
import re
from typing import Optional, Sequence

import numpy as np

from alignment_tax.augment.entity_swap import candidates, entity_pool, replace_spans
from alignment_tax.data.common import norm_key
from alignment_tax.errors import AlignmentTaxError
from alignment_tax.evaluate import loglik
from alignment_tax.evaluate.summary_stats import mean_std
from alignment_tax.lm.generate import max_positions
from alignment_tax.models.heldout import text_nll
from alignment_tax.prompts import tldr_prompt_ids, tldr_target

BENCHMARK, VERSION = "likelihood", 1
Span = tuple[int, int, str]

AUX = "am|is|are|was|were|do|does|did|can|will|would|should|has|have|had"
_NEG = re.compile(
    r"\b(?:(?P<neg>is|are|was|were|do|does|did|would|should|has|have|had)n[’']t"
    r"|(?P<cant>ca)n[’']t|(?P<wont>wo)n[’']t|(?P<cannot>can)not"
    rf"|(?P<aux>{AUX})(?P<not>\s+(?:not|never))?)\b", re.IGNORECASE)
_TO = re.compile(r"\bto\s+$", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


def check_row(row: dict, where: str) -> None:
    """A TL;DR eval row this benchmark can score: an id, a post and a non-empty reference summary."""
    for key in ("id", "post", "summary"):
        if not isinstance(row.get(key), str) or (key != "post" and not row[key].strip()):
            raise AlignmentTaxError(f"{where}: '{key}' must be a non-empty string")


def negate(text: str) -> Optional[str]:
    """`text` with its first finite auxiliary's polarity flipped (module docstring); None if it has none."""
    for m in _NEG.finditer(text):
        if m["aux"] and not m["not"] and _TO.search(text[:m.start()]):
            continue  # "to have", "to do": not finite
        if m["neg"] or m["cannot"]:
            new = m["neg"] or m["cannot"]  # "didn't" -> "did", "cannot" -> "can"
        elif m["cant"]:
            new = m["cant"] + ("N" if m["cant"].isupper() else "n")  # "can't" -> "can"
        elif m["wont"]:
            new = "WILL" if m["wont"].isupper() else "Will" if m["wont"][0].isupper() else "will"
        elif m["not"]:
            new = m["aux"]  # "is not", "was never" -> "is", "was"
        else:
            new = m["aux"] + ("not" if m["aux"].lower() == "can" else " not")
        return text[:m.start()] + new + text[m.end():]
    return None


def entity_swap(summary: str, spans: Sequence[Span], pool: dict[str, list[str]], rng: random.Random) -> Optional[str]:
    """One entity span of `summary` replaced by a same-label entity of `pool`; None without entity or candidate."""
    usable = []
    for a, b, label in spans:
        cand = candidates(summary[a:b], label, {}, pool, 1, rng)
        if cand:
            usable.append(((a, b), cand[0]))
    if not usable:
        return None
    span, new = usable[rng.randrange(len(usable))]
    out = replace_spans(summary, {span: new})
    return out if norm_key(out) != norm_key(summary) else None


CLAIM_TOKENS = 48  # room for the appended claim beyond max_summary_tokens


def false_claim(summary: str, post: str, rng: random.Random) -> Optional[tuple[str, str]]:
    """(`summary` + a sentence of `post`, `summary` + that sentence negated) (module docstring); None if no
    sentence qualifies."""
    claims = []
    for m in _SENTENCE.finditer(post):
        s = " ".join(m.group().split())
        if 4 <= len(s.split()) <= 30 and not s.endswith("?") and (neg := negate(s)) is not None:
            claims.append((s if s[-1] in ".!" else s + ".", neg if neg[-1] in ".!" else neg + "."))
    if not claims:
        return None
    true, false = claims[rng.randrange(len(claims))]
    head = summary.rstrip()
    head += ("" if head[-1:] in (".", "!", "?") else ".") + " "
    return head + true[0].upper() + true[1:], head + false[0].upper() + false[1:]


def perturb(rows: list[dict], pool_rows: list[dict], kinds: Sequence[str], nlp, seed: int) -> dict[str, list]:
    """{kind: [(reference text, perturbed text) or None, per row]}; the reference is the row's summary except for
    false_claim (module docstring); entity_swap draws from pool_rows other than the row itself."""
    from alignment_tax.scorers.ner import entity_spans

    out: dict[str, list] = {}
    if "entity_swap" in kinds:
        ids = [r["id"] for r in pool_rows]
        docs = list(zip([r["summary"] for r in pool_rows], entity_spans(nlp, [r["summary"] for r in pool_rows])))
        own = entity_spans(nlp, [r["summary"] for r in rows])
        out["entity_swap"] = []
        for r, spans in zip(rows, own):
            pool = entity_pool([d for i, d in zip(ids, docs) if i != r["id"]])
            pool = {k: sorted(v, key=lambda e: (norm_key(e), e)) for k, v in pool.items()}  # order-free
            out["entity_swap"].append(entity_swap(r["summary"], spans, pool, _rng(seed, "entity_swap", r)))
    if "negation" in kinds:
        out["negation"] = [negate(r["summary"]) for r in rows]
    for kind in ("entity_swap", "negation"):
        if kind in out:
            out[kind] = [None if t is None else (r["summary"], t) for r, t in zip(rows, out[kind])]
    if "false_claim" in kinds:
        out["false_claim"] = [false_claim(r["summary"], r["post"], _rng(seed, "false_claim", r)) for r in rows]
    return {k: out[k] for k in kinds}


def _rng(seed: int, kind: str, row: dict) -> random.Random:
    return random.Random(f"{seed}:{kind}:{row['id']}")  # str seeds hash stably, whatever PYTHONHASHSEED


def score(rt, pairs: list[tuple[tuple, list[int]]], batch_size: int, max_length: int) -> list[float]:
    """Summed log p(continuation ids | context ids) per pair, by evaluate/loglik's two passes."""
    keys = list(dict.fromkeys((ctx, tuple(cont)) for ctx, cont in pairs))
    items = [(ctx, list(cont)) for ctx, cont in keys]
    groups: dict[tuple, list[int]] = {}
    for i, (ctx, _) in enumerate(items):
        groups.setdefault(ctx, []).append(i)
    cached = rt.shares_context_cache
    scores = [0.0] * len(items)
    loglik._full_pass(rt, items, [i for c, idx in groups.items() for i in idx if not cached or len(c) < 2],
                      scores, batch_size, BENCHMARK)
    loglik._cached_pass(rt, items, [(c, idx) for c, idx in groups.items() if cached and len(c) >= 2],
                        scores, batch_size, max_length, BENCHMARK, "left")
    by_key = dict(zip(keys, scores))
    return [by_key[(ctx, tuple(cont))] for ctx, cont in pairs]


def evaluate(rt, rows: list[dict], *, pool_rows: list[dict], cfg, nlp, seed: int, max_length: int,
             heldout_docs: Optional[list[str]] = None, heldout_batch_size: int = 8):
    """(per item-and-kind records, metrics without coordinates) for Runtime `rt`."""
    tok = rt.tokenizer
    budget = max_length - cfg.max_summary_tokens - len(rt.prefix_ids)

    def cont(text: str, kind: str) -> list[int]:
        limit = cfg.max_summary_tokens + (CLAIM_TOKENS if kind == "false_claim" else 0)
        return tok(tldr_target(text, ""), add_special_tokens=False)["input_ids"][:limit]

    budget -= CLAIM_TOKENS if "false_claim" in cfg.perturbations else 0
    if budget < 8:
        raise AlignmentTaxError(f"likelihood: max_summary_tokens {cfg.max_summary_tokens} + {CLAIM_TOKENS} claim "
                                f"tokens leave {budget} prompt tokens of the {max_length}-token context")
    ctxs = [tuple(rt.with_prefix(tldr_prompt_ids(tok, r, budget))) for r in rows]
    perturbed = perturb(rows, pool_rows, cfg.perturbations, nlp, seed)
    todo = [(i, kind, pair[1], cont(pair[0], kind), cont(pair[1], kind))
            for kind, pairs in perturbed.items() for i, pair in enumerate(pairs) if pair is not None]
    todo = [t for t in todo if t[4] and t[3] != t[4]]
    logps = score(rt, [(ctxs[i], x) for i, _, _, ref, pert in todo for x in (ref, pert)], cfg.batch_size, max_length)
    records = []
    for k, (i, kind, text, ref, x) in enumerate(todo):
        ref_lp, lp = logps[2 * k], logps[2 * k + 1]
        records.append({"id": rows[i]["id"], "kind": kind, "logp_ref": round(ref_lp, 6), "logp_pert": round(lp, 6),
                        "tokens_ref": len(ref), "tokens_pert": len(x), "margin": round(ref_lp - lp, 6),
                        "margin_per_token": round(ref_lp / len(ref) - lp / len(x), 6), "perturbed": text})
    metrics = {"benchmark": BENCHMARK, "version": VERSION, "n": len(rows),
               "max_summary_tokens": cfg.max_summary_tokens}
    for kind in cfg.perturbations:
        mine = [r for r in records if r["kind"] == kind]
        m = np.asarray([r["margin"] for r in mine], dtype=float)
        metrics[kind] = {"n": len(mine), "skipped": len(rows) - len(mine), "margin": mean_std(m),
                         "margin_per_token": mean_std([r["margin_per_token"] for r in mine]),
                         "prefers_reference": round(float((m > 0).mean()), 6) if len(mine) else None}
    if heldout_docs is not None:
        metrics.update(heldout_lm(rt, heldout_docs, heldout_batch_size))
    return records, metrics


def heldout_lm(rt, docs: list[str], batch_size: int) -> dict:
    """heldout_bits_per_byte, heldout_word_perplexity, heldout_tokens (and heldout_note) through `rt`."""
    note = None
    if rt.logprob_fn is None and not rt.prefix_ids:
        nll, n_tokens = text_nll(rt.model, rt.tokenizer, docs, batch_size)  # the base stage's numbers exactly
    else:
        note = ("scored by the method's log-probability function (Runtime.token_logprobs)" if rt.logprob_fn
                else "scored through Runtime.token_logprobs") + \
               (f"; the method's {len(rt.prefix_ids)}-token prefix read as unscored context" if rt.prefix_ids else "")
        try:
            nll, n_tokens = runtime_nll(rt, docs, batch_size)
        except AlignmentTaxError as e:
            return {"heldout_bits_per_byte": None, "heldout_word_perplexity": None, "heldout_tokens": None,
                    "heldout_note": f"not computed: {e}"}
    n_words, n_bytes = sum(len(d.split()) for d in docs), sum(len(d.encode("utf-8")) for d in docs)
    out = {"heldout_bits_per_byte": round(nll / math.log(2) / n_bytes, 5),
           "heldout_word_perplexity": round(math.exp(nll / n_words), 4), "heldout_tokens": n_tokens}
    return {**out, "heldout_note": note} if note else out


def runtime_nll(rt, docs: list[str], batch_size: int) -> tuple[float, int]:
    """text_nll's (total NLL, tokens) via rt.token_logprobs: [start] + prefix + doc, only the doc's tokens scored."""
    tok = rt.tokenizer
    start = tok.bos_token_id if tok.bos_token_id is not None else tok.eos_token_id
    head = [start] + list(rt.prefix_ids)
    seqs = [head + tok(d, add_special_tokens=False)["input_ids"] for d in docs]
    limit = max_positions(rt.model) if hasattr(rt.model, "config") else None
    if limit and max(map(len, seqs)) > limit:
        raise AlignmentTaxError(f"a document with the prefix is {max(map(len, seqs))} tokens, over the model's "
                                f"context of {limit}")
    pad = tok.pad_token_id if tok.pad_token_id is not None else start
    total, count = 0.0, 0
    for i in range(0, len(seqs), batch_size):
        chunk = seqs[i:i + batch_size]
        ids, mask = loglik._pad(chunk, pad)
        logp = rt.token_logprobs(ids, mask).float().cpu()  # [B, T-1]: position t predicts token t + 1
        for row, seq in enumerate(chunk):
            total -= float(logp[row, len(head) - 1:len(seq) - 1].sum())
            count += len(seq) - len(head)
    return total, count
