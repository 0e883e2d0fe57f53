"""Stage contrastive_data: build data/contrastive/train.jsonl from the TL;DR train split.

contrastive.source: augmented (default) assembles the augment_<type> outputs
(augment/assemble.py); reference_and_title is the interim source (reference +
title positives, other posts' summaries as negatives). Each text then gets a
toxicity flag and named-entity spans; metrics/contrastive_data.json puts the
set's statistics beside the paper's.
"""
from collections import Counter
from pathlib import Path

from alignment_tax.augment import assemble
from alignment_tax.config import load_params
from alignment_tax.contrastive import dataset
from alignment_tax.errors import AlignmentTaxError, stage_main
from alignment_tax.io import read_jsonl, write_json, write_jsonl
from alignment_tax.scorers.ner import load_ner
from alignment_tax.scorers.toxicity import load_toxicity_scorer
from alignment_tax.pipeline.stage import begin

TLDR_TRAIN = Path("data/prepared/tldr/train.jsonl")
OUT = Path("data/contrastive/train.jsonl")
METRICS = Path("metrics/contrastive_data.json")


@stage_main
def main() -> None:
    params = load_params()
    begin(params, seed=False)
    cfg = params.contrastive
    rows = [r for _, r in read_jsonl(TLDR_TRAIN)]
    drops: Counter = Counter()
    extra = {"source": cfg.source}
    if cfg.source == "augmented":
        built, info = assemble.from_stage_outputs(rows, params.augment, params.data.min_words, drops)
        extra.update(info)
    else:
        built = dataset.reference_and_title(rows, cfg.negatives_per_source, params.data.min_words, params.seed,
                                            drops)
        if not built:
            raise AlignmentTaxError(f"{TLDR_TRAIN}: no row has the two positives the contrastive set needs")
    scorer = load_toxicity_scorer(params.scorers)
    dataset.annotate(built, scorer, load_ner(params.scorers.ner_model), params.scorers.toxicity.threshold,
                     params.scorers.batch_size)
    write_jsonl(OUT, built)
    if cfg.source == "augmented":
        extra.update(assemble.origin_stats(built))
    write_json(METRICS, {**extra, "seed": params.seed, "min_words": params.data.min_words,
                         "toxicity_scorer": scorer.name,
                         "toxicity_threshold": params.scorers.toxicity.threshold,
                         "ner_model": params.scorers.ner_model, **dataset.stats(built, drops, len(rows))})


if __name__ == "__main__":
    main()
