"""The tiny model the lm-eval golden file (tests/evaluate/golden/lm_eval_loglik.json) was scored with.

Built from config, seeded: the byte-level BPE of tests.helpers (trained on its
sentences) and a 2-layer GPT-2 with 128 positions, so the golden MMLU-Pro
contexts are cut from the left. `weights_checksum` tells a rebuild that differs
(another torch's initialisation) from a scoring change.
"""
from __future__ import annotations

from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden" / "lm_eval_loglik.json"
SEED, N_POSITIONS = 1234, 128


def golden_model():
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    from tests.helpers import tiny_tokenizer

    tok = tiny_tokenizer()
    torch.manual_seed(SEED)
    cfg = GPT2Config(vocab_size=len(tok), n_positions=N_POSITIONS, n_embd=48, n_layer=2, n_head=2,
                     initializer_range=0.1, eos_token_id=tok.eos_token_id, bos_token_id=tok.eos_token_id,
                     pad_token_id=tok.pad_token_id)
    return GPT2LMHeadModel(cfg).eval(), tok


def weights_checksum(model) -> float:
    return round(float(sum(p.detach().double().abs().sum() for p in model.parameters())), 4)
