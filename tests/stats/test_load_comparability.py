"""Production load compared source by source (issue 15 item 5; issue 18 item 7's statistics).

Run-based sources: Welch TOST on one load per run. Continuous (CEMS) sources: TOST on the step of
hourly mean load with the standard error of the emission steps (the larger of the prewhitened HAC and
the day-clustered error), not a t-test on autocorrelated hours.
"""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import signal
from scipy import stats as sps

from verify.case import Claim
from verify.measure.series import EndpointData, PhaseRuns
from verify.sentences import claim_statement, load_statement
from verify.stats.analysis import run_loads
from verify.stats import comparability as comp
from verify.stats.claims import judge_claim
from verify.stats.continuous import step_regression
from verify.stats.endpoint import analyse_endpoint


def test_welch_tost_of_one_source_hand_worked():
    # before 80, 85, 90 (mean 85, s² 25); after 84, 86, 88 (mean 86, s² 4); margin 10 % of 85 = 8.5.
    # SE² = 25/3 + 4/3 = 9.6667, SE = 3.10913; df = 9.6667² / ((25/3)²/2 + (4/3)²/2)
    # = 93.444 / (34.722 + 0.889) = 2.62402. Lower test: t = (1 + 8.5)/3.10913 = 3.05552;
    # upper test: t = (1 − 8.5)/3.10913 = −2.41225; p = the larger one-sided p (the upper one).
    res = comp.load_tost([80.0, 85.0, 90.0], [84.0, 86.0, 88.0], 10)
    se, df = math.sqrt(29 / 3), (29 / 3) ** 2 / ((25 / 3) ** 2 / 2 + (4 / 3) ** 2 / 2)
    assert df == pytest.approx(2.62402, abs=1e-5) and res["df"] == pytest.approx(df)
    p_low, p_high = sps.t.sf((1 + 8.5) / se, df), sps.t.cdf((1 - 8.5) / se, df)
    assert res["p_value"] == pytest.approx(max(p_low, p_high), rel=1e-8)
    assert res["difference"] == 1.0 and res["bounds"] == pytest.approx([-8.5, 8.5])
    half = sps.t.ppf(0.95, df) * se
    assert res["ci90"] == pytest.approx([1 - half, 1 + half])
    # the 90 % interval reaches past +8.5, so equivalence is not shown (p ≥ 0.05), as TOST says
    assert res["ci90"][1] > 8.5 and res["equivalent"] is False
    block = comp.describe("S1", res)
    assert block["verdict"] == "not_shown_comparable"
    # each phase's range of loads, printed in the report's table of measurement points (item 20)
    assert res["range_before"] == [80.0, 90.0] and res["range_after"] == [84.0, 88.0]
    assert "検出力が低い" in load_statement(block)["ja"] and "3回" in load_statement(block)["ja"]
    assert "检验功效低" in load_statement(block)["zh"] and "3次" in load_statement(block)["zh"]


def test_interval_inside_the_bounds_exactly_when_tost_passes():
    rng = np.random.default_rng(1)
    for _ in range(200):
        b, a = rng.normal(85, 3, 4), rng.normal(86, 3, 5)
        res = comp.load_tost(b, a, 10)
        inside = res["bounds"][0] < res["ci90"][0] and res["ci90"][1] < res["bounds"][1]
        assert inside == res["equivalent"]


def _normalized(rows):
    cols = ["source", "position", "phase", "run", "start", "load_pct"]
    return pd.DataFrame(rows, columns=cols)


def test_one_load_per_run_and_per_source():
    # S1 inlet and outlet of run 1 are one run (one load, not two); S2's loads are its own
    frame = _normalized([
        ("S1", "inlet", "before", "1", None, 90.0), ("S1", "outlet", "before", "1", None, 90.0),
        ("S1", "inlet", "before", "2", None, 92.0), ("S1", "outlet", "before", "2", None, 92.0),
        ("S1", None, "after", "1", None, 91.0), ("S1", None, "after", "2", None, 93.0),
        ("S2", None, "before", "1", None, 60.0), ("S2", None, "before", "2", None, 62.0),
        ("S2", None, "after", "1", None, 75.0), ("S2", None, "after", "2", None, 77.0),
    ])
    loads = run_loads(frame)
    assert loads == {"S1": {"before": [90.0, 92.0], "after": [91.0, 93.0]},
                     "S2": {"before": [60.0, 62.0], "after": [75.0, 77.0]}}


