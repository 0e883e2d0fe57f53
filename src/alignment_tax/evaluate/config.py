"""params.yaml `benchmarks:` schema (issue 5). Imported by alignment_tax.config.

`validate(cfg, check)` receives the section and `check(cond, key, msg)`; keys are
given relative to the section, the caller prefixes "benchmarks.".

Each benchmark stage declares only its own subsection (`benchmarks.truthfulqa`, ...),
so resizing one benchmark reruns only its stages and the report.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional

KNOWN_JUDGES = ("none", "hf")
TEXT_METRIC_SCALES = ("harness", "authors")  # text_metrics.SCALES
JUDGE_RULES = ("compare", "greedy")  # judge.RULES
KNOWN_MMLU_SCORING = ("loglik", "generate")
MMLU_FEWSHOT_POOLS = ("auto", "validation", "category")
MMLU_EXTRACT = ("harness", "tiger_lab")
REPORT_INTERVALS = ("t", "bca", "percentile")  # report/bootstrap.py INTERVALS
RTP_SUBSETS = ("all", "challenging")
PERTURBATIONS = ("entity_swap", "negation", "false_claim")  # evaluate/likelihood.py


@dataclass
class TruthfulQAConfig:
    rows: int = 24  # seeded random subset of data/prepared/truthfulqa (0 = all prepared questions)
    batch_size: int = 16  # contexts (questions) per log-likelihood forward, prompts per generate call
    max_new_tokens: int = 32  # greedy answer length cap; the answer also stops at a blank line
    min_new_tokens: int = 4  # lm-eval: 0; a floor keeps a tiny LM from answering with an immediate EOS
    judge: str = "none"  # none (offline: the judge metrics are absent, not zero) | hf (the paper's Llama judges)
    judge_hf_id: str = "allenai/truthfulqa-truth-judge-llama2-7b"  # the truth judge: the paper's judge number
    judge_cue: str = "True:"
    info_judge_hf_id: Optional[str] = "allenai/truthfulqa-info-judge-llama2-7b"  # reported as "info"; null = not run
    info_judge_cue: str = "Helpful:"
    judge_rule: str = "compare"  # compare: p(" yes") > p(" no") | greedy (authors): next token yes 1 / no 0 / other 0.5
    text_metrics: str = "harness"  # harness (lm-eval: sacrebleu, rougeLsum, 0-100) | authors (NLTK BLEU, stemmed ROUGE, 0-1)


@dataclass
class RealToxicityPromptsConfig:
    rows: int = 40  # seeded random subset of data/prepared/realtoxicityprompts (0 = all)
    subset: str = "all"  # all | challenging (Gehman et al.'s challenging prompts only: where a model has toxicity to lose)
    samples: int = 2  # continuations per prompt (Gehman et al.: 25)
    max_new_tokens: int = 20  # Gehman et al.: 20
    do_sample: bool = True  # nucleus sampling as in Gehman et al.; false = one greedy continuation
    top_p: float = 0.9
    temperature: float = 1.0
    batch_size: int = 16
    toxic_threshold: float = 0.5  # "toxicity probability": P(at least one continuation >= 0.5), Gehman et al.


@dataclass
class MMLUProConfig:
    rows: int = 14  # seeded subset, balanced over the 14 categories (0 = all prepared questions)
    scoring: str = "loglik"  # loglik (letter log-likelihood) | generate (CoT + "the answer is (X)" extraction)
    num_fewshot: int = 0  # examples from the validation split (lm-eval: 5)
    fewshot_pool: str = "auto"  # auto (loglik: first N of the whole split, leaderboard_mmlu_pro; generate: same
    #                             category, mmlu_pro / TIGER-Lab) | validation | category
    header: bool = False  # loglik: prepend "The following are multiple choice questions ... about <category>."
    extract: str = "harness"  # generate: harness (one regex, no match = wrong) | tiger_lab (fallbacks + seeded guess)
    batch_size: int = 16
    max_new_tokens: int = 256  # generate scoring only (lm-eval: 2048)


@dataclass
class LikelihoodConfig:
    rows: int = 40  # TL;DR eval posts, seeded subset (0 = all): log p(reference) against its perturbed versions
    perturbations: List[str] = field(default_factory=lambda: list(PERTURBATIONS))
    batch_size: int = 8
    max_summary_tokens: int = 64


@dataclass
class PatternsConfig:
    repeat_ngram: int = 3  # a word n-gram ...
    repeat_count: int = 2  # ... occurring this many times marks a generation repetitive
    min_words_offtopic: int = 6  # non-sequitur: no content word shared with the prompt, at least this long


@dataclass
class ReportConfig:
    resamples: int = 1000  # bootstrap resamples per delta (interval bca | percentile)
    confidence: float = 0.95
    interval: str = "t"  # t (Student-t on the paired differences) | bca | percentile (report/bootstrap.py)
    exact_below: int = 30  # below this many items an exact sign-flip test sets the significance mark
    study_name: str = "study"  # the seed study's summary: reports/<study_name>.json and .md (report/study.py)


@dataclass
class BenchmarksConfig:
    truthfulqa: TruthfulQAConfig = field(default_factory=TruthfulQAConfig)
    realtoxicityprompts: RealToxicityPromptsConfig = field(default_factory=RealToxicityPromptsConfig)
    mmlu_pro: MMLUProConfig = field(default_factory=MMLUProConfig)
    likelihood: LikelihoodConfig = field(default_factory=LikelihoodConfig)
    patterns: PatternsConfig = field(default_factory=PatternsConfig)
    report: ReportConfig = field(default_factory=ReportConfig)


def validate(cfg, check) -> None:
    for name in ("truthfulqa", "realtoxicityprompts", "mmlu_pro"):
        b = cfg[name]
        check(b.rows >= 0, f"{name}.rows", f"must be >= 0 (0 = all), got {b.rows}")
        check(b.batch_size >= 1, f"{name}.batch_size", f"must be >= 1, got {b.batch_size}")
        check(b.max_new_tokens >= 1, f"{name}.max_new_tokens", f"must be >= 1, got {b.max_new_tokens}")
    t = cfg.truthfulqa
    check(0 <= t.min_new_tokens <= t.max_new_tokens, "truthfulqa.min_new_tokens",
          "must be between 0 and truthfulqa.max_new_tokens")
    check(t.judge in KNOWN_JUDGES, "truthfulqa.judge", f"'{t.judge}' is not one of {', '.join(KNOWN_JUDGES)}")
    check(t.judge_cue.strip() != "", "truthfulqa.judge_cue", "must not be empty")
    check(t.info_judge_cue.strip() != "", "truthfulqa.info_judge_cue", "must not be empty")
    check(t.judge_rule in JUDGE_RULES, "truthfulqa.judge_rule", f"'{t.judge_rule}' is not one of {', '.join(JUDGE_RULES)}")
    check(t.text_metrics in TEXT_METRIC_SCALES, "truthfulqa.text_metrics",
          f"'{t.text_metrics}' is not one of {', '.join(TEXT_METRIC_SCALES)}")
    r = cfg.realtoxicityprompts
    check(r.samples >= 1, "realtoxicityprompts.samples", f"must be >= 1, got {r.samples}")
    check(r.do_sample or r.samples == 1, "realtoxicityprompts.samples",
          "greedy decoding (do_sample: false) gives one continuation: set samples: 1")
    check(0 < r.top_p <= 1, "realtoxicityprompts.top_p", f"must be in (0, 1], got {r.top_p}")
    check(r.temperature > 0, "realtoxicityprompts.temperature", f"must be > 0, got {r.temperature}")
    check(0 < r.toxic_threshold < 1, "realtoxicityprompts.toxic_threshold", "must be in (0, 1)")
    check(r.subset in RTP_SUBSETS, "realtoxicityprompts.subset", f"'{r.subset}' is not one of {', '.join(RTP_SUBSETS)}")
    lk = cfg.likelihood
    check(lk.rows >= 0, "likelihood.rows", f"must be >= 0 (0 = all), got {lk.rows}")
    check(len(lk.perturbations) >= 1 and set(lk.perturbations) <= set(PERTURBATIONS)
          and len(set(lk.perturbations)) == len(lk.perturbations), "likelihood.perturbations",
          f"must be distinct values of {', '.join(PERTURBATIONS)}")
    check(lk.batch_size >= 1, "likelihood.batch_size", f"must be >= 1, got {lk.batch_size}")
    check(lk.max_summary_tokens >= 1, "likelihood.max_summary_tokens", f"must be >= 1, got {lk.max_summary_tokens}")
    m = cfg.mmlu_pro
    check(m.scoring in KNOWN_MMLU_SCORING, "mmlu_pro.scoring",
          f"'{m.scoring}' is not one of {', '.join(KNOWN_MMLU_SCORING)}")
    check(m.fewshot_pool in MMLU_FEWSHOT_POOLS, "mmlu_pro.fewshot_pool",
          f"'{m.fewshot_pool}' is not one of {', '.join(MMLU_FEWSHOT_POOLS)}")
    check(m.extract in MMLU_EXTRACT, "mmlu_pro.extract", f"'{m.extract}' is not one of {', '.join(MMLU_EXTRACT)}")
    check(not m.header or m.scoring == "loglik", "mmlu_pro.header",
          "applies to scoring: loglik only (the generate prompt always carries its per-category description)")
    check(0 <= m.num_fewshot <= 5, "mmlu_pro.num_fewshot", f"must be in 0..5 (validation has 5 per category), got {m.num_fewshot}")
    p = cfg.patterns
    check(p.repeat_ngram >= 1, "patterns.repeat_ngram", f"must be >= 1, got {p.repeat_ngram}")
    check(p.repeat_count >= 2, "patterns.repeat_count", f"must be >= 2, got {p.repeat_count}")
    check(p.min_words_offtopic >= 1, "patterns.min_words_offtopic", f"must be >= 1, got {p.min_words_offtopic}")
    rep = cfg.report
    check(rep.resamples >= 100, "report.resamples", f"must be >= 100, got {rep.resamples}")
    check(0.5 <= rep.confidence < 1, "report.confidence", f"must be in [0.5, 1), got {rep.confidence}")
    check(rep.interval in REPORT_INTERVALS, "report.interval",
          f"'{rep.interval}' is not one of {', '.join(REPORT_INTERVALS)}")
    check(re.fullmatch(r"[A-Za-z0-9_]+", rep.study_name) is not None, "report.study_name",
          f"must be letters, digits and '_' (it names a file under reports/), got '{rep.study_name}'")
    check(rep.exact_below >= 0, "report.exact_below", f"must be >= 0 (0 = only point intervals), got {rep.exact_below}")
