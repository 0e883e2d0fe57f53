"""The paper-path Hub scorers: a one-line error offline, and the real code path on a tiny local model."""
from __future__ import annotations

import os
import time

import numpy as np
import pytest

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.scorers.faithfulness import NLIFaithfulness
from alignment_tax.scorers.toxicity import HFToxicity

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "you", "are", "an", "idiot", "nice", "day"]


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.mark.parametrize("make, hf_id, hint", [  # pinned, but not in the cache
    (HFToxicity, "unitary/toxic-bert", "scorers.toxicity.name=offline_best"),
    (NLIFaithfulness, "MoritzLaurer/DeBERTa-v3-base-mnli-fever-anli", "scorers.faithfulness.name=entity_support"),
])
def test_offline_load_is_one_line_error(make, hf_id, hint, tmp_path, monkeypatch):
    from alignment_tax.hub.pins import LOCK_ENV, write_lock

    write_lock({"models": {hf_id: {"revision": "main", "commit": "b" * 40}}, "datasets": {}}, tmp_path / "lock.json")
    monkeypatch.setenv(LOCK_ENV, str(tmp_path / "lock.json"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    t = time.time()
    with pytest.raises(AlignmentTaxError) as exc:
        make(hf_id)
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(f"cannot load the tokenizer of '{hf_id}' at bbbbbbbbbbbb from the "
                                               "Hugging Face Hub or its local cache")
    assert hint in msg
    assert time.time() - t < 30


@pytest.mark.parametrize("make, hf_id", [(HFToxicity, "unitary/toxic-bert"),
                                         (NLIFaithfulness, "MoritzLaurer/DeBERTa-v3-base-mnli-fever-anli")])
def test_unpinned_model_names_the_pin_command(make, hf_id, tmp_path, monkeypatch):
    from alignment_tax.hub.pins import LOCK_ENV

    monkeypatch.setenv(LOCK_ENV, str(tmp_path / "absent.json"))
    with pytest.raises(AlignmentTaxError, match=rf"no pinned commit for model '{hf_id}' "
                                                r"\(run: python -m alignment_tax\.hub pin\)"):
        make(hf_id)


def tiny_classifier(path, id2label: dict) -> str:
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    os.makedirs(path, exist_ok=True)
    vocab = os.path.join(path, "vocab.txt")
    with open(vocab, "w") as fh:
        fh.write("\n".join(VOCAB) + "\n")
    config = BertConfig(vocab_size=len(VOCAB), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=32, max_position_embeddings=32, num_labels=len(id2label),
                        id2label=id2label, label2id={v: k for k, v in id2label.items()})
    BertForSequenceClassification(config).save_pretrained(path)
    BertTokenizer(vocab_file=vocab).save_pretrained(path)
    return str(path)


def test_hf_toxicity_on_local_model(tmp_path):
    path = tiny_classifier(tmp_path / "tox", {0: "TOXIC", 1: "severe_toxic", 2: "insult"})
    s = HFToxicity(path, batch_size=2)
    assert s.label_index == 0 and s.max_length == 32
    p = s.score(["you are an idiot", "", "nice day " * 50])  # the last one is truncated to 32 positions
    assert p.shape == (3,) and np.all((p > 0) & (p < 1))
    np.testing.assert_allclose(s.score(["you are an idiot"]), p[:1], rtol=1e-5)  # batching changes nothing


def test_hf_toxicity_needs_toxic_label(tmp_path):
    path = tiny_classifier(tmp_path / "other", {0: "positive", 1: "negative"})
    with pytest.raises(AlignmentTaxError, match="no 'toxic'/'toxicity' label"):
        HFToxicity(path)


def test_nli_on_local_model(tmp_path):
    path = tiny_classifier(tmp_path / "nli", {0: "ENTAILMENT", 1: "neutral", 2: "contradiction"})
    s = NLIFaithfulness(path, batch_size=2)
    out = s.score(["the cat " * 40, "nice day", "you are"], ["the cat", "", "nice day " * 40])
    assert set(out) == {"faithfulness", "entailment", "neutral", "contradiction"}
    total = out["entailment"] + out["neutral"] + out["contradiction"]
    np.testing.assert_allclose(total[[0, 2]], 1.0, rtol=1e-5)
    assert out["faithfulness"][1] == 0.0 and np.array_equal(out["faithfulness"], out["entailment"])
