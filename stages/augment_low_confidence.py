"""Stage augment_low_confidence: inverse beam search negatives (Sec. 4.2, Eq. 1-2).

params augment.low_confidence.model: tiny (models/base/tiny) or a Hub id.
"""
from alignment_tax.augment import low_confidence
from alignment_tax.pipeline import augment as stage
from alignment_tax.augment.config import TINY
from alignment_tax.augment.models import load_causal, pipeline_models
from alignment_tax.errors import stage_main


def produce(params, rows, drops, stats):
    cfg = params.augment.low_confidence
    model, tok = load_causal(cfg.model, "augment.low_confidence.model", pipeline_models(params) if cfg.model != TINY else ())
    return low_confidence.augment(rows, model, tok, cfg, params.data.min_words, drops, stats)


@stage_main
def main() -> None:
    stage.run("low_confidence", produce)


if __name__ == "__main__":
    main()
