"""Issue 17 items 8 and 12: crashes become clear exit-2 messages, and messages say what is wrong.

Each test builds a small case in tmp_path and runs the CLI as a user would: exit 2 with one or two
lines naming the file (and sheet, row, column, raw text where there is one), never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path

import openpyxl
import pytest

from relhelp import CLEAN_ROWS, LONG_HEADER, assert_clean_error, check, cli, long_csv, make_case, row_entries

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sources" / "fixtures_xlsx"))
from xlsx_builders import patch_zip  # noqa: E402

C = list(CLEAN_ROWS)
FILE = "data/m.csv"


# ------------------------------------------------------------------------------------ item 8


@pytest.mark.parametrize("codec", ["rot13", "zlib", "base64"])
def test_item8_a_codec_that_is_not_a_text_encoding_is_refused(case_dir, codec):
    make_case(case_dir, {"m.csv": long_csv(*C)}, f'[[file]]\npath = "{FILE}"\nencoding = "{codec}"\n')
    result, _ = check(case_dir)
    assert_clean_error(result, "case.toml", f"{codec!r} is not a text encoding")


def test_item8_a_self_referencing_symlink_is_refused(case_dir):
    make_case(case_dir, {"m.csv": long_csv(*C)}, '[[file]]\npath = "data/loop.csv"\n')
    os.symlink("loop.csv", case_dir / "data" / "loop.csv")
    result, _ = check(case_dir)
    assert_clean_error(result, "'data/loop.csv'", "symbolic link that leads back to itself")


@pytest.mark.parametrize("depth", [5000, 100])
def test_item8_a_deeply_nested_array_in_case_toml_is_refused(case_dir, depth):
    make_case(case_dir, {"m.csv": long_csv(*C)})
    toml = (case_dir / "case.toml").read_text(encoding="utf-8")
    (case_dir / "case.toml").write_text("deep = " + "[" * depth + "]" * depth + "\n" + toml, encoding="utf-8")
    result, _ = check(case_dir)
    assert_clean_error(result, "case.toml", "nests arrays or tables")


@pytest.mark.parametrize("depth", [5000, 100])
def test_item8_a_deeply_nested_results_json_is_refused(tmp_path, depth):
    path = tmp_path / "results.json"
    path.write_text('{"schema": "verify.results/1", "deep": ' + "[" * depth + "]" * depth + "}", encoding="utf-8")
    result = cli("report", "--results", path, "-o", tmp_path / "r.html")
    assert_clean_error(result, str(path), "nested")


# ------------------------------------------------------------------------------------ item 12: files


def test_item12_a_folder_at_a_data_path_is_named_a_folder(case_dir):
    make_case(case_dir, {"m.csv": long_csv(*C)}, '[[file]]\npath = "data/sub"\n')
    (case_dir / "data" / "sub").mkdir()
    result, _ = check(case_dir)
    assert_clean_error(result, "'data/sub'", "is a folder, not a file")


def test_item12_a_fifo_at_a_data_path_is_named_a_pipe_and_never_read(case_dir):
    make_case(case_dir, {"m.csv": long_csv(*C)}, '[[file]]\npath = "data/pipe.csv"\n')
    os.mkfifo(case_dir / "data" / "pipe.csv")  # reading it would wait for a writer forever
    result, _ = check(case_dir)
    assert_clean_error(result, "'data/pipe.csv'", "is a named pipe (FIFO)")


def test_item12_a_workbook_renamed_csv_says_it_is_a_workbook(case_dir, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(LONG_HEADER.split(","))
    wb.save(tmp_path / "w.xlsx")
    make_case(case_dir, {"m.csv": (tmp_path / "w.xlsx").read_bytes()})
    for extra in ([], ["--chunk-rows", "2"]):
        result, _ = check(case_dir, *extra)
        assert_clean_error(result, FILE, "is an Excel workbook (.xlsx/.xlsm, a zip file), not CSV text")


def test_item12_a_gbk_file_declared_utf16_does_not_say_no_data_rows(case_dir):
    text = "排气筒,阶段,频次,污染物,实测浓度,单位\n" + "\n".join(
        f"S1,{'before' if i < 3 else 'after'},{i % 3 + 1},NMHC,{30 - 5 * i}.5,mg/m3" for i in range(6)) + "\n"
    assert text.encode("gbk").decode("utf-16")  # these GBK bytes also decode as UTF-16: one line of noise
    make_case(case_dir, {"m.csv": text.encode("gbk")}, f'[[file]]\npath = "{FILE}"\nencoding = "utf-16"\n')
    for extra in ([], ["--chunk-rows", "2"]):
        result, _ = check(case_dir, *extra)
        assert_clean_error(result, FILE, "read as utf-16", "declared encoding is probably wrong")
        assert "no data rows" not in result.output


def test_item12_two_sheets_with_one_name_are_an_error(case_dir, tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "data"
    wb.active.append(LONG_HEADER.split(","))
    for row in C:
        wb.active.append(row.split(","))
    wb.create_sheet("other").append(LONG_HEADER.split(","))
    wb.save(tmp_path / "two.xlsx")
    (case_dir / "data").mkdir(parents=True)
    patch_zip(tmp_path / "two.xlsx", case_dir / "data" / "m.xlsx",
              {"xl/workbook.xml": lambda b: b.replace(b'name="other"', b'name="DATA"')})
    make_case(case_dir, {}, '[[file]]\npath = "data/m.xlsx"\nsheet = "data"\n')
    result, _ = check(case_dir)
    assert_clean_error(result, "data/m.xlsx", "2 sheets named 'data'", "'DATA'")


# ------------------------------------------------------------------------------------ item 12: cells


def test_item12_rejected_dates_name_the_cell_and_the_raw_text(case_dir):
    header = LONG_HEADER + ",start"
    dates = ["2026-03-01 10:00", "2026-02-30 10:00", "12/03/2026 10:00", "三月一日 10:00", "2026-03-02 10:00", "2026-03-02 11:00"]
    make_case(case_dir, {"m.csv": long_csv(*(f"{r},{d}" for r, d in zip(C, dates)), header=header)})
    result, ledger = check(case_dir)
    assert result.exit_code == 2
    got = {int(e["row"]): e for e in ledger if e["field"] == "row"}
    assert sorted(got) == [3, 4, 5]
    for row, raw, reason, words in ((3, "2026-02-30 10:00", "bad_date", "not a valid date"),
                                    (4, "12/03/2026 10:00", "ambiguous_date", "day or month first"),
                                    (5, "三月一日 10:00", "bad_date", "not an ISO 8601 date")):
        e = got[row]
        assert (e["column"], e["cell"], e["raw"], e["reason"]) == ("G", f"G{row}", raw, reason)
        assert e["detail"].startswith("start: ") and words in e["detail"]


def test_item12_daylight_saving_gaps_and_folds_are_named(case_dir):
    header = LONG_HEADER + ",start"
    dates = ["2026-03-29 01:30", "2026-03-29 02:30", "2026-03-29 03:30", "2026-10-25 01:30", "2026-10-25 02:30", "2026-10-25 03:30"]
    rows = [f"{r},{d}" for r, d in zip(C, dates)]
    make_case(case_dir, {"m.csv": long_csv(*rows, header=header)})
    toml = (case_dir / "case.toml").read_text(encoding="utf-8").replace('"Asia/Shanghai"', '"Europe/Berlin"')
    (case_dir / "case.toml").write_text(toml, encoding="utf-8")
    result, ledger = check(case_dir)
    assert result.exit_code == 2
    (gap,) = row_entries(ledger, 3)
    (fold,) = row_entries(ledger, 6)
    assert (gap["cell"], gap["raw"]) == ("G3", "2026-03-29 02:30") and "does not exist in Europe/Berlin" in gap["detail"]
    assert (fold["cell"], fold["raw"]) == ("G6", "2026-10-25 02:30") and "happens twice in Europe/Berlin" in fold["detail"]
    assert "+02:00 or +01:00" in fold["detail"]


def test_item12_a_formula_without_a_value_in_a_label_cell_is_named(case_dir):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    ws.append(LONG_HEADER.split(","))
    for row in C:
        ws.append([float(x) if x.replace(".", "").isdigit() and "." in x else x for x in row.split(",")])
    ws["A4"] = '=IF(1,"S1","S2")'  # openpyxl writes no saved value
    (case_dir / "data").mkdir(parents=True)
    wb.save(case_dir / "data" / "m.xlsx")
    make_case(case_dir, {}, '[[file]]\npath = "data/m.xlsx"\nlayout = "long"\n')
    result, ledger = check(case_dir)
    assert result.exit_code == 2
    (e,) = row_entries(ledger, 4)
    assert (e["sheet"], e["column"], e["cell"], e["reason"]) == ("data", "A", "A4", "formula_no_value")
    assert e["detail"].startswith("source: a formula without a saved value")


def test_item12_minus_zero_raises_no_numpy_warning(case_dir, tmp_path):
    header = LONG_HEADER + ",o2_pct,flow,flow_unit,折算浓度,排放速率(kg/h)"
    rows = [r + ",10,1000,m3/h,1,0.03" for r in C[:3]] + [
        "S1,after,1,NMHC,-0,mg/m3,10,1000,m3/h,-0,-0", "S1,after,2,NMHC,0,mg/m3,10,1000,m3/h,0,0",
        "S1,after,3,NMHC,-0,mg/m3,-0,1000,m3/h,-0,0"]
    make_case(case_dir, {"m.csv": long_csv(*rows, header=header)}, source_extra="reference_o2_pct = 9")
    out = tmp_path / "r.json"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would become an exception, i.e. exit 3
        result = cli("analyze", case_dir, "-o", out)
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.output
    after = next(e for e in json.loads(out.read_text(encoding="utf-8"))["endpoints"] if e["metric"] == "concentration")["after"]
    assert after["values"] == [0.0, 0.0, 0.0]  # -0 is 0, and nothing warns on the way
