"""The safe Excel reader: one worksheet of an .xlsx/.xlsm file → :class:`SheetGrid`.

Order of work (docs/reliability.md#bad-inputs rows 24–26, 29–33; docs/platform.md#readers, #calamine-hostile):

1. The file's size is checked and its bytes read once (calamine later reads the same bytes, so
   nothing can change between the checks and the read).
2. Magic bytes: ``PK\\x03\\x04`` is a zip; an OLE2 compound file is named as a legacy ``.xls`` or a
   password-protected workbook; anything else is "not an Excel workbook"
   (:mod:`verify.sources.xlsx_zip`).
3. Zip caps on *declared* sizes, before anything is inflated: member count, Σ uncompressed size,
   inflate ratio (Apache POI's 1 %), duplicate or encrypted members.
4. Every XML part's prolog goes through defusedxml's rules: an entity declaration anywhere is
   refused ("XML entity declarations are not allowed"), never expanded.
5. ``workbook.xml`` and its relationships (parsed with ``defusedxml.ElementTree``) give the sheets,
   their visibility, their parts and the ``date1904`` flag.
6. One streaming pass over the chosen sheet's XML (:mod:`verify.sources.xlsx_scan`) collects
   merged ranges, formulas with and without a saved value, error results, hidden rows, and counts
   the cells actually present against the caps.
7. Only then python-calamine reads the values. ``to_python(skip_empty_area=False)`` starts at A1,
   so grid row r, column c is spreadsheet cell (r+1, c+1); this is checked against the sheet's
   extent, and against the XML pass, rather than trusted.

Cell values are what calamine returns (``float``, ``str``, ``bool``, ``datetime``, ``time``,
``timedelta``; an empty cell is ``""``) with three corrections: a ``date`` (calamine's type for a
date-time at exactly midnight, docs/platform.md#readers) becomes a ``datetime``; a formula cell without a
saved value is ``None`` and listed in ``formulas_without_value``; a cell whose saved value is an
Excel error shows the error text (``"#DIV/0!"``), which calamine would have turned into ``""``.
Dates use the workbook's own epoch: calamine applies ``date1904`` (tested with both epochs).
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as DET
import python_calamine
from defusedxml import DefusedXmlException

from verify.case import FileSpec, normalise_label
from verify.errors import HostileFileError, InputError, Location, VerifyError
from verify.i18n import N_
from verify.sources.grid import RawValue, SheetGrid, cell_address
from verify.sources.xlsx_scan import SheetScan, scan_sheet_xml, shared_string_lengths
from verify.sources.xlsx_zip import (
    MAX_FILE_BYTES,
    check_end_of_central_directory,
    check_members,
    check_xml_prologs,
    refuse_ole2,
    sniff,
)

__all__ = ["read_xlsx", "list_sheets", "ensure_defusedxml", "SheetInfo", "MACRO_NOTE"]

#: Largest workbook.xml / .rels part read whole (a workbook with 1,000 sheets is under 200 KB).
MAX_META_BYTES = 16 * 1024 * 1024
MACRO_NOTE = N_("workbook contains macros (not executed; only saved cell values were read)")


def ensure_defusedxml() -> None:
    """Refuse to run if openpyxl is not protected by defusedxml (``openpyxl.DEFUSEDXML``), because
    other parts of the tool write and may read workbooks with openpyxl (docs/platform.md#openpyxl-xml)."""
    import openpyxl

    if not getattr(openpyxl, "DEFUSEDXML", False):
        raise VerifyError(
            N_("openpyxl runs without defusedxml, so XML entity attacks would not be blocked"),
            hint=N_("install the defusedxml package (it is a dependency of verify) and run again"),
        )


@dataclass(frozen=True)
class SheetInfo:
    name: str
    hidden: bool  # state="hidden" or "veryHidden" in workbook.xml
    kind: str  # "worksheet", "chartsheet", "dialogsheet", "macrosheet" or "unknown"
    part: str | None  # zip member of the sheet, e.g. 'xl/worksheets/sheet1.xml'


@dataclass
class _Book:
    data: bytes
    zf: zipfile.ZipFile
    sheets: list[SheetInfo]
    date1904: bool
    macros: bool
    shared_strings: str | None = None  # zip member of the shared-string table


# --------------------------------------------------------------------------------------------
# Opening the container


def _read_bytes(path: Path, rel: str) -> bytes:
    where = Location(file=rel)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise HostileFileError(
                N_("the file is {size:,.1f} MiB; the limit for a workbook is {limit:,.0f} MiB", size=size / 1024 / 1024,
                   limit=MAX_FILE_BYTES / 1024 / 1024),
                where,
                hint=N_("export the measurement sheet as CSV"),
            )
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError(N_("cannot read the file: {why}", why=str(exc.strerror or exc)), where) from None
    if len(data) > MAX_FILE_BYTES:
        raise HostileFileError(N_("the file grew beyond the size limit while being read"), where)
    return data


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _parse_small_xml(zf: zipfile.ZipFile, member: str, rel: str):
    where = Location(file=rel)
    info = zf.getinfo(member)
    if info.file_size > MAX_META_BYTES:
        raise HostileFileError(N_("part {part} is {n:,} bytes (limit {limit:,})", part=member, n=info.file_size,
                                  limit=MAX_META_BYTES), where)
    try:
        return DET.fromstring(zf.read(member))
    except DefusedXmlException:
        raise HostileFileError(N_("XML entity declarations are not allowed (part {part})", part=member), where) from None
    except ParseError as exc:
        raise InputError(N_("part {part} is not well-formed XML ({why})", part=member, why=str(exc)), where) from None


def _relationships(zf: zipfile.ZipFile, member: str, rel: str) -> dict[str, tuple[str, str]]:
    """Relationship Id → (Type, resolved internal target) from a ``.rels`` part (ECMA-376 Part 2 §9.3)."""
    if member not in zf.NameToInfo:
        return {}
    base = posixpath.dirname(posixpath.dirname(member))  # 'xl/_rels/workbook.xml.rels' → 'xl'
    out: dict[str, tuple[str, str]] = {}
    for el in _parse_small_xml(zf, member, rel).iter():
        if _local(el.tag) != "Relationship" or el.get("TargetMode") == "External":
            continue
        target = el.get("Target", "")
        if target.startswith("/"):
            target = target.lstrip("/")
        else:
            target = posixpath.normpath(posixpath.join(base, target))
        out[el.get("Id", "")] = (el.get("Type", ""), target)
    return out


def _open_book(path: Path, rel: str) -> _Book:
    ensure_defusedxml()
    data = _read_bytes(path, rel)
    kind = sniff(data, rel)
    if kind != "zip":
        refuse_ole2(kind, rel)
    check_end_of_central_directory(data, rel)
    where = Location(file=rel)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise InputError(N_("not a readable .xlsx (broken zip: {why})", why=str(exc)), where) from None
    check_members(zf, rel)
    check_xml_prologs(zf, rel)

    root_rels = _relationships(zf, "_rels/.rels", rel)
    workbook_part = next(
        (t for typ, t in root_rels.values() if typ.endswith("/officeDocument") and t in zf.NameToInfo),
        "xl/workbook.xml",
    )
    if workbook_part not in zf.NameToInfo:
        raise InputError(N_("not an Excel workbook: the zip has no workbook part (xl/workbook.xml)"), where)
    wb_dir, wb_name = posixpath.split(workbook_part)
    wb_rels = _relationships(zf, posixpath.join(wb_dir, "_rels", wb_name + ".rels"), rel)

    date1904 = False
    sheets: list[SheetInfo] = []
    for el in _parse_small_xml(zf, workbook_part, rel).iter():
        local = _local(el.tag)
        if local == "workbookPr":
            date1904 = el.get("date1904", "").strip().lower() in ("1", "true")
        elif local == "sheet":
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id" and k.startswith("{")), None)
            typ, part = wb_rels.get(rid or "", ("", None))
            kind_ = typ.rpartition("/")[2].lower() if typ else "unknown"
            kind_ = {"xlmacrosheet": "macrosheet", "xlintlmacrosheet": "macrosheet"}.get(kind_, kind_)
            if part is not None and part not in zf.NameToInfo:
                part = None
            sheets.append(
                SheetInfo(
                    name=el.get("name", ""),
                    hidden=el.get("state", "visible") in ("hidden", "veryHidden"),
                    kind=kind_ if kind_ in ("worksheet", "chartsheet", "dialogsheet", "macrosheet") else "unknown",
                    part=part,
                )
            )
    macros = any(n.lower().endswith("vbaproject.bin") for n in zf.NameToInfo)
    shared = next((t for typ, t in wb_rels.values() if typ.endswith("/sharedStrings") and t in zf.NameToInfo),
                  posixpath.join(wb_dir, "sharedStrings.xml"))
    return _Book(data=data, zf=zf, sheets=sheets, date1904=date1904, macros=macros,
                 shared_strings=shared if shared in zf.NameToInfo else None)


# --------------------------------------------------------------------------------------------
# Public functions


def list_sheets(path: Path, rel: str) -> list[tuple[str, bool]]:
    """All sheets of the workbook in tab order, as (name, hidden), after the container guards."""
    book = _open_book(Path(path), rel)
    return [(s.name, s.hidden) for s in book.sheets]


def _choose_sheet(book: _Book, wanted: str | None, rel: str) -> SheetInfo:
    names = [s.name for s in book.sheets]
    listed = ", ".join(repr(n) for n in names) or N_("(none)")
    if wanted is None:
        worksheets = [s for s in book.sheets if s.kind == "worksheet"]
        if len(worksheets) == 1:
            return worksheets[0]
        if not worksheets:
            raise InputError(N_("the workbook has no worksheet (sheets: {sheets})", sheets=listed), Location(file=rel))
        raise InputError(
            N_("the workbook has {n} sheets ({sheets}); say which one to read", n=len(worksheets),
               sheets=", ".join(repr(s.name) for s in worksheets)),
            Location(file=rel),
            hint=N_('add sheet = "{sheet}" (or another name) to this [[file]] entry in case.toml', sheet=worksheets[0].name),
        )
    same = [s for s in book.sheets if s.name.casefold() == wanted.casefold()]
    if len(same) > 1:  # Excel forbids it (names compare case-insensitively); a crafted file may not
        raise InputError(N_("the workbook has {n} sheets named {sheet!r} ({sheets}): which one is meant cannot be told",
                            n=len(same), sheet=wanted, sheets=", ".join(repr(s.name) for s in same)), Location(file=rel),
                         hint=N_("rename the sheets in Excel so that each name is unique"))
    for s in book.sheets:
        if s.name == wanted:
            if s.kind != "worksheet" or s.part is None:
                raise InputError(N_("sheet {sheet!r} is a {kind}, not a worksheet with cells", sheet=wanted, kind=s.kind),
                                 Location(file=rel))
            return s
    near = [n for n in names if normalise_label(n) == normalise_label(wanted)]
    raise InputError(
        N_("no sheet named {sheet!r}; the workbook has: {sheets}", sheet=wanted, sheets=listed),
        Location(file=rel),
        hint=N_("did you mean sheet = {sheet!r}?", sheet=near[0]) if near else None,
    )


def _calamine_rows(data: bytes, name: str, where: Location) -> tuple[list[list[RawValue]], tuple | None, tuple | None]:
    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        try:
            sheet = wb.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False)
            return rows, sheet.start, sheet.end
        finally:
            wb.close()
    except python_calamine.PasswordError:
        raise InputError(N_("the workbook is password-protected"), where) from None
    except (python_calamine.CalamineError, ValueError) as exc:
        raise InputError(N_("calamine could not read the sheet: {why}", why=str(exc)), where) from None


def _align(rows: list[list[RawValue]], start, end, scan: SheetScan, where: Location) -> list[list[RawValue]]:
    """Make grid (r, c) spreadsheet cell (r+1, c+1), whatever calamine did with leading blanks.

    python-calamine 0.9 with ``skip_empty_area=False`` already starts at A1; if a version ever
    returned only the used area, the leading rows/columns are put back here. The result must span
    exactly A1 to calamine's last cell, which must lie inside what the XML pass saw."""
    if start is None or end is None or not rows:
        return []
    (r0, c0), (r1, c1) = start, end
    if r0 > 0 and len(rows) == r1 - r0 + 1:
        rows = [[] for _ in range(r0)] + rows
    width = max(map(len, rows))
    if c0 > 0 and width == c1 - c0 + 1:
        rows = [[""] * c0 + list(r) if r else r for r in rows]
        width = c1 + 1
    if len(rows) != r1 + 1 or width != c1 + 1:
        raise InputError(
            N_("calamine returned {rows} × {columns} cells for a sheet that ends at {cell}", rows=len(rows),
               columns=width, cell=cell_address(r1, c1)),
            where,
        )
    if r1 > scan.max_row or c1 > scan.max_col:
        raise InputError(
            N_("the values reach {cell} but the sheet XML has no cell there; the file is inconsistent",
               cell=cell_address(r1, c1)),
            where,
        )
    if min(map(len, rows)) == width:
        return rows
    return [list(r) + [""] * (width - len(r)) for r in rows]


def _dates_to_datetimes(rows: list[list[RawValue]]) -> list[list[RawValue]]:
    """calamine gives ``datetime.date`` for a date-time at exactly midnight (docs/platform.md#readers):
    make it a ``datetime`` like every other date-time. Rows without a ``date`` are kept as they
    are (the membership test runs in C), so a 200k-row sheet costs milliseconds, not seconds."""
    date, combine, midnight = dt.date, dt.datetime.combine, dt.time(0, 0)
    return [
        [combine(v, midnight) if type(v) is date else v for v in row] if date in map(type, row) else row
        for row in rows
    ]


def _put(rows: list[list[RawValue]], r: int, c: int, value: RawValue) -> None:
    """Set a cell, growing the (rectangular) grid if calamine's extent stopped short of it."""
    width = max(len(rows[0]) if rows else 0, c + 1)
    while len(rows) <= r:
        rows.append([""] * width)
    if width > len(rows[0]):
        for row in rows:
            row.extend([""] * (width - len(row)))
    rows[r][c] = value


def read_xlsx(path: Path, rel: str, spec: FileSpec) -> SheetGrid:
    """Read the sheet ``spec.sheet`` (or the only worksheet) of the workbook at ``path``.

    ``rel`` is the path relative to the case folder, used in every message. Raises
    :class:`~verify.errors.HostileFileError` for files beyond a safety limit and
    :class:`~verify.errors.InputError` for anything else unreadable.
    """
    book = _open_book(Path(path), rel)
    try:
        sheet = _choose_sheet(book, spec.sheet, rel)
        where = Location(file=rel, sheet=sheet.name)
        scan = scan_sheet_xml(book.zf, sheet.part, where, shared=shared_string_lengths(book.zf, book.shared_strings, where))
    finally:
        book.zf.close()
    raw, start, end = _calamine_rows(book.data, sheet.name, where)
    rows = _align(raw, start, end, scan, where)
    rows = _dates_to_datetimes(rows)
    for (r, c), text in scan.errors.items():
        _put(rows, r, c, text)
    for r, c in scan.formulas_without_value:
        _put(rows, r, c, None)
    notes: list[str] = []
    if book.macros:
        notes.append(MACRO_NOTE)
    if sheet.hidden:
        notes.append(N_("sheet {sheet!r} is hidden in the workbook", sheet=sheet.name))
    if scan.errors:
        notes.append(N_("{n} cell(s) hold an Excel error value (e.g. #DIV/0!)", n=len(scan.errors)))
    return SheetGrid(
        file=rel,
        sheet=sheet.name,
        rows=rows,
        merged=list(scan.merged),
        formulas_without_value=dict(scan.formulas_without_value),
        formulas_with_value=dict(scan.formulas_with_value),
        hidden_rows=set(scan.hidden_rows),
        date1904=book.date1904,
        notes=notes,
    )
