"""Paired inlet/outlet analysis against scipy and hand enumeration."""

import math
from itertools import product

import numpy as np
import pytest
from scipy import stats as sps

from verify.stats import paired as pair

INLET = [10.0, 12.0, 11.0, 9.0]
OUTLET = [1.0, 1.5, 0.9, 1.2]


def test_log_ratios_and_summary():
    d = pair.log_ratios(INLET, OUTLET)
    assert d == pytest.approx(np.log(np.array(OUTLET) / np.array(INLET)))
    s = pair.efficiency_summary(d)
    gm = sps.gmean(np.array(OUTLET) / np.array(INLET))
    assert s["efficiency_pct"] == pytest.approx(100 * (1 - gm))
    ci = sps.ttest_1samp(d, 0).confidence_interval(0.95)
    assert s["ci95"] == pytest.approx([100 * (1 - math.exp(ci.high)), 100 * (1 - math.exp(ci.low))])
    assert pair.log_ratios([1.0, 0.0], [0.5, 0.1]) is None


def test_paired_t_matches_scipy_ttest_rel_on_logs():
    d = pair.log_ratios(INLET, OUTLET)
    res = pair.paired_t(d)
    ref = sps.ttest_rel(np.log(INLET), np.log(OUTLET), alternative="greater")
    assert res["statistic"] == pytest.approx(ref.statistic) and res["p_value"] == pytest.approx(ref.pvalue)
    assert res["p_two_sided"] == pytest.approx(sps.ttest_rel(np.log(INLET), np.log(OUTLET)).pvalue)
    assert pair.paired_t(d[:1]) is None
    assert pair.paired_t(np.array([-1.0, -1.0, -1.0])) is None


def test_signed_rank_matches_scipy_exact():
    inlet, outlet = [10.0, 12.0, 11.0, 9.0, 8.0], [1.0, 1.5, 0.9, 9.5, 7.0]
    d = pair.log_ratios(inlet, outlet)
    res = pair.signed_rank(d)
    ref = sps.wilcoxon(-d, alternative="greater", method="exact")
    assert res["statistic"] == ref.statistic and res["p_value"] == pytest.approx(ref.pvalue)


def test_signed_rank_ties_by_hand_enumeration():
    x = np.array([0.5, 0.5, -0.2, 1.0])  # ln(in/out); |x| ranks: 0.2 → 1, 0.5, 0.5 → 2.5, 1.0 → 4
    res = pair.signed_rank(-x)
    assert res["statistic"] == 2.5 + 2.5 + 4
    ranks = [2.5, 2.5, 1, 4]
    ws = [sum(r for r, s in zip(ranks, signs) if s) for signs in product((0, 1), repeat=4)]
    assert res["p_value"] == pytest.approx(sum(w >= 9 for w in ws) / 16)  # = 3/16


def test_signed_rank_three_pairs_minimum():
    # docs/references.md#small-sample-facts: with n = 3 the smallest one-sided signed-rank p is 1/8 (two-sided 0.25)
    res = pair.signed_rank(pair.log_ratios([10.0, 11.0, 12.0], [1.0, 2.0, 3.0]))
    assert res["p_value"] == pytest.approx(0.125)


def test_efficiency_claim_inverse():
    d = pair.log_ratios(INLET, OUTLET)
    p, lower = pair.efficiency_claim(d, 80.0)
    ref = sps.ttest_1samp(d, math.log(0.2), alternative="less")
    assert p == pytest.approx(ref.pvalue)
    # at the lower bound the claim test has p = α exactly
    p_at_bound, _ = pair.efficiency_claim(d, lower)
    assert p_at_bound == pytest.approx(0.05, abs=1e-10)
