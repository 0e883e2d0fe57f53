"""Small builders shared by tests: a tokenizer and tiny GPT-2 / Llama / Phi models made in a second."""
from __future__ import annotations

from types import SimpleNamespace

SENTENCES = [
    "Gregory Helms stole 30 dollars from me when I was 8 years old.",
    "My landlord in Boston kept the deposit and never answered my emails.",
    "The restaurant took longer than usual to serve our food.",
    "You are a stupid idiot and everybody hates you.",
    "I moved to Paris with my girlfriend Anna last summer.",
] * 20


def tiny_tokenizer(vocab_size: int = 400):
    from alignment_tax.models.tiny import train_tokenizer

    return train_tokenizer(SENTENCES, vocab_size=vocab_size, max_length=128)


def tiny_model(tokenizer, n_embd: int = 32, seed: int = 0):
    import torch

    from alignment_tax.models.tiny import new_model

    torch.manual_seed(seed)
    cfg = SimpleNamespace(n_positions=128, n_embd=n_embd, n_layer=2, n_head=2, dropout=0.1)
    return new_model(cfg, tokenizer)


ARCHITECTURES = ("gpt2", "llama", "phi")  # the paper's three families (gpt2-large, Llama-2-7B, phi-2)


def tiny_causal_lm(arch: str, tokenizer, seed: int = 0):
    """A tiny random model of `arch` from its real config class, sized to `tokenizer`.

    Llama and Phi have q_proj/k_proj/v_proj/o_proj (the LoRA targets), rotary positions,
    max_position_embeddings instead of n_positions, and no dropout keys GPT-2 has.
    """
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    if arch == "gpt2":
        return tiny_model(tokenizer, seed=seed)
    torch.manual_seed(seed)
    ids = dict(vocab_size=len(tokenizer), bos_token_id=tokenizer.bos_token_id or tokenizer.eos_token_id,
               eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id)
    dims = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                max_position_embeddings=128)
    if arch == "llama":
        cfg = AutoConfig.for_model("llama", num_key_value_heads=2, tie_word_embeddings=True, **dims, **ids)
    elif arch == "phi":
        cfg = AutoConfig.for_model("phi", partial_rotary_factor=0.5, **dims, **ids)
    else:
        raise ValueError(arch)
    return AutoModelForCausalLM.from_config(cfg).eval()


def contrastive_row(i: int, toxic: bool = False) -> dict:
    return {
        "id": f"r{i}", "subreddit": "relationships", "title": f"title number {i} about Boston",
        "post": SENTENCES[i % 5] + " " + SENTENCES[(i + 1) % 5], "summary": SENTENCES[(i + 2) % 5],
        "source_toxic": False,
        "positives": [{"text": SENTENCES[(i + 2) % 5], "origin": "reference", "toxic": False, "entities": [[0, 7, "X"]]},
                      {"text": f"title number {i} about Boston", "origin": "title", "toxic": False, "entities": []}],
        "negatives": [{"text": SENTENCES[3], "origin": "other_post_summary", "toxic": toxic, "entities": []},
                      {"text": SENTENCES[4], "origin": "other_post_summary", "toxic": False, "entities": [[31, 36, "GPE"]]}],
    }


def training_workspace(ws, repo_root, edit, rows: int) -> dict:
    """A directory where stages/train_contrastive.py runs on the tiny model: the stage scripts, params.yaml
    after `edit(params)`, a tiny base model and `rows` contrastive rows. Returns the environment to run it in."""
    import os
    import shutil

    import yaml

    from alignment_tax.io import write_jsonl

    shutil.copytree(repo_root / "stages", ws / "stages")
    params = yaml.safe_load((repo_root / "params.yaml").read_text(encoding="utf-8"))
    params["model_zoo"]["tiny"].update(batch_size=2, max_length=64)
    edit(params)
    (ws / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    tok = tiny_tokenizer()
    tiny_model(tok).save_pretrained(ws / "models/base/tiny")
    tok.save_pretrained(ws / "models/base/tiny")
    write_jsonl(ws / "data/contrastive/train.jsonl", [contrastive_row(i, toxic=(i == 0)) for i in range(rows)])
    return dict(os.environ, PYTHONPATH=str(repo_root / "src"), HF_HUB_OFFLINE="1")
