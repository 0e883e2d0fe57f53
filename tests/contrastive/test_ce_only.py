"""The CE-only control differs from the contrastive run in alpha alone: same data, order, steps, seed."""
import json
import subprocess
import sys

import pytest

from tests.helpers import training_workspace


def train(ws, env, method):
    proc = subprocess.run([sys.executable, "stages/train_contrastive.py", "tiny", method], cwd=ws, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    metrics = json.loads((ws / f"metrics/train/{method}/tiny.json").read_text())
    run = json.loads((ws / f"models/{method}/tiny/alignment_tax.json").read_text())
    curve = (ws / f"plots/train/{method}/tiny.csv").read_text().splitlines()
    return metrics, run, curve


@pytest.fixture(scope="module")
def runs(tmp_path_factory, repo_root):
    def edit(params):
        params["alpha"] = 0.0  # the contrastive run with its term off must then be the CE-only control, bit for bit
        params["contrastive"].update(max_steps=5, checkpoint_every=100)  # one log line, at step 5
        params["training_runs"] = {"contrastive": ["contrastive_s1"], "ce_only": ["ce_only_s1", "ce_only_s2"]}
        params["methods"] = ["base", "contrastive_s1", "ce_only_s1", "ce_only_s2"]

    ws = tmp_path_factory.mktemp("ce_only") / "ws"
    env = training_workspace(ws, repo_root, edit, rows=8)
    return {m: train(ws, env, m) for m in ("contrastive_s1", "ce_only_s1", "ce_only_s2")}


def test_ce_only_is_the_contrastive_run_without_its_term(runs):
    (cm, crun, ccurve), (em, erun, ecurve) = runs["contrastive_s1"], runs["ce_only_s1"]
    assert (cm["seed"], cm["steps"], cm["rows"], cm["examples_seen"]) == (em["seed"], em["steps"], em["rows"],
                                                                          em["examples_seen"]) == (1, 5, 8, 10)
    assert em["alpha"] == 0.0 and em["kind"] == "ce_only" and cm["kind"] == "contrastive"
    assert crun["entry"] == erun["entry"]
    shared = set(erun["contrastive"])
    assert {k: crun["contrastive"][k] for k in shared} == erun["contrastive"]  # every key ce_only reads, equal
    # the same batches in the same order from the same weights: identical curves; another seed is another run
    assert cm["final_ce"] == em["final_ce"] and ccurve == ecurve and len(ccurve) == 2
    other = runs["ce_only_s2"][0]
    assert other["seed"] == 2 and other["final_ce"] != em["final_ce"]
