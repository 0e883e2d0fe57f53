"""Each prepare stage on the real data mirror, with small row counts."""
from __future__ import annotations

import hashlib

from alignment_tax.data.common import norm_key
from tests.data.mirrors import data_cfg, run_prepare


def _check_counts(m: dict) -> None:
    assert m["read"] == m["kept"] + sum(m["dropped"].values())
    assert m["kept"] == sum(m["outputs"].values())
    assert m["source"] == "mirror"
    assert all(not i.startswith("/") and ".." not in i for i in m["inputs"])  # no machine paths


def _digest(tmp_path, tag):
    return {p.relative_to(tmp_path / tag).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((tmp_path / tag).rglob("*")) if p.is_file()}


def test_tldr_schema_split_and_min_words(tmp_path, shared_data):
    m, files = run_prepare(tmp_path, "tldr", data_cfg(shared_data, tldr={"eval_rows": 10, "train_rows": 20}))
    _check_counts(m)
    assert m["outputs"] == {"train.jsonl": 20, "eval.jsonl": 10}
    assert m["dropped"]["summary_under_min_words"] == 4  # instructgpt refs of 1-2 words
    assert m["read"] == 600 and m["instructgpt_sample_rows"] == 1200
    rows = files["train.jsonl"] + files["eval.jsonl"]
    for r in rows:
        assert set(r) == {"id", "subreddit", "title", "post", "summary"}
        assert isinstance(r["post"], str) and isinstance(r["summary"], str)
        assert len(r["post"].split()) >= 3 and len(r["summary"].split()) >= 3
        assert r["subreddit"] is None or isinstance(r["subreddit"], str)
        assert r["post"] == r["post"].strip() and not r["post"].endswith("TL;DR:")
    assert len({r["id"] for r in rows}) == len(rows)
    assert any("\n" in r["post"] for r in rows)  # paragraphs kept


def test_tldr_eval_set_stable_when_train_rows_changes(tmp_path, shared_data):
    _, a = run_prepare(tmp_path, "tldr", data_cfg(shared_data, tldr={"eval_rows": 15, "train_rows": 10}), "a")
    _, b = run_prepare(tmp_path, "tldr", data_cfg(shared_data, tldr={"eval_rows": 15, "train_rows": 200}), "b")
    assert a["eval.jsonl"] == b["eval.jsonl"]
    assert b["train.jsonl"][:10] == a["train.jsonl"]  # growing train only appends
    assert not {r["id"] for r in b["eval.jsonl"]} & {r["id"] for r in b["train.jsonl"]}


def test_tldr_min_words_zero_keeps_short_summaries(tmp_path, shared_data):
    m, _ = run_prepare(tmp_path, "tldr", data_cfg(shared_data, min_words=0))
    assert m["dropped"]["summary_under_min_words"] == 0 and m["dropped"]["post_under_min_words"] == 0


def test_reruns_are_byte_identical(tmp_path, shared_data):
    for tag in ("a", "b"):
        for name in ("tldr", "truthfulqa", "realtoxicityprompts"):
            run_prepare(tmp_path, name, data_cfg(shared_data), tag)
    assert _digest(tmp_path, "a") == _digest(tmp_path, "b")


def test_truthfulqa(tmp_path, shared_data):
    m, files = run_prepare(tmp_path, "truthfulqa", data_cfg(shared_data))
    _check_counts(m)
    rows = files["truthfulqa.jsonl"]
    assert len(rows) == 817  # the trailing-space question joins after normalisation
    assert m["fixed"]["question_whitespace_normalized"] == 1 and m["dropped"]["no_mc_targets"] == 0
    keys = {"id", "type", "category", "question", "best_answer", "correct_answers", "incorrect_answers",
            "mc1_targets", "mc2_targets"}
    for r in rows:
        assert set(r) == keys
        assert r["correct_answers"] and r["incorrect_answers"]
        assert sum(r["mc1_targets"]["labels"]) == 1
        for t in (r["mc1_targets"], r["mc2_targets"]):
            assert len(t["choices"]) == len(t["labels"]) == len(set(t["choices"]))
    sub_m, sub = run_prepare(tmp_path, "truthfulqa", data_cfg(shared_data, truthfulqa={"rows": 50}), "sub")
    assert len(sub["truthfulqa.jsonl"]) == 50 and sub_m["dropped"]["beyond_rows_cap"] == 767
    assert all(r in rows for r in sub["truthfulqa.jsonl"])


