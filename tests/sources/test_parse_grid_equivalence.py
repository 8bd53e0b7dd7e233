"""The fast intake equals the frozen reference, cell for cell (issue 8: speed without changing outcomes).

``reference_layout.py`` / ``reference_cells.py`` / ``reference_intake.py`` (this folder) are verbatim
copies of ``parse_grid``, the cell converters, ``_check_duplicates``, ``_run_level`` and
``conform`` as they were before the column-wise rewrite (commit 36686a1). Every grid below goes
through both: the ledger entries, the tally, the canonical rows with their internal ``_cell_*``
columns, and the table after the cross-row checks and ``conform`` must be identical (values
exactly, dtypes of the final table too) — or both must raise the same error.

Grids: Hypothesis-generated wide and long layouts mixing typed floats/ints/bools/datetimes (as
calamine returns them), numbers as text, non-detects ('<0.5', 'ND', '未检出', '0.5L'), blanks
and whitespace, full-width digits, negative values, HJ 212 flags, formulas with and without a
saved value, hidden rows, over-range values, run-level disagreements and duplicates — small
(per-cell paths) and tiled beyond 2,000 rows (the vectorised/Arrow paths) — plus the case studies
and the benchmark generator's data at a small size.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import verify.sources as intake
from verify.sources import agreement
from verify.case import FileSpec, load_case
from verify.errors import InputError
from verify.sources.canonical import TEXT_COLUMNS, conform
from verify.sources.grid import SheetGrid
from verify.sources.layout import CaseContext, parse_grid

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def _load(name: str):
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


ref_layout = _load("reference_layout")
ref_intake = _load("reference_intake")

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


def _outcome(parse, check_dups, run_level, conform_, grid, spec, ctx):
    """(entries, tally, table, final) or ("error", message, location) for one implementation (the
    message and its location; a hint may have been added since the reference)."""
    try:
        parsed = parse(grid, spec, ctx, "0" * 64)
    except InputError as exc:
        return ("error", "parse", str(exc.location), str(exc.message))
    table = parsed.table
    try:
        if len(table):
            checked = run_level(check_dups(table))
            internal = [c for c in checked.columns if c.startswith("_")]
            final = conform_(checked.drop(columns=internal))
        else:
            final = None
    except InputError as exc:
        final = ("error", "cross", exc.render())
    return parsed.entries, parsed.tally, table, final


#: The one crash of the reference: with [[period]]s and no valid start at all, it compared a naive
#: all-NaT index with the period bounds (TypeError, an internal error for the user). The new code
#: keeps the index tz-aware, so those rows are rejected (bad_date / no_phase) instead.
REFERENCE_CRASH = "Invalid comparison between dtype=datetime64"


def _text_as_string(table: pd.DataFrame) -> pd.DataFrame:
    """The canonical text columns of an intermediate table as ``"string"`` (missing is <NA>)."""
    text = [c for c in table.columns if c in TEXT_COLUMNS]
    return table.astype({c: "string" for c in text})


def assert_same(grid: SheetGrid, spec: FileSpec, ctx: CaseContext = CTX) -> object:
    new = _outcome(parse_grid, agreement.check_duplicates, agreement.run_level, conform, grid, spec, ctx)
    try:
        old = _outcome(ref_layout.parse_grid, ref_intake._check_duplicates, ref_intake._run_level, ref_intake.conform, grid, spec, ctx)
    except TypeError as exc:
        assert REFERENCE_CRASH in str(exc)
        assert isinstance(new[0], str) or new[1].rejected == new[1].rows  # no start, no phase: every row rejected
        return new
    if isinstance(old[0], str) or isinstance(new[0], str):
        assert new == old
        return new
    (e_new, t_new, tab_new, f_new), (e_old, t_old, tab_old, f_old) = new, old
    pd.testing.assert_frame_equal(e_new, e_old, check_exact=True)
    assert t_new.to_dict() == t_old.to_dict()
    # before conform the intermediate dtypes may differ (object vs str; the new code builds the
    # canonical text columns as Arrow strings), never the values: compare text as "string"
    pd.testing.assert_frame_equal(_text_as_string(tab_new), _text_as_string(tab_old), check_exact=True, check_dtype=False)
    assert type(f_new) is type(f_old)
    if isinstance(f_old, pd.DataFrame):
        pd.testing.assert_frame_equal(f_new, f_old, check_exact=True)
    else:  # the same error, or both without rows
        assert f_new == f_old
    return new


# ---------------------------------------------------------------- cell pools

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
def grids(draw):
    """(grid, spec): a wide or long, continuous or run-based sheet with odd cells mixed in."""
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
            row = [draw(st.sampled_from([None, "", " ", "注：ND表示未检出"]))] + [None] * (len(header) - 1)
        rows.append(row)
    tile = draw(st.sampled_from([None, None, 2100, 2600]))
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


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=grids())
def test_generated_grids_equal_the_reference(case):
    grid, spec = case
    out = assert_same(grid, spec)
    if isinstance(out[0], str):
        event("parse error")
    else:
        event(f"{len(out[2])} canonical rows" if len(out[2]) < 50 else ">= 50 canonical rows")
        event("cross-row error" if isinstance(out[3], tuple) else "table")
        event(">= 1 ledger entry" if len(out[0]) else "no ledger entry")


# ---------------------------------------------------------------- explicit corner cases


def _wide(rows, **grid_kw):
    header = ["时间", "排放口", UNIT_WIDE["NMHC"], UNIT_WIDE["SO2"], "数据标记", "含氧量(%)"]
    return SheetGrid(file="data/w.xlsx", sheet="S", rows=[header] + [list(r) for r in rows], **grid_kw), FileSpec(path="data/w.xlsx")


@pytest.mark.parametrize("n", [5, 2500])
def test_typed_columns_with_odd_cells(n):
    """All-float columns (the fast path) with a NaN, an inf, a NumPy float, an int, a bool, a blank."""
    rows = [[BASE + dt.timedelta(minutes=i), "S1", 10.0 + i % 7, 2.5, "N", 18.0] for i in range(n)]
    odd = [float("nan"), float("inf"), np.float64(3.5), 7, True, None, "ND", "  ", np.float64("nan"), -2.0, 1e300]
    for k, v in enumerate(odd):
        rows[(k * 3) % n][2] = v
    rows[1][3] = np.float64(-0.0)
    assert_same(*_wide(rows))


@pytest.mark.parametrize("n", [5, 2500])
def test_all_float_column_with_hidden_rows_and_formulas(n):
    rows = [[BASE + dt.timedelta(minutes=i), "S1", 10.0 + i % 7, 2.5, "N", 18.0 + (i % 2) * 0.5] for i in range(n)]
    grid, spec = _wide(rows, hidden_rows={2, 3}, formulas_with_value={(2, 2): "=1"}, formulas_without_value={(4, 3): "=1"})
    grid.rows[4][3] = None
    assert_same(grid, spec)


def test_dst_gap_and_fold_datetimes_keep_their_per_cell_outcome():
    header = ["时间", "排放口", "NMHC(mg/m3)"]
    times = [dt.datetime(2026, 3, 29, 1, 30), dt.datetime(2026, 3, 29, 2, 30), dt.datetime(2026, 10, 25, 2, 30), dt.datetime(2026, 3, 29, 3, 30)]
    grid = SheetGrid(file="data/d.xlsx", sheet="S", rows=[header] + [[t, "S1", 1.0] for t in times])
    ctx = CaseContext(CTX.sources, ZoneInfo("Europe/Berlin"), (), "standard-dry", "normal")
    assert_same(grid, FileSpec(path="data/d.xlsx", defaults={"phase": "before"}), ctx)


def test_no_valid_start_with_periods_rejects_the_rows_instead_of_crashing():
    header = ["时间", "排放口", UNIT_WIDE["NMHC"]]
    rows = [["not a date", "S1", 1.0], [None, "S1", 2.0]]
    out = assert_same(SheetGrid(file="data/n.csv", sheet=None, rows=[header] + rows), FileSpec(path="data/n.csv"))
    assert out[1].rejected == 2 and len(out[2]) == 0


def test_run_level_disagreement_and_duplicates_raise_the_same_message():
    header = ["阶段", "频次", "排放口", UNIT_WIDE["NMHC"], "含氧量(%)", "标干流量(m3/h)"]
    rows = [["治理前", "1", "S1", 5.0, 18.0, 2000.0], ["治理前", "1", "S1", 6.0, 18.5, 2000.0]]
    assert_same(SheetGrid(file="data/r.csv", sheet=None, rows=[header] + rows), FileSpec(path="data/r.csv"))
    header = ["时间", "排放口", "监测项目", "实测值", "单位"]
    rows = [["2026-03-01 10:00:00", "S1", "SO2", "1", "mg/m3"], ["2026-03-01 10:00:00", "S1", "二氧化硫", "2", "mg/m3"]]
    out = assert_same(SheetGrid(file="data/d.csv", sheet=None, rows=[header] + rows), FileSpec(path="data/d.csv"))
    assert isinstance(out[3], tuple) and "duplicate measurement" in out[3][2]


def test_flow_unit_filled_within_a_run_from_its_first_row():
    header = ["阶段", "频次", "排放口", "监测项目", "实测值", "单位", "标干流量", "流量单位"]
    rows = [["治理前", "1", "S1", "SO2", "1", "mg/m3", "2000", "m3/h"], ["治理前", "1", "S1", "NOx", "2", "mg/m3", "", ""],
            ["治理前", "2", "S1", "SO2", "1", "mg/m3", "", ""], ["治理前", "2", "S1", "NOx", "2", "mg/m3", "0.6", "m3/s"],
            ["治理后", "1", "S1", "SO2", "1", "mg/m3", "", ""]]
    out = assert_same(SheetGrid(file="data/f.csv", sheet=None, rows=[header] + rows), FileSpec(path="data/f.csv", layout="long"))
    assert list(out[3]["flow_unit"].astype(object).fillna("-")) == ["m3/h", "m3/h", "m3/s", "m3/s", "-"]
    assert list(out[3]["flow"].fillna(-1)) == [2000, 2000, 0.6, 0.6, -1]


# ---------------------------------------------------------------- real and benchmark data


def _case_grids(folder: Path):
    case = load_case(folder)
    ctx = CaseContext.from_case(case)
    for spec in case.manifest.file:
        yield intake.read_grid(case.resolve(spec.path), spec), spec, ctx


@pytest.mark.parametrize("name", ["jiangsu-textile-dyeing", "hebei-coating-cems"])
def test_case_studies_equal_the_reference(name):
    for grid, spec, ctx in _case_grids(ROOT / "case_studies" / name):
        assert_same(grid, spec, ctx)


@pytest.mark.parametrize("layout,fmt,rows", [("wide", "xlsx", 2500), ("long", "csv", 3000), ("wide", "csv", 2200)])
def test_benchmark_generator_data_equals_the_reference(tmp_path, layout, fmt, rows):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    folder = generate.generate_case(tmp_path / "case", generate.Spec(rows=rows, layout=layout, fmt=fmt))
    for grid, spec, ctx in _case_grids(folder):
        out = assert_same(grid, spec, ctx)
        assert not isinstance(out[3], tuple) and len(out[3]) > 0 and not math.isnan(out[3]["value"].iloc[0])
