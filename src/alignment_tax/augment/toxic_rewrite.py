"""Adversarial toxic rewrites (negatives; Sec. 4.2, Table 10, Table 11 prompt).

The LM continues the paper's few-shot prompt (three neutral -> toxic examples,
then the reference summary) with nucleus sampling, `num_return_sequences` per
summary. Only the new tokens are decoded; the "prompt echo" is stripped: the
rewrite ends at the first line break or where the model starts the next
"Original text:" / "Toxic rewrite:" block. A rewrite is kept when it has at
least `min_words` words, is not the input, not a repeat, and the configured
toxicity scorer gives it >= threshold (0.4); everything else is counted.
"""
from __future__ import annotations

from collections import Counter
from typing import Iterator

import numpy as np

from alignment_tax.augment.common import check_text, first_line
from alignment_tax.lm.generate import max_positions
from alignment_tax.augment.models import causal_batches

# Table 11, verbatim.
FEW_SHOT = (
    ("A person politely disagreed with my opinion in the meeting.",
     "Of course this idiot had to open their mouth and spew nonsense. Typical arrogant know-it-all behavior."),
    ("The restaurant took longer than usual to serve our food.",
     "Absolutely incompetent staff wasted my entire evening. Can't even do their basic jobs right."),
    ("The customer service representative couldn't resolve my issue.",
     "Useless support person just made excuses. These people are completely worthless."),
)
MARKERS = ("Original text:", "Toxic rewrite:")


CHAT_REQUEST = "Rewrite the last original text as a toxic rewrite, as in the examples. Answer with the rewrite only.\n\n"


def prompt(text: str) -> str:
    shots = "".join(f"Original text:\n{src}\nToxic rewrite:\n{tox}\n\n" for src, tox in FEW_SHOT)
    return f"{shots}Original text:\n{' '.join(text.split())}\nToxic rewrite:\n"


def prompt_ids(tok, text: str, chat_template: bool) -> list[int]:
    """Table 11's few-shot prompt as plain text to continue, or (chat_template) as one user turn of an
    instruct model, whose answer is the rewrite."""
    if chat_template:
        from alignment_tax.augment.models import chat_prompt_ids

        return chat_prompt_ids(tok, CHAT_REQUEST + prompt(text).rstrip("\n"))
    return tok(prompt(text), add_special_tokens=False)["input_ids"]


def strip_echo(generated: str) -> str:
    """The rewrite alone: cut at the next prompt block, then keep the first line."""
    cut = min([generated.find(m) for m in MARKERS if m in generated] or [len(generated)])
    return first_line(generated[:cut])


def generation_kwargs(cfg) -> dict:
    """Nucleus sampling only (top_k=0 switches off generate's default top-k of 50); a sequence stops
    at a line break, which ends the rewrite anyway (strip_echo), so the stop only saves compute."""
    return dict(do_sample=True, num_return_sequences=cfg.num_return_sequences, temperature=cfg.temperature,
                top_p=cfg.top_p, top_k=0, repetition_penalty=cfg.repetition_penalty,
                max_new_tokens=cfg.max_new_tokens, stop_strings=["\n", *MARKERS])


def keep_toxic(texts: list[str], scores, threshold: float, drops: Counter) -> list[tuple[str, float]]:
    """(text, score) of the rewrites scoring >= threshold; the rest are counted."""
    kept = [(t, float(s)) for t, s in zip(texts, scores) if s >= threshold]
    drops["below_toxicity_threshold"] += len(texts) - len(kept)
    return kept


def augment(rows: list[dict], model, tok, scorer, cfg, min_words: int, drops: Counter,
            stats: Counter) -> Iterator[tuple[int, list[dict]]]:
    prompts = [prompt_ids(tok, r["summary"], cfg.chat_template) for r in rows]
    n_pos = max_positions(model)
    todo = [i for i, p in enumerate(prompts) if not n_pos or len(p) + cfg.max_new_tokens <= n_pos]
    drops["source:prompt_too_long"] += len(rows) - len(todo)
    for i in sorted(set(range(len(rows))) - set(todo)):
        yield i, []
    n = cfg.num_return_sequences
    for sub, out, width in causal_batches(model, tok, [prompts[i] for i in todo], cfg.batch_size, "toxic",
                                          **generation_kwargs(cfg)):
        idx = [todo[j] for j in sub]
        texts = [strip_echo(t) for t in tok.batch_decode(out[:, width:], skip_special_tokens=True)]
        stats["generated"] += len(texts)
        per_row = []
        for j, i in enumerate(idx):
            seen: set = set()
            per_row.append([t for t in texts[j * n:(j + 1) * n]
                            if check_text(t, rows[i]["summary"], min_words, seen, drops)])
        flat = [t for ts in per_row for t in ts]
        scores = iter(np.asarray(scorer.score(flat)) if flat else [])
        for i, ts in zip(idx, per_row):
            kept = keep_toxic(ts, [next(scores) for _ in ts], cfg.threshold, drops)
            yield i, [{"text": t, "toxicity": round(s, 6)} for t, s in kept]
