"""The intake's per-cell and column-wise paths agree: a grid read alone equals its tiling (metamorphic).

Below :data:`verify.sources.cells.SMALL` data rows the intake converts cells one by one in Python;
above it, column-wise (NumPy, and Arrow compute for text columns). What becomes of a row depends on
that row only (the checks across rows run later, in verify.sources.agreement), so a grid whose body
is repeated ``copies`` times beyond ``SMALL`` rows must give, for every copy, exactly the ledger
entries and canonical rows (with their internal ``_cell_*`` address columns) of the small grid,
with row numbers and cell addresses moved down by the copy's offset, in the same order; its tally
is ``copies`` times the small one; an error is the same error at the same place (the first copy).

Likewise the quote-free CSV path (verify.sources.csv_arrow), which hands the intake Arrow text
columns instead of rows of ``str``, gives exactly what the same text given as rows gives.

Grids: tests/sources/intake_grids.py (Hypothesis), plus explicit grids for the typed fast paths.
This replaced the comparison with a frozen copy of the intake before its column-wise rewrite
(tests/sources/reference_*.py, removed); tests/sources/test_golden_intake.py keeps the outcome on
the case studies and the benchmark data, tests/sources/test_chunked.py whole against chunked
reading, tests/sources/test_conservation.py the ledger's accounting and the canonical schema.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import HealthCheck, event, given, settings

from intake_grids import BASE, CTX, UNIT_WIDE, grids, tiled, one_blank_row
from verify.case import FileSpec
from verify.errors import InputError
from verify.sources.canonical import TEXT_COLUMNS, conform
from verify.sources.cells import SMALL
from verify.sources.detect import data_rows, detect_layout
from verify.sources.grid import SheetGrid
from verify.sources.layout import ParsedSheet, parse_grid
from verify.sources.ledger import ENTRY_COLUMNS

COUNTS = ("rows", "accepted", "flagged", "rejected", "values", "values_accepted", "values_flagged", "values_rejected")
ADDRESS = re.compile(r"^(.*?)([A-Z]+)(\d+)$")  # "data/t.csv F12" → ("data/t.csv ", "F", "12")


def outcome(grid: SheetGrid, spec: FileSpec, ctx=CTX) -> ParsedSheet | tuple:
    try:
        return parse_grid(grid, spec, ctx, "0" * 64)
    except InputError as exc:
        return ("error", str(exc.location), str(exc.message))


def _as_copy_zero(frame: pd.DataFrame, body: int) -> pd.DataFrame:
    """The rows of a tiled grid's outcome, copy after copy (stable: each copy's own order kept), with
    row numbers and cell addresses moved up to those of copy 0 (``body`` rows a copy, header row 1)."""
    copy = (frame["row"].to_numpy(dtype=np.int64) - 2) // body
    order = np.argsort(copy, kind="stable")
    out = frame.iloc[order].reset_index(drop=True)
    offset = pd.Series(copy[order] * body)
    out["row"] = (out["row"] - offset).astype(frame["row"].dtype)
    for col in [c for c in out.columns if c == "cell" or c.startswith("_cell_")]:
        text = out[col].astype(object)
        parts = text.dropna().astype(str).str.extract(ADDRESS)
        moved = parts[0] + parts[1] + (parts[2].astype(np.int64) - offset[parts.index]).astype(str)
        out[col] = text.where(text.isna(), moved).astype(frame[col].dtype)
    return out


def _text_as_string(frame: pd.DataFrame) -> pd.DataFrame:
    """The text columns (canonical and ledger) as ``"string"``: the per-cell path builds them as
    ``object``, the Arrow path as Arrow strings; the values must agree (the dtypes of the canonical
    table agree after ``conform``, the ledger's after ``Ledger.to_frame``)."""
    text = set(TEXT_COLUMNS) | set(ENTRY_COLUMNS) - {"row"}
    return frame.astype({c: "string" for c in frame.columns if c in text or c.startswith("_cell_")})


def _final_dtypes(table: pd.DataFrame) -> pd.Series | None:
    return conform(table.drop(columns=[c for c in table.columns if c.startswith("_")])).dtypes if len(table) else None


def assert_copies(small: ParsedSheet | tuple, big: ParsedSheet | tuple, copies: int, body: int) -> None:
    """``big`` (the grid tiled ``copies`` times, ``body`` rows each) is ``small`` once per copy."""
    if isinstance(small, tuple) or isinstance(big, tuple):
        assert big == small
        return
    expected = {k: v * copies if k in COUNTS else v for k, v in small.tally.to_dict().items()}
    assert big.tally.to_dict() == expected
    assert big.run_letters == small.run_letters
    for name in ("entries", "table"):
        frame, one = getattr(big, name), getattr(small, name)
        assert len(frame) == copies * len(one), name
        if not len(one):
            continue
        got, want = _as_copy_zero(frame, body), pd.concat([one] * copies, ignore_index=True)
        pd.testing.assert_frame_equal(_text_as_string(got), _text_as_string(want), check_exact=True, check_dtype=False)
    if len(small.table):
        pd.testing.assert_series_equal(_final_dtypes(big.table), _final_dtypes(small.table))


def copies_beyond_small(grid: SheetGrid, spec: FileSpec) -> int:
    """How many copies of the body take the grid's data rows (blank rows dropped) beyond SMALL."""
    try:
        n = data_rows(grid, detect_layout(grid, spec, CTX.pollutant_table).data_start).n
    except InputError:
        n = len(grid.rows) - 1
    return SMALL // max(n, 1) + 1


def check_tiling(grid: SheetGrid, spec: FileSpec) -> ParsedSheet | tuple:
    """The outcome of ``grid``, checked against its tiling beyond SMALL rows (:func:`assert_copies`)."""
    copies = copies_beyond_small(grid, spec)
    small, big = outcome(grid, spec), outcome(tiled(grid, copies), spec)
    assert_copies(small, big, copies, len(grid.rows) - 1)
    return small


def check_arrow_columns(grid: SheetGrid, spec: FileSpec) -> None:
    """An all-text grid given as the quote-free CSV path gives it (header row, then Arrow columns)."""
    body = grid.rows[1:]
    columns = [pa.array([row[c] for row in body], pa.large_string()) for c in range(len(grid.rows[0]))]
    arrow = SheetGrid(file=grid.file, sheet=grid.sheet, rows=grid.rows[:1], columns=columns)
    assert_copies(outcome(grid, spec), outcome(arrow, spec), 1, len(body))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=grids(tiling=False))
