"""A claim on runs whose laboratory value failed the cross-check is judged again with the
laboratory's values (verify.stats.labcheck, results.json claims[].lab_check).

Hand-worked on the textile case's claim C3 (S2 SO2 at 9 % O2, level ≤ 200 mg/m3, after phase):
recomputed after runs 97.142857 (68 × 12/8.4), 109.629630 (74 × 12/8.1), 85.116279 (61 × 12/8.6);
the laboratory reported 98.7 for run 2 (−9.97 %: 98.7 / 109.62963 − 1).
With the reported value: mean (97.142857 + 98.7 + 85.116279) / 3 = 93.653045; deviations +3.4898,
+5.0470, −8.5368 → s² = 110.52 / 2 = 55.262, s = 7.4339, s/√3 = 4.2920; t(0.95, 2) = 2.919986 →
upper bound 93.6530 + 12.5326 = 106.1856 < 200: still verified (p from the one-sided t test,
t = (93.653 − 200)/4.292 = −24.78, p = 0.00081, scipy below)."""

import pytest
from scipy import stats as sps

from verify.case import Claim
from verify.measure.series import EndpointData, PhaseRuns
from verify.stats.labcheck import lab_check

AFTER = (97.14285714285714, 109.62962962962963, 85.11627906976744)


def _data():
    return EndpointData(source="S2", position=None, pollutant="SO2", metric="concentration_o2", design="before-after",
                        unit="mg/m3", as_species=None,
                        before=PhaseRuns(("1", "2", "3"), (633.9, 623.4, 645.5), (False,) * 3),
                        after=PhaseRuns(("1", "2", "3"), AFTER, (False,) * 3))


def _runs(flag_run="2", reported=98.7):
    return [{"source": "S2", "position": None, "pollutant": "SO2", "phase": "after", "run": str(i + 1), "conc_o2": v,
             "conc_o2_reported": reported if str(i + 1) == flag_run else round(v, 1),
             "conc_o2_mismatch": str(i + 1) == flag_run} for i, v in enumerate(AFTER)]


CLAIM = Claim(id="C3", source="S2", pollutant="SO2", metric="concentration_o2", kind="level", value=200)


def test_the_verdict_with_the_reported_value_is_computed_and_unchanged():
    got = lab_check(CLAIM, _data(), _runs())
    assert got["check"] == "lab_o2ref" and got["used"] == "recomputed"
    [run] = got["runs"]
    assert (run["phase"], run["run"], run["reported"]) == ("after", "2", 98.7)
    assert run["recomputed"] == pytest.approx(109.62963) and run["difference_pct"] == pytest.approx(-9.9696, abs=1e-4)
    alt = got["with_reported"]
    assert alt["estimate"] == pytest.approx(93.653045, rel=1e-6)
    assert alt["upper_bound"] == pytest.approx(106.1856, rel=1e-5)
    values = [AFTER[0], 98.7, AFTER[2]]
    assert alt["p_value"] == pytest.approx(sps.ttest_1samp(values, 200, alternative="less").pvalue, rel=1e-9)
    assert alt["verdict"] == "verified" and got["verdict_changes"] is False


def test_a_reported_value_that_would_change_the_verdict_says_so():
    """Were the laboratory's run 2 value 400 (the recomputed 109.6 kept the bound under 200), the
    claim judged on it would fail: mean (97.14 + 400 + 85.12)/3 = 194.09, bound far above 200."""
    got = lab_check(CLAIM, _data(), _runs(reported=400.0))
    assert got["with_reported"]["verdict"] != "verified" and got["verdict_changes"] is True


def test_no_flagged_run_no_check():
    assert lab_check(CLAIM, _data(), _runs(flag_run="none")) is None
    # a reduction claim on a metric without laboratory values has no check
    reduction = Claim(id="C1", source="S2", pollutant="SO2", metric="concentration", kind="reduction", value=40)
    assert lab_check(reduction, _data(), _runs()) is None


def test_lab_runs_reads_the_flagged_runs_from_the_normalized_table():
    """lab_runs (what the analysis hands lab_check): run 2 has two samples, recomputed 100 and 120,
    the lab's relative differences −10 % (flagged) and 0 % → reported (100 × 0.9 + 120 × 1.0) / 2 =
    105, recomputed mean 110; run 10: 50, +2 % → 51; run 1 not flagged, left out. Run order as
    results.json runs: 2 before 10 (run numbers, not text)."""
    import pandas as pd

    from verify.stats.labcheck import lab_runs

    rows = [("10", 50.0, 0.02, True), ("2", 100.0, -0.1, True), ("2", 120.0, 0.0, False), ("1", 80.0, 0.0, False)]
    table = pd.DataFrame([{"source": "S2", "position": None, "phase": "after", "run": r, "pollutant": "SO2",
                           "conc_o2": v, "o2ref_check": d, "o2ref_mismatch": m} for r, v, d, m in rows])
    got = lab_runs(table)
    assert [r["run"] for r in got] == ["2", "10"]
    assert got[0]["conc_o2"] == pytest.approx(110.0) and got[0]["conc_o2_reported"] == pytest.approx(105.0)
    assert got[1]["conc_o2_reported"] == pytest.approx(51.0) and got[0]["conc_o2_mismatch"] is True
    assert got[0]["position"] is None and got[0]["mass_rate_reported"] is None and got[0]["mass_rate_mismatch"] is False
    found = lab_check(CLAIM, _data(), got)  # runs 2 and 10: only run 2 is one the verdict used
    assert [(f["run"], f["reported"]) for f in found["runs"]] == [("2", pytest.approx(105.0))]
