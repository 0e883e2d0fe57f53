"""The static KV cache (generate's cache_implementation="static") gives the dynamic cache's greedy outputs."""
from alignment_tax.lm.generate import generate
from tests.helpers import tiny_model, tiny_tokenizer


def test_static_cache_generates_the_same_greedy_text():
    tok = tiny_tokenizer()
    model = tiny_model(tok, seed=2).eval()
    prompts = [tok(t, add_special_tokens=False)["input_ids"] for t in
               ("Gregory Helms stole", "My landlord in Boston kept the deposit and", "I")]
    kw = dict(max_new_tokens=8, min_new_tokens=8, batch_size=3)
    dynamic = generate(model, tok, prompts, **kw)
    assert generate(model, tok, prompts, cache_implementation="static", **kw) == dynamic
    assert any(dynamic)
