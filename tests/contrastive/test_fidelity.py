"""The training-side fidelity switches (docs/fidelity_training.md): each one reaches the loss.

contrastive.denominator, .view, .no_entity, .toxic_weight_rule; and the LM head applied only
at labelled positions gives the full-logits loss.
"""
import math

import pytest
import torch
import torch.nn.functional as F

from alignment_tax.config import load_params
from alignment_tax.contrastive.collate import VIEWS, ContrastiveCollator
from alignment_tax.contrastive.head import ProjectionHead
from alignment_tax.contrastive.loss import (DENOMINATORS, TOXIC_WEIGHT_RULES, contrastive_loss, info_nce,
                                            label_smoothed_ce, labelled_ce)
from alignment_tax.contrastive.pooling import NO_ENTITY_RULES, entity_pool
from alignment_tax.contrastive.trainer import ContrastiveLM, post_conditioned_states
from alignment_tax.errors import AlignmentTaxError
from tests.helpers import contrastive_row, tiny_model, tiny_tokenizer


@pytest.fixture(scope="module")
def tok():
    return tiny_tokenizer()


def batch4():
    """Two sources: source 0 = positives 0, 1 and negative 2; source 1 = positives 3, 4 and negative 5."""
    g = torch.Generator().manual_seed(11)
    r = F.normalize(torch.randn(6, 5, generator=g), dim=-1)
    group = torch.tensor([0, 0, 0, 1, 1, 1])
    is_pos = torch.tensor([True, True, False, True, True, False])
    return r, group, is_pos


def naive(r, group, is_pos, tau, same_source_only=False, weight=None):
    """Eq. 8-9 pair by pair in float64; the denominator's k optionally restricted to the anchor's source."""
    r = r.double()
    terms = []
    for i in range(len(r)):
        for j in range(len(r)):
            if i == j or group[i] != group[j] or not (is_pos[i] and is_pos[j]):
                continue
            ks = [k for k in range(len(r)) if k != i and (not same_source_only or group[k] == group[i])]
            den = sum(math.exp(float(r[i] @ r[k]) / tau) for k in ks)
            w = 1.0 if weight is None else float(weight[int(group[i])])
            terms.append(-w * math.log(math.exp(float(r[i] @ r[j]) / tau) / den))
    return sum(terms) / len(terms)


# --- 1. InfoNCE denominator ---------------------------------------------------------------

@pytest.mark.parametrize("tau", [0.5, 1.0])
def test_source_denominator_matches_same_source_reference(tau):
    r, group, is_pos = batch4()
    got = info_nce(r, group, is_pos, tau, denominator="source").item()
    assert got == pytest.approx(naive(r, group, is_pos, tau, same_source_only=True), abs=2e-6)
    batch = info_nce(r, group, is_pos, tau, denominator="batch").item()
    assert batch == pytest.approx(naive(r, group, is_pos, tau), abs=2e-6)
    assert got < batch  # fewer terms in every denominator: strictly lower loss


def test_source_denominator_ignores_other_sources():
    """Moving another source's texts changes the `batch` loss, never the `source` one."""
    r, group, is_pos = batch4()
    moved = r.clone()
    moved[3:] = F.normalize(torch.randn(3, 5, generator=torch.Generator().manual_seed(5)), dim=-1)
    pair0 = torch.tensor([True, True, False, False, False, False])  # only source 0's anchors
    keep = is_pos & pair0
    s0 = info_nce(r, group, keep, 1.0, "source"), info_nce(moved, group, keep, 1.0, "source")
    b0 = info_nce(r, group, keep, 1.0, "batch"), info_nce(moved, group, keep, 1.0, "batch")
    assert s0[0].item() == pytest.approx(s0[1].item(), abs=1e-7)
    assert abs(b0[0].item() - b0[1].item()) > 1e-4


# --- 3. a text without entity -------------------------------------------------------------

