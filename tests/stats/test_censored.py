"""Kaplan–Meier means on flipped data and the Gehan test, against hand computations."""

from itertools import combinations

import numpy as np
import pytest

from verify.stats import censored as cens
from verify.stats import twosample as ts


def test_km_mean_hand_example():
    # Values 1, <2, 3, 4 (Helsel 2012 ch. 6 procedure, worked by hand): the mass 1/4 of "<2" goes
    # to the detected values below 2, i.e. to 1. Masses: 1 → 1/2, 3 → 1/4, 4 → 1/4; mean 2.25.
    # sd: Σp(x−μ)² = 0.5·1.5625 + 0.25·0.5625 + 0.25·3.0625 = 1.6875; × 4/3 = 2.25 → sd 1.5.
    mean, sd = cens.km_mean([1.0, 2.0, 3.0, 4.0], [False, True, False, False])
    assert mean == pytest.approx(2.25, abs=1e-12) and sd == pytest.approx(1.5, abs=1e-12)


def test_km_mean_second_hand_example():
    # 0.5, <1, <1, 2, 3: product-limit on the left-censored data. At 3: 5 at or below, F(3⁻) = 4/5;
    # at 2: 4 at or below → F(2⁻) = 4/5 · 3/4 = 3/5; the two "<1" carry no jump; at 0.5: 1 at or
    # below → F(0.5⁻) = 0. Masses: 3 → 1/5, 2 → 1/5, 0.5 → 3/5. Mean 0.6 + 0.4 + 0.3 = 1.3.
    mean, _ = cens.km_mean([0.5, 1.0, 1.0, 2.0, 3.0], [False, True, True, False, False])
    assert mean == pytest.approx(1.3, abs=1e-12)


def test_km_without_censoring_is_arithmetic():
    x = [3.1, 2.2, 5.9, 4.0]
    mean, sd = cens.km_mean(x, [False] * 4)
    assert mean == pytest.approx(np.mean(x)) and sd == pytest.approx(np.std(x, ddof=1))


def test_km_smallest_censored_treated_as_detected():
    # <1, 2, 3: the smallest value is censored; it is treated as detected → plain mean 2
    mean, _ = cens.km_mean([1.0, 2.0, 3.0], [True, False, False])
    assert mean == pytest.approx(2.0)


def test_all_censored():
    mean, sd = cens.km_mean([0.5, 0.5, 0.5], [True, True, True])
    assert mean == 0.5 and sd == 0.0
    res = cens.gehan_test([0.5, 0.5], [True, True], [0.5, 0.5, 0.5], [True, True, True])
    assert res["statistic"] == 0 and res["p_value"] == 1.0


def test_score_matrix_rules():
    x = np.array([1.0, 2.0, 2.0, 3.0])
    c = np.array([False, True, False, True])  # 1, <2, 2, <3
    s = cens.surely_larger(x, c)
    assert s[2, 1] == 1 and s[1, 2] == -1  # 2 is surely larger than <2
    assert s[1, 0] == 0 and s[3, 1] == 0  # <2 vs 1 and <3 vs <2 undetermined
    assert s[3, 0] == 0 and s[2, 0] == 1  # <3 vs 1 undetermined; 2 > 1
    assert (s == -s.T).all()


def test_gehan_equals_mann_whitney_without_censoring():
    before, after = [5.0, 6.0, 5.5, 7.0], [5.2, 4.9, 6.1]
    g = cens.gehan_test(before, [False] * 4, after, [False] * 3)
    mw = ts.mann_whitney(before, after)
    assert g["statistic"] == 4 * 3 - 2 * mw["statistic"]  # G = n_a n_b − 2 U_before
    assert g["p_value"] == pytest.approx(mw["p_value"])


def test_gehan_exact_by_brute_force():
    before, bc = [3.0, 0.5, 4.0], [False, True, False]
    after, ac = [0.5, 1.0, 0.5], [True, False, True]
    x, c = before + after, bc + ac

    def gehan(idx_after):
        total = 0
        for i in idx_after:
            for j in set(range(6)) - set(idx_after):
                xi, ci, xj, cj = x[i], c[i], x[j], c[j]
                if not ci and not cj:
                    total += (xi > xj) - (xi < xj)
                elif not ci and cj:
                    total += xi >= xj
                elif ci and not cj:
                    total -= xi <= xj
        return total

    obs = gehan((3, 4, 5))
    # by hand: after <0.5 vs 3, <0.5, 4 → −1, 0, −1 (twice); after 1 vs 3, <0.5, 4 → −1, +1, −1 → −5
    assert obs == -5
    dist = [gehan(idx) for idx in combinations(range(6), 3)]
    res = cens.gehan_test(before, bc, after, ac)
    assert res["statistic"] == obs and res["relabelings"] == 20
    assert res["p_value"] == pytest.approx(sum(d <= obs for d in dist) / 20)


def test_gehan_needs_two_per_phase():
    assert cens.gehan_test([1.0], [False], [0.5, 0.4], [True, False]) is None


def test_km_tie_between_detected_and_censored():
    # 1, <2, 2, 3 by hand: at 3, 4 at or below → F(3⁻) = 3/4; at 2 (detected), 3 at or below (1, <2, 2)
    # → F(2⁻) = 3/4 · 2/3 = 1/2; at 1, 1 at or below → 0. Masses 3: 1/4, 2: 1/4, 1: 1/2; mean 1.75.
    # A "<2" is surely below a detected 2, so the censored run is still "at risk" at 2.
    for censored in ([False, True, False, False], [False, False, True, False]):
        mean, _ = cens.km_mean([1.0, 2.0, 2.0, 3.0], censored)
        assert mean == pytest.approx(1.75, abs=1e-12)
