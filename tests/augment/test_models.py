"""Generation helpers: the shared prompt cache changes nothing but speed; a Hub id offline is one line."""
import pytest
import torch

from alignment_tax.augment.models import causal_batches, load_causal, load_masked_lm, newline_token_ids
from alignment_tax.errors import AlignmentTaxError
from tests.helpers import SENTENCES, tiny_model, tiny_tokenizer


@pytest.fixture(scope="module")
def lm():
    tok = tiny_tokenizer()
    return tiny_model(tok, seed=6).eval(), tok


def run(model, tok, prompts, reuse, seed=0, **gen):
    torch.manual_seed(seed)
    return {tuple(idx): out for idx, out, _ in causal_batches(model, tok, prompts, 2, "t", reuse_prefix=reuse, **gen)}


@pytest.mark.parametrize("gen", [
    dict(num_beams=4, num_return_sequences=4, length_penalty=2.0, max_new_tokens=6, output_scores=True,
         return_dict_in_generate=True),
    dict(do_sample=True, num_return_sequences=3, top_p=0.95, top_k=0, max_new_tokens=6),
])
def test_prompt_cache_reuse_gives_the_same_outputs(lm, gen):
    model, tok = lm
    prompts = [tok(s)["input_ids"][:n] for s, n in zip(SENTENCES[:5], (3, 9, 5, 12, 7))]
    a, b = run(model, tok, prompts, True, **gen), run(model, tok, prompts, False, **gen)
    assert a.keys() == b.keys() and len(a) == 3  # length-sorted batches of 2
    for k in a:
        if gen.get("return_dict_in_generate"):
            assert torch.equal(a[k].sequences, b[k].sequences)
            assert torch.allclose(a[k].sequences_scores, b[k].sequences_scores, atol=1e-5)
        else:
            assert torch.equal(a[k], b[k])


def test_newline_tokens(lm):
    _, tok = lm
    ids = newline_token_ids(tok)
    assert ids and all("\n" in tok.decode([i]) for i in ids)
    assert tok("a\nb", add_special_tokens=False)["input_ids"][1] in ids


def test_unloadable_hub_id_is_one_line_naming_the_key(tmp_path, monkeypatch):
    from alignment_tax.hub.pins import LOCK_ENV, write_lock

    with pytest.raises(AlignmentTaxError, match=r"^params\.yaml: augment\.toxic\.model: .*no pinned commit for model "
                                                r"'no-such-org/no-such-model' \(run: python -m alignment_tax\.hub pin"):
        load_causal("no-such-org/no-such-model", "augment.toxic.model")
    write_lock({"models": {"no-such-org/no-such-model": {"revision": "main", "commit": "c" * 40}}, "datasets": {}},
               tmp_path / "lock.json")
    monkeypatch.setenv(LOCK_ENV, str(tmp_path / "lock.json"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    with pytest.raises(AlignmentTaxError) as err:
        load_causal("no-such-org/no-such-model", "augment.toxic.model")
    msg = str(err.value)
    assert msg.startswith("params.yaml: augment.toxic.model: cannot load the tokenizer of 'no-such-org/no-such-model'")
    assert "\n" not in msg
    with pytest.raises(AlignmentTaxError, match="augment.mask_regen.fill_model"):
        load_masked_lm("no-such-org/no-such-model", "augment.mask_regen.fill_model")
