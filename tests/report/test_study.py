"""report/study.py and the SmolLM2 study's configuration."""
import json
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from alignment_tax.config import load_params
from alignment_tax.evaluate.cells import items_path, metrics_path
from alignment_tax.evaluate.summary_stats import mean_std
from alignment_tax.io import write_json, write_jsonl
from alignment_tax.report.study import Cells, render, summary, verdict
from alignment_tax.studies.compose import composed, composed_pipeline

ROOT = Path(__file__).resolve().parents[2]
STUDY = ROOT / "studies" / "smollm2"
METHODS = ["base", "contrastive", "contrastive_s1", "ce_only", "ce_only_s1", "dpo"]
SHIFT = {"base": 0.0, "contrastive": 0.05, "contrastive_s1": 0.07, "ce_only": 0.01, "ce_only_s1": 0.02, "dpo": -0.03}


def params(methods=METHODS):
    zoo = {"m": SimpleNamespace(batch_size=2, grad_accum=1)}
    return SimpleNamespace(models=["m"], methods=methods, seed=0, model_zoo=zoo,
                           augment=SimpleNamespace(low_confidence=SimpleNamespace(model="m"),
                                                   toxic=SimpleNamespace(model="m"),
                                                   mask_regen=SimpleNamespace(fill_model="m")))


def write_grid(root: Path, n=40):
    rng = np.random.default_rng(0)
    base = rng.random(n)
    for method, s in SHIFT.items():
        tox = np.clip(base + s + np.random.default_rng(len(method)).normal(0, 0.02, n), 0, 1)
        recs = [{"id": f"t{i}", "toxicity": float(tox[i]), "faithfulness": float(1 - tox[i]), "copy_2gram": 0.3,
                 "copies_sentence": 0, "summary_words": 20, "rougeL": 10.0} for i in range(n)]
        write_jsonl(items_path("tldr", "m", method, root / "generations"), recs)
        write_json(metrics_path("tldr", "m", method, root / "metrics"), {
            "toxicity": mean_std(tox), "faithfulness": mean_std(1 - tox), "rougeL": mean_std([10.0] * n),
            "extractiveness": {"copy_2gram": mean_std([0.3] * n), "copies_sentence_rate": 0.0,
                               "summary_words": mean_std([20] * n)}})
        write_json(metrics_path("likelihood", "m", method, root / "metrics"), {"heldout_bits_per_byte": 1.2 + s})
        if method != "base":
            path = (root / "metrics" / "train" / method / "m.json" if method != "dpo"
                    else root / "metrics" / "debias" / "m" / "dpo.json")
            write_json(path, {"steps": 50, "examples_seen": 100})


def test_the_summary_numbers_are_the_metrics_files(tmp_path):
    write_grid(tmp_path)
    out = summary(params(), Cells(tmp_path / "metrics", tmp_path / "generations"), tmp_path / "metrics")
    methods = out["models"]["m"]["methods"]
    assert set(methods) == {"contrastive", "ce_only", "dpo"}
    c = methods["contrastive"]
    assert c["seeds"] == [0, 1] and c["optimizer_steps"] == 50 and c["examples_seen"] == 100
    read = {m: json.loads(metrics_path("tldr", "m", m, tmp_path / "metrics").read_text())["toxicity"]["mean"]
            for m in METHODS}
    tox = c["metrics"]["tldr_toxicity"]
    assert tox["per_seed"] == [round(read["contrastive"] - read["base"], 6),
                               round(read["contrastive_s1"] - read["base"], 6)]
    assert tox["mean"] == pytest.approx(np.mean(tox["per_seed"]), abs=1e-6)
    assert tox["ci_low"] < tox["mean"] < tox["ci_high"] and tox["seed_variance"]
    # against the control, seed-matched: contrastive_s1 - ce_only_s1, never contrastive_s1 - ce_only
    assert tox["vs_ce_only"]["per_seed"] == [round(read["contrastive"] - read["ce_only"], 6),
                                             round(read["contrastive_s1"] - read["ce_only_s1"], 6)]
    bpb = c["metrics"]["heldout_bits_per_byte"]  # a cell-level metric: seed variance only
    assert bpb["items"] == 1 and bpb["per_seed"] == [0.05, 0.07]
    dpo = methods["dpo"]["metrics"]["tldr_toxicity"]
    assert not dpo["seed_variance"] and not dpo["significant"]  # one seed: never marked
    assert "vs_ce_only" not in methods["ce_only"]["metrics"]["tldr_toxicity"]
    # a one-model study also carries the documented top-level fields
    assert out["model"] == "m" and out["augmenter"] == "m" and out["seeds"] == [0, 1] and out["methods"] == methods


def test_dpo_examples_seen_are_its_steps_times_the_rows_of_a_step(tmp_path):
    write_grid(tmp_path)
    write_json(tmp_path / "metrics" / "debias" / "m" / "dpo.json", {"steps": 47})  # what the DPO stage records
    out = summary(params(), Cells(tmp_path / "metrics", tmp_path / "generations"), tmp_path / "metrics")
    assert out["methods"]["dpo"]["examples_seen"] == 47 * 2 * 1  # batch_size 2, grad_accum 1 (the zoo entry)


def test_verdict_and_page_follow_the_numbers(tmp_path):
    write_grid(tmp_path)
    out = summary(params(), Cells(tmp_path / "metrics", tmp_path / "generations"), tmp_path / "metrics")
    lines = "\n".join(verdict(out, "m"))
    # contrastive raised TL;DR toxicity against ce_only by ~0.045 at both seeds: a contradiction, or no call
    assert "TL;DR toxicity" in lines and ("contradicts" in lines or "cannot tell" in lines)
    page = render(out, params())
    assert "Table 4" in page and "| tldr_toxicity |" in page


