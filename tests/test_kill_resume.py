"""Kill a training stage mid-run, twice (SIGTERM to the stage, then SIGKILL to DVC and the
stage together); `dvc repro` resumes from the last checkpoint and ends with byte-identical
outputs to an uninterrupted run, and no killed run leaves an output a later stage could read.
"""
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest
import yaml

from tests.test_pipeline import SMALL
from tests.workspace import DVC, built_workspace, env_for, run, scratch_copy

pytestmark = pytest.mark.slow

STAGE = "train_contrastive@tiny-contrastive"
LONGER = {"max_steps": 40, "checkpoint_every": 4}  # a 4-step checkpoint every ~0.5 s: time to kill mid-run
CHECKPOINTS = ".checkpoints/contrastive/tiny/*/checkpoint-*/trainer_state.json"
OUTPUTS = ("models/contrastive/tiny", "metrics/train/contrastive/tiny.json", "plots/train/contrastive/tiny.csv")


def complete_checkpoints(ws: Path) -> list[int]:
    return sorted(int(p.parent.name.rsplit("-", 1)[1]) for p in ws.glob(CHECKPOINTS))


def start(ws: Path, log: Path) -> subprocess.Popen:
    """`dvc repro STAGE` in its own process group, so DVC and the stage can be killed together."""
    with open(log, "w") as fh:
        return subprocess.Popen([*DVC, "repro", STAGE], cwd=ws, env=env_for(ws), stdout=fh,
                                stderr=subprocess.STDOUT, start_new_session=True)


def wait_for_checkpoint(ws: Path, proc: subprocess.Popen, after: int, timeout: float = 600) -> int:
    deadline = time.time() + timeout
    while time.time() < deadline:
        steps = [s for s in complete_checkpoints(ws) if s > after]
        if steps:
            return steps[-1]
        if proc.poll() is not None:
            pytest.fail(f"the stage ended (exit {proc.returncode}) before a checkpoint past step {after}")
        time.sleep(0.02)
    pytest.fail("no checkpoint within the timeout")


def assert_nothing_readable(ws: Path) -> None:
    """DVC removed the stage's previous outputs; the killed run wrote none, not even a temporary."""
    for rel in OUTPUTS:
        assert not (ws / rel).exists(), rel
    assert not list(ws.glob("models/contrastive/.tiny.*")), "a temporary output was left behind"


def outputs(ws: Path) -> dict[str, bytes]:
    files = [p for rel in OUTPUTS for p in ([ws / rel] if (ws / rel).is_file() else sorted((ws / rel).rglob("*")))]
    return {str(p.relative_to(ws)): p.read_bytes() for p in files if p.is_file()}


def test_killed_training_resumes_to_the_uninterrupted_result(tmp_path_factory, repo_root, shared_data):
    ws = scratch_copy(built_workspace(tmp_path_factory, repo_root, shared_data, SMALL),
                      tmp_path_factory.mktemp("kill") / "repo")
    params = yaml.safe_load((ws / "params.yaml").read_text())
    params["contrastive"].update(LONGER)
    (ws / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))

    # 1. SIGTERM to the stage's own process (a scheduler's stop): DVC reports the failure
    proc = start(ws, ws.parent / "run1.log")
    wait_for_checkpoint(ws, proc, after=0)
    # the Python process itself: DVC may run the cmd through `sh -c "python stages/..."`, whose
    # single argument also names the script, so match a whole argv element
    stage = [p for p in psutil.Process(proc.pid).children(recursive=True)
             if any(part.endswith("train_contrastive.py") for part in p.cmdline())]
    assert len(stage) == 1
    stage[0].terminate()
    assert proc.wait(timeout=120) != 0
    assert_nothing_readable(ws)

    # 2. SIGKILL to DVC and the stage at once (the OOM killer, a lost node), after a checkpoint
    #    newer than any the first run left
    proc = start(ws, ws.parent / "run2.log")
    killed_at = wait_for_checkpoint(ws, proc, after=max(complete_checkpoints(ws)))
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert "resuming from" in (ws.parent / "run2.log").read_text()
    assert_nothing_readable(ws)

    # 3. rerun: it resumes from the last complete checkpoint and finishes
    out = run([*DVC, "repro", STAGE], ws)
    log = out.stdout + out.stderr
    resumed_from = int(re.search(r"resuming from \S+ \(step (\d+)\)", log).group(1))
    assert resumed_from >= killed_at
    steps = re.search(r"contrastive tiny: (\d+) steps in \S+ \(of (\d+)\)", log)
    assert int(steps.group(1)) == LONGER["max_steps"] - resumed_from and int(steps.group(2)) == LONGER["max_steps"]
    assert not complete_checkpoints(ws)  # spent checkpoints are cleared
    resumed = outputs(ws)

    # 4. the same stage uninterrupted: the same bytes (weights, metrics, loss curve)
    again = run([*DVC, "repro", "--force", "--single-item", STAGE], ws)
    assert "resuming from" not in again.stdout + again.stderr
    assert outputs(ws) == resumed
    assert any(k.endswith("model.safetensors") for k in resumed)
