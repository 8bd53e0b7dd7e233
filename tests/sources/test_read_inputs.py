"""End to end: a case folder built in tmp_path → load_case → read_inputs (rows 19, 29, 30, 37; ledger)."""

from __future__ import annotations

import csv
import hashlib
import textwrap

import numpy as np
import pytest

from verify.case import load_case
from verify.errors import CaseError, HostileFileError, InputError
from verify.sources import read_inputs
from verify.sources.canonical import CANONICAL_COLUMNS

CASE = """
[case]
id = "demo"
title = {{ ja = "デモ", zh = "演示" }}
factory = "demo"
timezone = "Asia/Shanghai"
conditions = "CN"
concentration_basis = "standard-dry"

[[source]]
id = "S1"
kind = "stack"
aliases = ["1#定型机排气筒", "テンター排気筒"]

{files}
"""


def make_case(tmp_path, files: dict[str, bytes], specs: str):
    (tmp_path / "data").mkdir(exist_ok=True)
    for name, data in files.items():
        (tmp_path / "data" / name).write_bytes(data)
    (tmp_path / "case.toml").write_text(CASE.format(files=textwrap.dedent(specs)), encoding="utf-8")
    return load_case(tmp_path)


WIDE = "阶段,频次,非甲烷总烃(mg/m3),颗粒物(毫克/立方米),标干流量(m3/h),含氧量(%)\n治理前,1,35.2,12.1,25000,18.5\n治理前,2,30.1,<0.5,25100,25\n治理后,1,12.0,3.0,24000,18.4\n"
LONG = "排気筒,段階,測定回,項目,測定値,単位\nテンター排気筒,対策前,1,トルエン,3.1,mg/Nm³\nテンター排気筒,対策後,1,トルエン,ND,mg/Nm³\n"


def test_end_to_end(tmp_path):
    case = make_case(tmp_path, {"wide.csv": WIDE.encode("gbk"), "long.csv": LONG.encode("utf-8-sig")}, """
        [[file]]
        path = "data/wide.csv"
        defaults = { source = "S1" }

        [[file]]
        path = "data/long.csv"
    """)
    intake = read_inputs(case)
    t = intake.table
    assert list(t.columns) == list(CANONICAL_COLUMNS)
    assert {c: str(t[c].dtype) for c in t.columns} == {c: d for c, (d, *_) in CANONICAL_COLUMNS.items()}
    assert len(t) == 8
    tallies = {x.file: x for x in intake.ledger.tallies}
    assert tallies["data/wide.csv"].sha256 == hashlib.sha256((tmp_path / "data/wide.csv").read_bytes()).hexdigest()
    assert tallies["data/wide.csv"].encoding == "gb18030" and tallies["data/long.csv"].encoding == "utf-8-sig"
    # run-level numbers of the wide file reach the long file's rows of the same run
    tol = t[(t["pollutant"] == "toluene") & (t["phase"] == "before")].iloc[0]
    assert tol["flow"] == 25000 and tol["o2_pct"] == 18.5 and tol["flow_basis"] == "standard-dry"
    # the O2 of 25 % is rejected; run 2's concentrations are kept (row 16)
    run2 = t[(t["phase"] == "before") & (t["run"] == "2")]
    assert run2["value"].tolist() == [30.1, 0.5] and run2["o2_pct"].isna().all()
    assert intake.ledger.has_rejections
    frame = intake.ledger.to_frame()
    assert frame.loc[frame["reason"] == "o2_impossible", "cell"].tolist() == ["F3"]
    out = tmp_path / "ledger.csv"
    intake.ledger.write_csv(out)
    rows = list(csv.reader(out.open(encoding="utf-8-sig")))
    assert rows[0] == ["file", "sheet", "row", "column", "cell", "field", "raw", "outcome", "reason", "detail"]
    assert len(rows) == len(frame) + 1


def test_clean_case_has_no_rejections(tmp_path):
    case = make_case(tmp_path, {"long.csv": LONG.encode()}, '[[file]]\npath = "data/long.csv"\n')
    intake = read_inputs(case)
    assert not intake.ledger.has_rejections
    assert intake.table["status"].tolist() == ["accepted", "flagged"]


def test_row19_duplicate_measurement_names_both_cells(tmp_path):
    data = LONG + "テンター排気筒,対策前,1,トルエン,3.3,mg/Nm³\n"
    case = make_case(tmp_path, {"long.csv": data.encode()}, '[[file]]\npath = "data/long.csv"\n')
    with pytest.raises(InputError, match="duplicate measurement") as exc:
        read_inputs(case)
    assert "data/long.csv E2" in str(exc.value.message) and "data/long.csv E4" in str(exc.value.message)


def test_row19_duplicate_across_files(tmp_path):
    case = make_case(tmp_path, {"a.csv": LONG.encode(), "b.csv": LONG.encode()}, """
        [[file]]
        path = "data/a.csv"
        [[file]]
        path = "data/b.csv"
    """)
    with pytest.raises(InputError, match=r"data/a.csv E2 and data/b.csv E2"):
        read_inputs(case)


