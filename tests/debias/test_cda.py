"""CDA: word lists, whole-word case-keeping swaps, two-sidedness, ternary targets."""
import random

import pytest

from alignment_tax.debias import cda
from alignment_tax.errors import AlignmentTaxError

GENDER = cda.load_wordlist("gender")
RACE = cda.load_wordlist("race")


@pytest.mark.parametrize("attribute, n", [("gender", 2), ("race", 3), ("religion", 3)])
def test_wordlists_are_well_formed(attribute, n):
    wl = cda.load_wordlist(attribute)
    assert len(wl.lines) >= (60 if attribute == "gender" else 8)
    assert all(len(line) == n and len(set(line)) == n for line in wl.lines)  # no word is its own counterpart


def test_gender_swap_keeps_case_and_goes_both_ways_at_once():
    text = "He said his Dad and my BROTHER met she-wolves; she thanked him."
    out, n = cda.swap(text, GENDER, [1, 0])
    assert out == "She said her Mom and my SISTER met he-wolves; he thanked her."
    assert n == 7


def test_gender_swap_is_its_own_inverse_on_unambiguous_words():
    text = "My husband and his brothers visited the King with their sons."
    once, _ = cda.swap(text, GENDER, [1, 0])
    assert once == "My wife and her sisters visited the Queen with their daughters."
    assert cda.swap(once, GENDER, [1, 0])[0] == text


def test_whole_words_only():
    text = "The history of Sherlock's mention of themselves, hemen and Manchester."
    assert cda.swap(text, GENDER, [1, 0]) == (text, 0)
    assert cda.swap("he's my ex-boyfriend", GENDER, [1, 0])[0] == "she's my ex-girlfriend"


def test_ternary_swap_uses_the_class_targets():
    out, n = cda.swap("Black and white, Asian, African-American", RACE, [1, 2, 0])
    assert out == "White and asian, Black, European-American" and n == 4


def test_class_targets_never_keep_a_class():
    rng = random.Random(0)
    for _ in range(50):
        t = cda.class_targets(3, rng)
        assert all(t[c] != c for c in range(3))
    assert cda.class_targets(2, rng) == [1, 0]


def test_augment_is_two_sided_and_drops_unmatched_texts():
    texts = ["She is my mother.", "The weather is nice today.", "his car"]
    out, counts = cda.augment(texts, GENDER, seed=0)
    assert out == ["He is my father.", "She is my mother.", "her car", "his car"]
    assert counts == {"texts": 3, "texts_with_attribute_words": 2, "words_swapped": 3, "training_texts": 4}
    one_sided, _ = cda.augment(texts, GENDER, seed=0, two_sided=False, keep_unmatched=True)
    assert one_sided == ["He is my father.", "The weather is nice today.", "her car"]


def test_replace_word_changes_one_word_everywhere():
    assert cda.replace_word("He met him, and HE left.", "he", "she") == "She met him, and SHE left."


def test_bad_wordlist_names_file_and_line(tmp_path):
    (tmp_path / "gender.tsv").write_text("# comment\nhe\tshe\nking\n")
    with pytest.raises(AlignmentTaxError, match=r"gender.tsv:3: expected 2 tab-separated words"):
        cda.load_wordlist("gender", tmp_path)
    with pytest.raises(AlignmentTaxError, match="unknown attribute 'age'"):
        cda.load_wordlist("age")
