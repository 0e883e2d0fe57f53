"""Stage augment_toxic: adversarial toxic rewrites of the summaries (Sec. 4.2, Table 11).

params augment.toxic.model: tiny (models/base/tiny) or a Hub id (paper:
EleutherAI/gpt-neo-2.7B); rewrites are kept when the configured toxicity
scorer (params scorers.toxicity) gives them >= augment.toxic.threshold.
"""
from alignment_tax.augment import toxic_rewrite
from alignment_tax.pipeline import augment as stage
from alignment_tax.augment.config import TINY
from alignment_tax.augment.models import load_causal, pipeline_models
from alignment_tax.errors import stage_main
from alignment_tax.scorers.toxicity import load_toxicity_scorer


def produce(params, rows, drops, stats):
    cfg = params.augment.toxic
    scorer = load_toxicity_scorer(params.scorers)
    stats["scorer"] = scorer.name
    model, tok = load_causal(cfg.model, "augment.toxic.model", pipeline_models(params) if cfg.model != TINY else ())
    return toxic_rewrite.augment(rows, model, tok, scorer, cfg, params.data.min_words, drops, stats)


@stage_main
def main() -> None:
    stage.run("toxic", produce)


if __name__ == "__main__":
    main()
