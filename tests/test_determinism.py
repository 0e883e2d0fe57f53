"""Same params, same seed, CPU: a forced rerun reproduces a stage's outputs byte for byte.

The second run happens in a copy of the session's built workspace (tests/workspace.py).
Rerunning all ~90 stages of the small grid would double the end-to-end test's time, so
one stage per stage script is forced (`dvc repro --force --single-item`), each on the
very inputs of its first run; a contrastive cell where the script has one. Every
metrics JSON it writes must be identical, and so must every output hash DVC records
in dvc.lock (models, datasets, generations, reports).
"""
import re

import pytest
import yaml

from tests.test_pipeline import SMALL
from tests.workspace import DVC, built_workspace, graph_stages, metrics_bytes, run, scratch_copy, stages_run

pytestmark = pytest.mark.slow


def lock_stages(lock_text: str, graph: set[str] | None = None) -> dict:
    """dvc.lock's stages, only those of `graph` when given."""
    stages = yaml.safe_load(lock_text)["stages"]
    return {k: v for k, v in stages.items() if graph is None or k in graph}


def one_per_script(stages: dict) -> list[str]:
    """For every stage script, one stage that runs it (a contrastive cell first)."""
    by_script = {}
    for name in sorted(stages, key=lambda n: ("contrastive" not in n, n)):
        script = re.search(r"stages/\S+\.py", stages[name]["cmd"]).group(0)
        by_script.setdefault(script, name)
    return sorted(by_script.values())


def outputs(stage: dict) -> dict:
    return {o["path"]: o.get("md5") for o in stage.get("outs", [])}


def test_forced_rerun_is_byte_identical(tmp_path_factory, repo_root, shared_data):
    built = built_workspace(tmp_path_factory, repo_root, shared_data, SMALL)
    # the committed dvc.lock is the default grid's; DVC keeps its entries for cells the small grid lacks
    first = lock_stages(built.lock, graph_stages(built.path))
    chosen = one_per_script(first)
    assert {"train_contrastive@tiny-contrastive", "base@tiny", "evaluate_tldr@tiny-contrastive"} <= set(chosen)
    ws = scratch_copy(built, tmp_path_factory.mktemp("determinism") / "repo")
    out = run([*DVC, "repro", "--force", "--single-item", *chosen], ws)
    assert stages_run(out.stdout + out.stderr) == set(chosen)
    second = lock_stages((ws / "dvc.lock").read_text())
    differ = sorted(s for s in chosen if outputs(second[s]) != outputs(first[s]))
    assert not differ, f"outputs differ between two runs of: {differ}"
    again = metrics_bytes(ws)
    written = [m for s in chosen for m in outputs(first[s]) if m in again]
    assert len(written) >= len(chosen) // 2  # most stages state their results in a metrics JSON
    assert not [m for m in written if again[m] != built.metrics[m]]


def test_thread_exports_change_nothing(tmp_path_factory, repo_root, shared_data):
    """The README's old `export OMP_NUM_THREADS=1 ...` line must not be needed: the built run had no thread
    variables; the same stages rerun with them give the same bytes. (Without the stages applying
    params.compute, 1 exported thread vs the machine's default gave other numbers: perplexity 364 vs 395.)"""
    built = built_workspace(tmp_path_factory, repo_root, shared_data, SMALL)
    first = lock_stages(built.lock)
    chosen = [s for s in ("base@tiny", "train_contrastive@tiny-contrastive", "evaluate_tldr@tiny-contrastive") if s in first]
    ws = scratch_copy(built, tmp_path_factory.mktemp("exports") / "repo")
    exports = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
               "TOKENIZERS_PARALLELISM": "true"}
    out = run([*DVC, "repro", "--force", "--single-item", *chosen], ws, env=exports)
    assert stages_run(out.stdout + out.stderr) == set(chosen)
    second = lock_stages((ws / "dvc.lock").read_text())
    assert {s: outputs(second[s]) for s in chosen} == {s: outputs(first[s]) for s in chosen}
    again = metrics_bytes(ws)
    assert {m: again[m] for m in built.metrics if m in again} == built.metrics
