"""MDR and run planning: the published figures (docs/references.md#small-sample-facts) and an
independent noncentral-t power computation."""

import math

import numpy as np
import pytest
from scipy import stats as sps

from verify.sentences import plan_statement
from verify.stats import power as pw
from verify.stats.plan import mdr_table, plan_runs

CVS = [0.10, 0.20, 0.30, 0.50]


def test_published_mdr_two_sided_3_and_6_runs():
    # docs/references.md#small-sample-facts: 26/46/59/77 % (3 + 3) and 16/30/41/57 % (6 + 6), two-sided, power 0.8
    rows = mdr_table(CVS, [3, 6], sided="two", power=0.8, alpha=0.05)
    got = {(r["cv"], r["n_per_phase"]): round(r["mdr_pct"]) for r in rows}
    assert [got[(c, 3)] for c in CVS] == [26, 46, 59, 77]
    assert [got[(c, 6)] for c in CVS] == [16, 30, 41, 57]


def test_published_mdr_one_sided_3_runs():
    # issue "Statistical effect tests", Done when: 21.9 / 38.8 / 51.7 / 69.0 % one-sided, 3 + 3 runs
    rows = mdr_table(CVS, 3, sided="one")
    assert [round(r["mdr_pct"], 1) for r in rows] == [21.9, 38.8, 51.7, 69.0]


def _power_noncentral_t(d, n, alpha):
    """Power of the one-sided two-sample t-test, written from the noncentral t directly."""
    df = 2 * n - 2
    nc = d * math.sqrt(n / 2)
    return sps.nct.sf(sps.t.ppf(1 - alpha, df), df, nc)


def test_mdr_is_the_reduction_with_the_stated_power():
    for cv in CVS:
        mdr = pw.mdr_pct(cv, 4, 4, sided="one")
        d = -math.log(1 - mdr / 100) / math.sqrt(math.log(1 + cv * cv))
        assert _power_noncentral_t(d, 4, 0.05) == pytest.approx(0.8, abs=1e-6)


def test_plan_runs_is_the_smallest_n_reaching_the_power():
    res = plan_runs(cv=0.2, expected_reduction_pct=60, claimed_reduction_pct=50)
    s = math.sqrt(math.log(1.04))
    d = (math.log(0.5) - math.log(0.4)) / s
    n = res.runs_per_phase
    assert res.reason == "reachable"
    assert _power_noncentral_t(d, n, 0.05) >= 0.8 > _power_noncentral_t(d, n - 1, 0.05)
    assert res.achieved_power == pytest.approx(_power_noncentral_t(d, n, 0.05), rel=1e-6)
    assert plan_statement(res.to_dict())["ja"] and plan_statement(res.to_dict())["zh"] and str(n) in plan_statement(res.to_dict())["ja"] and str(n) in plan_statement(res.to_dict())["zh"]


def test_plan_against_zero_matches_mdr():
    # claimed 0: n runs suffice exactly when the expected reduction is at least the MDR at n runs
    res = plan_runs(cv=0.3, expected_reduction_pct=51.7, claimed_reduction_pct=0)
    assert res.runs_per_phase in (3, 4)
    assert pw.mdr_pct(0.3, res.runs_per_phase, res.runs_per_phase) <= 51.7 + 1e-9


def test_plan_never_when_expected_does_not_exceed_claim():
    res = plan_runs(cv=0.2, expected_reduction_pct=50, claimed_reduction_pct=50)
    assert res.runs_per_phase is None and res.reason == "never"
    # power at the claim itself equals α whatever the number of runs
    assert pw.power_for(0.2, 40, 40, 0.0, 0.05) == pytest.approx(0.05, abs=1e-9)
    assert "0.05" in plan_statement(res.to_dict())["ja"] and "0.05" in plan_statement(res.to_dict())["zh"]


def test_plan_max_runs():
    res = plan_runs(cv=0.5, expected_reduction_pct=30, claimed_reduction_pct=25, max_runs=10)
    assert res.reason == "max_runs" and res.runs_per_phase is None and res.mdr_pct is not None


def test_mdr_is_undefined_without_variability_or_runs():
    assert pw.mdr_pct(0.0, 3, 3) is None
    assert pw.observed_mdr([1.0], [2.0, 3.0]) is None  # one before run
    assert pw.observed_mdr([1.0, 2.0], [0.0, 3.0]) is None  # a value ≤ 0 has no log


def test_welch_se_and_df_hand_worked():
    # s_b² = 0.04 (n_b = 3), s_a² = 0.01 (n_a = 5): s_b²/n_b = 0.0133333, s_a²/n_a = 0.002;
    # SE² = 0.0153333, SE = 0.1238278; df = 0.0153333² / (0.0133333²/2 + 0.002²/4)
    # = 0.000235111 / (0.0000888889 + 0.000001) = 0.000235111 / 0.0000898889 = 2.615574
    se, df = pw.welch_se_df(0.04, 3, 0.01, 5)
    assert se == pytest.approx(math.sqrt(0.04 / 3 + 0.01 / 5), rel=1e-12) and se == pytest.approx(0.1238278, rel=1e-6)
    assert df == pytest.approx(2.615574, rel=1e-6)


def _welch_mdr_by_scipy(var_b, n_b, var_a, n_a, alpha=0.05, power=0.8):
    """Independent: scipy's noncentral t, solved with scipy's root finder on the noncentrality."""
    vb, va = var_b / n_b, var_a / n_a
    se = math.sqrt(vb + va)
    df = (vb + va) ** 2 / (vb**2 / (n_b - 1) + va**2 / (n_a - 1))
    crit = sps.t.ppf(1 - alpha, df)
    from scipy.optimize import root_scalar

    nc = root_scalar(lambda m: sps.nct.sf(crit, df, m) - power, bracket=[0, 50]).root
    return 100 * (1 - math.exp(-nc * se))


