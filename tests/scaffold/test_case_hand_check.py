"""The hand check of case_studies/jiangsu-textile-dyeing/README.md, redone from the data files.

The files are read with openpyxl and csv directly, never with ``verify``, and the arithmetic is the
textbook formula, so this proves that the numbers printed in the README are the numbers in the files:

* mass rate G = C × Qsn × 10⁻⁶ kg/h (GB/T 16157-1996; docs/references.md#unit-conversions "mass rate");
* O2 correction ρ = ρ′ × (21 − O2ref)/(21 − O2meas) with O2ref = 9 % for coal (GB 13271-2014);
* standard dry flow Qsn = Qs × 273.15/(273.15 + t) × P/101.325 × (1 − Xsw) (GB/T 16157-1996).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

CASE = Path(__file__).resolve().parents[2] / "case_studies" / "jiangsu-textile-dyeing"
README = (CASE / "README.md").read_text(encoding="utf-8")


def stenter_rows() -> list[dict[str, object]]:
    """Data rows of stenter_S1.xlsx keyed by the row-2 header names (rows 2-3 are the header)."""
    ws = openpyxl.load_workbook(CASE / "data" / "stenter_S1.xlsx", data_only=True)["监测结果"]
    names = [c.value for c in ws[2]]
    return [dict(zip(names, row)) for row in ws.iter_rows(min_row=4, values_only=True) if row[0] is not None]


def boiler_rows() -> list[dict[str, str]]:
    text = (CASE / "data" / "boiler_S2.csv").read_bytes().decode("gbk")
    return list(csv.DictReader(io.StringIO(text)))


def mass_rates(phase: str) -> list[float]:
    return [r["非甲烷总烃"] * r["标干流量"] * 1e-6 for r in stenter_rows() if r["阶段"] == phase]


def test_nmhc_mass_rate_run1_matches_readme():
    run1 = next(r for r in stenter_rows() if r["阶段"] == "治理前" and r["频次"] == 1)
    assert (run1["非甲烷总烃"], run1["标干流量"]) == (84.6, 16120)
    rate = run1["非甲烷总烃"] * run1["标干流量"] * 1e-6
    assert rate == pytest.approx(1.363752, abs=1e-9)
    assert "84.6 mg/m³ × 16 120 m³/h × 10⁻⁶ kg/mg = 1.363752 kg/h" in README


def test_nmhc_mass_rate_means_and_reduction_match_readme():
    before, after = mass_rates("治理前"), mass_rates("治理后")
    assert [round(x, 6) for x in before] == [1.363752, 1.196384, 1.50024]
    assert [round(x, 6) for x in after] == [0.641212, 0.60907, 0.676194]
    reduction = 100 * (1 - sum(after) / sum(before))
    assert f"{sum(before) / 3:.6f}" in README and f"{sum(after) / 3:.6f}" in README
    assert f"**{reduction:.2f} %**" in README
    assert 45 <= reduction <= 60  # the task's expected effect for NMHC mass rate


def test_oil_mist_reduction_matches_readme():
    rows = stenter_rows()
    before = [r["油烟"] for r in rows if r["阶段"] == "治理前"]
    after = [r["油烟"] for r in rows if r["阶段"] == "治理后"]
    reduction = 100 * (1 - sum(after) / sum(before))
    assert f"**{reduction:.2f} %**" in README
    assert 80 <= reduction <= 90


def test_so2_o2_correction_run1_matches_readme_and_lab():
    row = next(r for r in boiler_rows() if r["阶段"] == "治理前" and r["频次"] == "1" and r["污染物"] == "二氧化硫")
    measured, o2 = float(row["实测值"]), float(row["含氧量(%)"])
    assert (measured, o2) == (486.0, 11.8)
    corrected = measured * (21 - 9) / (21 - o2)
    assert corrected == pytest.approx(633.913, abs=1e-3)
    assert float(row["折算浓度"]) == round(corrected, 1)  # the lab's cross-check value agrees
    assert "486 × (21 − 9)/(21 − 11.8) = 486 × 12/9.2 = 633.913… ≈ 633.9 mg/m³" in README


def test_lab_cross_checks_agree_except_the_one_the_readme_names():
    """Exactly one 折算浓度 is more than 1 % off the recomputed value: after, run 2, SO2."""
    off = []
    for r in boiler_rows():
        recomputed = float(r["实测值"]) * 12 / (21 - float(r["含氧量(%)"]))
        if abs(float(r["折算浓度"]) / recomputed - 1) > 0.01:
            off.append((r["阶段"], r["频次"], r["污染物"], round(recomputed, 1), float(r["折算浓度"])))
    assert off == [("治理后", "2", "二氧化硫", 109.6, 98.7)]
    assert "109.6 mg/m³, while the lab wrote 98.7" in README


def test_s2_flow_conversion_and_mass_rate_run1_match_readme():
    row = next(r for r in boiler_rows() if r["阶段"] == "治理前" and r["频次"] == "1" and r["污染物"] == "二氧化硫")
    q, t, p, h2o = float(row["flow"]), float(row["烟温(℃)"]), float(row["大气压(kPa)"]), float(row["含湿量(%)"])
    assert (q, t, p, h2o, row["flow_unit"]) == (27800.0, 168.0, 100.9, 7.2, "m3/h")
    qsn = q * 273.15 / (273.15 + t) * p / 101.325 * (1 - h2o / 100)
    assert f"= {qsn:,.1f} m³/h".replace(",", " ") in README
    assert f"= {float(row['实测值']) * qsn * 1e-6:.4f} kg/h" in README
