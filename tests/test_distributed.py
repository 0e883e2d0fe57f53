"""The contrastive training stage, unchanged, under `accelerate launch` with two CPU processes (gloo DDP).

configs/accelerate/cpu_2proc.yaml is the launch configuration the README gives for CPU;
the same script runs under configs/accelerate/ddp_8gpu.yaml on the paper's eight GPUs.
"""
import json
import re
import sys

import pytest

from tests.test_pipeline import SMALL
from tests.workspace import DVC, built_workspace, run, scratch_copy

pytestmark = pytest.mark.slow

STAGE = "train_contrastive@tiny-contrastive"


def test_training_stage_runs_on_two_processes(tmp_path_factory, repo_root, shared_data):
    built = built_workspace(tmp_path_factory, repo_root, shared_data, SMALL)
    ws = scratch_copy(built, tmp_path_factory.mktemp("ddp") / "repo")
    single = json.loads((ws / "metrics/train/contrastive/tiny.json").read_text())
    weights_single = (ws / "models/contrastive/tiny/model.safetensors").read_bytes()
    out = run([sys.executable, "-m", "accelerate.commands.launch", "--config_file",
               repo_root / "configs/accelerate/cpu_2proc.yaml", "stages/train_contrastive.py", "tiny", "contrastive"], ws,
              # unbuffered: each rank's line is one write, never split by the other rank's output into the shared pipe
              env={"PYTHONUNBUFFERED": "1"})
    log = out.stdout + out.stderr
    ranks = sorted(re.findall(r"contrastive tiny: \d+ steps .*, rank (\d) of (\d)", log))
    assert ranks == [("0", "2"), ("1", "2")], log[-3000:]  # both processes trained, in one world of two
    m = json.loads((ws / "metrics/train/contrastive/tiny.json").read_text())
    assert m["world_size"] == 2 and single["world_size"] == 1
    assert m["steps"] == single["steps"]
    # twice the global batch: other updates (and rank 0 alone wrote them, no temporary left behind)
    assert (ws / "models/contrastive/tiny/model.safetensors").read_bytes() != weights_single
    assert not list(ws.glob("models/contrastive/.tiny.*"))
    # the README's route back into the graph: record the launcher's outputs as the stage's
    run([*DVC, "commit", "--force", STAGE], ws)
    assert "up to date" in run([*DVC, "status", STAGE], ws).stdout
