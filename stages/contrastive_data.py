"""Stage contrastive_data: build data/contrastive/train.jsonl from the TL;DR train split.

Interim source (params contrastive.source) until the augmentation stages land;
each text gets a toxicity flag and named-entity spans.
"""
from collections import Counter
from pathlib import Path

from alignment_tax.config import load_params
from alignment_tax.contrastive import dataset
from alignment_tax.errors import AlignmentTaxError, stage_main
from alignment_tax.io import read_jsonl, write_json, write_jsonl
from alignment_tax.scorers.ner import load_ner
from alignment_tax.scorers.toxicity import load_toxicity_scorer

TLDR_TRAIN = Path("data/prepared/tldr/train.jsonl")
OUT = Path("data/contrastive/train.jsonl")
METRICS = Path("metrics/contrastive_data.json")


@stage_main
def main() -> None:
    params = load_params()
    cfg = params.contrastive
    rows = [r for _, r in read_jsonl(TLDR_TRAIN)]
    drops: Counter = Counter()
    built = dataset.reference_and_title(rows, cfg.negatives_per_source, params.data.min_words, params.seed, drops)
    if not built:
        raise AlignmentTaxError(f"{TLDR_TRAIN}: no row has the two positives the contrastive set needs")
    dataset.annotate(built, load_toxicity_scorer(params.scorers), load_ner(params.scorers.ner_model),
                     params.scorers.toxicity.threshold, params.scorers.batch_size)
    write_jsonl(OUT, built)
    write_json(METRICS, {"source": cfg.source, **dataset.stats(built, drops, len(rows))})


if __name__ == "__main__":
    main()
