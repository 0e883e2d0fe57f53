"""One loader for every model directory: weights, pointers, and the ways they go wrong."""
import json
import time

import pytest

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.models import tiny
from alignment_tax.models.loader import load_causal_lm, resolve_source
from tests.helpers import SENTENCES, tiny_model, tiny_tokenizer


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    d = tmp_path_factory.mktemp("m") / "tiny"
    tok = tiny_tokenizer()
    tiny.save(tiny_model(tok), tok, d)
    return d


def test_saved_tiny_model_loads_from_safetensors(saved):
    model, tok = load_causal_lm(saved)
    assert (saved / "model.safetensors").is_file() and not list(saved.glob("*.bin"))
    assert tok.pad_token_id == tok.eos_token_id
    assert model.config.vocab_size == len(tok)


def test_directory_without_weights(saved, tmp_path):
    d = tmp_path / "noweights"
    d.mkdir()
    (d / "config.json").write_text((saved / "config.json").read_text())
    with pytest.raises(AlignmentTaxError, match=r"noweights: no \*\.safetensors weights"):
        load_causal_lm(d)


def test_missing_directory_names_the_stage(tmp_path):
    with pytest.raises(AlignmentTaxError, match="model directory not found"):
        resolve_source(tmp_path / "models/contrastive/tiny")


def test_tokenizer_that_does_not_match(saved, tmp_path):
    import shutil

    d = tmp_path / "mismatch"
    shutil.copytree(saved, d)
    big = tiny.train_tokenizer(SENTENCES * 3 + [s.upper() for s in SENTENCES], vocab_size=900, max_length=128)
    assert len(big) > json.loads((saved / "config.json").read_text())["vocab_size"]
    big.save_pretrained(d)
    with pytest.raises(AlignmentTaxError, match="do not match"):
        load_causal_lm(d)


def test_hub_pointer_offline_fails_fast_with_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    d = tmp_path / "gpt2_large"
    d.mkdir()
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    (d / "source.json").write_text(json.dumps({"hf_id": "gpt2-large", "revision": "main", "commit": "a" * 40}))
    start = time.time()
    with pytest.raises(AlignmentTaxError) as err:
        load_causal_lm(d)
    assert "cannot load the tokenizer of 'gpt2-large' at aaaaaaaaaaaa from the Hugging Face Hub" in str(err.value)
    assert "alignment_tax.hub download" in str(err.value)
    assert "\n" not in str(err.value) and time.time() - start < 20


def test_hub_pointer_without_commit_is_refused(tmp_path):
    """A pointer written before hub.lock.json existed (commit null) would load whatever main is today."""
    d = tmp_path / "gpt2_large"
    d.mkdir()
    (d / "source.json").write_text(json.dumps({"hf_id": "gpt2-large", "revision": "main", "commit": None}))
    with pytest.raises(AlignmentTaxError, match=r"source\.json: no 'commit' .*alignment_tax\.hub pin"):
        load_causal_lm(d)


def test_tiny_corpus_and_perplexity():
    rows = [{"post": "a post about Boston", "summary": "Boston post", "title": "t", "subreddit": "x"}]
    comments = [{"text": f"comment {i}"} for i in range(10)]
    docs = tiny.build_corpus(rows, comments, max_comments=4, seed=0)
    assert len(docs) == 5 and any("TL;DR: Boston post" in d for d in docs)
    tok = tiny_tokenizer()
    blocks = tiny.pack_blocks(tok, SENTENCES, 16)
    assert blocks and all(len(b) == 16 for b in blocks)
    ppl = tiny.perplexity(tiny_model(tok).eval(), blocks[:4])
    assert 1 < ppl < 10 * len(tok)  # an untrained model is roughly uniform over the vocabulary
