"""Likelihood margins (evaluate/likelihood.py): the three perturbations on hand-checked sentences,
margins on a runtime whose log-probabilities the test sets, the held-out LM through the runtime,
and the stage end to end on a tiny model."""
import json
import math
import os
import random
import shutil
import subprocess
import sys
from types import SimpleNamespace

import pytest
import torch
import yaml

from alignment_tax.config import AUDIT_ENV
from alignment_tax.evaluate import likelihood as lk
from alignment_tax.io import write_jsonl
from alignment_tax.methods.runtime import Runtime, plain_token_logprobs
from alignment_tax.models.heldout import text_nll
from tests.evaluate.fakes import controlled_runtime
from tests.helpers import tiny_model, tiny_tokenizer


@pytest.mark.parametrize("text, expected", [
    ("She is happy with her job.", "She is not happy with her job."),
    ("I didn't pay the rent.", "I did pay the rent."),
    ("My landlord is not answering.", "My landlord is answering."),
    ("I have never been to Boston", "I have been to Boston"),
    ("He can't drive, so I will.", "He can drive, so I will."),
    ("I cannot stay", "I can stay"),
    ("They won't call back", "They will call back"),
    ("We can leave", "We cannot leave"),
    ("Didn’t know what to do", "Did know what to do"),
    ("I want to have fun but she was busy", "I want to have fun but she was not busy"),  # "to have": not finite
    ("Went home early.", None),
    ("This island has no name", "This island has not no name"),  # "is" inside "This"/"island" is no verb
    ("Going to do it tomorrow", None),
])
def test_negation(text, expected):
    assert lk.negate(text) == expected


def test_false_claim_appends_a_post_sentence_true_and_negated():
    post = "I moved to Paris last year. My sister was angry about it! Was she right? We are ok."
    # eligible: "My sister was angry about it!" ("Was she right?" is a question, "We are ok." has 3 words)
    out = lk.false_claim("Moved to Paris", post, random.Random(0))
    assert out == ("Moved to Paris. My sister was angry about it!", "Moved to Paris. My sister was not angry about it!")
    assert lk.false_claim("Moved to Paris.", "my cat didn't eat the food today", random.Random(0)) == \
        ("Moved to Paris. My cat didn't eat the food today.", "Moved to Paris. My cat did eat the food today.")
    assert lk.false_claim("Moved to Paris", "Moved to Paris last year. Loved it there.", random.Random(0)) is None


def test_entity_swap_replaces_one_span_by_a_same_label_entity():
    summary, spans = "I met Anna in Paris.", [(6, 10, "PERSON"), (14, 19, "GPE")]
    assert lk.entity_swap(summary, spans, {"PERSON": ["Bob"]}, random.Random(0)) == "I met Bob in Paris."
    assert lk.entity_swap(summary, spans, {"GPE": ["Berlin", "Paris"]}, random.Random(0)) == "I met Anna in Berlin."
    assert lk.entity_swap(summary, [], {"PERSON": ["Bob"]}, random.Random(0)) is None  # no entity
    assert lk.entity_swap(summary, spans, {"PERSON": ["Anna"], "ORG": ["IBM"]}, random.Random(0)) is None  # no candidate
    pool = {"PERSON": ["Bob", "Carl", "Dana"], "GPE": ["Berlin", "Rome"]}
    runs = {lk.entity_swap(summary, spans, pool, random.Random("0:entity_swap:a")) for _ in range(3)}
    assert len(runs) == 1  # the same seed, the same perturbation


def ruler_nlp(names):
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "PERSON", "pattern": n} for n in names])
    return nlp


