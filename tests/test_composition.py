"""conf/ (Hydra, as `dvc exp run` composes it): every named configuration composes, validates and sets what
it names; params.yaml is the defaults' composition; a bad option or key is one line."""
import shutil
import subprocess
import sys

import pytest
import yaml

from alignment_tax import composition
from alignment_tax.config import load_params
from alignment_tax.errors import AlignmentTaxError

GROUPS = composition.groups()
CHOICES = [f"{g}={o}" for g, options in GROUPS.items() for o in options]


def test_the_groups_the_readme_names_exist():
    assert {"grid", "fidelity", "experiment"} <= set(GROUPS)
    assert {"tiny", "tiny_smollm2", "smollm2", "paper"} <= set(GROUPS["grid"])
    assert {"paper", "authors", "authors_hub"} <= set(GROUPS["fidelity"])
    assert {"default", "side_by_side", "smollm2_study", "paper_scale", "tldr_powered"} <= set(GROUPS["experiment"])
    assert composition.defaults() == {"grid": "tiny", "fidelity": "paper", "experiment": "default"}


def test_params_yaml_is_the_defaults_composition_byte_for_byte(repo_root):
    # what `dvc exp run` would write: a params.yaml edited by hand, or conf/ edited without composing, fails here
    assert (repo_root / "params.yaml").read_text(encoding="utf-8") == composition.compose_text([]), \
        "run python -m alignment_tax.composition"


@pytest.mark.parametrize("choice", CHOICES)
def test_every_option_composes_and_validates(tmp_path, choice):
    """The schema of every stage (check_params) accepts each option; the mirror path is resolved from the
    repository root, as in the root params.yaml."""
    out = tmp_path / "repo" / "params.yaml"
    out.parent.mkdir()
    out.write_text(composition.compose_text([choice]), encoding="utf-8")
    (tmp_path / "shared").symlink_to(composition.CONF_DIR.parent.parent / "shared")
    load_params(out)


def _get(tree, dotted):
    for part in dotted.split("."):
        tree = tree[part]
    return tree


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_each_option_changes_only_what_its_file_names(group):
    """A group option's file lists what it changes; nothing else of the defaults moves (an experiment may
    choose another grid: what that grid option changes comes with it)."""
    for option in GROUPS[group]:
        data = yaml.safe_load((composition.CONF_DIR / group / f"{option}.yaml").read_text(encoding="utf-8")) or {}
        named = set(composition.leaves({k: v for k, v in data.items() if k != "defaults"}))
        for entry in data.get("defaults", []):
            if isinstance(entry, dict):  # `override /grid: paper`
                for k, v in entry.items():
                    named |= {c.split("=", 1)[0] for c in composition.changed([f"{k.split('/')[-1]}={v}"])}
            elif entry != "_self_":  # another option of the same group (authors_hub includes authors)
                named |= {c.split("=", 1)[0] for c in composition.changed([f"{group}={entry}"])}
        for change in composition.changed([f"{group}={option}"]):
            key = change.split("=", 1)[0]
            assert key in named or any(key.startswith(n + ".") for n in named), (option, key)


def test_the_side_by_side_runs_both_models_at_the_powered_tldr_size():
    p = composition.compose(["experiment=side_by_side"])
    assert p["models"] == ["tiny", "smollm2_135m"]
    assert {"base", "contrastive", "self_debias", "instructive", "inlp_gender", "sentence_debias_gender",
            "cda_gender", "dpo"} <= set(p["methods"])
    powered = composition.compose(["experiment=tldr_powered"])
    assert p["data"]["tldr"]["eval_rows"] >= powered["data"]["tldr"]["eval_rows"] >= 335  # docs/scorers.md


def test_authors_hub_is_authors_plus_the_hub_choices():
    authors = dict(o.split("=", 1) for o in composition.changed(["fidelity=authors"]))
    hub = dict(o.split("=", 1) for o in composition.changed(["fidelity=authors_hub"]))
    assert authors.items() <= hub.items() and hub["benchmarks.truthfulqa.judge"] == '"hf"'
    assert composition.compose(["fidelity=authors"])["contrastive"]["denominator"] == "source"


def test_groups_combine_and_keys_override_them():
    p = composition.compose(["experiment=side_by_side", "fidelity=authors", "alpha=8"])
    assert p["alpha"] == 8 and p["contrastive"]["view"] == "post_and_target"
    assert p["models"] == ["tiny", "smollm2_135m"]
    # a group named on the command line wins over the experiment's own choice of it
    assert composition.compose(["experiment=side_by_side", "grid=smollm2"])["models"] == ["smollm2_135m"]


