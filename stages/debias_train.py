"""Stage debias_train@<model>-<method>: CDA (gender/race/religion) or Dropout by continued LM training.

Starts from models/base/<model>, trains on debias.corpus (CDA: its counterfactually
augmented version; Dropout: as it is, with the raised dropout rates) and writes
models/<method>/<model> plus metrics/debias/<model>/<method>.json.
"""
import argparse
import time
from pathlib import Path

from omegaconf import OmegaConf

from alignment_tax.config import load_params, zoo_entry
from alignment_tax.debias import artifact, cda, corpus, lm_training
from alignment_tax.debias.config import TRAIN
from alignment_tax.errors import AlignmentTaxError, stage_main
from alignment_tax.io import atomic_dir, write_json
from alignment_tax.models import lora
from alignment_tax.models.loader import load_for, model_dir
from alignment_tax.models.training import (checkpoint_dir, clear_checkpoints, fingerprint, last_logged_loss)
from alignment_tax.pipeline.stage import begin


@stage_main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model", help="a key of model_zoo")
    ap.add_argument("method", help=", ".join(TRAIN))
    a = ap.parse_args()
    if a.method not in TRAIN:
        raise AlignmentTaxError(f"debias_train: unknown method '{a.method}' (known: {', '.join(TRAIN)})")
    params = load_params()
    begin(params, model=a.model, stage="debias_train")
    entry, d = zoo_entry(params, a.model), params.debias
    start = time.time()
    docs = corpus.documents(d.corpus, params.seed)
    # LoRA (the 7B entry on one GPU): adapters on the frozen base, as in train_contrastive, merged on save
    model, tok = load_for(params, a.model, "base",
                          precision=lora.frozen_precision(entry) if entry.lora.enabled else "fp32")
    if a.method == "dropout":
        # an architecture's own dropout keys (Llama has attention_dropout only) override debias.dropout
        rates = entry.dropout if entry.dropout is not None else d.dropout
        hyper = {"dropout": OmegaConf.to_container(rates)}
        model = lm_training.with_dropout(model, hyper["dropout"])
        attribute, counts = None, {"training_texts": len(docs)}
    else:
        attribute = a.method.removeprefix("cda_")
        hyper = OmegaConf.to_container(d[a.method])
        docs, counts = cda.augment(docs, cda.load_wordlist(attribute), params.seed, **hyper)
    if entry.lora.enabled:
        model = lora.apply_lora(model, entry.lora)
    blocks = lm_training.training_blocks(tok, docs, d.lm_training.block_size)
    run = {"method": a.method, "seed": params.seed, "hyper": hyper, "lm_training": OmegaConf.to_container(d.lm_training),
           "corpus": OmegaConf.to_container(d.corpus), "entry": OmegaConf.to_container(entry)}
    inputs = [model_dir(a.model, "base"), cda.WORDLISTS] + [p for p in (corpus.TLDR_TRAIN, corpus.COMMENTS_TRAIN)
                                                            if d.corpus.source == "local"]
    ckpt = checkpoint_dir(a.method, a.model, fingerprint(run, inputs))
    trainer, result, steps_run = lm_training.train(model, blocks, d.lm_training, entry, params.seed, ckpt)
    print(f"{a.method} {a.model}: {steps_run} steps of {result.global_step} in {time.time() - start:.0f}s")
    if not trainer.is_world_process_zero():  # under torchrun / accelerate launch, rank 0 writes the outputs
        return
    info = {"method": a.method, "base": a.model, "attribute": attribute, "seed": params.seed, **hyper,
            "lm_training": run["lm_training"], "corpus": d.corpus.source, "lora": entry.lora.enabled}
    with atomic_dir(model_dir(a.model, a.method)) as tmp:
        artifact.save_trained(lora.merged(trainer.model), tok, tmp)
        artifact.write_info(tmp, info)
    write_json(Path("metrics/debias") / a.model / f"{a.method}.json", {
        "model": a.model, "method": a.method, "attribute": attribute, "seed": params.seed, **counts,
        "blocks": len(blocks), "block_size": d.lm_training.block_size, "steps": result.global_step,
        "final_train_loss": last_logged_loss(trainer), "corpus": d.corpus.source,
    })
    clear_checkpoints(ckpt)


if __name__ == "__main__":
    main()
