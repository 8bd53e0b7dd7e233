"""read_xlsx / list_sheets on ordinary workbooks: coordinates, values, epochs, formulas, merged
cells, hidden rows and sheets, macros, CJK text, sheet choice (docs/reliability.md#bad-inputs rows 24–29, 31)."""

from __future__ import annotations

import datetime as dt
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from verify.case import FileSpec
from verify.errors import InputError
from verify.sources.grid import cell_address, range_address
from verify.sources.xlsx import MACRO_NOTE, ensure_defusedxml, list_sheets, read_xlsx

sys.path.insert(0, str(Path(__file__).parent / "fixtures_xlsx"))
from xlsx_builders import patch_zip, raw_xlsx, sheet_xml  # noqa: E402


def read(path: Path, sheet: str | None = None):
    return read_xlsx(path, path.name, FileSpec(path=path.name, sheet=sheet))


def save(wb: openpyxl.Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def test_defusedxml_is_active():
    ensure_defusedxml()  # raises if openpyxl.DEFUSEDXML is False
    assert openpyxl.DEFUSEDXML is True


def test_grid_coordinates_equal_spreadsheet_coordinates_with_leading_blanks(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S1"
    ws["C3"] = "source"
    ws["D3"] = "NMHC"
    ws["C4"] = "S1"
    ws["D4"] = 12.5
    ws["F7"] = "last"
    grid = read(save(wb, tmp_path / "a.xlsx"), "S1")
    # grid (r, c) is spreadsheet cell (r+1, c+1): C3 → (2, 2), D4 → (3, 3), F7 → (6, 5)
    assert grid.rows[2][2] == "source" and cell_address(2, 2) == "C3"
    assert grid.rows[3][3] == 12.5 and cell_address(3, 3) == "D4"
    assert grid.rows[6][5] == "last" and cell_address(6, 5) == "F7"
    assert grid.n_rows == 7 and grid.n_cols == 6
    assert all(len(r) == 6 for r in grid.rows)
    assert grid.rows[0] == [""] * 6 and [r[0] for r in grid.rows] == [""] * 7
    assert grid.file == "a.xlsx" and grid.sheet == "S1"


def test_value_types_and_midnight_date_becomes_datetime(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 1, 13, 30), dt.time(13, 30), True, 3, "12.5"])
    ws["G1"] = dt.timedelta(hours=30)
    grid = read(save(wb, tmp_path / "t.xlsx"))
    row = grid.rows[0]
    # calamine returns datetime.date for exactly-midnight values (docs/platform.md#readers); we normalise
    assert type(row[0]) is dt.datetime and row[0] == dt.datetime(2026, 3, 1)
    assert row[1] == dt.datetime(2026, 3, 1, 13, 30)
    assert row[2] == dt.time(13, 30)
    assert row[3] is True
    assert row[4] == 3 and isinstance(row[4], float)
    assert row[5] == "12.5"  # text stays text
    assert row[6] == dt.timedelta(hours=30)


@pytest.mark.parametrize("epoch_1904", [False, True], ids=["1900", "1904"])
def test_same_dates_in_both_epochs(tmp_path, epoch_1904):
    wb = openpyxl.Workbook()
    if epoch_1904:
        wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws["A1"] = dt.datetime(2024, 3, 1)
    ws["A2"] = dt.datetime(2024, 3, 1, 13, 30)
    path = save(wb, tmp_path / "e.xlsx")
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml")
    # Stored serials differ by 1,462 days between the systems (Microsoft: "Differences between the
    # 1900 and the 1904 date system in Excel"): 2024-03-01 is 45352 (1900) and 43890 (1904).
    assert (b"<v>43890</v>" in xml) is epoch_1904 and (b"<v>45352</v>" in xml) is not epoch_1904
    grid = read(path)
    assert grid.date1904 is epoch_1904
    assert grid.rows[0][0] == dt.datetime(2024, 3, 1)
    assert grid.rows[1][0] == dt.datetime(2024, 3, 1, 13, 30)


