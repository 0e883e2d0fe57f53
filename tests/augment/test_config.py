"""params.yaml `augment:` section: paper defaults (Table 10) and one-line errors naming the key."""
import pytest

from alignment_tax.config import load_params
from alignment_tax.errors import AlignmentTaxError


def test_schema_defaults_are_table_10():
    from alignment_tax.augment.config import AugmentConfig

    a = AugmentConfig()  # the paper path; params.yaml shortens only what the CPU default cannot afford
    b = a.backtranslate
    assert (b.num_beams, b.temperature, b.pivots) == (5, 0.8, ["de", "fr", "es"])
    lc = a.low_confidence
    assert (lc.num_beams, lc.length_penalty, lc.max_input_tokens, lc.max_new_tokens, lc.confidence_threshold) == (
        8, 2.0, 512, 128, 0.21)
    t = a.toxic
    assert (t.num_return_sequences, t.temperature, t.top_p, t.repetition_penalty, t.threshold, t.max_new_tokens) == (
        3, 1.0, 0.95, 1.2, 0.4, 128)
    assert (a.entity_swap.max_variations, a.entity_swap.max_swaps) == (3, 2)
    assert (a.mask_regen.mask_ratio, a.mask_regen.top_k, a.mask_regen.temperature) == (0.15, 5, 0.7)


def test_repo_params_keep_the_method_parameters(repo_root):
    a = load_params(repo_root / "params.yaml").augment
    assert (a.low_confidence.num_beams, a.low_confidence.length_penalty, a.low_confidence.confidence_threshold) == (
        8, 2.0, 0.21)
    assert (a.toxic.num_return_sequences, a.toxic.top_p, a.toxic.repetition_penalty, a.toxic.threshold) == (
        3, 0.95, 1.2, 0.4)
    assert a.assemble.min_positives == 2 and all(a[k].enabled for k in a if k != "assemble")
    assert a.low_confidence.model == "tiny" and a.backtranslate.model == "lexical_paraphrase"


@pytest.mark.parametrize("override, key, words", [
    ({"toxic": {"threshold": 1.5}}, "augment.toxic.threshold", "(0, 1)"),
    ({"toxic": {"thresold": 0.5}}, "augment.toxic.thresold", "unknown key"),
    ({"low_confidence": {"num_beams": 1}}, "augment.low_confidence.num_beams", ">= 2"),
    ({"low_confidence": {"confidence_rule": "middle"}}, "augment.low_confidence.confidence_rule", "floor, ceiling"),
    ({"backtranslate": {"model": "google"}}, "augment.backtranslate.model", "lexical_paraphrase, marian"),
    ({"backtranslate": {"forward_id": "Helsinki-NLP/opus-mt-en-de"}}, "augment.backtranslate.forward_id", "{pivot}"),
    ({"backtranslate": {"pivots": []}}, "augment.backtranslate.pivots", "at least one"),
    ({"entity_swap": {"max_swaps": 0}}, "augment.entity_swap.max_swaps", ">= 1"),
    ({"mask_regen": {"mask_ratio": 0}}, "augment.mask_regen.mask_ratio", "(0, 1]"),
    ({"mask_regen": {"regen_model": "tiny"}}, "augment.mask_regen.regen_model", "seq2seq"),
    ({"mask_regen": {"regen_prompt": "no slot"}}, "augment.mask_regen.regen_prompt", "{text}"),
    ({"assemble": {"min_positives": 0}}, "augment.assemble.min_positives", ">= 1"),
    ({"toxic": {"enabled": "maybe"}}, "augment.toxic.enabled", "not a valid bool"),
])
def test_bad_augment_params_name_the_key(repo_root, override, key, words):
    with pytest.raises(AlignmentTaxError) as err:
        load_params(repo_root / "params.yaml", overrides={"augment": override})
    msg = str(err.value)
    assert msg.startswith(f"{repo_root / 'params.yaml'}: {key}: ") and words in msg and "\n" not in msg


def test_contrastive_source_default_is_augmented(repo_root):
    p = load_params(repo_root / "params.yaml")
    assert p.contrastive.source == "augmented"
    other = load_params(repo_root / "params.yaml", overrides={"contrastive": {"source": "reference_and_title"}})
    assert other.contrastive.source == "reference_and_title"
