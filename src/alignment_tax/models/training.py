"""Trainer plumbing shared by every training stage: arguments, checkpoints, resume.

Training runs on `transformers.Trainer`, so `accelerate launch` (DDP/FSDP)
needs no code change. Checkpoints live outside DVC outputs (DVC deletes outs
before a stage runs) in `.checkpoints/<kind>/<slug>/<fingerprint>`, where the
fingerprint hashes everything that defines the run: a rerun with the same
inputs resumes from the last checkpoint; a changed input starts afresh.
Mixed precision and gradient accumulation come from params (the zoo entry's
`precision` and `grad_accum`); a launcher asking for another precision is refused.

`train_with_resume` is the one entry to training (tiny LM, contrastive, CDA/Dropout,
DPO) and guards it: a batch without a single labelled token, a non-finite loss,
gradient or weight stops the run with one line naming the step, the tensor and the
params likely to blame, and a run that trained 0 steps is an error, so non-finite or
untrained weights are never saved as a model.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
from pathlib import Path
from typing import Any, Iterable, Optional

import torch

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.models.loader import first_non_finite

CHECKPOINTS = Path(".checkpoints")
TRAINER_STATE = "trainer_state.json"  # the last file Trainer writes into a checkpoint


def require_finite_weights(model, where: str, likely: str) -> None:
    bad = first_non_finite(model.named_parameters())
    if bad is not None:
        raise AlignmentTaxError(f"{where}: weight '{bad}' is not finite (NaN or inf); nothing was saved "
                                f"(likely params.yaml: {likely})")


def _guard_callback(likely: str):
    from transformers import TrainerCallback

    class FiniteGuard(TrainerCallback):
        """Stop at the first non-finite loss, gradient or weight (the Trainer would only skip NaN losses in its log)."""

        def on_pre_optimizer_step(self, args, state, control, model=None, **kwargs):
            bad = first_non_finite((n, p.grad) for n, p in model.named_parameters())
            if bad is not None:
                raise AlignmentTaxError(f"training step {state.global_step + 1}: the loss or gradient is not finite "
                                        f"(gradient of '{bad}'); likely params.yaml: {likely}")

        def on_optimizer_step(self, args, state, control, model=None, **kwargs):
            require_finite_weights(model, f"training step {state.global_step + 1}, after the optimizer step", likely)

        def on_log(self, args, state, control, logs=None, **kwargs):
            loss = (logs or {}).get("loss")
            if loss is not None and not math.isfinite(loss):
                raise AlignmentTaxError(f"training step {state.global_step}: logged loss {loss}; "
                                        f"likely params.yaml: {likely}")

    return FiniteGuard()


class _LabelGuard:
    """Wraps a data collator: a batch with no token to learn from (all labels -100) is bad input, not a 0/0 loss."""

    def __init__(self, collate, likely: str):
        self.collate, self.likely = collate, likely

    def __call__(self, features):
        batch = self.collate(features)
        for key, empty in (("labels", -100), ("completion_mask", 0)):
            t = batch.get(key) if hasattr(batch, "get") else None
            if isinstance(t, torch.Tensor) and not bool((t != empty).any()):
                raise AlignmentTaxError(f"a training batch has no labelled token ('{key}' all {empty}): "
                                        f"nothing to train on; likely params.yaml: {self.likely}")
        return batch


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
    from alignment_tax.grid import check_slug  # noqa: PLC0415

    check_slug(slug)
    check_slug(kind, "kind")
    return CHECKPOINTS / kind / slug / fp


def training_arguments(out_dir: Path, *, lr: float, batch_size: int, grad_accum: int, max_steps: int,
                       epochs: float, warmup_steps: int, save_steps: int, seed: int, precision: str,
                       logging_steps: int = 10):
    from transformers import TrainingArguments

    on_gpu = torch.cuda.is_available()
    mixed = precision if on_gpu and precision != "fp32" else "no"  # mixed precision only where it exists
    launcher = os.environ.get("ACCELERATE_MIXED_PRECISION", "no")  # set by `accelerate launch`
    if launcher not in ("no", mixed):
        raise AlignmentTaxError(
            f"accelerate launch asks for mixed precision '{launcher}' but params.yaml says '{precision}' "
            f"(model_zoo.<model>.precision) on this {'GPU' if on_gpu else 'CPU'}: precision is set in params.yaml; "
            "launch with --mixed_precision no")
    # A resumed run starts a fresh logging window at its checkpoint; logging on every
    # checkpoint step keeps its logged losses (metrics, loss curve) those of an unbroken run.
    logging_steps = math.gcd(logging_steps, save_steps)
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
        fp16=mixed == "fp16",
        bf16=mixed == "bf16",
        disable_tqdm=False,
        logging_nan_inf_filter=False,  # a NaN loss is logged as NaN (and stops the run), not averaged away
    )


def _step(checkpoint: Path) -> int:
    return int(checkpoint.name.rsplit("-", 1)[1])  # Trainer names them checkpoint-<step>


def _is_complete(checkpoint: Path) -> bool:
    try:
        state = json.loads((checkpoint / TRAINER_STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(state, dict) and state.get("global_step") == _step(checkpoint)


def last_complete_checkpoint(ckpt_dir: Path) -> Optional[Path]:
    """The newest checkpoint the Trainer finished writing; ones cut short by a kill are deleted.

    Trainer writes checkpoint-<step> in place, trainer_state.json last, and removes the
    previous checkpoint only after that: a kill mid-save leaves a newer, incomplete
    directory beside the last complete one.
    """
    if not ckpt_dir.is_dir():
        return None
    found = sorted((p for p in ckpt_dir.glob("checkpoint-*") if p.is_dir() and p.name[11:].isdigit()),
                   key=_step, reverse=True)
    for checkpoint in found:
        if _is_complete(checkpoint):
            return checkpoint
        print(f"discarding incomplete checkpoint {checkpoint}")
        shutil.rmtree(checkpoint)
    return None


GENERIC_LIKELY = "the learning rate (model_zoo.<model>.lr), alpha, tau"


def train_with_resume(trainer, ckpt_dir: Path, likely: str = GENERIC_LIKELY) -> tuple[Any, int]:
    """Resume from the newest complete checkpoint in ckpt_dir if one exists; guarded (see the module doc).

    `likely` names the params an error message blames. Returns (TrainOutput, optimizer steps this call ran).
    """
    trainer.add_callback(_guard_callback(likely))
    if trainer.data_collator is not None:
        trainer.data_collator = _LabelGuard(trainer.data_collator, likely)
    last = last_complete_checkpoint(Path(ckpt_dir)) if trainer.is_world_process_zero() else None
    if trainer.args.world_size > 1:  # every rank resumes from the checkpoint rank 0 chose
        import torch.distributed as dist

        box = [str(last) if last else None]
        dist.broadcast_object_list(box, src=0)
        last = Path(box[0]) if box[0] else None
    start = _step(last) if last else 0
    if last:
        print(f"resuming from {last} (step {start})")
    try:
        result = trainer.train(resume_from_checkpoint=str(last) if last else None)
    except AlignmentTaxError:
        _drop_if_empty(Path(ckpt_dir))  # a run stopped by the guard leaves no empty checkpoint directories
        raise
    if result.global_step == 0:
        raise AlignmentTaxError("training ran 0 steps: nothing was trained (more data rows, or max_steps >= 1)")
    require_finite_weights(trainer.model, "after training", likely)
    return result, result.global_step - start


def _drop_if_empty(ckpt_dir: Path) -> None:
    """Remove ckpt_dir when it holds no checkpoint, then its parents up to .checkpoints while they are empty."""
    if ckpt_dir.is_dir() and not any(ckpt_dir.glob("checkpoint-*")):
        shutil.rmtree(ckpt_dir, ignore_errors=True)
        for parent in ckpt_dir.parents:
            inside = parent == CHECKPOINTS or CHECKPOINTS in parent.parents
            if not inside or not parent.is_dir() or any(parent.iterdir()):
                break
            parent.rmdir()


def last_logged_loss(trainer):
    """The last logged training loss (log history survives a resume; TrainOutput.training_loss does not)."""
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    return round(float(losses[-1]), 6) if losses else None


def clear_checkpoints(ckpt_dir: Path) -> None:
    """A finished run's checkpoints are spent: its outputs are in the DVC cache."""
    shutil.rmtree(ckpt_dir, ignore_errors=True)
