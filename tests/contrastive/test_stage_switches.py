"""stages/train_contrastive.py reads the fidelity switches from params.yaml and reports w_tox's shares."""
import json
import subprocess
import sys


from tests.helpers import training_workspace


def test_stage_trains_with_the_authors_switches_and_reports_toxic_shares(tmp_path, repo_root):
    def edit(params):
        params["contrastive"].update(denominator="source", view="post_and_target", no_entity="zero",
                                     toxic_weight_rule="source", max_steps=5, checkpoint_every=100)  # logs at step 5

    ws = tmp_path / "ws"
    env = training_workspace(ws, repo_root, edit, rows=4)
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
