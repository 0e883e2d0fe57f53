"""The paths a Llama-architecture model (smollm2_135m) takes that the GPT-2 tiny LM never exercised.

Representations for INLP/SentenceDebias (a pre-hook on the LM head, padded
batches with position ids), the projection hook, the dropout method's config
keys and LoRA's default target modules, on a tiny Llama converted from GGUF.
"""
import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from alignment_tax.config import LoraEntry
from alignment_tax.debias import sentence_debias
from alignment_tax.debias.inference.projection import attach
from alignment_tax.debias.lm_training import with_dropout
from alignment_tax.debias.representations import mean_final_hidden
from alignment_tax.errors import AlignmentTaxError
from alignment_tax.models import gguf
from alignment_tax.models.loader import load_causal_lm
from tests.models.llama_gguf import byte_vocab, tiny_llama, write_llama_gguf

TEXTS = ["My landlord in Boston kept the deposit and never answered", "short one", "You are a stupid idiot."]


@pytest.fixture(scope="module")
def llama(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("llama")
    gguf.convert(write_llama_gguf(tiny_llama(len(byte_vocab())), tmp / "m.gguf"), tmp / "out")
    model, tok = load_causal_lm(tmp / "out")
    return model.eval(), tok


def test_padded_batches_give_each_texts_own_mean_hidden_state(llama):
    model, tok = llama
    X = mean_final_hidden(model, tok, TEXTS, max_tokens=64, batch_size=3)  # one batch, two texts padded
    for i, text in enumerate(TEXTS):
        ids = torch.tensor([tok(text, add_special_tokens=False)["input_ids"]])
        with torch.no_grad():
            h = model(input_ids=ids, output_hidden_states=True).hidden_states[-1][0].mean(0).numpy()
        assert np.allclose(X[i], h, atol=1e-5), text


def test_projection_hook_acts_on_the_llama_heads_input_only(llama):
    model, tok = llama
    d = model.config.hidden_size
    V = np.linalg.qr(np.random.default_rng(0).normal(size=(d, 2)))[0].T
    emb_before = model.get_input_embeddings().weight.detach().clone()
    handle = attach(model, torch.tensor(sentence_debias.removal_projection(V), dtype=torch.float32))
    seen = []
    probe = model.get_output_embeddings().register_forward_pre_hook(lambda m, a: seen.append(a[0]))
    try:
        with torch.no_grad():
            model(input_ids=torch.tensor([tok(TEXTS[0])["input_ids"]]))
    finally:
        handle.remove()
        probe.remove()
    h = seen[-1].reshape(-1, d).double().numpy()
    assert np.abs(h).max() > 0.1 and np.abs(h @ V.T).max() < 1e-5
    # tied embeddings: the hook must not have changed the shared weight
    assert torch.equal(model.get_input_embeddings().weight, emb_before)


def test_dropout_method_uses_llamas_own_key(llama):
    model, _ = llama
    with pytest.raises(AlignmentTaxError, match="config has no resid_pdrop.*attention_dropout"):
        with_dropout(model, {"resid_pdrop": 0.15})
    fresh = with_dropout(model, {"attention_dropout": 0.5})
    assert fresh.config.attention_dropout == 0.5
    assert all(torch.equal(a, b) for a, b in zip(fresh.state_dict().values(), model.state_dict().values()))
    ids = torch.tensor([[1, 50, 60, 70, 80, 90, 100, 110]])
    fresh.train()
    torch.manual_seed(0)
    with torch.no_grad():
        a, b = fresh(ids).logits, fresh(ids).logits
    assert not torch.allclose(a, b)  # the rate reached the attention modules
    fresh.eval()
    with torch.no_grad():
        assert torch.allclose(fresh(ids).logits, model(ids).logits, atol=1e-6)
    model.config.attention_dropout = 0.0  # with_dropout edits the shared config object


def test_lora_default_targets_llamas_attention(llama):
    from alignment_tax.models.lora import apply_lora

    model, _ = llama
    copy = type(model)(model.config)
    copy.load_state_dict(model.state_dict())
    wrapped = apply_lora(copy, OmegaConf.structured(LoraEntry(enabled=True, r=2, lora_alpha=4)))
    trainable = [n for n, p in wrapped.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)
    assert any("q_proj" in n for n in trainable) and any("v_proj" in n for n in trainable)
