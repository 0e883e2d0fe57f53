"""Trainer plumbing shared by every training stage: arguments, checkpoints, resume.

Training runs on `transformers.Trainer`, so `accelerate launch` (DDP/FSDP)
needs no code change. Checkpoints live outside DVC outputs (DVC deletes outs
before a stage runs) in `.checkpoints/<kind>/<slug>/<fingerprint>`, where the
fingerprint hashes everything that defines the run: a rerun with the same
inputs resumes from the last checkpoint; a changed input starts afresh.
"""
from __future__ import annotations

import hashlib
import json
import random
import shutil
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import torch

CHECKPOINTS = Path(".checkpoints")


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def file_digest(paths: Iterable[Path]) -> str:
    """sha256 over the bytes of files (directories: every file, sorted by path)."""
    h = hashlib.sha256()
    for p in sorted(Path(x) for x in paths):
        files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
        for f in files:
            h.update(str(f.relative_to(p.parent)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def fingerprint(config: Any, inputs: Iterable[Path]) -> str:
    blob = json.dumps(config, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob + file_digest(inputs).encode()).hexdigest()[:16]


def checkpoint_dir(kind: str, slug: str, fp: str) -> Path:
    return CHECKPOINTS / kind / slug / fp


def training_arguments(out_dir: Path, *, lr: float, batch_size: int, grad_accum: int, max_steps: int,
                       epochs: float, warmup_steps: int, save_steps: int, seed: int, precision: str,
                       logging_steps: int = 10):
    from transformers import TrainingArguments

    on_gpu = torch.cuda.is_available()
    return TrainingArguments(
        output_dir=str(out_dir),
        learning_rate=lr,
        per_device_train_batch_size=batch_size,
        gradient_accumulation_steps=grad_accum,
        max_steps=max_steps,
        num_train_epochs=epochs,
        lr_scheduler_type="linear",
        warmup_steps=warmup_steps,
        save_strategy="steps",
        save_steps=save_steps,
        save_total_limit=1,
        logging_steps=logging_steps,
        seed=seed,
        data_seed=seed,
        report_to="none",
        # Without use_cpu, a CPU-only machine never sets up the gloo process group that
        # torchrun/accelerate launch ask for, and every rank silently trains alone.
        use_cpu=not on_gpu,
        remove_unused_columns=False,  # our collators emit extra columns
        dataloader_num_workers=0,
        dataloader_pin_memory=on_gpu,
        fp16=on_gpu and precision == "fp16",  # mixed precision only where it exists
        bf16=on_gpu and precision == "bf16",
        disable_tqdm=False,
    )


def train_with_resume(trainer, ckpt_dir: Path) -> tuple[Any, int]:
    """Resume from the newest checkpoint in ckpt_dir if one exists.

    Returns (TrainOutput, number of optimizer steps this call ran).
    """
    from transformers.trainer_utils import get_last_checkpoint

    last = get_last_checkpoint(str(ckpt_dir)) if ckpt_dir.is_dir() else None
    start = int(Path(last).name.rsplit("-", 1)[1]) if last else 0  # Trainer names them checkpoint-<step>
    if last:
        print(f"resuming from {last}")
    result = trainer.train(resume_from_checkpoint=last)
    return result, result.global_step - start


def last_logged_loss(trainer):
    """The last logged training loss (log history survives a resume; TrainOutput.training_loss does not)."""
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    return round(float(losses[-1]), 6) if losses else None


def clear_checkpoints(ckpt_dir: Path) -> None:
    """A finished run's checkpoints are spent: its outputs are in the DVC cache."""
    shutil.rmtree(ckpt_dir, ignore_errors=True)
