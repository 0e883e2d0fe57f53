"""Stages train_contrastive@<model>-<method> and train_ce_only@<model>-<method>: fine-tune
models/base/<model> with L_ce + alpha * L_cl (method contrastive) or with L_ce alone (ce_only: alpha 0,
the same data, steps, schedule and seed: the control that isolates the contrastive term).

A method `<kind>_s<k>` is the same run with training seed k (data order, head initialisation).
Writes models/<method>/<model> (save_pretrained LM [+ contrastive head] + alignment_tax.json), a
training-metrics JSON and the loss curve for `dvc plots`.
"""
import argparse
import time
from pathlib import Path

from omegaconf import OmegaConf
from transformers import set_seed

from alignment_tax.config import load_params, zoo_entry
from alignment_tax.contrastive.collate import ContrastiveCollator
from alignment_tax.contrastive.head import ProjectionHead
from alignment_tax.contrastive.trainer import ContrastiveLM, ContrastiveTrainer
from alignment_tax.errors import stage_main
from alignment_tax.grid import check_method, check_slug, training_run
from alignment_tax.data.rows import CONTRASTIVE_FIELDS, read_rows
from alignment_tax.io import atomic_dir, write_json
from alignment_tax.models import lora
from alignment_tax.models.loader import METHOD_FILE, load_for, model_dir
from alignment_tax.models.training import (checkpoint_dir, clear_checkpoints, fingerprint, last_logged_loss,
                                           train_with_resume, training_arguments)
from alignment_tax.report.curves import write_loss_curve
from alignment_tax.pipeline.stage import begin

DATA = Path("data/contrastive/train.jsonl")
# The contrastive section's keys the CE-only control reads (its dvc.yaml stage declares exactly these)
CE_ONLY_KEYS = ("label_smoothing", "warmup_steps", "max_summary_tokens", "max_steps", "checkpoint_every")


@stage_main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model", help="a key of model_zoo")
    ap.add_argument("method", nargs="?", default="contrastive", help="contrastive | ce_only, or either with _s<seed>")
    a = ap.parse_args()
    slug, method = check_slug(a.model), check_method(a.method)
    params = load_params()
    kind, seed = training_run(method, params.seed)
    if kind == "contrastive":  # each kind's own compute.stage_threads key
        begin(params, model=slug, stage="train_contrastive")
    else:
        begin(params, model=slug, stage="train_ce_only")
    set_seed(seed)
    entry, cfg = zoo_entry(params, slug), params.contrastive
    rows = read_rows(DATA, CONTRASTIVE_FIELDS, items=True)
    # ce_only reads neither alpha nor tau nor the contrastive term's switches (its stage does not declare them)
    alpha, tau = (params.alpha, params.tau) if kind == "contrastive" else (0.0, None)
    lm, tok = load_for(params, slug, "base", precision=lora.frozen_precision(entry) if entry.lora.enabled else "fp32")
    if entry.lora.enabled:
        lm = lora.apply_lora(lm, entry.lora)
    # with alpha = 0 there is no head: it would get no gradient (and DDP would refuse the unused parameters)
    head = ProjectionHead(lm.config.hidden_size, cfg.proj_dim) if alpha > 0 else None
    if kind == "contrastive":
        model = ContrastiveLM(lm, head, alpha=alpha, tau=tau, toxic_weight=cfg.toxic_weight,
                              label_smoothing=cfg.label_smoothing, denominator=cfg.denominator, view=cfg.view,
                              no_entity=cfg.no_entity, toxic_weight_rule=cfg.toxic_weight_rule)
        settings = OmegaConf.to_container(cfg)
    else:
        model = ContrastiveLM(lm, None, alpha=0.0, tau=1.0, toxic_weight=1.0, label_smoothing=cfg.label_smoothing)
        settings = {k: cfg[k] for k in CE_ONLY_KEYS}
    run = {"alpha": alpha, "tau": tau, "seed": seed, "contrastive": settings, "entry": OmegaConf.to_container(entry)}
    ckpt = checkpoint_dir(method, slug, fingerprint(run, [DATA, model_dir(slug, "base")]))
    args = training_arguments(ckpt, lr=entry.lr, batch_size=entry.batch_size, grad_accum=entry.grad_accum,
                              max_steps=entry.max_steps if entry.max_steps != -1 else cfg.max_steps, epochs=entry.epochs, warmup_steps=cfg.warmup_steps,
                              save_steps=cfg.checkpoint_every, seed=seed, precision=entry.precision,
                              logging_steps=5)
    collator = ContrastiveCollator(tok, entry.max_length, cfg.max_summary_tokens,
                                   entry.max_positives, entry.max_negatives,
                                   view=cfg.view if kind == "contrastive" else "target")
    trainer = ContrastiveTrainer(model=model, args=args, train_dataset=rows, data_collator=collator)
    start = time.time()
    result, steps_run = train_with_resume(trainer, ckpt, likely=f"model_zoo.{slug}.lr, alpha, tau, "
                                                                 "contrastive.toxic_weight")
    print(f"{method} {slug}: {steps_run} steps in {time.time() - start:.0f}s (of {result.global_step}), "
          f"rank {trainer.args.process_index} of {trainer.args.world_size}")
    # FSDP shards the weights: every rank takes part in gathering them for rank 0
    state = trainer.accelerator.get_state_dict(trainer.model) if trainer.is_fsdp_enabled else None
    if not trainer.is_world_process_zero():  # under torchrun / accelerate launch, rank 0 writes the outputs
        return
    model.lm = lora.merged(model.lm)  # LoRA: adapters folded in, an ordinary model directory
    with atomic_dir(model_dir(slug, method)) as tmp:
        model.save(tmp, state)
        tok.save_pretrained(tmp)
        write_json(tmp / METHOD_FILE, {"method": method, "kind": kind, "base": slug, **run})
    log = [e for e in trainer.state.log_history if "loss" in e]
    write_loss_curve(Path("plots/train") / method / f"{slug}.csv", log)
    last = log[-1] if log else {}
    write_json(Path("metrics/train") / method / f"{slug}.json", {
        "model": slug, "method": method, "kind": kind, "alpha": alpha, "tau": tau, "seed": seed,
        "rows": len(rows), "steps": result.global_step, "final_loss": last_logged_loss(trainer),
        "batch_size": entry.batch_size, "examples_seen": result.global_step * entry.batch_size * entry.grad_accum
        * trainer.args.world_size,
        "first_ce": log[0].get("ce") if log else None,
        "world_size": trainer.args.world_size, "grad_accum": entry.grad_accum, "lora": entry.lora.enabled,
        "final_ce": last.get("ce"), "final_cl": last.get("cl"),
        # reported whatever the rule: the share of batches the `batch` rule fires on, of sources the `source` one
        "toxic_weight_rule": settings.get("toxic_weight_rule"),
        "toxic_batch_share": round(sum(e.get("toxic_batch", 0) for e in log) / len(log), 4) if log else None,
        "toxic_source_share": round(sum(e.get("toxic_source", 0) for e in log) / len(log), 4) if log else None,
    })
    clear_checkpoints(ckpt)


if __name__ == "__main__":
    main()
