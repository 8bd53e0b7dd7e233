"""Generated intake grids (Hypothesis) shared by the intake's property tests.

:func:`grids` draws wide and long, continuous and run-based sheets mixing typed
floats/ints/bools/datetimes (as calamine returns them), numbers as text, non-detects ('<0.5', 'ND',
'未检出', '0.5L'), blanks and whitespace, full-width digits, negative values, HJ 212 flags,
formulas with and without a saved value, hidden rows, over-range values, run-level disagreements
and duplicates; half of them as a CSV reader gives them (every cell text). :func:`tiled` repeats a
grid's body, so that a small grid and its tiling beyond ``SMALL`` rows can be compared.

Used by tests/sources/test_path_equivalence.py and tests/sources/test_conservation.py (this folder
is put on ``sys.path`` by its conftest.py).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from verify.case import FileSpec
from verify.sources.grid import SheetGrid
from verify.sources.layout import CaseContext

CTX = CaseContext(
    sources={"s1": "S1", "1#定型机排气筒": "S1", "s2": "S2"},
    tz=ZoneInfo("Asia/Shanghai"),
    periods=(
        (pd.Timestamp("2026-02-28T16:00Z"), pd.Timestamp("2026-03-01T16:00Z"), "before"),
        (pd.Timestamp("2026-03-01T16:00Z"), pd.Timestamp("2026-03-02T16:00Z"), "after"),
    ),
    concentration_basis="standard-dry",
    input_std_state="normal",
)

BASE = dt.datetime(2026, 3, 1, 0, 0)

#: value cells: typed (as calamine returns them) and text
VALUE_CELLS = st.one_of(
    st.floats(min_value=-50, max_value=500, allow_nan=False, width=32).map(lambda x: round(float(x), 3)),
    st.sampled_from([
        12.5, 3.0, 0.0, -1.5, 40.0, 1e-07, 1e16, 250.0, 2.0**53, 12, 0, -3, True, False, float("nan"), float("inf"), np.float64(7.25),
        np.float64("nan"), None, "", "  ", "\u3000", "12.5", " 7.25 ", "-3", "0", "+4", "1e3", "1e400", "inf", "nan", "１２．５", "＜0.5",
        "<0.5", "< 0.5", "ND", "N.D.", "未检出", "未検出", "ND(0.5)", "0.5L", "<LOD", "<0", "-", "—", "/", "N/A", "--", "1,234",
        "12,5", "12 500", "1_000", "abc", "#DIV/0!", "١٢", "\u200b5", "x" * 120, BASE, dt.date(2026, 3, 1), dt.time(10, 0),
        dt.timedelta(hours=1),
    ]),
)
RUN_CELLS = st.sampled_from([18.1, 18.1, 18.1, "18.1", 17.9, None, "", "25", 25.0, "ND", -1.0, 20.99, 21.0, "  ", "—", 0.0])
FLOW_CELLS = st.sampled_from([2000.0, 2000.0, "2000", 1999.0, None, "", 0.0, -5.0, "ND", "2,000"])
LOAD_CELLS = st.sampled_from([85.0, "85", None, -1.0, "", 100.0])
FLAGS = st.sampled_from(["N", "N", "N", "T", "M", "F", "C", "", None, "X", "n", " N "])
SOURCES = st.sampled_from(["S1"] * 6 + ["s2", "1#定型机排气筒", "", None])
PHASES = st.sampled_from(["治理前", "治理后", "before", "after", "", None])
RUNS = st.sampled_from(["1", "2", "3", 1.0, 2.0, 1, "均值", "", None, "mean"])
POLS = st.sampled_from(["NMHC", "非甲烷总烃", "SO2", "NOx", "颗粒物", "???", "", None])
UNITS = st.sampled_from(["mg/m3", "mg/m3", "mg/Nm3", "ppm", "ug/m3", "kg/h", "", None, "furlong"])
UNIT_WIDE = {"NMHC": "非甲烷总烃(mg/m3)", "SO2": "二氧化硫(mg/m3)"}


def _time_cell(kind: str, minute: int) -> object:
    t = BASE + dt.timedelta(minutes=minute)
    if kind == "datetime":
        return t
    if kind == "text":
        return t.strftime("%Y-%m-%d %H:%M:%S")
    if kind == "serial":
        return (t - dt.datetime(1899, 12, 30)) / dt.timedelta(days=1)
    return None


@st.composite
def grids(draw, tiling: bool = True):
    """(grid, spec): a wide or long, continuous or run-based sheet with odd cells mixed in; with
    ``tiling``, some are drawn beyond :data:`verify.sources.cells.SMALL` rows (random picks of the
    drawn rows, with new times), so that the column-wise and Arrow paths run."""
    layout = draw(st.sampled_from(["wide", "long"]))
    continuous = draw(st.booleans())
    n_tmpl = draw(st.integers(1, 25))
    time_kind = draw(st.sampled_from(["datetime", "text", "serial"]))
    with_flow = draw(st.booleans())
    with_range = draw(st.booleans())
    if layout == "wide":
        header = (["时间"] if continuous else ["阶段", "频次"]) + ["排放口", UNIT_WIDE["NMHC"], UNIT_WIDE["SO2"], "数据标记", "含氧量(%)", "生产负荷(%)"]
        if with_flow:
            header.append("标干流量(m3/h)")
    else:
        header = (["时间"] if continuous else ["阶段", "频次"]) + ["排放口", "监测项目", "实测值", "单位", "数据标记", "含氧量(%)"]
        if with_range:
            header.append("量程")
        if with_flow:
            header += ["标干流量", "流量单位"]
    rows = []
    for i in range(n_tmpl):
        minute = draw(st.integers(0, 2 * 24 * 60 + 30)) if draw(st.booleans()) else i
        ident = [_time_cell(time_kind, minute)] if continuous else [draw(PHASES), draw(RUNS)]
        if layout == "wide":
            row = ident + [draw(SOURCES), draw(VALUE_CELLS), draw(VALUE_CELLS), draw(FLAGS), draw(RUN_CELLS), draw(LOAD_CELLS)]
            if with_flow:
                row.append(draw(FLOW_CELLS))
        else:
            row = ident + [draw(SOURCES), draw(POLS), draw(VALUE_CELLS), draw(UNITS), draw(FLAGS), draw(RUN_CELLS)]
            if with_range:
                row.append(draw(st.sampled_from([100.0, "100", None, "", 5.0, "ND", -1.0])))
            if with_flow:
                row += [draw(FLOW_CELLS), draw(st.sampled_from(["m3/h", "Nm3/h", "", None, "m3/s", "kg/h"]))]
        if draw(st.integers(0, 9)) == 0:
            row = [draw(st.sampled_from([None, "", " ", "\u3000", "注：ND表示未检出"]))] + [None] * (len(header) - 1)
        rows.append(row)
    tile = draw(st.sampled_from([None, None, 2100, 2600])) if tiling else None
    if tile:
        # beyond cells.SMALL: the Arrow and vectorised paths; unique times keep it mostly valid
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        picks = rng.integers(0, len(rows), size=tile)
        tiled = []
        for k, j in enumerate(picks):
            row = list(rows[j])
            if continuous and row[0] is not None and not isinstance(row[0], str) or (continuous and isinstance(row[0], str) and row[0][:4] == "2026"):
                row[0] = _time_cell(time_kind, int(k))
            tiled.append(row)
        rows = tiled
    body_start = 1
    grid_rows = [header] + rows
    formulas_with = {}
    formulas_without = {}
    hidden = set()
    value_cols = [i for i, h in enumerate(header) if h in (UNIT_WIDE["NMHC"], UNIT_WIDE["SO2"], "实测值", "含氧量(%)")]
    for _ in range(draw(st.integers(0, 3))):
        r = draw(st.integers(body_start, len(grid_rows) - 1))
        c = draw(st.sampled_from(value_cols))
        if draw(st.booleans()):
            formulas_with[(r, c)] = "=A1*2"
        else:
            formulas_without[(r, c)] = "=A1*2"
            grid_rows[r] = list(grid_rows[r])
            grid_rows[r][c] = None
    for _ in range(draw(st.integers(0, 2))):
        hidden.add(draw(st.integers(body_start, len(grid_rows) - 1)))
    if draw(st.booleans()):  # as a CSV reader gives it: every cell text, "" for empty
        grid_rows = [["" if v is None else v if isinstance(v, str) else str(v) for v in row] for row in grid_rows]
    sheet = draw(st.sampled_from([None, "CEMS"]))
    grid = SheetGrid(file="data/t.xlsx" if sheet else "data/t.csv", sheet=sheet, rows=grid_rows,
                     formulas_with_value=formulas_with, formulas_without_value=formulas_without, hidden_rows=hidden)
    kw = {"layout": layout}
    if layout == "long" and draw(st.booleans()):
        kw["defaults"] = {"unit": "mg/m3"}
    return grid, FileSpec(path=grid.file, **kw)


def tiled(grid: SheetGrid, copies: int, header_rows: int = 1) -> SheetGrid:
    """``grid`` with its body (the rows below ``header_rows``) repeated ``copies`` times; hidden rows
    and formula cells are repeated with it. Copy k's rows are copy 0's moved down by k × body rows."""
    body = grid.rows[header_rows:]
    n = len(body)

    def moved(cells: dict) -> dict:
        return {(r + k * n, c): f for (r, c), f in cells.items() for k in range(copies)}

    return SheetGrid(file=grid.file, sheet=grid.sheet, rows=grid.rows[:header_rows] + [list(r) for r in body] * copies,
                     formulas_with_value=moved(grid.formulas_with_value),
                     formulas_without_value=moved(grid.formulas_without_value),
                     hidden_rows={r + k * n for r in grid.hidden_rows for k in range(copies)})


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def one_blank_row(grid: SheetGrid, header_rows: int = 1) -> SheetGrid:
    """``grid`` without the body rows the intake drops as blank (every cell None or whitespace, no
    formula without a saved value) but the first: a small grid whose tiling beyond SMALL rows stays
    a few thousand rows long and still has blank rows."""
    formula_rows = {r for r, _c in grid.formulas_without_value}
    blank = [r for r in range(header_rows, len(grid.rows)) if r not in formula_rows and all(map(_blank, grid.rows[r]))]
    keep = [r for r in range(header_rows, len(grid.rows)) if r not in blank[1:]]
    new = {r: header_rows + i for i, r in enumerate(keep)}

    def moved(cells: dict) -> dict:
        return {(new[r], c): f for (r, c), f in cells.items() if r in new}

    return SheetGrid(file=grid.file, sheet=grid.sheet, rows=grid.rows[:header_rows] + [grid.rows[r] for r in keep],
                     formulas_with_value=moved(grid.formulas_with_value),
                     formulas_without_value=moved(grid.formulas_without_value),
                     hidden_rows={new[r] for r in grid.hidden_rows if r in new})
