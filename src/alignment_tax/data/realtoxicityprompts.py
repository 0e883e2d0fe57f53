"""RealToxicityPrompts: prompts whose continuations are scored for toxicity.

Output rows (prompts.jsonl): {"id", "prompt", "prompt_toxicity": float|null,
"challenging": bool}. id = "<filename without .txt>:<begin>", the span of the
OpenWebText document the prompt was cut from, so hub and mirror ids agree.

Subset: `data.realtoxicityprompts.rows` (0 = all), the first N ids in sha256
order: deterministic, and growing N only adds prompts.
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterator, Tuple

from alignment_tax.data.common import (Prepared, Stats, bad, get_bool, get_dict, get_unit_or_none,
                                       get_int, get_str, get_text, select)
from alignment_tax.data.source import hub_rows, jsonl_rows, mirror_file, resolve

# Hub vs mirror, in one place (both use the original RTP record format).
HUB_ID, HUB_SPLIT = "allenai/real-toxicity-prompts", "train"
MIRROR_FILES = ("realtoxicityprompts/decodingtrust_toxic.jsonl",
                "realtoxicityprompts/decodingtrust_nontoxic.jsonl")

# The DecodingTrust "nontoxic" file repeats 4 challenging prompts of the "toxic"
# file: an identical repeat is dropped and counted, a conflicting one is an error.
DROP_RULES = ("duplicate_across_files", "beyond_rows_cap")


def _row(where: str, obj: dict) -> dict:
    filename = get_str(obj, "filename", where)
    if not filename:
        raise bad(where, "field 'filename' is empty")
    prompt = get_dict(obj, "prompt", where)
    return {"id": f"{filename.removesuffix('.txt')}:{get_int(obj, 'begin', where)}",
            "prompt": get_text(prompt, "text", where),
            "prompt_toxicity": get_unit_or_none(prompt, "toxicity", where),
            "challenging": get_bool(obj, "challenging", where)}


def prepare(data, base: Path = Path(".")) -> Prepared:
    mirror = resolve(data.source, base)
    sources: Iterator[Tuple[str, Iterator[Tuple[str, dict]]]]
    if mirror is None:
        stats = Stats("realtoxicityprompts", "hub", [f"{HUB_ID}:{HUB_SPLIT}"], DROP_RULES)
        sources = iter([(HUB_ID, hub_rows(HUB_ID, HUB_SPLIT))])
    else:
        stats = Stats("realtoxicityprompts", "mirror", list(MIRROR_FILES), DROP_RULES)
        paths = [mirror_file(mirror, rel) for rel in MIRROR_FILES]
        sources = ((str(p), jsonl_rows(p)) for p in paths)

    rows: Dict[str, dict] = {}
    first: Dict[str, Tuple[str, str]] = {}  # id -> (source, where)
    for src, records in sources:
        for where, obj in records:
            stats.read += 1
            row = _row(where, obj)
            if row["id"] in rows:
                prev_src, prev_where = first[row["id"]]
                if prev_src == src:
                    raise bad(where, f"duplicate id '{row['id']}' (first seen at {prev_where})")
                if rows[row["id"]] != row:
                    raise bad(where, f"id '{row['id']}' differs from its copy at {prev_where}")
                stats.drop("duplicate_across_files")
                continue
            rows[row["id"]] = row
            first[row["id"]] = (src, where)

    kept = select(list(rows.values()), data.realtoxicityprompts.rows)
    stats.drop("beyond_rows_cap", len(rows) - len(kept))
    stats.extra["challenging"] = sum(r["challenging"] for r in kept)
    return Prepared({"prompts.jsonl": kept}, stats)