def test_summary_is_the_intersection_union_over_sources():
    s1 = comp.describe("S1", comp.load_tost([88.0, 89.0, 87.0], [88.5, 89.5, 88.0], 10))
    s2 = comp.describe("S2", comp.load_tost([60.0, 62.0, 61.0], [75.0, 77.0, 76.0], 10))
    s3 = comp.describe("S3", comp.load_tost([80.0], [81.0, 82.0], 10))
    out = comp.summary([s1, s2, s3], 10)
    assert s1["verdict"] == "comparable" and s2["verdict"] == "not_shown_comparable" and s3["verdict"] == "no_test"
    assert out["p_value"] == max(s1["p_value"], s2["p_value"]) and out["equivalent"] is False
    assert out["not_shown_comparable"] == ["S2"] and out["not_tested"] == ["S3"]
    assert comp.summary([s1], 10)["equivalent"] is True
    assert comp.summary([s1, s3], 10)["equivalent"] is None  # S3 has loads but no test


def _hourly_loads(seed, phi, hours, shift):
    rng = np.random.default_rng(seed)
    u = signal.lfilter([1.0], [1.0, -phi], rng.normal(0, 2.0, 2 * hours + 200))[200:]
    start = pd.date_range("2026-03-01T00:00Z", periods=hours, freq="h").append(
        pd.date_range("2026-04-15T00:00Z", periods=hours, freq="h"))
    phase = np.r_[np.repeat("before", hours), np.repeat("after", hours)]
    return pd.DataFrame({"hour": start, "phase": phase, "value": 80 + shift * (phase == "after") + u})


def test_hourly_equivalence_uses_the_hac_step():
    hourly = _hourly_loads(seed=3, phi=0.9, hours=600, shift=1.0)
    res = comp.hourly_equivalence(hourly, 10)
    fit = step_regression(hourly["value"].to_numpy(float), hourly, use_load=False, level=0.90)
    d, se, delta = fit["beta"], fit["se"], 0.1 * hourly.loc[hourly["phase"] == "before", "value"].mean()
    assert res["difference"] == pytest.approx(d) and res["se"] == pytest.approx(se)
    assert res["p_value"] == pytest.approx(max(sps.norm.sf((d + delta) / se), sps.norm.cdf((d - delta) / se)))
    assert res["ci90"] == pytest.approx([d - sps.norm.ppf(0.95) * se, d + sps.norm.ppf(0.95) * se])
    assert res["n_before"] == 600 and res["unit_of_n"] == "hours"
    # 600 hours from midnight UTC are 25 whole days a phase; the frame has no day column: UTC days
    assert res["n_days"] == 50 and res["se"] == max(res["se_hac"], res["se_day"])
    assert res["se_basis"] == ("day_cluster" if res["se_day"] > res["se_hac"] else "hac")
    # the hours are autocorrelated (φ = 0.9): the HAC error is several times the naive one
    naive = math.sqrt(hourly.groupby("phase")["value"].var().div(600).sum())
    assert se > 3 * naive
    block = comp.describe("S1", res)
    assert "時間" in load_statement(block)["ja"] and "HAC" in load_statement(block)["zh"]


def test_hourly_equivalence_not_shown_when_load_moved():
    res = comp.hourly_equivalence(_hourly_loads(seed=4, phi=0.5, hours=300, shift=12.0), 10)
    assert res["equivalent"] is False and comp.verdict(res) == "not_shown_comparable"


def test_claim_statement_names_a_source_not_shown_comparable():
    s = analyse_endpoint(EndpointData("S1", None, "NMHC", "mass_rate", "before-after", "kg/h", "C",
                                      before=PhaseRuns(("1", "2", "3"), (1.2, 1.4, 1.3), (False,) * 3),
                                      after=PhaseRuns(("1", "2", "3"), (0.5, 0.6, 0.55), (False,) * 3)))
    claim = Claim(id="C1", source="S1", pollutant="NMHC", metric="mass_rate", kind="reduction", value=40)
    r = judge_claim(claim, s, load={"source": "S1", "verdict": "not_shown_comparable"})
    assert r.load_comparable == "not_shown_comparable"
    assert "S1の生産負荷は対策前後で同等とは示せていません" in claim_statement(r.to_dict(), r.unit, {})["ja"]
    assert "S1的生产负荷未能证明治理前后等效" in claim_statement(r.to_dict(), r.unit, {})["zh"]
    ok = judge_claim(claim, s, load={"source": "S1", "verdict": "comparable"})
    assert "生産負荷" not in claim_statement(ok.to_dict(), ok.unit, {})["ja"]
