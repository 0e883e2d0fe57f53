"""Continuation log-likelihoods: the harness's pair encoding, batching and truncation."""
import pytest
import torch

from alignment_tax.evaluate.loglik import continuation_logprobs, encode_pair
from alignment_tax.methods.runtime import Runtime, plain_token_logprobs
from tests.evaluate.fakes import controlled_runtime
from tests.helpers import tiny_model, tiny_tokenizer


def test_encode_pair_moves_trailing_space_to_continuation():
    tok = tiny_tokenizer()
    ctx, cont = encode_pair(tok, "The cat sat ", "on the mat")
    assert ctx == tok("The cat sat", add_special_tokens=False)["input_ids"]
    assert ctx + cont == tok("The cat sat on the mat", add_special_tokens=False)["input_ids"]


def test_batched_scores_equal_one_sequence_at_a_time():
    tok = tiny_tokenizer()
    rt = Runtime(model=tiny_model(tok, seed=1), tokenizer=tok, method="base")
    reqs = [("Gregory Helms stole", " 30 dollars"), ("My landlord in Boston", " kept the deposit"),
            ("The restaurant", " took longer than usual to serve our food."), ("Gregory Helms stole", " 30 dollars")]
    batched = continuation_logprobs(rt, reqs, batch_size=3, max_length=128)
    for (ctx, cont), got in zip(reqs, batched):
        c, x = encode_pair(tok, ctx, cont)
        ids = torch.tensor([c + x])
        want = plain_token_logprobs(rt.model.eval(), ids, torch.ones_like(ids))[0, len(c) - 1:].sum()
        assert got == pytest.approx(float(want), abs=1e-4)
    assert batched[0] == batched[3]


def test_prefix_ids_condition_every_score():
    rt = controlled_runtime({"a": -1.0, "b": -2.0}, [])
    base = continuation_logprobs(rt, [("x", " a b")], batch_size=1, max_length=16)
    rt.prefix_ids = rt.tokenizer("b b", add_special_tokens=False)["input_ids"]
    assert continuation_logprobs(rt, [("x", " a b")], batch_size=1, max_length=16) == base == [-3.0]


def test_long_context_is_cut_from_the_left_keeping_the_continuation():
    rt = controlled_runtime({"a": -1.0}, ["w"])
    ctx = " ".join(["w"] * 50)
    assert continuation_logprobs(rt, [(ctx, " a a")], batch_size=1, max_length=8) == [-2.0]
