"""Toxicity scorers and the toxicity_scorer stage, on small samples of the real mirror data."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from alignment_tax.errors import AlignmentTaxError
from alignment_tax.scorers import toxicity as tox

TOX = "toxicity_labeled"


def mirror_comments(shared: Path, per_source: int, n_heldout: int, seed: int = 0) -> tuple[list[dict], list[dict]]:
    """Train/heldout rows shaped like data/prepared/comments/*.jsonl, sampled from the mirror CSVs."""
    d = shared / TOX
    dav = pd.read_csv(d / "davidson_labeled_data.csv")
    j1 = pd.read_csv(d / "jigsaw_fastbert_train_sample.csv")
    j2 = pd.read_csv(d / "jigsaw_fastbert_val_sample.csv")
    rob = pd.read_csv(d / "jigsaw_robtest_balanced_test.csv", header=None, names=["text", "label"])
    wiki = pd.read_csv(d / "wiki_toxicity_nonfuzzed_testset.csv")
    parts = [
        pd.DataFrame({"text": dav["tweet"], "toxic": (dav["class"] != 2).astype(int), "source": "davidson"}),
        pd.DataFrame({"text": pd.concat([j1["comment_text"], j2["comment_text"]]),
                      "toxic": pd.concat([j1["toxic"], j2["toxic"]]).astype(int), "source": "jigsaw"}),
        pd.DataFrame({"text": rob["text"], "toxic": rob["label"].astype(int), "source": "robtest"}),
    ]
    train = pd.concat([p.sample(min(per_source, len(p)), random_state=seed) for p in parts])
    held = pd.DataFrame({"text": wiki["comment"], "toxic": wiki["toxic"].astype(bool).astype(int),
                         "source": "wiki_toxicity"})
    held = pd.concat([g.sample(min(len(g), n_heldout // 2), random_state=seed) for _, g in held.groupby("toxic")])

    def rows(df, prefix):
        return [{"id": f"{prefix}-{i}", "text": t, "toxic": int(y), "source": s}
                for i, (t, y, s) in enumerate(zip(df["text"], df["toxic"], df["source"]))]
    return rows(train, "train"), rows(held, "wiki")


def cfg(max_features: int = 20000, C: float = 4.0):
    return SimpleNamespace(tfidf_max_features=max_features, tfidf_C=C)


@pytest.fixture(scope="module")
def comments(shared_data):
    return mirror_comments(shared_data, per_source=1500, n_heldout=400)


@pytest.fixture(scope="module")
def trained(comments):
    train, _ = comments
    return tox.train_tfidf_logreg([r["text"] for r in train], [r["toxic"] for r in train], cfg())


def test_tfidf_logreg_beats_chance_on_real_heldout(trained, comments):
    _, held = comments
    p = trained.score([r["text"] for r in held])
    assert p.shape == (len(held),) and np.all((p >= 0) & (p <= 1))
    assert roc_auc_score([r["toxic"] for r in held], p) > 0.8


def test_tfidf_logreg_save_load_identical(trained, comments, tmp_path):
    texts = [r["text"] for r in comments[1][:200]] + ["", "  ", "f*ck you", "Ünïcödé \ud83d text"]
    trained.save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [tox.STATE_FILE, tox.ARRAYS_FILE]
    loaded = tox.TfidfLogReg.load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.score(texts), trained.score(texts))
    loaded.save(tmp_path / "again")  # byte-identical re-save: deterministic artifacts for DVC
    for name in (tox.STATE_FILE, tox.ARRAYS_FILE):
        assert (tmp_path / "m" / name).read_bytes() == (tmp_path / "again" / name).read_bytes()


def test_tfidf_logreg_load_errors(trained, tmp_path):
    with pytest.raises(AlignmentTaxError, match="not found.*dvc repro toxicity_scorer"):
        tox.TfidfLogReg.load(tmp_path / "missing")
    trained.save(tmp_path / "m")
    (tmp_path / "m" / tox.STATE_FILE).write_text("{\"format\": \"other\"}", encoding="ascii")
    with pytest.raises(AlignmentTaxError, match="corrupt"):
        tox.TfidfLogReg.load(tmp_path / "m")


def test_train_needs_both_classes():
    with pytest.raises(AlignmentTaxError, match="both classes"):
        tox.train_tfidf_logreg(["a b", "c d"], [0, 0], cfg())


def test_profanity_check_scores():
    s = tox.ProfanityCheck()
    p = s.score(["you are a fucking idiot, shut up", "thank you for the helpful edit", ""])
    assert p[0] > 0.5 and p[1] < 0.5 and 0.0 <= p[2] <= 1.0
    assert s.score([]).shape == (0,)


def scorers_cfg(name: str):
    return SimpleNamespace(batch_size=8, toxicity=SimpleNamespace(name=name, hf_id="unitary/toxic-bert"))


def test_load_toxicity_scorer(trained, tmp_path):
    art = tmp_path / "art"
    with pytest.raises(AlignmentTaxError, match=r"choice\.json: not found.*dvc repro toxicity_scorer"):
        tox.load_toxicity_scorer(scorers_cfg("offline_best"), art)
    with pytest.raises(AlignmentTaxError, match="not found.*dvc repro toxicity_scorer"):
        tox.load_toxicity_scorer(scorers_cfg("tfidf_logreg"), art)
    trained.save(art)
    (art / tox.CHOICE_FILE).write_text(json.dumps({"chosen": "tfidf_logreg"}))
    assert tox.load_toxicity_scorer(scorers_cfg("offline_best"), art).name == "tfidf_logreg"
    (art / tox.CHOICE_FILE).write_text(json.dumps({"chosen": "profanity_check"}))
    assert tox.load_toxicity_scorer(scorers_cfg("offline_best"), art).name == "profanity_check"
    assert tox.load_toxicity_scorer(scorers_cfg("tfidf_logreg"), art).name == "tfidf_logreg"
    assert tox.load_toxicity_scorer(scorers_cfg("profanity_check"), art).name == "profanity_check"


# ---- the stage, as DVC runs it ----------------------------------------------------------

STAGE = "stages/toxicity_scorer.py"


def stage_dir(tmp_path: Path, repo_root: Path, comments, heldout: bool = True,
              candidates=("tfidf_logreg", "profanity_check")) -> Path:
    """A working dir for the stage; the BiLSTM (a PyPI download) only where `candidates` names it."""
    import yaml

    train, held = comments
    work = tmp_path / "work"
    (work / "data/prepared/comments").mkdir(parents=True)
    params = yaml.safe_load((repo_root / "params.yaml").read_text(encoding="utf-8"))
    params["scorers"]["toxicity"]["candidates"] = list(candidates)
    (work / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    files = {"train.jsonl": train[::5]} | ({"heldout.jsonl": held} if heldout else {})
    for name, rows in files.items():
        with open(work / "data/prepared/comments" / name, "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r) + "\n" for r in rows)
    return work


def run_stage(work: Path, repo_root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(repo_root / STAGE)], cwd=work, capture_output=True,
                          text=True, timeout=300)


def test_stage_writes_choice_and_metrics(tmp_path, repo_root, comments):
    work = stage_dir(tmp_path, repo_root, comments)
    res = run_stage(work, repo_root)
    assert res.returncode == 0, res.stderr
    choice = json.loads((work / "models/scorers/toxicity" / tox.CHOICE_FILE).read_text())
    assert choice["chosen"] in ("tfidf_logreg", "profanity_check")
    assert set(choice["auc"]) == {"tfidf_logreg", "profanity_check"}
    assert choice["n_heldout"] == len(comments[1]) and choice["heldout"] == "wiki_toxicity_nonfuzzed"
    assert choice["chosen"] == max(choice["auc"], key=choice["auc"].get)
    m = json.loads((work / "metrics/scorers/toxicity.json").read_text())
    assert m["auc"] == choice["auc"] and m["chosen"] == choice["chosen"] and m["threshold"] == 0.4
    assert m["n_train"] == len(comments[0][::5]) and m["n_heldout"] == len(comments[1])
    for key in ("precision", "recall"):
        assert set(m[key]) == {"tfidf_logreg", "profanity_check"}
    assert all(0.5 < v <= 1 for v in m["auc"].values())
    # the artifact dir serves load_toxicity_scorer from the same working dir
    loaded = tox.TfidfLogReg.load(work / "models/scorers/toxicity")
    assert loaded.score(["hello there"]).shape == (1,)
    assert not [p for p in (work / "models/scorers").iterdir() if p.name.startswith(".")]  # no temp dirs left


def test_stage_missing_heldout_exits_2(tmp_path, repo_root, comments):
    work = stage_dir(tmp_path, repo_root, comments, heldout=False)
    res = run_stage(work, repo_root)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "data/prepared/comments/heldout.jsonl" in lines[0], res.stderr
    assert not (work / "models").exists() and not (work / "metrics").exists()


@pytest.mark.slow
def test_stage_with_bilstm_compares_three(tmp_path, repo_root, comments):
    """All three candidates; needs the toxic-comment-classifier wheel from PyPI (skipped without it)."""
    from alignment_tax.scorers.bilstm import WHEEL_SPEC

    work = stage_dir(tmp_path, repo_root, comments, candidates=("tfidf_logreg", "profanity_check", "bilstm"))
    res = run_stage(work, repo_root)
    if res.returncode != 0 and f"cannot download {WHEEL_SPEC}" in res.stderr:
        pytest.skip(res.stderr.strip())
    assert res.returncode == 0, res.stderr
    m = json.loads((work / "metrics/scorers/toxicity.json").read_text())
    assert set(m["auc"]) == {"tfidf_logreg", "profanity_check", "bilstm"}
    assert m["chosen"] == max(m["auc"], key=m["auc"].get)
    assert m["auc"]["bilstm"] > 0.8  # a real classifier on real held-out comments, not chance
    art = work / "models/scorers/toxicity"
    assert sorted(p.name for p in (art / "bilstm").iterdir()) == ["bilstm.safetensors", "bilstm_tokenizer.json"]
    assert not list(art.rglob("*.pickle")) and not list(art.rglob("*.h5"))  # converted, not copied
    (art / tox.CHOICE_FILE).write_text(json.dumps({"chosen": "bilstm"}))
    assert tox.load_toxicity_scorer(scorers_cfg("offline_best"), art).name == "bilstm"
