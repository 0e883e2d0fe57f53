"""Run the bad-input corpus (cases.py): every case must end its stage with exit 2, exactly
one stderr line `error: ...` naming the file:line or params key, and no file written.

Each case runs `stages/<script> ...` in its own workspace, as DVC runs a stage, in a
child of one warm interpreter (warm.py: torch and transformers imported once, so a
case costs a fork instead of 5-10 s of imports). BAD_INPUTS_COLD=1 runs every case
as a fresh `python stages/<script>` instead (same results, minutes instead of seconds).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from tests.bad_inputs.cases import CASES
from tests.helpers import tiny_model, tiny_tokenizer

WARM = Path(__file__).with_name("warm.py")


def set_key(params: dict, dotted: str, value) -> None:
    *head, last = dotted.split(".")
    node = params
    for key in head:
        node = node.setdefault(key, {})  # a sub-entry params.yaml leaves to the schema's defaults
    node[last] = value


def snapshot(ws: Path) -> dict:
    """Every path under the workspace with its size and mtime (None for a directory)."""
    return {str(p.relative_to(ws)): (p.stat().st_size, p.stat().st_mtime_ns) if p.is_file() else None
            for p in sorted(ws.rglob("*"))}


def make_workspace(case, root: Path, repo_root: Path, fixtures: Path) -> Path:
    ws = root / "ws"
    shutil.copytree(repo_root / "stages", ws / "stages", ignore=shutil.ignore_patterns("__pycache__"))
    for fixture in fixtures.iterdir():
        (root / fixture.name).symlink_to(fixture)
    if case.params_text is not None:
        (ws / "params.yaml").write_bytes(case.params_text)
    else:
        params = yaml.safe_load((repo_root / "params.yaml").read_text(encoding="utf-8"))
        params["data"]["source"] = "mirror"
        for key, value in case.params.items():
            set_key(params, key, value)
        (ws / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    if case.setup is not None:
        case.setup(ws)
    return ws


def stage_env(repo_root: Path) -> dict:
    return dict(os.environ, PYTHONPATH=str(repo_root / "src"), OMP_NUM_THREADS="1")


def run_cold(argv: list, ws: Path, repo_root: Path):
    return subprocess.run([sys.executable, *argv], cwd=ws, env=stage_env(repo_root), capture_output=True,
                          text=True, timeout=300)


def run_warm(warm, argv: list, ws: Path):
    out, err = ws.parent / "stdout.txt", ws.parent / "stderr.txt"
    warm.stdin.write(json.dumps({"cwd": str(ws), "argv": argv, "stdout": str(out), "stderr": str(err)}) + "\n")
    warm.stdin.flush()
    status = warm.stdout.readline()
    assert status, "the warm interpreter died"
    return SimpleNamespace(returncode=int(status), stdout=out.read_text(), stderr=err.read_text())


@pytest.fixture(scope="session")
def fixtures(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("bad_input_fixtures")
    tok = tiny_tokenizer()
    tiny_model(tok).save_pretrained(root / "fixture_model")
    tok.save_pretrained(root / "fixture_model")
    tiny_tokenizer(vocab_size=600).save_pretrained(root / "fixture_big_tokenizer")
    return root


@pytest.fixture(scope="module")
def results(tmp_path_factory, repo_root, fixtures) -> dict:
    base = tmp_path_factory.mktemp("bad_inputs")
    cold = os.environ.get("BAD_INPUTS_COLD") == "1"
    warm = None if cold else subprocess.Popen([sys.executable, str(WARM)], env=stage_env(repo_root), text=True,
                                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert cold or warm.stdout.readline() == "ready\n"
        out = {}
        for case in CASES:
            ws = make_workspace(case, base / case.id, repo_root, fixtures)
            before = snapshot(ws)
            argv = [f"stages/{case.argv[0]}", *case.argv[1:]]
            proc = run_cold(argv, ws, repo_root) if cold else run_warm(warm, argv, ws)
            out[case.id] = (proc, before, snapshot(ws))
        return out
    finally:
        if warm is not None:
            warm.stdin.close()
            warm.wait(timeout=60)


def test_the_corpus_is_large_and_distinct():
    assert len(CASES) >= 25
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_fails_with_one_line_and_writes_nothing(case, results):
    proc, before, after = results[case.id]
    assert proc.returncode == 2, f"exit {proc.returncode}\n{proc.stderr[-3000:]}"
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, proc.stderr[-3000:]
    assert re.search(case.expect, errors[0][len("error: "):]), errors[0]
    assert "Traceback" not in proc.stderr
    assert after == before, f"files written or changed: {sorted(set(after.items()) ^ set(before.items()))}"
