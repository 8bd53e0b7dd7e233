"""Hostile and wrong files given to the Excel reader (docs/reliability.md#bad-inputs rows 30, 32, 33;
docs/platform.md#calamine-hostile).

Every refusal must happen before anything is inflated or expanded; files are built in tmp_path.
"""

from __future__ import annotations

import sys
import warnings
import zipfile
from pathlib import Path

import openpyxl
import pytest

from verify.case import FileSpec
from verify.errors import HostileFileError, InputError
from verify.sources import xlsx_scan, xlsx_zip
from verify.sources.xlsx import list_sheets, read_xlsx

sys.path.insert(0, str(Path(__file__).parent / "fixtures_xlsx"))
from xlsx_builders import ole2, patch_zip, raw_xlsx, set_declared_size, sheet_xml  # noqa: E402

LAUGHS = (
    '<!DOCTYPE worksheet [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % ("" if i == 1 else i - 1)) * 10}">' for i in range(1, 10))
    + "]>"
)


def read(path: Path, sheet: str | None = None):
    return read_xlsx(path, path.name, FileSpec(path=path.name, sheet=sheet))


def small_workbook(path: Path) -> Path:
    wb = openpyxl.Workbook()
    wb.active["A1"] = 1.5
    wb.save(path)
    return path


# ---------------------------------------------------------------------------- what the file is


def test_not_a_zip(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_text("source,value\nS1,1\n", encoding="utf-8")
    with pytest.raises(InputError, match="not an Excel workbook") as exc:
        read(path)
    assert exc.value.location.file == "data.xlsx"


def test_empty_file(tmp_path):
    path = tmp_path / "empty.xlsx"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="empty file"):
        read(path)


def test_legacy_xls_is_named(tmp_path):
    path = tmp_path / "old.xlsx"
    path.write_bytes(ole2(["Workbook", "\x05SummaryInformation"]))
    with pytest.raises(InputError, match=r"legacy \.xls workbook") as exc:
        read(path)
    assert "save it as .xlsx" in str(exc.value)
    assert not isinstance(exc.value, HostileFileError)


def test_encrypted_workbook_is_named(tmp_path):
    # MS-OFFCRYPTO §2.3.4: an encrypted OOXML package is an OLE2 file with EncryptionInfo/EncryptedPackage
    path = tmp_path / "secret.xlsx"
    path.write_bytes(ole2(["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"]))
    with pytest.raises(InputError, match="password-protected"):
        read(path)
    with pytest.raises(InputError, match="password-protected"):
        list_sheets(path, "secret.xlsx")


def test_unreadable_ole2_directory_says_either(tmp_path):
    path = tmp_path / "odd.xlsx"
    path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 100)
    with pytest.raises(InputError, match=r"legacy \.xls or encrypted workbook"):
        read(path)


def test_truncated_zip(tmp_path):
    src = small_workbook(tmp_path / "ok.xlsx")
    path = tmp_path / "cut.xlsx"
    path.write_bytes(src.read_bytes()[:-200])
    with pytest.raises(InputError, match="zip directory is missing"):
        read(path)


# ---------------------------------------------------------------------------- zip limits


def test_zip_bomb_by_ratio_is_refused_before_inflating(tmp_path):
    # a 1 MiB sheet of blanks (over the 100 KiB grace) deflates ~1000:1, beyond POI's 1 % minimum
    padding = " " * (1024 * 1024)
    path = raw_xlsx(tmp_path / "bomb.xlsx", {"S": sheet_xml(f'<row r="1"><c r="A1"><v>1</v></c></row>{padding}')})
    info = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml")
    assert info.compress_size < 0.01 * info.file_size  # the premise
    with pytest.raises(HostileFileError, match="zip bomb") as exc:
        read(path)
    assert exc.value.location.file == "bomb.xlsx"


def test_huge_declared_size_is_refused(tmp_path):
    path = small_workbook(tmp_path / "liar.xlsx")
    set_declared_size(path, "xl/worksheets/sheet1.xml", 0xFFFF0000)  # claims ~4 GiB
    with pytest.raises(HostileFileError, match="inflate|uncompressed"):
        read(path)


def test_sum_of_declared_sizes_is_capped(tmp_path, monkeypatch):
    path = small_workbook(tmp_path / "sum.xlsx")
    declared = sum(i.file_size for i in zipfile.ZipFile(path).infolist())
    monkeypatch.setattr(xlsx_zip, "MAX_TOTAL_UNCOMPRESSED", declared - 1)
    with pytest.raises(HostileFileError, match="of uncompressed content"):
        read(path)
    monkeypatch.setattr(xlsx_zip, "MAX_TOTAL_UNCOMPRESSED", declared)
    assert read(path).rows == [[1.5]]


def test_too_many_members(tmp_path, monkeypatch):
    path = small_workbook(tmp_path / "many.xlsx")
    n = len(zipfile.ZipFile(path).infolist())
    monkeypatch.setattr(xlsx_zip, "MAX_ENTRIES", n - 1)
    with pytest.raises(HostileFileError, match=f"the zip has {n} members"):
        read(path)


def test_file_size_cap(tmp_path, monkeypatch):
    import verify.sources.xlsx as xlsx

    path = small_workbook(tmp_path / "big.xlsx")
    monkeypatch.setattr(xlsx, "MAX_FILE_BYTES", path.stat().st_size - 1)
    with pytest.raises(HostileFileError, match="the limit for a workbook"):
        read(path)


