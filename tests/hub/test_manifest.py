"""`python -m alignment_tax.hub manifest/pin/download`: what the params need, pinned once, fetched exactly."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from alignment_tax.config import load_params
from alignment_tax.errors import AlignmentTaxError
from alignment_tax.hub import manifest as man
from alignment_tax.hub.pins import LOCK_ENV, read_lock, write_lock
from alignment_tax.rehearsal.settings import PAPER, as_overrides

DATASETS = {"CarperAI/openai_summarize_tldr", "truthfulqa/truthful_qa", "allenai/real-toxicity-prompts",
            "TIGER-Lab/MMLU-Pro", "tdavidson/hate_speech_offensive", "google/civil_comments"}
PAPER_MODELS = {"gpt2-large", "microsoft/phi-2", "meta-llama/Llama-2-7b-hf", "EleutherAI/gpt-neo-2.7B",
                "FacebookAI/roberta-large", "google/flan-t5-large", "unitary/toxic-bert",
                "MoritzLaurer/DeBERTa-v3-base-mnli-fever-anli", "allenai/truthfulqa-truth-judge-llama2-7b",
                "allenai/truthfulqa-info-judge-llama2-7b",
                *(f"Helsinki-NLP/opus-mt-{a}-{b}" for p in ("de", "fr", "es") for a, b in (("en", p), (p, "en")))}


@pytest.fixture
def lock(tmp_path, monkeypatch):
    path = tmp_path / "hub.lock.json"
    monkeypatch.setenv(LOCK_ENV, str(path))
    return path


HUB = {"data": {"source": "hub"}}  # the paper path's data (committed params read the mirror beside the repository)


def hub_params_file(repo_root, tmp_path):
    """params.yaml with data.source: hub, for the CLI's --params."""
    import yaml

    params = yaml.safe_load((repo_root / "params.yaml").read_text())
    params["data"]["source"] = "hub"
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


def ids(entries, kind):
    return {e.repo_id for e in entries if e.kind == kind}


def test_committed_params_need_nothing_from_the_hub(repo_root, lock):
    assert man.manifest(load_params(repo_root / "params.yaml")) == []  # the mirror, the tiny LM, offline scorers


def test_hub_data_needs_only_the_hub_datasets(repo_root, lock):
    entries = man.manifest(load_params(repo_root / "params.yaml", HUB))
    assert ids(entries, "datasets") == DATASETS and ids(entries, "models") == set()
    tqa = next(e for e in entries if e.repo_id == "truthfulqa/truthful_qa")
    assert tqa.configs == ["generation", "multiple_choice"] and tqa.revision == "main" and tqa.commit is None


def test_paper_settings_need_every_model_role(repo_root, lock):
    entries = man.manifest(load_params(repo_root / "params.yaml", as_overrides(PAPER + ["debias.corpus.source=hub"])))
    assert ids(entries, "models") == PAPER_MODELS
    assert ids(entries, "datasets") == DATASETS | {"wikimedia/wikipedia"}
    roles = {e.repo_id: e.roles for e in entries}
    # gpt2-large is both a grid model and the inverse-beam-search LM: one entry, both roles
    assert roles["gpt2-large"] == ["model_zoo.gpt2_large", "augment.low_confidence.model"]
    assert roles["wikimedia/wikipedia"] == ["debias.corpus"]
    assert next(e for e in entries if e.repo_id == "wikimedia/wikipedia").configs == ["20231101.en"]


@pytest.mark.parametrize("extra, gone", [
    (["augment.backtranslate.enabled=false"], {f"Helsinki-NLP/opus-mt-{a}-{b}" for p in ("de", "fr", "es")
                                               for a, b in (("en", p), (p, "en"))}),
    (["augment.backtranslate.pivots=[de]"], {f"Helsinki-NLP/opus-mt-{a}-{b}" for p in ("fr", "es")
                                             for a, b in (("en", p), (p, "en"))}),
    (["augment.mask_regen.regen_model=none"], {"google/flan-t5-large"}),
    (["augment.mask_regen.enabled=false"], {"google/flan-t5-large", "FacebookAI/roberta-large"}),
    (["scorers.toxicity.name=tfidf_logreg", "benchmarks.truthfulqa.judge=none"],
     {"unitary/toxic-bert", "allenai/truthfulqa-truth-judge-llama2-7b", "allenai/truthfulqa-info-judge-llama2-7b"}),
    (["models=[gpt2_large]"], {"microsoft/phi-2", "meta-llama/Llama-2-7b-hf"}),
    # the pipeline's own LM as the toxic augmenter: it must then be in the grid (its base stage builds it)
    (["models=[tiny,gpt2_large,phi2,llama2_7b]", "augment.toxic.model=tiny", "scorers.faithfulness.name=entity_support"],
     {"EleutherAI/gpt-neo-2.7B", "MoritzLaurer/DeBERTa-v3-base-mnli-fever-anli"}),
])
def test_offline_settings_drop_their_roles(repo_root, lock, extra, gone):
    entries = man.manifest(load_params(repo_root / "params.yaml", as_overrides(PAPER + extra)))
    assert ids(entries, "models") == PAPER_MODELS - gone


def test_mirror_source_needs_no_dataset(repo_root, lock):
    entries = man.manifest(load_params(repo_root / "params.yaml", {"data": {"source": "../shared/data"}}))
    assert entries == []


