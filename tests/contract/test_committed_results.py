"""The committed dvc.lock, metrics and report are what the committed code and params produce.

The default run's dvc.lock records, for every stage, the md5 of each code file it ran, the
params it read and the md5 of each small output committed beside it (metrics, report, plots
CSVs). On a fresh clone nothing is rerun: this test recomputes those hashes, so a commit
that changes a stage's code or params without rerunning it (stale results in git) fails here.
The one declared exception: `data.source`, which the committed params set to the Hub (the
paper path) while the committed run read the mirror (`-S data.source=../shared/data`).
"""
import hashlib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "dvc.lock"
RUN_OVERRIDES = {"data.source"}  # set on the command line of the committed run (README "Run")
# Each study directory's own run: its lock, against its own params.yaml (which names the mirror itself)
STUDIES = sorted(p.parent for p in (ROOT / "studies").glob("*/dvc.lock"))

needs_lock = pytest.mark.skipif(not LOCK.is_file(), reason="no committed dvc.lock")


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def lookup(params: dict, dotted: str):
    node = params
    for part in dotted.split("."):
        node = node[part]
    return node


def stages():
    return yaml.safe_load(LOCK.read_text())["stages"].items()


@needs_lock
def test_every_stage_of_dvc_yaml_is_locked():
    import subprocess

    names = {s for s, _ in stages()}
    out = subprocess.run(["python", "-m", "dvc", "stage", "list", "--name-only"], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.split()
    assert set(out) == names


@needs_lock
def test_locked_code_is_the_committed_code():
    stale = [f"{name}: {d['path']}" for name, st in stages() for d in st.get("deps", [])
             if d["path"].startswith(("src/", "stages/")) and (ROOT / d["path"]).is_file()
             and d.get("md5") != md5(ROOT / d["path"])]
    assert stale == [], "code changed since the committed run: rerun it (README 'Run') and commit dvc.lock"


def without_overrides(key: str, value):
    """`value` of params key `key` with the run's command-line overrides removed (check_params locks whole sections)."""
    import copy

    value = copy.deepcopy(value)
    for o in RUN_OVERRIDES:
        if o.startswith(key + "."):
            *parents, leaf = o[len(key) + 1:].split(".")
            node = value
            for part in parents:
                node = node.get(part, {}) if isinstance(node, dict) else {}
            if isinstance(node, dict):
                node.pop(leaf, None)
    return value


@needs_lock
def test_locked_params_are_the_committed_params():
    # DVC writes dvc.lock as YAML 1.2 (2e-05 is a float there, a string to PyYAML): read both files as DVC does
    from dvc.utils.serialize import load_yaml

    params = load_yaml(ROOT / "params.yaml")
    stale = []
    for name, st in load_yaml(LOCK)["stages"].items():
        for key, value in st.get("params", {}).get("params.yaml", {}).items():
            if key not in RUN_OVERRIDES and without_overrides(key, lookup(params, key)) != without_overrides(key, value):
                stale.append(f"{name}: {key}")
    assert stale == []


@needs_lock
def test_the_params_check_sees_a_changed_value():
    from dvc.utils.serialize import load_yaml

    lock = load_yaml(LOCK)["stages"]["check_params"]["params"]["params.yaml"]
    params = load_yaml(ROOT / "params.yaml")
    assert without_overrides("data", lock["data"]) == without_overrides("data", params["data"])
    changed = {**params["data"], "min_words": params["data"]["min_words"] + 1}
    assert without_overrides("data", lock["data"]) != without_overrides("data", changed)


@needs_lock
def test_committed_outputs_are_the_locked_outputs():
    wrong = [f"{name}: {o['path']}" for name, st in stages() for o in st.get("outs", [])
             if (ROOT / o["path"]).is_file() and "md5" in o and o["md5"] != md5(ROOT / o["path"])]
    assert wrong == []
    # the metrics a fresh clone's `dvc metrics show` prints are committed
    assert list((ROOT / "metrics").rglob("*.json")) and (ROOT / "reports" / "alignment_tax.md").is_file()


@pytest.mark.parametrize("study", STUDIES, ids=[s.name for s in STUDIES])
def test_a_study_run_is_what_the_committed_code_and_params_produce(study):
    """The same three checks for a study's committed run (dvc repro studies/<name>/dvc.yaml)."""
    import subprocess

    from dvc.utils.serialize import load_yaml

    locked = load_yaml(study / "dvc.lock")["stages"]
    listed = subprocess.run(["python", "-m", "dvc", "stage", "list", "--name-only", str(study / "dvc.yaml")],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert {n.split(":", 1)[-1] for n in listed} == set(locked)
    stale = [f"{name}: {d['path']}" for name, st in locked.items() for d in st.get("deps", [])
             if d["path"].startswith(("src/", "stages/")) and (study / d["path"]).is_file()
             and d.get("md5") != md5(study / d["path"])]
    assert stale == [], f"code changed since the committed study run: rerun dvc repro {study.relative_to(ROOT)}/dvc.yaml"
    params = load_yaml(study / "params.yaml")
    changed = [f"{name}: {key}" for name, st in locked.items()
               for key, value in st.get("params", {}).get("params.yaml", {}).items() if lookup(params, key) != value]
    assert changed == []
    wrong = [f"{name}: {o['path']}" for name, st in locked.items() for o in st.get("outs", [])
             if (study / o["path"]).is_file() and "md5" in o and o["md5"] != md5(study / o["path"])]
    assert wrong == []


def test_dvc_reads_every_pipeline_of_the_committed_revision():
    """`dvc exp show` reads HEAD from git: a dvc.yaml it cannot parse there (a symlink reads as its target's
    path) turns every revision into an error, and the queue's experiments vanish from `dvc exp show`."""
    import json
    import subprocess

    proc = subprocess.run(["python", "-m", "dvc", "exp", "show", "--json"], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    head = next(r for r in json.loads(proc.stdout) if r.get("rev") != "workspace")
    assert head.get("error") is None, head.get("error")
    shown = set(head["data"]["metrics"])
    assert any(m.startswith("studies/smollm2/metrics/") for m in shown) and "metrics/prepare/tldr.json" in shown
