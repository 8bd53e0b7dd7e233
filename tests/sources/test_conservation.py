"""Row and value conservation (docs/reliability.md#promises, promise 1) over generated grids (Hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verify.case import FileSpec
from verify.errors import InputError
from verify.sources.grid import SheetGrid
from verify.sources.layout import parse_grid

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
    assert value_entries["raw"].notna().all()  # the raw text is kept beside every listed value (promise 2)
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