def test_realtoxicityprompts(tmp_path, shared_data):
    m, files = run_prepare(tmp_path, "realtoxicityprompts", data_cfg(shared_data, realtoxicityprompts={"rows": 30}))
    _check_counts(m)
    assert m["read"] == 2396 and m["dropped"]["duplicate_across_files"] == 4
    rows = files["prompts.jsonl"]
    assert len(rows) == 30 and len({r["id"] for r in rows}) == 30
    for r in rows:
        assert set(r) == {"id", "prompt", "prompt_toxicity", "challenging"}
        assert isinstance(r["prompt"], str) and r["prompt"]
        assert r["prompt_toxicity"] is None or 0.0 <= r["prompt_toxicity"] <= 1.0
        assert isinstance(r["challenging"], bool)
    _, more = run_prepare(tmp_path, "realtoxicityprompts", data_cfg(shared_data, realtoxicityprompts={"rows": 60}), "b")
    assert {r["id"] for r in rows} <= {r["id"] for r in more["prompts.jsonl"]}  # growing N only adds


def test_mmlu_pro(tmp_path, shared_data):
    m, files = run_prepare(tmp_path, "mmlu_pro", data_cfg(shared_data, mmlu_pro={"rows": 200}))
    _check_counts(m)
    assert m["fixed"]["answer_letter_index_mismatch"] == 1  # question_id 3983
    assert m["dropped"]["duplicate_options"] == 1  # question_id 8584
    assert m["outputs"] == {"test.jsonl": 200, "validation.jsonl": 70}
    keys = {"question_id", "question", "options", "answer", "answer_index", "category", "src"}
    for name, rows in files.items():
        for r in rows:
            assert set(r) == keys | ({"cot_content"} if name == "validation.jsonl" else set())
            assert "ABCDEFGHIJ"[r["answer_index"]] == r["answer"]
            assert len(set(r["options"])) == len(r["options"]) and "N/A" not in r["options"]
    full_m, full = run_prepare(tmp_path, "mmlu_pro", data_cfg(shared_data), "full")
    fixed = next(r for r in full["test.jsonl"] if r["question_id"] == 3983)
    assert (fixed["answer"], fixed["answer_index"], fixed["options"][2]) == ("C", 2, "N—H")
    assert full_m["outputs"]["test.jsonl"] == 12031


def test_comments(tmp_path, shared_data):
    m, files = run_prepare(tmp_path, "comments", data_cfg(shared_data, comments={"rows": 500}))
    _check_counts(m)
    train, heldout = files["train.jsonl"], files["heldout.jsonl"]
    assert len(train) == 500 and len(heldout) == 1492
    assert m["dropped"]["in_heldout"] == 2  # two Jigsaw train comments are in the Wikipedia test set
    assert {r["source"] for r in heldout} == {"wiki_toxicity"}
    assert {r["source"] for r in train} <= {"davidson", "jigsaw_train", "jigsaw_val", "jigsaw_robtest"}
    for r in train + heldout:
        assert set(r) == {"id", "text", "toxic", "source"} and r["toxic"] in (0, 1) and r["text"]
    full_m, full = run_prepare(tmp_path, "comments", data_cfg(shared_data), "full")
    assert not {norm_key(r["text"]) for r in full["train.jsonl"]} & {norm_key(r["text"]) for r in heldout}
    assert full_m["train_by_source"]["davidson"]["rows"] == 24771