def test_a_grid_tiled_beyond_small_is_the_grid_once_per_copy(case):
    grid, spec = case
    grid = one_blank_row(grid)  # a tiling of a few thousand rows, with blank rows
    small = check_tiling(grid, spec)
    if isinstance(small, tuple):
        event("error")
    else:
        event("no canonical row" if not len(small.table) else "canonical rows")
        event("ledger entries" if len(small.entries) else "no ledger entry")
        event("text cells (CSV)" if all(isinstance(v, str) for r in grid.rows for v in r) else "typed cells (xlsx)")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=grids(tiling=False))
def test_arrow_text_columns_equal_text_rows(case):
    grid, spec = case
    grid = one_blank_row(grid)
    if grid.hidden_rows or grid.formulas_with_value or grid.formulas_without_value:
        grid = SheetGrid(file=grid.file, sheet=grid.sheet, rows=grid.rows)  # a CSV file has neither
    grid.rows = [["" if v is None else v if isinstance(v, str) else str(v) for v in row] for row in grid.rows]
    check_arrow_columns(grid, spec)
    check_arrow_columns(tiled(grid, copies_beyond_small(grid, spec)), spec)


# ---------------------------------------------------------------- explicit grids for the typed fast paths


def _wide(rows, **grid_kw):
    header = ["时间", "排放口", UNIT_WIDE["NMHC"], UNIT_WIDE["SO2"], "数据标记", "含氧量(%)"]
    return SheetGrid(file="data/w.xlsx", sheet="S", rows=[header] + [list(r) for r in rows], **grid_kw), FileSpec(path="data/w.xlsx")


def test_typed_columns_with_odd_cells():
    """All-float columns (the fast path) with a NaN, an inf, a NumPy float, an int, a bool, a blank."""
    rows = [[BASE + dt.timedelta(minutes=i), "S1", 10.0 + i % 7, 2.5, "N", 18.0] for i in range(12)]
    odd = [float("nan"), float("inf"), np.float64(3.5), 7, True, None, "ND", "  ", np.float64("nan"), -2.0, 1e300]
    for k, v in enumerate(odd):
        rows[k][2] = v
    rows[1][3] = np.float64(-0.0)
    small = check_tiling(*_wide(rows))
    # rows 2..13 hold odd[0..10] in column C; the int 7 and NumPy 3.5 are numbers, None and "  " blank
    listed = list(zip(small.entries["cell"], small.entries["reason"]))
    assert listed == [("C2", "non_finite"), ("C3", "non_finite"), ("C6", "boolean"), ("C8", "nondetect_no_limit"),
                      ("C10", "non_finite"), ("C11", "negative_no_lod"), ("C12", "above_physical_range")]
    assert (small.tally.values, small.tally.values_rejected, small.tally.values_flagged) == (12 * 3 - 2, 6, 1)


def test_all_float_columns_with_hidden_rows_and_formulas():
    rows = [[BASE + dt.timedelta(minutes=i), "S1", 10.0 + i % 7, 2.5, "N", 18.0 + (i % 2) * 0.5] for i in range(8)]
    grid, spec = _wide(rows, hidden_rows={2, 3}, formulas_with_value={(2, 2): "=1"}, formulas_without_value={(4, 3): "=1"})
    grid.rows[4][3] = None
    small = check_tiling(grid, spec)
    # grid rows 2, 3 (sheet rows 3, 4) hidden: their values flagged; C3 also formula-derived; D5 a formula without value
    listed = sorted(zip(small.entries["cell"], small.entries["outcome"], small.entries["reason"]))
    assert listed == [("C3", "flagged", "formula_derived; hidden_row"), ("C4", "flagged", "hidden_row"),
                      ("D3", "flagged", "hidden_row"), ("D4", "flagged", "hidden_row"), ("D5", "rejected", "formula_no_value"),
                      ("F3", "flagged", "hidden_row"), ("F4", "flagged", "hidden_row")]
