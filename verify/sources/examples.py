"""The example rows of a ``verify new`` workbook are not data (docs/case-format.md "Example rows").

``verify new`` writes a few grey example rows into each data sheet and marks them with two names
scoped to the sheet (Excel, LibreOffice and WPS keep both when the sheet is edited):

* ``verify_example_rows``: the range of the example rows (Excel moves it when rows are inserted above
  and shrinks it, or turns it into ``#REF!``, when they are deleted);
* ``verify_example_hashes``: ``"verify-examples/1 <hash> <hash> …"``, a hash of each example row's
  values (:func:`row_hash`).

When the intake reads such a sheet (:func:`parse_sheet`, one small step before the layout parser):

* a row whose values hash to an example's (wherever it is) is **skipped**: it is blanked in the grid,
  so it is neither read nor counted, and the ledger lists it as a note ``example_row`` ("example row,
  not read");
* a row inside the example range whose values differ (an example row edited in place) is **read and
  flagged** (``example_row_edited``, every value in it), never skipped;
* a sheet left with no data row is not an error: it is read as empty, with the note
  :data:`EMPTY_SHEET_NOTE` ("fill it or remove its [[file]] block"); when *every* file is empty so,
  :func:`require_measurements` stops with "no measurements yet" (exit 2).

A workbook without these names (any other file) is read exactly as before.
"""

from __future__ import annotations

import hashlib
import math
import re
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import defusedxml.ElementTree as DET

from verify.case import FileSpec
from verify.errors import EMPTY_FILE_HINT, InputError, Location
from verify.i18n import N_, Joined, Msg
from verify.sources.grid import RawValue, SheetGrid
from verify.sources.headers import joined_headers
from verify.sources.layout import CaseContext, ParsedSheet, parse_grid
from verify.sources.ledger import FileTally, entries_frame

RANGE_NAME = "verify_example_rows"
HASH_NAME = "verify_example_hashes"
HASH_TAG = "verify-examples/1"
EMPTY_SHEET_NOTE = N_("no measurements in this sheet yet: {hint}", hint=EMPTY_FILE_HINT)
SKIP_DETAIL = "example row of the verify new workbook, not read"
_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_CELL_RANGE = re.compile(r"^(?:'(?:[^']|'')+'|[^!]+)!\$?[A-Z]{1,3}\$?(\d+):\$?[A-Z]{1,3}\$?(\d+)$")


def _hash_text(value: RawValue) -> str:
    """One cell as the hash sees it: numbers by value (1 and 1.0 alike), text stripped, blank empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(float(value)) if math.isfinite(value) else str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def row_hash(values: list[RawValue]) -> str:
    """A 64-bit hash (SHA-256, first 16 hex digits) of a row's values, trailing blanks ignored."""
    texts = [_hash_text(v) for v in values]
    while texts and texts[-1] == "":
        texts.pop()
    return hashlib.sha256("\x1f".join(texts).encode("utf-8")).hexdigest()[:16]


def hashes_formula(rows: list[list[RawValue]]) -> str:
    """The constant ``verify_example_hashes`` holds (an Excel string constant, under 255 characters)."""
    text = " ".join([HASH_TAG, *(row_hash(r) for r in rows)])
    if len(text) > 250:
        raise ValueError("too many example rows for one name")
    return f'"{text}"'


@dataclass(frozen=True)
class ExampleMarks:
    """The marks of one sheet: the example hashes, and the example range (0-based grid rows) if intact."""

    hashes: frozenset[str]
    rows: range | None


def read_marks(path: Path, sheet: str | None) -> ExampleMarks | None:
    """The example marks of ``sheet`` in the workbook at ``path`` (already checked by the xlsx reader), or None."""
    if sheet is None or path.suffix.lower() not in (".xlsx", ".xlsm"):
        return None
    try:
        with zipfile.ZipFile(path) as zf:
            root = DET.fromstring(zf.read("xl/workbook.xml"))
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, SyntaxError):
        return None  # the reader has already said what is wrong with the file, or will
    names = [s.get("name") for s in root.iter(f"{_MAIN_NS}sheet")]
    if sheet not in names:
        return None
    local = str(names.index(sheet))
    found = {d.get("name"): (d.text or "").strip() for d in root.iter(f"{_MAIN_NS}definedName")
             if d.get("localSheetId") == local}
    parts = found.get(HASH_NAME, "").strip('"').split()
    if not parts or parts[0] != HASH_TAG:
        return None
    match = _CELL_RANGE.match(found.get(RANGE_NAME, ""))
    rows = range(int(match[1]) - 1, int(match[2])) if match else None
    return ExampleMarks(frozenset(parts[1:]), rows)