@pytest.mark.parametrize("var_b, n_b, var_a, n_a", [
    (0.04, 3, 0.01, 5),   # unequal variances and unequal n (the hand-worked SE and df above)
    (0.01, 6, 0.09, 3),   # the noisier phase has fewer runs
    (0.02, 4, 0.02, 7),   # equal variances, unequal n
])
def test_welch_mdr_matches_scipy_noncentral_t(var_b, n_b, var_a, n_a):
    ours = pw.welch_mdr(var_b, n_b, var_a, n_a)
    assert ours == pytest.approx(_welch_mdr_by_scipy(var_b, n_b, var_a, n_a), rel=1e-6)


def test_welch_mdr_differs_from_the_pooled_t_when_variances_differ():
    # Pooled t (statsmodels TTestIndPower, df = n_b + n_a − 2, pooled variance): with the noisy phase
    # having the fewer runs, the pooled test understates the uncertainty and its MDR is smaller.
    from statsmodels.stats.power import TTestIndPower

    var_b, n_b, var_a, n_a = 0.09, 3, 0.01, 6
    pooled_var = (2 * var_b + 5 * var_a) / 7
    d = TTestIndPower().solve_power(effect_size=None, nobs1=n_b, ratio=n_a / n_b, alpha=0.05, power=0.8,
                                    alternative="larger")
    pooled_mdr = 100 * (1 - math.exp(-d * math.sqrt(pooled_var)))
    assert pw.welch_mdr(var_b, n_b, var_a, n_a) > pooled_mdr + 5


def test_welch_mdr_power_by_simulation():
    # Monte Carlo check of the whole chain: lognormal runs with the per-phase log sds, a true
    # reduction equal to the MDR; the one-sided Welch test on logs (scipy) rejects in ≈ 80 % of
    # 20,000 replications (the noncentral t is an approximation to Welch power: ±3 points).
    rng = np.random.default_rng(17)
    var_b, n_b, var_a, n_a = 0.04, 4, 0.01, 6
    mdr = pw.welch_mdr(var_b, n_b, var_a, n_a)
    delta = -math.log(1 - mdr / 100)
    b = rng.normal(0.0, math.sqrt(var_b), size=(20_000, n_b))
    a = rng.normal(-delta, math.sqrt(var_a), size=(20_000, n_a))
    p = sps.ttest_ind(b, a, axis=1, equal_var=False, alternative="greater").pvalue
    assert np.mean(p < 0.05) == pytest.approx(0.8, abs=0.03)


def test_observed_mdr_uses_log_variances_per_phase():
    before, after = [10.0, 12.0, 11.0], [5.0, 7.0, 6.5, 6.0]
    var_b, var_a = np.log(before).var(ddof=1), np.log(after).var(ddof=1)
    mdr, basis = pw.observed_mdr(before, after)
    assert mdr == pytest.approx(_welch_mdr_by_scipy(var_b, 3, var_a, 4), rel=1e-6)
    assert basis["cv_before"] == pytest.approx(math.sqrt(math.exp(var_b) - 1), rel=1e-12)
    assert basis["cv"] == pytest.approx(math.sqrt(math.exp((2 * var_b + 3 * var_a) / 5) - 1), rel=1e-12)
    assert basis["df"] == pytest.approx(pw.welch_se_df(var_b, 3, var_a, 4)[1])


def test_bad_inputs():
    with pytest.raises(ValueError):
        plan_runs(cv=0, expected_reduction_pct=50)
    with pytest.raises(ValueError):
        plan_runs(cv=0.2, expected_reduction_pct=120)
    with pytest.raises(ValueError):
        mdr_table(0.2, 3, sided="both")


def test_plan_never_asks_for_fewer_runs_than_the_floor_and_says_why():
    # CV 10 %, expected 70 %, claimed 30 %: d = (ln 0.7 − ln 0.3)/sqrt(ln 1.01) ≈ 8.5, so 2 runs per
    # phase already give the power (checked with the independent noncentral-t power below)
    s = math.sqrt(math.log(1.01))
    d = (math.log(0.7) - math.log(0.3)) / s
    assert _power_noncentral_t(d, 2, 0.05) >= 0.8
    free = plan_runs(cv=0.1, expected_reduction_pct=70, claimed_reduction_pct=30)
    assert free.runs_per_phase == free.runs_for_power == 2
    floored = plan_runs(cv=0.1, expected_reduction_pct=70, claimed_reduction_pct=30, min_runs=3)
    assert (floored.runs_per_phase, floored.runs_for_power, floored.min_runs) == (3, 2, 3)
    assert floored.achieved_power == pytest.approx(_power_noncentral_t(d, 3, 0.05), rel=1e-6)
    assert "40 CFR 60.8(f)" in plan_statement(floored.to_dict())["ja"] and "40 CFR 60.8(f)" in plan_statement(floored.to_dict())["zh"]
    assert "40 CFR" not in plan_statement(free.to_dict())["ja"]
    # above the floor nothing changes
    many = plan_runs(cv=0.2, expected_reduction_pct=60, claimed_reduction_pct=50, min_runs=3)
    assert many.runs_per_phase == many.runs_for_power == plan_runs(cv=0.2, expected_reduction_pct=60, claimed_reduction_pct=50).runs_per_phase
