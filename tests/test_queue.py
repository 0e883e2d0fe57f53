"""The Table 14 sweep through DVC's experiment queue, on the small graph:

    dvc exp run --queue -S alpha=1,2 train_contrastive@tiny-contrastive
    dvc queue start -j 1
    dvc exp show --json
    dvc plots diff <exp> <exp>

(the README's sweep is alpha=1,2,4,8,16 over the whole graph; the test stops at the
training stage to stay short). Each queued experiment runs in its own temporary
clone, reruns only what alpha feeds (the rest comes from the DVC cache of the built
workspace) and reports its own metrics.
"""
import json
import time

import pytest

from tests.test_pipeline import SMALL
from tests.workspace import DVC, built_workspace, run, scratch_copy

pytestmark = pytest.mark.slow

ALPHAS = (1.0, 2.0)
STAGE = "train_contrastive@tiny-contrastive"
METRICS = "metrics/train/contrastive/tiny.json"


def experiments(shown) -> list[dict]:
    """Every experiment record of `dvc exp show --json` (a record has params and metrics under 'data')."""
    found = []
    if isinstance(shown, dict):
        data = shown.get("data")
        if isinstance(data, dict) and "params" in data and shown.get("name"):
            found.append({"name": shown["name"], **data})
        for value in shown.values():
            found += experiments(value)
    elif isinstance(shown, list):
        for value in shown:
            found += experiments(value)
    return found


def wait_for_queue(ws, timeout: float = 1200) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        status = run([*DVC, "queue", "status"], ws).stdout
        if not any(word in status for word in ("Queued", "Running")):
            return status
        time.sleep(5)
    pytest.fail(f"the queue did not finish:\n{status}")


def test_alpha_sweep_through_the_queue(tmp_path_factory, repo_root, shared_data):
    ws = scratch_copy(built_workspace(tmp_path_factory, repo_root, shared_data, SMALL),
                      tmp_path_factory.mktemp("queue") / "repo")
    run([*DVC, "exp", "run", "--queue", "-S", "alpha=" + ",".join(f"{a:g}" for a in ALPHAS), STAGE], ws)
    try:
        run([*DVC, "queue", "start", "-j", "1"], ws)
        status = wait_for_queue(ws)
    finally:
        run([*DVC, "queue", "stop"], ws, check=False)
    assert "Failed" not in status, status
    by_alpha, names = {}, {}
    for exp in experiments(json.loads(run([*DVC, "exp", "show", "--json"], ws).stdout)):
        alpha = exp["params"].get("params.yaml", {}).get("data", {}).get("alpha")
        metrics = exp.get("metrics", {}).get(METRICS, {}).get("data")
        if alpha in ALPHAS and metrics:
            by_alpha[alpha], names[alpha] = metrics, exp["name"]
    assert sorted(by_alpha) == list(ALPHAS)
    assert all(by_alpha[a]["alpha"] == a for a in ALPHAS)  # each experiment trained with its own alpha
    assert by_alpha[ALPHAS[0]]["final_loss"] != by_alpha[ALPHAS[1]]["final_loss"]
    logs = run([*DVC, "queue", "logs", names[ALPHAS[0]]], ws).stdout
    assert f"Running stage '{STAGE}'" in logs
    assert "Running stage 'base@tiny'" not in logs  # upstream of alpha: restored from the cache
    curves = run([*DVC, "plots", "diff", *names.values(), "--json"], ws).stdout
    assert all(f'"{name}"' in curves for name in names.values())  # both loss curves, side by side
