"""The static KV cache (params compute.kv_cache: static, the default) gives the dynamic cache's outputs:
greedy text on every architecture the zoo uses, left padding included, and seeded samples (RTP)."""
import pytest
import torch

from alignment_tax.lm.generate import generate
from tests.helpers import tiny_causal_lm, tiny_model, tiny_tokenizer

TEXTS = ("Gregory Helms stole", "My landlord in Boston kept the deposit and", "I")


def _prompts(tok):
    return [tok(t, add_special_tokens=False)["input_ids"] for t in TEXTS]


def test_static_cache_generates_the_same_greedy_text():
    tok = tiny_tokenizer()
    model = tiny_model(tok, seed=2).eval()
    kw = dict(max_new_tokens=8, min_new_tokens=8, batch_size=3)
    dynamic = generate(model, tok, _prompts(tok), **kw)
    assert generate(model, tok, _prompts(tok), cache_implementation="static", **kw) == dynamic
    assert any(dynamic)


@pytest.mark.parametrize("arch", ["gpt2", "llama", "phi"])
def test_static_cache_matches_dynamic_on_each_architecture(arch):
    tok = tiny_tokenizer()
    model = tiny_causal_lm(arch, tok, seed=3).eval()
    kw = dict(max_new_tokens=10, min_new_tokens=10, batch_size=2, no_repeat_ngram_size=3)
    dynamic = generate(model, tok, _prompts(tok), **kw)
    assert all(dynamic)
    assert generate(model, tok, _prompts(tok), cache_implementation="static", **kw) == dynamic


def test_static_cache_keeps_seeded_samples():
    tok = tiny_tokenizer()
    model = tiny_model(tok, seed=2).eval()
    kw = dict(max_new_tokens=8, batch_size=3, do_sample=True, top_p=0.9)
    torch.manual_seed(5)
    dynamic = generate(model, tok, _prompts(tok) * 2, **kw)
    torch.manual_seed(5)
    assert generate(model, tok, _prompts(tok) * 2, cache_implementation="static", **kw) == dynamic
