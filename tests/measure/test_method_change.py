"""A method change a standard prescribes is a disclosed change, not a failed QA check (review of
2026-12-03, item 13: the textile case's boiler particulate, GB/T 16157-1996 before the measures at
78–102 mg/m³, HJ 836-2017 after at 12–17 mg/m³, the low-concentration gravimetric method)."""

import json
from pathlib import Path

from verify.measure.qa import method_changes, prescribed_change

ROOT = Path(__file__).resolve().parents[2]


def test_every_entry_names_its_source_and_confidence():
    for change in method_changes():
        assert change["source"] and change["confidence"] in ("S", "K") and change["reason"]["ja"] and change["reason"]["zh"]


def test_the_low_concentration_particulate_change_is_recognised_and_nothing_else():
    assert prescribed_change("PM", {"GB/T 16157-1996"}, {"HJ 836-2017"})["after"] == "HJ 836-2017"
    assert prescribed_change("PM", {"GB/T16157-1996"}, {"HJ  836-2017"}) is not None  # spacing as files write it
    assert prescribed_change("PM", {"HJ 836-2017"}, {"GB/T 16157-1996"}) is None  # the other way round: a failure
    assert prescribed_change("SO2", {"GB/T 16157-1996"}, {"HJ 836-2017"}) is None
    assert prescribed_change("PM", {"GB/T 16157-1996", "HJ 57-2017"}, {"HJ 836-2017"}) is None  # another method dropped


def test_textile_case_reports_the_boiler_particulate_change_as_disclosed():
    results = json.loads((ROOT / "case_studies" / "jiangsu-textile-dyeing" / "expected" / "results.json").read_text("utf-8"))
    item = next(q for q in results["qa"] if q["check"] == "same_method" and q["source"] == "S2" and q["pollutant"] == "PM")
    assert item["passed"] is None and item["disclosed"] == "method_change"
    assert item["detail"]["zh"].startswith("方法变更（前：GB/T 16157-1996；后：HJ 836-2017）")
    assert not any(q["check"] == "same_method" and q["passed"] is False for q in results["qa"])
    dl = next(q for q in results["qa"] if q["check"] == "detection_limits" and q["passed"] is None)
    assert "治理后检出限 1 mg/m³" in dl["detail"]["zh"] and "—" not in dl["detail"]["zh"]


def test_the_disclosed_change_keeps_the_other_comparison_checks_of_its_group():
    results = json.loads((ROOT / "case_studies" / "jiangsu-textile-dyeing" / "expected" / "results.json").read_text("utf-8"))
    checks = {q["check"] for q in results["qa"] if q["source"] == "S2" and q["pollutant"] == "PM"}
    assert {"same_method", "same_basis"} <= checks
