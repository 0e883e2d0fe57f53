"""Self-Debias: the reference decay, cache-consistent generation, and lower toxic-continuation probability."""
import math

import pytest
import torch
from transformers import LogitsProcessor, LogitsProcessorList

from alignment_tax.debias.config import SELF_DEBIAS_PREFIXES
from alignment_tax.debias.inference import self_debias
from alignment_tax.methods.runtime import Runtime, plain_token_logprobs

INFO = {"runtime": "self_debias", "decay_constant": 50.0, "epsilon": 0.01, "prefixes": SELF_DEBIAS_PREFIXES}


def test_decay_matches_the_reference_formula_by_hand():
    p = torch.tensor([0.5, 0.3, 0.2])
    p_b = torch.tensor([0.2, 0.6, 0.2])
    out = self_debias.debiased_logprobs(p.log(), p_b, decay_constant=50.0, epsilon=0.01).exp()
    # alpha = (0, 0.3, 0); factor = (1, max(e^-15, 0.01) = 0.01, 1); renormalise
    expected = torch.tensor([0.5, 0.003, 0.2]) / 0.703
    assert torch.allclose(out, expected, atol=1e-6)
    small = self_debias.debiased_logprobs(p.log(), torch.tensor([0.45, 0.31, 0.24]), 50.0, 0.01).exp()
    assert math.isclose(float(small[1] / small[0]), 0.3 * math.exp(-50 * 0.01) / 0.5, rel_tol=1e-5)


@pytest.fixture(scope="module")
def toxic_lm():
    """A tiny LM for which a debiasing prefix makes 'stupid' certain and the plain prompt a coin toss."""
    from types import SimpleNamespace

    from alignment_tax.models.tiny import new_model, train_tokenizer

    texts = ([SELF_DEBIAS_PREFIXES[0] + "You are a stupid idiot."] * 8
             + ["You are a stupid idiot."] * 8 + ["You are a kind friend."] * 8)
    tok = train_tokenizer(texts * 4, vocab_size=300, max_length=256)
    torch.manual_seed(0)
    model = new_model(SimpleNamespace(n_positions=256, n_embd=48, n_layer=2, n_head=2, dropout=0.0), tok)
    enc = tok([t + tok.eos_token for t in texts], padding=True, return_tensors="pt")
    labels = enc["input_ids"].masked_fill(enc["attention_mask"] == 0, -100)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    for _ in range(120):
        loss = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"], labels=labels).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval(), tok


def runtime(model, tok) -> Runtime:
    rt = Runtime(model=model, tokenizer=tok, method="self_debias", info=INFO)
    self_debias.install(rt, None, INFO)
    return rt


def test_self_debias_lowers_the_toxic_continuation(toxic_lm):
    model, tok = toxic_lm
    prompt = tok("You are a", add_special_tokens=False)["input_ids"]
    ids = torch.tensor([tok("You are a stupid idiot.", add_special_tokens=False)["input_ids"]])
    mask = torch.ones_like(ids)
    base = plain_token_logprobs(model, ids, mask)[0, len(prompt) - 1:].sum()
    debiased = runtime(model, tok).token_logprobs(ids, mask)[0, len(prompt) - 1:].sum()
    assert base > math.log(0.2)  # the plain prompt does elicit it
    assert debiased < base - 2.0


def test_generation_avoids_the_toxic_word(toxic_lm):
    model, tok = toxic_lm
    rt = runtime(model, tok)
    ids = torch.tensor([tok("You are a", add_special_tokens=False)["input_ids"]])
    out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=3, do_sample=False,
                         pad_token_id=tok.pad_token_id, logits_processor=rt.logits_processor)
    text = tok.decode(out[0, ids.shape[1]:])
    assert "kind" in text and "stupid" not in text


