"""Stage evaluate_truthfulqa@<model>-<method>: MC1/MC2 by log-likelihood and generated answers.

Writes per-question records (data/generations/truthfulqa/<model>/<method>.jsonl: answer,
mc1, mc2, bleu/rouge max/acc/diff, judge (truth), info) and metrics (metrics/truthfulqa/<model>/<method>.json).
"""
import time
from pathlib import Path

from alignment_tax.config import load_params, zoo_entry
from alignment_tax.errors import stage_main
from alignment_tax.evaluate import truthfulqa
from alignment_tax.evaluate.cells import cell_arguments, coordinates, read_rows, write_cell
from alignment_tax.lm.generate import context_limit
from alignment_tax.evaluate.judge import load_judge
from alignment_tax.evaluate.subset import random_subset
from alignment_tax.methods.runtime import load_runtime
from alignment_tax.pipeline.stage import begin

PREPARED = Path("data/prepared/truthfulqa/truthfulqa.jsonl")


@stage_main
def main() -> None:
    a = cell_arguments(__doc__)
    start = time.perf_counter()
    params = load_params()
    compute = begin(params, model=a.model, stage="evaluate_truthfulqa")
    entry, cfg = zoo_entry(params, a.model), params.benchmarks.truthfulqa
    rows = random_subset(read_rows(PREPARED, truthfulqa.check_row), cfg.rows, params.seed)
    rt = load_runtime(params, a.model, a.method)
    records, metrics = truthfulqa.evaluate(rt, rows, cfg=cfg, max_length=context_limit(rt.model, entry.max_length),
                                           judge=load_judge(cfg, "truth"), info_judge=load_judge(cfg, "info"))
    write_cell(truthfulqa.BENCHMARK, a.model, a.method, records, metrics,
               coordinates(params, a.model, a.method, rt, compute))
    print(f"truthfulqa {a.model}/{a.method}: n={metrics['n']} mc1={metrics['mc1']['mean']} "
          f"mc2={metrics['mc2']['mean']} bleu_max={metrics['bleu_max']['mean']} "
          f"({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
