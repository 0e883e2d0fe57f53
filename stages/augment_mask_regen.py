"""Stage augment_mask_regen: mask entity words, fill, regenerate (Sec. 4.2).

params augment.mask_regen.fill_model: tiny (causal-LM fill stand-in) or a Hub
masked LM (paper: FacebookAI/roberta-large); regen_model: none or a Hub seq2seq
model (paper: google/flan-t5-large).
"""
import torch

from alignment_tax.augment import mask_regen
from alignment_tax.pipeline import augment as stage
from alignment_tax.augment.config import NO_REGEN, TINY
from alignment_tax.augment.models import load_causal, load_masked_lm, load_seq2seq, pipeline_models
from alignment_tax.errors import stage_main
from alignment_tax.scorers.ner import load_ner


def produce(params, rows, drops, stats):
    cfg = params.augment.mask_regen
    if cfg.mode == "authors":  # no fill model: the seq2seq model completes one masked span
        regen = mask_regen.seq2seq_regenerator(*load_seq2seq(cfg.regen_model, "augment.mask_regen.regen_model"), cfg)
        return mask_regen.augment_authors(rows, load_ner(params.scorers.ner_model), regen, cfg, params.seed,
                                          params.data.min_words, params.scorers.batch_size, drops, stats)
    gen = torch.Generator().manual_seed(params.seed)
    built = pipeline_models(params) if cfg.fill_model != TINY else ()
    if cfg.fill_model == TINY or cfg.fill_model in built:  # a pipeline LM: the causal fill stand-in
        model, tok = load_causal(cfg.fill_model, "augment.mask_regen.fill_model", built)
        filler = mask_regen.CausalFiller(model, tok, cfg.top_k, cfg.temperature, gen)
    else:
        model, tok = load_masked_lm(cfg.fill_model, "augment.mask_regen.fill_model")
        filler = mask_regen.MaskedLMFiller(model, tok, cfg.top_k, cfg.temperature, gen)
    regen = None
    if cfg.regen_model != NO_REGEN:
        regen = mask_regen.seq2seq_regenerator(*load_seq2seq(cfg.regen_model, "augment.mask_regen.regen_model"), cfg)
    return mask_regen.augment(rows, load_ner(params.scorers.ner_model), filler, regen, cfg, params.seed,
                              params.data.min_words, params.scorers.batch_size, drops, stats)


@stage_main
def main() -> None:
    stage.run("mask_regen", produce)


if __name__ == "__main__":
    main()
