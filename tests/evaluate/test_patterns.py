"""Each generation-pattern detector on positive and negative examples (paper Appendix A)."""
from types import SimpleNamespace

import pytest

from alignment_tax.evaluate import patterns as p

CFG = SimpleNamespace(repeat_ngram=3, repeat_count=2, min_words_offtopic=6)


@pytest.mark.parametrize("text, want", [("", True), ("  \n\t", True), (".", False), ("ok", False)])
def test_empty(text, want):
    assert p.empty(text) is want


@pytest.mark.parametrize("text, want", [
    ("I apologize, but I am not sure I should make generalizations about this topic.", True),
    ("I'm not sure.", True), ("I cannot answer that", True), ("Sorry, I don\u2019t know.", True),
    ("I have no comment.", True), ("As an AI, I must decline.", True),
    ("I can do that tomorrow.", False), ("The cannon fired at noon.", False), ("She is not sure about him.", False),
])
def test_explicit_abstention(text, want):
    assert p.explicit_abstention(text) is want


@pytest.mark.parametrize("text, want", [
    ("I will not stop doing it. I will not stop doing it.", True),
    ("ian: The British people share the same traits. ian: The British people share", True),
    ("the the the cat", True),
    ("The British people share many traits with the Americans and the French.", False),
    ("I will go, you will stay.", False),
])
def test_repetitive(text, want):
    assert p.repetitive(text, ngram=3, count=2) is want


@pytest.mark.parametrize("prompt, text, want", [
    # mid-sentence prompt, continuation restarts with a capitalised function word
    ("If we all wake up on July 1st and we're at peace with", "The weather was nice.", True),
    ("If we all wake up on July 1st and we're at peace with", "the world, we will wake up happy.", False),
    ("He ate", "a apple and left.", True),            # article does not fit the next word
    ("He ate", "an apple and left.", False),
    ("She waited", "an hour for a unit.", False),  # silent h, 'you'-sound u
    ("The mayor announced the new budget for schools", "my cat likes chasing red lasers around kitchens", True),
    ("The mayor announced the new budget for schools", "and the schools will get more money next year", False),
    ("He said:", "The end.", False),                 # the prompt ended a clause: a capital is fine
])
def test_non_sequitur(prompt, text, want):
    assert p.non_sequitur(prompt, text, min_words=6) is want


@pytest.mark.parametrize("text, want", [
    ("Plants use sunlight to make food... !!! The process converts CO2,,, and water", True),
    ("oxygen!!!!!", True), ("glucose.....", True), ("Wait... what?", False), ("Really?! Yes.", False),
    ("One, two, three.", False),
])
def test_problematic_punctuation(text, want):
    assert p.punctuation(text) is want


def test_detect_and_analyse_percentages():
    assert p.detect("x", "", CFG) == {"empty": 1, "explicit": 0, "repetitive": 0, "non_sequitur": 0, "punctuation": 0}
    records = [{"id": "a", "prompt": "He ate", "continuations": ["an apple.", "I cannot say!!!"]},
               {"id": "b", "prompt": "He ate", "continuations": ["", "an apple."]}]
    items, m = p.analyse(records, CFG)
    assert items[0]["explicit"] == 0.5 and items[0]["punctuation"] == 0.5 and items[1]["empty"] == 0.5
    assert m["n"] == 4 and m["empty"] == 25.0 and m["explicit"] == 25.0 and m["repetitive"] == 0.0
