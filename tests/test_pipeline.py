"""End to end: the default DVC graph on a few rows, then `-S alpha=8` reruns only what alpha feeds.

Runs in a throwaway git clone of the working tree (tracked and untracked files,
not ignored ones), reading the data mirror beside the repository: a copy of the
graph tests/workspace.py builds once per session for every end-to-end test.
"""
import json
import sys

import pytest

from tests.workspace import built_workspace, declared_params, params_read, run, scratch_copy, stages_run

pytestmark = pytest.mark.slow

# Small enough for CI: the real defaults are in params.yaml. The grid keeps one method per
# debiasing family (every stage script runs), not all eleven: ~50 stages instead of ~90.
SMALL = {
    "methods": "[base,contrastive,cda_gender,inlp_gender,self_debias,dpo]",
    "debias.methods.train": "[cda_gender]", "debias.methods.project": "[inlp_gender]",
    "debias.methods.decode": "[self_debias]", "debias.methods.prefer": "[dpo]",
    "data.tldr.train_rows": 24, "data.tldr.eval_rows": 6, "data.realtoxicityprompts.rows": 20,
    "data.mmlu_pro.rows": 40, "data.comments.rows": 3000,
    "tiny_lm.vocab_size": 1000, "tiny_lm.n_layer": 2, "tiny_lm.n_embd": 64, "tiny_lm.block_size": 64,
    "tiny_lm.batch_size": 4, "tiny_lm.max_steps": 3, "tiny_lm.max_comment_rows": 500,
    "model_zoo.tiny.max_length": 128, "model_zoo.tiny.batch_size": 4,
    "contrastive.max_steps": 3, "contrastive.checkpoint_every": 2,
    "generation.max_new_tokens": 8, "generation.batch_size": 4,
    "debias.lm_training.max_steps": 2, "debias.lm_training.batch_size": 2, "debias.lm_training.block_size": 64,
    "debias.attribute_sentences.per_class": 30, "debias.dpo.max_steps": 2,
    "benchmarks.truthfulqa.rows": 4, "benchmarks.truthfulqa.max_new_tokens": 4,
    "benchmarks.realtoxicityprompts.rows": 4, "benchmarks.realtoxicityprompts.max_new_tokens": 5,
    "benchmarks.mmlu_pro.rows": 4, "benchmarks.report.resamples": 200,
    "augment.low_confidence.max_input_tokens": 64, "augment.low_confidence.max_new_tokens": 4,
    "augment.low_confidence.min_new_tokens": 2, "augment.toxic.max_new_tokens": 4,
}
# check_params validates the whole file on any change (a fraction of a second).
# `source` hashes the mirror on every repro (always_changed, < 1 s); its outputs do not change, so nothing reruns after it
ALPHA_STAGES = {"check_params", "source", "train_contrastive@tiny-contrastive", "evaluate_tldr@tiny-contrastive", "report",
                "evaluate_truthfulqa@tiny-contrastive", "evaluate_rtp@tiny-contrastive",
                "evaluate_mmlu_pro@tiny-contrastive", "evaluate_likelihood@tiny-contrastive",
                "generation_patterns@tiny-contrastive", "study_report"}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, repo_root, shared_data):
    built = built_workspace(tmp_path_factory, repo_root, shared_data, SMALL)
    return scratch_copy(built, tmp_path_factory.mktemp("pipeline") / "repo"), built.output


def covered(key: str, declared: list[str]) -> bool:
    return not declared or any(key == d or key.startswith(d + ".") or key.startswith(d + "[") for d in declared)


def test_every_stage_declares_the_params_it_reads(tmp_path_factory, repo_root, shared_data):
    """Each stage process records the params keys it reads (config.AUDIT_ENV); every one must be a declared
    params dep of that stage in dvc.yaml, or a change to it would leave the stage's outputs stale."""
    built = built_workspace(tmp_path_factory, repo_root, shared_data, SMALL)
    declared, read = declared_params(built.path), params_read(built.audit)
    assert len(read) >= 40 and set(read) <= set(declared), sorted(set(read) - set(declared))
    gaps = {stage: sorted(k for k in keys if not covered(k, declared[stage])) for stage, keys in read.items()}
    assert not {s: g for s, g in gaps.items() if g}, gaps


def test_the_params_audit_sees_an_undeclared_read():
    assert not covered("generation.max_new_tokens", ["seed", "model_zoo.tiny"])
    assert covered("model_zoo.tiny.lr", ["seed", "model_zoo.tiny"]) and covered("models", [])


def test_default_graph_runs_end_to_end(workspace):
    ws, out = workspace
    for cell in ("base", "contrastive"):
        m = json.loads((ws / "metrics/tldr/tiny" / f"{cell}.json").read_text())
        assert m["model"] == "tiny" and m["method"] == cell and m["n"] == 6
        assert 0 <= m["toxicity"]["mean"] <= 1 and 0 <= m["faithfulness"]["mean"] <= 1
        gens = (ws / "data/generations/tldr/tiny" / f"{cell}.jsonl").read_text().splitlines()
        assert len(gens) == 6
    assert json.loads((ws / "metrics/tldr/tiny/contrastive.json").read_text())["alpha"] == 4.0
    assert json.loads((ws / "metrics/base/tiny.json").read_text())["heldout_perplexity"] > 1
    assert (ws / "models/contrastive/tiny/contrastive_head.safetensors").is_file()
    assert "| tiny" in (ws / "reports/alignment_tax.md").read_text()
    shown = json.loads(run([sys.executable, "-m", "dvc", "metrics", "show", "--json"], ws).stdout)
    assert "metrics/tldr/tiny/contrastive.json" in json.dumps(shown)


def test_alpha_reruns_only_what_depends_on_it(workspace):
    ws, _ = workspace
    second = run([sys.executable, "-m", "dvc", "exp", "run", "-Salpha=8"], ws)
    assert stages_run(second.stdout + second.stderr) == ALPHA_STAGES
    assert json.loads((ws / "metrics/tldr/tiny/contrastive.json").read_text())["alpha"] == 8.0
    shown = run([sys.executable, "-m", "dvc", "exp", "show", "--json"], ws)
    assert '"alpha"' in shown.stdout
    run([sys.executable, "-m", "dvc", "metrics", "diff"], ws)


def test_misspelt_param_stops_with_one_line(workspace):
    ws, _ = workspace
    bad = run([sys.executable, "-m", "dvc", "exp", "run", "-S+alfa=8"], ws, check=False)
    assert bad.returncode != 0
    assert "params.yaml: alfa: unknown key" in bad.stdout + bad.stderr
