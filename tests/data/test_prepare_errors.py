"""Bad input: one error line naming the file and line, and nothing written."""
from __future__ import annotations

import json

import pytest

from tests.data.mirrors import (comments_mirror, data_cfg, dove_row, expect_error, mc_entry,
                                mmlu_mirror, mmlu_row, rtp_mirror, rtp_row, run_prepare, tldr_mirror,
                                tqa_mirror, tqa_row, write_csv)


def test_tiny_fixture_mirrors_are_valid(tmp_path):
    """The baselines the bad cases below are derived from."""
    m, f = run_prepare(tmp_path, "tldr", data_cfg(tldr_mirror(tmp_path / "m1"), tldr={"eval_rows": 2}))
    assert m["read"] == 5 and len(f["eval.jsonl"]) == 2 and len(f["train.jsonl"]) == 3
    m, f = run_prepare(tmp_path, "truthfulqa", data_cfg(tqa_mirror(tmp_path / "m2")))
    assert len(f["truthfulqa.jsonl"]) == 2
    m, f = run_prepare(tmp_path, "mmlu_pro", data_cfg(mmlu_mirror(tmp_path / "m3")))
    assert f["validation.jsonl"][0]["options"] == ["a", "b"] and m["fixed"]["na_padding_removed"] == 1
    m, f = run_prepare(tmp_path, "realtoxicityprompts", data_cfg(rtp_mirror(tmp_path / "m4")))
    assert m["dropped"]["duplicate_across_files"] == 1 and len(f["prompts.jsonl"]) == 3
    m, f = run_prepare(tmp_path, "comments", data_cfg(comments_mirror(tmp_path / "m5")))
    assert m["dropped"] == {"in_heldout": 1, "duplicate_text": 1, "heldout_duplicate_text": 0, "beyond_rows_cap": 0}
    assert {r["text"] for r in f["train.jsonl"]} == {"a harmless tweet", "an offensive tweet",
                                                    "multi\nline comment", "a val comment", "robtest text"}


# --- TL;DR -------------------------------------------------------------------

def test_malformed_jsonl_line(tmp_path):
    mirror = tldr_mirror(tmp_path / "m", dove=[dove_row(0), '{"instruction_id": "t3_x", oops', dove_row(2)])
    expect_error(tmp_path, "tldr", data_cfg(mirror), r"dove_tldr_test\.jsonl:2: malformed JSON")


def test_missing_field(tmp_path):
    bad = dove_row(1)
    del bad["gold_response"]
    mirror = tldr_mirror(tmp_path / "m", dove=[dove_row(0), dove_row(2), bad])
    expect_error(tmp_path, "tldr", data_cfg(mirror), r"dove_tldr_test\.jsonl:3: missing field 'gold_response'")


def test_empty_summary(tmp_path):
    mirror = tldr_mirror(tmp_path / "m", dove=[dove_row(0), dove_row(1, gold_response="  \n ")])
    expect_error(tmp_path, "tldr", data_cfg(mirror), r"dove_tldr_test\.jsonl:2: field 'gold_response' is empty")


def test_wrong_type(tmp_path):
    mirror = tldr_mirror(tmp_path / "m", dove=[dove_row(0, subreddit=5)])
    expect_error(tmp_path, "tldr", data_cfg(mirror), r"dove_tldr_test\.jsonl:1: field 'subreddit' must be a string")


def test_non_utf8_jsonl(tmp_path):
    mirror = tldr_mirror(tmp_path / "m", dove=[dove_row(0), json.dumps(dove_row(1)).encode() + b"\xff\xfe"])
    expect_error(tmp_path, "tldr", data_cfg(mirror), r"dove_tldr_test\.jsonl:2: not valid UTF-8")


def test_non_utf8_csv_names_the_line(tmp_path):
    mirror = tldr_mirror(tmp_path / "m")
    csv_path = mirror / "tldr/instructgpt_tldr_samples.csv"
    csv_path.write_bytes(csv_path.read_bytes() + b'2,x,"bad \xe9 post\n\nTL;DR:",ref,s\n')
    expect_error(tmp_path, "tldr", data_cfg(mirror), r"instructgpt_tldr_samples\.csv:8: not valid UTF-8")


