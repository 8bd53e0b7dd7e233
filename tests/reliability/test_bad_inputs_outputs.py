"""docs/reliability.md#bad-inputs rows whose behaviour shows in the outputs: 21 (unpaired inlet/outlet), 35 (hostile
text in the report), 36 (formula text in exported tables), 39 (n = 1 or constant series), and the
report side of rows 6 and 22 (basis and time zone printed). End to end through the CLI.
"""

from __future__ import annotations

import csv
import html
import json
import math

import openpyxl
import pytest

from relhelp import CLEAN_ROWS, LONG_HEADER, check, cli, long_csv, make_case

C = list(CLEAN_ROWS)

CLAIM = """
[[claim]]
id = "C1"
source = "S1"
pollutant = "NMHC"
metric = "{metric}"
kind = "{kind}"
value = {value}
description = {{ ja = "主張", zh = "声称" }}
"""
SPEC = '[[file]]\npath = "data/m.csv"\nlayout = "long"\n'


def _analyze(case, tmp_path) -> dict:
    out = tmp_path / "results.json"
    result = cli("analyze", case, "-o", out)
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    return json.loads(out.read_text(encoding="utf-8"))


# ----------------------------------------------------------------------------------- 21


@pytest.mark.slow
def test_r21_unpaired_inlet_outlet_runs_are_flagged_and_left_out_of_the_paired_test(case_dir, tmp_path):
    data = [("before", 1, 30, "inlet"), ("before", 2, 33, "inlet"), ("before", 3, 29, "inlet"),
            ("before", 1, 10, "outlet"), ("before", 2, 11, "outlet"), ("before", 3, 9, "outlet"),
            ("after", 1, 30, "inlet"), ("after", 2, 31, "inlet"), ("after", 3, 29, "inlet"), ("after", 4, 28, "inlet"),
            ("after", 1, 3, "outlet"), ("after", 2, 4, "outlet"), ("after", 3, 2.5, "outlet")]
    rows = ["S1,%s,%d,NMHC,%s,mg/m3,%s,20000,Nm3/h" % d for d in data]
    make_case(case_dir, {"m.csv": long_csv(*rows, header=LONG_HEADER + ",position,flow,flow_unit")},
              SPEC + CLAIM.format(metric="removal_efficiency", kind="efficiency", value=80))
    res = _analyze(case_dir, tmp_path)
    (ep,) = [e for e in res["endpoints"] if e["design"] == "inlet-outlet"]
    assert ep["pairs"]["after"] == ["1", "2", "3"]  # after/inlet/4 has no outlet partner
    assert any(c["code"] == "unmatched_runs" and "after/inlet/4" in c["text"]["ja"] for c in ep["caveats"])
    # hand check: equal flows, so efficiency = 100 (1 - outlet/inlet) per matched run
    expected = [100 * (1 - 3 / 30), 100 * (1 - 4 / 31), 100 * (1 - 2.5 / 29)]
    assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(ep["after"]["values"], expected))
    assert ep["tests"]["paired_t"]["df"] == 2.0  # three pairs, not four runs


# ----------------------------------------------------------------------------------- 39


def test_r39_one_run_per_phase_is_insufficient_data_without_p_value(case_dir, tmp_path):
    make_case(case_dir, {"m.csv": long_csv("S1,before,1,NMHC,30,mg/m3", "S1,after,1,NMHC,12,mg/m3")},
              SPEC + CLAIM.format(metric="concentration", kind="reduction", value=40))
    res = _analyze(case_dir, tmp_path)
    (ep,) = res["endpoints"]
    assert ep["status"] == "insufficient_data"
    assert all(t is None for t in ep["tests"].values()) and ep["reduction_ci95"] is None
    assert any(c["code"] == "insufficient_data" for c in ep["caveats"])
    (claim,) = res["claims"]
    assert claim["verdict"] == "insufficient_data" and claim["p_value"] is None and claim["lower_bound"] is None


