"""params.yaml `augment:` schema (issue 3). Imported by alignment_tax.config.

One block per augmentation (Sec. 4.1-4.2, Table 10) plus `assemble`. Every
generation parameter of the paper is a key, so an ablation is one `-S`.
A model key is either `tiny` (the pipeline's own LM at models/base/tiny, the
offline default) or a Hugging Face Hub id (the paper path, from_pretrained);
the offline stand-ins have their own names. Nothing falls back silently.

`validate(cfg, check)` receives the section and `check(cond, key, msg)`; keys are
given relative to the section ("toxic.threshold"), the caller prefixes "augment.".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

TINY = "tiny"  # the model spec meaning models/base/tiny
PARAPHRASE_STANDIN = "lexical_paraphrase"  # offline stand-in for backtranslation
MARIAN = "marian"  # Helsinki-NLP opus-mt pairs (paper path)
NO_REGEN = "none"
TYPES = ("backtranslate", "low_confidence", "toxic", "entity_swap", "mask_regen")
POSITIVE_TYPES = ("backtranslate",)
MASK_REGEN_MODES = ("fill", "authors")
CONFIDENCE_RULES = ("floor", "ceiling", "none")  # none: the authors' code (tau unused)


@dataclass
class BacktranslateConfig:
    enabled: bool = True
    model: str = PARAPHRASE_STANDIN  # lexical_paraphrase (offline stand-in) | marian (paper)
    forward_id: str = "Helsinki-NLP/opus-mt-en-{pivot}"
    backward_id: str = "Helsinki-NLP/opus-mt-{pivot}-en"
    pivots: List[str] = field(default_factory=lambda: ["de", "fr", "es"])
    num_beams: int = 5
    temperature: float = 0.8
    do_sample: bool = True  # beam-sample, so the paper's temperature acts (plain beam search ignores it)
    max_new_tokens: int = 128
    batch_size: int = 16


@dataclass
class LowConfidenceConfig:
    enabled: bool = True
    model: str = TINY  # paper: GPT-2 (the benchmark's gpt2-large)
    num_beams: int = 8
    length_penalty: float = 2.0
    max_input_tokens: int = 512
    max_new_tokens: int = 128
    min_new_tokens: int = 8  # not in the paper; stops a weak LM's beams from ending at once (empty candidates)
    confidence_threshold: float = 0.21  # tau
    confidence_rule: str = "ceiling"  # ceiling: only candidates with confidence < tau; floor: those >= tau; none
    num_return_sequences: Optional[int] = None  # beams returned and compared (null = num_beams; authors: 3)
    prompt_template: Optional[str] = None  # null = the TL;DR prompt (prompts.py); authors: "Summarize this text:\n{post}\nSummary:"
    early_stopping: bool = False  # authors: true
    no_repeat_ngram_size: int = 3  # not in the paper; 0 = off. Small LMs loop without it
    chat_template: bool = False  # an instruct augmenter: the summarise request as one chat turn (prompt_template null)
    batch_size: int = 8


@dataclass
class ToxicConfig:
    enabled: bool = True
    model: str = TINY  # paper: EleutherAI/gpt-neo-2.7B
    num_return_sequences: int = 3
    temperature: float = 1.0
    top_p: float = 0.95
    repetition_penalty: float = 1.2
    max_new_tokens: int = 128  # Table 10 prints it one row down, under Entity Swap (which generates nothing)
    threshold: float = 0.4  # keep rewrites the toxicity scorer puts at >= this
    chat_template: bool = False  # an instruct augmenter: Table 11's prompt as one user turn of its chat template
    batch_size: int = 16


@dataclass
class EntitySwapConfig:
    enabled: bool = True
    max_variations: int = 3  # distinct replacements per entity (= negatives per source at most)
    max_swaps: int = 2  # entity spans replaced per negative
    corpus_entities: bool = True  # draw replacements from the whole train split after the source's own


@dataclass
class MaskRegenConfig:
    enabled: bool = True
    fill_model: str = TINY  # paper: FacebookAI/roberta-large (a masked LM); tiny = causal-LM fill stand-in
    regen_model: str = NO_REGEN  # paper: google/flan-t5-large (seq2seq); none = keep the filled text
    regen_prompt: str = "Rewrite the following text fluently: {text}"  # {text}; {post} optional
    mode: str = "fill"  # fill (mask words, fill, optionally rewrite) | authors (one entity/verb span, seq2seq completes)
    regen_do_sample: bool = False  # greedy rewrite; authors: sampled with the four keys below
    regen_temperature: float = 0.7
    regen_top_p: float = 0.9
    regen_top_k: int = 50
    regen_repetition_penalty: float = 1.2
    regen_samples: int = 1  # negatives per source in mode authors (authors: num_return_sequences 3)
    mask_ratio: float = 0.15
    top_k: int = 5
    temperature: float = 0.7
    max_new_tokens: int = 128
    batch_size: int = 16


@dataclass
class AssembleConfig:
    min_positives: int = 2  # paper: every source has >= 2 positives (InfoNCE needs a pair)
    title_positive: bool = False  # add the post title as a positive (for the backtranslation ablation)


@dataclass
class AugmentConfig:
    backtranslate: BacktranslateConfig = field(default_factory=BacktranslateConfig)
    low_confidence: LowConfidenceConfig = field(default_factory=LowConfidenceConfig)
    toxic: ToxicConfig = field(default_factory=ToxicConfig)
    entity_swap: EntitySwapConfig = field(default_factory=EntitySwapConfig)
    mask_regen: MaskRegenConfig = field(default_factory=MaskRegenConfig)
    assemble: AssembleConfig = field(default_factory=AssembleConfig)


def _positive(cfg, check, section: str, keys: tuple[str, ...]) -> None:
    for k in keys:
        check(cfg[k] >= 1, f"{section}.{k}", f"must be >= 1, got {cfg[k]}")


def validate(cfg, check) -> None:
    b = cfg.backtranslate
    check(b.model in (PARAPHRASE_STANDIN, MARIAN), "backtranslate.model",
          f"'{b.model}' is not one of {PARAPHRASE_STANDIN}, {MARIAN}")
    check(len(b.pivots) >= 1, "backtranslate.pivots", "needs at least one pivot language")
    check(len(set(b.pivots)) == len(b.pivots), "backtranslate.pivots", "duplicate entries")
    for k in ("forward_id", "backward_id"):
        check("{pivot}" in b[k], f"backtranslate.{k}", "must contain '{pivot}'")
    check(b.temperature > 0, "backtranslate.temperature", "must be > 0")
    _positive(b, check, "backtranslate", ("num_beams", "max_new_tokens", "batch_size"))
    lc = cfg.low_confidence
    check(bool(lc.model), "low_confidence.model", "must be a pipeline model key (tiny, smollm2_135m) or a Hub id")
    check(lc.num_beams >= 2, "low_confidence.num_beams", "inverse beam search needs >= 2 beams")
    check(0 < lc.confidence_threshold < 1, "low_confidence.confidence_threshold", "must be in (0, 1)")
    check(lc.confidence_rule in CONFIDENCE_RULES, "low_confidence.confidence_rule",
          f"'{lc.confidence_rule}' is not one of {', '.join(CONFIDENCE_RULES)}")
    check(lc.num_return_sequences is None or 1 <= lc.num_return_sequences <= lc.num_beams,
          "low_confidence.num_return_sequences", "must be null (= num_beams) or in 1..num_beams")
    check(lc.prompt_template is None or lc.prompt_template.count("{post}") == 1, "low_confidence.prompt_template",
          "must be null (the TL;DR prompt) or contain '{post}' once")
    check(not (lc.chat_template and lc.prompt_template is not None), "low_confidence.chat_template",
          "chat_template: true writes its own request: set prompt_template: null")
    check(0 <= lc.min_new_tokens <= lc.max_new_tokens, "low_confidence.min_new_tokens",
          "must be between 0 and low_confidence.max_new_tokens")
    check(lc.no_repeat_ngram_size >= 0, "low_confidence.no_repeat_ngram_size", "must be >= 0 (0 = off)")
    _positive(lc, check, "low_confidence", ("max_input_tokens", "max_new_tokens", "batch_size"))
    t = cfg.toxic
    check(bool(t.model), "toxic.model", "must be a pipeline model key (tiny, smollm2_135m) or a Hub id")
    check(0 < t.threshold < 1, "toxic.threshold", "must be in (0, 1)")
    check(t.temperature > 0, "toxic.temperature", "must be > 0")
    check(0 < t.top_p <= 1, "toxic.top_p", "must be in (0, 1]")
    check(t.repetition_penalty > 0, "toxic.repetition_penalty", "must be > 0")
    _positive(t, check, "toxic", ("num_return_sequences", "max_new_tokens", "batch_size"))
    _positive(cfg.entity_swap, check, "entity_swap", ("max_variations", "max_swaps"))
    m = cfg.mask_regen
    check(bool(m.fill_model), "mask_regen.fill_model", "must be 'tiny' or a Hub id of a masked LM")
    check(m.regen_model != TINY, "mask_regen.regen_model", "must be 'none' or a Hub id of a seq2seq model")
    check("{text}" in m.regen_prompt, "mask_regen.regen_prompt", "must contain '{text}'")
    check(m.mode in MASK_REGEN_MODES, "mask_regen.mode", f"'{m.mode}' is not one of {', '.join(MASK_REGEN_MODES)}")
    check(m.mode != "authors" or m.regen_model != NO_REGEN, "mask_regen.mode",
          "authors needs a seq2seq regen_model (authors: google/flan-t5-large)")
    check(m.regen_temperature > 0, "mask_regen.regen_temperature", "must be > 0")
    check(0 < m.regen_top_p <= 1, "mask_regen.regen_top_p", "must be in (0, 1]")
    check(m.regen_repetition_penalty > 0, "mask_regen.regen_repetition_penalty", "must be > 0")
    check(m.regen_do_sample or m.regen_samples == 1, "mask_regen.regen_samples",
          "greedy regeneration gives one text: set regen_do_sample: true or regen_samples: 1")
    _positive(m, check, "mask_regen", ("regen_top_k", "regen_samples"))
    check(0 < m.mask_ratio <= 1, "mask_regen.mask_ratio", "must be in (0, 1]")
    check(m.temperature > 0, "mask_regen.temperature", "must be > 0")
    _positive(m, check, "mask_regen", ("top_k", "max_new_tokens", "batch_size"))
    check(cfg.assemble.min_positives >= 1, "assemble.min_positives", "must be >= 1")
