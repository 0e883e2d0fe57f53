"""Intervals for a method trained at several seeds and scored on the same items.

A seeded method's delta against a reference (base, or the CE-only control) varies for two
reasons: the items drawn (item variance) and the training run (seed variance: data order,
head initialisation). An item-level paired interval from one run sees only the first, and on
the tiny LM a rerun flipped a "significant" toxicity effect; so a study's intervals include both.

For S seeds and n shared items, d[s, i] = x[s, i] - ref[s, i] (ref may be one run, repeated, or
seed-matched runs). The mean delta is D = mean over s and i. Its variance has a seed part, estimated
from the spread of the per-seed means m_s (Var(m_s) = seed variance + within-run item noise / n), and
an item part, estimated from the spread over items of the seed-averaged deltas dbar_i (the item x
method effect that every seed shares, which the per-seed means cannot see):

    V = var(m_s) / S + var(dbar_i) / n

(the within-run noise enters both terms once: conservative by at most that share). The interval is
D +- t(df) * sqrt(V), df by Welch-Satterthwaite from the two terms. With one seed there is no seed
term: the interval is the item-level t interval and `seed_variance` is False, and a study never
marks such a difference significant. `seed_t_interval` is the plain seed-level test beside it (t over
the S per-seed means, S - 1 degrees of freedom).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from scipy import stats


@dataclass(frozen=True)
class SeedInterval:
    mean: float
    low: float
    high: float
    seeds: int
    items: int
    seed_variance: bool  # False: one seed, the interval holds item variance only
    se: float = float("nan")  # standard error of the mean delta
    df: float = float("nan")  # its degrees of freedom (Welch-Satterthwaite)

    def detectable(self, power: float = 0.8, confidence: float = 0.95) -> float:
        """The smallest true delta this design finds with `power` (two-sided test at `confidence`):
        (t_{1-a/2} + t_power) * se; an interval inside +-detectable bounds the effect there."""
        if not np.isfinite(self.se):
            return float("nan")
        return float((stats.t.ppf(0.5 + confidence / 2, self.df) + stats.t.ppf(power, self.df)) * self.se)

    @property
    def significant(self) -> bool:
        return self.seed_variance and (self.low > 0 or self.high < 0)


def two_level_interval(d: np.ndarray, confidence: float = 0.95) -> SeedInterval:
    """d: (seeds, items) paired deltas; items may be 1 (a cell-level metric: the seed term alone)."""
    d = np.asarray(d, dtype=float)
    if d.ndim != 2 or d.size == 0 or not np.isfinite(d).all():
        raise ValueError(f"deltas must be a finite (seeds, items) array, got shape {d.shape}")
    s, n = d.shape
    mean = float(d.mean())
    seed_term = d.mean(axis=1).var(ddof=1) / s if s > 1 else 0.0
    item_term = d.mean(axis=0).var(ddof=1) / n if n > 1 else 0.0
    if s == 1 and n == 1:
        return SeedInterval(mean, float("nan"), float("nan"), s, n, False)
    v = seed_term + item_term
    if v == 0.0:
        return SeedInterval(mean, mean, mean, s, n, s > 1, 0.0, float("inf"))
    parts = [(seed_term, s - 1), (item_term, n - 1)]
    df = v ** 2 / sum(t ** 2 / k for t, k in parts if k > 0 and t > 0)
    half = float(stats.t.ppf(0.5 + confidence / 2, df)) * np.sqrt(v)
    return SeedInterval(mean, mean - half, mean + half, s, n, s > 1, float(np.sqrt(v)), float(df))


def seed_t_interval(per_seed: np.ndarray, confidence: float = 0.95) -> Optional[tuple[float, float]]:
    """t interval over the per-seed mean deltas (None with fewer than two seeds)."""
    m = np.asarray(per_seed, dtype=float)
    if m.size < 2:
        return None
    half = float(stats.t.ppf(0.5 + confidence / 2, m.size - 1)) * m.std(ddof=1) / np.sqrt(m.size)
    return float(m.mean() - half), float(m.mean() + half)


def min_detectable(sd: float, n: int, confidence: float = 0.95, power: float = 0.8) -> float:
    """The smallest paired mean difference a two-sided test at `confidence` detects with `power`
    (normal approximation): (z_{1-a/2} + z_power) * sd / sqrt(n)."""
    z = stats.norm.ppf(0.5 + confidence / 2) + stats.norm.ppf(power)
    return float(z * sd / np.sqrt(n))


def items_needed(sd: float, effect: float, confidence: float = 0.95, power: float = 0.8) -> int:
    z = stats.norm.ppf(0.5 + confidence / 2) + stats.norm.ppf(power)
    return int(np.ceil((z * sd / effect) ** 2))