def test_zero_rule_gives_a_text_without_entity_r_zero_and_no_gradient():
    z = torch.randn(2, 4, 3, requires_grad=True)
    ent = torch.tensor([[0, 1, 1, 0], [0, 0, 0, 0]])
    att = torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])
    mean = entity_pool(z, ent, att, "mean")
    zero = entity_pool(z, ent, att, "zero")
    assert torch.allclose(mean[0], zero[0])  # a text with entities pools alike under both rules
    assert torch.equal(zero[1], torch.zeros(3))
    assert torch.allclose(mean[1], F.normalize(z[1, :3].mean(0), dim=0))
    zero.sum().backward()
    assert torch.all(z.grad[1] == 0) and z.grad[0, 1:3].abs().sum() > 0


def test_zero_rule_changes_the_loss_as_exp0_in_the_denominators():
    z = F.normalize(torch.randn(4, 3, 6, generator=torch.Generator().manual_seed(2)), dim=-1)
    ent = torch.tensor([[1, 0, 0], [1, 1, 0], [0, 0, 0], [0, 1, 0]])  # text 2: no entity
    att = torch.ones(4, 3, dtype=torch.long)
    group, is_pos = torch.tensor([0, 0, 0, 0]), torch.tensor([True, True, False, False])
    r = entity_pool(z, ent, att, "zero")
    want = naive(r, group, is_pos, 1.0)  # r[2] = 0: exp(0) = 1 in each denominator
    assert info_nce(r, group, is_pos, 1.0).item() == pytest.approx(want, abs=2e-6)
    assert info_nce(entity_pool(z, ent, att, "mean"), group, is_pos, 1.0).item() != pytest.approx(want, abs=1e-4)


# --- 10. w_tox rules ----------------------------------------------------------------------

def test_toxic_weight_rules():
    r, group, is_pos = batch4()
    base = info_nce(r, group, is_pos, 1.0).item()
    src_toxic = torch.tensor([True, False])  # only source 0 has a toxic negative
    kw = dict(tau=1.0, weight=1.5)
    assert contrastive_loss(r, group, is_pos, True, rule="batch", **kw).item() == pytest.approx(1.5 * base)
    assert contrastive_loss(r, group, is_pos, True, rule="none", **kw).item() == pytest.approx(base)
    got = contrastive_loss(r, group, is_pos, True, rule="source", source_is_toxic=src_toxic, **kw).item()
    assert got == pytest.approx(naive(r, group, is_pos, 1.0, weight=[1.5, 1.0]), abs=2e-6)
    assert got != pytest.approx(base) and got != pytest.approx(1.5 * base)
    none = contrastive_loss(r, group, is_pos, True, rule="source", source_is_toxic=torch.tensor([False, False]), **kw)
    assert none.item() == pytest.approx(base)
    with pytest.raises(ValueError, match="per-source"):
        contrastive_loss(r, group, is_pos, True, rule="source", **kw)


def test_collator_flags_sources_with_a_toxic_negative_only(tok):
    rows = [contrastive_row(0, toxic=True), contrastive_row(1), contrastive_row(2)]
    rows[2]["positives"][1]["toxic"] = True  # a toxic positive: the batch rule fires, the source rule does not
    b = ContrastiveCollator(tok, 64, 16, None, None)(rows)
    assert b["cl_source_toxic"].tolist() == [True, False, False]
    assert bool(b["cl_toxic"])
    rows[0] = contrastive_row(0)
    b = ContrastiveCollator(tok, 64, 16, None, None)(rows)
    assert b["cl_source_toxic"].tolist() == [False, False, False] and bool(b["cl_toxic"])


# --- 2. the contrast view: post + target, the post encoded once ---------------------------

def tiny_llama(tok):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    return LlamaForCausalLM(LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64,
                                        num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                        max_position_embeddings=256, pad_token_id=tok.pad_token_id))


def post_batch(tok):
    rows = [contrastive_row(i) for i in range(3)]
    rows[1]["post"] = "A short post."  # prompts of different lengths: padding inside the cached prefix
    b = ContrastiveCollator(tok, 128, 16, None, None, view="post_and_target")(rows)
    assert len(set(b["cl_prompt_mask"].sum(1).tolist())) == 3
    return b


