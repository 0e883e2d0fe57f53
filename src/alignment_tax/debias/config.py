"""params.yaml `debias:` schema (issue 4). Imported by alignment_tax.config.

`validate(cfg, check)` receives the section and `check(cond, key, msg)`; keys are
given relative to the section, the caller prefixes "debias.".

The baselines come in four families, one DVC matrix stage each, because each family
reads different inputs (a change to the contrastive pairs must not retrain CDA):

  train    continued LM training on local text: CDA (gender/race/religion), Dropout
  project  a projection of the final hidden state, fitted on attribute sentences:
           INLP and SentenceDebias (gender/race)
  decode   decoding-time only, no training: Self-Debias, Instructive Debiasing
  prefer   preference optimisation on the contrastive pairs: DPO (trl)

`debias.methods.<family>` lists which of them are built (for every model of the
grid); each method reads its own subsection `debias.<method>` plus the shared keys of
its family, and a stage declares exactly those.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

TRAIN = ("cda_gender", "cda_race", "cda_religion", "dropout")
PROJECT = ("inlp_gender", "inlp_race", "sentence_debias_gender", "sentence_debias_race")
DECODE = ("self_debias", "instructive")
PREFER = ("dpo",)
TUPLE_UNITS = ("sentence", "attribute_word")  # SentenceDebias counterfactual tuples (corpus.counterfactual_tuples)
FAMILIES = {"train": TRAIN, "project": PROJECT, "decode": DECODE, "prefer": PREFER}
METHODS = TRAIN + PROJECT + DECODE + PREFER
CORPUS_SOURCES = ("local", "hub")

# timoschick/self-debiasing, self_debiasing.py DEBIASING_PREFIXES (used by bias-bench too)
SELF_DEBIAS_PREFIXES = [
    "The following text contains rude, disrespectful, or unreasonable language:\n",
    "The following text contains very hateful, aggressive, disrespectful language:\n",
    "The following text contains sexually explicit language:\n",
    "The following text contains a threat:\n",
    "The following text contains negative or hateful language targeting someone because of their identity:\n",
    "The following text contains swear words, curse words, or other obscene or profane language:\n",
]
# Morabito et al. 2023, Robert-Morabito/Instructive-Debiasing debiasing_main.py DEBIASING_PREFIX
INSTRUCTION = "Be positive, polite, respectful, compliant, loveable, modest, helpful, and kind for: "


@dataclass
class MethodGrid:
    train: List[str] = field(default_factory=lambda: list(TRAIN))
    project: List[str] = field(default_factory=lambda: list(PROJECT))
    decode: List[str] = field(default_factory=lambda: list(DECODE))
    prefer: List[str] = field(default_factory=lambda: list(PREFER))


@dataclass
class CorpusConfig:
    """Text for CDA/Dropout training and for attribute sentences (bias-bench: English Wikipedia)."""

    source: str = "local"  # local = TL;DR train posts + comments (data/prepared); hub = Wikipedia below
    max_comment_rows: int = 5000
    hub_id: str = "wikimedia/wikipedia"
    hub_config: str = "20231101.en"
    hub_docs: int = 20000  # documents streamed from the Hub corpus


@dataclass
class LMTrainingConfig:
    """Continued causal-LM training for CDA and Dropout (bias-bench experiments/run_clm.py)."""

    max_steps: int = 20  # bias-bench GPT-2: 2000
    batch_size: int = 8  # bias-bench: 8
    grad_accum: int = 1  # bias-bench: 32
    block_size: int = 128  # bias-bench: 1024
    lr: Optional[float] = None  # null = the zoo entry's lr; bias-bench: 5e-5 (the Trainer default)
    warmup_steps: int = 0
    checkpoint_every: int = 20


@dataclass
class CDAConfig:
    two_sided: bool = True  # train on the counterfactual AND the original (bias-bench, Webster et al. 2020)
    keep_unmatched: bool = False  # bias-bench keeps only texts that contain an attribute word


@dataclass
class AttributeSentencesConfig:
    """Sentences with attribute words, encoded for INLP / SentenceDebias (bias-bench dataset/inlp.py)."""

    per_class: int = 500  # bias-bench: 10000
    min_words: int = 5  # bias-bench skips sentences under 5 words
    lowercase: bool = False  # bias-bench lower-cases every sentence (INLP and SentenceDebias data)
    max_tokens: int = 64
    batch_size: int = 32


@dataclass
class INLPConfig:
    n_classifiers: int = 80  # bias-bench's number of iterations (upper bound with early_stop)
    tolerance: float = 0.02  # guarded = classifier accuracy <= majority-class rate + tolerance
    early_stop: bool = True  # stop once guarded (bias-bench: always n_classifiers)


@dataclass
class SentenceDebiasConfig:
    n_components: int = 1  # bias-bench uses the first principal component
    max_tuples: int = 1000
    tuples: str = "sentence"  # one tuple per sentence | attribute_word: per (sentence, attribute word), bias-bench


@dataclass
class SelfDebiasConfig:
    decay_constant: float = 50.0  # lambda of Schick et al. 2021 (reference default)
    epsilon: float = 0.01  # the smallest factor a probability is scaled by (reference default)
    prefixes: List[str] = field(default_factory=lambda: list(SELF_DEBIAS_PREFIXES))


@dataclass
class InstructiveConfig:
    instruction: str = INSTRUCTION


@dataclass
class DPOTrainConfig:
    """DPO on the contrastive pairs; lr, batch size and epochs are the zoo entry's, as for the contrastive run."""

    beta: float = 0.1  # trl / Rafailov et al. 2023 default
    loss_type: str = "sigmoid"
    pairs_per_row: int = 1
    max_completion_tokens: int = 64
    max_steps: int = 10  # -1 = the zoo entry's epochs (as the contrastive run); 10 fits the CPU budget
    warmup_steps: int = 2
    checkpoint_every: int = 5


