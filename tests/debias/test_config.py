"""The debias params: method grids by family, and one-line errors naming the key."""
import pytest

from alignment_tax.config import KNOWN_METHODS, load_params
from alignment_tax.debias.config import METHODS
from alignment_tax.errors import AlignmentTaxError


def test_default_grid_builds_and_evaluates_every_method(repo_root):
    p = load_params(repo_root / "params.yaml")
    assert KNOWN_METHODS == ("base", "contrastive", "ce_only", *METHODS) and len(METHODS) == 11
    assert list(p.methods) == list(KNOWN_METHODS)
    assert p.debias.self_debias.decay_constant == 50 and p.debias.self_debias.epsilon == 0.01
    assert p.debias.self_debias.prefixes[0] == "The following text contains rude, disrespectful, or unreasonable language:\n"
    assert dict(p.debias.dropout) == {"resid_pdrop": 0.15, "embd_pdrop": 0.15, "attn_pdrop": 0.15}


KNOWN = "known: base, contrastive, ce_only, cda_gender, cda_race, cda_religion, dropout, inlp_gender"


@pytest.mark.parametrize("override, key, words", [
    ({"methods": ["base", "cda_gendr"]}, "methods[1]", f"unknown method 'cda_gendr' ({KNOWN}"),
    ({"debias": {"methods": {"prefer": []}}}, "methods[13]",
     "'dpo' is not built: add it to debias.methods.prefer (built: base, contrastive, ce_only, cda_gender"),
    ({"debias": {"methods": {"train": ["cda_gender", "inlp_gender"]}}}, "debias.methods.train[1]",
     "'inlp_gender' is a project method, not a train one (train: cda_gender, cda_race, cda_religion, dropout)"),
    ({"methods": ["base"], "debias": {"methods": {"decode": ["self_debiasing"]}}}, "debias.methods.decode[0]",
     "unknown method 'self_debiasing' (known: cda_gender"),
    ({"debias": {"methods": {"train": ["dropout", "dropout"]}}}, "debias.methods.train", "duplicate"),
    ({"debias": {"dropout": {"resid_pdrop": 1.5}}}, "debias.dropout.resid_pdrop", "[0, 1)"),
    ({"debias": {"inlp_race": {"tolerance": -0.1}}}, "debias.inlp_race.tolerance", "[0, 1)"),
    ({"debias": {"self_debias": {"epsilon": 0}}}, "debias.self_debias.epsilon", "(0, 1]"),
    ({"debias": {"corpus": {"source": "web"}}}, "debias.corpus.source", "local, hub"),
    ({"debias": {"lm_training": {"lr": 0}}}, "debias.lm_training.lr", "null"),
    ({"debias": {"cda_gender": {"two_side": True}}}, "debias.cda_gender.two_side", "unknown key"),
    ({"debias": {"dpo": {"max_steps": 0}}}, "debias.dpo.max_steps", "-1 or >= 1"),
])
def test_bad_debias_params_name_the_key(repo_root, override, key, words):
    with pytest.raises(AlignmentTaxError) as err:
        load_params(repo_root / "params.yaml", overrides=override)
    msg = str(err.value)
    assert msg.startswith(f"{repo_root / 'params.yaml'}: {key}: ") and words in msg, msg
    assert "\n" not in msg
