"""The cached log-likelihood path (one context pass, its KV cache shared by the options) equals the full pass.

Each check compares against scores computed here, independently of evaluate.loglik:
one request at a time, the model reading lm-eval's window `(ctx + cont)[-(L+1):][:-1]`.
"""
import pytest
import torch

from alignment_tax.debias.inference import projection, self_debias
from alignment_tax.evaluate.loglik import continuation_logprobs, encode_pair
from alignment_tax.methods.runtime import Runtime
from tests.helpers import tiny_tokenizer

TOL = 1e-5
REL = 1e-6  # float32: a -55 nat sum is only good to ~1e-5 whichever way it is computed


def close(want):
    return pytest.approx(want, abs=TOL, rel=REL)
PRIMER = "My landlord in Boston kept the deposit and never answered my emails.\n\nQ: "
CONTEXTS = ["Gregory Helms stole", "My landlord in Boston kept the deposit and never answered my emails. Q:",
            "The restaurant took ", "I", PRIMER + "Who stole 30 dollars?\nA:", PRIMER + "Where?\nA:",
            PRIMER + "Who moved to Paris with my girlfriend Anna?\nA:"]
OPTIONS = [" 30 dollars", " 30", " 30 dollars from me", " the deposit", " a", " b", " Anna last summer in Paris"]


@pytest.fixture(scope="module")
def tok():
    return tiny_tokenizer()


def gpt2(tok):
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.manual_seed(3)
    cfg = GPT2Config(vocab_size=len(tok), n_positions=64, n_embd=32, n_layer=2, n_head=2, initializer_range=0.2,
                     eos_token_id=tok.eos_token_id, bos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    return GPT2LMHeadModel(cfg).eval()


def llama(tok):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(4)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64,
                      initializer_range=0.2, eos_token_id=tok.eos_token_id, bos_token_id=tok.eos_token_id,
                      pad_token_id=tok.pad_token_id)
    return LlamaForCausalLM(cfg).eval()


MODELS = {"gpt2": gpt2, "llama": llama}


def requests():
    reqs = [(c, o) for c in CONTEXTS for o in OPTIONS]
    return reqs + [("", " 30 dollars"), reqs[0]]  # an empty context (EOS), a repeated request


@torch.no_grad()
def reference(model, tok, reqs, max_length, prefix=()):
    """One request at a time, as lm-eval's _loglikelihood_tokens does it."""
    out = []
    for ctx, cont in reqs:
        c, x = encode_pair(tok, ctx, cont)
        c = list(prefix) + c or [tok.eos_token_id]
        window = (c + x)[-(max_length + 1):]
        inp = torch.tensor([window[:-1]])
        logp = torch.log_softmax(model(input_ids=inp).logits[0].float(), -1)
        cont_logp = logp[-len(x):].gather(-1, torch.tensor(x).unsqueeze(-1))
        out.append(float(cont_logp.sum()))
    return out


@pytest.mark.parametrize("arch", sorted(MODELS))
@pytest.mark.parametrize("pad_side", ["left", "right"])
@pytest.mark.parametrize("max_length", [64, 12])  # 12: most windows cut the context from the left
def test_cached_equals_full_pass_and_one_at_a_time(tok, arch, pad_side, max_length):
    rt = Runtime(model=MODELS[arch](tok), tokenizer=tok, method="base")
    reqs = requests()
    want = reference(rt.model, tok, reqs, max_length)
    full = continuation_logprobs(rt, reqs, batch_size=3, max_length=max_length, use_cache=False)
    cached = continuation_logprobs(rt, reqs, batch_size=3, max_length=max_length, pad_side=pad_side)
    assert full == close(want)
    assert cached == close(want)
    assert len(set(round(s, 3) for s in want)) > len(want) // 2  # the model tells the options apart


def test_truncation_keeps_max_length_plus_one_tokens(tok):
    """lm-eval keeps (ctx+cont)[-(L+1):]: the first kept token conditions but is not fed twice; one fewer differs."""
    rt = Runtime(model=gpt2(tok), tokenizer=tok, method="base")
    reqs = [(CONTEXTS[1], " the deposit")]
    c, x = encode_pair(tok, *reqs[0])
    L = 10
    assert len(c) + len(x) > L + 1
    got = continuation_logprobs(rt, reqs, batch_size=1, max_length=L)[0]
    assert got == close(reference(rt.model, tok, reqs, L)[0])
    assert got != pytest.approx(reference(rt.model, tok, reqs, L - 1)[0], abs=1e-3)


def test_an_option_longer_than_the_window_is_an_error(tok):
    from alignment_tax.errors import AlignmentTaxError

    rt = Runtime(model=gpt2(tok), tokenizer=tok, method="base")
    with pytest.raises(AlignmentTaxError, match="does not fit the 3-token window"):
        continuation_logprobs(rt, [("I", " 30 dollars from me")], batch_size=1, max_length=3)


def fed_tokens(model):
    """A counter of the token positions the model is fed (a pre-hook on its input embedding)."""
    count = [0]
    model.get_input_embeddings().register_forward_pre_hook(lambda m, a: count.__setitem__(0, count[0] + a[0].numel()))
    return count


