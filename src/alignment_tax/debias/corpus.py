"""Text the debiasing baselines learn from, and the attribute sentences cut from it.

bias-bench trains CDA/Dropout and fits INLP/SentenceDebias on English Wikipedia
(`wikipedia-2.5.txt`, `wikipedia-10.txt`). Offline (`debias.corpus.source: local`)
the stand-in is the text the tiny LM itself was trained on: the TL;DR training posts
in prompt format and toxicity-labelled comments (data/prepared/). `hub` streams
the Wikipedia dump named in params instead (the paper-scale path; needs the Hub).
"""
from __future__ import annotations

import random
import re
from pathlib import Path

from alignment_tax.debias.cda import WordList, replace_word
from alignment_tax.errors import AlignmentTaxError
from alignment_tax.io import read_jsonl

TLDR_TRAIN = Path("data/prepared/tldr/train.jsonl")
COMMENTS_TRAIN = Path("data/prepared/comments/train.jsonl")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def hub_documents(cfg) -> list[str]:
    """The first hub_docs articles of the pinned commit (alignment_tax.hub), streamed from its snapshot."""
    from alignment_tax import hub

    stream = hub.dataset(cfg.hub_id, cfg.hub_config, "train", streaming=True,
                         hint="debias.corpus: cache it with `python -m alignment_tax.hub download`, "
                              "or offline use debias.corpus.source: local")
    try:
        docs = [row["text"] for _, row in zip(range(cfg.hub_docs), stream)]
    except KeyError:
        raise AlignmentTaxError(f"debias.corpus: '{cfg.hub_id}' ({cfg.hub_config}) has no 'text' column") from None
    return docs


def documents(cfg, seed: int) -> list[str]:
    """Training documents: the tiny LM's corpus recipe (local) or Wikipedia articles (hub)."""
    if cfg.source == "hub":
        return hub_documents(cfg)
    from alignment_tax.models.tiny import build_corpus

    tldr = [r for _, r in read_jsonl(TLDR_TRAIN)]
    comments = [r for _, r in read_jsonl(COMMENTS_TRAIN)]
    return build_corpus(tldr, comments, cfg.max_comment_rows, seed)


def sentences(docs: list[str], min_words: int, lowercase: bool = False) -> list[str]:
    """Sentences (split at . ! ? and line breaks) of at least `min_words` words, first occurrence only;
    lower-cased with `lowercase` (bias-bench dataset/inlp.py and dataset/sentence_debias.py lower-case
    every sentence before labelling or augmenting it)."""
    seen, out = set(), []
    for doc in docs:
        for s in SENTENCE_END.split(doc):
            s = s.strip().lower() if lowercase else s.strip()
            if len(s.split()) >= min_words and s not in seen:
                seen.add(s)
                out.append(s)
    return out


def _word_at(text: str, char: int) -> int:
    """Index of the whitespace-separated word that contains character `char`."""
    before = text[:char].split()
    return len(before) - (1 if before and not text[char - 1].isspace() else 0)


def _clip(words: list[str], start: int, rng: random.Random) -> str:
    """A prefix of the sentence that ends at or after word `start` (bias-bench clips at a random point)."""
    return " ".join(words[: rng.randint(start, len(words) - 1) + 1])


def attribute_sentences(sents: list[str], wordlist: WordList, per_class: int, seed: int) -> dict[str, list[str]]:
    """Labelled, clipped sentences for INLP, balanced to the smallest class.

    gender: male / female (words of one class only) / neutral (no attribute word);
    race, religion: the attribute ("bias": any attribute word) / neutral, as in
    bias-bench dataset/inlp.py. An attribute sentence is clipped at a random point
    after its attribute word, a neutral one after its 4th word.
    """
    rng = random.Random(seed)
    order = list(range(len(sents)))
    rng.shuffle(order)
    binary = wordlist.attribute != "gender"
    names = [wordlist.attribute, "neutral"] if binary else [*wordlist.classes, "neutral"]
    out: dict[str, list[str]] = {n: [] for n in names}
    for i in order:
        words = sents[i].split()
        hits = [(_word_at(sents[i], m.start()), wordlist.index[m.group(0).lower()][1])
                for m in wordlist.pattern.finditer(sents[i])]
        classes = {c for _, c in hits}
        if not classes:
            name, start = "neutral", min(3, len(words) - 1)
        elif binary:
            name, start = wordlist.attribute, hits[-1][0]
        elif len(classes) == 1:
            name, start = wordlist.classes[classes.pop()], hits[-1][0]
        else:
            continue  # both genders in one sentence: no label (bias-bench skips them too)
        if len(out[name]) < per_class:
            out[name].append(_clip(words, start, rng))
    n = min(len(v) for v in out.values())
    return {k: v[:n] for k, v in out.items()}


def counterfactual_tuples(sents: list[str], wordlist: WordList, max_tuples: int, seed: int,
                          per: str = "sentence") -> list[list[str]]:
    """Counterfactual tuples for SentenceDebias: an attribute word set to each class in turn.

    per="sentence": one tuple per sentence, from its first attribute word; per="attribute_word"
    (bias-bench dataset/sentence_debias.py, _gender/_race/_religion_augment_func): one tuple for every
    distinct attribute word the sentence contains.
    """
    rng = random.Random(seed)
    order = list(range(len(sents)))
    rng.shuffle(order)
    out = []
    for i in order:
        found = [m.group(0) for m in wordlist.pattern.finditer(sents[i])]
        if per == "sentence":
            found = found[:1]
        for word in dict.fromkeys(w.lower() for w in found):  # distinct, in order of first occurrence
            line, _ = wordlist.index[word]
            out.append([replace_word(sents[i], word, w) for w in wordlist.lines[line]])
            if len(out) >= max_tuples:
                return out
    return out
