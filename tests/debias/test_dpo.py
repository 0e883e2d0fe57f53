"""DPO: preference pairs from contrastive rows (toxic negatives first), one trl step, save and reload."""
import torch

from alignment_tax.debias import artifact, dpo
from alignment_tax.models.loader import load_causal_lm
from alignment_tax.models.training import training_arguments
from tests.helpers import contrastive_row, tiny_model


def row_with_negatives():
    row = contrastive_row(0)
    row["negatives"] = [
        {"text": "another post's summary", "origin": "other_post_summary", "toxic": False},
        {"text": "a rewrite with the wrong city", "origin": "entity_swap", "toxic": False},
        {"text": "you are a stupid idiot", "origin": "toxic_generation", "toxic": True},
    ]
    return row


def test_pairs_prefer_toxic_then_same_post_negatives(tok):
    pairs, counts = dpo.preference_pairs([row_with_negatives(), {"positives": [], "negatives": []}], tok,
                                         pairs_per_row=3, max_prompt_tokens=40, max_completion_tokens=64)
    assert [p["rejected"] for p in pairs] == [
        " you are a stupid idiot" + tok.eos_token, " a rewrite with the wrong city" + tok.eos_token,
        " another post's summary" + tok.eos_token]
    assert pairs[0]["chosen"].endswith(tok.eos_token) and pairs[0]["prompt"].endswith("TL;DR:")
    assert len(tok(pairs[0]["prompt"])["input_ids"]) <= 41
    assert counts["pairs"] == 3 and counts["rows_skipped"] == 1 and counts["rejected_toxic"] == 1
    one, _ = dpo.preference_pairs([row_with_negatives()], tok, 1, 40, 16)
    assert len(one) == 1 and "stupid" in one[0]["rejected"]


def test_dpo_trains_a_step_and_saves(tok, tmp_path):
    from types import SimpleNamespace

    model, ref = tiny_model(tok), tiny_model(tok)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    pairs, _ = dpo.preference_pairs([row_with_negatives()] * 4, tok, 1, 60, 16)
    base_args = training_arguments(tmp_path / "ckpt", lr=1e-2, batch_size=2, grad_accum=1, max_steps=1, epochs=1,
                                   warmup_steps=0, save_steps=10, seed=0, precision="fp32", logging_steps=1)
    args = dpo.dpo_arguments(base_args, SimpleNamespace(beta=0.1, loss_type="sigmoid"), max_length=128)
    trainer = dpo.trainer(model, ref, tok, pairs, args)
    result = trainer.train()
    assert result.global_step == 1 and any("loss" in e for e in trainer.state.log_history)
    out = tmp_path / "models/dpo/tiny"
    out.mkdir(parents=True)
    artifact.save_trained(trainer.model, tok, out)
    reloaded, _ = load_causal_lm(out)
    changed = [k for k, v in reloaded.state_dict().items() if k in before and not torch.equal(v, before[k])]
    assert changed and any(f.suffix == ".safetensors" for f in out.iterdir())


def test_completions_are_cut_to_max_completion_tokens(tok):
    pairs, _ = dpo.preference_pairs([row_with_negatives()], tok, 1, 40, 3)
    body = pairs[0]["rejected"][: -len(tok.eos_token)]
    assert len(tok(body, add_special_tokens=False)["input_ids"]) == 3
