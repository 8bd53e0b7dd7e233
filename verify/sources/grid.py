"""A sheet as read from a file: a rectangular grid of raw cells with everything the ledger needs.

Both readers return a :class:`SheetGrid`: ``verify.sources.csv_reader`` (every cell a ``str``) and
``verify.sources.xlsx`` (cells as python-calamine returns them, plus what only the sheet XML tells:
merged ranges, formula cells, hidden rows, the 1904 date system). Layout parsing
(``verify.sources.layout``) works on grids only, so it never knows which kind of file it reads.

Coordinates are 0-based in the grid; :func:`cell_address` gives the 1-based spreadsheet address
users see (``D7``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

#: What a raw cell can hold: text from CSV; from xlsx also numbers, booleans and date/times.
RawValue = str | float | int | bool | dt.datetime | dt.date | dt.time | dt.timedelta | None


@dataclass
class SheetGrid:
    file: str  # path relative to the case folder
    sheet: str | None  # None for CSV
    rows: list[list[RawValue]]  # rows[r][c]; ragged rows are padded with None by the reader
    encoding: str | None = None  # CSV: the encoding used
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # (r1, c1, r2, c2), 0-based, inclusive
    formulas_without_value: dict[tuple[int, int], str] = field(default_factory=dict)  # (r, c) → formula text
    formulas_with_value: dict[tuple[int, int], str] = field(default_factory=dict)
    hidden_rows: set[int] = field(default_factory=set)  # 0-based
    edited_example_rows: set[int] = field(default_factory=set)  # 0-based: verify.sources.examples
    date1904: bool = False
    notes: list[str] = field(default_factory=list)  # e.g. "workbook contains macros (not executed)"
    lines: int | None = None  # CSV: physical lines of the file (records may span several)
    line_spans: dict[int, tuple[int, int]] = field(default_factory=dict)  # CSV: row → (first, last) line, multi-line records only
    #: CSV read by the quote-free fast path (verify.sources.csv_arrow): the rows below ``rows``
    #: column by column, as Arrow text arrays; ``rows`` then holds only the rows above them.
    columns: list | None = None

    @property
    def n_rows(self) -> int:
        return len(self.rows) + (len(self.columns[0]) if self.columns else 0)

    @property
    def n_cols(self) -> int:
        return max(max(map(len, self.rows), default=0), len(self.columns or ()))

    def column_has_data(self, col: int, start: int) -> bool:
        """Whether column ``col`` holds a non-blank cell in a row from ``start`` (0-based) on."""
        if any(col < len(r) and r[col] is not None and (not isinstance(r[col], str) or r[col].strip()) for r in self.rows[start:]):
            return True
        if self.columns and col < len(self.columns) and start <= len(self.rows):
            import pyarrow.compute as pc

            return bool(pc.any(pc.not_equal(pc.utf8_trim_whitespace(self.columns[col]), "")).as_py())
        return False


def column_letter(col: int) -> str:
    """0-based column index → spreadsheet letters (0 → A, 25 → Z, 26 → AA)."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_address(row: int, col: int) -> str:
    """0-based (row, col) → 1-based spreadsheet address, e.g. (6, 3) → 'D7'."""
    return f"{column_letter(col)}{row + 1}"


def range_address(r1: int, c1: int, r2: int, c2: int) -> str:
    """0-based inclusive range → 'B2:B4'."""
    return f"{cell_address(r1, c1)}:{cell_address(r2, c2)}"
