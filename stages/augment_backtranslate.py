"""Stage augment_backtranslate: positives in other words (Sec. 4.1).

params augment.backtranslate.model: lexical_paraphrase (offline stand-in) or
marian (Helsinki-NLP opus-mt round trips, the paper path).
"""
from alignment_tax.augment import backtranslate
from alignment_tax.pipeline import augment as stage
from alignment_tax.augment.config import MARIAN
from alignment_tax.errors import stage_main
from alignment_tax.scorers.ner import load_ner


def produce(params, rows, drops, stats):
    cfg = params.augment.backtranslate
    if cfg.model == MARIAN:
        return backtranslate.marian(rows, cfg, params.data.min_words, drops, stats)
    return backtranslate.lexical(rows, load_ner(params.scorers.ner_model), cfg, params.data.min_words,
                                 params.scorers.batch_size, drops, stats)


@stage_main
def main() -> None:
    stage.run("backtranslate", produce)


if __name__ == "__main__":
    main()
