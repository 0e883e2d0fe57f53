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