def test_entity_swap_draws_from_the_other_summaries_only():
    rows = [{"id": "a", "post": "p", "summary": "Anna was late"}, {"id": "b", "post": "p", "summary": "Bob was early"},
            {"id": "c", "post": "p", "summary": "nobody came"}]
    out = lk.perturb(rows, rows, ["entity_swap"], ruler_nlp(["Anna", "Bob"]), seed=0)["entity_swap"]
    assert out == [("Anna was late", "Bob was late"), ("Bob was early", "Anna was early"), None]
    alone = lk.perturb(rows[:1], rows[:1], ["entity_swap"], ruler_nlp(["Anna"]), seed=0)["entity_swap"]
    assert alone == [None]  # its own entity is no replacement


LOGP = {"she": -1.0, "is": -1.0, "happy": -1.0, "not": -5.0, "he": -1.0, "was": -1.0, "sad": -1.0}
CFG = SimpleNamespace(perturbations=["negation"], batch_size=2, max_summary_tokens=8)


def test_margins_on_controlled_logprobs():
    rows = [{"id": "r1", "post": "x", "summary": "she is happy"},  # ref -3 (3 tokens), "she is not happy" -8 (4)
            {"id": "r2", "post": "x", "summary": "he was not sad"},  # ref -8 (4), "he was sad" -3 (3)
            {"id": "r3", "post": "x", "summary": "going home"}]  # no auxiliary: skipped
    rt = controlled_runtime(LOGP, [])
    records, m = lk.evaluate(rt, rows, pool_rows=rows, cfg=CFG, nlp=None, seed=0, max_length=64,
                             heldout_docs=["she is happy"], heldout_batch_size=2)
    by_id = {r["id"]: r for r in records}
    assert set(by_id) == {"r1", "r2"}
    r1, r2 = by_id["r1"], by_id["r2"]
    assert (r1["logp_ref"], r1["logp_pert"], r1["tokens_ref"], r1["tokens_pert"]) == (-3.0, -8.0, 3, 4)
    assert r1["margin"] == 5.0 and r1["margin_per_token"] == pytest.approx(1.0) and r1["perturbed"] == "she is not happy"
    assert r2["margin"] == -5.0 and r2["margin_per_token"] == pytest.approx(-1.0) and r2["perturbed"] == "he was sad"
    neg = m["negation"]
    assert (neg["n"], neg["skipped"], neg["prefers_reference"]) == (2, 1, 0.5)
    assert neg["margin"]["mean"] == 0.0 and neg["margin"]["n"] == 2
    assert m["benchmark"] == "likelihood" and m["version"] == 1 and m["n"] == 3
    # held-out: <eos> she is happy -> NLL 3 over 3 tokens, 3 words, 12 bytes; via the replaced log-prob function
    assert m["heldout_tokens"] == 3 and m["heldout_word_perplexity"] == pytest.approx(math.e, abs=1e-4)
    assert m["heldout_bits_per_byte"] == pytest.approx(3 / math.log(2) / 12, abs=1e-5)
    assert "log-probability function" in m["heldout_note"]


def test_a_cut_that_hides_the_perturbation_is_skipped():
    rows = [{"id": "r1", "post": "x", "summary": "she is happy"}]
    cfg = SimpleNamespace(perturbations=["negation"], batch_size=2, max_summary_tokens=2)  # "she is" both
    records, m = lk.evaluate(controlled_runtime(LOGP, []), rows, pool_rows=rows, cfg=cfg, nlp=None, seed=0,
                             max_length=64)
    assert records == [] and m["negation"]["skipped"] == 1 and m["negation"]["prefers_reference"] is None


