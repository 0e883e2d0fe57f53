"""Low-confidence generation (negatives; Sec. 4.2, Eq. 1-2, Table 10): inverse beam search.

The LM summarises each post with beam search and returns every beam
(num_beams = num_return_sequences = 8) with its beam score; the negative is the
eligible candidate with the LOWEST score (Eq. 1).

Beam score (Eq. 2). The paper writes the length term additively, but its
lambda = 2.0 is `generate`'s `length_penalty` (Table 10), so the score used is
the one `generate` ranks beams by and returns as `sequences_scores`:
sum of token log-probs / (generated length ** lambda).

Confidence threshold tau = 0.21. A candidate's confidence is its geometric-mean
token probability, exp(mean token log-prob), from `compute_transition_scores`
(the log-probs the beam score sums). Our reading of "tau was selected to
capture genuinely uncertain predictions while avoiding completely random
outputs" is a ceiling whose value trades the two off (too high admits
confident outputs, too low only random ones):
  ceiling (default): only candidates with confidence < tau are eligible;
  floor   (the other reading): candidates below tau count as "completely
          random" and only those with confidence >= tau are eligible;
  none    (the authors' released code, src/contrastive_learning/src/data/augmentation/
          sys_lowcon.py): tau is stored but never used, every candidate is eligible.
A source with no eligible candidate gets no negative (counted).

The authors' column (configs/presets/authors.yaml): `num_return_sequences: 3` of 8 beams
(null here = all beams), `prompt_template: "Summarize this text:\n{post}\nSummary:"` (null = the
pipeline's TL;DR prompt, prompts.py), `early_stopping: true`, rule `none`; the lowest
`sequences_scores` is kept, as here. (Their prompt is cut at 512 tokens from the right, which can
cut the "Summary:" cue off a long post; here the post is cut so the cue always stays.)

Candidates are one line: tokens holding a line break are suppressed during the
search (a TL;DR summary is one line; otherwise a weak LM's beams spend
themselves on blank lines), and the text must pass the common rules.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Iterator

from alignment_tax.augment.common import check_text, first_line
from alignment_tax.lm.generate import max_positions
from alignment_tax.augment.models import causal_batches, newline_token_ids
from alignment_tax.prompts import tldr_prompt_ids


def returned(cfg) -> int:
    """Beams returned per source: num_return_sequences, null = every beam."""
    return cfg.num_beams if cfg.num_return_sequences is None else cfg.num_return_sequences


def generation_kwargs(cfg, suppress: list[int] | None = None) -> dict:
    """Everything inverse beam search passes to `generate` (params augment.low_confidence)."""
    return dict(num_beams=cfg.num_beams, num_return_sequences=returned(cfg), length_penalty=cfg.length_penalty,
                max_new_tokens=cfg.max_new_tokens, min_new_tokens=cfg.min_new_tokens,
                no_repeat_ngram_size=cfg.no_repeat_ngram_size, suppress_tokens=suppress or None,
                do_sample=False, early_stopping=cfg.early_stopping, output_scores=True, return_dict_in_generate=True)


CHAT_REQUEST = "Summarize this Reddit post in one sentence.\n\n{post}"


def prompt_ids(tok, row: dict, budget: int, template, chat_template: bool = False) -> list[int]:
    """The pipeline's TL;DR prompt (template null), or `template` with {post} cut so the whole fits `budget`;
    chat_template: a summarise request as one user turn of an instruct model's template, the post cut likewise."""
    if chat_template:
        from alignment_tax.augment.models import chat_prompt_ids

        frame = len(chat_prompt_ids(tok, CHAT_REQUEST.format(post="")))
        post = tok(row["post"], add_special_tokens=False, verbose=False)["input_ids"][: max(budget - frame, 0)]
        return chat_prompt_ids(tok, CHAT_REQUEST.format(post=tok.decode(post)))
    if template is None:
        return tldr_prompt_ids(tok, row, budget)
    head, tail = template.split("{post}", 1)
    h = tok(head, add_special_tokens=False)["input_ids"] if head else []
    t = tok(tail, add_special_tokens=False)["input_ids"] if tail else []
    post = tok(row["post"], add_special_tokens=False, verbose=False)["input_ids"]
    return h + post[: max(budget - len(h) - len(t), 0)] + t


