"""lm_pmi and minilm_support on real mirror rows: degenerate controls score below real summaries."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from alignment_tax.scorers.validate import GENERIC, controls, load_samples

SMOLLM2_DIR = Path("models/base/smollm2_135m")


@pytest.fixture(scope="module")
def rows(shared_data):
    posts, by_system = load_samples(shared_data / "tldr/instructgpt_tldr_samples.csv")
    n = 6
    posts, refs = posts[:n], by_system["reference"][:n]
    return posts, refs, controls(posts, refs)


def _word_tokenizer(texts):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(texts, trainers.WordLevelTrainer(special_tokens=["[PAD]", "[UNK]"]))
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="[PAD]", unk_token="[UNK]")


def _tiny_llama(vocab: int, seed: int = 0):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    cfg = LlamaConfig(vocab_size=vocab, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=1024)
    return LlamaForCausalLM(cfg)


def test_cached_prefix_equals_full_sequence():
    """The shared post cache + padded summary batch gives exactly the plain full-sequence log-likelihood."""
    import torch

    from alignment_tax.scorers.lm_pmi import LMPointwiseMI

    texts = ["the cat sat on the mat and then it slept", "a dog ran", "birds sing at dawn in the tall trees"]
    tok = _word_tokenizer(texts + ["TL;DR:"])
    model = _tiny_llama(tok.vocab_size).eval()
    s = LMPointwiseMI(model, tok, batch_size=2)
    src = "the cat sat on the mat"
    summaries = ["the cat slept", "a dog ran at dawn in the trees", "birds"]
    out = s.score([src] * 3, summaries)
    for i, summ in enumerate(summaries):
        for ctx, key in ((s._context_ids(src), "logp_post"), (s._context_ids(None), "logp_prior")):
            y = s._ids(" " + summ)
            with torch.inference_mode():
                lp = torch.log_softmax(model(torch.tensor([ctx + y])).logits[0].float(), -1)
            want = float(np.mean([float(lp[len(ctx) - 1 + k, y[k]]) for k in range(len(y))]))
            assert out[key][i] == pytest.approx(want, abs=1e-4)
    np.testing.assert_allclose(out["pmi"], out["logp_post"] - out["logp_prior"])
    assert s.score([src], [""])["faithfulness"].tolist() == [0.0]


def test_lm_pmi_controls_below_references_with_a_tiny_trained_lm(rows):
    """A tiny Llama fitted on (post, TL;DR, reference) of real rows: its PMI ranks each post's own
    reference above the degenerate controls -- the post must raise the summary's likelihood."""
    import torch

    from alignment_tax.scorers.lm_pmi import PRIOR_CONTEXT, PROMPT_SUFFIX, LMPointwiseMI

    posts, refs, ctl = rows
    tok = _word_tokenizer(posts + refs + [GENERIC, PRIOR_CONTEXT] + ctl["repeated"])
    model = _tiny_llama(tok.vocab_size)
    s = LMPointwiseMI(model, tok, batch_size=4, max_source_tokens=96)
    seqs = [s._context_ids(p) + s._ids(" " + r) for p, r in zip(posts, refs)]
    suffix = s._ids(PROMPT_SUFFIX)
    assert seqs[0][len(seqs[0]) - len(s._ids(" " + refs[0])) - len(suffix):][:len(suffix)] == suffix
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    torch.manual_seed(0)
    model.train()
    for _ in range(60):
        for seq in seqs:
            x = torch.tensor([seq])
            loss = model(input_ids=x, labels=x).loss
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    n = len(posts)
    kinds = {"reference": refs, **{c: ctl[c] for c in ("repeated", "other_post", "generic", "empty")}}
    out = s.score([p for _ in kinds for p in posts], [t for k in kinds for t in kinds[k]])["faithfulness"]
    got = {k: out[j * n:(j + 1) * n] for j, k in enumerate(kinds)}
    for c in ("repeated", "other_post", "generic", "empty"):
        assert (got["reference"] > got[c]).all(), (c, got["reference"], got[c])


def test_minilm_pooling_matches_sentence_transformers():
    st = pytest.importorskip("sentence_transformers")
    from alignment_tax.scorers.minilm import MiniLMEncoder, minilm_dir

    texts = ["My landlord kept my deposit.", "I need advice about my situation.", "x"]
    ours = MiniLMEncoder(batch_size=2).encode(texts)
    ref = st.SentenceTransformer(str(minilm_dir()), device="cpu").encode(texts, normalize_embeddings=True)
    np.testing.assert_allclose(ours, ref, atol=2e-5)