def test_scores_and_heldout_match_the_plain_computations_on_a_real_model():
    tok = tiny_tokenizer()
    model = tiny_model(tok).eval()
    cached = Runtime(model=model, tokenizer=tok, method="base")  # shares the context cache
    full = Runtime(model=model, tokenizer=tok, method="base", logprob_fn=plain_token_logprobs)  # full passes
    ctx = tuple(tok("My landlord in Boston kept the deposit.\nTL;DR:")["input_ids"])
    pairs = [(ctx, tok(" never answered my emails")["input_ids"]), (ctx, tok(" kept it")["input_ids"]),
             (ctx[:5], tok(" in Paris")["input_ids"])]
    assert lk.score(cached, pairs, 2, 128) == pytest.approx(lk.score(full, pairs, 2, 128), abs=1e-4)
    with torch.no_grad():
        ids = torch.tensor([list(pairs[1][0]) + pairs[1][1]])
        direct = float(plain_token_logprobs(model, ids, torch.ones_like(ids))[0, -len(pairs[1][1]):].sum())
    assert lk.score(full, pairs[1:2], 1, 128)[0] == pytest.approx(direct, abs=1e-5)
    docs = ["I moved to Paris with my girlfriend Anna.", "The restaurant took longer than usual to serve our food."]
    nll, n = text_nll(model, tok, docs, 1)
    assert lk.runtime_nll(full, docs, 2) == (pytest.approx(nll, abs=1e-3), n)
    assert lk.heldout_lm(cached, docs, 2)["heldout_tokens"] == n and "heldout_note" not in lk.heldout_lm(cached, docs, 2)
    prefixed = Runtime(model=model, tokenizer=tok, method="instructive", prefix_ids=tok("Be kind.")["input_ids"])
    assert lk.runtime_nll(prefixed, docs, 2)[1] == n  # the prefix is context, never scored


def test_stage_writes_a_cell_on_the_tiny_model(repo_root, tmp_path):
    params = yaml.safe_load((repo_root / "params.yaml").read_text(encoding="utf-8"))
    params["benchmarks"]["likelihood"].update(rows=4, max_summary_tokens=48)
    params["heldout_text"].update(tldr_rows=3, max_words=12)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")
    shutil.copytree(repo_root / "stages", tmp_path / "stages")
    tok = tiny_tokenizer()
    tiny_model(tok).save_pretrained(tmp_path / "models/base/tiny")
    tok.save_pretrained(tmp_path / "models/base/tiny")
    summaries = ["Gregory Helms took 30 dollars from me in Boston.", "My landlord in Boston is keeping the deposit.",
                 "I didn't like the food in Paris.", "Anna and I moved to Paris last summer."]
    rows = [{"id": f"t{i}", "subreddit": "relationships", "title": f"title {i}",
             "post": "I moved to Paris with my girlfriend Anna. The restaurant was slow to serve our food.",
             "summary": s} for i, s in enumerate(summaries)]
    write_jsonl(tmp_path / "data/prepared/tldr/eval.jsonl", rows)
    env = dict(os.environ, **{AUDIT_ENV: str(tmp_path / "audit")})
    proc = subprocess.run([sys.executable, "stages/evaluate_likelihood.py", "tiny", "base"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # every params key the stage read is a params dep of evaluate_likelihood in dvc.yaml
    declared = [p.replace("${item.model}", "tiny") for p in
                yaml.safe_load((repo_root / "dvc.yaml").read_text())["stages"]["evaluate_likelihood"]["params"]]
    read = {k for f in (tmp_path / "audit").glob("*.json") for k in json.loads(f.read_text())["keys"]}
    assert read and not {k for k in read if not any(k == d or k.startswith((d + ".", d + "[")) for d in declared)}
    m = json.loads((tmp_path / "metrics/likelihood/tiny/base.json").read_text())
    assert (m["model"], m["method"], m["benchmark"], m["n"]) == ("tiny", "base", "likelihood", 4)
    assert m["negation"]["n"] == 2 and m["false_claim"]["n"] == 4  # "is keeping", "didn't"; the post's "was slow"
    assert m["entity_swap"]["n"] + m["entity_swap"]["skipped"] == 4
    assert m["heldout_tokens"] > 0 and m["heldout_bits_per_byte"] > 0 and "heldout_note" not in m
    lines = (tmp_path / "data/generations/likelihood/tiny/base.jsonl").read_text().splitlines()
    rec = json.loads(lines[0])
    assert set(rec) == {"id", "kind", "logp_ref", "logp_pert", "tokens_ref", "tokens_pert", "margin",
                        "margin_per_token", "perturbed"}
