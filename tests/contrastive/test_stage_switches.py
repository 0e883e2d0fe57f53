"""stages/train_contrastive.py reads the fidelity switches from params.yaml and reports w_tox's shares."""
import json
import os
import shutil
import subprocess
import sys

import yaml

from alignment_tax.io import write_jsonl
from tests.helpers import contrastive_row, tiny_model, tiny_tokenizer


def test_stage_trains_with_the_authors_switches_and_reports_toxic_shares(tmp_path, repo_root):
    ws = tmp_path / "ws"
    shutil.copytree(repo_root / "stages", ws / "stages")
    params = yaml.safe_load((repo_root / "params.yaml").read_text(encoding="utf-8"))
    params["contrastive"].update(denominator="source", view="post_and_target", no_entity="zero",
                                 toxic_weight_rule="source", max_steps=5, checkpoint_every=100)  # logs at step 5
    params["model_zoo"]["tiny"].update(batch_size=2, max_length=64)
    (ws / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    tok = tiny_tokenizer()
    tiny_model(tok).save_pretrained(ws / "models/base/tiny")
    tok.save_pretrained(ws / "models/base/tiny")
    write_jsonl(ws / "data/contrastive/train.jsonl", [contrastive_row(i, toxic=(i == 0)) for i in range(4)])
    env = dict(os.environ, PYTHONPATH=str(repo_root / "src"), HF_HUB_OFFLINE="1")
    proc = subprocess.run([sys.executable, "stages/train_contrastive.py", "tiny"], cwd=ws, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    metrics = json.loads((ws / "metrics/train/contrastive/tiny.json").read_text())
    assert metrics["toxic_weight_rule"] == "source" and metrics["steps"] == 5
    assert 0 < metrics["toxic_source_share"] < 1 and metrics["toxic_batch_share"] > 0
    run = json.loads((ws / "models/contrastive/tiny/alignment_tax.json").read_text())
    c = run["contrastive"]
    assert (c["denominator"], c["view"], c["no_entity"], c["toxic_weight_rule"]) == (
        "source", "post_and_target", "zero", "source")
