"""Claims judged on the phase they are about (issue 15 items 3 and 4, issue 17 item 5).

* an efficiency claim uses its ``phase`` (default after) and never falls back to another phase;
* a censored outlet makes an efficiency a lower bound: right-censored Kaplan–Meier means, and the
  claim test takes the detection limit as outlet value (conservative) and says so;
* a level claim needs the after phase only; claim values are finite and plausible for their kind.
"""

import math

import numpy as np
import pytest
from pydantic import ValidationError
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



def _phase(pairs: PairedRuns) -> PhaseRuns:
    eff = tuple(100 * (1 - o / i) for i, o in zip(pairs.inlet, pairs.outlet))
    return PhaseRuns(pairs.runs, eff, tuple(pairs.outlet_censored or (False,) * len(eff)))


def _efficiency_stats(before: PairedRuns | None, after: PairedRuns | None):
    paired = {ph: p for ph, p in (("before", before), ("after", after)) if p is not None}
    return analyse_endpoint(EndpointData(
        "S1", None, "NMHC", "removal_efficiency", "inlet-outlet", "%", None,
        before=_phase(before) if before else None, after=_phase(after) if after else None, paired=paired))


def _claim(kind="efficiency", value=90.0, phase=None, metric="removal_efficiency"):
    return Claim(id="C1", source="S1", pollutant="NMHC", metric=metric, kind=kind, value=value, phase=phase)


# The case of the issue: three complete before pairs at ~95.8 % and one after pair at 78.6 %.
BEFORE_PAIRS = PairedRuns(("1", "2", "3"), (100.0, 120.0, 110.0), (4.0, 5.0, 5.0))
ONE_AFTER_PAIR = PairedRuns(("1",), (140.0,), (30.0,))  # 100·(1 − 30/140) = 78.57 %


def test_efficiency_claim_is_not_judged_on_the_before_pairs():
    s = _efficiency_stats(BEFORE_PAIRS, ONE_AFTER_PAIR)
    r = judge_claim(_claim(), s)
    assert r.verdict == "insufficient_data" and r.p_value is None and r.estimate is None
    assert r.phase == "after" and r.n == 1
    # the statement names the phase and the number of pairs
    assert "対策後" in statement(r)["ja"] and "1組" in statement(r)["ja"]
    assert "治理后" in statement(r)["zh"] and "1组" in statement(r)["zh"]


def test_efficiency_claim_may_name_the_before_phase():
    # by hand: d = ln(4/100), ln(5/120), ln(5/110) = −3.21888, −3.17805, −3.09104; mean −3.16266;
    # geometric-mean efficiency 100(1 − e^−3.16266) = 95.77 %
    s = _efficiency_stats(BEFORE_PAIRS, ONE_AFTER_PAIR)
    r = judge_claim(_claim(phase="before"), s)
    d = np.log([4 / 100, 5 / 120, 5 / 110])
    assert d.mean() == pytest.approx(-3.16266, abs=1e-5)
    assert r.estimate == pytest.approx(95.77, abs=0.01) and r.phase == "before" and r.n == 3
    assert r.p_value == pytest.approx(sps.ttest_1samp(d, math.log(0.1), alternative="less").pvalue, rel=1e-10)
    assert "対策前" in statement(r)["ja"] and "3組" in statement(r)["ja"] and "治理前" in statement(r)["zh"]


def test_efficiency_claim_uses_after_when_it_has_two_pairs():
    after = PairedRuns(("1", "2"), (140.0, 150.0), (30.0, 10.0))
    r = judge_claim(_claim(value=50), _efficiency_stats(BEFORE_PAIRS, after))
    d = np.log([30 / 140, 10 / 150])
    assert r.phase == "after" and r.n == 2
    assert r.estimate == pytest.approx(100 * (1 - math.exp(d.mean())))


def test_censored_outlet_efficiency_is_a_right_censored_lower_bound():
    # after pairs: efficiencies 94 %, ≥ 95 % (outlet <5 of inlet 100), 96 %, 98 %.
    # Right-censored Kaplan–Meier by hand: 94 → mass 1/4 (4 at risk); ≥95 censored, its 1/4 is
    # redistributed to the right (Efron 1967): 96 → 1/4 + 1/8 = 3/8, 98 → 3/8.
    # Mean = 94/4 + 96·3/8 + 98·3/8 = 23.5 + 36 + 36.75 = 96.25 (the "≤" reading gave less than the
    # plain mean of the bounds, 95.75). The largest value is detected: not a restricted mean.
    after = PairedRuns(("1", "2", "3", "4"), (100.0,) * 4, (6.0, 5.0, 4.0, 2.0),
                       outlet_censored=(False, True, False, False))
    s = _efficiency_stats(BEFORE_PAIRS, after).to_dict()
    assert s["after"]["mean"] == pytest.approx(96.25, abs=1e-12)
    assert s["after"]["mean_method"] == "kaplan-meier-right" and s["after"]["mean_bound"] is None
    codes = [c["code"] for c in s["caveats"]]
    assert "censored_efficiency" in codes and "censored_efficiency_largest" not in codes


