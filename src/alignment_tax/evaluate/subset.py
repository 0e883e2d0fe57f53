"""Seeded benchmark subsets, so the default CPU run is bounded and every method sees the same items.

The subset depends only on (rows, n, seed), never on the method, so per-item
scores of two methods pair up for the report's paired bootstrap. Rows keep
their file order.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np


def random_subset(rows: list[dict], n: int, seed: int) -> list[dict]:
    """n rows drawn without replacement (n = 0 or n >= len(rows): all)."""
    if n <= 0 or n >= len(rows):
        return list(rows)
    keep = set(np.random.default_rng(seed).choice(len(rows), size=n, replace=False).tolist())
    return [r for i, r in enumerate(rows) if i in keep]


def balanced_subset(rows: list[dict], n: int, seed: int, key: str) -> list[dict]:
    """n rows spread evenly over the values of `key` (round robin over shuffled groups).

    Small categories run out first and the rest fill up; per-category tables
    then get about n / n_categories items each instead of the natural skew.
    """
    if n <= 0 or n >= len(rows):
        return list(rows)
    rng = np.random.default_rng(seed)
    groups = defaultdict(list)
    for i, r in enumerate(rows):
        groups[r[key]].append(i)
    queues = [list(rng.permutation(groups[k])) for k in sorted(groups)]
    keep: set = set()
    while len(keep) < n:
        for q in queues:
            if q and len(keep) < n:
                keep.add(int(q.pop(0)))
    return [r for i, r in enumerate(rows) if i in keep]