@pytest.mark.parametrize("arch", ["gpt2", "llama"])
def test_shared_prefix_states_equal_the_concatenation(tok, arch):
    lm = (tiny_model(tok) if arch == "gpt2" else tiny_llama(tok)).eval()
    b = post_batch(tok)
    with torch.no_grad():
        shared = list(post_conditioned_states(lm, b, chunk=5, shared_prefix=True))
        concat = list(post_conditioned_states(lm, b, chunk=5, shared_prefix=False))
    assert len(shared) == len(concat) == 3  # 12 texts in chunks of 5
    for (s1, h1, m1), (s2, h2, m2) in zip(shared, concat):
        real = m1.bool()
        assert s1 == s2 and torch.equal(m1, m2)
        assert (h1[real] - h2[real]).abs().max() < 1e-5
    # ...and they are the states of one plain pass over prompt + text, computed here by hand
    body = lm.base_model
    i = 0
    p_len = int(b["cl_prompt_mask"][b["cl_group"][i]].sum())
    t_len = int(b["cl_attention_mask"][i].sum())
    seq = torch.cat([b["cl_prompt_ids"][b["cl_group"][i], :p_len], b["cl_input_ids"][i, :t_len]])
    with torch.no_grad():
        want = body(input_ids=seq.unsqueeze(0)).last_hidden_state[0, p_len:]
    assert (shared[0][1][0, :t_len] - want).abs().max() < 1e-5


@pytest.mark.parametrize("arch", ["gpt2", "llama"])
def test_shared_prefix_gradients_equal_the_concatenation_and_reach_the_post(tok, arch):
    b = post_batch(tok)
    grads = {}
    for shared in (True, False):
        lm = (tiny_model(tok) if arch == "gpt2" else tiny_llama(tok)).eval()
        torch.manual_seed(3)
        head = ProjectionHead(32, 8)
        from alignment_tax.contrastive.trainer import post_conditioned_representations

        r = post_conditioned_representations(lm, head, b, chunk=5, shared_prefix=shared)
        info_nce(r, b["cl_group"], b["cl_is_positive"], 1.0).backward()
        grads[shared] = {n: p.grad.clone() for n, p in lm.named_parameters() if p.grad is not None}
    assert grads[True].keys() == grads[False].keys()
    for n in grads[True]:
        assert torch.allclose(grads[True][n], grads[False][n], atol=1e-5, rtol=1e-4), n
    # a token that occurs only in the prompts gets an embedding gradient: L_cl flows through the cached K/V
    emb = lm.get_input_embeddings().weight
    name = next(n for n, p in lm.named_parameters() if p is emb)
    prompt_only = set(b["cl_prompt_ids"][b["cl_prompt_mask"].bool()].tolist()) - set(
        b["cl_input_ids"][b["cl_attention_mask"].bool()].tolist())
    assert prompt_only
    assert grads[True][name][sorted(prompt_only)].abs().sum() > 0


def test_view_reaches_the_loss_and_entity_mask_covers_the_text_only(tok):
    rows = [contrastive_row(0), contrastive_row(2)]
    target = ContrastiveCollator(tok, 96, 16, None, None)(rows)
    post = ContrastiveCollator(tok, 96, 16, None, None, view="post_and_target")(rows)
    assert target["cl_prompt_ids"].numel() == 0 and post["cl_prompt_ids"].shape[0] == 2
    # the same entity tokens are marked: the text's own ones, shifted by the leading space
    assert post["cl_entity_mask"].sum() > 0
    assert post["cl_entity_mask"].shape == post["cl_input_ids"].shape
    losses = {}
    for view, batch in (("target", target), ("post_and_target", post)):
        lm = tiny_model(tok).eval()
        torch.manual_seed(1)
        model = ContrastiveLM(lm, ProjectionHead(32, 8), alpha=4.0, tau=1.0, toxic_weight=1.5,
                              label_smoothing=0.1, view=view)
        with torch.no_grad():
            _, parts = model(**batch)
        losses[view] = parts
    assert losses["target"]["ce"] == pytest.approx(losses["post_and_target"]["ce"])  # the LM view is the same
    assert abs(float(losses["target"]["cl"]) - float(losses["post_and_target"]["cl"])) > 1e-4


