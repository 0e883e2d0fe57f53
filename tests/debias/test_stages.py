"""Debias stage scripts on a scratch workspace: a tiny base model, ~60 text rows, one method per family."""
import json
import subprocess
import sys

import pytest
import yaml

from alignment_tax.debias import artifact
from alignment_tax.io import write_jsonl
from tests.helpers import contrastive_row, tiny_model

pytestmark = pytest.mark.slow

NAMES = [("He", "his", "brother"), ("She", "her", "sister"), ("The neighbour", "the", "friend")]


def rows(n):
    for i in range(n):
        who, pos, rel = NAMES[i % 3]
        yield {"id": f"t{i}", "subreddit": "relationships", "title": f"Question number {i} about my {rel}",
               "post": f"{who} told me that {pos} {rel} moved to Boston last year. We talk about money every week "
                       f"and it is getting harder. What should I do about post {i}?",
               "summary": f"{who} and {pos} {rel} argue about money."}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, repo_root, tok):
    ws = tmp_path_factory.mktemp("debias_ws")
    params = yaml.safe_load((repo_root / "params.yaml").read_text())
    params["data"]["source"] = "unused"
    d = params["debias"]
    d["lm_training"].update(max_steps=2, batch_size=2, block_size=32, checkpoint_every=1)
    d["attribute_sentences"].update(per_class=15, max_tokens=24)
    d["dpo"].update(max_steps=1)
    params["model_zoo"]["tiny"].update(batch_size=2, max_length=128)
    (ws / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    write_jsonl(ws / "data/prepared/tldr/train.jsonl", rows(60))
    write_jsonl(ws / "data/prepared/comments/train.jsonl",
                [{"id": f"c{i}", "text": f"My {w} said hello to the {r} family at work today, number {i}.",
                  "toxic": 0, "source": "test"}
                 for i, (w, r) in enumerate(zip(["dad", "mom", "cat"] * 10, ["Asian", "black", "new"] * 10))])
    write_jsonl(ws / "data/contrastive/train.jsonl", [contrastive_row(i, toxic=i % 2 == 0) for i in range(6)])
    (ws / "models/base/tiny").mkdir(parents=True)
    artifact.save_trained(tiny_model(tok), tok, ws / "models/base/tiny")
    return ws


def run(ws, repo_root, script, *args):
    return subprocess.run([sys.executable, str(repo_root / "stages" / script), *args], cwd=ws,
                          capture_output=True, text=True)


def info(ws, method):
    return json.loads((ws / "models" / method / "tiny/alignment_tax.json").read_text())


@pytest.mark.parametrize("script, method", [
    ("debias_decode.py", "self_debias"), ("debias_project.py", "inlp_gender"),
    ("debias_project.py", "sentence_debias_race"), ("debias_train.py", "cda_gender"),
    ("debias_train.py", "dropout"), ("debias_dpo.py", "dpo"),
])
def test_stage_writes_a_loadable_method_directory(workspace, repo_root, script, method, monkeypatch):
    proc = run(workspace, repo_root, script, "tiny", method)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert info(workspace, method)["method"] == method
    from alignment_tax.config import load_params
    from alignment_tax.methods.runtime import load_runtime

    monkeypatch.chdir(workspace)
    rt = load_runtime(load_params(), "tiny", method)
    assert rt.model is not None
    if method != "self_debias":
        m = json.loads((workspace / "metrics/debias/tiny" / f"{method}.json").read_text())
        assert m["model"] == "tiny" and m["method"] == method
    if method == "inlp_gender":
        assert m["guarded"] and m["final_dev_accuracy"] <= m["dev_majority_rate"] + 0.02
        assert len(m["dev_accuracy_per_iteration"]) == m["iterations"]
    if method == "dropout":
        assert rt.model.config.resid_pdrop == 0.15
    if method == "cda_gender":
        assert m["texts_with_attribute_words"] > 0 and m["steps"] == 2


def test_a_method_of_another_family_is_a_one_line_error(workspace, repo_root):
    proc = run(workspace, repo_root, "debias_train.py", "tiny", "inlp_gender")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: debias_train: unknown method 'inlp_gender' (known: cda_gender, cda_race, cda_religion, dropout)"]
