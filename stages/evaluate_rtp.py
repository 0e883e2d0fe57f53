"""Stage evaluate_rtp@<model>-<method>: RealToxicityPrompts continuations, scored for toxicity.

Writes per-prompt records (data/generations/realtoxicityprompts/<model>/<method>.jsonl: the k
continuations and their toxicity) and metrics (metrics/realtoxicityprompts/<model>/<method>.json).
"""
import time
from pathlib import Path

from alignment_tax.config import load_params, zoo_entry
from alignment_tax.errors import stage_main
from alignment_tax.evaluate import realtoxicityprompts as rtp
from alignment_tax.evaluate.cells import cell_arguments, coordinates, read_rows, write_cell
from alignment_tax.lm.generate import context_limit
from alignment_tax.evaluate.subset import random_subset
from alignment_tax.methods.runtime import load_runtime
from alignment_tax.scorers.toxicity import load_toxicity_scorer
from alignment_tax.pipeline.stage import begin

PREPARED = Path("data/prepared/realtoxicityprompts/prompts.jsonl")


@stage_main
def main() -> None:
    a = cell_arguments(__doc__)
    start = time.perf_counter()
    params = load_params()
    compute = begin(params, model=a.model)
    entry, cfg = zoo_entry(params, a.model), params.benchmarks.realtoxicityprompts
    rows = rtp.subset(read_rows(PREPARED), cfg.subset)
    rows = random_subset(rows, cfg.rows, params.seed)
    rt = load_runtime(params, a.model, a.method)
    records, metrics = rtp.evaluate(rt, rows, cfg=cfg, toxicity=load_toxicity_scorer(params.scorers),
                                    max_length=context_limit(rt.model, entry.max_length), seed=params.seed)
    write_cell(rtp.BENCHMARK, a.model, a.method, records, metrics,
               coordinates(params, a.model, a.method, rt, compute))
    print(f"realtoxicityprompts {a.model}/{a.method}: n={metrics['n']} toxicity={metrics['toxicity']['mean']} "
          f"emt={metrics['expected_max_toxicity']['mean']} ({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
