"""Claims: verdicts exactly as docs/results.md defines them, with inverse checks."""

import math

import numpy as np
import pytest
from scipy import stats as sps

from verify.case import Claim
from verify.errors import InputError
from verify.measure.series import EndpointData, PairedRuns, PhaseRuns
from verify.sentences import claim_statement
from verify.stats.claims import judge_claim
from verify.stats.endpoint import analyse_endpoint


def statement(result) -> dict:
    """The claim's ja/zh statement as results.json writes it (verify.sentences)."""
    return claim_statement(result.to_dict(), result.unit, {})


CLAIM_KEYS = {"id", "source", "position", "pollutant", "metric", "kind", "claimed", "estimate", "lower_bound",
              "p_value", "verdict", "verified", "statement"}


def runs(values, censored=None):
    return PhaseRuns(tuple(str(i + 1) for i in range(len(values))), tuple(values), tuple(censored or [False] * len(values)))


def stats_ba(before, after, bc=None, ac=None):
    return analyse_endpoint(EndpointData("S1", None, "NMHC", "mass_rate", "before-after", "kg/h", "C",
                                         before=runs(before, bc), after=runs(after, ac)))


def claim(kind="reduction", value=50.0, metric="mass_rate"):
    return Claim(id="C1", source="S1", pollutant="NMHC", metric=metric, kind=kind, value=value)


BEFORE, AFTER = [1.2, 1.4, 1.3], [0.5, 0.6, 0.55]


def _p_scipy(before, after, claimed):
    """The claim test computed by scipy: Welch one-sided of after vs ρ0·before (independent)."""
    rho0 = 1 - claimed / 100
    return sps.ttest_ind(after, rho0 * np.asarray(before), equal_var=False, alternative="less").pvalue


def test_reduction_claim_verified_keys_and_values():
    judged = judge_claim(claim(value=40), stats_ba(BEFORE, AFTER))
    res = judged.to_dict()
    assert CLAIM_KEYS <= set(res)
    assert res["p_value"] == pytest.approx(_p_scipy(BEFORE, AFTER, 40), rel=1e-10)
    assert res["verdict"] == "verified" and res["verified"] is True
    assert res["estimate"] == pytest.approx(100 * (1 - 0.55 / 1.3))
    assert res["lower_bound"] > 40
    # inverse check: testing the claim at the lower bound gives p = α
    at_bound = judge_claim(claim(value=res["lower_bound"]), stats_ba(BEFORE, AFTER))
    assert at_bound.p_value == pytest.approx(0.05, abs=1e-8)
    words = statement(judged)
    assert "40%" in words["ja"] and "40%" in words["zh"]
    assert "57.7" in words["ja"] and "57.7" in words["zh"]


def test_claim_zero_is_the_welch_one_sided_test():
    s = stats_ba(BEFORE, AFTER)
    res = judge_claim(claim(value=0), s)
    assert res.p_value == pytest.approx(s.tests["welch_t"]["p_value"], rel=1e-10)


def test_verdicts_consistent_with_lower_bound():
    s = stats_ba([10.0, 12.5, 9.1, 11.0], [6.5, 7.2, 9.9])
    for value in np.linspace(0, 60, 25):
        r = judge_claim(claim(value=float(value)), s)
        assert (r.p_value < 0.05) == (r.lower_bound > value)
        expected = "verified" if r.p_value < 0.05 else ("supported" if r.estimate >= value else "not_verified")
        assert r.verdict == expected


def test_supported_and_not_verified():
    s = stats_ba([10.0, 14.0, 8.0], [6.0, 9.0, 5.5])  # reduction ≈ 35 %, noisy
    sup = judge_claim(claim(value=30), s)
    assert sup.verdict == "supported" and sup.p_value >= 0.05 and not sup.verified
    nv = judge_claim(claim(value=60), s)
    assert nv.verdict == "not_verified"
    assert "60%" in statement(nv)["ja"] and "60%" in statement(nv)["zh"]


def test_insufficient_data():
    r = judge_claim(claim(value=30), stats_ba([1.0], [0.5, 0.6]))
    assert r.verdict == "insufficient_data" and r.p_value is None and r.lower_bound is None
    assert r.to_dict()["verified"] is False


def test_censored_reduction_has_no_test():
    s = stats_ba([1.0, 2.0, 3.0], [0.5, 0.6, 0.5], ac=[True, False, True])
    r = judge_claim(claim(value=30), s)
    assert r.p_value is None and r.lower_bound is None and r.verdict == "supported"


def test_unbounded_lower_bound():
    r = judge_claim(claim(value=10), stats_ba([0.1, 2.0, 0.5], [0.4, 0.5, 0.6]))
    assert r.lower_bound is None and r.verdict != "verified"


def test_level_claim_matches_one_sample_t():
    after = [0.5, 0.6, 0.55]
    s = stats_ba(BEFORE, after)
    r = judge_claim(Claim(id="L1", source="S1", pollutant="NMHC", metric="mass_rate", kind="level", value=0.7), s)
    ref = sps.ttest_1samp(after, 0.7, alternative="less")
    assert r.p_value == pytest.approx(ref.pvalue) and r.verdict == "verified"
    ucl = np.mean(after) + sps.t.ppf(0.95, 2) * np.std(after, ddof=1) / math.sqrt(3)
    assert r.upper_bound == pytest.approx(ucl) and r.lower_bound is None
    assert "kg/h" in statement(r)["ja"] and "kg/h" in statement(r)["zh"]
    # at the UCL the level test has p = α
    r2 = judge_claim(Claim(id="L1", source="S1", pollutant="NMHC", metric="mass_rate", kind="level", value=ucl), s)
    assert r2.p_value == pytest.approx(0.05)


def test_efficiency_claim():
    pr = PairedRuns(("1", "2", "3"), (10.0, 12.0, 11.0), (1.0, 1.5, 0.9))
    eff = tuple(100 * (1 - o / i) for i, o in zip(pr.inlet, pr.outlet))
    s = analyse_endpoint(EndpointData("S1", None, "NMHC", "removal_efficiency", "inlet-outlet", "%", None,
                                      after=runs(eff), paired={"after": pr}))
    r = judge_claim(claim(kind="efficiency", value=80, metric="removal_efficiency"), s)
    d = np.log(np.array(pr.outlet) / np.array(pr.inlet))
    assert r.p_value == pytest.approx(sps.ttest_1samp(d, math.log(0.2), alternative="less").pvalue)
    assert r.verdict == "verified" and r.estimate == pytest.approx(100 * (1 - math.exp(d.mean())))


def test_mismatched_claim_raises():
    with pytest.raises(InputError):
        judge_claim(Claim(id="X", source="S2", pollutant="NMHC", metric="mass_rate", kind="reduction", value=10),
                    stats_ba(BEFORE, AFTER))
