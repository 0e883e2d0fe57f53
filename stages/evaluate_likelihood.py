"""Stage evaluate_likelihood@<model>-<method>: log p(reference summary) against perturbed ones, and held-out LM.

Writes per item-and-perturbation records (data/generations/likelihood/<model>/<method>.jsonl: both
log-likelihoods, token counts, margins, the perturbed text) and metrics
(metrics/likelihood/<model>/<method>.json: per kind n, skipped, margin, margin_per_token,
prefers_reference; heldout_bits_per_byte, heldout_word_perplexity, heldout_tokens).
"""
import time
from pathlib import Path

from alignment_tax.config import load_params, zoo_entry
from alignment_tax.errors import stage_main
from alignment_tax.evaluate import likelihood
from alignment_tax.evaluate.cells import cell_arguments, coordinates, read_rows, write_cell
from alignment_tax.evaluate.subset import random_subset
from alignment_tax.lm.generate import context_limit
from alignment_tax.methods.runtime import load_runtime
from alignment_tax.models.heldout import heldout_docs
from alignment_tax.pipeline.stage import begin
from alignment_tax.scorers.ner import load_ner

EVAL = Path("data/prepared/tldr/eval.jsonl")


@stage_main
def main() -> None:
    a = cell_arguments(__doc__)
    start = time.perf_counter()
    params = load_params()
    compute = begin(params, model=a.model)
    entry, cfg, h = zoo_entry(params, a.model), params.benchmarks.likelihood, params.heldout_text
    every = read_rows(EVAL, likelihood.check_row)
    rows = random_subset(every, cfg.rows, params.seed)
    rt = load_runtime(params, a.model, a.method)
    records, metrics = likelihood.evaluate(
        rt, rows, pool_rows=every, cfg=cfg, nlp=load_ner(params.scorers.ner_model), seed=params.seed,
        max_length=context_limit(rt.model, entry.max_length),
        heldout_docs=heldout_docs(every, h.tldr_rows, h.max_words), heldout_batch_size=h.batch_size)
    write_cell(likelihood.BENCHMARK, a.model, a.method, records, metrics,
               coordinates(params, a.model, a.method, rt, compute))
    kinds = " ".join(f"{k}={metrics[k]['margin']['mean']} ({metrics[k]['n']})" for k in cfg.perturbations)
    print(f"likelihood {a.model}/{a.method}: n={metrics['n']} margins {kinds} "
          f"heldout_bpb={metrics['heldout_bits_per_byte']} ({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
