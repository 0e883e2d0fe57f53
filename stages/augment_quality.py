"""Stage augment_quality: figures and examples of the assembled contrastive set, per augmentation.

Writes metrics/augment_quality.json and reports/augment_quality.md (report/augment_quality.py). The
judge LM is the low-confidence augmenter when it is a pipeline model (models/base/<key>), else none.
"""
import json
from pathlib import Path

from alignment_tax.augment.config import TINY
from alignment_tax.augment.models import load_causal, pipeline_models
from alignment_tax.config import load_params
from alignment_tax.data.rows import CONTRASTIVE_FIELDS, read_rows
from alignment_tax.errors import stage_main
from alignment_tax.io import atomic_path, read_jsonl, write_json
from alignment_tax.report import augment_quality as aq
from alignment_tax.pipeline.stage import begin

DATA = Path("data/contrastive/train.jsonl")
POSTS = Path("data/prepared/tldr/train.jsonl")
TOXIC = Path("data/augment/toxic/train.jsonl")
TOXIC_METRICS = Path("metrics/augment/toxic.json")


@stage_main
def main() -> None:
    from spacy.lang.en.stop_words import STOP_WORDS

    params = load_params()
    begin(params)
    rows = read_rows(DATA, CONTRASTIVE_FIELDS, items=True)
    posts = {r["id"]: r["post"] for _, r in read_jsonl(POSTS)}
    judge = params.augment.low_confidence.model
    built = pipeline_models(params) if judge != TINY else (TINY,)
    ppl = None
    if judge in built:
        model, tok = load_causal(judge, "augment.low_confidence.model", built)
        ppl = lambda texts: aq.perplexities(model, tok, texts)  # noqa: E731
    figures, examples = aq.quality(rows, posts, frozenset(STOP_WORDS), ppl)
    tm = json.loads(TOXIC_METRICS.read_text(encoding="utf-8"))
    kept = [it["toxicity"] for _, r in read_jsonl(TOXIC) for it in r["items"]]
    generated = tm.get("stats", {}).get("generated", 0)
    toxic = {"generated": generated, "kept": len(kept), "threshold": params.augment.toxic.threshold,
             "kept_share": round(len(kept) / generated, 4) if generated else None,
             "kept_toxicity": aq.mean_std(kept)}
    write_json(Path("metrics/augment_quality.json"), {**figures, "judge": judge if ppl else None, "toxic": toxic})
    with atomic_path(Path("reports/augment_quality.md")) as tmp:
        tmp.write_text(aq.render(figures, examples, toxic, judge if ppl else "none"), encoding="utf-8")


if __name__ == "__main__":
    main()
