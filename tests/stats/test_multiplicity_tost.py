"""Holm against statsmodels multipletests; load TOST against two one-sided scipy Welch tests."""

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from verify.stats.comparability import load_tost
from verify.stats.multiplicity import holm


@pytest.mark.parametrize("p", [[0.01, 0.04, 0.03, 0.20], [0.5], [0.001, 0.001, 0.04], [0.3, 0.02, 0.9, 0.04, 0.011]])
def test_holm_matches_statsmodels(p):
    ref = multipletests(p, method="holm")[1]
    assert holm(p) == pytest.approx(list(ref))


def test_holm_by_hand_and_missing():
    # sorted 0.01, 0.03, 0.04: ×3 = 0.03, ×2 = 0.06, ×1 = 0.04 → running max 0.03, 0.06, 0.06
    assert holm([0.04, None, 0.01, 0.03]) == pytest.approx([0.06, None, 0.03, 0.06])
    assert holm([]) == []
    with pytest.raises(ValueError):
        holm([1.5])


def test_tost_matches_two_one_sided_welch_tests():
    before, after = [82.0, 85.0, 88.0, 84.0], [80.0, 86.0, 83.0]
    res = load_tost(before, after, 10)
    delta = 0.1 * np.mean(before)
    lower = sps.ttest_ind(after, np.asarray(before) - delta, equal_var=False, alternative="greater").pvalue
    upper = sps.ttest_ind(after, np.asarray(before) + delta, equal_var=False, alternative="less").pvalue
    assert res["p_value"] == pytest.approx(max(lower, upper), rel=1e-9)
    assert res["equivalent"] is (res["p_value"] < 0.05) and res["margin_pct"] == 10.0
    assert res["bounds"] == pytest.approx([-delta, delta])


def test_tost_not_equivalent_and_insufficient():
    res = load_tost([60.0, 62.0, 61.0], [90.0, 92.0, 91.0], 10)
    assert res["equivalent"] is False
    res = load_tost([80.0], [81.0, 82.0], 10)
    assert res["p_value"] is None and res["equivalent"] is None
    res = load_tost([None, float("nan"), 80.0], [81.0, 82.0], 10)
    assert res["n_before"] == 1 and res["p_value"] is None
