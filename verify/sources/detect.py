"""Step 1 of the intake: the header and the layout of a grid, and its data rows.

* :func:`detect_layout`: the role of every column (:func:`verify.sources.headers.read_headers`),
  split into generic columns (``source``, ``value``, ``o2_pct`` …) and pollutant-specific ones
  (wide: ``NMHC (mg/m³)``, ``NMHC 检出限``); ``[[file]] defaults`` for the label columns the file
  lacks; the layout (``long``: ``pollutant``/``value`` columns; ``wide``: a column per pollutant),
  declared or detected. A file with both kinds of column must declare it; a contradiction is an
  :class:`~verify.errors.InputError` naming the column.
* :func:`data_rows`: the grid's data rows as whole columns (:class:`~verify.sources.columns.GridColumn`),
  without the blank rows; "no data rows" is an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from verify.case import FileSpec
from verify.errors import EMPTY_FILE_HINT, InputError, Location
from verify.i18n import N_
from verify.sources.canonical import LABEL_FIELDS
from verify.sources.columns import GridColumn
from verify.sources.grid import SheetGrid
from verify.sources.headers import FILE_COLUMNS, ColumnRole, read_headers

#: Per-value columns besides the value itself; in a wide file each belongs to one pollutant.
AUX_FIELDS = ("lod", "range", "value_o2ref", "rate_reported")


@dataclass
class Layout:
    """The columns of a grid as the intake reads them."""

    name: str  # long | wide
    roles: list[ColumnRole]
    generic: dict[str, ColumnRole]  # field → column (source, value, o2_pct, …)
    per_pol: dict[str, dict[str, ColumnRole]]  # wide: pollutant → field → column
    defaults: dict[str, str]  # label field → default text ([[file]] defaults, for columns the file lacks)
    data_start: int  # 0-based grid row of the first data row
    notes: list[str] = field(default_factory=list)

    def col_of(self, field_name: str) -> int | None:
        return self.generic[field_name].col if field_name in self.generic else None

    def letter_of(self, field_name: str) -> str | None:
        return self.generic[field_name].letter if field_name in self.generic else None


def detect_layout(grid: SheetGrid, spec: FileSpec, pollutants: dict[str, str]) -> Layout:
    """The header roles, defaults and layout of ``grid`` (module docstring)."""
    hdr = read_headers(grid, spec, pollutants)
    loc = Location(file=grid.file, sheet=grid.sheet)
    defaults = _label_defaults(spec, loc)
    generic, per_pol = _split_roles(hdr.roles)
    for name in LABEL_FIELDS:
        if name in generic and name in defaults:
            defaults.pop(name)  # defaults fill only columns the file lacks
    name = _layout_name(spec.layout, generic, per_pol, defaults, hdr.roles, loc)
    if name == "long" and per_pol:
        role = next(iter(next(iter(per_pol.values())).values()))
        raise InputError(N_("column {column} ({header!r}) names a pollutant in a long file", column=role.letter,
                                header=role.header), loc)
    if name == "wide":
        _wide_columns(generic, per_pol, loc)
    return Layout(name, hdr.roles, generic, per_pol, defaults, hdr.data_start, hdr.notes)


def _label_defaults(spec: FileSpec, loc: Location) -> dict[str, str]:
    bad = sorted({FILE_COLUMNS.get(k, k) for k in spec.defaults} - set(LABEL_FIELDS))
    if bad:
        raise InputError(N_("[[file]] defaults: {fields} cannot be defaulted (only {allowed})", fields=", ".join(bad),
                            allowed=", ".join(LABEL_FIELDS)), loc)
    return {FILE_COLUMNS.get(k, k): str(v) for k, v in spec.defaults.items()}


def _split_roles(roles: list[ColumnRole]) -> tuple[dict[str, ColumnRole], dict[str, dict[str, ColumnRole]]]:
    generic: dict[str, ColumnRole] = {}
    per_pol: dict[str, dict[str, ColumnRole]] = {}
    for role in roles:
        if role.field is None:
            continue
        if role.pollutant:
            per_pol.setdefault(role.pollutant, {})[role.field] = role
        else:
            generic[role.field] = role
    return generic, per_pol


def _layout_name(declared: str | None, generic: dict, per_pol: dict, defaults: dict, roles: list[ColumnRole],
                 loc: Location) -> str:
    long_ok = "value" in generic and ("pollutant" in generic or "pollutant" in defaults)
    wide_ok = any("value" in d for d in per_pol.values())
    headers_seen = ", ".join(repr(r.header) for r in roles) or N_("none")
    if declared is None:
        if long_ok and wide_ok:
            raise InputError(N_("the file has both long (pollutant/value) and wide (pollutant-named) columns: declare layout"),
                             loc)
        if not (long_ok or wide_ok):
            raise InputError(
                N_("no measured-value column found (headers: {headers})", headers=headers_seen), loc,
                hint=N_("a long file needs pollutant, value and unit columns; a wide file pollutant-named columns with units"),
            )
        return "long" if long_ok else "wide"
    if declared == "long" and not long_ok:
        raise InputError(N_("layout = 'long' but no pollutant and value columns (headers: {headers})", headers=headers_seen), loc)
    if declared == "wide" and not wide_ok:
        raise InputError(N_("layout = 'wide' but no pollutant-named value column (headers: {headers})", headers=headers_seen), loc)
    return declared


def _wide_columns(generic: dict[str, ColumnRole], per_pol: dict[str, dict[str, ColumnRole]], loc: Location) -> None:
    """A wide file: no long-layout column; a generic lod/range/… column belongs to the one pollutant
    with a value column; every pollutant column set has its value column."""
    if "value" in generic or "pollutant" in generic:
        role = generic.get("value") or generic["pollutant"]
        raise InputError(N_("column {column} ({header!r}) is a long-layout column in a wide file", column=role.letter,
                                header=role.header), loc)
    for f in AUX_FIELDS:
        if f in generic:
            with_value = [p for p, d in per_pol.items() if "value" in d]
            if len(with_value) != 1:
                raise InputError(N_("column {column} ({header!r}): which pollutant? Name it in the header",
                                    column=generic[f].letter, header=generic[f].header), loc)
            per_pol[with_value[0]].setdefault(f, generic.pop(f))
    for pol, d in per_pol.items():
        if "value" not in d:
            role = next(iter(d.values()))
            raise InputError(N_("column {column} ({header!r}) has no measured-value column for {pollutant}",
                                column=role.letter, header=role.header, pollutant=pol), loc)


@dataclass
class DataRows:
    """The non-blank data rows of a grid, column by column."""

    grid: SheetGrid
    columns: list[GridColumn]
    grid_rows: np.ndarray  # 0-based grid row of each data row

    @property
    def n(self) -> int:
        return len(self.grid_rows)

    @property
    def row1(self) -> np.ndarray:
        """1-based row numbers, as users see them."""
        return self.grid_rows + 1

    @property
    def index(self) -> pd.Index:
        return pd.Index(self.grid_rows)

    def cells(self, col: int) -> pd.Series:
        return pd.Series(self.columns[col].arr, index=self.index, dtype=object)

    def in_rows(self, rows) -> np.ndarray:
        """Mask of the data rows among the 0-based grid rows ``rows``."""
        return np.isin(self.grid_rows, list(rows))

    def formula_rows(self, col: int) -> list[int]:
        """The grid rows of the formulas without a saved value in column ``col``."""
        return [r for (r, c) in self.grid.formulas_without_value if c == col]


def _row_columns(grid: SheetGrid, data_start: int) -> list[GridColumn]:
    """The rows of ``grid`` from ``data_start`` on (lists of cells) as columns."""
    ncols = grid.n_cols
    raw_rows = grid.rows[data_start:]
    if grid.columns is not None:  # rows above the fast path's columns: a header row below data_start
        raise ValueError("data rows above the columns of the CSV fast path")
    frame = pd.DataFrame(raw_rows, columns=range(ncols), dtype=object) if raw_rows else pd.DataFrame(columns=range(ncols), dtype=object)
    return [GridColumn(frame[c].to_numpy(dtype=object)) for c in range(ncols)]


def data_rows(grid: SheetGrid, data_start: int) -> DataRows:
    """The grid's rows from ``data_start`` as whole columns, blank rows dropped (a formula without a
    saved value is not blank); InputError "no data rows" when none is left."""
    if grid.columns is not None and data_start == len(grid.rows):  # the quote-free CSV fast path: columns already
        n = len(grid.columns[0])
        columns = [GridColumn.from_arrow(c) for c in grid.columns]
        columns += [GridColumn(np.full(n, None, dtype=object)) for _ in range(len(columns), grid.n_cols)]
    else:
        columns = _row_columns(grid, data_start)
        n = len(columns[0].arr) if columns else 0
    all_rows = np.arange(data_start, data_start + n)
    nonblank = np.zeros(len(all_rows), dtype=bool)
    for column in columns:
        nonblank |= ~column.blank
    formula_rows = {r for (r, _c) in grid.formulas_without_value if r >= data_start}
    if formula_rows:
        nonblank |= np.isin(all_rows, list(formula_rows))
    if not nonblank.any():
        raise InputError(N_("no data rows"), Location(file=grid.file, sheet=grid.sheet, row=data_start), hint=EMPTY_FILE_HINT)
    if not nonblank.all():
        columns = [column.take(nonblank) for column in columns]
    return DataRows(grid, columns, all_rows[nonblank])
