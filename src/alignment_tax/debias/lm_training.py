"""Continued causal-LM training for CDA and Dropout (bias-bench experiments/run_clm.py).

Both start from `models/base/<model>` and train on documents packed into full
blocks of `block_size` tokens with `transformers.Trainer` (checkpoints and resume
from models/training.py). CDA changes the documents; Dropout changes the model's
dropout rates (bias-bench: 0.15 for GPT-2's residual, embedding and attention
dropout, from Webster et al. 2020) and trains on the unchanged documents.
"""
from __future__ import annotations

from pathlib import Path

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.models import tiny
from alignment_tax.models.training import train_with_resume, training_arguments


def with_dropout(model, rates: dict):
    """The same weights in a model whose config has the given dropout rates.

    Dropout modules read their rate from the config when they are built, so the
    model is rebuilt from the updated config and the weights loaded into it.
    """
    missing = [k for k in rates if not hasattr(model.config, k)]
    if missing:
        raise AlignmentTaxError(
            f"params.yaml: debias.dropout: {type(model).__name__}'s config has no {', '.join(missing)} "
            "(use this architecture's dropout keys, e.g. attention_dropout)")
    for k, v in rates.items():
        setattr(model.config, k, float(v))
    fresh = type(model)(model.config)
    fresh.load_state_dict(model.state_dict())
    return fresh.to(dtype=model.dtype)


def training_blocks(tokenizer, docs: list[str], block_size: int) -> list[list[int]]:
    blocks = tiny.pack_blocks(tokenizer, docs, block_size)
    if not blocks:
        raise AlignmentTaxError(
            f"debias: the training text is shorter than one block of {block_size} tokens "
            "(more data rows, or a smaller debias.lm_training.block_size)")
    return blocks


def train(model, blocks: list[list[int]], cfg, entry, seed: int, ckpt: Path):
    """Run (or resume) the training; returns (trainer, TrainOutput, optimizer steps this call ran)."""
    from transformers import Trainer

    args = training_arguments(ckpt, lr=cfg.lr or entry.lr, batch_size=cfg.batch_size, grad_accum=cfg.grad_accum,
                              max_steps=cfg.max_steps, epochs=1, warmup_steps=cfg.warmup_steps,
                              save_steps=cfg.checkpoint_every, seed=seed, precision=entry.precision,
                              logging_steps=5)
    trainer = Trainer(model=model, args=args, train_dataset=tiny.BlockDataset(blocks))
    result, steps_run = train_with_resume(trainer, ckpt, likely="debias.lm_training.lr (null: the zoo entry's lr)")
    return trainer, result, steps_run
