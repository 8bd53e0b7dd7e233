"""Programme rows and totals from results dicts alone (synthetic results in conftest.py).

Expected values are worked out by hand from the numbers written in ``synthetic_programme`` and,
for the totals, also recomputed independently by walking the raw dicts here.
"""

from __future__ import annotations

import math

import pytest

from verify.batch.summary import (main_reductions, programme_totals, reduction_of, summarise_case)


def test_case_row_by_hand(programme_results):
    s = summarise_case(programme_results["plant-a"])
    assert s.case_id == "plant-a"
    assert s.statement_id == "ST-A-1"
    assert s.verdict_counts == {"verified": 1, "supported": 0, "not_verified": 1, "insufficient_data": 0}
    # NMHC over S1 and S2: 3.0 + 1.5; SO2 2.0 (conftest numbers)
    assert s.t_per_a == {"NMHC": 4.5, "SO2": 2.0}
    assert s.co2_net_change_t_a == -100.0  # a saving
    # limits: before judged 3 (False, True, False) → 1 complies; after judged 2 (True, True; one null)
    assert s.limits_judged == {"before": 3, "after": 2}
    assert s.limits_complied == {"before": 1, "after": 2}
    assert s.exceeded_after == []
    assert s.inputs["rows"] == 15 and s.inputs["values"] == 60 and s.inputs["values_flagged"] == 1
    assert s.qa_failed == ["rate_crosscheck S1 before"] and s.qa_checks == 2
    assert s.flags == ["illustrative", "qa_failed"]


def test_main_reductions_are_the_claimed_endpoints(programme_results):
    reds = main_reductions(programme_results["plant-a"])
    assert [(r.claim_id, r.metric, r.reduction_pct, r.ci_low, r.ci_high) for r in reds] == [
        ("C1", "mass_rate", 57.5, 45.0, 67.5), ("C2", "concentration", 30.0, 10.0, 45.0)]


def test_without_claims_the_mass_rate_endpoints_and_continuous_sign_flip(programme_results):
    reds = main_reductions(programme_results["plant-b"])
    assert len(reds) == 1
    r = reds[0]
    # HAC effect −25 % [−35, −12.5] (a fall) is a reduction of 25 % [12.5, 35]
    assert (r.method, r.reduction_pct, r.ci_low, r.ci_high) == ("hac_ols", 25.0, 12.5, 35.0)


def test_missing_interval_stays_missing_never_zero():
    r = reduction_of({"source": "S", "pollutant": "X", "metric": "mass_rate", "design": "before-after",
                      "reduction_pct": 12.0, "reduction_ci95": None}, "c")
    assert (r.reduction_pct, r.ci_low, r.ci_high) == (12.0, None, None)
    r = reduction_of({"source": "S", "pollutant": "X", "metric": "mass_rate", "design": "continuous",
                      "tests": {"hac_ols": None}}, "c")
    assert (r.reduction_pct, r.ci_low, r.ci_high) == (None, None, None)


def test_absent_optional_keys_are_tolerated():
    s = summarise_case({"schema": "verify.results/1", "case": {"id": "bare"}})
    assert s.claims == [] and s.reductions == [] and s.t_per_a == {} and s.co2_net_change_t_a is None
    assert s.flags == ["draft"]


def test_null_tonnes_are_not_counted_as_zero(programme_results):
    s = summarise_case(programme_results["plant-c"])
    assert s.t_per_a == {"SO2": -0.5}  # PM is null: absent, not 0
    assert s.exceeded_after == ["S9 SO2: L:SO2:rate"]


def test_benchmark_comparisons_are_not_counted_as_compliance(programme_results):
    # plant-c's S9 SO2 rate has a binding limit (complies before, not after) and a benchmark
    # (misses both phases): only the binding one is judged; the benchmark is listed apart
    s = summarise_case(programme_results["plant-c"])
    assert s.limits_judged == {"before": 1, "after": 1}
    assert s.limits_complied == {"before": 1, "after": 0}
    assert s.benchmarks_missed_after == ["S9 SO2: T:SO2:rate"]


def test_totals_equal_the_sum_of_the_cases(programme_results):
    summaries = [summarise_case(r) for r in programme_results.values()]
    totals = programme_totals(summaries, failed=2)
    # by hand: NMHC 4.5 (a) + 0.25 (b) = 4.75; SO2 2.0 (a) − 0.5 (c) = 1.5; CO2 −100 + 50.5 = −49.5
    assert totals.t_per_a == {"NMHC": 4.75, "SO2": 1.5}
    assert totals.t_per_a_cases == {"NMHC": 2, "SO2": 2}
    assert totals.co2_net_change_t_a == -49.5 and totals.co2_cases == 2
    assert (totals.cases, totals.cases_ok, totals.cases_failed) == (5, 3, 2)
    # independently: walk the raw dicts
    raw = list(programme_results.values())
    for pollutant in ("NMHC", "SO2"):
        expected = sum(i["reduction_t_a"]["value"] for r in raw for i in r["cobenefits"]["pollutants"]
                       if i["pollutant"] == pollutant and i["reduction_t_a"]["value"] is not None)
        assert totals.t_per_a[pollutant] == pytest.approx(expected, rel=1e-12)
    co2 = [r["cobenefits"].get("net_co2_change_t_a", {}).get("value") for r in raw]
    assert totals.co2_net_change_t_a == pytest.approx(sum(v for v in co2 if v is not None), rel=1e-12)
    verdicts = [c["verdict"] for r in raw for c in r["claims"]]
    assert totals.claims == len(verdicts) == 3  # a: C1, C2; b: none; c: C1
    assert totals.verdict_counts == {v: verdicts.count(v) for v in totals.verdict_counts}
    for phase in ("before", "after"):
        flat = [lim["complies"][phase] for r in raw for e in r["endpoints"] for lim in e["limits"]
                if lim["binding"][phase]]
        assert totals.limits_judged[phase] == sum(v is not None for v in flat)
        assert totals.limits_complied[phase] == sum(v is True for v in flat)
    assert totals.inputs["values_rejected"] == sum(i["values_rejected"] for r in raw for i in r.get("inputs", []))
    assert totals.qa_failed == sum(not q["passed"] for r in raw for q in r.get("qa", []))


def test_no_co2_anywhere_is_missing_not_zero(programme_results):
    totals = programme_totals([summarise_case(programme_results["plant-b"])])
    assert totals.co2_net_change_t_a is None and totals.co2_cases == 0
    assert not math.isnan(totals.t_per_a["NMHC"])
