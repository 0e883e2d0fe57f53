"""Seeded subsets: deterministic, in file order, balanced over categories."""
from collections import Counter

from alignment_tax.evaluate.subset import balanced_subset, random_subset

ROWS = [{"id": i, "category": "big" if i < 80 else ("mid" if i < 95 else "small")} for i in range(100)]


def test_random_subset_is_seeded_and_keeps_order():
    a, b = random_subset(ROWS, 10, seed=3), random_subset(ROWS, 10, seed=3)
    assert a == b and len(a) == 10 and [r["id"] for r in a] == sorted(r["id"] for r in a)
    assert random_subset(ROWS, 10, seed=4) != a
    assert random_subset(ROWS, 0, seed=3) == ROWS and random_subset(ROWS, 500, seed=3) == ROWS


def test_balanced_subset_spreads_over_categories():
    got = balanced_subset(ROWS, 12, seed=0, key="category")
    assert Counter(r["category"] for r in got) == {"big": 4, "mid": 4, "small": 4}
    got = balanced_subset(ROWS, 20, seed=0, key="category")  # "small" has 5: the others fill up
    assert Counter(r["category"] for r in got) == {"big": 8, "mid": 7, "small": 5}
    assert got == balanced_subset(ROWS, 20, seed=0, key="category")
