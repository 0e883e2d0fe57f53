"""Batched left-padded generation equals one-at-a-time generation, in the caller's order."""

from alignment_tax.lm.generate import generate, left_pad
from alignment_tax.evaluate.summary_stats import mean_std
import pytest

from tests.helpers import ARCHITECTURES, SENTENCES, tiny_causal_lm, tiny_model, tiny_tokenizer


def test_left_pad():
    ids, mask = left_pad([[5, 6, 7], [8]], pad_id=0)
    assert ids.tolist() == [[5, 6, 7], [0, 0, 8]] and mask.tolist() == [[1, 1, 1], [0, 0, 1]]


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_batched_generation_matches_single(arch):
    tok = tiny_tokenizer()
    model = tiny_causal_lm(arch, tok, seed=3)
    prompts = [tok(s)["input_ids"][:n] for s, n in zip(SENTENCES[:5], (3, 9, 5, 12, 7))]
    batched = generate(model, tok, prompts, max_new_tokens=6, batch_size=5)
    single = [generate(model, tok, [p], max_new_tokens=6, batch_size=1)[0] for p in prompts]
    assert batched == single
    assert all(batched) and len(set(batched)) > 1  # non-empty, and the prompts really differ in what they produce


def test_mean_std():
    assert mean_std([1.0, 2.0, 3.0, float("nan")]) == {"mean": 2.0, "std": 1.0, "n": 3}
    assert mean_std([]) == {"mean": None, "std": None, "n": 0}


def test_no_repeat_ngram_size_reaches_generate():
    tok = tiny_tokenizer()
    model = tiny_model(tok, seed=5)
    seen = []
    real = model.generate

    def spy(**kw):  # the generated ids themselves: re-tokenising decoded text is not 1:1
        out = real(**kw)
        seen.append(out[0, kw["input_ids"].shape[1]:].tolist())
        return out

    model.generate = spy
    prompt = [tok(SENTENCES[0])["input_ids"][:4]]
    generate(model, tok, prompt, max_new_tokens=40, batch_size=1, no_repeat_ngram_size=1, min_new_tokens=20)
    new = [t for t in seen[0] if t != tok.pad_token_id]
    assert len(new) >= 20 and len(new) == len(set(new))  # a real continuation, and with n=1 no token twice
    seen.clear()
    generate(model, tok, prompt, max_new_tokens=40, batch_size=1, min_new_tokens=40)
    assert len(set(seen[0])) < len(seen[0])  # without it this model repeats itself: the check can fail


def test_min_new_tokens_reaches_generate():
    tok = tiny_tokenizer()
    model = tiny_model(tok, seed=5)
    def eos_always(module, args, logits):  # make EOS the certain next token
        logits[..., tok.eos_token_id] += 100.0
        return logits

    model.lm_head.register_forward_hook(eos_always)
    prompt = [tok(SENTENCES[0])["input_ids"][:4]]
    assert generate(model, tok, prompt, max_new_tokens=10, batch_size=1) == [""]
    out = generate(model, tok, prompt, max_new_tokens=10, batch_size=1, min_new_tokens=5)[0]
    assert len(tok(out, add_special_tokens=False)["input_ids"]) >= 5
