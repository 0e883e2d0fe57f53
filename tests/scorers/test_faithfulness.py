"""EntitySupport on hand-made examples, with hand-computed values."""
from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from alignment_tax.config import ScorersConfig
from alignment_tax.errors import AlignmentTaxError
from alignment_tax.scorers.faithfulness import EntitySupport, load_faithfulness_scorer
from alignment_tax.scorers.ner import load_ner

SRC = "Barack Obama visited Paris on Monday."


@pytest.fixture(scope="module")
def scorer():
    return EntitySupport(load_ner(ScorersConfig().ner_model), batch_size=4)


def one(scorer, source, summary):
    out = scorer.score([source], [summary])
    assert set(out) == {"faithfulness", "entity_precision", "lexical_support"}
    return {k: float(v[0]) for k, v in out.items()}


def test_copied_entities(scorer):
    # entities Obama, Paris both in the source; content tokens obama, visited, paris all in it
    assert one(scorer, SRC, "Obama visited Paris.") == {
        "entity_precision": 1.0, "lexical_support": 1.0, "faithfulness": 1.0}


def test_invented_entities(scorer):
    # entities Angela Merkel, Berlin: 0/2; content tokens angela merkel visited berlin: 1/4
    r = one(scorer, SRC, "Angela Merkel visited Berlin.")
    assert r == {"entity_precision": 0.0, "lexical_support": 0.25, "faithfulness": 0.125}


def test_case_whitespace_and_word_boundaries(scorer):
    assert one(scorer, "barack   obama met people in PARIS.", "Barack Obama visited Paris.")["entity_precision"] == 1.0
    # "Paris" must not be supported by "Parisian"
    r = one(scorer, "Obama loves Parisian cafes.", "Obama visited Paris.")
    assert r["entity_precision"] == 0.5 and r["lexical_support"] == pytest.approx(1 / 3)


def test_empty_summary_is_zero(scorer):
    for summ in ("", "  \n "):
        assert one(scorer, SRC, summ) == {"entity_precision": 0.0, "lexical_support": 0.0, "faithfulness": 0.0}


def test_no_entity_summary(scorer):
    # content tokens cat sat mat ("the", "on" are stop words); source: cat, sleeping -> 1/3
    r = one(scorer, "A cat was sleeping.", "the cat sat on the mat")
    assert math.isnan(r["entity_precision"])
    assert r["lexical_support"] == pytest.approx(1 / 3) and r["faithfulness"] == r["lexical_support"]


def test_no_content_words(scorer):
    r = one(scorer, SRC, "It is what it is.")
    assert math.isnan(r["entity_precision"]) and math.isnan(r["lexical_support"]) and r["faithfulness"] == 0.0


def test_batch_shapes_and_range(scorer):
    srcs, summs = [SRC] * 5, ["Obama visited Paris.", "", "the cat sat", "Angela Merkel visited Berlin.", "Obama"]
    out = scorer.score(srcs, summs)
    assert all(v.shape == (5,) and v.dtype == np.float64 for v in out.values())
    assert np.all((out["faithfulness"] >= 0) & (out["faithfulness"] <= 1))
    assert scorer.score([], [])["faithfulness"].shape == (0,)
    with pytest.raises(ValueError):
        scorer.score([SRC], [])


def test_load_faithfulness_scorer(scorer):
    scfg = SimpleNamespace(ner_model=ScorersConfig().ner_model, batch_size=8,
                           faithfulness=SimpleNamespace(name="entity_support", hf_id="x"))
    assert load_faithfulness_scorer(scfg, nlp=scorer.nlp).name == "entity_support"
    assert load_faithfulness_scorer(scfg).nlp is scorer.nlp  # load_ner is cached
    scfg.faithfulness.name = "nope"
    with pytest.raises(AlignmentTaxError, match="unknown scorer"):
        load_faithfulness_scorer(scfg)
