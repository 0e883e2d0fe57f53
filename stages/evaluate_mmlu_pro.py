"""Stage evaluate_mmlu_pro@<model>-<method>: MMLU-Pro accuracy, overall and per category.

Writes per-question records (data/generations/mmlu_pro/<model>/<method>.jsonl: prediction,
option log-likelihoods or the generated reasoning) and metrics (metrics/mmlu_pro/<model>/<method>.json).
"""
import time
from pathlib import Path

from alignment_tax.config import load_params, zoo_entry
from alignment_tax.errors import stage_main
from alignment_tax.evaluate import mmlu_pro
from alignment_tax.evaluate.cells import cell_arguments, coordinates, read_rows, write_cell
from alignment_tax.lm.generate import context_limit
from alignment_tax.evaluate.subset import balanced_subset
from alignment_tax.methods.runtime import load_runtime
from alignment_tax.pipeline.stage import begin

PREPARED = Path("data/prepared/mmlu_pro")


@stage_main
def main() -> None:
    a = cell_arguments(__doc__)
    start = time.perf_counter()
    params = load_params()
    compute = begin(params, model=a.model)
    entry, cfg = zoo_entry(params, a.model), params.benchmarks.mmlu_pro
    rows = balanced_subset(read_rows(PREPARED / "test.jsonl", mmlu_pro.check_row), cfg.rows, params.seed, "category")
    shots = read_rows(PREPARED / "validation.jsonl", mmlu_pro.check_row) if cfg.num_fewshot else []
    rt = load_runtime(params, a.model, a.method)
    records, metrics = mmlu_pro.evaluate(rt, rows, shots, cfg=cfg,
                                         max_length=context_limit(rt.model, entry.max_length))
    write_cell(mmlu_pro.BENCHMARK, a.model, a.method, records, metrics,
               coordinates(params, a.model, a.method, rt, compute))
    print(f"mmlu_pro {a.model}/{a.method}: n={metrics['n']} acc={metrics['acc']['mean']} "
          f"({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
