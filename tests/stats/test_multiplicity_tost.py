"""Holm (statsmodels multipletests) against the hand-written step-down it replaced, on random
p-vectors and on the bundled cases; load TOST against two one-sided scipy Welch tests."""

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from verify.stats.comparability import load_tost
from verify.stats.multiplicity import holm

CASES = Path(__file__).resolve().parents[2] / "case_studies"


def holm_by_hand(pvalues):
    """The hand-written Holm step-down verify used before statsmodels (the oracle, kept verbatim):
    sorted ascending, ``adj_(i) = max_{j ≤ i} min(1, (m − j + 1)·p_(j))``, missing values left out."""
    import math

    idx = [i for i, p in enumerate(pvalues) if p is not None and not math.isnan(p)]
    order = sorted(idx, key=lambda i: pvalues[i])
    m = len(order)
    out = [None] * len(pvalues)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * float(pvalues[i])))
        out[i] = running
    return out


def test_holm_equals_the_hand_written_step_down_on_random_p_vectors():
    rng = np.random.default_rng(19)
    for _ in range(200):  # statsmodels runs gc.collect() on every call (~20 ms)
        m = int(rng.integers(1, 25))
        p = list(rng.uniform(0, 1, m) ** rng.uniform(0.5, 6))  # many small p-values too
        if m > 2 and rng.random() < 0.3:
            p[1] = p[0]  # ties
        if rng.random() < 0.2:
            p[int(rng.integers(0, m))] = None if rng.random() < 0.5 else float("nan")
        assert holm(p) == holm_by_hand(p)  # bit for bit, not approximately


@pytest.mark.parametrize("case", ["jiangsu-textile-dyeing", "hebei-coating-cems"])
def test_holm_on_the_bundled_cases_equals_the_hand_written_step_down(case):
    results = json.loads((CASES / case / "expected" / "results.json").read_text(encoding="utf-8"))
    for family in ("claim", "secondary"):
        members = [e for e in results["endpoints"] if e["p_family"] == family]
        primary = [((e["tests"].get("welch_t") or e["tests"].get("paired_t") or {}).get("p_value")) for e in members]
        assert [e["p_adjusted"] for e in members] == holm(primary) == holm_by_hand(primary)


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