def test_largest_censored_efficiency_gives_a_restricted_mean_labelled_lower():
    # 95 %, 96 %, ≥ 97.6 % (outlet <3.0 of inlet 125: 100·(1 − 3/125) = 97.6): the largest is
    # censored, treated as detected → restricted mean (95 + 96 + 97.6)/3 = 96.2, a lower bound
    after = PairedRuns(("1", "2", "3"), (100.0, 100.0, 125.0), (5.0, 4.0, 3.0), outlet_censored=(False, False, True))
    s = _efficiency_stats(BEFORE_PAIRS, after)
    d = s.to_dict()
    assert d["after"]["mean"] == pytest.approx(96.2, abs=1e-12) and d["after"]["mean_bound"] == "lower"
    assert "censored_efficiency_largest" in [c["code"] for c in d["caveats"]]
    # the claim test takes the detection limit as the outlet value (conservative) and says so:
    # d = ln(0.05), ln(0.04), ln(0.024) → geometric-mean efficiency 100(1 − (0.05·0.04·0.024)^{1/3})
    r = judge_claim(_claim(value=90), s)
    assert r.estimate == pytest.approx(100 * (1 - (0.05 * 0.04 * 0.024) ** (1 / 3)), rel=1e-12)
    assert r.censored_pairs == ("3",) and "conservative" in r.method
    assert "検出下限値を出口の値として" in statement(r)["ja"] and "按检出限值作为出口值" in statement(r)["zh"]


def test_level_claim_needs_only_the_after_phase():
    # one before run, three after runs: the endpoint is insufficient_data, the level claim is not
    after = [0.5, 0.6, 0.55]
    s = analyse_endpoint(EndpointData("S1", None, "NMHC", "mass_rate", "before-after", "kg/h", "C",
                                      before=PhaseRuns(("1",), (1.2,), (False,)),
                                      after=PhaseRuns(("1", "2", "3"), tuple(after), (False,) * 3)))
    assert s.status == "insufficient_data"
    r = judge_claim(_claim(kind="level", value=0.7, metric="mass_rate"), s)
    assert r.verdict == "verified" and r.phase == "after" and r.n == 3
    assert r.p_value == pytest.approx(sps.ttest_1samp(after, 0.7, alternative="less").pvalue)


def test_level_claim_with_one_after_run_is_insufficient():
    s = analyse_endpoint(EndpointData("S1", None, "NMHC", "mass_rate", "before-after", "kg/h", "C",
                                      before=PhaseRuns(("1", "2"), (1.2, 1.3), (False,) * 2),
                                      after=PhaseRuns(("1",), (0.5,), (False,))))
    r = judge_claim(_claim(kind="level", value=0.7, metric="mass_rate"), s)
    assert r.verdict == "insufficient_data" and r.n == 1 and "1回" in statement(r)["ja"]


@pytest.mark.parametrize("kind, value, message", [
    ("level", math.inf, "finite"), ("level", math.nan, "finite"), ("level", 0.0, "positive"),
    ("level", -5.0, "positive"), ("reduction", 100.0, "[0, 100)"), ("reduction", math.inf, "finite"),
    ("efficiency", -1.0, "[0, 100)"),
])
def test_claim_values_must_be_finite_and_plausible(kind, value, message):
    metric = "removal_efficiency" if kind == "efficiency" else "mass_rate"
    with pytest.raises(ValidationError) as info:
        _claim(kind=kind, value=value, metric=metric)
    (error,) = info.value.errors()
    assert error["loc"] == ("value",) and message in error["msg"]


def test_phase_key_only_for_efficiency_claims():
    with pytest.raises(ValidationError, match="phase applies to efficiency claims only"):
        _claim(kind="reduction", value=50, phase="after", metric="mass_rate")


def test_a_programmatic_infinite_claim_is_an_input_error_not_a_verdict():
    bad = Claim.model_construct(id="C9", source="S1", position=None, pollutant="NMHC", metric="mass_rate",
                                kind="level", value=math.inf, phase=None)
    level = analyse_endpoint(EndpointData("S1", None, "NMHC", "mass_rate", "before-after", "kg/h", "C",
                                          before=PhaseRuns(("1", "2"), (1.0, 1.1), (False,) * 2),
                                          after=PhaseRuns(("1", "2"), (1.0, 1.1), (False,) * 2)))
    with pytest.raises(InputError, match="finite"):
        judge_claim(bad, level)
