"""Co-benefit rows carry the bounds of the results table (a reader review found table 17 printing
0.0283 with no mark while table 9 printed <0.0284).

Hand-worked from the textile case's S1 PM mass rates (expected/results.json, after runs 1–3:
0.039884, 0.030058 and a non-detect at its limit 0.01506 kg/h; the Kaplan–Meier mean equals the
mean at the limit, an upper bound): after mean 0.085002 / 3 = 0.028334 → "<0.0284" (rounded up);
reduction 0.516566 − 0.028334 = 0.488232 kg/h, a lower bound → "≥0.488" (rounded down to the three
decimals of its coarsest term 0.517); per year 0.488232 × 7,200 h / 1,000 = 3.5153 t/a → "≥3.51"."""

from __future__ import annotations

import json
from pathlib import Path

from verify.report.cobenefits import cobenefits_view
from verify.report.view import build_view

RESULTS = Path(__file__).resolve().parents[2] / "case_studies" / "jiangsu-textile-dyeing" / "expected" / "results.json"


def _rows():
    view = build_view(json.loads(RESULTS.read_text(encoding="utf-8")))
    return {(r["source"], r["pollutant"]): r for r in cobenefits_view(view["cobenefits"], view["endpoints"])["pollutants"]}


def test_an_upper_bound_mean_makes_the_cobenefit_a_bound():
    pm = _rows()[("S1", "PM")]
    assert (pm["before"], pm["after"], pm["reduction"], pm["t_a"], pm["int_after"]) == (
        "0.517", "<0.0284", "≥0.488", "≥3.51", "<0.0443")


def test_detected_means_print_without_marks():
    nmhc = _rows()[("S1", "NMHC")]
    assert (nmhc["before"], nmhc["after"], nmhc["reduction"], nmhc["t_a"]) == ("1.35", "0.642", "0.71", "5.12")


def test_without_endpoints_nothing_is_marked():
    view = build_view(json.loads(RESULTS.read_text(encoding="utf-8")))
    rows = cobenefits_view(view["cobenefits"])["pollutants"]
    assert not any(mark in row[key] for row in rows for key in row if isinstance(row[key], str) for mark in "<≥≤")
