"""summary.csv / summary.xlsx / programme.html(.pdf) from synthetic results.json files alone."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from verify.batch.programme import (labels, load_summaries, reductions_chart, write_programme,
                                    write_programme_from_outdir)
from verify.batch.summary import Reduction
from verify.batch.task import CaseRecord


def _failed(tmp_path):
    return CaseRecord(case_dir=str(tmp_path / "in" / "bad"), case_id="_bad", outdir=str(tmp_path / "out/cases/_bad"),
                      exit_status=2, error="case.toml: [case] title: =cmd|' /C calc'!A0 <b>x</b>",
                      results_path=None, seconds=0.5, peak_rss_mb=90.0, worker="test:2")


def _csv_rows(path):
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_labels_have_the_same_keys_in_ja_and_zh():
    table = labels()
    assert set(table) == {"ja", "zh"}
    assert set(table["ja"]) == set(table["zh"])
    assert all(v.strip() for lang in table.values() for v in lang.values())


def test_programme_files_and_totals_equal_the_sum(tmp_path, programme_results, write_results_files):
    outdir, records = write_results_files(programme_results)
    records.append(_failed(tmp_path))
    prog = write_programme(records, outdir, pdf=False)
    assert set(prog.files) == {"batch.json", "summary.csv", "summary.xlsx", "programme.html"}

    rows = {r["case_id"]: r for r in _csv_rows(outdir / "summary.csv")}
    assert set(rows) == {"plant-a", "plant-b", "plant-c", "_bad"}
    assert rows["_bad"]["status"] == "failed" and rows["_bad"]["exit_status"] == "2"
    assert rows["_bad"]["error"].startswith("case.toml")
    assert rows["plant-a"]["claims_verified"] == "1" and rows["plant-a"]["statement_id"] == "ST-A-1"
    assert rows["plant-c"]["reduction_t_a_NMHC"] == ""  # absent, not zero
    # the CSV's per-case tonnes sum to the totals sheet (same numbers through two files)
    book = load_workbook(outdir / "summary.xlsx")
    assert book.sheetnames == ["summary", "reductions", "totals"]
    totals = {r[0]: (r[1], r[2]) for r in book["totals"].iter_rows(min_row=2, values_only=True)}
    for pollutant in ("NMHC", "SO2"):
        csv_sum = sum(float(r[f"reduction_t_a_{pollutant}"]) for r in rows.values() if r.get(f"reduction_t_a_{pollutant}"))
        assert totals[f"reduction_t_a_{pollutant}"][0] == pytest.approx(csv_sum, rel=1e-12)
    assert totals["reduction_t_a_NMHC"] == (pytest.approx(4.75), 2)  # hand: 3.0 + 1.5 + 0.25
    assert totals["co2_net_change_t_a"][0] == pytest.approx(-49.5)  # hand: −100 + 50.5
    assert totals["cases"][0] == 4 and totals["cases_failed"][0] == 1
    assert totals["claims_verified"][0] == sum(int(r["claims_verified"]) for r in rows.values() if r["claims_verified"])
    reductions = list(book["reductions"].iter_rows(min_row=2, values_only=True))
    assert len(reductions) == 2 + 1 + 1  # a: two claims; b: one mass_rate endpoint; c: one claim


def test_exports_are_inert_against_formula_injection(tmp_path, programme_results, write_results_files):
    outdir, records = write_results_files(programme_results)
    records.append(_failed(tmp_path))
    write_programme(records, outdir, pdf=False)
    rows = {r["case_id"]: r for r in _csv_rows(outdir / "summary.csv")}
    assert rows["plant-a"]["factory_zh"] == "'=HYPERLINK(\"http://x\")"
    sheet = load_workbook(outdir / "summary.xlsx")["summary"]
    header = [c.value for c in sheet[1]]
    col = header.index("factory_zh")
    cells = [row[col] for row in sheet.iter_rows(min_row=2)]
    target = [c for c in cells if c.value and "HYPERLINK" in c.value]
    assert len(target) == 1 and target[0].data_type == "s"  # a string, not a formula
    assert target[0].value == "'=HYPERLINK(\"http://x\")"  # as the single-case summary.xlsx does


def test_html_escapes_input_text_and_has_both_languages(tmp_path, programme_results, write_results_files):
    outdir, records = write_results_files(programme_results)
    records.append(_failed(tmp_path))
    write_programme(records, outdir, pdf=False)
    html = (outdir / "programme.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>x</b>" not in html
    assert '<section lang="ja">' in html and '<section lang="zh-CN">' in html
    assert labels()["ja"]["sec_failed"] in html and labels()["zh"]["sec_failed"] in html
    assert "57.5%" in html and "[45.0, 67.5]%" in html  # plant-a C1, formatted by verify.report.fmt
    assert labels()["ja"]["metric_mass_rate"] in html and labels()["zh"]["metric_mass_rate"] in html
    assert "<svg" in html


def test_programme_rerenders_identically_from_the_files_alone(tmp_path, programme_results, write_results_files):
    outdir, records = write_results_files(programme_results)
    records.append(_failed(tmp_path))
    write_programme(records, outdir, pdf=False)
    first = {n: (outdir / n).read_bytes() for n in ("summary.csv", "programme.html")}
    write_programme_from_outdir(outdir, pdf=False)
    assert {n: (outdir / n).read_bytes() for n in first} == first
    assert json.loads((outdir / "batch.json").read_text(encoding="utf-8"))[-1]["case_id"] == "_bad"


def test_unreadable_results_json_becomes_a_failed_case(tmp_path, programme_results, write_results_files):
    outdir, records = write_results_files(programme_results)
    (outdir / "cases" / "plant-b" / "results.json").write_text("{not json", encoding="utf-8")
    summaries, failed = load_summaries(records)
    assert [s.case_id for s in summaries] == ["plant-a", "plant-c"]
    assert [(f.case_id, f.exit_status) for f in failed] == [("plant-b", 2)]
    assert "not a valid results.json" in failed[0].error


def test_chart_is_deterministic_and_splits_long_programmes():
    reds = [Reduction(f"plant-{i:03d}", "C1", "S1", None, "NMHC", "mass_rate", "before-after",
                      40.0 + i % 7, 30.0, 55.0, "fieller_welch") for i in range(51)]
    first, second = reductions_chart(reds), reductions_chart(reds)
    assert first == second and len(first) == 2  # 50 rows per panel
    assert all(svg.startswith("<svg") and "<!--" not in svg for svg in first)
    assert reductions_chart([]) == []


@pytest.mark.slow
def test_programme_pdf_has_cjk_fonts_and_text(tmp_path, programme_results, write_results_files):
    if shutil.which("pdftotext") is None or shutil.which("pdffonts") is None:
        pytest.skip("poppler-utils (pdftotext, pdffonts) not installed")
    outdir, records = write_results_files(programme_results)
    prog = write_programme(records, outdir, pdf=True)
    pdf = prog.files["programme.pdf"]
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    flat = "".join(text.split())
    assert "".join(labels()["ja"]["sec_totals"].split()) in flat
    assert "".join(labels()["zh"]["sec_totals"].split()) in flat
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True, timeout=60).stdout
    # docs/platform.md#cjk-fonts: text assertions cannot detect tofu; the JP and SC faces must be embedded
    assert "Noto-Sans-CJK-JP" in fonts and "Noto-Sans-CJK-SC" in fonts
