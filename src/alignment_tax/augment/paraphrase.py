"""`lexical_paraphrase`: the offline stand-in for backtranslation. It does NOT translate.

What backtranslation gives the contrastive set is a positive that says the
same thing in other words, with the facts (names, numbers, places) intact.
This stand-in does exactly that and nothing more, with a hand-written lexicon
of meaning-preserving alternations common in Reddit TL;DRs: contractions both
ways ("don't" <-> "do not"), informal/formal pairs ("gf" <-> "girlfriend",
"kinda" -> "kind of"), synonyms chosen to be safe out of context ("maybe" ->
"perhaps", "scared" -> "afraid") and phrase rewrites ("hung out" -> "spent
time"). Words inside named-entity spans (spaCy, params scorers.ner_model) are
never touched, and the lexicon holds no numbers, so entities and figures are
preserved by construction.

Variants: one per pivot slot (de, fr, es), so the positives per source match
the paper's path. Variant v leaves out every n-th substitution site starting
at site v and cycles through each site's alternatives from offset v; with one
site the variants differ only by alternative, and a variant equal to the
reference or to another variant is dropped (counted) by the caller.
"""
from __future__ import annotations

import re
from typing import Sequence

_BOTH = {  # contractions, replaced in both directions
    "don't": "do not", "doesn't": "does not", "didn't": "did not", "won't": "will not", "isn't": "is not",
    "aren't": "are not", "wasn't": "was not", "weren't": "were not", "haven't": "have not", "hasn't": "has not",
    "shouldn't": "should not", "wouldn't": "would not", "couldn't": "could not", "i'm": "I am",
    "i'll": "I will", "you're": "you are", "they're": "they are", "we're": "we are",
    "it's": "it is", "that's": "that is", "there's": "there is", "what's": "what is", "can't": "cannot",
    "girlfriend": "gf", "boyfriend": "bf", "perhaps": "maybe", "sort of": "kind of", "nearly": "almost",
    "lately": "recently", "everyone": "everybody", "someone": "somebody", "anyone": "anybody",
    "no one": "nobody", "mother": "mom", "father": "dad", "children": "kids", "child": "kid",
    "all of a sudden": "suddenly", "right away": "immediately", "terrible": "awful", "scared": "afraid",
    "weird": "strange", "stupid": "dumb", "unsure": "not sure", "a bit": "a little", "frequently": "often",
    "normally": "usually", "angry": "mad",
}
_ONE_WAY = {
    "i've": ("I have",), "dont": ("do not",), "didnt": ("did not",), "doesnt": ("does not",), "kinda": ("kind of",),
    "gonna": ("going to",), "wanna": ("want to",), "idk": ("I don't know",),
    "girlfriend": ("gf", "partner"), "boyfriend": ("bf", "partner"),
    "a lot of": ("lots of", "plenty of"), "lots of": ("a lot of",), "really": ("truly",),
    "very": ("really", "extremely"), "extremely": ("incredibly", "very"), "maybe": ("perhaps", "possibly"),
    "probably": ("likely", "most likely"), "because": ("since", "as"), "but": ("yet",),
    "kind of": ("sort of", "somewhat"), "want to": ("wish to", "would like to"), "wants to": ("wishes to",),
    "wanted to": ("wished to",), "need to": ("have to", "must"), "have to": ("need to", "must"),
    "has to": ("needs to",), "had to": ("needed to",), "i think": ("I believe", "I feel"),
    "advice": ("guidance", "tips"), "start": ("begin",), "started": ("began",), "starting": ("beginning",),
    "begin": ("start",), "began": ("started",), "finally": ("at last", "eventually"),
    "eventually": ("in the end", "finally"), "immediately": ("right away", "at once"),
    "often": ("frequently",), "always": ("constantly",), "usually": ("normally", "typically"),
    "basically": ("essentially",), "totally": ("completely",), "completely": ("totally", "entirely"),
    "parents": ("folks",), "friend": ("buddy",), "friends": ("buddies",), "guy": ("man", "dude"),
    "guys": ("men",), "girl": ("woman",), "girls": ("women",), "people": ("folks",), "house": ("home",),
    "car": ("vehicle",), "money": ("cash",), "buy": ("purchase",), "bought": ("purchased",),
    "talk to": ("speak to", "speak with"), "talked to": ("spoke to", "spoke with"),
    "talking to": ("speaking to", "speaking with"), "broke up": ("split up",), "break up": ("split up",),
    "hang out": ("spend time",), "hung out": ("spent time",), "hanging out": ("spending time",),
    "found out": ("discovered", "learned"), "find out": ("discover", "learn"), "figure out": ("work out",),
    "huge": ("enormous", "massive"), "big": ("large",), "small": ("little",), "awesome": ("great",),
    "great": ("excellent",), "horrible": ("terrible",), "amazing": ("incredible",), "happy": ("pleased",),
    "sad": ("unhappy",), "worried": ("concerned", "anxious"), "awkward": ("uncomfortable",),
    "smart": ("clever",), "easy": ("simple",), "difficult": ("hard",), "quickly": ("rapidly", "fast"),
    "slowly": ("gradually",),
    "anyway": ("anyhow",), "although": ("though",), "what should i do": ("what do I do", "how should I proceed"),
    "any advice": ("any tips", "any suggestions"), "a few": ("several", "some"), "a couple of": ("a few",),
    "seems": ("appears",), "seem": ("appear",), "seemed": ("appeared",), "tried to": ("attempted to",),
    "try to": ("attempt to",), "trying to": ("attempting to",), "feel like": ("feel as if",),
    "feels like": ("feels as if",), "a little": ("a bit", "slightly"), "how can i": ("how do I",),
    "how do i": ("how can I",), "crazy": ("insane",), "each": ("every",), "every": ("each",), "bad": ("poor",),
    "correctly": ("properly",), "properly": ("correctly",), "normal": ("usual",), "decided": ("chose",),
    "decides": ("chooses",), "roommate": ("flatmate",), "roommates": ("flatmates",), "problem": ("issue",),
    "problems": ("issues",), "issue": ("problem",), "issues": ("problems",),
}


