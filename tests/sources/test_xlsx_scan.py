"""The streaming sheet scan: the byte-level fast path must give exactly what one parser gives.

The fast path only counts pieces it can prove are plain rows; everything else is parsed. These
tests cut small sheets into pieces of a few hundred bytes so that every path (head, plain piece,
wrapped piece, tail, restart) runs, and compare with ``exact=True`` and with hand-written answers.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

from verify.case import FileSpec
from verify.errors import Location
from verify.sources import xlsx_scan
from verify.sources.xlsx import read_xlsx
from verify.sources.xlsx_scan import column_index, parse_cell_ref, parse_range_ref, scan_sheet_xml

sys.path.insert(0, str(Path(__file__).parent / "fixtures_xlsx"))
from xlsx_builders import MAIN, raw_xlsx, sheet_xml  # noqa: E402

MEMBER = "xl/worksheets/sheet1.xml"


def plain_rows(first: int, last: int, cols: str | list[str] = "ABCD") -> str:
    return "".join(
        f'<row r="{r}" spans="1:{len(cols)}">' + "".join(f'<c r="{c}{r}"><v>{r * 10 + i}</v></c>' for i, c in enumerate(cols)) + "</row>"
        for r in range(first, last + 1)
    )


def scan_both(path: Path, monkeypatch, piece: int = 256):
    """Scan with the fast path (small pieces) and with one parser; they must agree."""
    monkeypatch.setattr(xlsx_scan, "PIECE_BYTES", piece)
    calls = {"plain": 0}
    original = xlsx_scan._plain_rows

    def spy(piece_bytes, col):
        ok = original(piece_bytes, col)
        calls["plain"] += ok
        return ok

    monkeypatch.setattr(xlsx_scan, "_plain_rows", spy)
    with zipfile.ZipFile(path) as zf:
        fast = scan_sheet_xml(zf, MEMBER, Location(file=path.name))
        exact = scan_sheet_xml(zf, MEMBER, Location(file=path.name), exact=True)
    assert exact.exact is True
    fields = [f for f in vars(exact) if f != "exact"]
    assert {f: getattr(fast, f) for f in fields} == {f: getattr(exact, f) for f in fields}
    return fast, calls["plain"]


def test_cell_reference_parsing():
    where = Location(file="x.xlsx")
    # hand-worked: D = 4th letter → index 3; AA = 26+1 → 26; XFD = 24·676 + 6·26 + 4 = 16384 → 16383
    assert column_index("A") == 0 and column_index("Z") == 25 and column_index("AA") == 26
    assert column_index("XFD") == 16383
    assert parse_cell_ref("D7", where) == (6, 3)
    assert parse_range_ref("B2:C4", where) == (1, 1, 3, 2)
    assert parse_range_ref("C4:B2", where) == (1, 1, 3, 2)
    assert parse_range_ref("B2", where) == (1, 1, 1, 1)


def test_plain_sheet_goes_through_the_byte_path(tmp_path, monkeypatch):
    path = raw_xlsx(tmp_path / "p.xlsx", {"S": sheet_xml(plain_rows(1, 60), dimension="A1:D60")})
    scan, plain = scan_both(path, monkeypatch)
    assert plain >= 5  # most pieces were only counted
    assert scan.exact is False
    assert (scan.n_rows, scan.n_cells, scan.max_row, scan.max_col) == (60, 240, 59, 3)
    assert scan.dimension == "A1:D60"
    assert not scan.formulas_with_value and not scan.formulas_without_value and not scan.hidden_rows


def test_features_inside_many_pieces(tmp_path, monkeypatch):
    rows = (
        plain_rows(1, 10)
        + '<row r="11" hidden="1"><c r="A11"><v>1</v></c></row>'
        + plain_rows(12, 20)
        + '<row r="21"><c r="A21"><f>SUM(A1:A20)</f><v>123</v></c><c r="B21"><f>B1*2</f><v/></c></row>'
        + plain_rows(22, 30, cols="ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        + '<row r="31"><c r="AB31" t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
        + '<row r="32"><c r="A32" t="inlineStr"><is><r><rPr><color rgb="FFFF0000"/></rPr><t>rich</t></r></is></c></row>'
        + plain_rows(33, 40)
        + '<row r="41" hidden="true"><c r="C41" t="str"><f>"x"</f><v>x</v></c></row>'
        + plain_rows(42, 50)
    )
    merged = '<mergeCells count="2"><mergeCell ref="A1:B2"/><mergeCell ref="C45:C48"/></mergeCells>'
    path = raw_xlsx(tmp_path / "f.xlsx", {"S": sheet_xml(rows, after=merged)})
    scan, plain = scan_both(path, monkeypatch)
    assert plain >= 3
    assert scan.hidden_rows == {10, 40}
    assert scan.formulas_with_value == {(20, 0): "SUM(A1:A20)", (30, 27): "1/0", (40, 2): '"x"'}
    assert scan.formulas_without_value == {(20, 1): "B1*2"}
    assert scan.errors == {(30, 27): "#DIV/0!"}
    assert scan.merged == [(0, 0, 1, 1), (44, 2, 47, 2)]
    assert scan.max_row == 49 and scan.max_col == 27  # AB → 27
    assert scan.n_cells == 10 * 4 + 1 + 9 * 4 + 2 + 9 * 26 + 1 + 1 + 8 * 4 + 1 + 9 * 4


@pytest.mark.parametrize(
    "oddity",
    [
        "<!-- a comment hiding </row> and <f>1+1</f> -->",
        "<?pi stray </row> instruction?>",
        '<row r="15"><c r="A15" t="inlineStr"><is><t><![CDATA[</row><f>2</f>]]></t></is></c></row>',
    ],
    ids=["comment", "processing-instruction", "cdata"],
)
def test_markup_that_could_fool_byte_counting(tmp_path, monkeypatch, oddity):
    rows = plain_rows(1, 14) + oddity + plain_rows(16, 30) + '<row r="31"><c r="A31"><f>A1</f></c></row>'
    path = raw_xlsx(tmp_path / "o.xlsx", {"S": sheet_xml(rows)})
    scan, _ = scan_both(path, monkeypatch, piece=200)
    assert scan.formulas_without_value == {(30, 0): "A1"}  # the fake <f> is not a formula
    assert scan.formulas_with_value == {}
    assert scan.max_row == 30


def test_prefixed_namespace_is_read_by_local_names(tmp_path, monkeypatch):
    # what the .NET Open XML SDK writes: <x:worksheet xmlns:x="…main">
    body = "".join(
        f'<x:row r="{r}"><x:c r="A{r}"><x:v>{r}</x:v></x:c>' + (f'<x:c r="B{r}"><x:f>A{r}*2</x:f></x:c>' if r == 7 else "") + "</x:row>"
        for r in range(1, 21)
    )
    xml = f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="{MAIN}"><x:sheetData>{body}</x:sheetData></x:worksheet>'
    path = raw_xlsx(tmp_path / "x.xlsx", {"S": xml.encode()})
    scan, plain = scan_both(path, monkeypatch, piece=150)
    assert plain == 0  # no piece may be byte-counted: its tags are prefixed
    assert scan.formulas_without_value == {(6, 1): "A7*2"}
    assert scan.n_cells == 21 and scan.max_row == 19


def test_cell_rows_that_disagree_with_their_row_are_parsed(tmp_path, monkeypatch):
    # a row numbered 5 holding a cell on row 500000: the byte path must not trust the row number
    rows = plain_rows(1, 30) + '<row r="31"><c r="A500000"><v>1</v></c></row>' + plain_rows(32, 40)
    path = raw_xlsx(tmp_path / "d.xlsx", {"S": sheet_xml(rows)})
    scan, _ = scan_both(path, monkeypatch, piece=300)
    assert scan.max_row == 499_999


def test_implicit_positions(tmp_path, monkeypatch):
    rows = plain_rows(1, 10) + '<row><c><v>1</v></c><c><f>A11</f></c></row><row><c r="C12"><v>2</v></c><c><v>3</v></c></row>' + plain_rows(13, 20)
    path = raw_xlsx(tmp_path / "i.xlsx", {"S": sheet_xml(rows)})
    scan, _ = scan_both(path, monkeypatch, piece=200)
    assert scan.formulas_without_value == {(10, 1): "A11"}
    assert scan.max_col == 3 and scan.n_rows == 20


def test_reading_through_the_fast_path_gives_the_same_grid(tmp_path, monkeypatch):
    rows = plain_rows(3, 80) + '<row r="81"><c r="B81"><f>B3</f></c></row>'
    path = raw_xlsx(tmp_path / "g.xlsx", {"S": sheet_xml(rows)})
    spec = FileSpec(path="g.xlsx")
    whole = read_xlsx(path, "g.xlsx", spec)
    monkeypatch.setattr(xlsx_scan, "PIECE_BYTES", 256)
    pieces = read_xlsx(path, "g.xlsx", spec)
    assert pieces.rows == whole.rows
    assert pieces.formulas_without_value == whole.formulas_without_value == {(80, 1): "B3"}
    assert pieces.rows[2][:4] == [30.0, 31.0, 32.0, 33.0]  # row 3, values r·10 + column
    assert pieces.rows[80][1] is None


def test_multi_letter_columns_in_plain_pieces(tmp_path, monkeypatch):
    # hand-worked: AD = 1·26 + 4 = 30 → index 29; ABC = 1·676 + 2·26 + 3 = 731 → index 730
    cols = [chr(65 + i) for i in range(26)] + ["AA", "AB", "AC", "AD"]
    rows = plain_rows(1, 20, cols=cols) + '<row r="21"><c r="ABC21"><v>1</v></c></row>' + plain_rows(22, 40, cols=cols)
    path = raw_xlsx(tmp_path / "w.xlsx", {"S": sheet_xml(rows)})
    scan, plain = scan_both(path, monkeypatch, piece=2000)
    assert plain >= 3
    assert scan.max_col == 730 and scan.max_row == 39
    assert scan.n_cells == 39 * 30 + 1


def test_prefixed_formula_element_inside_plain_rows_is_not_missed(tmp_path, monkeypatch):
    # '<v:f>' starts like '<v>' at byte level; calamine and our parser match the local name 'f'
    odd = '<row r="15"><c r="A15"><v:f xmlns:v="urn:example">A1*3</v:f><v>3</v></c></row>'
    rows = plain_rows(1, 14) + odd + plain_rows(16, 30)
    path = raw_xlsx(tmp_path / "vf.xlsx", {"S": sheet_xml(rows)})
    scan, plain = scan_both(path, monkeypatch, piece=200)
    assert plain >= 2
    assert scan.formulas_with_value == {(14, 0): "A1*3"}
