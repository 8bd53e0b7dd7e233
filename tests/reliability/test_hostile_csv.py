"""Issue 17 items 1 and 10: CSV quotes and records that would swallow or flood the intake.

Every test runs the CLI on a small case in tmp_path, whole (the default below 32 MiB) and in chunks
(``--chunk-rows``), because the chunked reader must say exactly what the whole one says.
"""

from __future__ import annotations

import json

import pytest

from relhelp import CLEAN_ROWS, LONG_HEADER, assert_clean_error, check, cli, long_csv, make_case

FILE = "data/m.csv"
NOTE_HEADER = LONG_HEADER + ",note"
CHUNKS = ([], ["--chunk-rows", "2"], ["--chunk-rows", "1"])


def _with_note(row: str, note: str = "") -> str:
    return f"{row},{note}"


@pytest.mark.parametrize("chunks", CHUNKS)
def test_item1_unterminated_quote_at_the_end_is_an_error_naming_the_line_where_it_opens(case_dir, chunks):
    # lines: 1 header, 2-4 before runs, 5 opens a quote that nothing closes, 6-7 would be swallowed
    rows = [_with_note(r) for r in CLEAN_ROWS[:3]] + [_with_note(CLEAN_ROWS[3], '"pump off'),
                                                      _with_note(CLEAN_ROWS[4]), _with_note(CLEAN_ROWS[5])]
    make_case(case_dir, {"m.csv": long_csv(*rows, header=NOTE_HEADER)})
    result, ledger = check(case_dir, *chunks)
    assert_clean_error(result, FILE, "row 5", "quote opened on line 5 is never closed")
    assert ledger is None


@pytest.mark.parametrize("chunks", CHUNKS)
def test_item1_a_quoted_cell_whose_lines_are_whole_records_is_an_error(case_dir, chunks):
    # a stray quote in row 5's value (line 5) is closed by another one on line 7: lines 6 and 7
    # would be swallowed into one cell, and line 6 is a whole record of this file
    rows = list(CLEAN_ROWS)
    rows[3] = 'S1,after,1,NMHC,"12.0,mg/m3'
    rows[5] = 'S1,after,3,NMHC,12.6",mg/m3'
    make_case(case_dir, {"m.csv": long_csv(*rows)})
    result, _ = check(case_dir, *chunks)
    assert_clean_error(result, FILE, "row 5", "column E", "lines 5–7", "S1,after,2,NMHC,11.5,mg/m3", "quote is missing or extra")


@pytest.mark.parametrize("chunks", CHUNKS)
def test_item1_a_note_with_a_line_break_is_read_and_its_line_span_noted(case_dir, tmp_path, chunks):
    rows = [_with_note(r) for r in CLEAN_ROWS]
    rows[1] = _with_note(CLEAN_ROWS[1], '"第一行, with a comma\n第二行"')  # row 3 spans lines 3-4
    make_case(case_dir, {"m.csv": long_csv(*rows, header=NOTE_HEADER)})
    result, ledger = check(case_dir, *chunks)
    assert result.exit_code == 0, result.output
    notes = [e for e in ledger if e["reason"] == "multiline_record"]
    assert [(e["row"], e["outcome"], e["field"]) for e in notes] == [("3", "note", "row")]
    assert "lines 3–4" in notes[0]["detail"]
    # the tally counts records and physical lines: 7 records (header + 6 rows) on 8 lines
    assert "│ 8 " in result.stdout.replace("┃", "│") or " 8 " in result.stdout
    out = tmp_path / "r.json"
    assert cli("analyze", case_dir, "-o", out, *chunks).exit_code == 0
    (inp,) = json.loads(out.read_text(encoding="utf-8"))["inputs"]
    assert (inp["rows"], inp["lines"]) == (6, 8)


def test_item1_the_whole_and_chunked_ledgers_agree_on_multiline_records(case_dir):
    rows = [_with_note(r, f'"run {i}\nsecond line"' if i % 2 else "") for i, r in enumerate(CLEAN_ROWS)]
    make_case(case_dir, {"m.csv": long_csv(*rows, header=NOTE_HEADER)})
    ledgers = []
    for chunks in CHUNKS:
        result, ledger = check(case_dir, *chunks)
        assert result.exit_code == 0, result.output
        ledgers.append(ledger)
    assert ledgers[0] == ledgers[1] == ledgers[2]
    assert [e["row"] for e in ledgers[0] if e["reason"] == "multiline_record"] == ["3", "5", "7"]


@pytest.mark.parametrize("chunks", CHUNKS)
def test_item10_a_file_without_line_breaks_is_refused_before_it_is_held_in_memory(case_dir, chunks):
    # 6 MB of one line: refused from the first bytes (no 6 MB record is ever built)
    make_case(case_dir, {"m.csv": LONG_HEADER + "," + "1," * 3_000_000})
    result, _ = check(case_dir, *chunks)
    assert_clean_error(result, FILE, "no line break in the first 4,000,004 bytes", "a file without line breaks?")


@pytest.mark.parametrize("chunks", CHUNKS)
def test_item10_one_overlong_line_after_good_ones_is_refused_by_its_line_number(case_dir, chunks):
    make_case(case_dir, {"m.csv": long_csv(*CLEAN_ROWS[:3], "S1,after,1,NMHC,12.0,mg/m3," + "x" * 1_200_000, *CLEAN_ROWS[4:])})
    result, _ = check(case_dir, *chunks)
    assert_clean_error(result, FILE, "line 5 is longer than 1,000,000 characters")


def test_item10_a_record_with_too_many_fields_is_refused(case_dir):
    make_case(case_dir, {"m.csv": long_csv(*CLEAN_ROWS[:5], CLEAN_ROWS[5] + "," * 20_000)})
    result, _ = check(case_dir)
    assert_clean_error(result, FILE, "row 7", "20,006 fields (limit 16,384)")