@pytest.mark.parametrize("key,value", [("denominator", "source"), ("no_entity", "zero"),
                                       ("toxic_weight_rule", "none"), ("toxic_weight_rule", "source")])
def test_each_switch_changes_the_models_loss(tok, key, value):
    """Through ContrastiveLM (what the stage builds from params): the non-default value moves L_cl."""
    rows = [contrastive_row(0, toxic=True), contrastive_row(2)]
    rows[1]["positives"][1]["entities"] = []
    batch = ContrastiveCollator(tok, 64, 16, None, None)(rows)
    out = {}
    for kw in ({}, {key: value}):
        lm = tiny_model(tok).eval()
        torch.manual_seed(1)
        model = ContrastiveLM(lm, ProjectionHead(32, 8), alpha=4.0, tau=1.0, toxic_weight=1.5,
                              label_smoothing=0.1, **kw)
        with torch.no_grad():
            out[bool(kw)] = float(model(**batch)[1]["cl"])
    assert abs(out[True] - out[False]) > 1e-5


# --- the LM head only where a label is --------------------------------------------------

def test_labelled_ce_equals_full_logits_ce(tok):
    lm = tiny_model(tok).eval()
    batch = ContrastiveCollator(tok, 64, 16, None, None)([contrastive_row(i) for i in range(3)])
    with torch.no_grad():
        full = label_smoothed_ce(lm(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits,
                                 batch["labels"], 0.1)
        hidden = lm.base_model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
        sliced = labelled_ce(hidden, batch["labels"], lm.get_output_embeddings(), 0.1)
    assert sliced.item() == pytest.approx(full.item(), rel=1e-6)


# --- params --------------------------------------------------------------------------------

def test_defaults_are_the_papers_text_and_names_match_the_code():
    p = load_params()
    c = p.contrastive
    assert (c.denominator, c.view, c.no_entity, c.toxic_weight_rule) == ("batch", "target", "mean", "batch")
    assert p.model_zoo.gpt2.hf_id == "gpt2" and p.model_zoo.gpt2_large.hf_id == "gpt2-large"
    assert DENOMINATORS == ("batch", "source") and VIEWS == ("target", "post_and_target")
    assert NO_ENTITY_RULES == ("mean", "zero") and TOXIC_WEIGHT_RULES == ("batch", "source", "none")


@pytest.mark.parametrize("key", ["denominator", "view", "no_entity", "toxic_weight_rule"])
def test_unknown_switch_value_is_one_line_naming_the_key(key):
    with pytest.raises(AlignmentTaxError, match=rf"contrastive\.{key}: 'nope' is not one of"):
        load_params(overrides={"contrastive": {key: "nope"}})


# --- the step benchmark's FLOP model (benchmarks/contrastive_step.py) ---------------------

def test_flop_model_counts_by_hand(tok):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "contrastive_step.py"
    spec = importlib.util.spec_from_file_location("contrastive_step", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    lm = tiny_model(tok)  # 2 layers, d = 32: body matmuls 2 * (4 d^2 + 2 * d * 4d) = 24,576 weights
    fm = bench.FlopModel(lm, 8)
    assert fm.p_body == 2 * (4 * 32 * 32 + 2 * 32 * 128) and fm.d == 32 and fm.layers == 2
    assert fm.pass_(3, 5, 7) == 2 * fm.p_body * 15 + 4 * 2 * 32 * 3 * 5 * 7
    b = post_batch(tok)
    p_len, lens = b["cl_prompt_mask"].sum(1), b["cl_attention_mask"].sum(1)
    w, p_w = int(lens.max()), int(p_len.max())
    n = len(lens)
    shared = fm.pass_(3, p_w, p_w) + fm.pass_(n, w, p_w + w) + fm.head(n * w)
    span = int((p_len[b["cl_group"]] + lens).max())
    naive = fm.pass_(n, span, span) + fm.head(n * w)
    assert fm.contrast_view(b, "post_and_target", chunk=n) == pytest.approx(shared)
    assert fm.contrast_view(b, "post_and_target", shared_prefix=False, chunk=n) == pytest.approx(naive)
    assert naive > 2 * shared  # 4 texts per source: the prompt's work is done once instead of 4 times