def test_formula_without_cached_value_is_listed_and_left_empty(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = 2
    ws["B1"] = "=A1*2"  # openpyxl writes <f>A1*2</f><v/>: no saved value
    grid = read(save(wb, tmp_path / "f.xlsx"))
    assert grid.formulas_without_value == {(0, 1): "A1*2"}
    assert grid.formulas_with_value == {}
    assert grid.rows[0] == [2.0, None]


def test_formula_with_cached_value_and_error_value(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = 2
    ws["B1"] = "=A1*2"
    ws["C1"] = "=1/0"
    ws["D1"] = '=""'
    src = save(wb, tmp_path / "src.xlsx")

    def add_cached(xml: bytes) -> bytes:  # what Excel writes after calculating
        xml = xml.replace(b"<f>A1*2</f><v />", b"<f>A1*2</f><v>4</v>")
        xml = xml.replace(b'<c r="C1"><f>1/0</f><v />', b'<c r="C1" t="e"><f>1/0</f><v>#DIV/0!</v>')
        return xml.replace(b'<c r="D1"><f>""</f><v />', b'<c r="D1" t="str"><f>""</f><v></v>')

    path = patch_zip(src, tmp_path / "g.xlsx", {"xl/worksheets/sheet1.xml": add_cached})
    grid = read(path)
    assert grid.formulas_with_value == {(0, 1): "A1*2", (0, 2): "1/0", (0, 3): '""'}
    assert grid.formulas_without_value == {}
    # the error result is shown as text (calamine alone gives ''), the empty-string result is ''
    assert grid.rows[0] == [2.0, 4.0, "#DIV/0!", ""]
    assert any("error value" in str(n) for n in grid.notes)


def test_shared_formula_children_get_the_master_text(tmp_path):
    rows = (
        '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><f t="shared" ref="B1:B3" si="0">A1*2</f><v>2</v></c></row>'
        '<row r="2"><c r="A2"><v>2</v></c><c r="B2"><f t="shared" si="0"/><v>4</v></c></row>'
        '<row r="3"><c r="A3"><v>3</v></c><c r="B3"><f t="shared" si="0"/></c></row>'
    )
    grid = read(raw_xlsx(tmp_path / "s.xlsx", {"S": sheet_xml(rows)}))
    assert grid.formulas_with_value == {(0, 1): "A1*2", (1, 1): "A1*2"}
    assert grid.formulas_without_value == {(2, 1): "A1*2"}
    assert [r[1] for r in grid.rows] == [2.0, 4.0, None]


def test_merged_ranges(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "header"
    ws["B2"] = 1.0
    ws.merge_cells("B2:B4")
    ws.merge_cells("D1:F1")
    grid = read(save(wb, tmp_path / "m.xlsx"))
    assert sorted(grid.merged) == [(0, 3, 0, 5), (1, 1, 3, 1)]
    assert sorted(range_address(*m) for m in grid.merged) == ["B2:B4", "D1:F1"]


def test_hidden_rows_and_hidden_sheets(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    for i in range(1, 6):
        ws.append([i])
    ws.row_dimensions[3].hidden = True
    ws.row_dimensions[5].hidden = True
    lookup = wb.create_sheet("lookup")
    lookup["A1"] = "x"
    lookup.sheet_state = "hidden"
    secret = wb.create_sheet("very")
    secret.sheet_state = "veryHidden"
    path = save(wb, tmp_path / "h.xlsx")
    assert list_sheets(path, "h.xlsx") == [("data", False), ("lookup", True), ("very", True)]
    grid = read(path, "data")
    assert grid.hidden_rows == {2, 4}  # Excel rows 3 and 5
    assert [r[0] for r in grid.rows] == [1.0, 2.0, 3.0, 4.0, 5.0]  # hidden rows are still read
    assert grid.notes == []
    hidden = read(path, "lookup")
    assert hidden.rows == [["x"]]
    assert any("hidden" in str(n) for n in hidden.notes)


def test_xlsm_with_macros_is_read_with_a_note(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = 7
    src = save(wb, tmp_path / "src.xlsx")
    path = patch_zip(src, tmp_path / "macro.xlsm", {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 not executed"})
    grid = read(path)
    assert grid.rows == [[7.0]]
    assert grid.notes == [MACRO_NOTE]
    assert "not executed" in str(MACRO_NOTE)
    assert read(src).notes == []


def test_chinese_and_japanese_text_round_trips(tmp_path):
    header = ["监测点位", "污染物", "实测值", "单位", "排気筒", "非メタン炭化水素"]
    values = ["1#排气筒", "非甲烷总烃", 12.5, "mg/m³", "㎎/㎥", "治理后"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "监测数据"
    ws.append(header)
    ws.append(values)
    grid = read(save(wb, tmp_path / "cjk.xlsx"), "监测数据")
    assert grid.rows == [header, values]
    assert grid.sheet == "监测数据"


def test_shared_strings_are_read(tmp_path):
    sst = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        b'count="2" uniqueCount="2"><si><t>\xe6\x8e\x92\xe6\xb0\x94\xe7\xad\x92</t></si><si><t>NMHC</t></si></sst>'
    )
    rows = '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    grid = read(raw_xlsx(tmp_path / "sst.xlsx", {"S": sheet_xml(rows)}, shared_strings=sst))
    assert grid.rows == [["排气筒", "NMHC"]]


def test_sheet_choice(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "S1"
    wb.active["A1"] = 1
    wb.create_sheet("S2")["A1"] = 2
    path = save(wb, tmp_path / "two.xlsx")
    assert read(path, "S2").rows == [[2.0]]
    with pytest.raises(InputError, match="2 sheets .*'S1', 'S2'.*say which one") as exc:
        read(path)
    assert 'sheet = "S1"' in str(exc.value)
    with pytest.raises(InputError, match=r"no sheet named 'S3'; the workbook has: 'S1', 'S2'") as exc:
        read(path, "S3")
    assert exc.value.location.file == "two.xlsx"
    with pytest.raises(InputError, match="did you mean sheet = 'S1'"):
        read(path, "s1")


def test_single_sheet_is_read_without_naming_it(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["B2"] = "only"
    grid = read(save(wb, tmp_path / "one.xlsx"))
    assert grid.sheet == "Sheet" and grid.rows[1][1] == "only"


def test_empty_sheet_gives_empty_grid(tmp_path):
    grid = read(raw_xlsx(tmp_path / "empty.xlsx", {"S": sheet_xml("")}))
    assert grid.rows == [] and grid.n_cols == 0


def test_huge_declared_dimension_with_few_rows_is_read(tmp_path):
    # docs/reliability.md#bad-inputs row 32: the dimension claims the whole sheet; only three rows exist
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in (1, 2, 3))
    path = raw_xlsx(tmp_path / "dim.xlsx", {"S": sheet_xml(rows, dimension="A1:XFD1048576")})
    grid = read(path)
    assert grid.rows == [[1.0], [2.0], [3.0]]


def test_cells_without_r_attributes_are_placed_like_calamine(tmp_path):
    # ECMA-376 §18.3.1.4: r is optional; a missing one means the next column / row
    rows = '<row><c><v>1</v></c><c><f>A1+1</f></c><c><v>3</v></c></row><row><c r="B2"><v>5</v></c><c><v>6</v></c></row>'
    grid = read(raw_xlsx(tmp_path / "nor.xlsx", {"S": sheet_xml(rows)}))
    assert grid.rows == [[1.0, None, 3.0], ["", 5.0, 6.0]]
    assert grid.formulas_without_value == {(0, 1): "A1+1"}


def test_refuses_to_run_without_defusedxml(tmp_path, monkeypatch):
    from verify.errors import VerifyError

    path = raw_xlsx(tmp_path / "d.xlsx", {"S": sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')})
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    with pytest.raises(VerifyError, match="without defusedxml"):
        read(path)


def test_alignment_is_restored_if_calamine_returned_only_the_used_area(tmp_path, monkeypatch):
    """Defence against a calamine version that honours skip_empty_area differently: data starting
    at C3 returned without the two blank rows and columns must still land on (2, 2)."""
    import verify.sources.xlsx as xlsx

    rows = '<row r="3"><c r="C3"><v>1</v></c><c r="D3"><v>2</v></c></row><row r="4"><c r="D4"><v>3</v></c></row>'
    path = raw_xlsx(tmp_path / "c3.xlsx", {"S": sheet_xml(rows)})
    expected = read(path).rows
    assert expected[2][2:] == [1.0, 2.0] and expected[3][3] == 3.0
    monkeypatch.setattr(xlsx, "_calamine_rows", lambda data, name, where: ([[1.0, 2.0], ["", 3.0]], (2, 2), (3, 3)))
    assert read(path).rows == expected
    # and a grid that fits neither reading is an error, not a shifted table
    monkeypatch.setattr(xlsx, "_calamine_rows", lambda data, name, where: ([[1.0, 2.0, 0.0]], (2, 2), (3, 3)))
    with pytest.raises(InputError, match="calamine returned"):
        read(path)
