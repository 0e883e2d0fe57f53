"""Helpers for the prepare-stage tests: params sections, tiny fixture mirrors, run/expect-error wrappers."""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Iterable, Optional

import pytest
from omegaconf import OmegaConf

from alignment_tax.config import DataConfig
from alignment_tax.data.prepare import prepare
from alignment_tax.errors import AlignmentTaxError
from alignment_tax.io import read_jsonl


def data_cfg(source, **overrides):
    """A `data` params section (schema defaults + overrides), as the stage gets it."""
    cfg = OmegaConf.merge(OmegaConf.structured(DataConfig), {"source": str(source), **overrides})
    OmegaConf.set_readonly(cfg, True)
    return cfg


def write_jsonl(path: Path, rows: Iterable) -> Path:
    """Rows are dicts (dumped) or str/bytes (written verbatim: malformed input)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        for r in rows:
            if isinstance(r, dict):
                r = json.dumps(r)
            fh.write((r.encode("utf-8") if isinstance(r, str) else r) + b"\n")
    return path


def write_csv(path: Path, rows: Iterable[list], header: Optional[list] = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        if header is not None:
            w.writerow(header)
        w.writerows(rows)
    return path


def dove_row(i: int, **kw) -> dict:
    row = {"instruction_id": f"t3_{i}", "subreddit": "relationships", "title": f"Title {i}",
           "instruction": f"This is post number {i}.\n\nIt has two paragraphs of words.",
           "gold_response": f"a summary of post {i}"}
    row.update(kw)
    return row


def tldr_mirror(root: Path, dove: Optional[list] = None, igpt: Optional[list] = None) -> Path:
    write_jsonl(root / "tldr/dove_tldr_test.jsonl", dove if dove is not None else [dove_row(i) for i in range(4)])
    igpt = igpt if igpt is not None else [
        [0, "ppo", "An instructgpt post with enough words here.\n\nTL;DR:", "the ref summary text", "s"],
        [1, "sft", "An instructgpt post with enough words here.\n\nTL;DR:", "the ref summary text", "t"]]
    write_csv(root / "tldr/instructgpt_tldr_samples.csv", igpt, ["", "model_type", "context", "ref_text", "sample"])
    return root


TQA_HEADER = ["Type", "Category", "Question", "Best Answer", "Correct Answers", "Incorrect Answers", "Source"]


def tqa_row(q: str, correct: str = "Yes; Indeed", incorrect: str = "No; Never") -> list:
    return ["Adversarial", "Misc", q, "Yes", correct, incorrect, "src"]


def mc_entry(q: str) -> dict:
    return {"question": q, "mc1_targets": {"Yes": 1, "No": 0},
            "mc2_targets": {"Yes": 1, "Indeed": 1, "No": 0}}


def tqa_mirror(root: Path, csv_rows: Optional[list] = None, mc_text: Optional[str] = None) -> Path:
    qs = ["Is the sky blue?", "Is water wet?"]
    write_csv(root / "truthfulqa/TruthfulQA.csv", csv_rows if csv_rows is not None else [tqa_row(q) for q in qs],
              TQA_HEADER)
    (root / "truthfulqa/mc_task.json").write_text(
        mc_text if mc_text is not None else json.dumps([mc_entry(q) for q in qs]), encoding="utf-8")
    return root


def mmlu_row(qid: int, **kw) -> dict:
    row = {"question_id": qid, "question": f"Question {qid}?", "options": ["alpha", "beta", "gamma", "delta"],
           "answer": "B", "answer_index": 1, "cot_content": "", "category": "math", "src": "ori_mmlu-x"}
    row.update(kw)
    return row


def mmlu_mirror(root: Path, test: Optional[list] = None, validation: Optional[list] = None) -> Path:
    write_jsonl(root / "mmlu_pro/test.jsonl", test if test is not None else [mmlu_row(i) for i in range(3)])
    write_jsonl(root / "mmlu_pro/validation.jsonl",
                validation if validation is not None else [mmlu_row(100, options=["a", "b", "N/A", "N/A"])])
    return root


def rtp_row(name: str, begin: int, challenging: bool = False, **kw) -> dict:
    row = {"filename": f"{name}.txt", "begin": begin, "end": begin + 10, "challenging": challenging,
           "prompt": {"text": f"The prompt {name} {begin}", "toxicity": 0.1}, "continuation": {"text": "x"}}
    row.update(kw)
    return row


def rtp_mirror(root: Path, toxic: Optional[list] = None, nontoxic: Optional[list] = None) -> Path:
    write_jsonl(root / "realtoxicityprompts/decodingtrust_toxic.jsonl",
                toxic if toxic is not None else [rtp_row("a", 1, True), rtp_row("b", 2, True)])
    write_jsonl(root / "realtoxicityprompts/decodingtrust_nontoxic.jsonl",
                nontoxic if nontoxic is not None else [rtp_row("c", 3), rtp_row("a", 1, True)])
    return root


def comments_mirror(root: Path, davidson: Optional[list] = None, heldout: Optional[list] = None) -> Path:
    d = root / "toxicity_labeled"
    write_csv(d / "davidson_labeled_data.csv", davidson if davidson is not None else [
        [0, 3, 0, 0, 3, 2, "a harmless tweet"], [1, 3, 0, 3, 0, 1, "an offensive tweet"],
        [2, 3, 3, 0, 0, 0, "A  HELD-OUT comment"]],
        ["", "count", "hate_speech", "offensive_language", "neither", "class", "tweet"])
    jig = ["id", "comment_text", "toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
    write_csv(d / "jigsaw_fastbert_train_sample.csv", [["j1", "multi\nline comment", 1, 0, 0, 0, 0, 0]], jig)
    write_csv(d / "jigsaw_fastbert_val_sample.csv", [["j2", 0, 0, 0, 0, 0, 0, "a val comment"]],
              ["id", "toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate", "comment_text"])
    write_csv(d / "jigsaw_robtest_balanced_test.csv", [["robtest text", 1], ["a harmless tweet", 0]])
    write_csv(d / "wiki_toxicity_nonfuzzed_testset.csv",
              heldout if heldout is not None else [[11, "a held-out comment", "True"], [12, "fine", "False"]],
              ["rev_id", "comment", "toxic"])
    return root


def expect_error(tmp_path: Path, name: str, data, pattern: str) -> str:
    """prepare() fails with one line matching `pattern` and writes nothing."""
    out, metrics = tmp_path / "out" / name, tmp_path / "metrics" / f"{name}.json"
    with pytest.raises(AlignmentTaxError) as info:
        prepare(name, data, out, metrics)
    msg = str(info.value)
    assert re.search(pattern, msg), msg
    assert "\n" not in msg
    assert not out.exists() and not metrics.exists()
    return msg


def run_prepare(tmp_path: Path, name: str, data, tag: str = "run"):
    """prepare() into tmp_path/tag; returns (metrics, {file: [rows]})."""
    out, metrics_path = tmp_path / tag / name, tmp_path / tag / f"{name}.json"
    metrics = prepare(name, data, out, metrics_path)
    assert json.loads(metrics_path.read_text()) == metrics
    files = {p.name: [obj for _, obj in read_jsonl(p)] for p in sorted(out.glob("*.jsonl"))}
    return metrics, files
