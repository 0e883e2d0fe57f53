"""The contrastive training set from the augmentations (contrastive.source: augmented).

Per TL;DR train post: positives = the reference summary, then its
backtranslations (and the post title with `assemble.title_positive`);
negatives = low-confidence, toxic, entity-swap and mask-regeneration outputs,
each labelled with its augmentation as `origin`. Every text passes the common
rules again (>= data.min_words words; no repeat within the source, case- and
whitespace-insensitive, so a negative never equals a positive), counted per
origin and rule. A source with fewer than `assemble.min_positives` positives
(paper: 2; InfoNCE needs a pair) is dropped and counted. A disabled
augmentation contributes nothing. Toxic flags and entity spans are added
afterwards by contrastive.dataset.annotate; `stats` puts the paper's figures
beside ours.
"""
from __future__ import annotations

from collections import Counter

from alignment_tax.augment.common import check_text, output_path, read_items
from alignment_tax.augment.config import POSITIVE_TYPES, TYPES
from alignment_tax.data.common import norm_key
from alignment_tax.errors import AlignmentTaxError

NEGATIVE_TYPES = tuple(t for t in TYPES if t not in POSITIVE_TYPES)
PAPER = {"share_sources_with_entities": 0.29, "share_negatives_toxic": 0.2319}


def assemble(rows: list[dict], outputs: dict[str, dict[str, list[dict]]], min_positives: int,
             title_positive: bool, min_words: int, drops: Counter) -> list[dict]:
    """`outputs[type][source id]` = that augmentation's items; absent types contribute nothing."""
    out = []
    for row in rows:
        summary = row["summary"]
        seen = {norm_key(summary)}  # no later text may repeat the reference
        positives = [{"text": summary, "origin": "reference"}]
        extra = [("title", row.get("title") or "")] if title_positive else []
        extra += [(kind, it["text"]) for kind in POSITIVE_TYPES for it in outputs.get(kind, {}).get(row["id"], [])]
        for origin, text in extra:
            if check_text(text, summary, min_words, seen, drops, f"{origin}:"):
                positives.append({"text": text, "origin": origin})
        if len(positives) < min_positives:
            drops["source:under_min_positives"] += 1
            continue
        negatives = [{"text": it["text"], "origin": kind}
                     for kind in NEGATIVE_TYPES for it in outputs.get(kind, {}).get(row["id"], [])
                     if check_text(it["text"], summary, min_words, seen, drops, f"{kind}:")]
        out.append({"id": row["id"], "subreddit": row.get("subreddit"), "title": row.get("title"),
                    "post": row["post"], "summary": summary, "positives": positives, "negatives": negatives})
    return out


def from_stage_outputs(rows: list[dict], aug, min_words: int, drops: Counter) -> tuple[list[dict], dict]:
    """Read the enabled augment_<type> outputs and assemble; `aug` is params `augment`."""
    enabled = {kind: bool(aug[kind].enabled) for kind in TYPES}
    ids = [r["id"] for r in rows]
    outputs = {kind: read_items(output_path(kind), ids) for kind in TYPES if enabled[kind]}
    built = assemble(rows, outputs, aug.assemble.min_positives, aug.assemble.title_positive, min_words, drops)
    if not built:
        raise AlignmentTaxError(
            f"params.yaml: augment.assemble.min_positives: no source has {aug.assemble.min_positives} positives "
            f"(backtranslate enabled: {enabled['backtranslate']}; augment.assemble.title_positive adds the title)")
    return built, {"enabled": enabled, "min_positives": aug.assemble.min_positives,
                   "title_positive": bool(aug.assemble.title_positive)}


def origin_stats(rows: list[dict]) -> dict:
    """Counts and toxic shares per origin (after annotate), for the stats metric."""
    pos, neg, tox = Counter(), Counter(), Counter()
    for r in rows:
        pos.update(it["origin"] for it in r["positives"])
        for it in r["negatives"]:
            neg[it["origin"]] += 1
            tox[it["origin"]] += bool(it.get("toxic"))
    return {
        "positives_by_origin": dict(sorted(pos.items())),
        "negatives_by_origin": dict(sorted(neg.items())),
        "share_toxic_by_negative_origin": {k: round(tox[k] / n, 4) for k, n in sorted(neg.items())},
        "sources_with_negatives": sum(bool(r["negatives"]) for r in rows),
        "paper": PAPER,
    }
