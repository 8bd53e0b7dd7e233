"""The `verify new` scaffold is not data (issue 16 item 2): docs/reliability.md "Example rows".

The workbook's grey example rows are skipped while unchanged (ledger note ``example_row``), read and
flagged once edited in place (``example_row_edited``), and never reach results.json. An untouched
scaffold is "no measurements yet" (exit 2); a sheet not filled is a warning, not an error.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl

from relhelp import cli, long_csv, make_case, read_ledger
from verify.scaffold import workbook_spec
from verify.sources.examples import HASH_NAME, RANGE_NAME

STACK_ROWS = [["S1", phase, run, 150, 5.0, None, 101.2, 16000 + 100 * run, 88, "HJ 38-2017", nmhc + run, 30 + run, 50 + run]
              for phase, nmhc in (("対策前", 80), ("対策後", 40)) for run in (1, 2, 3)]


def _new(tmp_path: Path) -> Path:
    case = tmp_path / "cases" / "my-plant"  # the parent folders do not exist yet
    result = cli("new", case)
    assert result.exit_code == 0, result.output
    return case


def _edit(case: Path, edit, sheets=("stack",)) -> None:
    path = case / "data" / "field_entry.xlsx"
    wb = openpyxl.load_workbook(path)
    for sheet in sheets:
        edit(wb[sheet])
    wb.save(path)


def _put(ws, first_row: int, rows) -> None:
    for i, row in enumerate(rows):
        for c, value in enumerate(row, start=1):
            ws.cell(row=first_row + i, column=c, value=value)


def _example_values() -> set[float]:
    """The NMHC values of the stack examples (column 11), which must never become data."""
    stack = next(s for s in workbook_spec()["sheet"] if s["name"] == "stack")
    return {float(row[10]) for row in stack["examples"]}


def test_an_untouched_scaffold_has_no_measurements_yet(tmp_path):
    case = _new(tmp_path)
    for args in (("check", case), ("run", case, "-o", tmp_path / "out")):
        result = cli(*args)
        assert result.exit_code == 2, result.output
        assert ("no measurements yet: fill the sheet 'stack' or 'fugitive' (the example rows are not read)"
                in result.stderr), result.stderr
    assert not (tmp_path / "out").exists()


def test_filling_the_stack_sheet_only_gives_a_report_without_example_data(tmp_path):
    case = _new(tmp_path)
    _edit(case, lambda ws: _put(ws, 6, STACK_ROWS))  # below the three example rows, which stay
    out = tmp_path / "out"
    result = cli("run", case, "-o", out)
    assert result.exit_code == 0, result.output
    assert "data/field_entry.xlsx, sheet 'fugitive': no measurements in this sheet yet: fill it, or remove its [[file]] block" in result.stderr
    for point in ("U1", "D1", "P1"):
        assert f"source '{point}' has no data" in result.stderr
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    runs = [r for r in results["runs"] if r["pollutant"] == "NMHC"]
    assert sorted(float(r["value"]) for r in runs) == [41, 42, 43, 81, 82, 83]
    assert not _example_values() & {float(r["value"]) for r in results["runs"] if r["value"] is not None}
    assert results["claims"][0]["verdict"] == "verified"
    stack = next(i for i in results["inputs"] if i["sheet"] == "stack")
    assert (stack["rows"], stack["accepted"], stack["flagged"]) == (6, 6, 0)
    notes = [e for e in read_ledger(out / "ledger.csv") if e["reason"] == "example_row"]
    assert [(e["sheet"], e["row"], e["outcome"]) for e in notes] == (
        [("fugitive", str(r), "note") for r in range(3, 8)] + [("stack", str(r), "note") for r in (3, 4, 5)])
    assert notes[0]["detail"] == "example row of the verify new workbook, not read"


def test_an_example_row_edited_in_place_is_read_and_flagged_never_skipped(tmp_path):
    case = _new(tmp_path)

    def edit(ws):
        ws["K3"] = 84.0  # one value of the first example row (before, run 1) changed; rows 4 and 5 untouched
        _put(ws, 6, STACK_ROWS[1:])  # the other runs

    _edit(case, edit)
    result = cli("check", case, "--ledger", tmp_path / "ledger.csv")
    assert result.exit_code == 0, result.output
    ledger = read_ledger(tmp_path / "ledger.csv")
    edited = [e for e in ledger if e["reason"] == "example_row_edited"]
    assert {e["row"] for e in edited} == {"3"} and {e["outcome"] for e in edited} == {"flagged"}
    assert [e["raw"] for e in edited if e["cell"] == "K3"] == ["84.0"]  # the value cell, as read
    skipped = sorted(e["row"] for e in ledger if e["reason"] == "example_row" and e["sheet"] == "stack")
    assert skipped == ["4", "5"]
    analysed = cli("analyze", case, "-o", tmp_path / "r.json")
    assert analysed.exit_code == 0, analysed.output
    results = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    row3 = [r for r in results["runs"] if r["pollutant"] == "NMHC" and r["value"] == 84.0]
    assert len(row3) == 1 and row3[0]["flagged"]


def test_examples_moved_elsewhere_are_still_skipped_and_deleted_ones_flag_nothing(tmp_path):
    case = _new(tmp_path)

    def edit(ws):
        examples = [[c.value for c in row] for row in ws.iter_rows(min_row=3, max_row=5)]
        ws.delete_rows(3, 3)  # deleted: Excel then turns the range name into #REF! (openpyxl does not)
        ws.defined_names[RANGE_NAME].attr_text = "'stack'!#REF!"
        _put(ws, 3, STACK_ROWS)
        _put(ws, 20, examples)  # the examples pasted far below: still recognised by their values

    _edit(case, edit)
    result = cli("check", case, "--ledger", tmp_path / "ledger.csv")
    assert result.exit_code == 0, result.output
    ledger = read_ledger(tmp_path / "ledger.csv")
    assert not [e for e in ledger if e["reason"] == "example_row_edited"]
    assert sorted(e["row"] for e in ledger if e["reason"] == "example_row" and e["sheet"] == "stack") == ["20", "21", "22"]


def test_the_same_values_in_a_workbook_without_the_marks_are_data(tmp_path):
    case = _new(tmp_path)

    def unmark(ws):
        del ws.defined_names[HASH_NAME], ws.defined_names[RANGE_NAME]

    _edit(case, unmark, sheets=("stack", "fugitive"))
    result = cli("check", case, "--ledger", tmp_path / "ledger.csv")
    assert result.exit_code == 0, result.output
    assert not [e for e in read_ledger(tmp_path / "ledger.csv") if e["reason"].startswith("example_row")]


def test_an_empty_file_names_the_fix(tmp_path):
    case = make_case(tmp_path / "case", {"m.csv": long_csv()})  # the header only
    result = cli("check", case)
    assert result.exit_code == 2
    assert "no data rows" in result.stderr and "fill it, or remove its [[file]] block from case.toml" in result.stderr