@dataclass
class ExampleRows:
    skipped: list[int] = field(default_factory=list)  # 0-based grid rows
    edited: list[int] = field(default_factory=list)


def _blank(row: list[RawValue]) -> bool:
    return all(_hash_text(v) == "" for v in row)


def find_example_rows(grid: SheetGrid, marks: ExampleMarks, data_start: int) -> ExampleRows:
    found = ExampleRows()
    for r in range(data_start, grid.n_rows):
        row = grid.rows[r]
        if _blank(row):
            continue
        if row_hash(row) in marks.hashes:
            found.skipped.append(r)
        elif marks.rows is not None and r in marks.rows:
            found.edited.append(r)
    return found


def parse_sheet(grid: SheetGrid, spec: FileSpec, ctx: CaseContext, sha256: str, path: Path) -> ParsedSheet:
    """:func:`verify.sources.layout.parse_grid`, with the example rows of a ``verify new`` workbook
    skipped and those edited in place flagged (see the module docstring)."""
    marks = read_marks(path, grid.sheet)
    if marks is None:
        return parse_grid(grid, spec, ctx, sha256)
    _, data_start = joined_headers(grid, spec.header_rows)
    found = find_example_rows(grid, marks, data_start)
    rows = [([None] * len(row) if r in set(found.skipped) else row) for r, row in enumerate(grid.rows)]
    grid = replace(grid, rows=rows, edited_example_rows=set(found.edited))
    if all(_blank(row) for row in rows[data_start:]) and not grid.formulas_without_value:
        parsed = _empty_sheet(grid, spec, sha256)
    else:
        parsed = parse_grid(grid, spec, ctx, sha256)
    if found.skipped:
        parsed.tally.notes.append(N_("{n} example row(s) of the verify new workbook not read", n=len(found.skipped)))
        notes = entries_frame({"file": grid.file, "sheet": grid.sheet, "row": [r + 1 for r in found.skipped],
                               "column": None, "cell": None, "field": "row", "raw": None, "outcome": "note",
                               "reason": "example_row", "detail": SKIP_DETAIL})
        parsed.entries = notes if not len(parsed.entries) else _concat(parsed.entries, notes)
    return parsed


def _concat(a, b):
    import pandas as pd

    return pd.concat([a, b], ignore_index=True)


def _empty_sheet(grid: SheetGrid, spec: FileSpec, sha256: str) -> ParsedSheet:
    from verify.sources.canonical import empty_canonical
    from verify.sources.ledger import empty_entries

    tally = FileTally(file=grid.file, sheet=grid.sheet, sha256=sha256, layout=spec.layout or "",
                      encoding=grid.encoding, notes=[*grid.notes, EMPTY_SHEET_NOTE])
    return ParsedSheet(table=empty_canonical(), entries=empty_entries(), tally=tally)


def empty_sheets(tallies: list[FileTally]) -> list[FileTally]:
    """The sheets of ``verify new`` workbooks that hold no measurement yet."""
    return [t for t in tallies if EMPTY_SHEET_NOTE in t.notes]


def empty_sheet_warnings(tallies: list[FileTally]) -> list[Msg]:
    return [N_("{where}: {message}", where=Location(file=t.file, sheet=t.sheet).message(), message=EMPTY_SHEET_NOTE)
            for t in empty_sheets(tallies)]


def require_measurements(tallies: list[FileTally]) -> None:
    """Exit 2 "no measurements yet" when every file is an empty ``verify new`` sheet."""
    empty = empty_sheets(tallies)
    if not tallies or len(empty) != len(tallies):
        return
    files = sorted({t.file for t in empty})
    # TRANSLATORS: between the sheet names of "fill the sheet 'A' or 'B'"
    sheets = Joined(N_(" or "), [repr(t.sheet) for t in empty])
    raise InputError(N_("no measurements yet: fill the sheet {sheets} (the example rows are not read)", sheets=sheets),
                     Location(file=", ".join(files)),
                     hint=N_("enter the measurements below the grey example rows, or delete those rows (whole rows) first"))