def test_duplicate_id(tmp_path):
    dove = [dove_row(0), dove_row(1), dove_row(0, instruction="Another post x y z")]
    expect_error(tmp_path, "tldr", data_cfg(tldr_mirror(tmp_path / "m", dove=dove)),
                 r"dove_tldr_test\.jsonl:3: duplicate id 't3_0' \(first seen at .*:1\)")


def test_short_and_duplicate_posts_are_counted_not_errors(tmp_path):
    dove = [dove_row(0), dove_row(1, instruction="too short"), dove_row(2, gold_response="tiny"),
            dove_row(3, instruction=dove_row(0)["instruction"].upper())]
    m, _ = run_prepare(tmp_path, "tldr", data_cfg(tldr_mirror(tmp_path / "m", dove=dove)))
    assert m["dropped"] == {"post_under_min_words": 1, "summary_under_min_words": 1, "duplicate_post": 1,
                            "beyond_rows_cap": 0}


def test_missing_mirror_file(tmp_path):
    mirror = tldr_mirror(tmp_path / "m")
    (mirror / "tldr/instructgpt_tldr_samples.csv").unlink()
    expect_error(tmp_path, "tldr", data_cfg(mirror),
                 r"instructgpt_tldr_samples\.csv: file not found \(the data\.source mirror lacks tldr/")


def test_missing_mirror_dir(tmp_path):
    expect_error(tmp_path, "tldr", data_cfg(tmp_path / "nowhere"),
                 r"data\.source: mirror directory not found: .*nowhere")


HUB_NAMES = ["tldr", "truthfulqa", "realtoxicityprompts", "mmlu_pro", "comments"]


def pin_every_dataset(tmp_path, monkeypatch) -> None:
    """A hub.lock.json (ALIGNMENT_TAX_HUB_LOCK) that pins every dataset of data.source: hub to a made-up commit."""
    from alignment_tax.hub.manifest import data_datasets
    from alignment_tax.hub.pins import LOCK_ENV, write_lock

    lock = tmp_path / "hub.lock.json"
    write_lock({"models": {}, "datasets": {h: {"revision": "main", "commit": "0" * 40} for h, _, _ in data_datasets()}},
               lock)
    monkeypatch.setenv(LOCK_ENV, str(lock))


@pytest.mark.parametrize("name", HUB_NAMES)
def test_hub_unpinned_names_the_pin_command(tmp_path, name, monkeypatch):
    from alignment_tax.hub.pins import LOCK_ENV

    monkeypatch.setenv(LOCK_ENV, str(tmp_path / "no-lock.json"))
    expect_error(tmp_path, name, data_cfg("hub"),
                 r"no-lock\.json: no pinned commit for dataset '\S+' \(run: python -m alignment_tax\.hub pin\)")


