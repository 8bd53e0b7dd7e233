"""Write the data files of case_studies/jiangsu-textile-dyeing deterministically.

    .venv/bin/python tools/make_case_data/make_textile_case.py [OUT_CASE_FOLDER]

The committed files under ``case_studies/jiangsu-textile-dyeing/data/`` are the product; this script
documents how they were made and lets a reviewer regenerate them byte for byte
(tests/scaffold/test_case_generators.py does so). ILLUSTRATIVE DATA: the numbers were chosen within
the typical ranges of docs/references.md#stenter-magnitudes (stenter) and of the GB 13271-2014 limits
(docs/references.md#gb13271-2014, boilers); they are
not measurements of a real plant.

Files, written the way field teams hand them over:

* ``stenter_S1.xlsx``: wide layout, Chinese headers, a title row above a two-row header (quantity
  name in row 2, unit in row 3; identity columns merged vertically over rows 2-3), one non-detect
  (``<1.0`` particulate, HJ 836-2017 detection limit 1.0 mg/m³ for a 1 m³ sample [K]), one explicit
  missing marker (``—`` moisture) and a second sheet ``说明`` that case.toml does not list.
* ``boiler_S2.csv``: long layout, GBK, Chinese and English headers, measured (not O2-corrected)
  concentrations with the lab's O2-corrected ``折算浓度`` as a cross-check; one of them (after, run 2,
  SO2) was computed by the "lab" with the O2 of another run (12.0 % instead of 12.9 %), so the tool's
  1 % cross-check must flag it.
* ``fugitive_JP.xlsx``: long layout with Japanese headers, HJ/T 55-2000 design (upwind U1, downwind
  D1-D3, in-plant P1 outside the stenter hall per GB 37822-2019 Appendix A), 3 runs of 4 samples in
  one hour per point and phase. Samples are drawn from a fixed-seed numpy generator.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reproducible_xlsx import save_reproducibly  # noqa: E402

CASE_DIR = Path(__file__).resolve().parents[2] / "case_studies" / "jiangsu-textile-dyeing"

# --- S1: 1# stenter exhaust stack (wide) --------------------------------------------------------
S1_NAME = "1#定型机排气筒"
S1_METHODS = "非甲烷总烃 HJ 38-2017；颗粒物 HJ 836-2017；油烟 HJ 1077-2019"
# phase, run, temp °C, moisture %, standard dry flow m³/h, NMHC mg/m³ (as C), PM mg/m³, oil mist mg/m³, load %
S1_ROWS = [
    ("治理前", 1, 152, 5.2, 16120, 84.6, 32.4, 52.8, 88),
    ("治理前", 2, 148, 4.8, 15680, 76.3, 28.7, 47.5, 86),
    ("治理前", 3, 155, 5.6, 16450, 91.2, 35.1, 58.3, 90),
    ("治理后", 1, 48, 10.6, 15340, 41.8, 2.6, 6.4, 89),
    ("治理后", 2, 51, "—", 15820, 38.5, 1.9, 5.7, 91),  # moisture not measured: explicit missing marker
    ("治理后", 3, 47, 10.1, 15060, 44.9, "<1.0", 7.8, 87),  # PM below the HJ 836-2017 detection limit
]
S1_HEADER_NAMES = ["监测点位", "阶段", "频次", "烟温", "含湿量", "标干流量", "非甲烷总烃", "颗粒物", "油烟", "生产负荷", "检测方法"]
S1_HEADER_UNITS = [None, None, None, "℃", "%", "m³/h", "mg/m³", "mg/m³", "mg/m³", "%", None]

S1_NOTES = [
    "说明（本工作表不是监测数据，case.toml 未列出，不读取）",
    "1. 本文件为示例数据（illustrative），并非真实工厂的监测结果。",
    "2. 非甲烷总烃以碳计（HJ 38-2017）；浓度为标准状态（273.15 K，101.325 kPa）干烟气下的实测浓度。",
    "3. 颗粒物“<1.0”表示低于 HJ 836-2017 方法检出限 1.0 mg/m³。",
    "4. 含湿量“—”表示该频次含湿量未测定（采样管路故障），流量为标干流量，不受影响。",
    "5. 每频次为 1 小时连续采样（HJ/T 397-2007）。治理前：2026-05-12；治理后：2026-09-16。",
]

# --- S2: 2# coal-fired thermal-oil heater stack (long, GBK) --------------------------------------
S2_NAME = "2#导热油炉排气筒"
S2_HEADER = ["排气筒", "阶段", "频次", "污染物", "实测值", "单位", "检测方法", "含氧量(%)", "含湿量(%)", "烟温(℃)",
             "大气压(kPa)", "flow", "flow_unit", "生产负荷(%)", "折算浓度"]
# phase, run, O2 %, H2O %, temp °C, pressure kPa, actual wet flow m³/h, load %
S2_RUNS = [
    ("治理前", 1, 11.8, 7.2, 168, 100.9, 27800, 82),
    ("治理前", 2, 12.3, 6.8, 172, 100.9, 28600, 85),
    ("治理前", 3, 11.5, 7.5, 165, 100.8, 27200, 80),
    ("治理后", 1, 12.6, 13.1, 56, 101.1, 25900, 84),
    ("治理后", 2, 12.9, 12.6, 54, 101.1, 26400, 86),
    ("治理后", 3, 12.4, 13.4, 57, 101.0, 25500, 83),
]
# measured concentrations, mg/m³ standard dry (not O2-corrected), per (phase, run)
S2_VALUES = {
    "二氧化硫": [486, 452, 511, 68, 74, 61],
    "氮氧化物": [246, 231, 258, 128, 136, 121],
    "颗粒物": [68.5, 74.2, 61.8, 9.6, 11.2, 8.7],
}
S2_METHODS = {
    "二氧化硫": ["HJ 57-2017"] * 6,
    "氮氧化物": ["HJ 693-2014"] * 6,
    # above 50 mg/m³ the low-concentration method HJ 836-2017 does not apply: gravimetric GB/T 16157-1996
    "颗粒物": ["GB/T 16157-1996"] * 3 + ["HJ 836-2017"] * 3,
}
S2_REFERENCE_O2 = 9.0  # GB 13271-2014 §5 / Table 1 note: coal-fired boilers, 9 % O2 [K]
S2_LAB_O2_MISTAKE = ("治理后", 2, "二氧化硫", 12.0)  # the lab used another run's O2 for this row


def o2_corrected(value: float, o2_pct: float, reference: float = S2_REFERENCE_O2) -> float:
    """GB 13271-2014 reference-oxygen conversion ρ = ρ' × (21 − O2ref)/(21 − O2meas)."""
    return value * (21 - reference) / (21 - o2_pct)


