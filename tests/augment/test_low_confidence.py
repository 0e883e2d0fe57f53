"""Inverse beam search: parameters reach generate, the minimum-score eligible beam is chosen, tau applies."""
import math
from collections import Counter
from types import SimpleNamespace

import pytest
import torch

from alignment_tax.augment import low_confidence as lc
from alignment_tax.augment.common import length_sorted_batches
from alignment_tax.lm.generate import left_pad
from alignment_tax.prompts import tldr_prompt_ids
from tests.augment.rows import ROWS
from tests.helpers import tiny_model, tiny_tokenizer


def cfg(**kw):
    base = dict(num_beams=4, length_penalty=2.0, max_input_tokens=512, max_new_tokens=6, min_new_tokens=2,
                confidence_threshold=0.21, confidence_rule="ceiling", no_repeat_ngram_size=0, batch_size=2,
                num_return_sequences=None, prompt_template=None, early_stopping=False,
                chat_template=False)
    return SimpleNamespace(**{**base, **kw})


@pytest.fixture(scope="module")
def lm():
    tok = tiny_tokenizer()
    return tiny_model(tok, seed=1).eval(), tok


def cand(score, conf, text="t"):
    return {"beam_score": score, "confidence": conf, "text": text}


def test_select_takes_the_minimum_score_among_the_eligible():
    cands = [cand(-0.5, 0.9), cand(-2.0, 0.5), cand(-3.0, 0.1), cand(-1.0, 0.3)]
    assert lc.select(cands, 0.21, "floor") is cands[1]  # -3.0 is below tau: "completely random", not eligible
    assert lc.select(cands, 0.21, "ceiling") is cands[2]  # only the uncertain one is eligible
    assert lc.select(cands, 0.01, "floor") is cands[2]  # all eligible: the plain argmin of Eq. 1
    assert lc.select(cands, 0.95, "floor") is None
    assert lc.eligible(cands, 0.3, "floor") == [cands[0], cands[1], cands[3]]  # >= tau is eligible


