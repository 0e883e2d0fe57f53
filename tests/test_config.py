"""params.yaml schema: unknown keys, wrong types and bad values are one-line errors naming the key."""
import subprocess
import sys

import pytest
import yaml

from alignment_tax.config import load_params
from alignment_tax.errors import AlignmentTaxError


def test_repo_params_load(repo_root):
    p = load_params(repo_root / "params.yaml")
    assert p.alpha == 4.0 and p.tau == 1.0 and list(p.models) == ["tiny"]
    assert p.model_zoo.gpt2_large.hf_id == "gpt2-large" and p.model_zoo.gpt2_large.lr == 5e-4
    assert p.model_zoo.phi2.max_positives == 3 and p.model_zoo.llama2_7b.max_negatives == 3
    assert all(not m.trust_remote_code for m in p.model_zoo.values())


@pytest.mark.parametrize("override, key, words", [
    ({"alfa": 8}, "alfa", "unknown key"),
    ({"model_zoo": {"tiny": {"lrr": 1}}}, "model_zoo.tiny.lrr", "unknown key"),
    ({"alpha": "abc"}, "alpha", "could not be converted"),
    ({"seed": 1.5}, "seed", "could not be converted"),
    ({"alpha": -1}, "alpha", ">= 0"),
    ({"tau": 0}, "tau", "> 0"),
    ({"models": []}, "models", "empty"),
    ({"methods": []}, "methods", "empty"),
    ({"models": ["gpt3"]}, "models[0]", "unknown model 'gpt3'"),
    ({"methods": ["magic"]}, "methods[0]", "known: base, contrastive"),
    ({"scorers": {"toxicity": {"threshold": 1.5}}}, "scorers.toxicity.threshold", "(0, 1)"),
    ({"model_zoo": {"tiny": {"precision": "fp8"}}}, "model_zoo.tiny.precision", "fp8"),
    ({"model_zoo": {"tiny": {"hf_id": "gpt2"}}}, "model_zoo.tiny", "exactly one of hf_id and build"),
    ({"data": {"tldr": {"eval_rows": 0}}}, "data.tldr.eval_rows", ">= 1"),
    ({"compute": {"threads": -1}}, "compute.threads", "[0, 256]"),
    ({"compute": {"kv_cache": "paged"}}, "compute.kv_cache", "static, dynamic"),
    ({"compute": {"stage_threads": {"base": -2}}}, "compute.stage_threads.base", "[0, 256]"),
    ({"compute": {"stage_threads": {"evaluate_tldr": 2}}}, "compute.stage_threads.evaluate_tldr", "unknown key"),
])
def test_bad_params_name_the_key(repo_root, override, key, words):
    with pytest.raises(AlignmentTaxError) as err:
        load_params(repo_root / "params.yaml", overrides=override)
    msg = str(err.value)
    assert msg.startswith(f"{repo_root / 'params.yaml'}: {key}: ") and words in msg
    assert "\n" not in msg


def test_unreadable_yaml_names_the_line(tmp_path):
    bad = tmp_path / "params.yaml"
    bad.write_text("alpha: 4\ntau: [1\n")
    with pytest.raises(AlignmentTaxError, match=r"params.yaml:\d+: not valid YAML"):
        load_params(bad)


def test_stage_exits_2_with_one_line_and_writes_nothing(tmp_path, repo_root):
    params = yaml.safe_load((repo_root / "params.yaml").read_text())
    params["alfa"] = 8
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    proc = subprocess.run([sys.executable, str(repo_root / "stages/check_params.py")], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: params.yaml: alfa: unknown key (check the spelling; the schema is src/alignment_tax/config.py)"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["params.yaml"]
