"""Toxicity-labelled comments: train the offline toxicity scorers (and feed the
tiny LM's corpus); compare the scorers on a held-out set.

Output rows (train.jsonl, heldout.jsonl): {"id", "text", "toxic": 0|1, "source"}.
- train: Davidson et al. tweets (class 0 hate / 1 offensive -> toxic 1,
  2 neither -> 0), the two fast-bert Jigsaw samples (column `toxic`) and the
  RobTest balanced Jigsaw set (no header: text,label).
- heldout: the Wikipedia toxicity test set (comment, toxic True/False).
The held-out set is what the scorers are compared on, so any train text that
also occurs there (case/whitespace-insensitive) is dropped and counted
(in_heldout); repeats inside train are dropped too (duplicate_text).

Hub path (`data.source: hub`): the Hub has tdavidson/hate_speech_offensive but no
copy of the fast-bert/RobTest Jigsaw samples or of the Wikipedia held-out set,
so it reads Jigsaw's own later release instead, google/civil_comments (the
Jigsaw Unintended Bias data; `toxicity` is the fraction of raters who found a
comment toxic, >= 0.5 = toxic, Jigsaw's convention):
- train: tdavidson/hate_speech_offensive[train] (class as above) and
  google/civil_comments[validation] (97,320 rows; its 1.8 M-row train split
  would make this stage the slowest of the graph for no gain at these sizes);
- heldout: google/civil_comments[test] (97,320 rows).

Subset: `data.comments.rows` caps train rows (0 = all), the first N ids in
sha256 order. The held-out set is never subsampled.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from alignment_tax.data.common import (Prepared, Stats, UniqueIds, bad, get_bool, get_float_or_none, get_int,
                                       get_text, norm_key, select)
from alignment_tax.data.source import csv_rows, hub_rows, mirror_file, resolve

DIR = "toxicity_labeled"


def _davidson(row: dict, where: str) -> Tuple[str, str, int]:
    cls = get_int(row, "class", where)
    if cls not in (0, 1, 2):
        raise bad(where, f"field 'class' must be 0 (hate), 1 (offensive) or 2 (neither), got {cls}")
    return row[""], get_text(row, "tweet", where, multiline=True), int(cls != 2)


def _binary(text_col: str, label_col: str, id_col: Optional[str]) -> Callable:
    def parse(row: dict, where: str) -> Tuple[str, str, int]:
        label = get_int(row, label_col, where)
        if label not in (0, 1):
            raise bad(where, f"field '{label_col}' must be 0 or 1, got {label}")
        rid = row[id_col] if id_col else where.rsplit(":", 1)[1]  # header-less: the line
        return rid, get_text(row, text_col, where, multiline=True), label
    return parse


def _wiki(row: dict, where: str) -> Tuple[str, str, int]:
    return row["rev_id"], get_text(row, "comment", where, multiline=True), int(get_bool(row, "toxic", where))


# Mirror file -> (source tag, id prefix, required columns, header-less field names, parser).
Spec = Tuple[str, str, Sequence[str], Optional[Sequence[str]], Callable]
TRAIN: Dict[str, Spec] = {
    f"{DIR}/davidson_labeled_data.csv": ("davidson", "davidson", ("", "class", "tweet"), None, _davidson),
    f"{DIR}/jigsaw_fastbert_train_sample.csv": ("jigsaw_train", "jigsaw", ("id", "comment_text", "toxic"), None,
                                                _binary("comment_text", "toxic", "id")),
    f"{DIR}/jigsaw_fastbert_val_sample.csv": ("jigsaw_val", "jigsaw", ("id", "comment_text", "toxic"), None,
                                              _binary("comment_text", "toxic", "id")),
    f"{DIR}/jigsaw_robtest_balanced_test.csv": ("jigsaw_robtest", "robtest", (), ("text", "label"),
                                                _binary("text", "label", None)),
}
HELDOUT: Dict[str, Spec] = {
    f"{DIR}/wiki_toxicity_nonfuzzed_testset.csv": ("wiki_toxicity", "wiki", ("rev_id", "comment", "toxic"), None,
                                                   _wiki),
}

DAVIDSON_HUB = "tdavidson/hate_speech_offensive"  # count, hate_speech_count, ..., class (0/1/2), tweet
CIVIL_HUB = "google/civil_comments"  # text, toxicity (float in [0, 1]), severe_toxicity, ...
CIVIL_TOXIC = 0.5
HUB_DATASETS = ((DAVIDSON_HUB, None), (CIVIL_HUB, None))  # (id, config): read by hub/manifest.py


def _davidson_hub(row: dict, where: str, i: int) -> Tuple[str, str, int]:
    cls = get_int(row, "class", where)
    if cls not in (0, 1, 2):
        raise bad(where, f"field 'class' must be 0 (hate), 1 (offensive) or 2 (neither), got {cls}")
    return str(i), get_text(row, "tweet", where, multiline=True), int(cls != 2)


def _civil_hub(row: dict, where: str, i: int) -> Tuple[str, str, int]:
    tox = get_float_or_none(row, "toxicity", where)
    if tox is None or not 0 <= tox <= 1:
        raise bad(where, f"field 'toxicity' must be a number in [0, 1], got {row.get('toxicity')!r}")
    return str(i), get_text(row, "text", where, multiline=True), int(tox >= CIVIL_TOXIC)


# (hub id, split) -> (source tag, id prefix, parser). Row ids are the split's row index (neither set has an id).
HUB_TRAIN = {(DAVIDSON_HUB, "train"): ("davidson", "davidson", _davidson_hub),
             (CIVIL_HUB, "validation"): ("civil_comments_validation", "civil-validation", _civil_hub)}
HUB_HELDOUT = {(CIVIL_HUB, "test"): ("civil_comments_test", "civil-test", _civil_hub)}

DROP_RULES = ("in_heldout", "duplicate_text", "heldout_duplicate_text", "beyond_rows_cap")


def _read(mirror: Path, specs: Dict[str, Spec], stats: Stats, ids: UniqueIds) -> List[dict]:
    rows = []
    for rel, (source, prefix, required, fieldnames, parse) in specs.items():
        path = mirror_file(mirror, rel)
        for where, raw in csv_rows(path, required=required, fieldnames=fieldnames):
            stats.read += 1
            rid, text, toxic = parse(raw, where)
            row = {"id": f"{prefix}-{rid.strip()}", "text": text, "toxic": toxic, "source": source}
            ids.add(row["id"], where)
            rows.append(row)
    return rows


def _read_hub(specs: dict, stats: Stats, ids: UniqueIds) -> List[dict]:
    rows = []
    for (hub_id, split), (source, prefix, parse) in specs.items():
        for i, (where, raw) in enumerate(hub_rows(hub_id, split)):
            stats.read += 1
            rid, text, toxic = parse(raw, where, i)
            row = {"id": f"{prefix}-{rid}", "text": text, "toxic": toxic, "source": source}
            ids.add(row["id"], where)
            rows.append(row)
    return rows


def _dedupe(rows: List[dict], seen: Dict[str, int], rule: str, stats: Stats,
            banned: Optional[set] = None) -> List[dict]:
    kept = []
    for row in rows:
        key = norm_key(row["text"])
        if banned is not None and key in banned:
            stats.drop("in_heldout")
        elif key in seen:
            stats.drop(rule)
            stats.extra["duplicate_label_conflicts"] += seen[key] != row["toxic"]
        else:
            seen[key] = row["toxic"]
            kept.append(row)
    return kept


def _summary(rows: List[dict]) -> dict:
    by_source: Dict[str, List[int]] = {}
    for r in rows:
        by_source.setdefault(r["source"], []).append(r["toxic"])
    return {s: {"rows": len(v), "toxic": sum(v)} for s, v in sorted(by_source.items())}


def prepare(data, base: Path = Path(".")) -> Prepared:
    mirror = resolve(data.source, base)
    if mirror is None:
        stats = Stats("comments", "hub", sorted(f"{h}:{s}" for h, s in [*HUB_TRAIN, *HUB_HELDOUT]), DROP_RULES)
        read = lambda specs, st, ids: _read_hub(specs, st, ids)  # noqa: E731
        train_specs, heldout_specs = HUB_TRAIN, HUB_HELDOUT
    else:
        stats = Stats("comments", "mirror", sorted([*TRAIN, *HELDOUT]), DROP_RULES)
        read = lambda specs, st, ids: _read(mirror, specs, st, ids)  # noqa: E731
        train_specs, heldout_specs = TRAIN, HELDOUT
    stats.extra["duplicate_label_conflicts"] = 0
    ids = UniqueIds()
    heldout_seen: Dict[str, int] = {}
    heldout = _dedupe(read(heldout_specs, stats, ids), heldout_seen, "heldout_duplicate_text", stats)
    train_all = _dedupe(read(train_specs, stats, ids), {}, "duplicate_text", stats, set(heldout_seen))
    train = select(train_all, data.comments.rows)
    stats.drop("beyond_rows_cap", len(train_all) - len(train))
    stats.extra.update(train_by_source=_summary(train), heldout_by_source=_summary(heldout))
    return Prepared({"train.jsonl": train, "heldout.jsonl": heldout}, stats)
