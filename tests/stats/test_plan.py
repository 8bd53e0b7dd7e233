"""MDR and run planning: the field-guide figures and an independent noncentral-t power computation."""

import math

import numpy as np
import pytest
from scipy import stats as sps

from verify.stats import power as pw
from verify.stats.plan import mdr_table, plan_runs

CVS = [0.10, 0.20, 0.30, 0.50]


def test_field_guide_two_sided_3_and_6_runs():
    # shared/domain/field-guide.md §6: 26/46/59/77 % (3 + 3) and 16/30/41/57 % (6 + 6), two-sided, power 0.8
    rows = mdr_table(CVS, [3, 6], sided="two", power=0.8, alpha=0.05)
    got = {(r["cv"], r["n_per_phase"]): round(r["mdr_pct"]) for r in rows}
    assert [got[(c, 3)] for c in CVS] == [26, 46, 59, 77]
    assert [got[(c, 6)] for c in CVS] == [16, 30, 41, 57]


def test_field_guide_one_sided_3_runs():
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
    assert res.statement["ja"] and res.statement["zh"] and str(n) in res.statement["ja"] and str(n) in res.statement["zh"]


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
    assert "0.05" in res.statement["ja"] and "0.05" in res.statement["zh"]


def test_plan_max_runs():
    res = plan_runs(cv=0.5, expected_reduction_pct=30, claimed_reduction_pct=25, max_runs=10)
    assert res.reason == "max_runs" and res.runs_per_phase is None and res.mdr_pct is not None


def test_pooled_cv_on_log_scale():
    before, after = [10.0, 12.0, 11.0], [5.0, 7.0, 6.5, 6.0]
    cvb = np.std(before, ddof=1) / np.mean(before)
    cva = np.std(after, ddof=1) / np.mean(after)
    s2 = (2 * math.log(1 + cvb**2) + 3 * math.log(1 + cva**2)) / 5
    assert pw.pooled_cv(before, after) == pytest.approx(math.sqrt(math.exp(s2) - 1), rel=1e-12)
    assert pw.pooled_cv([1.0], after) is None
    assert pw.mdr_pct(0.0, 3, 3) is None


def test_bad_inputs():
    with pytest.raises(ValueError):
        plan_runs(cv=0, expected_reduction_pct=50)
    with pytest.raises(ValueError):
        plan_runs(cv=0.2, expected_reduction_pct=120)
    with pytest.raises(ValueError):
        mdr_table(0.2, 3, sided="both")
