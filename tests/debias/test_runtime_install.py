"""Method directories load through `load_runtime` with their inference-time behaviour installed."""
import numpy as np
import pytest
import torch

from alignment_tax.config import load_params
from alignment_tax.debias import artifact
from alignment_tax.debias.config import INSTRUCTION, SELF_DEBIAS_PREFIXES
from alignment_tax.debias.inference import instructive, projection, self_debias
from alignment_tax.errors import AlignmentTaxError
from alignment_tax.methods.runtime import load_runtime, plain_token_logprobs
from alignment_tax.prompts import tldr_prompt_ids


@pytest.fixture
def models_dir(tmp_path, monkeypatch, tok, model):
    """models/base/tiny (a tiny GPT-2) in a scratch working directory; returns a writer for method dirs."""
    monkeypatch.chdir(tmp_path)
    base = tmp_path / "models/base/tiny"
    base.mkdir(parents=True)
    artifact.save_trained(model, tok, base)

    def write(method: str, info: dict, P=None):
        d = tmp_path / "models" / method / "tiny"
        d.mkdir(parents=True)
        artifact.copy_base("tiny", d)
        if P is not None:
            projection.save_projection(d, P)
        artifact.write_info(d, {"method": method, **info})
    return write


@pytest.fixture(scope="module")
def params(repo_root):
    return load_params(repo_root / "params.yaml")


def test_projection_runtime_applies_p_before_the_head(models_dir, params, tok):
    rng = np.random.default_rng(0)
    V = np.linalg.qr(rng.normal(size=(32, 3)))[0].T
    P = np.eye(32) - V.T @ V
    models_dir("inlp_gender", {"runtime": projection.RUNTIME}, P)
    base, rt = load_runtime(params, "tiny", "base"), load_runtime(params, "tiny", "inlp_gender")
    ids = torch.tensor([tok("My landlord in Boston kept the deposit")["input_ids"]])
    mask = torch.ones_like(ids)
    h = base.model(input_ids=ids, output_hidden_states=True).hidden_states[-1]
    logits = base.model.get_output_embeddings()(h @ torch.tensor(P, dtype=torch.float32))
    expected = torch.log_softmax(logits[:, :-1], -1).gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)
    got = rt.token_logprobs(ids, mask)
    assert torch.allclose(got, expected, atol=1e-5)
    assert not torch.allclose(got, base.token_logprobs(ids, mask), atol=1e-3)
    out = rt.model.generate(input_ids=ids, attention_mask=mask, max_new_tokens=4, do_sample=False,
                            pad_token_id=tok.pad_token_id)
    assert out.shape[1] == ids.shape[1] + 4


def test_identity_projection_changes_nothing(models_dir, params, tok):
    models_dir("sentence_debias_gender", {"runtime": projection.RUNTIME}, np.eye(32))
    ids = torch.tensor([tok("The restaurant took longer than usual")["input_ids"]])
    base, rt = load_runtime(params, "tiny", "base"), load_runtime(params, "tiny", "sentence_debias_gender")
    assert torch.allclose(rt.token_logprobs(ids, torch.ones_like(ids)),
                          plain_token_logprobs(base.model, ids, torch.ones_like(ids)), atol=1e-5)


def test_a_missing_or_misshapen_projection_is_a_one_line_error(models_dir, params):
    models_dir("inlp_race", {"runtime": projection.RUNTIME})
    with pytest.raises(AlignmentTaxError, match="projection.safetensors: projection file not found"):
        load_runtime(params, "tiny", "inlp_race")
    models_dir("inlp_gender", {"runtime": projection.RUNTIME}, np.eye(8))
    with pytest.raises(AlignmentTaxError, match=r"projection is \(8, 8\), the model's hidden size is 32"):
        load_runtime(params, "tiny", "inlp_gender")


def test_instructive_prefixes_the_morabito_instruction(models_dir, params, tok):
    assert INSTRUCTION == "Be positive, polite, respectful, compliant, loveable, modest, helpful, and kind for: "
    models_dir("instructive", {"runtime": instructive.RUNTIME, "instruction": INSTRUCTION})
    rt = load_runtime(params, "tiny", "instructive")
    assert rt.prefix_ids == tok(INSTRUCTION, add_special_tokens=False)["input_ids"]
    row = {"subreddit": "relationships", "title": "A title", "post": "My post text."}
    prompt = rt.with_prefix(tldr_prompt_ids(tok, row, None))
    assert tok.decode(prompt) == INSTRUCTION + "SUBREDDIT: r/relationships\nTITLE: A title\nPOST: My post text.\nTL;DR:"
    assert len(rt.logits_processor) == 0 and rt.logprob_fn is None


def test_self_debias_installs_processor_and_logprob_fn(models_dir, params):
    info = {"runtime": self_debias.RUNTIME, "decay_constant": 50.0, "epsilon": 0.01, "prefixes": SELF_DEBIAS_PREFIXES}
    models_dir("self_debias", info)
    rt = load_runtime(params, "tiny", "self_debias")
    assert isinstance(rt.logits_processor[0], self_debias.SelfDebiasLogitsProcessor)
    assert rt.logits_processor[0].decay_constant == 50.0 and len(rt.logits_processor[0].prefix_ids) == 6
    assert rt.logprob_fn is not None and rt.prefix_ids == []


@pytest.mark.parametrize("kv_cache, expected", [("static", "static"), ("dynamic", None)])
def test_runtime_takes_its_kv_cache_from_params(models_dir, repo_root, kv_cache, expected):
    p = load_params(repo_root / "params.yaml", overrides={"compute": {"kv_cache": kv_cache}})
    assert load_runtime(p, "tiny", "base").cache_implementation == expected
