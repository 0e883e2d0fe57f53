"""Stage evaluate_tldr@<model>-<method>: summaries of the TL;DR eval split, scored.

Writes the generations (data/generations/tldr/<model>/<method>.jsonl) and the
metrics (metrics/tldr/<model>/<method>.json), each stating its coordinates.
"""
import argparse
from pathlib import Path

from alignment_tax.config import load_params, zoo_entry
from alignment_tax.errors import stage_main
from alignment_tax.evaluate import tldr
from alignment_tax.evaluate.cells import check_not_degenerate, read_rows
from alignment_tax.io import write_json, write_jsonl
from alignment_tax.methods.runtime import load_runtime
from alignment_tax.scorers.faithfulness import load_faithfulness_scorer
from alignment_tax.scorers.ner import load_ner
from alignment_tax.scorers.toxicity import load_toxicity_scorer
from alignment_tax.pipeline.stage import begin

EVAL = Path("data/prepared/tldr/eval.jsonl")


@stage_main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("model")
    ap.add_argument("method")
    a = ap.parse_args()
    params = load_params()
    compute = begin(params, model=a.model)
    entry = zoo_entry(params, a.model)
    rows = read_rows(EVAL)
    rt = load_runtime(params, a.model, a.method)
    scfg = params.scorers
    toxicity = load_toxicity_scorer(scfg)
    faithfulness = load_faithfulness_scorer(scfg, nlp=load_ner(scfg.ner_model))
    records, metrics = tldr.evaluate(rt, rows, entry=entry, gen=params.generation,
                                     toxicity=toxicity, faithfulness=faithfulness,
                                     threshold=scfg.toxicity.threshold,
                                     faithfulness_reference=scfg.faithfulness.reference)
    coords = {"model": a.model, "method": a.method, "seed": params.seed,
              "alpha": rt.info.get("alpha"), "tau": rt.info.get("tau"), "compute": compute}
    check_not_degenerate(tldr.BENCHMARK, a.model, a.method, records)
    write_jsonl(Path("data/generations/tldr") / a.model / f"{a.method}.jsonl", records)
    write_json(Path("metrics/tldr") / a.model / f"{a.method}.json", {**coords, **metrics})


if __name__ == "__main__":
    main()