def test_minilm_support_controls_below_references(rows):
    from alignment_tax.scorers.minilm import MiniLMSupport

    posts, refs, ctl = rows
    s = MiniLMSupport(batch_size=32, threads=1)
    ref = s.score(posts, refs)["faithfulness"]
    for c in ("other_post", "generic", "empty"):
        ctrl = s.score(posts, ctl[c])["faithfulness"]
        assert ref.mean() > ctrl.mean(), (c, ref, ctrl)
        if c != "generic":  # a generic sentence gets topical credit: it beats the reference on some posts
            assert (ref > ctrl).all(), (c, ref, ctrl)  # (docs/scorers.md, win rates)
    # the extractive control is, by construction, fully supported: documented, not hidden
    assert s.score(posts, ctl["first_sentence"])["faithfulness"] == pytest.approx(np.ones(len(posts)), abs=1e-5)
    assert s.score(posts[:1], [""])["faithfulness"].tolist() == [0.0]


def test_minilm_source_embeddings_are_computed_once_and_do_not_depend_on_the_summaries(rows, tmp_path, monkeypatch):
    """Every TL;DR cell scores the same posts: their sentence embeddings come from the disk cache after the first
    cell, bit for bit what a miss computes, and another cell's summaries do not change a post's embedding."""
    from alignment_tax.scorers import minilm

    monkeypatch.setenv("ALIGNMENT_TAX_CACHE", str(tmp_path))
    posts, refs, ctl = rows
    s = minilm.MiniLMSupport(batch_size=8)
    first = s.score(posts, refs)
    files = list((tmp_path / "minilm").glob("*.npy"))
    assert len(files) == 1
    calls = []
    monkeypatch.setattr(s.encoder, "encode", lambda texts, _f=s.encoder.encode: calls.append(len(texts)) or _f(texts))
    again = s.score(posts, refs)
    assert len(calls) == 1  # the summaries only: the posts were a cache hit
    for k in first:
        np.testing.assert_array_equal(first[k], again[k])
    files[0].unlink()  # a miss recomputes the same bytes
    np.testing.assert_array_equal(s.score(posts, refs)["support"], first["support"])
    # the posts' embeddings with other summaries beside them: identical (sources are batched on their own)
    other = s.score(posts, ctl["generic"])
    assert len(list((tmp_path / "minilm").glob("*.npy"))) == 1 and other["support"].shape == first["support"].shape


def test_load_faithfulness_scorer_lm_pmi_reads_the_zoo_base_dir(tmp_path, monkeypatch):
    """lm_pmi loads models/base/<lm_model> through the loader (a missing dir is one clear error)."""
    from alignment_tax.errors import AlignmentTaxError
    from alignment_tax.scorers.faithfulness import load_faithfulness_scorer

    monkeypatch.chdir(tmp_path)
    f = SimpleNamespace(name="lm_pmi", lm_model="nosuch", lm_precision="fp32", lm_batch_size=2,
                        max_source_tokens=8, max_summary_tokens=8, threads=1)
    with pytest.raises(AlignmentTaxError, match="models/base/nosuch: model directory not found"):
        load_faithfulness_scorer(SimpleNamespace(faithfulness=f, batch_size=2))


@pytest.mark.slow
@pytest.mark.skipif(not SMOLLM2_DIR.is_dir(), reason=f"{SMOLLM2_DIR} not built (dvc repro base@smollm2_135m)")
def test_lm_pmi_real_smollm2_controls_below_references(rows):
    from alignment_tax.models.loader import load_causal_lm
    from alignment_tax.scorers.lm_pmi import LMPointwiseMI

    posts, refs, ctl = rows
    model, tok = load_causal_lm(SMOLLM2_DIR, precision="bf16")
    s = LMPointwiseMI(model, tok, threads=1)
    ref = s.score(posts, refs)["faithfulness"]
    for c in ("repeated", "other_post", "generic", "empty"):
        ctrl = s.score(posts, ctl[c])["faithfulness"]
        assert ref.mean() > ctrl.mean(), (c, ref, ctrl)