def test_zoo_revision_and_lock_commit_are_reported(repo_root, lock):
    write_lock({"models": {"gpt2-large": {"revision": "v1", "commit": "1" * 40}}, "datasets": {}}, lock)
    params = load_params(repo_root / "params.yaml", as_overrides(
        ["models=[tiny,gpt2_large]", "model_zoo.gpt2_large.revision=v1", "data.source=../shared/data"]))
    (e,) = man.manifest(params)
    assert (e.repo_id, e.revision, e.commit, e.roles) == ("gpt2-large", "v1", "1" * 40, ["model_zoo.gpt2_large"])


def test_malformed_lock_is_one_line(tmp_path, lock):
    lock.write_text('{"models": {"gpt2": {"commit": "main"}}}')
    with pytest.raises(AlignmentTaxError, match=r"hub\.lock\.json: models\.gpt2: 'commit' must be a 40-hex"):
        read_lock()


def fake_cache(root, kind, repo_id, commit):
    folder = root / f"{kind}--{repo_id.replace('/', '--')}"
    (folder / "snapshots" / commit).mkdir(parents=True)
    (folder / "refs").mkdir()
    (folder / "refs" / "main").write_text(commit)


def run_hub(repo_root, tmp_path, *args, **env):
    import os

    return subprocess.run([sys.executable, "-m", "alignment_tax.hub", "--params",
                           str(hub_params_file(repo_root, tmp_path)), *args], cwd=tmp_path, capture_output=True, text=True,
                          env=dict(os.environ, **env))


def test_pin_offline_reads_the_cache_refs_then_download_fetches_exactly_those(repo_root, tmp_path, lock):
    cache = tmp_path / "cache"
    commits = {d: f"{i:x}" * 40 for i, d in enumerate(sorted(DATASETS), start=1)}
    for d, c in commits.items():
        fake_cache(cache, "datasets", d, c[:40])
    proc = run_hub(repo_root, tmp_path, "pin", HF_HUB_OFFLINE="1", HF_HUB_CACHE=str(cache))
    assert proc.returncode == 0, proc.stderr
    pinned = json.loads(lock.read_text())["datasets"]
    assert {k: v["commit"] for k, v in pinned.items()} == {d: c[:40] for d, c in commits.items()}
    proc = run_hub(repo_root, tmp_path, "manifest", "--json", HF_HUB_OFFLINE="1", HF_HUB_CACHE=str(cache))
    assert {e["id"]: e["commit"] for e in json.loads(proc.stdout)} == {d: c[:40] for d, c in commits.items()}
    # a second pin resolves nothing: the recorded commits stand until --refresh
    (cache / "datasets--google--civil_comments" / "refs" / "main").write_text("f" * 40)
    proc = run_hub(repo_root, tmp_path, "pin", HF_HUB_OFFLINE="1", HF_HUB_CACHE=str(cache))
    assert "0 pinned, 6 already pinned" in proc.stdout
    assert json.loads(lock.read_text())["datasets"]["google/civil_comments"]["commit"] == commits[
        "google/civil_comments"][:40]


def test_pin_of_an_uncached_id_offline_is_one_line(repo_root, tmp_path, lock):
    proc = run_hub(repo_root, tmp_path, "pin", HF_HUB_OFFLINE="1", HF_HUB_CACHE=str(tmp_path / "empty"))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("error: hub pin: cannot resolve dataset 'CarperAI/openai_summarize_tldr'")
    assert not lock.exists()


def test_download_is_snapshot_download_of_the_pinned_commits(repo_root, tmp_path, lock, monkeypatch):
    import huggingface_hub

    from alignment_tax.hub.__main__ import main

    params = hub_params_file(repo_root, tmp_path)
    with pytest.raises(SystemExit):  # nothing pinned: refused, naming the pin command
        main(["--params", str(params), "download"])
    write_lock({"models": {}, "datasets": {d: {"revision": "main", "commit": "a" * 40} for d in DATASETS}}, lock)
    calls = []
    monkeypatch.setattr(huggingface_hub, "snapshot_download", lambda repo_id, **kw: calls.append((repo_id, kw)) or "x")
    main(["--params", str(params), "download", "--cache", str(tmp_path / "c")])
    assert {c[0] for c in calls} == DATASETS
    for _, kw in calls:
        assert kw["revision"] == "a" * 40 and kw["repo_type"] == "dataset" and kw["cache_dir"] == str(tmp_path / "c")
        assert "README.md" in kw["allow_patterns"] and "*.parquet" in kw["allow_patterns"]


def test_model_download_patterns_skip_pickles():
    from fnmatch import fnmatch

    from alignment_tax.hub.loader import MODEL_FILES

    def fetched(name):
        return any(fnmatch(name, p) for p in MODEL_FILES)

    assert all(fetched(f) for f in ("model-00001-of-00002.safetensors", "model.safetensors.index.json", "config.json",
                                    "tokenizer.json", "vocab.json", "merges.txt", "spiece.model", "source.spm",
                                    "tokenizer.model", "vocab.txt"))
    assert not any(fetched(f) for f in ("pytorch_model.bin", "tf_model.h5", "flax_model.msgpack", "model.onnx"))
