"""The hub path's field mapping, with `datasets.load_dataset` replaced by fakes
shaped like the real Hub datasets (the Hub itself is unreachable in tests)."""
from __future__ import annotations

import pytest

from alignment_tax.data import mmlu_pro, realtoxicityprompts, tldr, truthfulqa
from tests.data.mirrors import data_cfg, expect_error, mmlu_row, rtp_row, run_prepare


def _fake(monkeypatch, module, tables):
    """Patch module.hub_rows to serve tables[(split, config)] like source.hub_rows."""
    def hub_rows(hub_id, split, config=None):
        tag = hub_id + (f"/{config}" if config else "") + f"[{split}]"
        return ((f"{tag} row {i}", dict(r)) for i, r in enumerate(tables[(split, config)]))
    monkeypatch.setattr(module, "hub_rows", hub_rows)


def _tldr_prompt(i: int, split: str) -> dict:
    return {"prompt": f"SUBREDDIT: r/sub{i}\nTITLE: A title {i}\n"
                      f"POST: The {split} post number {i} here.\n\nMore.\nTL;DR:",
            "label": f" the {split} summary {i}"}


def test_tldr_hub_mapping_and_split(tmp_path, monkeypatch):
    _fake(monkeypatch, tldr, {("test", None): [_tldr_prompt(i, "test") for i in range(5)],
                              ("train", None): [_tldr_prompt(i, "train") for i in range(8)]})
    m, f = run_prepare(tmp_path, "tldr", data_cfg("hub", tldr={"eval_rows": 3, "train_rows": 4}))
    assert m["source"] == "hub" and m["read"] == 13 and m["dropped"]["beyond_rows_cap"] == 6
    assert all("test post" in r["post"] for r in f["eval.jsonl"]) and len(f["eval.jsonl"]) == 3
    assert all("train post" in r["post"] for r in f["train.jsonl"]) and len(f["train.jsonl"]) == 4
    r = f["eval.jsonl"][0]
    assert r["subreddit"].startswith("sub") and r["title"].startswith("A title") and r["post"].endswith("More.")
    assert r["summary"].startswith("the test summary")


def test_tldr_hub_bad_prompt_names_the_row(tmp_path, monkeypatch):
    _fake(monkeypatch, tldr, {("test", None): [_tldr_prompt(0, "test"), {"prompt": "no header", "label": "x y z"}],
                              ("train", None): []})
    expect_error(tmp_path, "tldr", data_cfg("hub"), r"CarperAI/openai_summarize_tldr\[test\] row 1: field 'prompt'")


def test_truthfulqa_hub_mapping(tmp_path, monkeypatch):
    gen = [{"type": "Adversarial", "category": "Misc", "question": "Is it?", "best_answer": "Yes",
            "correct_answers": ["Yes", "Indeed"], "incorrect_answers": ["No"], "source": "s"}]
    mc = [{"question": "Is it?", "mc1_targets": {"choices": ["Yes", "No"], "labels": [1, 0]},
           "mc2_targets": {"choices": ["Yes", "Indeed", "No"], "labels": [1, 1, 0]}}]
    _fake(monkeypatch, truthfulqa, {("validation", "generation"): gen, ("validation", "multiple_choice"): mc})
    m, f = run_prepare(tmp_path, "truthfulqa", data_cfg("hub"))
    row = f["truthfulqa.jsonl"][0]
    assert row["correct_answers"] == ["Yes", "Indeed"] and row["mc2_targets"]["labels"] == [1, 1, 0]
    gen[0]["correct_answers"] = []
    expect_error(tmp_path, "truthfulqa", data_cfg("hub"),
                 r"truthfulqa/truthful_qa/generation\[validation\] row 0: no correct answer")


@pytest.mark.parametrize("name,module,tables,n", [
    ("mmlu_pro", mmlu_pro, {("test", None): [mmlu_row(i) for i in range(4)], ("validation", None): [mmlu_row(9)]}, 5),
    ("realtoxicityprompts", realtoxicityprompts, {("train", None): [rtp_row("a", 1), rtp_row("b", 5)]}, 2),
])
def test_same_record_format_on_the_hub(tmp_path, monkeypatch, name, module, tables, n):
    _fake(monkeypatch, module, tables)
    m, _ = run_prepare(tmp_path, name, data_cfg("hub"))
    assert m["source"] == "hub" and m["kept"] == n


def _fake_by_id(monkeypatch, module, tables):
    """Patch module.hub_rows to serve tables[(hub_id, split)]."""
    def hub_rows(hub_id, split, config=None):
        return ((f"{hub_id}[{split}] row {i}", dict(r)) for i, r in enumerate(tables[(hub_id, split)]))
    monkeypatch.setattr(module, "hub_rows", hub_rows)


def _davidson(cls, tweet):
    return {"count": 3, "hate_speech_count": int(cls == 0) * 3, "offensive_language_count": int(cls == 1) * 3,
            "neither_count": int(cls == 2) * 3, "class": cls, "tweet": tweet}


def _civil(tox, text):
    return {"text": text, "toxicity": tox, "severe_toxicity": 0.0, "obscene": 0.0, "threat": 0.0, "insult": 0.0,
            "identity_attack": 0.0, "sexual_explicit": 0.0}


def test_comments_hub_mapping_heldout_and_dedupe(tmp_path, monkeypatch):
    from alignment_tax.data import comments

    _fake_by_id(monkeypatch, comments, {
        ("tdavidson/hate_speech_offensive", "train"): [_davidson(0, "hate tweet"), _davidson(1, "rude tweet"),
                                                        _davidson(2, "kind tweet"), _davidson(2, "Held OUT text")],
        ("google/civil_comments", "validation"): [_civil(0.8, "toxic comment"), _civil(0.5, "borderline one"),
                                                  _civil(0.2, "mild comment"), _civil(0.0, "kind tweet")],
        ("google/civil_comments", "test"): [_civil(0.9, "held out text"), _civil(0.1, "fine text")]})
    m, f = run_prepare(tmp_path, "comments", data_cfg("hub"))
    train = {r["text"]: (r["toxic"], r["source"]) for r in f["train.jsonl"]}
    assert train == {"hate tweet": (1, "davidson"), "rude tweet": (1, "davidson"), "kind tweet": (0, "davidson"),
                     "toxic comment": (1, "civil_comments_validation"),
                     "borderline one": (1, "civil_comments_validation"),  # >= 0.5: Jigsaw's convention
                     "mild comment": (0, "civil_comments_validation")}
    assert [(r["text"], r["toxic"]) for r in f["heldout.jsonl"]] == [("held out text", 1), ("fine text", 0)]
    assert m["source"] == "hub" and m["read"] == 10
    assert m["dropped"]["in_heldout"] == 1 and m["dropped"]["duplicate_text"] == 1


def test_comments_hub_bad_toxicity_names_the_row(tmp_path, monkeypatch):
    from alignment_tax.data import comments

    _fake_by_id(monkeypatch, comments, {("tdavidson/hate_speech_offensive", "train"): [],
                                        ("google/civil_comments", "validation"): [],
                                        ("google/civil_comments", "test"): [_civil(0.1, "ok"), _civil(1.5, "bad")]})
    expect_error(tmp_path, "comments", data_cfg("hub"),
                 r"google/civil_comments\[test\] row 1: field 'toxicity' must be a number in \[0, 1\]")
