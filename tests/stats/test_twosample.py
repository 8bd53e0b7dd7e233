"""Two-sample tests against independent computations (scipy, brute-force enumeration)."""

import math
from itertools import combinations

import numpy as np
import pytest
from scipy import stats as sps

from verify.stats import twosample as ts

BEFORE = [1.2, 1.4, 1.3]
AFTER = [0.5, 0.6, 0.55]


@pytest.mark.parametrize(
    "before, after",
    [(BEFORE, AFTER), ([10.0, 12.5, 9.1, 11.0], [9.5, 10.2, 12.9]), ([3.0, 3.1], [3.3, 2.0, 2.5, 2.6, 2.9])],
)
def test_welch_matches_scipy(before, after):
    res = ts.welch_t(before, after)
    ref = sps.ttest_ind(before, after, equal_var=False, alternative="greater")
    ref2 = sps.ttest_ind(before, after, equal_var=False)
    assert res["statistic"] == pytest.approx(ref.statistic, rel=1e-12)
    assert res["df"] == pytest.approx(ref.df, rel=1e-12)
    assert res["p_value"] == pytest.approx(ref.pvalue, rel=1e-10)
    assert res["p_two_sided"] == pytest.approx(ref2.pvalue, rel=1e-10)


def test_welch_spec_example():
    # docs/results.md example endpoint: statistic 11.62, df 2.941, p 0.00075, two-sided 0.0015
    res = ts.welch_t(BEFORE, AFTER)
    assert round(res["statistic"], 1) == 11.6 and round(res["df"], 1) == 2.9
    assert round(res["p_value"], 4) == 0.0008 and res["p_two_sided"] == pytest.approx(2 * res["p_value"])


def test_welch_edges():
    assert ts.welch_t([1.0], [0.5, 0.6]) is None  # n = 1
    assert ts.welch_t([1.0, 1.0], [0.5, 0.5]) is None  # constant: SE = 0
    res = ts.welch_t([1.0, 1.2], [0.5, 0.6])  # n = 2 is allowed
    assert res["df"] > 0 and 0 < res["p_value"] < 1


def _scipy_perm_p(before, after):
    res = sps.permutation_test(
        (np.asarray(after), np.asarray(before)),
        lambda a, b, axis: np.mean(a, axis=axis) - np.mean(b, axis=axis),
        permutation_type="independent", alternative="less", n_resamples=np.inf, vectorized=True,
    )
    return res.pvalue


@pytest.mark.parametrize(
    "before, after",
    [(BEFORE, AFTER), ([5.0, 6.0, 5.5, 7.0], [5.2, 4.9, 6.1]), ([1.0, 2.0, 2.0, 3.0], [2.0, 2.0, 1.0, 4.0, 2.0])],
)
def test_permutation_exact_matches_scipy(before, after):
    res = ts.permutation_test(before, after)
    assert res["seed"] is None and res["relabelings"] == math.comb(len(before) + len(after), len(after))
    assert res["p_value"] == pytest.approx(_scipy_perm_p(before, after), abs=1e-12)


def test_permutation_exact_by_hand():
    # 2 + 2 runs: 6 relabelings of {1, 2, 3, 4}; observed after = {1, 2}: difference −2 is the
    # smallest of the six (−2, −1, 0, 0, 1, 2), so p = 1/6.
    res = ts.permutation_test([3.0, 4.0], [1.0, 2.0])
    assert res["p_value"] == pytest.approx(1 / 6) and res["relabelings"] == 6


def test_permutation_sampled_close_to_full_enumeration():
    rng = np.random.default_rng(7)
    before, after = rng.normal(10, 2, 8), rng.normal(9, 2, 8)  # C(16, 8) = 12 870 > 10 000: sampled
    res = ts.permutation_test(before, after, seed=123)
    assert res["seed"] == 123 and res["relabelings"] == 12870 and not res["exact"]
    # brute-force full enumeration, written independently
    pooled = np.concatenate([before, after])
    obs = after.mean() - before.mean()
    after_idx = np.array(list(combinations(range(16), 8)))
    mask = np.zeros((len(after_idx), 16), bool)
    np.put_along_axis(mask, after_idx, True, axis=1)
    diffs = (mask * pooled).sum(axis=1) / 8 - (~mask * pooled).sum(axis=1) / 8
    count = np.count_nonzero(diffs <= obs + 1e-12)
    exact = count / 12870
    assert abs(res["p_value"] - exact) < 5 * math.sqrt(exact * (1 - exact) / 100_000) + 1e-5
    # the p-value is (k + 1)/(m + 1) and reproducible from the recorded seed
    assert round(res["p_value"] * 100_001) == pytest.approx(res["p_value"] * 100_001, abs=1e-6)
    assert ts.permutation_test(before, after, seed=123) == res


@pytest.mark.parametrize(
    "before, after",
    [(BEFORE, AFTER), ([5.0, 6.0, 5.5, 7.0], [5.2, 4.9, 6.1, 3.0]), ([1.1, 2.3], [0.2, 3.1, 0.7])],
)
def test_mann_whitney_exact_matches_scipy_without_ties(before, after):
    res = ts.mann_whitney(before, after)
    ref = sps.mannwhitneyu(before, after, alternative="greater", method="exact")
    assert res["method"] == "exact"
    assert res["statistic"] == ref.statistic
    assert res["p_value"] == pytest.approx(ref.pvalue, abs=1e-12)


def test_mann_whitney_ties_by_enumeration():
    before, after = [2.0, 3.0, 3.0], [1.0, 2.0, 3.0]
    # U of before by hand: 2 vs (1, 2, 3) = 1 + ½ + 0; each 3 vs (1, 2, 3) = 1 + 1 + ½ → 1.5 + 2.5 + 2.5 = 6.5
    res = ts.mann_whitney(before, after)
    assert res["statistic"] == 6.5
    ref = sps.permutation_test(
        (np.array(before), np.array(after)),
        lambda x, y: sps.mannwhitneyu(x, y, method="asymptotic").statistic,
        permutation_type="independent", alternative="greater", n_resamples=np.inf, vectorized=False,
    )
    assert res["p_value"] == pytest.approx(ref.pvalue, abs=1e-12)


def test_mann_whitney_3_vs_3_never_below_005():
    # docs/references.md#small-sample-facts: the smallest one-sided exact p with 3 vs 3 runs is 1/20 = 0.05
    res = ts.mann_whitney([10.0, 11.0, 12.0], [1.0, 2.0, 3.0])
    assert res["p_value"] == pytest.approx(0.05) and ts.min_exact_p(3, 3) == pytest.approx(0.05)


def test_mann_whitney_normal_matches_scipy_asymptotic():
    rng = np.random.default_rng(3)
    before = np.round(rng.normal(10, 2, 10), 0)  # rounding creates ties
    after = np.round(rng.normal(9, 2, 10), 0)
    res = ts.mann_whitney(before, after)  # C(20, 10) = 184 756 → normal
    ref = sps.mannwhitneyu(before, after, alternative="greater", method="asymptotic", use_continuity=True)
    assert res["method"] == "normal" and res["statistic"] == ref.statistic
    assert res["p_value"] == pytest.approx(ref.pvalue, rel=1e-10)


def test_n1_gives_no_tests():
    assert ts.permutation_test([1.0], [0.5, 0.4]) is None
    assert ts.mann_whitney([1.0, 2.0], [0.5]) is None