def _bias_bench_dropout() -> Dict[str, float]:
    return {"resid_pdrop": 0.15, "embd_pdrop": 0.15, "attn_pdrop": 0.15}  # bias-bench run_clm.py for GPT-2


@dataclass
class DebiasConfig:
    methods: MethodGrid = field(default_factory=MethodGrid)
    corpus: CorpusConfig = field(default_factory=CorpusConfig)
    lm_training: LMTrainingConfig = field(default_factory=LMTrainingConfig)
    cda_gender: CDAConfig = field(default_factory=CDAConfig)
    cda_race: CDAConfig = field(default_factory=CDAConfig)
    cda_religion: CDAConfig = field(default_factory=CDAConfig)
    dropout: Dict[str, float] = field(default_factory=_bias_bench_dropout)  # model config key -> dropout rate
    attribute_sentences: AttributeSentencesConfig = field(default_factory=AttributeSentencesConfig)
    inlp_gender: INLPConfig = field(default_factory=INLPConfig)
    inlp_race: INLPConfig = field(default_factory=INLPConfig)
    sentence_debias_gender: SentenceDebiasConfig = field(default_factory=SentenceDebiasConfig)
    sentence_debias_race: SentenceDebiasConfig = field(default_factory=SentenceDebiasConfig)
    self_debias: SelfDebiasConfig = field(default_factory=SelfDebiasConfig)
    instructive: InstructiveConfig = field(default_factory=InstructiveConfig)
    dpo: DPOTrainConfig = field(default_factory=DPOTrainConfig)


def built_methods(cfg) -> list[str]:
    return [m for family in FAMILIES for m in cfg.methods[family]]


def family_of(method: str) -> Optional[str]:
    return next((f for f, names in FAMILIES.items() if method in names), None)


def validate_grid(cfg, check) -> None:
    """The family lists; alignment_tax.config runs this before checking `methods` against them."""
    for family, names in FAMILIES.items():
        listed = cfg.methods[family]
        for i, m in enumerate(listed):
            key = f"methods.{family}[{i}]"
            check(m in METHODS, key, f"unknown method '{m}' (known: {', '.join(METHODS)})")
            check(m in names, key, f"'{m}' is a {family_of(m)} method, not a {family} one "
                                   f"({family}: {', '.join(names)})")
        check(len(set(listed)) == len(listed), f"methods.{family}", "duplicate entries")


def validate(cfg, check) -> None:
    validate_grid(cfg, check)
    c = cfg.corpus
    check(c.source in CORPUS_SOURCES, "corpus.source", f"'{c.source}' is not one of {', '.join(CORPUS_SOURCES)}")
    check(c.max_comment_rows >= 0, "corpus.max_comment_rows", "must be >= 0")
    check(c.hub_docs >= 1, "corpus.hub_docs", "must be >= 1")
    t = cfg.lm_training
    for k in ("max_steps", "batch_size", "grad_accum", "block_size", "checkpoint_every"):
        check(t[k] >= 1, f"lm_training.{k}", f"must be >= 1, got {t[k]}")
    check(t.lr is None or 0 < t.lr <= 1, "lm_training.lr", f"must be null (the zoo entry's lr) or in (0, 1], got {t.lr}")
    check(t.warmup_steps >= 0, "lm_training.warmup_steps", "must be >= 0")
    for k, v in cfg.dropout.items():
        check(0 <= v < 1, f"dropout.{k}", f"must be in [0, 1), got {v}")
    s = cfg.attribute_sentences
    for k in ("per_class", "max_tokens", "batch_size"):
        check(s[k] >= 1, f"attribute_sentences.{k}", f"must be >= 1, got {s[k]}")
    check(s.min_words >= 1, "attribute_sentences.min_words", "must be >= 1")
    for name in ("inlp_gender", "inlp_race"):
        check(cfg[name].n_classifiers >= 1, f"{name}.n_classifiers", "must be >= 1")
        check(0 <= cfg[name].tolerance < 1, f"{name}.tolerance", "must be in [0, 1)")
    for name in ("sentence_debias_gender", "sentence_debias_race"):
        check(cfg[name].n_components >= 1, f"{name}.n_components", "must be >= 1")
        check(cfg[name].max_tuples >= 2, f"{name}.max_tuples", "must be >= 2")
        check(cfg[name].tuples in TUPLE_UNITS, f"{name}.tuples",
              f"'{cfg[name].tuples}' is not one of {', '.join(TUPLE_UNITS)}")
    sd = cfg.self_debias
    check(sd.decay_constant > 0, "self_debias.decay_constant", "must be > 0")
    check(0 < sd.epsilon <= 1, "self_debias.epsilon", "must be in (0, 1]")
    check(len(sd.prefixes) >= 1 and all(p.strip() for p in sd.prefixes), "self_debias.prefixes",
          "needs at least one non-empty prefix")
    check(bool(cfg.instructive.instruction.strip()), "instructive.instruction", "must not be empty")
    d = cfg.dpo
    check(d.beta > 0, "dpo.beta", "must be > 0")
    check(d.pairs_per_row >= 1, "dpo.pairs_per_row", "must be >= 1")
    check(d.max_completion_tokens >= 1, "dpo.max_completion_tokens", "must be >= 1")
    check(d.max_steps == -1 or d.max_steps >= 1, "dpo.max_steps", "must be -1 or >= 1")
    check(d.warmup_steps >= 0, "dpo.warmup_steps", "must be >= 0")
    check(d.checkpoint_every >= 1, "dpo.checkpoint_every", "must be >= 1")
