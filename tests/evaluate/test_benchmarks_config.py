"""params.yaml `benchmarks:`: the defaults load, bad values stop with one line naming the key."""
import pytest

from alignment_tax.config import load_params
from alignment_tax.errors import AlignmentTaxError


def test_repository_params_load(repo_root):
    b = load_params(repo_root / "params.yaml").benchmarks
    assert b.truthfulqa.judge == "none" and b.mmlu_pro.scoring in ("loglik", "generate")


@pytest.mark.parametrize("override, key", [
    ({"mmlu_pro": {"scoring": "vibes"}}, "benchmarks.mmlu_pro.scoring"),
    ({"truthfulqa": {"judge": "gpt4"}}, "benchmarks.truthfulqa.judge"),
    ({"realtoxicityprompts": {"samples": 3, "do_sample": False}}, "benchmarks.realtoxicityprompts.samples"),
    ({"realtoxicityprompts": {"top_p": 1.5}}, "benchmarks.realtoxicityprompts.top_p"),
    ({"mmlu_pro": {"num_fewshot": 6}}, "benchmarks.mmlu_pro.num_fewshot"),
    ({"truthfulqa": {"rows": -1}}, "benchmarks.truthfulqa.rows"),
    ({"truthfulqa": {"min_new_tokens": 99}}, "benchmarks.truthfulqa.min_new_tokens"),
    ({"report": {"confidence": 1.0}}, "benchmarks.report.confidence"),
    ({"patterns": {"repeat_count": 1}}, "benchmarks.patterns.repeat_count"),
    ({"mmlu_pro": {"rowz": 3}}, "benchmarks.mmlu_pro.rowz"),
    ({"mmlu_pro": {"fewshot_pool": "random"}}, "benchmarks.mmlu_pro.fewshot_pool"),
    ({"mmlu_pro": {"extract": "llm"}}, "benchmarks.mmlu_pro.extract"),
    ({"mmlu_pro": {"header": True, "scoring": "generate"}}, "benchmarks.mmlu_pro.header"),
    ({"report": {"interval": "wald"}}, "benchmarks.report.interval"),
    ({"truthfulqa": {"text_metrics": "bertscore"}}, "benchmarks.truthfulqa.text_metrics"),
    ({"truthfulqa": {"judge_rule": "vote"}}, "benchmarks.truthfulqa.judge_rule"),
    ({"truthfulqa": {"info_judge_cue": " "}}, "benchmarks.truthfulqa.info_judge_cue"),
    ({"report": {"exact_below": -1}}, "benchmarks.report.exact_below"),
])
def test_bad_values_name_the_key(repo_root, override, key):
    with pytest.raises(AlignmentTaxError, match=rf"params.yaml: {key}: "):
        load_params(repo_root / "params.yaml", overrides={"benchmarks": override})
