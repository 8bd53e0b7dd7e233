"""Row and value conservation (docs/reliability.md#promises, promise 1) over generated grids (Hypothesis),
and the pandera schema of the canonical table (verify.sources.schema) on the tables they give.

The generated grids of tests/sources/intake_grids.py (small and beyond ``SMALL`` rows, typed and text)
are checked against counts taken from the grid itself: every non-blank row is a canonical row or a
rejected row, every non-blank quantity cell a value of the tally, every pollutant value cell a
canonical row or a rejected value (never both)."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from verify.case import FileSpec
from verify.errors import InputError
from verify.sources import agreement, schema
from verify.sources.canonical import conform
from verify.sources.grid import SheetGrid, cell_address, column_letter
from verify.sources.layout import parse_grid

from intake_grids import CTX, grids

VALUES = st.sampled_from(["", "12.5", "3", "ND", "<0.5", "—", "NA", "-3", "12,5", "x", "25", "0", "１２", None, 7.5, True, "1e400"])
LABELS = {
    "phase": st.sampled_from(["before", "after", "治理前", "后", ""]),
    "run": st.sampled_from(["1", "2", "3", "", "均值"]),
    "source": st.sampled_from(["S1", "s1", ""]),
    "pollutant": st.sampled_from(["NMHC", "颗粒物", "", "unobtainium"]),
    "unit": st.sampled_from(["mg/m3", "ppmm", "", "kg/h"]),
}


def _check(parsed) -> None:
    t = parsed.tally
    t.check()
    e = parsed.entries
    value_entries = e[(e["field"] != "row") & (e["outcome"] != "note")]
    assert len(value_entries) == t.values_flagged + t.values_rejected
    assert (value_entries["outcome"] == "rejected").sum() == t.values_rejected
    assert (e["field"] == "row").sum() == t.rejected
    # the raw text is kept beside every listed value (promise 2); a formula without a saved value has
    # none, nor has a typed NaN cell (rejected as non_finite; no xlsx file can hold a NaN)
    no_raw = value_entries["reason"].str.contains("formula_no_value|non_finite")
    assert (value_entries["raw"].notna() | no_raw).all()
    rows_in_table = set(parsed.table["row"]) if len(parsed.table) else set()
    rejected_rows = set(e[e["field"] == "row"]["row"])
    assert not rows_in_table & rejected_rows
    assert len(rows_in_table) == t.accepted + t.flagged


@settings(max_examples=15, deadline=3000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(LABELS["phase"], LABELS["run"], VALUES, VALUES, VALUES), min_size=1, max_size=12))
def test_wide_conservation(rows):
    header = ["phase", "run", "NMHC (mg/m3)", "PM (mg/m3)", "含氧量(%)"]
    grid = SheetGrid(file="w.csv", sheet=None, rows=[header, *[list(r) for r in rows]])
    try:
        parsed = parse_grid(grid, FileSpec(path="w.csv", defaults={"source": "S1"}), _ctx())
    except InputError as exc:
        assert "no data rows" in str(exc.message)
        return
    _check(parsed)


@settings(max_examples=15, deadline=3000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(LABELS["source"], LABELS["phase"], LABELS["run"], LABELS["pollutant"], VALUES, LABELS["unit"], VALUES),
                min_size=1, max_size=12))
def test_long_conservation(rows):
    header = ["source", "phase", "run", "pollutant", "value", "unit", "lod"]
    grid = SheetGrid(file="l.csv", sheet=None, rows=[header, *[list(r) for r in rows]])
    try:
        parsed = parse_grid(grid, FileSpec(path="l.csv"), _ctx())
    except InputError as exc:
        assert "no data rows" in str(exc.message)
        return
    _check(parsed)


def _ctx():
    from zoneinfo import ZoneInfo

    from verify.sources.layout import CaseContext

    return CaseContext({"s1": "S1"}, ZoneInfo("Asia/Shanghai"), (), "standard-dry", "normal")


# ---------------------------------------------------------------- every cell of a generated grid accounted for

#: ledger fields of the quantity columns whose non-blank cells are values (verify.sources.ledger)
QUANTITY_FIELDS = ("value", "lod", "range", "value_o2ref", "rate_reported", "o2_pct", "h2o_pct", "temp_c", "pressure_kpa",
                   "flow", "load_pct")


def _is_blank(v) -> bool:
    """None or whitespace-only text (a typed NaN is a value: rejected as non_finite)."""
    return v is None or (isinstance(v, str) and not v.strip())


def _nonblank_cells(grid, col: int, rows: list[int]) -> set[str]:
    return {cell_address(r, col) for r in rows
            if not _is_blank(grid.rows[r][col]) or (r, col) in grid.formulas_without_value}


def check_every_cell(grid, parsed) -> None:
    """Counted from the grid itself: every non-blank body row is a canonical row or a rejected row;
    every non-blank quantity cell is a value of the tally; every non-blank pollutant value cell is a
    canonical row's value or a rejected value of the ledger, never both."""
    formula_rows = {r for r, _c in grid.formulas_without_value}
    body = [r for r in range(1, len(grid.rows)) if r in formula_rows or not all(map(_is_blank, grid.rows[r]))]
    e, table, t = parsed.entries, parsed.table, parsed.tally
    in_table = set(table["row"]) if len(table) else set()
    rejected_rows = set(e.loc[e["field"] == "row", "row"])
    assert in_table | rejected_rows == {r + 1 for r in body} and t.rows == len(body)
    index = {column_letter(c): c for c in range(grid.n_cols)}
    fields = {index[key.split(":")[0]]: field.split("[")[0] for key, field in t.header_map.items()}  # "D: NMHC (mg/m3)" → value
    quantity = [c for c, f in fields.items() if f in QUANTITY_FIELDS]
    assert t.values == sum(len(_nonblank_cells(grid, c, body)) for c in quantity)
    value_cells = set().union(*(_nonblank_cells(grid, c, body) for c in quantity if fields[c] == "value"))
    table_cells = set(table["cell"]) if len(table) else set()
    is_value = e["field"].map(lambda f: f.split("[")[0] == "value")
    rejected_values = set(e.loc[(e["outcome"] == "rejected") & is_value, "cell"])
    assert not table_cells & rejected_values
    assert table_cells | rejected_values == value_cells


def _final_table(parsed):
    """The canonical table of one grid after the checks across rows, or, where those refuse it (a
    duplicate, a run-level disagreement: an InputError), before them."""
    table = parsed.table
    with contextlib.suppress(InputError):  # refused: the table before the checks
        table = agreement.run_level(agreement.check_duplicates(table))
    return conform(table.drop(columns=[c for c in table.columns if c.startswith("_")]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(case=grids())
def test_generated_grids_account_for_every_cell_and_pass_the_schema(case):
    """Small grids and grids beyond SMALL rows (intake_grids.grids), wide and long, typed and text."""
    grid, spec = case
    try:
        parsed = parse_grid(grid, spec, CTX, "0" * 64)
    except InputError:
        event("error")
        return
    _check(parsed)
    check_every_cell(grid, parsed)
    if len(parsed.table):
        schema.validate(_final_table(parsed))
    event("canonical rows" if len(parsed.table) else "no canonical row")
    event("beyond SMALL" if len(grid.rows) > 2001 else "small")