# --- fugitive NMHC (long, Japanese headers) -----------------------------------------------------
FUGITIVE_POINTS = ["U1", "D1", "D2", "D3", "P1"]
# planned 1-h means (mg/m³ as C) per point, phase (before, after) and run; samples scatter around them
FUGITIVE_MEANS = {
    "U1": ([0.52, 0.61, 0.47], [0.49, 0.56, 0.44]),
    "D1": ([1.52, 1.78, 1.41], [0.98, 1.07, 0.91]),
    "D2": ([2.18, 2.46, 1.96], [1.21, 1.34, 1.12]),
    "D3": ([1.24, 1.37, 1.15], [0.83, 0.92, 0.79]),
    "P1": ([8.7, 11.2, 7.9], [3.4, 4.1, 2.9]),
}
FUGITIVE_SEED = 20260512
FUGITIVE_SAMPLE_CV = 0.10  # within-hour scatter of grab samples [K]
FUGITIVE_HEADER = ["測定点", "段階", "測定回", "試料", "項目", "測定値", "単位", "測定方法"]


def write_stenter(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "监测结果"
    ws["A1"] = "某印染有限公司 1#定型机废气排气筒 治理前后监测结果（示例数据）"
    ws["A1"].font = Font(bold=True, size=13)
    for col, (name, unit) in enumerate(zip(S1_HEADER_NAMES, S1_HEADER_UNITS), start=1):
        ws.cell(row=2, column=col, value=name)
        if unit is None:
            ws.merge_cells(start_row=2, start_column=col, end_row=3, end_column=col)
        else:
            ws.cell(row=3, column=col, value=unit)
    for row in ws.iter_rows(min_row=2, max_row=3):
        for cell in row:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center")
    for i, (phase, run, temp, h2o, flow, nmhc, pm, oil, load) in enumerate(S1_ROWS, start=4):
        values = [S1_NAME, phase, run, temp, h2o, flow, nmhc, pm, oil, load, S1_METHODS]
        for col, value in enumerate(values, start=1):
            ws.cell(row=i, column=col, value=value)
    for letter, width in zip("ABCDEFGHIJK", [18, 8, 6, 8, 8, 11, 11, 9, 9, 9, 58]):
        ws.column_dimensions[letter].width = width
    notes = wb.create_sheet("说明")
    for i, line in enumerate(S1_NOTES, start=1):
        notes.cell(row=i, column=1, value=line)
    notes.column_dimensions["A"].width = 100
    save_reproducibly(wb, path)


def boiler_rows() -> list[list[str]]:
    """The rows of boiler_S2.csv (header first), as text exactly as written."""
    rows = [S2_HEADER]
    for i, (phase, run, o2, h2o, temp, pressure, flow, load) in enumerate(S2_RUNS):
        for pollutant, values in S2_VALUES.items():
            value = values[i]
            o2_used = o2
            if (phase, run, pollutant) == S2_LAB_O2_MISTAKE[:3]:
                o2_used = S2_LAB_O2_MISTAKE[3]
            ref = o2_corrected(value, o2_used)
            rows.append([S2_NAME, phase, str(run), pollutant, f"{value:g}", "mg/m3", S2_METHODS[pollutant][i],
                         f"{o2:.1f}", f"{h2o:.1f}", f"{temp:g}", f"{pressure:.1f}", f"{flow:d}", "m3/h",
                         f"{load:g}", f"{ref:.1f}"])
    return rows


def write_boiler(path: Path) -> None:
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(boiler_rows())
    path.write_bytes(text.getvalue().encode("gbk"))


def fugitive_rows() -> list[list[object]]:
    rng = np.random.default_rng(FUGITIVE_SEED)
    rows: list[list[object]] = []
    for p, phase in enumerate(["対策前", "対策後"]):
        for point in FUGITIVE_POINTS:
            for run, mean in enumerate(FUGITIVE_MEANS[point][p], start=1):
                samples = mean * rng.lognormal(0.0, FUGITIVE_SAMPLE_CV, size=4)
                for s, value in enumerate(samples, start=1):
                    rows.append([point, phase, run, s, "非メタン炭化水素", round(float(value), 2), "mg/m³", "HJ 604-2017"])
    return rows


def write_fugitive(path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "無組織排出"
    ws.append(FUGITIVE_HEADER)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in fugitive_rows():
        ws.append(row)
    ws.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGH", [8, 8, 8, 9, 18, 9, 8, 13]):
        ws.column_dimensions[letter].width = width
    save_reproducibly(wb, path)


def main(case_dir: Path = CASE_DIR) -> list[Path]:
    data = Path(case_dir) / "data"
    data.mkdir(parents=True, exist_ok=True)
    paths = [data / "stenter_S1.xlsx", data / "boiler_S2.csv", data / "fugitive_JP.xlsx"]
    write_stenter(paths[0])
    write_boiler(paths[1])
    write_fugitive(paths[2])
    return paths


if __name__ == "__main__":
    for written in main(Path(sys.argv[1]) if len(sys.argv) > 1 else CASE_DIR):
        print(written)
