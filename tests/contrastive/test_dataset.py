"""The interim contrastive source and the dataset statistics."""
from collections import Counter

from alignment_tax.contrastive.dataset import reference_and_title, stats


def rows(n):
    return [{"id": f"p{i}", "subreddit": "x", "title": f"title number {i} here", "post": f"post {i} " * 5,
             "summary": f"summary of post {i}"} for i in range(n)]


def test_positives_negatives_and_drops():
    data = rows(20) + [{"id": "nt", "title": None, "post": "a post without title", "summary": "a short summary"},
                       {"id": "st", "title": "too short", "post": "another post here", "summary": "its summary here"}]
    drops = Counter()
    out = reference_and_title(data, 4, 3, 0, drops)
    assert len(out) == 20 and drops == Counter({"no_title": 1, "title_under_min_words": 1})
    for r in out:
        assert [p["origin"] for p in r["positives"]] == ["reference", "title"]
        assert r["positives"][0]["text"] == r["summary"]
        assert len(r["negatives"]) == 4
        assert all(n["text"] != r["summary"] for n in r["negatives"])
    assert reference_and_title(data, 4, 3, 0, Counter()) == out  # seeded: the same every time


def test_stats_shares():
    out = reference_and_title(rows(4), 2, 3, 0, Counter())
    for r in out:
        r["source_toxic"] = r["id"] == "p0"
        for it in r["positives"] + r["negatives"]:
            it["toxic"], it["entities"] = False, []
    out[0]["negatives"][0]["toxic"] = True
    out[1]["positives"][1]["entities"] = [[0, 5, "ORG"]]
    s = stats(out, Counter(), 4)
    assert s["share_negatives_toxic"] == 0.125 and s["share_sources_with_entities"] == 0.25
    assert s["share_sources_toxic"] == 0.25 and s["positives_per_source"] == 2.0
