"""Stage augment_entity_swap: summaries with same-label entities swapped in (Sec. 4.2).

NER: params scorers.ner_model (paper: en_core_web_trf).
"""
from alignment_tax.augment import entity_swap
from alignment_tax.pipeline import augment as stage
from alignment_tax.errors import stage_main
from alignment_tax.scorers.ner import load_ner


def produce(params, rows, drops, stats):
    return entity_swap.augment(rows, load_ner(params.scorers.ner_model), params.augment.entity_swap, params.seed,
                               params.data.min_words, params.scorers.batch_size, drops, stats)


@stage_main
def main() -> None:
    stage.run("entity_swap", produce)


if __name__ == "__main__":
    main()