def test_beam_scores_and_confidence_come_from_generate(lm):
    model, tok = lm
    ids, mask = left_pad([tok("I moved to Paris")["input_ids"], tok("The landlord in Boston kept it")["input_ids"]],
                         tok.pad_token_id)
    out = model.generate(input_ids=ids, attention_mask=mask, pad_token_id=tok.pad_token_id,
                         eos_token_id=tok.eos_token_id, **lc.generation_kwargs(cfg()))
    cands = lc.beam_candidates(model, out, ids.shape[1])
    assert len(cands) == 8
    assert [c["beam_score"] for c in cands] == pytest.approx(out.sequences_scores.tolist())
    for k, c in enumerate(cands):
        # recompute the confidence by teacher forcing: geometric-mean probability of the generated tokens
        full = torch.cat([ids[k // 4], torch.tensor(c["ids"])])[None]
        m = torch.cat([mask[k // 4], torch.ones(len(c["ids"]), dtype=torch.long)])[None]
        pos = (m.cumsum(-1) - 1).clamp(min=0)
        logp = torch.log_softmax(model(input_ids=full, attention_mask=m, position_ids=pos).logits[0, :-1], -1)
        gen_lp = logp[ids.shape[1] - 1:].gather(-1, full[0, ids.shape[1]:, None])[:, 0]
        assert c["confidence"] == pytest.approx(math.exp(gen_lp.mean().item()), rel=1e-3)
        # Eq. 2 as generate computes it: sum log P / length ** lambda
        assert c["beam_score"] == pytest.approx(gen_lp.sum().item() / len(c["ids"]) ** 2.0, rel=1e-3)


def test_parameters_reach_generate_and_the_minimum_beam_is_kept(lm, monkeypatch):
    model, tok = lm
    calls, outputs = [], []
    real = model.generate

    def spy(**kw):
        calls.append(kw)
        outputs.append(real(**kw))
        return outputs[-1]
    monkeypatch.setattr(model, "generate", spy)
    c = cfg(confidence_threshold=1.0 - 1e-9, num_beams=3)  # ceiling ~1: every candidate eligible
    drops, stats = Counter(), Counter()
    got = dict(lc.augment(ROWS, model, tok, c, 0, drops, stats))
    assert set(got) == set(range(len(ROWS)))
    assert {(k["num_beams"], k["num_return_sequences"], k["length_penalty"], k["max_new_tokens"]) for k in calls} == {
        (3, 3, 2.0, 6)}
    assert all(k["output_scores"] and k["return_dict_in_generate"] and not k["do_sample"] for k in calls)
    newline = [i for i in range(len(tok)) if "\n" in tok.decode([i])]
    assert newline and all(k["min_new_tokens"] == 2 and k["suppress_tokens"] == newline for k in calls)
    assert stats["candidates"] == 3 * len(ROWS)
    # every kept negative is the lowest-scoring candidate among those that passed the text rules
    prompts = [tldr_prompt_ids(tok, r, lc.input_budget(model, c)) for r in ROWS]
    batches = list(length_sorted_batches([len(p) for p in prompts], c.batch_size))
    for call, out, idx in zip(calls, outputs, batches):
        cands = lc.beam_candidates(model, out, call["input_ids"].shape[1])
        for j, i in enumerate(idx):
            texts = {}
            for cnd in cands[3 * j:3 * j + 3]:
                t = " ".join(lc.first_line(tok.decode(cnd["ids"], skip_special_tokens=True)).lower().split())
                if t and t != " ".join(ROWS[i]["summary"].lower().split()):
                    texts[t] = min(texts.get(t, 0.0), cnd["beam_score"])
            if texts:
                assert got[i][0]["beam_score"] == pytest.approx(min(texts.values()), abs=1e-5)
            else:
                assert got[i] == []


def test_tau_floor_drops_everything_above_the_model_confidence(lm):
    model, tok = lm  # an untrained model is never 99.9% sure of a token
    drops = Counter()
    got = dict(lc.augment(ROWS[:2], model, tok, cfg(confidence_threshold=0.999, confidence_rule="floor"), 0, drops,
                          Counter()))
    assert got == {0: [], 1: []} and drops["source:no_eligible_candidate"] == 2
    assert drops["candidate:tau_floor"] > 0


def test_input_budget_leaves_room_for_the_output(lm):
    model, _ = lm  # n_positions 128
    assert lc.input_budget(model, cfg(max_input_tokens=512, max_new_tokens=28)) == 100
    assert lc.input_budget(model, cfg(max_input_tokens=50, max_new_tokens=28)) == 50


def test_rule_none_keeps_every_candidate_as_the_authors_code():
    cands = [cand(-0.5, 0.9), cand(-2.0, 0.5), cand(-3.0, 0.1)]
    assert lc.select(cands, 0.21, "none") is cands[2] and lc.eligible(cands, 0.99, "none") == cands


def test_authors_generation_settings_reach_generate(lm, monkeypatch):
    """num_return_sequences 3 of the beams, early_stopping, the authors' prompt: what generate is given."""
    model, tok = lm
    calls = []
    real = model.generate

    def spy(**kw):
        calls.append(kw)
        return real(**kw)
    monkeypatch.setattr(model, "generate", spy)
    template = "Summarize this text:\n{post}\nSummary:"
    c = cfg(num_beams=4, num_return_sequences=3, early_stopping=True, prompt_template=template,
            confidence_rule="none")
    drops, stats = Counter(), Counter()
    got = dict(lc.augment(ROWS[:2], model, tok, c, 0, drops, stats))
    assert {(k["num_beams"], k["num_return_sequences"], k["early_stopping"]) for k in calls} == {(4, 3, True)}
    assert stats["candidates"] == 3 * 2 and "candidate:tau_none" in drops and drops["candidate:tau_none"] == 0
    head = tok("Summarize this text:\n", add_special_tokens=False)["input_ids"]
    tail = tok("\nSummary:", add_special_tokens=False)["input_ids"]
    for k in calls:
        for row_ids, m in zip(k["input_ids"].tolist(), k["attention_mask"].tolist()):
            ids = [t for t, keep in zip(row_ids, m) if keep]
            assert ids[:len(head)] == head and ids[-len(tail):] == tail
    short = lc.prompt_ids(tok, ROWS[0], len(head) + len(tail) + 3, template)
    assert len(short) == len(head) + len(tail) + 3 and short[-len(tail):] == tail  # the post is cut, not the cue
    assert all(len(v) <= 1 for v in got.values())
