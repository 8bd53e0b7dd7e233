"""docs/reliability.md#bad-inputs, the bad inputs of Excel workbooks (rows 24–33), end to end through the CLI.

Workbooks are built in tmp_path with openpyxl, or part by part with the builders of
tests/sources/fixtures_xlsx (cached formula values, entity declarations, OLE2 containers) where
openpyxl cannot write the bytes needed.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from relhelp import assert_clean_error, check, cli, entry, make_case

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sources" / "fixtures_xlsx"))
from xlsx_builders import ole2, patch_zip, raw_xlsx, sheet_xml  # noqa: E402

HEADER = ["source", "phase", "run", "pollutant", "value", "unit"]
ROWS = [
    ["S1", "before", 1, "NMHC", 30.1, "mg/m3"],
    ["S1", "before", 2, "NMHC", 32.4, "mg/m3"],
    ["S1", "before", 3, "NMHC", 29.8, "mg/m3"],
    ["S1", "after", 1, "NMHC", 12.0, "mg/m3"],
    ["S1", "after", 2, "NMHC", 11.5, "mg/m3"],
    ["S1", "after", 3, "NMHC", 12.6, "mg/m3"],
]
FILE = "data/m.xlsx"


def workbook(rows=ROWS, header=HEADER, title="data"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws.append(header)
    for row in rows:
        ws.append(row)
    return wb, ws


def save_case(case_dir: Path, wb, name="m.xlsx", spec_extra="") -> Path:
    (case_dir / "data").mkdir(parents=True, exist_ok=True)
    wb.save(case_dir / "data" / name)
    spec = f'[[file]]\npath = "data/{name}"\nlayout = "long"\n{spec_extra}'
    return make_case(case_dir, {}, spec)


def normalized(case: Path, tmp_path: Path, *extra) -> list[dict[str, str]]:
    out = tmp_path / "n.csv"
    result = cli("normalize", case, "-o", out, *extra)
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_r24_excel_serial_dates_in_both_epochs_give_the_same_times(tmp_path):
    starts = {}
    for epoch in ("1900", "1904"):
        header = HEADER + ["start"]
        rows = [r + [dt.datetime(2026, 3, i, 10, 0)] for i, r in enumerate(ROWS, start=1)]
        wb, _ = workbook(rows, header)
        if epoch == "1904":
            wb.epoch = CALENDAR_MAC_1904
        case = save_case(tmp_path / epoch, wb)
        starts[epoch] = [r["start"] for r in normalized(case, tmp_path)]
    assert starts["1900"] == starts["1904"]
    # 10:00 local (Asia/Shanghai, UTC+8) on 1 March 2026
    assert starts["1900"][0].startswith("2026-03-01") and ("02:00" in starts["1900"][0] or "10:00+08:00" in starts["1900"][0])


def test_r25_merged_cells_in_the_data_are_an_error_naming_the_range(case_dir):
    wb, ws = workbook()
    ws.merge_cells("B3:B5")  # phase merged over three data rows
    case = save_case(case_dir, wb)
    result, _ = check(case)
    assert_clean_error(result, FILE, "'data'", "merged range B3:B5")


def test_r25_merged_cells_inside_the_declared_header_rows_are_expanded(case_dir, tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["阶段", "频次", "非甲烷总烃"])
    ws.append([None, None, "mg/m3"])
    ws.merge_cells("A1:A2")
    ws.merge_cells("B1:B2")
    for phase, run, v in [("治理前", 1, 30.1), ("治理前", 2, 32.4), ("治理前", 3, 29.8), ("治理后", 1, 12.0), ("治理后", 2, 11.5), ("治理后", 3, 12.6)]:
        ws.append([phase, run, v])
    (case_dir / "data").mkdir(parents=True)
    wb.save(case_dir / "data" / "w.xlsx")
    make_case(case_dir, {}, '[[file]]\npath = "data/w.xlsx"\nlayout = "wide"\nheader_rows = [1, 2]\ndefaults = { source = "S1" }\n')
    rows = normalized(case_dir, tmp_path)
    assert [(r["phase"], r["run"], float(r["value"])) for r in rows][:2] == [("before", "1", 30.1), ("before", "2", 32.4)]
    assert {r["pollutant"] for r in rows} == {"NMHC"}


def test_r26_formula_without_saved_value_is_rejected(case_dir):
    wb, ws = workbook()
    ws["E7"] = "=E6+1"  # openpyxl writes no cached value: the supplier's number is unknown
    case = save_case(case_dir, wb)
    result, ledger = check(case)
    assert result.exit_code == 2 and "Traceback" not in result.output
    e = entry(ledger, "E7")
    assert (e["file"], e["sheet"], e["row"], e["column"], e["outcome"], e["reason"]) == (FILE, "data", "7", "E", "rejected", "formula_no_value")
    assert e["detail"] == "formula without a saved value"


def test_r27_formula_with_cached_value_is_accepted_and_flagged(case_dir, tmp_path):
    wb, ws = workbook()
    ws["E7"] = "=E6+1.1"
    (case_dir / "data").mkdir(parents=True)
    src = tmp_path / "src.xlsx"
    wb.save(src)
    # what Excel writes after calculating: the formula and its saved value
    patch_zip(src, case_dir / "data" / "m.xlsx",
              {"xl/worksheets/sheet1.xml": lambda x: x.replace(b"<f>E6+1.1</f><v />", b"<f>E6+1.1</f><v>12.6</v>")})
    make_case(case_dir, {}, '[[file]]\npath = "data/m.xlsx"\nlayout = "long"\n')
    result, ledger = check(case_dir)
    assert result.exit_code == 0, result.output
    e = entry(ledger, "E7")
    assert e["outcome"] == "flagged" and "formula" in (e["reason"] + e["detail"])
    assert "derived by supplier formula" in e["detail"] or e["reason"] == "supplier_formula"
    assert float(normalized(case_dir, tmp_path)[-1]["value"]) == 12.6


def test_r29_only_listed_sheets_are_read_others_named_and_hidden_rows_flagged(case_dir):
    wb, ws = workbook()
    ws.row_dimensions[4].hidden = True
    notes = wb.create_sheet("说明")
    notes["A1"] = "readme"
    hidden = wb.create_sheet("lookup")
    hidden["A1"] = 99
    hidden.sheet_state = "hidden"
    case = save_case(case_dir, wb, spec_extra='sheet = "data"\n')
    result, ledger = check(case)
    assert result.exit_code == 0, result.output
    assert "说明" in result.output and "lookup" in result.output  # named as not read
    e = [x for x in ledger if x["row"] == "4" and x["reason"] == "hidden_row"]
    assert len(e) == 1 and e[0]["outcome"] == "flagged" and e[0]["sheet"] == "data"


@pytest.mark.parametrize(
    ("names", "needle"),
    [(["Workbook", "\x05SummaryInformation"], "legacy .xls workbook"),
     (["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"], "password-protected")],
    ids=["xls", "encrypted"],
)
def test_r30_ole2_files_are_named_by_their_magic_bytes(case_dir, names, needle):
    make_case(case_dir, {"m.xlsx": ole2(names)}, '[[file]]\npath = "data/m.xlsx"\n')
    result, _ = check(case_dir)
    assert_clean_error(result, FILE, needle)


def test_r31_xlsm_macros_are_not_run_values_read_and_noted(case_dir, tmp_path):
    wb, _ = workbook()
    src = tmp_path / "src.xlsx"
    wb.save(src)
    (case_dir / "data").mkdir(parents=True)
    patch_zip(src, case_dir / "data" / "m.xlsm", {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 never executed"})
    make_case(case_dir, {}, '[[file]]\npath = "data/m.xlsm"\nlayout = "long"\n')
    result, _ = check(case_dir)
    assert result.exit_code == 0, result.output
    assert "note: data/m.xlsm" in result.output and "macros (not executed" in result.output
    # values were read all the same
    assert [float(r["value"]) for r in normalized(case_dir, tmp_path)] == [r[4] for r in ROWS]
    # and the note travels into results.json (and from there into the report's data-quality section)
    import json

    out = tmp_path / "results.json"
    assert cli("analyze", case_dir, "-o", out).exit_code == 0
    notes = json.loads(out.read_text(encoding="utf-8"))["inputs"][0]["notes"]
    assert any("macros (not executed" in n for n in notes)


def test_r32_zip_bomb_is_refused_before_inflating(case_dir):
    padding = " " * (1024 * 1024)  # 1 MiB of blanks deflates ~1000:1, beyond POI's 1 % minimum ratio
    (case_dir / "data").mkdir(parents=True)
    raw_xlsx(case_dir / "data" / "m.xlsx", {"S": sheet_xml(f'<row r="1"><c r="A1"><v>1</v></c></row>{padding}')})
    make_case(case_dir, {}, '[[file]]\npath = "data/m.xlsx"\n')
    result, _ = check(case_dir)
    assert_clean_error(result, FILE, "zip bomb")


def test_r32_huge_declared_sheet_is_refused_before_parsing(case_dir):
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="H1048576"><v>2</v></c></row>'
    (case_dir / "data").mkdir(parents=True)
    raw_xlsx(case_dir / "data" / "m.xlsx", {"S": sheet_xml(rows, dimension="A1:H1048576")})
    make_case(case_dir, {}, '[[file]]\npath = "data/m.xlsx"\n')
    result, _ = check(case_dir)
    assert_clean_error(result, FILE, "1,048,576")


def test_r33_billion_laughs_is_refused(case_dir):
    laughs = (
        '<!DOCTYPE worksheet [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % ("" if i == 1 else i - 1)) * 10}">' for i in range(1, 10))
        + "]>"
    )
    (case_dir / "data").mkdir(parents=True)
    raw_xlsx(case_dir / "data" / "m.xlsx", {"S": sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>', prolog=laughs)})
    make_case(case_dir, {}, '[[file]]\npath = "data/m.xlsx"\n')
    result, _ = check(case_dir)
    assert_clean_error(result, FILE, "entity declarations are not allowed")
