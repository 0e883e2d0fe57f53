"""Counterfactual data augmentation (CDA): swap attribute words for their counterparts.

Word lists are data files in `wordlists/<attribute>.tsv`: pairs (male, female) for
gender, triples for race and religion, one tuple a line, one column per class.
Semantics follow bias-bench (experiments/run_clm.py, Meade et al. 2022):

- gender: every attribute word becomes its partner, in both directions at once
  ("he told her" -> "she told him"), so a swap is its own inverse up to the
  ambiguous words noted in the list (her -> his);
- race / religion: per text, each class is sent to one other class drawn at
  random (independently per class, as bias-bench does), and every word of that
  class becomes the word of the target class on the same line;
- two-sided: the counterfactual is trained on beside the original; texts without
  any attribute word are dropped unless `keep_unmatched`.

Matching is on whole words, case-insensitive, and the replacement keeps the case
pattern of the word it replaces (He -> She, HIS -> HER). bias-bench matches
whitespace tokens with a few punctuation suffixes; a regex on word boundaries also
catches "he's", "(she" and "ex-boyfriend".
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from alignment_tax.errors import AlignmentTaxError

WORDLISTS = Path(__file__).parent / "wordlists"
CLASSES = {"gender": ("male", "female"), "race": ("black", "white", "asian"),
           "religion": ("jewish", "christian", "muslim")}


@dataclass(frozen=True)
class WordList:
    attribute: str
    lines: tuple[tuple[str, ...], ...]  # one word per class

    @property
    def classes(self) -> tuple[str, ...]:
        return CLASSES[self.attribute]

    @cached_property
    def index(self) -> dict[str, tuple[int, int]]:
        """word -> (line, class) of its first occurrence."""
        out: dict[str, tuple[int, int]] = {}
        for i, words in enumerate(self.lines):
            for c, w in enumerate(words):
                out.setdefault(w, (i, c))
        return out

    @cached_property
    def pattern(self) -> re.Pattern:
        # longest first, so "african-american" wins over "african"; no letter on either side
        words = sorted(self.index, key=len, reverse=True)
        return re.compile(r"(?<![A-Za-z])(" + "|".join(map(re.escape, words)) + r")(?![A-Za-z])", re.IGNORECASE)

    def classes_in(self, text: str) -> set[int]:
        return {self.index[m.group(0).lower()][1] for m in self.pattern.finditer(text)}


def load_wordlist(attribute: str, directory: Path = WORDLISTS) -> WordList:
    """Parse `<attribute>.tsv`: '#' comments, one tuple a line, tab-separated, lower case."""
    if attribute not in CLASSES:
        raise AlignmentTaxError(f"unknown attribute '{attribute}' (known: {', '.join(CLASSES)})")
    path = Path(directory) / f"{attribute}.tsv"
    if not path.is_file():
        raise AlignmentTaxError(f"{path}: word list not found")
    n = len(CLASSES[attribute])
    lines = []
    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        words = tuple(w.strip() for w in raw.split("\t"))
        if len(words) != n or not all(words):
            raise AlignmentTaxError(f"{path}:{lineno}: expected {n} tab-separated words, got {raw!r}")
        if any(w != w.lower() or not re.fullmatch(r"[a-z]+(-[a-z]+)*", w) for w in words):
            raise AlignmentTaxError(f"{path}:{lineno}: words are lower-case letters (and '-'), got {raw!r}")
        lines.append(words)
    if not lines:
        raise AlignmentTaxError(f"{path}: no word tuples")
    return WordList(attribute, tuple(lines))


def match_case(template: str, word: str) -> str:
    """`word` written in the case pattern of `template` (lower, Capitalised, UPPER), hyphenated parts each."""
    parts, word_parts = template.split("-"), word.split("-")
    if len(parts) > 1 and len(parts) == len(word_parts):
        return "-".join(match_case(t, w) for t, w in zip(parts, word_parts))
    if len(template) > 1 and template.isupper():
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def class_targets(n_classes: int, rng: random.Random) -> list[int]:
    """For each class, the class its words become: the other one for pairs, a random other for triples."""
    return [rng.choice([t for t in range(n_classes) if t != c]) for c in range(n_classes)]


def swap(text: str, wordlist: WordList, targets: list[int]) -> tuple[str, int]:
    """(counterfactual text, number of words replaced); all words are swapped in one pass."""
    count = 0

    def repl(m: re.Match) -> str:
        nonlocal count
        line, cls = wordlist.index[m.group(0).lower()]
        count += 1
        return match_case(m.group(0), wordlist.lines[line][targets[cls]])

    return wordlist.pattern.sub(repl, text), count


def replace_word(text: str, word: str, new: str) -> str:
    """Every occurrence of one attribute word replaced by `new` (case kept): SentenceDebias's counterfactuals."""
    pat = re.compile(r"(?<![A-Za-z])" + re.escape(word) + r"(?![A-Za-z])", re.IGNORECASE)
    return pat.sub(lambda m: match_case(m.group(0), new), text)


def augment(texts: list[str], wordlist: WordList, seed: int, two_sided: bool = True,
            keep_unmatched: bool = False) -> tuple[list[str], dict]:
    """The CDA training texts and counts: counterfactual (+ original when two-sided) per matched text."""
    rng = random.Random(seed)
    out: list[str] = []
    matched = swaps = 0
    for text in texts:
        cf, n = swap(text, wordlist, class_targets(len(wordlist.classes), rng))
        if n:
            matched += 1
            swaps += n
            out.append(cf)
            if two_sided:
                out.append(text)
        elif keep_unmatched:
            out.append(text)
    return out, {"texts": len(texts), "texts_with_attribute_words": matched, "words_swapped": swaps,
                 "training_texts": len(out)}