def test_run_level_disagreement_names_both_cells(tmp_path):
    data = "source,phase,run,pollutant,value,unit,o2_pct\nS1,before,1,NMHC,10,mg/m3,18.5\nS1,before,1,PM,5,mg/m3,19.0\n"
    case = make_case(tmp_path, {"l.csv": data.encode()}, '[[file]]\npath = "data/l.csv"\n')
    with pytest.raises(InputError, match=r"o2_pct disagrees within one run .* data/l.csv G2 and .* data/l.csv G3"):
        read_inputs(case)


def test_run_level_value_repeated_on_every_row(tmp_path):
    data = "source,phase,run,pollutant,value,unit,o2_pct,flow,flow_unit\nS1,before,1,NMHC,10,mg/m3,18.5,2000,Nm3/h\nS1,before,1,PM,5,mg/m3,,,\n"
    case = make_case(tmp_path, {"l.csv": data.encode()}, '[[file]]\npath = "data/l.csv"\n')
    t = read_inputs(case).table
    assert t["o2_pct"].tolist() == [18.5, 18.5] and t["flow"].tolist() == [2000.0, 2000.0]
    assert t["flow_unit"].tolist() == ["m3/h", "m3/h"] and t["flow_std_state"].tolist() == ["normal", "normal"]


def test_continuous_readings_are_their_own_runs(tmp_path):
    data = "start,NMHC (mg/m3),含氧量(%)\n2026-03-01 10:00,5,18\n2026-03-01 10:01,6,19\n"
    case = make_case(tmp_path, {"c.csv": data.encode()}, '[[file]]\npath = "data/c.csv"\ndefaults = { source = "S1", phase = "before" }\n')
    t = read_inputs(case).table
    assert t["o2_pct"].tolist() == [18.0, 19.0] and t["run"].isna().all()


def test_row30_xls_refused(tmp_path):
    case = make_case(tmp_path, {"old.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100}, '[[file]]\npath = "data/old.xls"\n')
    with pytest.raises(HostileFileError, match=".xls") as exc:
        read_inputs(case)
    assert exc.value.location.file == "data/old.xls"


@pytest.mark.parametrize("path", ["../x.csv", "/etc/passwd", "data/CON.csv", "data/a\x00.csv"])
def test_row37_paths_outside_refused(tmp_path, path):
    escaped = path.replace("\x00", "\\u0000")
    (tmp_path / "case.toml").write_text(CASE.format(files='[[file]]\npath = "' + escaped + '"\n'), encoding="utf-8")
    with pytest.raises(CaseError):
        load_case(tmp_path)


def test_empty_file_error_names_file(tmp_path):
    case = make_case(tmp_path, {"e.csv": b""}, '[[file]]\npath = "data/e.csv"\n')
    with pytest.raises(InputError, match="empty file") as exc:
        read_inputs(case)
    assert exc.value.location.file == "data/e.csv"


def test_csv_injection_inert_in_ledger(tmp_path):
    data = "source,phase,run,pollutant,value,unit\nS1,before,1,NMHC,=HYPERLINK(\"x\"),mg/m3\nS1,before,2,NMHC,-3,mg/m3\nS1,before,3,NMHC,1,mg/m3\n"
    case = make_case(tmp_path, {"l.csv": data.encode()}, '[[file]]\npath = "data/l.csv"\n')
    intake = read_inputs(case)
    out = tmp_path / "ledger.csv"
    intake.ledger.write_csv(out)
    raws = [r[6] for r in csv.reader(out.open(encoding="utf-8-sig"))]
    assert "'=HYPERLINK(\"x\")" in raws and "-3" in raws


def test_xlsx_end_to_end(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S1"
    ws.append(["监测报告"])
    ws.append(["阶段", "频次", "非甲烷总烃", None, "烟温(℃)"])
    ws.append([None, None, "实测浓度(mg/m3)", "排放速率(kg/h)", None])
    ws.append(["治理前", 1, 30.5, 0.75, 120])
    ws.append(["治理前", 2, "ND", 0.01, 121])
    ws.append(["治理后", 1, 8, 0.2, 80])
    ws.merge_cells("C2:D2")
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:B3")
    ws.merge_cells("E2:E3")
    ws.row_dimensions[6].hidden = True
    other = wb.create_sheet("notes")
    other.append(["备注"])
    (tmp_path / "data").mkdir()
    wb.save(tmp_path / "data" / "report.xlsx")
    case = make_case(tmp_path, {}, """
        [[file]]
        path = "data/report.xlsx"
        sheet = "S1"
        header_rows = [2, 3]
        defaults = { source = "S1" }
    """)
    intake = read_inputs(case)
    t = intake.table
    assert t["value"].tolist()[0] == 30.5 and t["rate_reported"].tolist() == [0.75, 0.01, 0.2]
    assert bool(t["censored"].iloc[1]) and np.isnan(t["value"].iloc[1])
    assert t["status"].tolist()[2] == "flagged" and "hidden_row" in t["reasons"].iloc[2]
    assert intake.ledger.unread_sheets == [("data/report.xlsx", "notes")]
    assert t["sheet"].tolist() == ["S1"] * 3 and t["cell"].tolist() == ["C4", "C5", "C6"]
