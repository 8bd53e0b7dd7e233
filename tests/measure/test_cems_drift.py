"""Zero and span drift from the daily check readings of a CEMS (HJ 212 flag C; verify.measure.cems).

Hand-worked example, range 100 mg/m3, zero gas 0, span gas 50, three local days (Asia/Shanghai):
  day 1 zero readings 0.1, 0.2, 0.3 → median 0.2; span 50, 51 → 50.5
  day 2 zero 0.5 → 0.5;                            span 49 → 49
  day 3 zero 0.4 → 0.4;                            span 50 → 50
24-h zero drift (Z_d − Z_{d−1}) / 100 × 100: +0.3, −0.1 → largest |·| 0.3 % F.S.
24-h span drift: 49 − 50.5 = −1.5, 50 − 49 = +1.0 → 1.5 % F.S.
span deviation from the gas value (S_d − 50): +0.5, −1.0, 0.0 → 1.0 % F.S.
"""

import pandas as pd
import pytest

from verify.case import CemsCalibration
from verify.measure.cems import daily_checks, drift_summary

# 02:00 local (UTC+8) = 18:00 UTC of the day before
READINGS = [("2026-03-01T18:00", 0.1), ("2026-03-01T18:01", 0.2), ("2026-03-01T18:02", 0.3),
            ("2026-03-01T18:07", 50.0), ("2026-03-01T18:08", 51.0),
            ("2026-03-02T18:00", 0.5), ("2026-03-02T18:07", 49.0),
            ("2026-03-03T18:00", 0.4), ("2026-03-03T18:07", 50.0)]


def _frame():
    return pd.DataFrame({"start": pd.to_datetime([t for t, _ in READINGS]).tz_localize("UTC"),
                         "value": [v for _, v in READINGS]})


def test_daily_checks_split_zero_and_span_by_the_nearer_gas_value():
    checks = daily_checks(_frame(), zero=0.0, span=50.0, timezone="Asia/Shanghai")
    assert [str(d) for d in checks.index] == ["2026-03-02", "2026-03-03", "2026-03-04"]  # local days
    assert checks["zero"].tolist() == pytest.approx([0.2, 0.5, 0.4])
    assert checks["span"].tolist() == pytest.approx([50.5, 49.0, 50.0])


def test_drift_in_percent_of_full_scale():
    calibration = CemsCalibration(range=100, zero=0, span=50)
    summary = drift_summary(daily_checks(_frame(), 0.0, 50.0, "Asia/Shanghai"), calibration)
    assert summary["checks"] == 3
    assert summary["zero_drift_max_pct_fs"] == pytest.approx(0.3)
    assert summary["span_drift_max_pct_fs"] == pytest.approx(1.5)
    assert summary["span_deviation_max_pct_fs"] == pytest.approx(1.0)
    assert (summary["zero_min"], summary["zero_max"], summary["span_min"], summary["span_max"]) == pytest.approx((0.2, 0.5, 49.0, 50.5))


def test_calibration_values_must_be_ordered():
    with pytest.raises(ValueError, match="zero < span <= range"):
        CemsCalibration(range=40, zero=0, span=50)


def test_qa_item_never_passes_and_says_why(make_case, canon):
    """The QA item: with the check declared, the figures and "criterion not applied"; without it,
    "not evaluated"; passed is null either way."""
    from verify.measure.normalize import normalize
    from verify.measure.qa import run_checks
    from verify.results import qa_block

    rows = [{"source": "S1", "phase": "before", "pollutant": "NMHC", "start": t + ":00+00:00", "value": v, "flag": "C"}
            for t, v in READINGS]
    rows.append({"source": "S1", "phase": "before", "pollutant": "NMHC", "start": "2026-03-02T03:00:00+00:00",
                 "value": 40.0, "flag": "N"})
    table = canon(rows)
    declared = make_case(sources=[{"id": "S1", "kind": "stack",
                                   "cems_calibration": {"range": 100, "zero": 0, "span": 50}}])
    items = [q for q in qa_block(run_checks(normalize(table, declared), declared)) if q["check"] == "cems_drift"]
    assert [q["passed"] for q in items] == [None]
    assert "24小时零点漂移最大 0.3% F.S." in items[0]["detail"]["zh"] and "1.5% F.S." in items[0]["detail"]["zh"]
    assert "適否は判定していない" in items[0]["detail"]["ja"]
    plain = make_case()
    items = [q for q in qa_block(run_checks(normalize(table, plain), plain)) if q["check"] == "cems_drift"]
    assert [q["passed"] for q in items] == [None] and "未评价零点和量程漂移" in items[0]["detail"]["zh"]