def test_r39_constant_series_gives_no_t_test_and_no_claim_p_value(case_dir, tmp_path):
    # scipy gives NaN with only a RuntimeWarning here (docs/platform.md#statsmodels)
    rows = ["S1,before,%d,NMHC,30,mg/m3" % i for i in (1, 2, 3)] + ["S1,after,%d,NMHC,12,mg/m3" % i for i in (1, 2, 3)]
    make_case(case_dir, {"m.csv": long_csv(*rows)}, SPEC + CLAIM.format(metric="concentration", kind="reduction", value=40))
    res = _analyze(case_dir, tmp_path)
    (ep,) = res["endpoints"]
    assert ep["tests"]["welch_t"] is None and ep["reduction_ci95"] is None
    assert any(c["code"] == "constant_data" for c in ep["caveats"])
    assert "NaN" not in (tmp_path / "results.json").read_text(encoding="utf-8")
    (claim,) = res["claims"]
    assert claim["p_value"] is None and claim["verified"] is False
    # §4 #39: "insufficient data", no p-value at all (the rank tests are not reported either)
    assert ep["status"] == "insufficient_data" and claim["verdict"] == "insufficient_data"
    assert ep["tests"]["permutation"] is None and ep["tests"]["mann_whitney"] is None


# ----------------------------------------------------------------------------------- 35 (and 6, 22 in the report)

HOSTILE = '<script>alert(1)</script><img src="file:///etc/passwd">'


@pytest.mark.slow
def test_r35_hostile_factory_name_is_escaped_in_the_html_report(case_dir, tmp_path):
    rows = [r + f",2026-03-0{i} 10:00" for i, r in enumerate(C, start=1)]
    name = HOSTILE.replace('"', '\\"')
    make_case(case_dir, {"m.csv": long_csv(*rows, header=LONG_HEADER + ",start")},
              factory=f'{{ ja = "{name}", zh = "{name}" }}')
    out = tmp_path / "report.html"
    result = cli("report", case_dir, "-o", out, "--lang", "ja")
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert 'src="file:' not in page and "src='file:" not in page
    assert html.escape("<script>alert(1)</script>", quote=False) in page  # shown as text
    # rows 6 and 22: the concentration basis and the time zone are printed in the report
    assert "中国標準時（UTC+8）" in page  # Asia/Shanghai, named in the reader's language
    assert "standard-dry" in page or "標準状態" in page or "乾きガス" in page


# ----------------------------------------------------------------------------------- 36

FORMULA = '=HYPERLINK("http://evil.example/x","click")'


def _inert(cell_text: str) -> bool:
    return not cell_text or cell_text[0] not in "=+-@\t\r" or cell_text.lstrip("+-").replace(".", "", 1).isdigit()


def test_r36_formula_text_is_exported_inert_to_csv_xlsx_and_ledger(case_dir, tmp_path):
    quoted = '"' + FORMULA.replace('"', '""') + '"'
    rows = [r + "," + quoted for r in C[:5]] + [f"S1,after,3,NMHC,{quoted},mg/m3,{quoted}"]
    make_case(case_dir, {"m.csv": long_csv(*rows, header=LONG_HEADER + ",method")})
    result, ledger = check(case_dir)
    assert result.exit_code == 2  # the formula in the value cell is not a number: rejected
    raws = [e["raw"] for e in ledger if e["cell"] == "E7"]
    assert raws == ["'" + FORMULA]
    assert all(_inert(v) for e in ledger for v in e.values())

    csv_out = tmp_path / "n.csv"
    assert cli("normalize", case_dir, "-o", csv_out, "--allow-rejected").exit_code == 0
    with open(csv_out, encoding="utf-8-sig", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert {r["method"] for r in table} == {"'" + FORMULA}
    assert all(_inert(v) for r in table for v in r.values())

    xlsx_out = tmp_path / "n.xlsx"
    assert cli("normalize", case_dir, "-o", xlsx_out, "--allow-rejected").exit_code == 0
    ws = openpyxl.load_workbook(xlsx_out).active
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" for c in cells)  # text, never a formula ('f')
