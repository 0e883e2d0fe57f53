"""spaCy NER spans: exact character offsets (the contrastive trainer pools over them)."""
from __future__ import annotations

import pytest

from alignment_tax.config import ScorersConfig
from alignment_tax.errors import AlignmentTaxError
from alignment_tax.scorers.ner import entity_spans, load_ner

MODEL = ScorersConfig().ner_model


@pytest.fixture(scope="module")
def nlp():
    return load_ner(MODEL)


def test_only_ner_runs(nlp):
    assert nlp.pipe_names == ["ner"]
    assert load_ner(MODEL) is nlp  # cached


def test_offsets_exact(nlp):
    texts = [
        "Barack Obama visited Paris on Monday with  Angela Merkel.",
        "  Leading spaces,\n\nnewlines and\ttabs: Microsoft paid $3 billion to Google in 2019.",
        "Ünïcödé first: Zoë Saldaña flew to São Paulo 🚀 with Emmanuel Macron last week.",
        "",
        "   ",
        "no entities here at all",
    ]
    spans = entity_spans(nlp, texts, batch_size=2)
    assert len(spans) == len(texts)
    for text, doc, sp in zip(texts, nlp.pipe(texts), spans):
        assert [text[s:e] for s, e, _ in sp] == [e.text for e in doc.ents]  # exact character offsets
        assert [lab for _, _, lab in sp] == [e.label_ for e in doc.ents]
        assert all(0 <= s < e <= len(text) for s, e, _ in sp)
    first = [(texts[0][s:e], lab) for s, e, lab in spans[0]]
    assert ("Barack Obama", "PERSON") in first and ("Angela Merkel", "PERSON") in first
    assert "Microsoft" in [texts[1][s:e] for s, e, _ in spans[1]]  # offsets survive leading whitespace
    assert "Emmanuel Macron" in [texts[2][s:e] for s, e, _ in spans[2]]  # ... and non-ASCII before it
    assert spans[3] == [] and spans[4] == []


def test_missing_model_one_line_error():
    with pytest.raises(AlignmentTaxError) as exc:
        load_ner("en_core_web_nonexistent")
    msg = str(exc.value)
    assert "\n" not in msg and "en_core_web_nonexistent" in msg and "pip install" in msg
