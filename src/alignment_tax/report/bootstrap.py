"""Confidence interval and significance of a paired mean difference (method minus base).

The same items are used for both systems: the per-item differences d_i = x_i - y_i
are what varies, so the interval reflects how the *difference* varies over items,
not each system's own spread.

Interval (`benchmarks.report.interval`):
- `t` (default): Student-t interval of mean(d). On the report's small samples of
  0/1 or ternary per-item changes it covers near nominal, where bootstrap intervals
  run narrow: at a nominal 95 %, measured over 1,000 samples of ternary differences,
  t 0.937 / 0.942 at n = 10 / 24, BCa 0.873 / 0.936, percentile 0.874 / 0.924
  (tests/report/test_bootstrap.py re-measures the chosen method);
- `bca` / `percentile`: scipy.stats.bootstrap, `resamples` resamples, seeded.

Significance (the "*" mark): below `exact_below` items, or when every item changed
by the same amount (the interval is then a point that "excludes 0" for any change,
even on one item), an exact sign-flip permutation test of mean(d) = 0 decides
(scipy.stats.permutation_test, every sign pattern enumerated up to 2**16 of them):
d = [0.2, 0.21] gives p = 0.5, d = [1, 2, 3] p = 0.25, n identical changes p = 2 * 0.5**n.
From `exact_below` items on, the mark is "the interval excludes 0".
Everything is seeded, so a report is byte-identical on rerun.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Optional

import numpy as np
from scipy.stats import bootstrap, permutation_test, ttest_1samp

INTERVALS = ("t", "bca", "percentile")
EXACT_PATTERNS = 2 ** 16  # sign patterns enumerated exactly (n <= 16); Monte Carlo with as many beyond


@dataclass(frozen=True)
class Delta:
    delta: float
    lo: float
    hi: float
    n: int
    p_value: Optional[float] = None  # set where the exact test decides (small n or a point interval)
    alpha: float = 0.05

    @property
    def exact(self) -> bool:
        return self.p_value is not None

    @property
    def excludes_zero(self) -> bool:
        """The change is significant at the interval's level."""
        if self.p_value is not None:
            return self.delta != 0 and self.p_value < self.alpha
        return self.lo > 0 or self.hi < 0

    def scaled(self, factor: float) -> "Delta":
        return replace(self, delta=factor * self.delta, lo=factor * self.lo, hi=factor * self.hi)


def sign_flip_p(d: np.ndarray, seed: int = 0) -> float:
    """Two-sided p of mean(d) = 0 under sign symmetry; exact up to 16 items."""
    if not np.any(d) or d.size == 1:  # one item: its two sign patterns are the two tails, p = 1
        return 1.0
    res = permutation_test((d,), np.mean, permutation_type="samples", alternative="two-sided",
                           n_resamples=EXACT_PATTERNS, vectorized=True, axis=-1,
                           rng=np.random.default_rng(seed))
    return float(min(1.0, res.pvalue))


def interval(d: np.ndarray, method: str, *, resamples: int, confidence: float, seed: int) -> tuple[float, float]:
    mean = float(d.mean())
    if d.size == 1 or np.ptp(d) == 0:  # every resample has the same mean: the interval is a point
        return mean, mean
    if method == "t":
        with warnings.catch_warnings():  # near-identical differences: scipy warns of precision loss
            warnings.simplefilter("ignore")
            ci = ttest_1samp(d, 0.0).confidence_interval(confidence_level=confidence)
        return float(ci.low), float(ci.high)
    if method not in INTERVALS:
        raise ValueError(f"unknown interval method {method!r} (known: {', '.join(INTERVALS)})")
    lo = hi = np.nan
    for m in (("BCa", "percentile") if method == "bca" else ("percentile",)):  # BCa is undefined for
        with warnings.catch_warnings():                                       # some lopsided samples
            warnings.simplefilter("ignore")
            ci = bootstrap((d,), np.mean, n_resamples=resamples, confidence_level=confidence, method=m,
                           rng=np.random.default_rng(seed)).confidence_interval
        lo, hi = float(ci.low), float(ci.high)
        if np.isfinite(lo) and np.isfinite(hi):
            break
    return lo, hi


def paired_bootstrap(x, y, *, resamples: int = 1000, confidence: float = 0.95, seed: int = 0,
                     method: str = "t", exact_below: int = 30) -> Optional[Delta]:
    """Interval and significance of mean(x - y) over items where both are finite; None when none pair up."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"paired samples differ in length: {x.shape} vs {y.shape}")
    d = (x - y)[np.isfinite(x) & np.isfinite(y)]
    if d.size == 0:
        return None
    lo, hi = interval(d, method, resamples=resamples, confidence=confidence, seed=seed)
    p = sign_flip_p(d, seed) if d.size < exact_below or lo == hi else None
    return Delta(float(d.mean()), lo, hi, int(d.size), p_value=p, alpha=1 - confidence)


def sign_test_min_items(confidence: float) -> int:
    """The fewest identical non-zero changes an exact two-sided sign test calls significant."""
    n = 1
    while 2 * 0.5 ** n >= 1 - confidence:
        n += 1
    return n
