"""Paired intervals cover the true difference at about the nominal rate; small samples are judged exactly."""
import numpy as np
import pytest

from alignment_tax.report.bootstrap import paired_bootstrap


def test_coverage_is_near_nominal_on_synthetic_pairs():
    rng = np.random.default_rng(0)
    true_diff, trials, covered = 0.1, 400, 0
    for t in range(trials):
        item = rng.normal(0, 1, 60)                       # shared item difficulty: why pairing matters
        base = item + rng.normal(0, 0.3, 60)
        mine = item + true_diff + rng.normal(0, 0.3, 60)
        d = paired_bootstrap(mine, base, resamples=1000, confidence=0.95, seed=t, method="bca")
        covered += d.lo <= true_diff <= d.hi
    assert 0.92 <= covered / trials <= 0.98  # BCa: 0.945 here; a percentile interval gives 0.9275


def _ternary_coverage(n: int, trials: int, method: str) -> float:
    """Per-item changes in {-1, 0, +1} (a 0/1 metric, method minus base), true mean 0.1."""
    rng = np.random.default_rng(7)
    vals, probs = np.array([-1.0, 0.0, 1.0]), np.array([0.2, 0.5, 0.3])
    mu = float(vals @ probs)
    hits = 0
    for t in range(trials):
        d = rng.choice(vals, size=n, p=probs)
        r = paired_bootstrap(d, np.zeros(n), resamples=1000, seed=t, method=method, exact_below=0)
        hits += r.lo <= mu <= r.hi
    return hits / trials


@pytest.mark.parametrize("n", [10, 24])
def test_default_interval_covers_near_nominal_at_small_n(n):
    """The report's cells hold 14-40 items of 0/1 scores: the default (t) interval must keep its 95 %."""
    cov = _ternary_coverage(n, 2000, "t")
    assert abs(cov - 0.95) <= 0.02, cov  # measured: 0.944 (n = 10), 0.9525 (n = 24)


def test_bca_undercovers_at_small_n_which_is_why_t_is_the_default():
    assert _ternary_coverage(10, 300, "bca") < 0.92  # measured 0.873 over 1,000 samples


@pytest.mark.parametrize("d, p", [([0.2, 0.21], 0.5), ([1.0, 2.0, 3.0], 0.25), ([1.0] * 5, 0.0625)])
def test_small_samples_are_judged_by_the_exact_sign_flip_test(d, p):
    """Distinct changes (the old fallback only caught identical ones): the interval may exclude 0,
    the exact test does not call it significant."""
    r = paired_bootstrap(d, [0.0] * len(d), seed=0)
    assert r.p_value == pytest.approx(p) and not r.excludes_zero
    if len(set(d)) > 1:
        assert r.lo > 0 or d == [1.0, 2.0, 3.0]  # [0.2, 0.21]: t interval [0.14, 0.27] excludes 0


def test_large_samples_use_the_interval_and_exact_below_switches():
    rng = np.random.default_rng(3)
    d = rng.normal(0.3, 1.0, 40)
    big = paired_bootstrap(d, np.zeros(40), seed=0)
    assert big.p_value is None and big.excludes_zero == (big.lo > 0 or big.hi < 0)
    forced = paired_bootstrap(d, np.zeros(40), seed=0, exact_below=41)
    assert forced.p_value is not None


def test_pairing_narrows_the_interval_and_flags_real_changes():
    rng = np.random.default_rng(1)
    item = rng.normal(0, 1, 200)
    d = paired_bootstrap(item + 0.05, item + rng.normal(0, 0.01, 200), resamples=500, seed=0)
    assert d.excludes_zero and d.lo > 0  # unpaired, the item spread (sd 1) would swamp a 0.05 shift
    same = paired_bootstrap(item, item, resamples=500, seed=0)
    assert same.delta == 0 and not same.excludes_zero


def test_seeded_nan_skipping_and_empty():
    x, y = [1.0, np.nan, 3.0, 4.0], [0.0, 1.0, np.nan, 2.0]
    a, b = paired_bootstrap(x, y, seed=3), paired_bootstrap(x, y, seed=3)
    assert a == b and a.n == 2 and a.delta == pytest.approx(1.5)
    assert paired_bootstrap([np.nan], [1.0]) is None
    with pytest.raises(ValueError):
        paired_bootstrap([1.0], [1.0, 2.0])


def test_a_point_interval_is_judged_by_the_sign_test():
    """One item, or items that all changed alike: the bootstrap interval is a point, which would
    'exclude 0' for any change; significance then needs 2 * 0.5**n < 0.05, i.e. n >= 6."""
    one = paired_bootstrap([1.0], [0.0])
    assert (one.lo, one.hi) == (1.0, 1.0) and not one.excludes_zero
    assert not paired_bootstrap([1.0] * 5, [0.0] * 5).excludes_zero  # p = 0.0625
    six = paired_bootstrap([0.0] * 6, [1.0] * 6)
    assert six.excludes_zero and six.delta == -1.0  # p = 0.03125
    assert six.scaled(100).excludes_zero and six.scaled(100).delta == -100.0
    assert not paired_bootstrap([2.0] * 9, [2.0] * 9).excludes_zero
