"""Stage train_contrastive@<model>: fine-tune models/base/<model> with L_ce + alpha * L_cl.

Writes models/contrastive/<model> (save_pretrained LM + contrastive head +
alignment_tax.json), a training-metrics JSON and the loss curve for `dvc plots`.
"""
import argparse
import time
from pathlib import Path

from omegaconf import OmegaConf

from alignment_tax.config import load_params, zoo_entry
from alignment_tax.contrastive.collate import ContrastiveCollator
from alignment_tax.contrastive.head import ProjectionHead
from alignment_tax.contrastive.trainer import ContrastiveLM, ContrastiveTrainer
from alignment_tax.errors import stage_main
from alignment_tax.data.rows import CONTRASTIVE_FIELDS, read_rows
from alignment_tax.io import atomic_dir, write_json
from alignment_tax.models import lora
from alignment_tax.models.loader import METHOD_FILE, load_for, model_dir
from alignment_tax.models.training import (checkpoint_dir, clear_checkpoints, fingerprint, last_logged_loss,
                                           train_with_resume, training_arguments)
from alignment_tax.report.curves import write_loss_curve
from alignment_tax.pipeline.stage import begin

DATA = Path("data/contrastive/train.jsonl")


@stage_main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model", help="a key of model_zoo")
    slug = ap.parse_args().model
    params = load_params()
    begin(params, model=slug, stage="train_contrastive")
    entry, cfg = zoo_entry(params, slug), params.contrastive
    rows = read_rows(DATA, CONTRASTIVE_FIELDS, items=True)
    lm, tok = load_for(params, slug, "base", precision=lora.frozen_precision(entry) if entry.lora.enabled else "fp32")
    if entry.lora.enabled:
        lm = lora.apply_lora(lm, entry.lora)
    # with alpha = 0 there is no head: it would get no gradient (and DDP would refuse the unused parameters)
    head = ProjectionHead(lm.config.hidden_size, cfg.proj_dim) if params.alpha > 0 else None
    model = ContrastiveLM(lm, head, alpha=params.alpha, tau=params.tau, toxic_weight=cfg.toxic_weight,
                          label_smoothing=cfg.label_smoothing, denominator=cfg.denominator, view=cfg.view,
                          no_entity=cfg.no_entity, toxic_weight_rule=cfg.toxic_weight_rule)
    run = {"alpha": params.alpha, "tau": params.tau, "seed": params.seed,
           "contrastive": OmegaConf.to_container(cfg), "entry": OmegaConf.to_container(entry)}
    ckpt = checkpoint_dir("contrastive", slug, fingerprint(run, [DATA, model_dir(slug, "base")]))
    args = training_arguments(ckpt, lr=entry.lr, batch_size=entry.batch_size, grad_accum=entry.grad_accum,
                              max_steps=entry.max_steps if entry.max_steps != -1 else cfg.max_steps, epochs=entry.epochs, warmup_steps=cfg.warmup_steps,
                              save_steps=cfg.checkpoint_every, seed=params.seed, precision=entry.precision,
                              logging_steps=5)
    collator = ContrastiveCollator(tok, entry.max_length, cfg.max_summary_tokens,
                                   entry.max_positives, entry.max_negatives, view=cfg.view)
    trainer = ContrastiveTrainer(model=model, args=args, train_dataset=rows, data_collator=collator)
    start = time.time()
    result, steps_run = train_with_resume(trainer, ckpt, likely=f"model_zoo.{slug}.lr, alpha, tau, "
                                                                 "contrastive.toxic_weight")
    print(f"contrastive {slug}: {steps_run} steps in {time.time() - start:.0f}s (of {result.global_step}), "
          f"rank {trainer.args.process_index} of {trainer.args.world_size}")
    # FSDP shards the weights: every rank takes part in gathering them for rank 0
    state = trainer.accelerator.get_state_dict(trainer.model) if trainer.is_fsdp_enabled else None
    if not trainer.is_world_process_zero():  # under torchrun / accelerate launch, rank 0 writes the outputs
        return
    model.lm = lora.merged(model.lm)  # LoRA: adapters folded in, an ordinary model directory
    with atomic_dir(model_dir(slug, "contrastive")) as tmp:
        model.save(tmp, state)
        tok.save_pretrained(tmp)
        write_json(tmp / METHOD_FILE, {"method": "contrastive", "base": slug, **run})
    log = [e for e in trainer.state.log_history if "loss" in e]
    write_loss_curve(Path("plots/train/contrastive") / f"{slug}.csv", log)
    last = log[-1] if log else {}
    write_json(Path("metrics/train/contrastive") / f"{slug}.json", {
        "model": slug, "method": "contrastive", "alpha": params.alpha, "tau": params.tau, "seed": params.seed,
        "rows": len(rows), "steps": result.global_step, "final_loss": last_logged_loss(trainer),
        "world_size": trainer.args.world_size, "grad_accum": entry.grad_accum, "lora": entry.lora.enabled,
        "final_ce": last.get("ce"), "final_cl": last.get("cl"),
        # reported whatever the rule: the share of batches the `batch` rule fires on, of sources the `source` one
        "toxic_weight_rule": cfg.toxic_weight_rule,
        "toxic_batch_share": round(sum(e.get("toxic_batch", 0) for e in log) / len(log), 4) if log else None,
        "toxic_source_share": round(sum(e.get("toxic_source", 0) for e in log) / len(log), 4) if log else None,
    })
    clear_checkpoints(ckpt)


if __name__ == "__main__":
    main()
