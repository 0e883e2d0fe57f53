"""Named presets (configs/presets): every key reaches params through DVC's own -S code and validates."""
import shlex
import shutil

import pytest
import yaml

from alignment_tax import presets
from alignment_tax.config import load_params
from alignment_tax.errors import AlignmentTaxError

COMBOS = [["authors"], ["authors_hub"], ["authors", "authors_hub"], ["paper_scale"]]


def _get(cfg, dotted):
    for part in dotted.split("."):
        cfg = cfg[part]
    return cfg


@pytest.mark.parametrize("names", COMBOS, ids=["+".join(c) for c in COMBOS])
def test_preset_applied_by_dvc_overrides_validates_and_sets_every_key(repo_root, tmp_path, monkeypatch, names):
    monkeypatch.chdir(repo_root)
    params = tmp_path / "params.yaml"
    shutil.copy(repo_root / "params.yaml", params)
    presets.apply(params, names)
    cfg = load_params(params)  # the schema and range checks of every stage
    for name in names:
        for key, want in presets.flatten(presets.load(name)).items():
            got = _get(cfg, key)
            assert (got == pytest.approx(want) if isinstance(want, float) else got == want), (name, key, got)
    untouched = yaml.safe_load((repo_root / "params.yaml").read_text())
    assert untouched["seed"] == cfg.seed  # what no preset names stays as params.yaml has it
    if not any("models" in presets.load(n) for n in names):
        assert list(cfg.models) == untouched["models"]


def test_the_paper_scale_preset_alone_selects_every_hub_role(repo_root, monkeypatch):
    """The one choice of the paper's scale: its three models, and no role left on an offline stand-in."""
    from alignment_tax.hub import manifest as man
    from alignment_tax.rehearsal.settings import PAPER, as_overrides

    monkeypatch.chdir(repo_root)
    assert PAPER == presets.overrides(["paper_scale"])  # the rehearsal runs the preset itself, not a copy
    cfg = load_params(repo_root / "params.yaml", as_overrides(PAPER))
    assert list(cfg.models) == ["gpt2_large", "phi2", "llama2_7b"] and cfg.data.source == "hub"
    for spec in (cfg.augment.low_confidence.model, cfg.augment.toxic.model, cfg.augment.mask_regen.fill_model):
        assert "/" in spec or spec == "gpt2-large", spec  # a Hub id, not a pipeline zoo key or the tiny LM
    assert cfg.scorers.toxicity.name == "hf" and cfg.scorers.faithfulness.name == "nli"
    assert cfg.benchmarks.truthfulqa.judge == "hf" and cfg.debias.corpus.source == "hub"
    roles = {r for e in man.manifest(cfg) for r in e.roles}
    assert {"model_zoo.gpt2_large", "model_zoo.phi2", "model_zoo.llama2_7b", "augment.low_confidence.model",
            "augment.toxic.model", "debias.corpus"} <= roles


def test_printed_flags_are_the_overrides_once_the_shell_splits_them(repo_root, monkeypatch, capsys):
    monkeypatch.chdir(repo_root)
    monkeypatch.setattr("sys.argv", ["presets", "authors"])
    presets.main()
    words = shlex.split(capsys.readouterr().out)
    assert words[0::2] == ["-S"] * (len(words) // 2)
    assert words[1::2] == presets.overrides(["authors"])
    assert 'augment.low_confidence.prompt_template="Summarize this text:\n{post}\nSummary:"' in words


def test_the_authors_preset_switches_no_hub_model(repo_root, monkeypatch):
    """It must run in the tiny offline graph: model ids and the judge stay as params.yaml has them."""
    monkeypatch.chdir(repo_root)
    keys = presets.flatten(presets.load("authors"))
    assert not any(k.endswith(("model", "_id", "judge")) for k in keys)


def test_later_presets_win_and_bad_presets_are_named(repo_root, tmp_path, monkeypatch):
    monkeypatch.chdir(repo_root)
    (tmp_path / "a.yaml").write_text("alpha: 2.0\nseed: 1\n")
    (tmp_path / "b.yaml").write_text("alpha: 8.0\n")
    assert presets.overrides(["a", "b"], tmp_path) == ["seed=1", "alpha=8.0"]
    with pytest.raises(AlignmentTaxError, match=r"nope.yaml: no such preset"):
        presets.overrides(["nope"], tmp_path)
    (tmp_path / "bad.yaml").write_text("augment:\n  low_confidense: {num_beams: 3}\n")
    params = tmp_path / "params.yaml"
    shutil.copy(repo_root / "params.yaml", params)
    with pytest.raises(AlignmentTaxError, match=r"preset bad: "):
        presets.apply(params, ["bad"], tmp_path)
