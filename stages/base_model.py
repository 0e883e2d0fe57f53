"""Stage base@<model>: make `models/base/<model>` for one zoo entry.

A `build` entry (tiny) is trained from scratch here; a Hub entry is resolved to
the commit its revision points at and recorded as a pointer (no weights copied).
"""
import argparse
import time
from pathlib import Path

from alignment_tax.config import load_params, zoo_entry
from alignment_tax.errors import AlignmentTaxError, stage_main
from alignment_tax.data.rows import COMMENT_FIELDS, TLDR_FIELDS, read_rows
from alignment_tax.io import atomic_dir, write_json
from alignment_tax.models import tiny
from alignment_tax.models.loader import SOURCE_FILE, model_dir
from alignment_tax.models.training import (checkpoint_dir, clear_checkpoints, fingerprint, last_logged_loss,
                                           seed_everything, train_with_resume, training_arguments)

TLDR_TRAIN = Path("data/prepared/tldr/train.jsonl")
COMMENTS_TRAIN = Path("data/prepared/comments/train.jsonl")


def build_tiny(params, slug: str) -> dict:
    from omegaconf import OmegaConf
    from transformers import Trainer

    cfg = params.tiny_lm
    seed_everything(params.seed)
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
    ppl = tiny.perplexity(model, held_blocks)
    with atomic_dir(model_dir(slug, "base")) as tmp:
        tiny.save(model, tok, tmp)
    clear_checkpoints(ckpt)
    n_tokens = steps_run * cfg.batch_size * cfg.block_size
    print(f"tiny LM: {result.global_step} steps in {elapsed:.0f}s ({n_tokens / elapsed:.0f} tokens/s), "
          f"held-out perplexity {ppl:.1f}")
    return {
        "model": slug, "build": "tiny_gpt2", "seed": params.seed,
        "n_params": sum(p.numel() for p in model.parameters()),
        "vocab_size": len(tok), "train_docs": len(train_docs), "heldout_docs": len(held_docs),
        "train_blocks": len(train_blocks), "heldout_tokens": len(held_blocks) * cfg.block_size,
        # from the logged history, which checkpoints restore: a resumed run reports what an uninterrupted one does
        "steps": result.global_step, "final_train_loss": last_logged_loss(trainer),
        "heldout_perplexity": round(ppl, 4),
    }


def resolve_hub(params, slug: str) -> dict:
    """Pin a Hub model to a commit; fail early (one line) when the Hub is out of reach."""
    from transformers import AutoConfig

    entry = params.model_zoo[slug]
    try:
        config = AutoConfig.from_pretrained(entry.hf_id, revision=entry.revision,
                                            trust_remote_code=entry.trust_remote_code)
    except OSError as exc:
        raise AlignmentTaxError(
            f"model_zoo.{slug}: cannot reach '{entry.hf_id}' on the Hugging Face Hub ({str(exc).splitlines()[0]}); "
            "offline, use models: [tiny]") from None
    commit = getattr(config, "_commit_hash", None)
    spec = {"hf_id": entry.hf_id, "revision": entry.revision, "commit": commit}
    with atomic_dir(model_dir(slug, "base")) as tmp:
        write_json(tmp / SOURCE_FILE, spec)
    return {"model": slug, **spec}


@stage_main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model", help="a key of model_zoo")
    slug = ap.parse_args().model
    params = load_params()
    entry = zoo_entry(params, slug)
    info = build_tiny(params, slug) if entry.build == "tiny_gpt2" else resolve_hub(params, slug)
    if info:  # empty on the non-zero ranks of a distributed run
        write_json(Path("metrics/base") / f"{slug}.json", info)


if __name__ == "__main__":
    main()
