"""Fieller–Welch interval, one-sided claim bound, ratio of geometric means: independent checks."""

import math

import numpy as np
import pytest
from scipy import stats as sps

from verify.stats import ratio as rt

CASES = [
    ([1.2, 1.4, 1.3], [0.5, 0.6, 0.55]),  # docs/results.md example
    ([10.0, 12.5, 9.1, 11.0], [6.5, 7.2, 9.9]),
    ([100.0, 80.0, 120.0], [95.0, 60.0, 70.0, 88.0, 102.0]),
]


def _welch_p_scipy(before, after, rho, alternative):
    """Welch test of μ_a − ρ μ_b = 0 computed by scipy on the scaled sample ρ·before (independent)."""
    return sps.ttest_ind(np.asarray(after), rho * np.asarray(before), equal_var=False, alternative=alternative).pvalue


@pytest.mark.parametrize("before, after", CASES)
def test_statistic_matches_scipy_on_scaled_sample(before, after):
    m = rt.TwoMeans.from_values(before, after)
    for rho in (0.3, 0.5, 0.9):
        ref = sps.ttest_ind(after, rho * np.asarray(before), equal_var=False)
        t, df = m.t_df(rho)
        assert t == pytest.approx(ref.statistic, rel=1e-10) and df == pytest.approx(ref.df, rel=1e-10)


@pytest.mark.parametrize("before, after", CASES)
def test_fieller_bounds_by_grid_search(before, after):
    """Brute force: scipy's Welch test of after vs ρ·before on a fine grid of ρ (broadcast)."""
    m = rt.TwoMeans.from_values(before, after)
    lo, hi = rt.fieller_interval(m)
    grid = np.linspace(lo - 0.5, hi + 0.5, 40_001)
    p = sps.ttest_ind(np.asarray(after)[None, :], grid[:, None] * np.asarray(before)[None, :], axis=1, equal_var=False).pvalue
    accepted = grid[p >= 0.05]
    step = grid[1] - grid[0]
    assert accepted.min() == pytest.approx(lo, abs=step) and accepted.max() == pytest.approx(hi, abs=step)
    assert len(accepted) == pytest.approx((hi - lo) / step, abs=2)  # one interval, no holes


def test_fieller_constant_before_by_hand():
    # s_b = 0: SE = s_a/√n_a for every ρ and df = n_a − 1, so the bounds are (ā ∓ t·s_a/√n_a)/b̄.
    before, after = [5.0, 5.0, 5.0], [2.0, 3.0, 2.5]
    lo, hi = rt.fieller_interval(rt.TwoMeans.from_values(before, after))
    half = sps.t.ppf(0.975, 2) * 0.5 / math.sqrt(3)
    assert lo == pytest.approx((2.5 - half) / 5, rel=1e-9) and hi == pytest.approx((2.5 + half) / 5, rel=1e-9)


@pytest.mark.parametrize("before, after", CASES)
def test_p_value_at_interval_bounds_equals_alpha(before, after):
    m = rt.TwoMeans.from_values(before, after)
    lo, hi = rt.fieller_interval(m)
    assert _welch_p_scipy(before, after, lo, "two-sided") == pytest.approx(0.05, abs=1e-8)
    assert _welch_p_scipy(before, after, hi, "two-sided") == pytest.approx(0.05, abs=1e-8)
    rho_u = rt.one_sided_upper(m, 0.05)
    assert _welch_p_scipy(before, after, rho_u, "less") == pytest.approx(0.05, abs=1e-8)
    assert m.p_one_sided(rho_u) == pytest.approx(0.05, abs=1e-8)
    assert lo < rho_u < hi  # one-sided 95 % bound lies inside the two-sided 95 % interval


def test_fixed_df_quadratic_is_close():
    """With df frozen at its value at the bound, the bound solves the classic Fieller quadratic."""
    before, after = CASES[1]
    m = rt.TwoMeans.from_values(before, after)
    lo, hi = rt.fieller_interval(m)
    for bound in (lo, hi):
        _, df = m.t_df(bound)
        t = sps.t.ppf(0.975, df)
        vb, va = m.var_b / m.n_b, m.var_a / m.n_a
        a, b, c = m.mean_b**2 - t * t * vb, -2 * m.mean_a * m.mean_b, m.mean_a**2 - t * t * va
        assert a * bound**2 + b * bound + c == pytest.approx(0, abs=1e-9 * m.mean_a**2)


def test_unbounded_interval_is_none():
    # before mean barely distinguishable from 0: b̄/(s_b/√n) = 1.15 < t(0.975, 2) = 4.30
    m = rt.TwoMeans.from_values([0.1, 2.0, 0.5], [0.4, 0.5, 0.6])
    assert rt.fieller_interval(m) is None
    assert rt.one_sided_upper(m) is None  # 1.15 < t(0.95, 2) = 2.92: never rejected
    # and indeed far-out ratios are not rejected
    assert _welch_p_scipy([0.1, 2.0, 0.5], [0.4, 0.5, 0.6], 1e6, "two-sided") > 0.05


def test_undefined_cases():
    assert rt.fieller_interval(rt.TwoMeans.from_values([1.0, 1.0], [0.5, 0.5])) is None  # constant
    assert rt.fieller_interval(rt.TwoMeans.from_values([-1.0, -2.0], [0.5, 0.6])) is None  # mean ≤ 0


def test_gm_ratio_matches_scipy_on_logs():
    before, after = [10.0, 12.5, 9.1, 11.0], [6.5, 7.2, 9.9]
    ratio, (lo, hi) = rt.gm_ratio(before, after)
    ref = sps.ttest_ind(np.log(after), np.log(before), equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert ratio == pytest.approx(sps.gmean(after) / sps.gmean(before), rel=1e-12)
    assert lo == pytest.approx(math.exp(ci.low), rel=1e-10) and hi == pytest.approx(math.exp(ci.high), rel=1e-10)


def test_gm_ratio_spec_example():
    # docs/results.md example endpoint: gm_ratio 0.4227, CI [0.3484, 0.5130]
    ratio, (lo, hi) = rt.gm_ratio([1.2, 1.4, 1.3], [0.5, 0.6, 0.55])
    assert (round(ratio, 3), round(lo, 3), round(hi, 3)) == (0.423, 0.348, 0.513)


def test_gm_ratio_edges():
    assert rt.gm_ratio([1.0, 0.0], [0.5, 0.4]) == (None, None)
    assert rt.gm_ratio([2.0], [1.0, 1.5])[1] is None  # n = 1: point estimate only
    assert rt.gm_ratio([2.0, 2.0], [1.0, 1.0]) == (0.5, None)  # constant logs: no interval