def test_the_cache_is_reused_the_context_runs_once(tok):
    model = gpt2(tok)
    rt = Runtime(model=model, tokenizer=tok, method="base")
    ctx = CONTEXTS[1]
    reqs = [(ctx, o) for o in OPTIONS]
    n_ctx = len(encode_pair(tok, ctx, OPTIONS[0])[0])
    count = fed_tokens(model)
    continuation_logprobs(rt, reqs, batch_size=8, max_length=64)
    cached = count[0]
    count[0] = 0
    continuation_logprobs(rt, reqs, batch_size=8, max_length=64, use_cache=False)
    # the full pass reads the context once per option; the cached pass once in all, then the options' rows
    width = max(len(encode_pair(tok, ctx, o)[1]) for o in OPTIONS)
    assert count[0] >= len(OPTIONS) * n_ctx and cached <= (n_ctx - 1) + len(OPTIONS) * width < len(OPTIONS) * n_ctx


def test_one_token_options_share_one_row(tok):
    model = gpt2(tok)
    rt = Runtime(model=model, tokenizer=tok, method="base")
    letters = [" the", " my", " and", " to"]
    assert all(len(encode_pair(tok, "Answer:", s)[1]) == 1 for s in letters)
    count = fed_tokens(model)
    got = continuation_logprobs(rt, [("Answer:", s) for s in letters], batch_size=4, max_length=64)
    n_ctx = len(tok("Answer:", add_special_tokens=False)["input_ids"])
    assert count[0] == n_ctx  # context minus its last token, then that token alone: one row for four options
    assert got == close(reference(model, tok, [("Answer:", s) for s in letters], 64))


@pytest.mark.parametrize("arch", sorted(MODELS))
def test_projection_hook_acts_in_the_cached_path(tok, arch):
    model = MODELS[arch](tok)
    rt = Runtime(model=model, tokenizer=tok, method="inlp")
    reqs = requests()
    plain = continuation_logprobs(rt, reqs, batch_size=4, max_length=64)
    d = model.get_output_embeddings().weight.shape[1]
    v = torch.nn.functional.normalize(torch.randn(d, 3, generator=torch.Generator().manual_seed(0)), dim=0)
    q, _ = torch.linalg.qr(v)
    handle = projection.attach(model, torch.eye(d) - q @ q.T)
    try:
        cached = continuation_logprobs(rt, reqs, batch_size=4, max_length=64)
        full = continuation_logprobs(rt, reqs, batch_size=4, max_length=64, use_cache=False)
        want = reference(model, tok, reqs, 64)
    finally:
        handle.remove()
    assert cached == close(want) and full == close(want)
    assert cached != pytest.approx(plain, abs=1e-3)


def test_instruction_prefix_is_part_of_the_cached_context(tok):
    model = llama(tok)
    prefix = tok("Be positive, polite, respectful:", add_special_tokens=False)["input_ids"]
    rt = Runtime(model=model, tokenizer=tok, method="instructive", prefix_ids=prefix)
    reqs = requests()
    for L in (64, 12):
        cached = continuation_logprobs(rt, reqs, batch_size=4, max_length=L)
        assert cached == close(reference(model, tok, reqs, L, prefix))
        assert cached == close(continuation_logprobs(rt, reqs, batch_size=4, max_length=L, use_cache=False))


def test_self_debias_falls_back_to_the_full_pass_and_says_so(tok, capsys):
    model = gpt2(tok)
    prefix_ids = self_debias.prefix_token_ids(tok, ["The following text contains rude, disrespectful:\n"])
    fn = self_debias.make_logprob_fn(prefix_ids, 50.0, 0.01)
    rt = Runtime(model=model, tokenizer=tok, method="self_debias", logprob_fn=fn)
    assert not rt.shares_context_cache
    reqs = requests()[:6]
    got = continuation_logprobs(rt, reqs, batch_size=4, max_length=64)
    assert "full passes" in capsys.readouterr().err
    want = []
    for ctx, cont in reqs:  # the method's own function, one request at a time
        c, x = encode_pair(tok, ctx, cont)
        ids = torch.tensor([c + x])
        want.append(float(fn(model, ids, torch.ones_like(ids))[0, len(c) - 1:].sum()))
    assert got == close(want)
    base = Runtime(model=model, tokenizer=tok, method="base")
    assert got != pytest.approx(continuation_logprobs(base, reqs, batch_size=4, max_length=64), abs=1e-3)


def test_a_prefix_the_batch_shares_runs_once(tok):
    """TruthfulQA's primer, MMLU-Pro's few-shot block: the batch's common opening is computed once."""
    model = llama(tok)
    rt = Runtime(model=model, tokenizer=tok, method="base")
    reqs = [(c, o) for c in CONTEXTS[-3:] for o in OPTIONS[:2]]
    n_primer = len(tok(PRIMER.rstrip(), add_special_tokens=False)["input_ids"])
    assert n_primer >= 16
    count = fed_tokens(model)
    got = continuation_logprobs(rt, reqs, batch_size=3, max_length=64)
    shared = count[0]
    count[0] = 0
    continuation_logprobs(rt, reqs, batch_size=1, max_length=64)  # one context per pass: nothing shared
    # unshared, the primer runs 3 times; shared once, plus the padding of the three questions to the longest
    assert count[0] - shared >= n_primer - 1
    assert got == close(reference(model, tok, reqs, 64))