class FromScratch(LogitsProcessor):
    """Checks each cached step against a fresh processor that recomputes the prefixed copies."""

    def __init__(self, model, prefix_ids, pad):
        self.cached = self_debias.SelfDebiasLogitsProcessor(model, prefix_ids, pad)
        self.model, self.prefix_ids, self.pad, self.steps = model, prefix_ids, pad, 0

    def __call__(self, input_ids, scores):
        fresh = self_debias.SelfDebiasLogitsProcessor(self.model, self.prefix_ids, self.pad)(input_ids, scores.clone())
        out = self.cached(input_ids, scores)
        assert torch.allclose(out, fresh, atol=1e-4)
        self.steps += 1
        return out


def test_cached_steps_equal_recomputation_under_left_padding(tok, model):
    from alignment_tax.lm.generate import left_pad

    prefix_ids = self_debias.prefix_token_ids(tok, SELF_DEBIAS_PREFIXES[:3])
    check = FromScratch(model, prefix_ids, tok.pad_token_id)
    ids, mask = left_pad([tok("My landlord kept the deposit")["input_ids"], tok("Hi")["input_ids"]],
                         tok.pad_token_id)
    model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=5, do_sample=False, min_new_tokens=5,
                   pad_token_id=tok.pad_token_id, logits_processor=LogitsProcessorList([check]))
    assert check.steps == 5


def test_logprob_fn_agrees_with_the_processor_and_ignores_padding(tok, model):
    prefix_ids = self_debias.prefix_token_ids(tok, SELF_DEBIAS_PREFIXES[:2])
    fn = self_debias.make_logprob_fn(prefix_ids, 50.0, 0.01)
    seq = tok("I moved to Paris with my girlfriend")["input_ids"]
    alone = fn(model, torch.tensor([seq]), torch.ones(1, len(seq), dtype=torch.long))[0]
    proc = self_debias.SelfDebiasLogitsProcessor(model, prefix_ids, tok.pad_token_id)
    with torch.no_grad():
        for t in range(1, len(seq)):
            prefix = torch.tensor([seq[:t]])
            scores = model(input_ids=prefix).logits[:, -1]
            proc.reset()
            assert torch.allclose(proc(prefix, scores)[0, seq[t]], alone[t - 1], atol=1e-4)
    pad = tok.pad_token_id
    left = fn(model, torch.tensor([[pad, pad] + seq]), torch.tensor([[0, 0] + [1] * len(seq)]))[0, 2:]
    assert torch.allclose(left, alone, atol=1e-4)


def test_prefixed_copies_that_outgrow_the_context_drop_their_oldest_tokens(tok, model):
    prefix_ids = self_debias.prefix_token_ids(tok, SELF_DEBIAS_PREFIXES)
    width = max(map(len, prefix_ids))
    limit = model.config.n_positions
    seq = (tok(" ".join(["My landlord in Boston kept the deposit."] * 30))["input_ids"])[: limit - 12]
    assert len(seq) + width > limit  # the prefixed copies cannot hold the whole input
    ids = torch.tensor([seq])
    proc = self_debias.SelfDebiasLogitsProcessor(model, prefix_ids, tok.pad_token_id)
    lengths = []

    class Spy(LogitsProcessor):
        def __call__(self, input_ids, scores):
            out = proc(input_ids, scores)
            lengths.append(proc._state["mask"].shape[1])
            assert torch.isfinite(out.max(-1).values).all()
            return out

    model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=10, min_new_tokens=10,
                   do_sample=False, pad_token_id=tok.pad_token_id, logits_processor=LogitsProcessorList([Spy()]))
    # the window leaves WINDOW_SLACK positions free, then grows with the cache: never past the context
    assert lengths[0] == limit - self_debias.WINDOW_SLACK and lengths == list(range(lengths[0], lengths[0] + 10))
    fn = self_debias.make_logprob_fn(prefix_ids, 50.0, 0.01)
    lp = fn(model, ids, torch.ones_like(ids))[0]
    plain = plain_token_logprobs(model, ids, torch.ones_like(ids))[0]
    start = len(seq) - (limit - width)
    assert torch.isfinite(lp).all() and lp.shape == plain.shape
    assert torch.allclose(lp[:start], plain[:start], atol=1e-5)  # no room behind the prefixes: unchanged
    assert not torch.allclose(lp[start:], plain[start:], atol=1e-3)