def _lexicon() -> dict[str, tuple[str, ...]]:
    lex: dict[str, list[str]] = {}
    for a, b in _BOTH.items():
        lex.setdefault(a, []).append(b)
        lex.setdefault(b.lower(), []).append(a)
    for k, alts in _ONE_WAY.items():
        lex.setdefault(k, []).extend(x for x in alts if x not in lex.get(k, []))
    return {k: tuple(v) for k, v in lex.items()}


LEXICON = _lexicon()
# Longest phrase first, so "a lot of" wins over "a lot"; apostrophes may be typographic.
_PATTERN = re.compile(
    r"(?<![\w'’])(" + "|".join(re.escape(k).replace("'", "['’]")
                             for k in sorted(LEXICON, key=lambda k: (-len(k), k))) + r")(?![\w'’])",
    re.IGNORECASE)


def _cased(original: str, new: str) -> str:
    if original.isupper() and len(original) > 1:
        return new.upper()
    if original[0].isupper():
        return new[0].upper() + new[1:]
    return new


def _article(prefix: str, word: str) -> str:
    """'a' / 'an' before a substituted word, as its first letter asks."""
    m = re.search(r"(?<![\w'’])([Aa])(n?) $", prefix)
    if not m:
        return prefix
    return prefix[:m.start(2)] + ("n" if word[0].lower() in "aeiou" else "") + " "


def sites(text: str, protected: Sequence[tuple[int, int]] = ()) -> list[tuple[int, int, tuple[str, ...]]]:
    """(start, end, alternatives) of every lexicon match outside the protected spans."""
    out = []
    for m in _PATTERN.finditer(text):
        a, b = m.span()
        if any(a < pe and ps < b for ps, pe in protected):
            continue
        out.append((a, b, LEXICON[m.group(0).lower().replace("’", "'")]))
    return out


def variants(text: str, n: int, protected: Sequence[tuple[int, int]] = ()) -> list[tuple[str, int]]:
    """n paraphrases (text, substitutions made), variant by variant; may repeat or equal `text`."""
    found = sites(text, protected)
    out = []
    for v in range(n):
        new, last, made = [], 0, 0
        for j, (a, b, alts) in enumerate(found):
            if len(found) > 1 and j % n == v:
                continue
            new.append(_article(text[last:a], alts[(j + v) % len(alts)]) + _cased(text[a:b], alts[(j + v) % len(alts)]))
            last, made = b, made + 1
        out.append(("".join(new) + text[last:], made))
    return out
