"""The TL;DR prompt, built once for pretraining, fine-tuning and evaluation.

Format of the OpenAI TL;DR prompts (CarperAI/openai_summarize_tldr):
"SUBREDDIT: r/x\\nTITLE: ...\\nPOST: ...\\nTL;DR:". Lines whose field is missing
are left out. When a prompt is too long, the *post* is cut, never the header
or the "TL;DR:" cue, so the model always knows it is asked for a summary.
"""
from __future__ import annotations

from typing import Mapping, Optional

TLDR_CUE = "\nTL;DR:"


def tldr_header(row: Mapping) -> str:
    parts = []
    if row.get("subreddit"):
        parts.append(f"SUBREDDIT: r/{row['subreddit']}\n")
    if row.get("title"):
        parts.append(f"TITLE: {row['title']}\n")
    parts.append("POST: ")
    return "".join(parts)


def tldr_prompt(row: Mapping) -> str:
    return tldr_header(row) + row["post"] + TLDR_CUE


def tldr_target(summary: str, eos: str) -> str:
    return " " + summary.strip() + eos


def tldr_prompt_ids(tokenizer, row: Mapping, max_tokens: Optional[int]) -> list[int]:
    """Token ids of the prompt, the post truncated so the whole fits `max_tokens`."""
    head = tokenizer(tldr_header(row), add_special_tokens=False)["input_ids"]
    # verbose=False: the whole post is tokenised before it is cut to fit, which is the point
    post = tokenizer(row["post"], add_special_tokens=False, verbose=False)["input_ids"]
    cue = tokenizer(TLDR_CUE, add_special_tokens=False)["input_ids"]
    if max_tokens is not None:
        room = max_tokens - len(head) - len(cue)
        if room < 1:
            head = head[: max(0, max_tokens - len(cue) - 1)]
            room = max_tokens - len(head) - len(cue)
        post = post[: max(room, 0)]
    return head + post + cue
