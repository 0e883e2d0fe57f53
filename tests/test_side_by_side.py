"""configs/side_by_side.args (docs/smollm2.md) is a valid set of params overrides for this params.yaml."""
from pathlib import Path

from omegaconf import OmegaConf

from alignment_tax.config import load_params

ROOT = Path(__file__).resolve().parents[1]


def overrides() -> list[str]:
    lines = [ln.strip() for ln in (ROOT / "configs/side_by_side.args").read_text().splitlines() if ln.strip()]
    assert all(ln.startswith("-S") and " " not in ln for ln in lines)  # one xargs token per line
    return [ln[2:] for ln in lines]


def test_side_by_side_overrides_validate_and_run_both_models():
    dotlist = [o for o in overrides() if not o.startswith("data.source=")]  # the mirror is beside the repo
    p = load_params(ROOT / "params.yaml", OmegaConf.to_container(OmegaConf.from_dotlist(dotlist)))
    assert list(p.models) == ["tiny", "smollm2_135m"]
    required = {"base", "contrastive", "self_debias", "instructive", "inlp_gender", "sentence_debias_gender",
                "cda_gender", "dpo"}
    assert required <= set(p.methods)
    assert p.model_zoo.smollm2_135m.build == "smollm2_gguf"


def test_side_by_side_evaluates_as_many_tldr_posts_as_the_power_calculation_asks():
    """docs/scorers.md: n = 335 posts detect a 0.05 difference in toxicity or faithfulness (the powered preset)."""
    import yaml

    powered = yaml.safe_load((ROOT / "configs/presets/tldr_powered.yaml").read_text())
    dotlist = [o for o in overrides() if not o.startswith("data.source=")]
    p = load_params(ROOT / "params.yaml", OmegaConf.to_container(OmegaConf.from_dotlist(dotlist)))
    assert p.data.tldr.eval_rows >= powered["data"]["tldr"]["eval_rows"] >= 335
