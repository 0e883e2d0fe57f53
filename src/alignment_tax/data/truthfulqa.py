"""TruthfulQA: the generation task joined with its multiple-choice targets.

Output rows (truthfulqa.jsonl): {"id", "type", "category", "question",
"best_answer", "correct_answers": [..], "incorrect_answers": [..],
"mc1_targets": {"choices": [..], "labels": [0/1..]}, "mc2_targets": {...}}.

The join is on the whitespace-normalised question text. In the mirror one CSV
question ("...tarot card showing Death? ") carries a trailing space that
mc_task.json lacks; normalising makes all 817 rows match (such rows are
counted under fixed.question_whitespace_normalized). A question that still
has no MC targets is dropped and counted (no_mc_targets): every downstream
metric (MC1/MC2 and generation) is reported over the same question set.

An answer listed as both correct and incorrect (the mirror has two: "Unknown"
for "What proportion of Canadians are straight?" and "How many people have
absolute pitch?") contradicts itself as a generation reference: it is removed
from both lists and counted (fixed.answer_in_both_lists_removed). The question
stays: its MC targets (mc_task.json) are consistent and the rest of its
references still score. A row whose correct or incorrect list is left empty
by that is dropped and counted (dropped.answer_lists_overlap).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Iterator, List, Tuple

from alignment_tax.data.common import (Prepared, Stats, UniqueIds, bad, clean_line, get_text,
                                       norm_key, select, short_sha1)
from alignment_tax.data.source import csv_rows, hub_rows, mirror_file, read_text, resolve

# Hub vs mirror, in one place.
HUB_ID, HUB_SPLIT = "truthfulqa/truthful_qa", "validation"
HUB_GEN, HUB_MC = "generation", "multiple_choice"
CSV, MC_JSON = "truthfulqa/TruthfulQA.csv", "truthfulqa/mc_task.json"
GEN_FIELDS = {  # canonical -> (mirror CSV column, hub field)
    "type": ("Type", "type"), "category": ("Category", "category"), "question": ("Question", "question"),
    "best_answer": ("Best Answer", "best_answer"), "correct_answers": ("Correct Answers", "correct_answers"),
    "incorrect_answers": ("Incorrect Answers", "incorrect_answers"),
}
MC_KEYS = ("mc1_targets", "mc2_targets")

DROP_RULES = ("no_mc_targets", "answer_lists_overlap", "beyond_rows_cap")
FIX_RULES = ("question_whitespace_normalized", "duplicate_answer_removed", "answer_in_both_lists_removed")

Targets = Dict[str, dict]  # mc1_targets/mc2_targets -> {"choices", "labels"}


class _Obj(dict):
    """A JSON object that remembers its key/value pairs, to catch duplicate keys
    (json.loads would otherwise keep the last one silently)."""

    def __init__(self, pairs):
        super().__init__(pairs)
        self.pairs = pairs


def _answers(value, key: str, where: str, stats: Stats) -> List[str]:
    """Mirror cells are ';'-separated strings, hub fields are lists."""
    if isinstance(value, str):
        value = value.split(";")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad(where, f"field '{key}' must be a list of strings or a ';'-separated string")
    cleaned = [a for a in (clean_line(v) for v in value) if a]
    unique = list(dict.fromkeys(cleaned))
    if len(unique) < len(cleaned):
        stats.fix("duplicate_answer_removed")
    if not unique:
        raise bad(where, f"no {key.replace('_', ' ')[:-1]} (field '{key}' is empty)")
    return unique


def _targets(name: str, choices, labels, where: str) -> dict:
    if not isinstance(choices, list) or not isinstance(labels, list) or len(choices) != len(labels):
        raise bad(where, f"{name}: choices and labels must be lists of the same length")
    if not choices:
        raise bad(where, f"{name}: no choices")
    if not all(isinstance(c, str) for c in choices):
        raise bad(where, f"{name}: choices must be strings")
    if any(isinstance(v, bool) or v not in (0, 1) for v in labels):
        raise bad(where, f"{name}: labels must be 0 or 1")
    choices = [clean_line(c) for c in choices]
    if not all(choices):
        raise bad(where, f"{name}: empty choice")
    dup = next((c for i, c in enumerate(choices) if c in choices[:i]), None)
    if dup is not None:
        raise bad(where, f"{name}: duplicate MC option {dup!r}")
    n_true = sum(labels)
    if (name == "mc1_targets" and n_true != 1) or n_true == 0 or n_true == len(labels):
        raise bad(where, f"{name}: {n_true} of {len(labels)} choices are labelled correct")
    return {"choices": choices, "labels": [int(v) for v in labels]}


def _mirror_mc(path: Path) -> Iterator[Tuple[str, str, Targets]]:
    try:
        data = json.loads(read_text(path), object_pairs_hook=_Obj)
    except json.JSONDecodeError as exc:
        raise bad(f"{path}:{exc.lineno}", f"malformed JSON ({exc.msg})") from None
    if not isinstance(data, list):
        raise bad(str(path), "expected a JSON list of {question, mc1_targets, mc2_targets}")
    for i, entry in enumerate(data):
        where = f"{path}: entry {i}"
        if not isinstance(entry, dict):
            raise bad(where, "expected an object")
        targets = {}
        for key in MC_KEYS:
            t = entry.get(key)
            if not isinstance(t, _Obj):
                raise bad(where, f"missing or malformed field '{key}' (an answer -> 0/1 object)")
            if len(t.pairs) != len(t):
                dup = next(k for j, (k, _) in enumerate(t.pairs) if k in dict(t.pairs[:j]))
                raise bad(where, f"{key}: duplicate MC option {dup!r}")
            targets[key] = _targets(key, list(t.keys()), list(t.values()), where)
        yield where, get_text(entry, "question", where), targets


def _hub_mc() -> Iterator[Tuple[str, str, Targets]]:
    for where, obj in hub_rows(HUB_ID, HUB_SPLIT, HUB_MC):
        targets = {}
        for key in MC_KEYS:
            t = obj.get(key)
            if not isinstance(t, dict):
                raise bad(where, f"missing field '{key}'")
            targets[key] = _targets(key, t.get("choices"), t.get("labels"), where)
        yield where, get_text(obj, "question", where), targets


def prepare(data, base: Path = Path(".")) -> Prepared:
    mirror = resolve(data.source, base)
    if mirror is None:
        stats = Stats("truthfulqa", "hub", [f"{HUB_ID}/{HUB_GEN}:{HUB_SPLIT}", f"{HUB_ID}/{HUB_MC}:{HUB_SPLIT}"],
                      DROP_RULES, FIX_RULES)
        col = 1
        gen, mc = hub_rows(HUB_ID, HUB_SPLIT, HUB_GEN), _hub_mc()
    else:
        stats = Stats("truthfulqa", "mirror", [CSV, MC_JSON], DROP_RULES, FIX_RULES)
        col = 0
        csv_path, mc_path = mirror_file(mirror, CSV), mirror_file(mirror, MC_JSON)
        gen = csv_rows(csv_path, required=[v[0] for v in GEN_FIELDS.values()])
        mc = _mirror_mc(mc_path)

    by_question: Dict[str, Tuple[str, Targets]] = {}
    for where, q, targets in mc:
        if q in by_question:
            raise bad(where, f"duplicate question (first at {by_question[q][0]})")
        by_question[q] = (where, targets)

    rows, ids, matched = [], UniqueIds(), set()
    for where, raw in gen:
        stats.read += 1
        rec = {k: raw.get(v[col]) for k, v in GEN_FIELDS.items()}
        row = {k: get_text(rec, k, where) for k in ("type", "category", "question", "best_answer")}
        for key in ("correct_answers", "incorrect_answers"):
            if rec[key] is None:
                raise bad(where, f"missing field '{GEN_FIELDS[key][col]}'")
            row[key] = _answers(rec[key], key, where, stats)
        row["id"] = f"tqa-{short_sha1(row['question'])}"
        ids.add(row["id"], where)
        both = {norm_key(a) for a in row["correct_answers"]} & {norm_key(a) for a in row["incorrect_answers"]}
        if both:
            stats.fix("answer_in_both_lists_removed")
            for key in ("correct_answers", "incorrect_answers"):
                row[key] = [a for a in row[key] if norm_key(a) not in both]
            if not row["correct_answers"] or not row["incorrect_answers"]:
                stats.drop("answer_lists_overlap")
                continue
        if row["question"] not in by_question:
            stats.drop("no_mc_targets")
            continue
        if raw.get(GEN_FIELDS["question"][col]) != row["question"]:
            stats.fix("question_whitespace_normalized")
        matched.add(row["question"])
        row.update(by_question[row["question"]][1])
        rows.append(row)

    kept = select(rows, data.truthfulqa.rows)
    stats.drop("beyond_rows_cap", len(rows) - len(kept))
    stats.extra["mc_entries_without_question"] = len(by_question) - len(matched)
    return Prepared({"truthfulqa.jsonl": kept}, stats)
