"""Stage debias_dpo@<model>-dpo: DPO (trl) from models/base/<model> on the contrastive pairs.

Reads data/contrastive/train.jsonl (the rows the contrastive method trains on),
builds preference pairs (debias/dpo.py), trains with the zoo entry's lr, batch size
and epochs against the base model as reference, and writes models/dpo/<model>,
metrics/debias/<model>/dpo.json and the loss curve for `dvc plots`.
"""
import argparse
import time
from pathlib import Path

from omegaconf import OmegaConf

from alignment_tax.config import load_params, zoo_entry
from alignment_tax.debias import artifact, dpo
from alignment_tax.debias.config import PREFER
from alignment_tax.errors import AlignmentTaxError, stage_main
from alignment_tax.io import atomic_dir, read_jsonl, write_json
from alignment_tax.lm.generate import context_limit
from alignment_tax.models import lora
from alignment_tax.models.loader import load_for, model_dir
from alignment_tax.models.training import (checkpoint_dir, clear_checkpoints, fingerprint, last_logged_loss,
                                           train_with_resume, training_arguments)
from alignment_tax.report.curves import write_loss_curve
from alignment_tax.pipeline.stage import begin

DATA = Path("data/contrastive/train.jsonl")


@stage_main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model", help="a key of model_zoo")
    ap.add_argument("method", help=", ".join(PREFER))
    a = ap.parse_args()
    if a.method not in PREFER:
        raise AlignmentTaxError(f"debias_dpo: unknown method '{a.method}' (known: {', '.join(PREFER)})")
    params = load_params()
    begin(params, model=a.model, stage="debias_dpo")
    entry, cfg = zoo_entry(params, a.model), params.debias.dpo
    start = time.time()
    if entry.lora.enabled:
        # LoRA (the 7B entry on one GPU): adapters on the frozen base; trl's reference is then that same base
        # with the adapters switched off (ref_model=None), so no second 7B copy is loaded
        model, tok = load_for(params, a.model, "base", precision=lora.frozen_precision(entry))
        model, ref_model = lora.apply_lora(model, entry.lora), None
    else:
        model, tok = load_for(params, a.model, "base", precision="fp32")
        ref_model, _ = load_for(params, a.model, "base", precision="fp32")
    context = context_limit(model, entry.max_length)
    pairs, counts = dpo.preference_pairs([r for _, r in read_jsonl(DATA)], tok, cfg.pairs_per_row,
                                         context - cfg.max_completion_tokens - 1, cfg.max_completion_tokens)
    if not pairs:
        raise AlignmentTaxError(f"{DATA}: no row has both a positive and a negative: no DPO pairs")
    run = {"seed": params.seed, "dpo": OmegaConf.to_container(cfg), "entry": OmegaConf.to_container(entry)}
    ckpt = checkpoint_dir(a.method, a.model, fingerprint(run, [DATA, model_dir(a.model, "base")]))
    base_args = training_arguments(ckpt, lr=entry.lr, batch_size=entry.batch_size, grad_accum=entry.grad_accum,
                                   max_steps=cfg.max_steps, epochs=entry.epochs, warmup_steps=cfg.warmup_steps,
                                   save_steps=cfg.checkpoint_every, seed=params.seed, precision=entry.precision,
                                   logging_steps=5)
    trainer = dpo.trainer(model, ref_model, tok, pairs, dpo.dpo_arguments(base_args, cfg, context))
    result, steps_run = train_with_resume(trainer, ckpt, likely=f"model_zoo.{a.model}.lr, debias.dpo.beta")
    print(f"dpo {a.model}: {steps_run} steps of {result.global_step} in {time.time() - start:.0f}s")
    if not trainer.is_world_process_zero():  # under torchrun / accelerate launch, rank 0 writes the outputs
        return
    with atomic_dir(model_dir(a.model, a.method)) as tmp:
        artifact.save_trained(lora.merged(trainer.model), tok, tmp)
        artifact.write_info(tmp, {"method": a.method, "base": a.model, "attribute": None, "reference": "base",
                                  **run, "lr": entry.lr, "lora": entry.lora.enabled})
    log = [e for e in trainer.state.log_history if "loss" in e]
    write_loss_curve(Path("plots/train/dpo") / f"{a.model}.csv", log)
    last = log[-1] if log else {}
    write_json(Path("metrics/debias") / a.model / f"{a.method}.json", {
        "model": a.model, "method": a.method, "seed": params.seed, "beta": cfg.beta, "lr": entry.lr, **counts,
        "steps": result.global_step, "final_loss": last_logged_loss(trainer),
        "final_reward_accuracy": last.get("rewards/accuracies"), "final_reward_margin": last.get("rewards/margins"),
    })
    clear_checkpoints(ckpt)


if __name__ == "__main__":
    main()
