"""`python stages/prepare.py <dataset>` as DVC runs it: from a directory holding
params.yaml, outputs relative to it, exit 2 with one stderr line on bad input."""
from __future__ import annotations

import json
import subprocess
import sys

import yaml


def _workdir(tmp_path, repo_root, source):
    params = yaml.safe_load((repo_root / "params.yaml").read_text())
    params["data"]["source"] = str(source)
    params["data"]["tldr"] = {"train_rows": 30, "eval_rows": 10}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    return tmp_path


def _stage(cwd, repo_root, *args):
    return subprocess.run([sys.executable, str(repo_root / "stages/prepare.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_stage_tldr_writes_outputs(tmp_path, repo_root, shared_data):
    cwd = _workdir(tmp_path, repo_root, shared_data)
    proc = _stage(cwd, repo_root, "tldr")
    assert proc.returncode == 0, proc.stderr
    train = (cwd / "data/prepared/tldr/train.jsonl").read_bytes()
    evalset = (cwd / "data/prepared/tldr/eval.jsonl").read_bytes()
    assert len(train.splitlines()) == 30 and len(evalset.splitlines()) == 10
    metrics = json.loads((cwd / "metrics/prepare/tldr.json").read_text())
    assert metrics["kept"] == 40 and metrics["source"] == "mirror"
    assert str(shared_data) not in (cwd / "metrics/prepare/tldr.json").read_text()  # no machine paths
    assert _stage(cwd, repo_root, "tldr").returncode == 0  # rerun: byte-identical
    assert (cwd / "data/prepared/tldr/train.jsonl").read_bytes() == train


def test_stage_bad_input_exits_2_with_one_line(tmp_path, repo_root):
    cwd = _workdir(tmp_path, repo_root, tmp_path / "no_such_mirror")
    proc = _stage(cwd, repo_root, "tldr")
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: data.source: mirror directory not found")
    assert not (cwd / "data").exists() and not (cwd / "metrics").exists()


def test_stage_unknown_dataset(tmp_path, repo_root):
    proc = _stage(_workdir(tmp_path, repo_root, "hub"), repo_root, "wikitext")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: unknown dataset 'wikitext' (known: tldr, truthfulqa, realtoxicityprompts, mmlu_pro, comments)"]