def test_duplicate_member_names(tmp_path):
    path = small_workbook(tmp_path / "dup.xlsx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns "Duplicate name"
        with zipfile.ZipFile(path, "a") as zf:
            zf.writestr("xl/worksheets/sheet1.xml", sheet_xml('<row r="1"><c r="A1"><v>999</v></c></row>'))
    with pytest.raises(HostileFileError, match="twice"):
        read(path)


# ---------------------------------------------------------------------------- XML entities


def test_billion_laughs_in_sheet_xml(tmp_path):
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    path = raw_xlsx(tmp_path / "laughs.xlsx", {"S": sheet_xml(rows, prolog=LAUGHS)})
    with pytest.raises(HostileFileError, match="XML entity declarations are not allowed") as exc:
        read(path)
    assert "xl/worksheets/sheet1.xml" in str(exc.value)
    with pytest.raises(HostileFileError, match="XML entity declarations are not allowed"):
        list_sheets(path, "laughs.xlsx")  # refused as soon as the container is opened


def test_entity_in_shared_strings(tmp_path):
    sst = (
        f'<?xml version="1.0"?>{LAUGHS.replace("worksheet", "sst")}'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>'
    ).encode()
    path = raw_xlsx(tmp_path / "sst.xlsx", {"S": sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')}, shared_strings=sst)
    with pytest.raises(HostileFileError, match="entity declarations are not allowed.*sharedStrings"):
        read(path)


def test_external_entity_in_sheet(tmp_path):
    prolog = '<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>&x;</t></is></c></row>'
    path = raw_xlsx(tmp_path / "xxe.xlsx", {"S": sheet_xml(rows, prolog=prolog)})
    with pytest.raises(HostileFileError, match="entity"):
        read(path)


def test_scan_refuses_entities_on_its_own(tmp_path):
    """The sheet scanner is defused by itself, not only thanks to the prolog check."""
    from verify.errors import Location

    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    path = raw_xlsx(tmp_path / "l.xlsx", {"S": sheet_xml(rows, prolog=LAUGHS)})
    with zipfile.ZipFile(path) as zf:
        for exact in (False, True):
            with pytest.raises(HostileFileError, match="XML entity declarations are not allowed"):
                xlsx_scan.scan_sheet_xml(zf, "xl/worksheets/sheet1.xml", Location(file="l.xlsx"), exact=exact)


def test_undeclared_entity_reference_is_malformed(tmp_path):
    rows = '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol;</t></is></c></row>'
    path = raw_xlsx(tmp_path / "u.xlsx", {"S": sheet_xml(rows)})
    with pytest.raises(InputError, match="not well-formed"):
        read(path)


# ---------------------------------------------------------------------------- sheet size caps


def test_two_far_apart_cells_exceed_the_grid_cap_before_calamine(tmp_path, monkeypatch):
    # A1 and H600000: 2 cells, but a dense grid of 600,000 × 8 = 4.8 M cells (> 4 M)
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="600000"><c r="H600000"><v>2</v></c></row>'
    path = raw_xlsx(tmp_path / "far.xlsx", {"S": sheet_xml(rows)})

    def no_calamine(*args, **kwargs):  # pragma: no cover - must not be reached
        raise AssertionError("calamine was called")

    import verify.sources.xlsx as xlsx

    monkeypatch.setattr(xlsx, "_calamine_rows", no_calamine)
    with pytest.raises(HostileFileError, match="row 600,000 and column 8") as exc:
        read(path)
    assert exc.value.location.sheet == "S"


def test_cell_count_cap(tmp_path, monkeypatch):
    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>1</v></c>' for c in "ABCDE") + "</row>" for r in range(1, 41))
    path = raw_xlsx(tmp_path / "cells.xlsx", {"S": sheet_xml(rows)})
    monkeypatch.setattr(xlsx_scan, "MAX_CELLS", 199)
    with pytest.raises(HostileFileError, match="more than 199 cells"):
        read(path)
    monkeypatch.setattr(xlsx_scan, "PIECE_BYTES", 300)  # the same through the byte-level path
    with pytest.raises(HostileFileError, match="more than 199 cells"):
        read(path)
    monkeypatch.setattr(xlsx_scan, "MAX_CELLS", 200)
    assert read(path).n_rows == 40


def test_cell_outside_excels_grid(tmp_path):
    path = raw_xlsx(tmp_path / "xfe.xlsx", {"S": sheet_xml('<row r="1"><c r="XFE1"><v>1</v></c></row>')})
    with pytest.raises(HostileFileError, match="outside Excel's grid"):
        read(path)
    path = raw_xlsx(tmp_path / "row.xlsx", {"S": sheet_xml('<row r="1048577"><c r="A1048577"><v>1</v></c></row>')})
    with pytest.raises(HostileFileError, match="outside Excel's grid"):
        read(path)


def test_malformed_sheet_xml(tmp_path):
    path = raw_xlsx(tmp_path / "bad.xlsx", {"S": sheet_xml('<row r="1"><c r="A1"><v>1</v></row>')})
    with pytest.raises(InputError, match="not well-formed"):
        read(path)


def test_macro_workbook_refused_only_for_real_problems(tmp_path):
    """A .xlsm with a vbaProject.bin is not hostile in itself (docs/reliability.md#bad-inputs row 31)."""
    src = small_workbook(tmp_path / "a.xlsx")
    path = patch_zip(src, tmp_path / "m.xlsm", {"xl/vbaProject.bin": b"\x00" * 10})
    assert read(path).rows == [[1.5]]
