"""Throwaway DVC workspaces for the end-to-end tests.

A workspace is a git clone of this working tree (tracked and untracked files,
not ignored ones) that reads the data mirror beside the repository. The small
graph (test_pipeline.SMALL) is built once per test session by `built_workspace`;
each test then works in its own `scratch_copy` of it (git history, DVC cache and
outputs included), so the slow tests together pay for one pipeline run.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from alignment_tax.config import AUDIT_ENV

DVC = [sys.executable, "-m", "dvc"]


THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TOKENIZERS_PARALLELISM")


def env_for(cwd: Path, extra: dict | None = None) -> dict:
    """The caller's environment without thread settings (stages take theirs from params), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    return dict(env, HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", DVC_NO_ANALYTICS="1",
                PYTHONPATH=str(Path(cwd) / "src"), **(extra or {}))


def run(cmd, cwd, check=True, timeout=None, env=None):
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env_for(cwd, env), capture_output=True, text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def stages_run(output: str) -> set[str]:
    return set(re.findall(r"Running stage '([^']+)'", output))


def copy_checkout(repo_root: Path, dest: Path) -> Path:
    """A fresh git repository holding the working tree's files, one commit."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=repo_root,
                           capture_output=True, text=True, check=True).stdout.split()
    for f in files:
        if (repo_root / f).is_symlink():  # a study directory's links to stages/, src/ and hub.lock.json
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            (dest / f).symlink_to(os.readlink(repo_root / f))
        elif (repo_root / f).is_file():
            (dest / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(repo_root / f, dest / f)
    for cmd in (["git", "init", "-q"], ["git", "add", "-A"],
                ["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "snapshot"]):
        run(cmd, dest)
    return dest


def metrics_bytes(ws: Path) -> dict[str, bytes]:
    """Every metrics JSON of a workspace, by relative path."""
    return {str(p.relative_to(ws)): p.read_bytes() for p in sorted((ws / "metrics").rglob("*.json"))}


@dataclass(frozen=True)
class Built:
    path: Path  # never changed after the build: tests work in scratch copies
    output: str  # stdout + stderr of the build
    metrics: dict  # metrics_bytes right after the build
    lock: str  # dvc.lock right after the build: the hash of every output
    audit: Path  # the params keys each stage process read during the build (config.AUDIT_ENV)


_BUILT: dict = {}


def as_base(ws: Path) -> None:
    """Make the workspace's params.yaml its conf/ base and commit it: with Hydra on, every later
    `dvc exp run -S x` composes conf/ + x, so a test's follow-up run keeps the build's overrides."""
    (ws / "conf" / "config.yaml").write_text("defaults:\n  - _self_\n" + (ws / "params.yaml").read_text())
    for group in [d for d in (ws / "conf").iterdir() if d.is_dir()]:
        shutil.rmtree(group)  # the repository's groups would re-apply their options over the build's values
    run(["git", "add", "-A", "conf", "params.yaml"], ws)
    run(["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "the build's params as conf/"], ws)


def built_workspace(tmp_path_factory, repo_root: Path, shared_data: Path, overrides: dict) -> Built:
    """`dvc exp run -S <overrides>` in a fresh clone, once per session (the first caller pays); its params
    are then the workspace's conf/ base (as_base)."""
    key = tuple(sorted(overrides.items()))
    if key not in _BUILT:
        ws = copy_checkout(repo_root, tmp_path_factory.mktemp("built") / "repo")
        audit = tmp_path_factory.mktemp("params-audit")
        sets = [f"-S{k}={v}" for k, v in overrides.items()] + [f"-Sdata.source={shared_data}"]
        proc = run([*DVC, "exp", "run", *sets], ws, env={AUDIT_ENV: str(audit)})
        as_base(ws)
        _BUILT[key] = Built(ws, proc.stdout + proc.stderr, metrics_bytes(ws), (ws / "dvc.lock").read_text(), audit)
    return _BUILT[key]


def declared_params(ws: Path) -> dict[str, list[str]]:
    """stage addressing -> the params.yaml keys dvc.yaml declares for it ([] = the whole file)."""
    from dvc.repo import Repo

    with Repo(str(ws)) as repo:
        return {st.name: [k for d in st.deps if type(d).__name__ == "ParamsDependency" for k in d.params]
                for st in repo.index.stages
                if any(type(d).__name__ == "ParamsDependency" for d in st.deps)}


def graph_stages(ws: Path) -> set[str]:
    """The stage names of a workspace's dvc.yaml under its params (dvc.lock may hold more: the
    committed default run's cells that a smaller grid does not have)."""
    from dvc.repo import Repo

    with Repo(str(ws)) as repo:
        return {st.name for st in repo.index.stages}


def params_read(audit: Path) -> dict[str, set[str]]:
    """stage addressing -> the params keys its process read (every file config.AUDIT_ENV wrote)."""
    import json

    out: dict[str, set[str]] = {}
    for f in sorted(audit.glob("*.json")):
        rec = json.loads(f.read_text())
        if rec["stage"]:  # a stage's own process (DVC sets DVC_STAGE), not a helper it started
            out.setdefault(rec["stage"], set()).update(rec["keys"])
    return out


def scratch_copy(built: Built, dest: Path) -> Path:
    """A private copy of the built workspace that a test may change."""
    shutil.copytree(built.path, dest, symlinks=True)
    return dest
