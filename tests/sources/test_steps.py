"""Each named step of the intake on its own (verify.sources.detect, identity, classify, plausibility,
emit, agreement), on small hand-built grids whose expected outcome is written out in the test.
tests/sources/test_layout.py tests them together through parse_grid; test_path_equivalence.py keeps
the per-cell and column-wise paths equal, test_golden_intake.py the outcome on the bundled and
benchmark data."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from verify.case import FileSpec
from verify.errors import InputError
from verify.sources import agreement
from verify.sources.classify import Reader, pollutant_slots, run_level_quantities
from verify.sources.columns import ACCEPTED, BLANK, FLAGGED, REJECTED, CodedLabels, GridColumn, RowVerdicts
from verify.sources.detect import data_rows, detect_layout
from verify.sources.emit import row_outcomes
from verify.sources.grid import SheetGrid
from verify.sources.identity import resolve_identity
from verify.sources.plausibility import HJ212Flags, check_ranges, value_rules

SPEC = FileSpec(path="data/t.csv")


def _grid(rows, **kw) -> SheetGrid:
    width = max(len(r) for r in rows)
    return SheetGrid(file="data/t.csv", sheet=None, rows=[list(r) + [None] * (width - len(r)) for r in rows], **kw)


def _steps(rows, ctx, spec=SPEC):
    """Steps 1–3 of a grid: (layout, data rows, verdicts, identity, reader)."""
    grid = _grid(rows)
    layout = detect_layout(grid, spec, ctx.pollutant_table)
    data = data_rows(grid, layout.data_start)
    verdicts = RowVerdicts(data.n)
    ident = resolve_identity(layout, data, spec, ctx, verdicts)
    return layout, data, verdicts, ident, Reader(layout, data, spec, ctx)


# ---------------------------------------------------------------- 1. layout and header


def test_detect_long_and_wide(ctx):
    long = detect_layout(_grid([["source", "phase", "run", "pollutant", "value", "unit"]]), SPEC, ctx.pollutant_table)
    assert long.name == "long" and long.col_of("value") == 4 and not long.per_pol
    wide = detect_layout(_grid([["阶段", "频次", "非甲烷总烃(mg/m³)", "检出限(mg/m³)"]]), SPEC, ctx.pollutant_table)
    assert wide.name == "wide" and set(wide.per_pol) == {"NMHC"}
    assert set(wide.per_pol["NMHC"]) == {"value", "lod"}  # the one pollutant takes the generic lod column


def test_detect_refuses_contradictions(ctx):
    with pytest.raises(InputError, match="both long .* and wide"):
        detect_layout(_grid([["pollutant", "value", "NMHC (mg/m3)"]]), SPEC, ctx.pollutant_table)
    with pytest.raises(InputError, match="cannot be defaulted"):
        detect_layout(_grid([["pollutant", "value"]]), FileSpec(path="data/t.csv", defaults={"value": "1"}), ctx.pollutant_table)


def test_data_rows_drop_blank_rows_and_keep_row_numbers():
    grid = _grid([["a", "b"], ["1", "2"], ["", "  "], [None, "3"]])
    rows = data_rows(grid, 1)
    assert rows.grid_rows.tolist() == [1, 3] and rows.row1.tolist() == [2, 4]
    with pytest.raises(InputError, match="no data rows"):
        data_rows(_grid([["a", "b"], ["", None]]), 1)


def test_data_rows_from_the_fast_paths_arrow_columns():
    cols = [pa.array(["x"] * 3000 + [" "], type=pa.large_string()), pa.array(["1"] * 3000 + [""], type=pa.large_string())]
    grid = SheetGrid(file="f", sheet=None, rows=[["a", "b"]], columns=cols)
    rows = data_rows(grid, 1)
    assert rows.n == 3000 and rows.columns[0].text is not None  # kept in Arrow, the blank last row dropped
    assert rows.columns[1].arr[0] == "1"  # the object array is made when asked for


# ---------------------------------------------------------------- 2. labels and aliases


def test_identity_resolves_aliases_and_rejects_unplaceable_rows(ctx):
    rows = [["排放口", "阶段", "频次", "项目", "实测值", "单位"],
            ["1#定型机排气筒", "治理前", "1", "NMHC", "5", "mg/m3"],
            ["S2", "治理后", "均值", "NMHC", "4", "mg/m3"],    # a mean is not a run
            ["S1", "治理后", "", "NMHC", "4", "mg/m3"],      # no run and no start
            ["S1", "", "2", "NMHC", "4", "mg/m3"]]           # no phase
    _, _, verdicts, ident, _ = _steps(rows, ctx)
    assert ident.source.tolist() == ["S1", "S2", "S1", "S1"]
    assert ident.phase.tolist() == ["before", "after", "after", None]
    assert verdicts.reason.tolist() == ["", "summary_row", "no_run", "no_phase"]
    assert verdicts.col.tolist() == [-1, 2, 2, 1]  # the deciding cell's column


def test_identity_unknown_labels_are_an_error_naming_the_first_row(ctx):
    rows = [["source", "phase", "run", "pollutant", "value", "unit"], ["S1", "before", "1", "NMHC", "1", "mg/m3"],
            ["S9", "before", "2", "NMHC", "1", "mg/m3"]]
    with pytest.raises(InputError, match="unknown source label.*'S9'") as exc:
        _steps(rows, ctx)
    assert exc.value.location.row == 3 and exc.value.location.column == "A"


def test_coded_labels_call_a_function_once_per_distinct_text():
    column = GridColumn(np.array([" a", "b", "a", None, "b "], dtype=object))
    labels = CodedLabels.of_column(column)
    calls = []
    assert labels.map(lambda v: calls.append(v) or v).tolist() == ["a", "b", "a", None, "b"]
    assert len(calls) == len(labels.uniques)  # ' a' and 'a' clean to the same text, each unique once
    assert labels.where(lambda v: v == "b", rows=np.array([True, False, True, False, False])) == []
    assert labels.rows_with({"a"}).tolist() == [True, False, True, False, False]


# ---------------------------------------------------------------- 3. classify cells


def test_run_level_pressure_in_kpa_and_flow_units(ctx):
    head = ["source", "phase", "run", "pollutant", "value", "unit", "大气压(hPa)"]
    *_, reader = _steps([head + ["标干流量(m3/h)"], ["S1", "before", "1", "NMHC", "5", "mg/m3", "1013", "25000"]], ctx)
    run = run_level_quantities(reader)
    assert run.values["pressure_kpa"].tolist() == [pytest.approx(101.3)]  # 1013 hPa × 0.1 kPa/hPa
    assert (run.flow_unit.tolist(), run.flow_basis.tolist(), run.flow_state.tolist()) == (["m3/h"], ["standard-dry"], ["normal"])
    *_, reader = _steps([head + ["工况流量(Nm3/h)"], ["S1", "before", "1", "NMHC", "5", "mg/m3", "1013", "25000"]], ctx)
    run = run_level_quantities(reader)  # an "actual" header over a standard-state unit: which is it?
    assert run.cells["flow"].reason.tolist() == ["flow_basis_contradiction"] and np.isnan(run.values["flow"][0])


def test_value_units_must_agree_and_be_concentrations(ctx):
    rows = [["source", "phase", "run", "pollutant", "value", "unit"],
            ["S1", "before", "1", "NMHC", "5", "mg/m3"], ["S1", "before", "2", "NMHC", "5", "kg/h"],
            ["S1", "before", "3", "NMHC", "5", ""], ["S1", "before", "4", "PM", "5", "ppm"]]
    _, _, verdicts, ident, reader = _steps(rows, ctx)
    (slot,) = pollutant_slots(reader, ident, verdicts)
    assert slot.cells.status.tolist() == [ACCEPTED, REJECTED, REJECTED, REJECTED]
    assert slot.cells.reason.tolist() == ["", "not_a_concentration_unit", "no_unit", "mixing_ratio_of_particles"]
    assert slot.unit.tolist()[0] == "mg/m3"


# ---------------------------------------------------------------- 4. plausibility


def _cells(values, kind="number"):
    from verify.sources.columns import CellStates

    n = len(values)
    nf = {"value": np.array(values, dtype=float), "censored": np.zeros(n, dtype=bool), "limit": np.full(n, np.nan),
          "kind": np.full(n, kind, dtype=object), "reason": np.full(n, "", dtype=object),
          "detail": np.full(n, "", dtype=object), "notes": np.full(n, "", dtype=object)}
    return CellStates(SimpleNamespace(col=0), nf, "o2_pct")


def test_bounds_come_from_the_range_table():
    cells = _cells([-0.1, 0.0, 20.9, 21.0, np.nan])
    check_ranges(cells, "o2_pct", cells.value, np.ones(5, dtype=bool))  # ranges.csv: O2 in [0, 21) %, else rejected
    assert cells.status.tolist() == [REJECTED, ACCEPTED, ACCEPTED, REJECTED, ACCEPTED]
    assert cells.reason[0] == "o2_impossible"
    p = _cells([49.9, 50.0, 150.0, 150.1, 0.0])
    check_ranges(p, "pressure_kpa", p.value, np.ones(5, dtype=bool))  # 50–150 kPa flagged outside, ≤ 0 rejected
    assert p.status.tolist() == [FLAGGED, ACCEPTED, ACCEPTED, FLAGGED, REJECTED]


def test_value_rules_nondetects_negatives_and_range():
    cells = _cells([np.nan, -0.2, -0.2, 120.0, 30.0], kind="number")
    cells.kind[0] = "nondetect"
    cells.status[0] = FLAGGED
    cells.reason[0] = "nondetect"
    cells.censored[0] = True
    lod = np.array([0.05, 0.05, np.nan, np.nan, np.nan])
    rng = np.array([np.nan, np.nan, np.nan, 100.0, 100.0])
    flag = value_rules(cells, lod, rng, np.full(5, "mg/m3", dtype=object), np.array(["N", None, None, None, "N"], dtype=object))
    assert cells.value[0] == 0.05 and cells.limit[0] == 0.05  # 'ND' takes the row's lod
    assert cells.reason[1] == "negative_below_lod" and cells.censored[1] and cells.value[1] == -0.2  # kept unclipped
    assert cells.status[2] == REJECTED and cells.reason[2] == "negative_no_lod"
    assert cells.reason[3] == "over_range" and flag.tolist() == ["N", None, None, "T", "N"]  # 120 > 100: flag T added


def test_hj212_flags_keep_invalid_data_flagged_and_reject_unknown_flags():
    cells = _cells([1.0, 2.0, 3.0, 4.0])
    HJ212Flags(np.array(["N", "T", "C", "X"], dtype=object)).apply(cells)
    assert cells.status.tolist() == [ACCEPTED, FLAGGED, FLAGGED, REJECTED]
    assert cells.reason.tolist() == ["", "flag_T", "flag_C", "unknown_flag"]


# ---------------------------------------------------------------- 6. outcomes; 5. agreement


def test_row_outcomes_demote_the_values_of_rejected_rows():
    verdicts = RowVerdicts(3)
    verdicts.reject(np.array([False, True, False]), "no_run", "neither run nor start")
    value = _cells([1.0, 2.0, np.nan])
    value.status[2] = BLANK
    o2 = _cells([18.0, 18.0, 30.0])
    o2.mark(np.array([False, False, True]), REJECTED, "o2_impossible")
    rejected, flagged = row_outcomes([SimpleNamespace(cells=value)], [o2, value], verdicts)
    assert rejected.tolist() == [False, True, True]  # row 3 yields no usable value
    assert flagged.tolist() == [False, False, False]
    assert value.reason[1] == "row_rejected" and value.status[1] == REJECTED


def test_agreement_fills_run_level_values_and_refuses_disagreement():
    table = pd.DataFrame({
        "file": "f", "sheet": None, "row": [2, 3, 4], "cell": ["E2", "E3", "E4"], "source": "S1", "position": None,
        "phase": "before", "run": "1", "sample": None, "pollutant": ["NMHC", "SO2", "NOx"], "start": pd.NaT,
        "o2_pct": [18.0, np.nan, 18.0], "_cell_value": ["f E2", "f E3", "f E4"], "_cell_o2_pct": ["f F2", None, "f F4"],
    })
    filled = agreement.run_level(agreement.check_duplicates(table))
    assert filled["o2_pct"].tolist() == [18.0, 18.0, 18.0]
    with pytest.raises(InputError, match=r"o2_pct disagrees within one run .*18 in f F2 and 17 in f F4"):
        agreement.run_level(table.assign(o2_pct=[18.0, np.nan, 17.0]))
    with pytest.raises(InputError, match="duplicate measurement"):
        agreement.check_duplicates(table.assign(pollutant="NMHC"))
