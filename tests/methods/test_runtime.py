"""Runtime: the one interface benchmarks use, and its log-likelihoods under padding."""
import pytest
import torch

from alignment_tax.methods.runtime import Runtime, plain_token_logprobs
from tests.helpers import ARCHITECTURES, tiny_causal_lm, tiny_model, tiny_tokenizer


@pytest.mark.parametrize("arch", ARCHITECTURES)
def test_token_logprobs_ignore_padding_side(arch):
    tok = tiny_tokenizer()
    model = tiny_causal_lm(arch, tok).eval()
    ids = tok("the cat sat on the mat")["input_ids"]
    pad = tok.pad_token_id
    alone = plain_token_logprobs(model, torch.tensor([ids]), torch.ones(1, len(ids), dtype=torch.long))[0]
    right = torch.tensor([ids + [pad, pad]]), torch.tensor([[1] * len(ids) + [0, 0]])
    left = torch.tensor([[pad, pad] + ids]), torch.tensor([[0, 0] + [1] * len(ids)])
    r = plain_token_logprobs(model, *right)[0, :len(ids) - 1]
    l_ = plain_token_logprobs(model, *left)[0, 2:]
    assert torch.allclose(alone, r, atol=1e-5) and torch.allclose(alone, l_, atol=1e-5)


def test_runtime_defaults_change_nothing():
    tok = tiny_tokenizer()
    rt = Runtime(model=tiny_model(tok), tokenizer=tok, method="base")
    assert rt.with_prefix([5, 6]) == [5, 6] and len(rt.logits_processor) == 0
    ids = torch.tensor([tok("a b c d")["input_ids"]])
    assert torch.allclose(rt.token_logprobs(ids, torch.ones_like(ids)),
                          plain_token_logprobs(rt.model, ids, torch.ones_like(ids)))