def test_the_paper_scale_experiment_alone_selects_every_hub_role(repo_root, monkeypatch):
    """The one choice of the paper's scale: its three models, and no role left on an offline stand-in."""
    from alignment_tax.hub import manifest as man
    from alignment_tax.rehearsal.settings import PAPER, as_overrides

    monkeypatch.chdir(repo_root)
    assert PAPER == composition.changed(["experiment=paper_scale"])  # the rehearsal runs it, not a copy
    cfg = load_params(repo_root / "params.yaml", as_overrides(PAPER))
    assert list(cfg.models) == ["gpt2_large", "phi2", "llama2_7b"] and cfg.data.source == "hub"
    for spec in (cfg.augment.low_confidence.model, cfg.augment.toxic.model, cfg.augment.mask_regen.fill_model):
        assert "/" in spec or spec == "gpt2-large", spec  # a Hub id, not a pipeline zoo key or the tiny LM
    assert cfg.scorers.toxicity.name == "hf" and cfg.scorers.faithfulness.name == "nli"
    assert cfg.benchmarks.truthfulqa.judge == "hf" and cfg.debias.corpus.source == "hub"
    roles = {r for e in man.manifest(cfg) for r in e.roles}
    assert {"model_zoo.gpt2_large", "model_zoo.phi2", "model_zoo.llama2_7b", "augment.low_confidence.model",
            "augment.toxic.model", "debias.corpus"} <= roles


def test_a_bad_option_is_one_line_naming_the_group():
    with pytest.raises(AlignmentTaxError, match=r"conf/experiment: no option 'side_by_sid' \(have: .*side_by_side"):
        composition.compose(["experiment=side_by_sid"])


def test_a_key_conf_does_not_have_is_refused_and_a_new_one_reaches_the_schema(tmp_path):
    with pytest.raises(AlignmentTaxError, match="alfa"):
        composition.compose(["alfa=8"])  # Hydra: not in struct (`+alfa=8` would append)
    out = tmp_path / "params.yaml"
    out.write_text(composition.compose_text(["+alfa=8", "data.source=hub"]), encoding="utf-8")
    with pytest.raises(AlignmentTaxError, match="alfa"):
        load_params(out)  # every stage's schema: unknown keys are errors


def test_an_unknown_key_in_a_conf_file_is_refused_by_the_schema(tmp_path):
    conf = tmp_path / "conf"
    shutil.copytree(composition.CONF_DIR, conf)
    (conf / "experiment" / "typo.yaml").write_text("# @package _global_\nbenchmarks:\n  truthfulqa:\n    rowz: 3\n")
    out = tmp_path / "params.yaml"
    out.write_text(composition.compose_text(["experiment=typo", "data.source=hub"], conf), encoding="utf-8")
    with pytest.raises(AlignmentTaxError, match="rowz"):
        load_params(out)


def test_the_command_writes_and_checks_params(tmp_path, repo_root):
    out = tmp_path / "params.yaml"
    run = [sys.executable, "-m", "alignment_tax.composition", "--output", str(out)]
    assert subprocess.run([*run, "--check"], capture_output=True).returncode == 1  # absent: not current
    assert subprocess.run([*run, "experiment=tldr_powered"], capture_output=True).returncode == 0
    assert yaml.safe_load(out.read_text())["data"]["tldr"]["eval_rows"] == 335
    assert subprocess.run([*run, "--check"], capture_output=True).returncode == 1  # not the defaults
    proc = subprocess.run([*run, "grid=nope"], capture_output=True, text=True)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1 and "conf/grid" in proc.stderr


def test_dvc_is_told_to_compose(repo_root):
    from dvc.repo import Repo

    with Repo(str(repo_root)) as repo:
        assert repo.config["hydra"]["enabled"] is True


@pytest.mark.parametrize("text, what", [
    ('# @package _global_\na: &a ["x","x"]\nb: &b [*a,*a]\nc: [*b,*b]\n', "anchors and aliases"),
    ("# @package _global_\nalpha: 1\nalpha: 2\n", "duplicate key 'alpha'"),
])
def test_conf_files_are_strict_yaml(tmp_path, text, what):
    """An alias bomb or a duplicate key in conf/ is refused at its file and line before Hydra reads it."""
    conf = tmp_path / "conf"
    shutil.copytree(composition.CONF_DIR, conf)
    (conf / "experiment" / "bad.yaml").write_text(text)
    with pytest.raises(AlignmentTaxError, match=rf"bad.yaml:\d+: .*{what}"):
        composition.compose_text(["experiment=default"], conf)
