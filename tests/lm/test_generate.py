"""Batched left-padded generation equals one-at-a-time generation, in the caller's order."""

from alignment_tax.lm.generate import generate, left_pad
from alignment_tax.evaluate.summary_stats import mean_std
from tests.helpers import SENTENCES, tiny_model, tiny_tokenizer


def test_left_pad():
    ids, mask = left_pad([[5, 6, 7], [8]], pad_id=0)
    assert ids.tolist() == [[5, 6, 7], [0, 0, 8]] and mask.tolist() == [[1, 1, 1], [0, 0, 1]]


def test_batched_generation_matches_single():
    tok = tiny_tokenizer()
    model = tiny_model(tok, seed=3)
    prompts = [tok(s)["input_ids"][:n] for s, n in zip(SENTENCES[:5], (3, 9, 5, 12, 7))]
    batched = generate(model, tok, prompts, max_new_tokens=6, batch_size=5)
    single = [generate(model, tok, [p], max_new_tokens=6, batch_size=1)[0] for p in prompts]
    assert batched == single
    assert len(set(batched)) > 1  # the prompts really differ in what they produce


def test_mean_std():
    assert mean_std([1.0, 2.0, 3.0, float("nan")]) == {"mean": 2.0, "std": 1.0, "n": 3}
    assert mean_std([]) == {"mean": None, "std": None, "n": 0}


def test_no_repeat_ngram_size_reaches_generate():
    tok = tiny_tokenizer()
    model = tiny_model(tok, seed=5)
    prompt = [tok(SENTENCES[0])["input_ids"][:4]]
    ids = tok(generate(model, tok, prompt, max_new_tokens=40, batch_size=1, no_repeat_ngram_size=1)[0],
              add_special_tokens=False)["input_ids"]
    assert len(ids) == len(set(ids))  # with n=1 no token may appear twice


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