def input_budget(model, cfg) -> int:
    """Prompt tokens: max_input_tokens, less where prompt + output would overrun the positions."""
    n_pos = max_positions(model)
    return min(cfg.max_input_tokens, n_pos - cfg.max_new_tokens) if n_pos else cfg.max_input_tokens


def beam_candidates(model, out, width: int) -> list[dict]:
    """One dict per returned sequence: generated ids, beam score, confidence, token count."""
    trans = model.compute_transition_scores(out.sequences, out.scores, out.beam_indices, normalize_logits=False)
    steps = trans.shape[1]
    valid = out.beam_indices[:, :steps] >= 0
    n_tok = valid.sum(dim=1).clamp(min=1)
    mean_logp = (trans.masked_fill(~valid, 0.0).sum(dim=1) / n_tok).tolist()
    gen = out.sequences[:, width:width + steps]
    return [{"ids": gen[k][valid[k]].tolist(), "beam_score": float(out.sequences_scores[k]),
             "confidence": math.exp(mean_logp[k]), "tokens": int(n_tok[k])}
            for k in range(out.sequences.shape[0])]


def eligible(candidates: list[dict], tau: float, rule: str) -> list[dict]:
    """The candidates tau leaves eligible under `rule` (see the module docstring)."""
    if rule == "none":
        return list(candidates)
    if rule == "floor":
        return [c for c in candidates if c["confidence"] >= tau]
    return [c for c in candidates if c["confidence"] < tau]


def select(candidates: list[dict], tau: float, rule: str) -> dict | None:
    """Eq. 1: the eligible candidate with the lowest beam score; None if none is eligible."""
    pool = eligible(candidates, tau, rule)
    return min(pool, key=lambda c: c["beam_score"]) if pool else None


def augment(rows: list[dict], model, tok, cfg, min_words: int, drops: Counter,
            stats: Counter) -> Iterator[tuple[int, list[dict]]]:
    budget = input_budget(model, cfg)
    prompts = [prompt_ids(tok, r, budget, cfg.prompt_template, cfg.chat_template) for r in rows]
    k, tau = returned(cfg), cfg.confidence_threshold
    gen = generation_kwargs(cfg, newline_token_ids(tok))
    conf_sum = 0.0
    for idx, out, width in causal_batches(model, tok, prompts, cfg.batch_size, "low_confidence", **gen):
        cands = beam_candidates(model, out, width)
        for j, i in enumerate(idx):
            seen: set = set()
            kept = []
            # lowest score first, so of candidates that cut to the same text the lowest-scoring one is kept
            for c in sorted(cands[j * k:(j + 1) * k], key=lambda c: c["beam_score"]):
                c["text"] = first_line(tok.decode(c.pop("ids"), skip_special_tokens=True))
                stats["candidates"] += 1
                stats["candidates_confidence_ge_tau"] += c["confidence"] >= tau
                conf_sum += c["confidence"]
                if check_text(c["text"], rows[i]["summary"], min_words, seen, drops, "candidate:"):
                    kept.append(c)
            pool = eligible(kept, tau, cfg.confidence_rule)
            drops[f"candidate:tau_{cfg.confidence_rule}"] += len(kept) - len(pool)
            if not pool:
                drops["source:no_eligible_candidate"] += 1
                yield i, []
                continue
            drops["candidate:not_lowest_score"] += len(pool) - 1
            choice = select(pool, tau, cfg.confidence_rule)
            yield i, [{"text": choice["text"], "beam_score": round(choice["beam_score"], 6),
                       "confidence": round(choice["confidence"], 6), "tokens": choice["tokens"],
                       "eligible": len(pool)}]
    stats["mean_candidate_confidence"] = round(conf_sum / stats["candidates"], 6) if stats["candidates"] else 0.0
