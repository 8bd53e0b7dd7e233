"""summary.xlsx: sheets with ja/zh header rows, numbers stay numbers, text cells inert."""

from __future__ import annotations

import copy

import numpy as np
import openpyxl
import pandas as pd
import pytest

from verify.inert import inert_cell as inert
from verify.report.xlsx import summary_workbook_bytes, write_summary_xlsx

PAYLOADS = ['=HYPERLINK("http://169.254.169.254/","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1",
            "\r=1", "=cmd|' /C calc'!A0"]


def test_inert_rules():
    for p in PAYLOADS:
        assert inert(p) == "'" + p
    assert inert("NMHC") == "NMHC"
    assert inert(-3.5) == -3.5 and inert(12) == 12 and inert(True) is True
    assert inert(float("nan")) is None and inert(None) is None
    # the programme summary's frames: pandas NA and numpy scalars (verify.inert.inert_cell serves both)
    assert inert(pd.NA) is None and inert(np.float64("inf")) is None
    assert inert(np.int64(7)) == 7 and type(inert(np.int64(7))) is int and inert(np.bool_(True)) is True


@pytest.fixture
def hostile(results):
    r = copy.deepcopy(results)
    r["claims"][0]["statement"] = {"ja": PAYLOADS[0], "zh": PAYLOADS[6]}
    r["claims"][0]["id"] = "=1+1"
    r["qa"][0]["check"] = "@SUM(A1:A9)"
    r["inputs"][0]["file"] = "-2+3.csv"
    r["endpoints"][0]["limits"][0]["id"] = "+cmd"
    return r


def test_workbook_layout_and_numbers(tmp_path, results):
    path = write_summary_xlsx(results, tmp_path / "summary.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["claims", "endpoints", "limits", "qa", "inputs", "runs"]
    ws = wb["claims"]
    assert ws["A1"].value == "主張" and ws["A2"].value == "声明" and ws["A3"].value == "id"
    headers = [c.value for c in ws[3]]
    row = {h: c.value for h, c in zip(headers, ws[4])}
    claim = results["claims"][0]
    # unrounded real number (openpyxl writes floats with 15-16 significant digits)
    assert isinstance(row["estimate"], float) and row["estimate"] == pytest.approx(claim["estimate"], rel=1e-14)
    assert row["claimed"] == 40 and row["verdict"] == claim["verdict"]
    ep = wb["endpoints"]
    assert ep.max_row == 3 + len(results["endpoints"])
    lim = wb["limits"]
    assert lim.max_row == 3 + sum(len(e["limits"]) for e in results["endpoints"])


def test_formula_injection_is_inert(tmp_path, hostile):
    path = write_summary_xlsx(hostile, tmp_path / "summary.xlsx")
    wb = openpyxl.load_workbook(path)
    seen = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.value
                    seen += cell.value.startswith("'")
    assert seen >= 6
    # the raw XML holds no formula element at all
    import zipfile

    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name)


def test_deterministic_bytes(results, monkeypatch):
    import time as time_module

    first = summary_workbook_bytes(results)
    real = time_module.time
    monkeypatch.setattr(time_module, "time", lambda: real() + 86_400 * 400)  # a later wall clock
    monkeypatch.setattr(time_module, "localtime", lambda *a: time_module.gmtime(real() + 86_400 * 400))
    # openpyxl's save stamps datetime.now() into docProps/core.xml: move that clock too
    import datetime as dt

    import openpyxl.writer.excel as excel_writer

    class LaterDatetime(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime(2031, 5, 6, 7, 8, 9, tzinfo=tz)

    monkeypatch.setattr(excel_writer.datetime, "datetime", LaterDatetime)
    assert summary_workbook_bytes(copy.deepcopy(results)) == first


def test_runs_sheet_holds_every_run_unrounded(tmp_path, results):
    """`verify run`'s PDF leaves the per-run tables to this sheet: every run must be here."""
    wb = openpyxl.load_workbook(write_summary_xlsx(results, tmp_path / "summary.xlsx"))
    ws = wb["runs"]
    assert ws["A1"].value == "発生源" and ws["A3"].value == "source"
    headers = [c.value for c in ws[3]]
    rows = [dict(zip(headers, (c.value for c in row))) for row in ws.iter_rows(min_row=4)]
    assert len(rows) == len(results["runs"])
    for row, run in zip(rows, results["runs"]):
        assert (row["source"], row["pollutant"], row["phase"], row["run"]) == (
            run["source"], run["pollutant"], run["phase"], str(run["run"]))
        for key in ("value", "conc", "conc_o2", "flow_sd_m3_h", "mass_rate_kg_h", "load_pct"):
            # real numbers, unrounded (openpyxl writes 15-16 significant digits)
            assert row[key] == (None if run.get(key) is None else pytest.approx(run[key], rel=1e-14)), key
        raw = run.get("raw")
        assert row["raw"] == ("; ".join(map(str, raw)) if isinstance(raw, list) else raw)
        assert row["censored"] is bool(run.get("censored"))