@pytest.mark.parametrize("name", HUB_NAMES)
def test_hub_unreachable_is_one_line(tmp_path, name, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # instant failure instead of ~25 s of retries
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    pin_every_dataset(tmp_path, monkeypatch)
    msg = expect_error(tmp_path, name, data_cfg("hub"),
                       r"cannot load dataset '\S+' at 000000000000 from the Hugging Face Hub or its local cache "
                       r"\(LocalEntryNotFoundError")
    assert "alignment_tax.hub download" in msg and "data.source" in msg


def test_hub_probe_fails_fast_when_online_mode_cannot_connect(tmp_path, monkeypatch):
    """Online mode: one metadata request decides, instead of ~25 s of retries."""
    import huggingface_hub

    from alignment_tax.data import source

    def no_network(self, repo_id, **kw):
        raise ConnectionError("Name or service not known")

    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(huggingface_hub.HfApi, "dataset_info", no_network)
    pin_every_dataset(tmp_path, monkeypatch)
    source._probe.cache_clear()
    expect_error(tmp_path, "mmlu_pro", data_cfg("hub"),
                 r"cannot reach the Hugging Face Hub for TIGER-Lab/MMLU-Pro \(ConnectionError\); set data\.source")
    source._probe.cache_clear()


def test_unknown_dataset(tmp_path):
    expect_error(tmp_path, "wikitext", data_cfg("hub"), r"unknown dataset 'wikitext' \(known: tldr, truthfulqa")


# --- TruthfulQA --------------------------------------------------------------

def test_truthfulqa_no_correct_answer(tmp_path):
    rows = [tqa_row("Is the sky blue?"), tqa_row("Is water wet?", correct=" ; ")]
    expect_error(tmp_path, "truthfulqa", data_cfg(tqa_mirror(tmp_path / "m", csv_rows=rows)),
                 r"TruthfulQA\.csv:3: no correct answer")


def test_truthfulqa_duplicate_mc_option(tmp_path):
    text = json.dumps([mc_entry("Is the sky blue?")])[:-1] + \
        ', {"question": "Is water wet?", "mc1_targets": {"Yes": 1, "Yes": 0}, "mc2_targets": {"Yes": 1, "No": 0}}]'
    expect_error(tmp_path, "truthfulqa", data_cfg(tqa_mirror(tmp_path / "m", mc_text=text)),
                 r"mc_task\.json: entry 1: mc1_targets: duplicate MC option 'Yes'")


def test_truthfulqa_unmatched_question_is_dropped_and_counted(tmp_path):
    rows = [tqa_row("Is the sky blue?"), tqa_row("Is water wet? "), tqa_row("Not in the MC file?")]
    m, f = run_prepare(tmp_path, "truthfulqa", data_cfg(tqa_mirror(tmp_path / "m", csv_rows=rows)))
    assert m["dropped"]["no_mc_targets"] == 1 and m["fixed"]["question_whitespace_normalized"] == 1
    assert len(f["truthfulqa.jsonl"]) == 2


def test_truthfulqa_missing_column(tmp_path):
    mirror = tqa_mirror(tmp_path / "m")
    write_csv(mirror / "truthfulqa/TruthfulQA.csv", [["a", "b"]], ["Type", "Question"])
    expect_error(tmp_path, "truthfulqa", data_cfg(mirror), r"TruthfulQA\.csv:1: missing column\(s\) 'Category'")


# --- MMLU-Pro ----------------------------------------------------------------

def test_mmlu_answer_index_out_of_range(tmp_path):
    mirror = mmlu_mirror(tmp_path / "m", test=[mmlu_row(0), mmlu_row(1, answer_index=12)])
    expect_error(tmp_path, "mmlu_pro", data_cfg(mirror), r"mmlu_pro/test\.jsonl:2: answer_index 12 out of range")


def test_mmlu_empty_options(tmp_path):
    mirror = mmlu_mirror(tmp_path / "m", test=[mmlu_row(0, options=[])])
    expect_error(tmp_path, "mmlu_pro", data_cfg(mirror), r"mmlu_pro/test\.jsonl:1: empty options")


def test_mmlu_quirks_are_counted(tmp_path):
    test = [mmlu_row(0), mmlu_row(1, answer="C", answer_index=1), mmlu_row(2, options=["x", "y", "x", "z"])]
    m, f = run_prepare(tmp_path, "mmlu_pro", data_cfg(mmlu_mirror(tmp_path / "m", test=test)))
    assert m["fixed"]["answer_letter_index_mismatch"] == 1 and m["dropped"]["duplicate_options"] == 1
    assert [(r["question_id"], r["answer_index"]) for r in f["test.jsonl"]] == [(0, 1), (1, 2)]


# --- RealToxicityPrompts / comments ------------------------------------------

def test_rtp_bad_type_and_duplicate(tmp_path):
    mirror = rtp_mirror(tmp_path / "m", toxic=[rtp_row("a", 1, challenging="yes")])
    expect_error(tmp_path, "realtoxicityprompts", data_cfg(mirror),
                 r"decodingtrust_toxic\.jsonl:1: field 'challenging' must be a boolean")
    mirror = rtp_mirror(tmp_path / "m2", toxic=[rtp_row("a", 1), rtp_row("a", 1)])
    expect_error(tmp_path, "realtoxicityprompts", data_cfg(mirror), r"decodingtrust_toxic\.jsonl:2: duplicate id 'a:1'")


def test_comments_bad_label_names_the_csv_line(tmp_path):
    rows = [[0, 3, 0, 0, 3, 2, "fine tweet"], [1, 3, 0, 3, 0, 1, "multi\nline tweet"], [2, 3, 0, 0, 3, 7, "bad"]]
    mirror = comments_mirror(tmp_path / "m", davidson=rows)
    expect_error(tmp_path, "comments", data_cfg(mirror), r"davidson_labeled_data\.csv:5: field 'class' must be 0")
