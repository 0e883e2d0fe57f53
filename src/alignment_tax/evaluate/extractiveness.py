"""How much of the post a summary copies ("copy rate"), so that a faithfulness gain can be told
apart from a model that simply copies more of its source.

Texts are compared as sequences of lower-cased word tokens: a token is a maximal run of letters and
digits, with inner apostrophes kept ("don't"; a typographic ’ counts as '); punctuation, case and
whitespace are ignored.

- `ngram_copy_rate`: the share of the summary's word n-grams (counted with repetition) that occur
  anywhere in the post; None when the summary has fewer than n tokens.
- `copies_post_sentence`: the summary contains a whole post sentence (of at least `min_words`
  tokens) as a contiguous token sequence, or the whole summary (at least `min_words` tokens) is a
  contiguous token sequence of the post.
"""
from __future__ import annotations

import re

TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
SENTENCE_BREAK = re.compile(r"[.!?\n\r]+")


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens of `text` (’ written as ')."""
    return [t.replace("’", "'") for t in TOKEN.findall((text or "").lower())]


def _ngrams(toks: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(toks[i:i + n]) for i in range(len(toks) - n + 1)]


def _contains(haystack: list[str], needle: list[str]) -> bool:
    """Whether `needle` is a contiguous subsequence of `haystack` (an empty needle is not)."""
    k = len(needle)
    return k > 0 and any(haystack[i:i + k] == needle for i in range(len(haystack) - k + 1))


def ngram_copy_rate(summary: str, post: str, n: int) -> float | None:
    """Share of the summary's word n-grams that also occur in the post; None if it has none."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    grams = _ngrams(tokens(summary), n)
    if not grams:
        return None
    in_post = set(_ngrams(tokens(post), n))
    return sum(g in in_post for g in grams) / len(grams)


def copies_post_sentence(summary: str, post: str, min_words: int = 5) -> bool:
    """Whether the summary copies a post sentence of >= `min_words` tokens verbatim (up to case and
    punctuation), or is itself (>= `min_words` tokens) a contiguous token sequence of the post."""
    s, p = tokens(summary), tokens(post)
    if len(s) >= min_words and _contains(p, s):
        return True
    for sentence in SENTENCE_BREAK.split(post or ""):
        sent = tokens(sentence)
        if len(sent) >= min_words and _contains(s, sent):
            return True
    return False


def summary_words(summary: str) -> int:
    """Number of word tokens in the summary."""
    return len(tokens(summary))


def record_fields(summary: str, post: str) -> dict:
    """The per-summary extractiveness fields of a TL;DR record (rates rounded to 6 digits)."""
    def rate(n):
        r = ngram_copy_rate(summary, post, n)
        return None if r is None else round(r, 6)

    return {"copy_1gram": rate(1), "copy_2gram": rate(2), "copy_3gram": rate(3),
            "copies_sentence": int(copies_post_sentence(summary, post)),
            "summary_words": summary_words(summary)}
