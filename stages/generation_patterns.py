"""Stage generation_patterns@<model>-<method>: Table 5's patterns in the RealToxicityPrompts continuations.

Reads data/generations/realtoxicityprompts/<model>/<method>.jsonl (and its metrics' coordinates); writes per-prompt pattern
shares (data/generations/patterns/<model>/<method>.jsonl) and percentages over all continuations
(metrics/patterns/<model>/<method>.json).
"""

from alignment_tax.config import load_params
from alignment_tax.errors import stage_main
from alignment_tax.evaluate import patterns
from alignment_tax.evaluate.cells import cell_arguments, items_path, metrics_path, read_rows, write_cell
from alignment_tax.io import read_json
from alignment_tax.pipeline.stage import begin

SOURCE = "realtoxicityprompts"
COORDINATES = ("model", "method", "seed", "alpha", "tau", "n_params")


@stage_main
def main() -> None:
    a = cell_arguments(__doc__)
    params = load_params()
    begin(params, seed=False)
    records = read_rows(items_path(SOURCE, a.model, a.method))
    items, metrics = patterns.analyse(records, params.benchmarks.patterns)
    source = read_json(metrics_path(SOURCE, a.model, a.method))
    coords = {k: source.get(k) for k in COORDINATES}
    write_cell("patterns", a.model, a.method, items, metrics, coords)
    print(f"patterns {a.model}/{a.method}: " + ", ".join(f"{p}={metrics[p]}%" for p in patterns.PATTERNS))


if __name__ == "__main__":
    main()