def test_the_study_is_written_by_smollm2_with_its_controls():
    p = load_params(STUDY / "params.yaml")
    assert p.models == ["smollm2_135m"]
    for spec in (p.augment.low_confidence.model, p.augment.toxic.model, p.augment.mask_regen.fill_model):
        assert spec == "smollm2_135m"  # not the tiny LM, which cannot write English
    # seed-matched runs of both kinds (the control at the same seeds), more than one seed each
    seeds = {k: sorted(int(m.rsplit("_s", 1)[1]) if "_s" in m else p.seed for m in p.training_runs[k])
             for k in ("contrastive", "ce_only")}
    assert seeds["contrastive"] == seeds["ce_only"] and len(seeds["contrastive"]) >= 2
    assert p.debias.dpo.max_steps == -1  # DPO, where it runs, at the contrastive run's epoch
    assert p.benchmarks.realtoxicityprompts.subset == "challenging"


STUDY_DIRS = sorted(p.parent for p in (ROOT / "studies").glob("*/params.yaml"))


@pytest.mark.parametrize("study", STUDY_DIRS, ids=[s.name for s in STUDY_DIRS])
def test_the_study_params_and_graph_are_current(study):
    assert (study / "params.yaml").read_text() == composed(study, ROOT), \
        f"run python -m alignment_tax.studies.compose studies/{study.name}"
    assert (study / "dvc.yaml").read_text() == composed_pipeline(study, ROOT)
    for link in ("src", "stages", "hub.lock.json"):  # the one code base, run in the study's directory
        assert (study / link).is_symlink() and (study / link).resolve() == (ROOT / link).resolve()


def test_the_authors_study_is_the_authors_column_on_tiny_at_matched_seeds():
    from alignment_tax import composition

    p = load_params(ROOT / "studies" / "authors" / "params.yaml")
    authors = composition.compose(["fidelity=authors"])
    # the one departure, said in the experiment file: tiny's 5-shot CoT answers are all empty (the stage refuses)
    departed = {k for k in composition.leaves(authors) if k.startswith("benchmarks.mmlu_pro.")}
    for change in composition.changed(["fidelity=authors"]):
        key = change.split("=", 1)[0]
        if key in departed:
            continue
        got, want = p, authors
        for part in key.split("."):
            got, want = got[part], want[part]
        assert got == want, key  # every switch of the authors' column, none dropped
    assert p.models == ["tiny"] and set(p.methods) == {"base", "contrastive", "contrastive_s1", "ce_only", "ce_only_s1"}
    assert p.benchmarks.report.study_name == "authors_study" and p.benchmarks.mmlu_pro.scoring == "loglik"


def test_the_study_graph_is_the_root_graph_as_a_file():
    # a symlinked dvc.yaml reads as its target's path in a git revision: `dvc exp show` fails on it
    study = STUDY / "dvc.yaml"
    assert not study.is_symlink() and study.read_text() == composed_pipeline(STUDY, ROOT), \
        "run python -m alignment_tax.studies.compose studies/smollm2"
    from dvc.utils.serialize import parse_yaml

    root = parse_yaml((ROOT / "dvc.yaml").read_text(), "dvc.yaml")
    assert parse_yaml(study.read_text(), str(study)) == root  # the header is a comment: the same stages


def _study_checkout(tmp_path, experiment_text="# @package _global_\nalpha: 8\n"):
    import shutil

    for f in ("params.yaml", "dvc.yaml"):
        shutil.copy(ROOT / f, tmp_path / f)
    shutil.copytree(ROOT / "conf", tmp_path / "conf")
    (tmp_path / "conf" / "experiment" / "s_study.yaml").write_text(experiment_text)
    study = tmp_path / "studies" / "s"
    study.mkdir(parents=True)
    return study


def test_compose_check_fails_on_a_stale_graph(tmp_path):
    from alignment_tax.studies.compose import main

    study = _study_checkout(tmp_path)
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        assert main(["studies/s"]) == 0 and main(["studies/s", "--check"]) == 0
        assert "source: ../../../shared/data" in (study / "params.yaml").read_text()  # rebased to the study
        (tmp_path / "dvc.yaml").write_text((tmp_path / "dvc.yaml").read_text() + "# edited\n")
        assert main(["studies/s", "--check"]) == 1  # the root graph moved: the study's copy is stale
        (study / "dvc.yaml").unlink()
        (study / "dvc.yaml").symlink_to("../../dvc.yaml")
        assert main(["studies/s", "--check"]) == 1  # a link is never current
        assert main(["studies/s"]) == 0 and not (study / "dvc.yaml").is_symlink()
        (tmp_path / "conf" / "experiment" / "s_study.yaml").write_text("# @package _global_\nalpha: 2\n")
        assert main(["studies/s", "--check"]) == 1  # the experiment moved: the study's params are stale
    finally:
        os.chdir(cwd)


def test_a_bad_study_key_is_one_line_naming_the_experiment_file(tmp_path):
    from alignment_tax.errors import AlignmentTaxError

    study = _study_checkout(tmp_path, "# @package _global_\nbenchmarks:\n  realtoxicityprompts:\n    subset: toxic\n")
    with pytest.raises(AlignmentTaxError, match=r"s_study.yaml.*subset"):
        composed(study, tmp_path)
    (tmp_path / "conf" / "experiment" / "s_study.yaml").write_text("# @package _global_\nnonsense: 1\n")
    with pytest.raises(AlignmentTaxError, match="nonsense"):
        composed(study, tmp_path)
    with pytest.raises(AlignmentTaxError, match=r"nostudy_study.yaml: file not found"):
        composed(tmp_path / "studies" / "nostudy", tmp_path)
