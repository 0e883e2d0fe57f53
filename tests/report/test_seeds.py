"""report/seeds.py: the seed-variance interval on constructed data with known seed and item variance."""
import numpy as np
import pytest
from scipy import stats

from alignment_tax.report.seeds import items_needed, min_detectable, seed_t_interval, two_level_interval


def simulate(rng, seeds=3, items=60, sd_seed=0.05, sd_item=0.05, sd_noise=0.15, effect=0.0):
    """d[s, i] = effect + seed effect + item x method effect (shared by seeds) + run noise."""
    return (effect + rng.normal(0, sd_seed, (seeds, 1)) + rng.normal(0, sd_item, (1, items))
            + rng.normal(0, sd_noise, (seeds, items)))


def item_only(d, confidence=0.95):
    """The interval a one-level analysis gives: items of the seed-averaged deltas, seed variance ignored."""
    x = d.mean(axis=0)
    half = stats.t.ppf(0.5 + confidence / 2, x.size - 1) * x.std(ddof=1) / np.sqrt(x.size)
    return x.mean() - half, x.mean() + half


def test_covers_at_the_nominal_rate_with_seed_variance():
    rng = np.random.default_rng(0)
    hits = naive = 0
    reps = 600
    for _ in range(reps):
        d = simulate(rng)
        iv = two_level_interval(d)
        hits += iv.low <= 0.0 <= iv.high
        lo, hi = item_only(d)
        naive += lo <= 0.0 <= hi
    assert 0.92 <= hits / reps <= 0.99  # the two-level interval holds its 95 %
    assert naive / reps < 0.80  # ignoring the seed term it does not: the reason this module exists


def test_without_seed_variance_it_matches_the_item_interval():
    rng = np.random.default_rng(1)
    d = simulate(rng, sd_seed=0.0, sd_noise=0.0)  # every seed the same: only items vary
    iv = two_level_interval(d)
    lo, hi = item_only(d)
    assert iv.low == pytest.approx(lo, abs=1e-9) and iv.high == pytest.approx(hi, abs=1e-9)


def test_a_real_effect_is_significant_and_one_seed_never_is():
    rng = np.random.default_rng(2)
    d = simulate(rng, effect=0.3)
    assert two_level_interval(d).significant
    one = two_level_interval(d[:1])
    assert not one.seed_variance and not one.significant and one.low > 0  # the item interval excludes 0, unmarked


def test_a_cell_level_metric_uses_the_seed_term_alone():
    d = np.array([[0.10], [0.20], [0.30]])
    iv = two_level_interval(d)
    assert (iv.low, iv.high) == pytest.approx(seed_t_interval([0.1, 0.2, 0.3]))
    half = stats.t.ppf(0.975, 2) * 0.1 / np.sqrt(3)
    assert iv.high - iv.mean == pytest.approx(half)


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        two_level_interval(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError):
        two_level_interval(np.zeros(3))


def test_power_helpers_invert_each_other():
    mde = min_detectable(0.2, 100)
    assert mde == pytest.approx((1.959964 + 0.841621) * 0.02, rel=1e-4)
    assert items_needed(0.2, mde) in (100, 101)


def test_detectable_effect_is_found_at_its_power():
    rng = np.random.default_rng(3)
    effect = np.median([two_level_interval(simulate(rng)).detectable(0.8) for _ in range(100)])
    found = np.mean([two_level_interval(simulate(rng, effect=effect)).significant for _ in range(300)])
    assert 0.6 <= found <= 0.95  # ~80 % power at the size it names (se and df vary from draw to draw)
    assert np.mean([two_level_interval(simulate(rng, effect=effect / 3)).significant for _ in range(300)]) < 0.4
