"""MMLU-Pro: 10-option multiple choice, the capability side of the alignment tax.

Output rows (test.jsonl, and validation.jsonl as the few-shot pool, which also
keeps "cot_content"): {"question_id", "question", "options": [..],
"answer": "A".., "answer_index": int, "category", "src"}.

Repairs and drops, all counted in the metrics:
- answer letter and answer_index disagree (mirror: question_id 3983, answer 'C'
  but index 1): the letter wins, the index is recomputed. lm-evaluation-harness
  scores against the letter (doc_to_target: answer), and the content agrees:
  "not the negative end written last" is N—H (C), not P—Cl (index 1).
- options padded with trailing 'N/A' (the mirror's validation file pads to 10;
  the Hub copy has them removed): stripped so both sources agree.
- repeated options (one real test row, 8584): the row is dropped, as a choice
  set with two identical options cannot be scored by letter unambiguously.
Structurally broken rows (no options, an empty option, answer out of range)
are errors naming file:line.

Subset: `data.mmlu_pro.rows` (0 = all) takes the first N question_ids in
sha256 order of the test split (not stratified: hashing keeps categories
near their natural proportions, and growing N only adds questions).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator, List, Optional, Tuple

from alignment_tax.data.common import (Prepared, Stats, UniqueIds, bad, clean_text, get_int,
                                       get_str, get_text, norm_key, select)
from alignment_tax.data.source import hub_rows, jsonl_rows, mirror_file, resolve

# Hub vs mirror, in one place (same field names; the mirror is an export of the Hub).
HUB_ID = "TIGER-Lab/MMLU-Pro"
SPLITS = {"test.jsonl": ("test", "mmlu_pro/test.jsonl"),
          "validation.jsonl": ("validation", "mmlu_pro/validation.jsonl")}
LETTERS = "ABCDEFGHIJKLMNOP"
PAD = "N/A"

DROP_RULES = ("duplicate_options", "validation_in_test", "beyond_rows_cap")
FIX_RULES = ("answer_letter_index_mismatch", "na_padding_removed")


def _row(where: str, obj: dict, stats: Stats, few_shot: bool) -> Optional[dict]:
    """The validated row, or None when it is dropped (counted)."""
    row = {"question_id": get_int(obj, "question_id", where),
           "question": get_text(obj, "question", where, multiline=True),
           "category": get_text(obj, "category", where), "src": get_text(obj, "src", where)}
    if few_shot:
        row["cot_content"] = clean_text(get_str(obj, "cot_content", where, optional=True) or "")
    options = obj.get("options")
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        raise bad(where, "field 'options' must be a list of strings")
    options = [clean_text(o) for o in options]
    if not options:
        raise bad(where, "empty options")
    answer, index = get_str(obj, "answer", where), get_int(obj, "answer_index", where)
    if len(answer) != 1 or answer not in LETTERS[: len(options)]:
        raise bad(where, f"answer {answer!r} is not one of the letters of the {len(options)} options")
    if not 0 <= index < len(options):
        raise bad(where, f"answer_index {index} out of range for {len(options)} options")
    by_letter = LETTERS.index(answer)
    n_real = len(options)
    while options[n_real - 1] == PAD and n_real - 1 > by_letter:
        n_real -= 1
    if n_real < len(options):
        stats.fix("na_padding_removed")
        options = options[:n_real]
    if "" in options:
        raise bad(where, f"option {LETTERS[options.index('')]} is empty")
    if index != by_letter:
        stats.fix("answer_letter_index_mismatch")
    if len(set(options)) < len(options):
        stats.drop("duplicate_options")
        return None
    row.update(options=options, answer=answer, answer_index=by_letter)
    return row


def prepare(data, base: Path = Path(".")) -> Prepared:
    mirror = resolve(data.source, base)
    inputs: List[str] = []
    records: List[Tuple[str, Iterator[Tuple[str, dict]]]] = []
    for name, (split, rel) in SPLITS.items():
        if mirror is None:
            inputs.append(f"{HUB_ID}:{split}")
            records.append((name, hub_rows(HUB_ID, split)))
        else:
            inputs.append(rel)
            records.append((name, jsonl_rows(mirror_file(mirror, rel))))
    stats = Stats("mmlu_pro", "hub" if mirror is None else "mirror", inputs, DROP_RULES, FIX_RULES)

    files = {}
    for name, recs in records:
        ids, rows = UniqueIds(), []
        for where, obj in recs:
            stats.read += 1
            row = _row(where, obj, stats, few_shot=name == "validation.jsonl")
            ids.add(str(get_int(obj, "question_id", where)), where)
            if row is not None:
                rows.append(row)
        files[name] = rows
    # A few-shot example that is also a test question would show the model its answer: dropped, counted.
    test_keys = {k for r in files["test.jsonl"] for k in (("id", r["question_id"]), ("q", norm_key(r["question"])))}
    shots = files["validation.jsonl"]
    files["validation.jsonl"] = [r for r in shots if ("id", r["question_id"]) not in test_keys
                                 and ("q", norm_key(r["question"])) not in test_keys]
    stats.drop("validation_in_test", len(shots) - len(files["validation.jsonl"]))
    # Only the test split is capped; the few-shot pool is small and always whole.
    test = files["test.jsonl"]
    files["test.jsonl"] = select(test, data.mmlu_pro.rows, id_key="question_id")
    stats.drop("beyond_rows_cap", len(test) - len(files["test.jsonl"]))
    return Prepared(files, stats)
