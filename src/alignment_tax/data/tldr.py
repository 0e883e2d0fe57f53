"""Reddit TL;DR posts and reference summaries (the paper's summarisation task).

Output rows: {"id", "subreddit": str|null, "title": str|null, "post", "summary"}
in train.jsonl and eval.jsonl.

Split: all kept rows are ordered by sha256(id); the first `eval_rows` are the
eval set and the next `train_rows` the train set, so changing train_rows never
changes the eval set. On the Hub the eval set comes from the "test" split and
the train set from "train" (each hash-ordered), as in the paper.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

from alignment_tax.data.common import (Prepared, Stats, UniqueIds, bad, clean_line, get_str,
                                       get_text, hash_order, n_words, norm_key, short_sha1)
from alignment_tax.data.source import csv_rows, hub_rows, jsonl_rows, mirror_file, resolve

# Hub vs mirror, in one place.
HUB_ID = "CarperAI/openai_summarize_tldr"  # fields prompt, label; splits train/valid/test
HUB_EVAL_SPLIT, HUB_TRAIN_SPLIT = "test", "train"
DOVE = "tldr/dove_tldr_test.jsonl"  # OpenAI-filtered test posts
DOVE_FIELDS = {"id": "instruction_id", "subreddit": "subreddit", "title": "title",
               "post": "instruction", "summary": "gold_response"}
IGPT = "tldr/instructgpt_tldr_samples.csv"  # 100 posts x 12 model samples
IGPT_POST, IGPT_SUMMARY, IGPT_SUFFIX = "context", "ref_text", "TL;DR:"

# Some exports put a space before each newline; the captured values are cleaned later.
_HUB_PROMPT = re.compile(r"^SUBREDDIT: r/(?P<subreddit>[^\n]*)\nTITLE: (?P<title>[^\n]*)\nPOST: (?P<post>.*)"
                         r"\nTL;DR:\s*$", re.DOTALL)

DROP_RULES = ("post_under_min_words", "summary_under_min_words", "duplicate_post", "beyond_rows_cap")

Raw = Tuple[str, dict]  # (where, canonical record with id/subreddit/title/post/summary)


def _dove(path: Path) -> Iterator[Raw]:
    for where, obj in jsonl_rows(path):
        # Checked here too so that errors name the file's own field (gold_response, ...).
        rec = {k: get_str(obj, src, where, optional=True) if k in ("subreddit", "title")
               else get_text(obj, src, where, multiline=k == "post") for k, src in DOVE_FIELDS.items()}
        yield where, rec


def _instructgpt(path: Path, stats: Stats) -> Iterator[Raw]:
    """One row per unique post; the CSV repeats each post once per model."""
    seen: dict = {}
    n_samples = 0
    for where, row in csv_rows(path, required=(IGPT_POST, IGPT_SUMMARY)):
        n_samples += 1
        post = row[IGPT_POST].rstrip()
        post = post[: -len(IGPT_SUFFIX)] if post.endswith(IGPT_SUFFIX) else post
        if post in seen:
            if seen[post] != row[IGPT_SUMMARY]:
                raise bad(where, "same post as an earlier row but a different ref_text")
            continue
        seen[post] = row[IGPT_SUMMARY]
        # No subreddit/title in this file; id is content-derived, hence stable.
        yield where, {"id": f"igpt-{short_sha1(clean_line(post))}", "subreddit": None,
                      "title": None, "post": post, "summary": row[IGPT_SUMMARY]}
    stats.extra["instructgpt_sample_rows"] = n_samples


def _hub(split: str) -> Iterator[Raw]:
    for where, obj in hub_rows(HUB_ID, split):
        prompt, label = get_str(obj, "prompt", where), get_str(obj, "label", where)
        m = _HUB_PROMPT.match(prompt.replace("\r\n", "\n"))
        if not m:
            raise bad(where, "field 'prompt' is not 'SUBREDDIT: r/..\\nTITLE: ..\\nPOST: ..\\nTL;DR:'")
        yield where, {"id": f"tldr-{short_sha1(prompt, 16)}", "subreddit": m["subreddit"],
                      "title": m["title"], "post": m["post"], "summary": label}


def _validate(raws: Iterator[Raw], min_words: int, stats: Stats, ids: UniqueIds,
              seen_posts: set) -> List[dict]:
    kept = []
    for where, rec in raws:
        stats.read += 1
        row = {"id": get_text(rec, "id", where),
               "subreddit": _opt_line(rec["subreddit"]), "title": _opt_line(rec["title"]),
               "post": get_text(rec, "post", where, multiline=True),
               "summary": get_text(rec, "summary", where)}
        ids.add(row["id"], where)
        if n_words(row["post"]) < min_words:
            stats.drop("post_under_min_words")
        elif n_words(row["summary"]) < min_words:
            stats.drop("summary_under_min_words")
        elif norm_key(row["post"]) in seen_posts:
            stats.drop("duplicate_post")
        else:
            seen_posts.add(norm_key(row["post"]))
            kept.append(row)
    return kept


def _opt_line(v: Optional[str]) -> Optional[str]:
    v = clean_line(v) if v is not None else None
    return v or None


def _take(rows: List[dict], start: int, n: int) -> List[dict]:
    by_id = {r["id"]: r for r in rows}
    return [by_id[i] for i in hash_order(by_id)][start:start + n]


def prepare(data, base: Path = Path(".")) -> Prepared:
    mirror = resolve(data.source, base)
    n_eval, n_train = data.tldr.eval_rows, data.tldr.train_rows
    ids, seen = UniqueIds(), set()
    if mirror is None:
        stats = Stats("tldr", "hub", [f"{HUB_ID}:{HUB_EVAL_SPLIT}", f"{HUB_ID}:{HUB_TRAIN_SPLIT}"],
                      DROP_RULES)
        # Eval rows are validated first so a post in both splits stays in eval.
        eval_pool = _validate(_hub(HUB_EVAL_SPLIT), data.min_words, stats, ids, seen)
        train_pool = _validate(_hub(HUB_TRAIN_SPLIT), data.min_words, stats, ids, seen)
        eval_rows, train_rows = _take(eval_pool, 0, n_eval), _take(train_pool, 0, n_train)
        unused = len(eval_pool) + len(train_pool) - len(eval_rows) - len(train_rows)
    else:
        stats = Stats("tldr", "mirror", [DOVE, IGPT], DROP_RULES)
        dove, igpt = mirror_file(mirror, DOVE), mirror_file(mirror, IGPT)
        pool = _validate(_dove(dove), data.min_words, stats, ids, seen)
        pool += _validate(_instructgpt(igpt, stats), data.min_words, stats, ids, seen)
        eval_rows, train_rows = _take(pool, 0, n_eval), _take(pool, n_eval, n_train)
        unused = len(pool) - len(eval_rows) - len(train_rows)
    stats.drop("beyond_rows_cap", unused)
    stats.extra.update(min_words=data.min_words, requested={"eval": n_eval, "train": n_train})
    return Prepared({"train.jsonl": train_rows, "eval.jsonl": eval_rows}, stats)
