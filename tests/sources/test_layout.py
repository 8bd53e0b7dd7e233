"""Layout parsing and the ledger rules on hand-built grids (docs/reliability.md#bad-inputs; case-format.md)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from verify.errors import InputError
from verify.sources.layout import CaseContext



def entry(parsed, cell: str) -> pd.Series:
    """The single non-note ledger entry of a cell."""
    e = parsed.entries
    hits = e[(e["cell"] == cell) & (e["outcome"] != "note")]
    assert len(hits) == 1, hits
    return hits.iloc[0]


WIDE_ZH = ["阶段", "频次", "非甲烷总烃(mg/m³)", "颗粒物(mg/m³)", "标干流量(m3/h)", "含氧量(%)", "烟温(℃)"]
LONG_JA = ["排気筒", "段階", "測定回", "項目", "測定値", "単位", "測定方法"]


def test_wide_with_chinese_headers(parse):
    p = parse([WIDE_ZH, ["治理前", "1", "35.2", "12.1", "25000", "18.5", "120"], ["治理后", "1", "12", "3.0", "24000", "18.4", "80"]],
              defaults={"source": "S1"})
    t = p.table.sort_values(["phase", "pollutant"]).reset_index(drop=True)
    assert list(t["pollutant"]) == ["NMHC", "PM", "NMHC", "PM"]
    assert list(t["phase"]) == ["after", "after", "before", "before"]
    assert list(t["value"]) == [12.0, 3.0, 35.2, 12.1]
    assert set(t["unit"]) == {"mg/m3"} and set(t["basis"]) == {"standard-dry"}  # case concentration_basis (row 6)
    assert set(t["flow_basis"]) == {"standard-dry"} and set(t["flow_std_state"]) == {"normal"}  # 标干
    assert t["as_species"].tolist() == ["C", pd.NA, "C", pd.NA]  # NMHC as C per HJ 38-2017; PM has no species
    assert (p.tally.layout, p.tally.rows, p.tally.accepted, p.tally.values, p.tally.values_accepted) == ("wide", 2, 2, 10, 10)
    assert list(t[t["pollutant"] == "NMHC"]["cell"]) == ["C3", "C2"]


def test_long_with_japanese_headers(parse):
    p = parse([LONG_JA, ["1#定型机排气筒", "対策前", "1", "トルエン", "3.1", "mg/Nm³", "HJ 734"],
               ["S1", "対策後", "1", "非メタン炭化水素", "120", "ppmC", "告示第61号"]])
    t = p.table
    assert list(t["source"]) == ["S1", "S1"] and list(t["phase"]) == ["before", "after"]
    assert list(t["pollutant"]) == ["toluene", "NMHC"] and list(t["unit"]) == ["mg/m3", "ppmC"]
    assert list(t["std_state"]) == ["normal", "normal"]
    assert pd.isna(t["as_species"].iloc[0]) and t["as_species"].iloc[1] == "C"  # ppmC is as carbon
    assert p.tally.layout == "long" and p.tally.accepted == 2


def _long(rows, **kw):
    return [["source", "phase", "run", "pollutant", "value", "unit", *kw.get("extra", [])], *rows]


# row 3: no unit → reject (no default unit)
def test_row3_no_unit_rejected(parse):
    p = parse([["source", "phase", "run", "pollutant", "value"], ["S1", "before", "1", "NMHC", "12"]])
    assert entry(p, "E2")["reason"] == "no_unit" and p.tally.rejected == 1 and p.table.empty
    p = parse(_long([["S1", "before", "1", "NMHC", "12", ""]]))
    assert entry(p, "E2")["reason"] == "no_unit"


def test_default_unit_fills_missing_column(parse):
    p = parse([["source", "phase", "run", "pollutant", "value"], ["S1", "before", "1", "NMHC", "12"]], defaults={"unit": "mg/m3"})
    assert p.table["unit"].tolist() == ["mg/m3"]


# row 4: unknown unit → reject with suggestions
def test_row4_unknown_unit(parse):
    p = parse(_long([["S1", "before", "1", "NMHC", "12", "ppmm"], ["S1", "before", "2", "NMHC", "12", "mg/Nm3x"]]))
    assert entry(p, "E2")["reason"] == "unknown_unit" and "'ppm'" in entry(p, "E2")["detail"]
    assert "'mg/Nm3'" in entry(p, "E3")["detail"]
    assert p.tally.values_rejected == 2


# row 5 / 6: unit aliases; bare m3 read through the case's concentration_basis
def test_row5_row6_units_and_basis(parse, ctx):
    rows = [["S1", "before", str(i), "NMHC", "1", u] for i, u in enumerate(["毫克/立方米", "mg/Nm³", "㎎/㎥", "ｍｇ／ｍ３"], 1)]
    wet = CaseContext(ctx.sources, ctx.tz, (), "actual-wet", "normal")
    t = parse(_long(rows), context=wet).table
    assert t["unit"].tolist() == ["mg/m3"] * 4
    assert t["basis"].tolist() == ["actual-wet", "standard-dry", "actual-wet", "actual-wet"]
    assert [None if pd.isna(x) else x for x in t["std_state"]] == [None, "normal", None, None]


def test_row_basis_overrides_unit_wetness(parse):
    t = parse(_long([["S1", "before", "1", "NMHC", "1", "mg/Nm3", "wet"]], extra=["basis"])).table
    assert (t["basis"].iloc[0], t["std_state"].iloc[0]) == ("standard-wet", "normal")


def test_value_unit_must_be_a_concentration(parse):
    p = parse(_long([["S1", "before", "1", "NMHC", "1", "kg/h"], ["S1", "before", "2", "NMHC", "1", "%"]]))
    assert entry(p, "E2")["reason"] == "not_a_concentration_unit" and entry(p, "E3")["reason"] == "not_a_concentration_unit"


# row 8: non-detects flagged with their limit; ND takes the row's lod
def test_row8_nondetects(parse):
    p = parse(_long([["S1", "before", "1", "NMHC", "<0.5", "mg/m3", ""], ["S1", "before", "2", "NMHC", "ND", "mg/m3", "0.07"],
                     ["S1", "before", "3", "NMHC", "未检出", "mg/m3", ""]], extra=["lod"]))
    t = p.table.set_index("run")
    assert t.loc["1", "value"] == 0.5 and t.loc["1", "censored"]
    assert t.loc["2", "value"] == 0.07 and t.loc["2", "lod"] == 0.07 and t.loc["2", "censored"]
    assert np.isnan(t.loc["3", "value"]) and t.loc["3", "censored"] and t.loc["3", "reasons"] == "nondetect_no_limit"
    assert (p.tally.flagged, p.tally.values_flagged) == (3, 3)
    assert set(t["status"]) == {"flagged"}


# row 9: missing markers flagged (never 0); blank in wide = not measured; blank in long = row rejected
def test_row9_missing_and_blank(parse):
    wide = parse([["phase", "run", "NMHC (mg/m3)", "PM (mg/m3)"], ["before", "1", "—", ""], ["before", "2", "NA", "3"]],
                 defaults={"source": "S1"})
    assert wide.tally.values == 3  # the blank PM cell is not a value
    assert entry(wide, "C2")["reason"] == "missing_marker" and entry(wide, "C3")["reason"] == "missing_marker"
    assert wide.table["value"].isna().sum() == 2 and (wide.table["value"] == 0).sum() == 0
    assert len(wide.entries[wide.entries["cell"] == "D2"]) == 0
    long = parse(_long([["S1", "before", "1", "NMHC", "", "mg/m3"], ["S1", "before", "2", "NMHC", "1", "mg/m3"]]))
    assert long.tally.rejected == 1 and long.tally.accepted == 1
    rows = long.entries[long.entries["field"] == "row"]
    assert rows["reason"].tolist() == ["blank_value"] and rows["row"].tolist() == [2]


# rows 10–13 through the layout
def test_rows10_to_13_in_a_file(parse):
    p = parse(_long([["S1", "before", "1", "NMHC", "１２．５", "mg/m3"], ["S1", "before", "2", "NMHC", "12,5", "mg/m3"],
                     ["S1", "before", "3", "NMHC", "1,234", "mg/m3"], ["S1", "before", "4", "NMHC", "1e400", "mg/m3"]]))
    assert p.table["value"].tolist() == [12.5]
    notes = p.entries[p.entries["outcome"] == "note"]
    assert notes["cell"].tolist() == ["E2"] and notes["reason"].tolist() == ["nfkc"]
    assert [entry(p, c)["reason"] for c in ("E3", "E4", "E5")] == ["decimal_comma_undeclared", "ambiguous_thousands", "non_finite"]
    assert [entry(p, c)["raw"] for c in ("E3", "E4", "E5")] == ["12,5", "1,234", "1e400"]


def test_declared_separators(parse):
    p = parse(_long([["S1", "before", "1", "NMHC", "12,5", "mg/m3"], ["S1", "before", "2", "NMHC", "1.234,5", "mg/m3"]]),
              decimal=",", thousands=".")
    assert p.table["value"].tolist() == [12.5, 1234.5]


# row 14: negative concentration
def test_row14_negative(parse):
    p = parse(_long([["S1", "before", "1", "NMHC", "-0.03", "mg/m3", "0.07"], ["S1", "before", "2", "NMHC", "-0.03", "mg/m3", ""]],
                    extra=["lod"]))
    t = p.table
    assert t["value"].tolist() == [-0.03] and bool(t["censored"].iloc[0]) and t["reasons"].iloc[0] == "negative_below_lod"
    assert entry(p, "E3")["reason"] == "negative_no_lod" and entry(p, "E3")["outcome"] == "rejected"


# row 15: value above the instrument range → flag T
def test_row15_over_range(parse):
    p = parse(_long([["S1", "before", "1", "NMHC", "120", "mg/m3", "100"]], extra=["range"]))
    assert p.table["flag"].tolist() == ["T"] and p.table["reasons"].tolist() == ["over_range"]


def test_hj212_flags(parse):
    rows = [["S1", "before", str(i), "NMHC", "1", "mg/m3", f] for i, f in enumerate(["N", "T", "M", "X"], 1)]
    p = parse(_long(rows, extra=["flag"]))
    # N valid; T over range kept and flagged; M (maintenance) kept, flagged, counted as invalid
    # (HJ 212-2017; the statistics never average it); an unknown flag is rejected
    assert p.table["run"].tolist() == ["1", "2", "3"] and p.table["status"].tolist() == ["accepted", "flagged", "flagged"]
    assert p.table["flag"].tolist() == ["N", "T", "M"]
    assert entry(p, "E4")["reason"] == "flag_M" and entry(p, "E4")["outcome"] == "flagged"
    assert entry(p, "E5")["reason"] == "unknown_flag" and entry(p, "E5")["outcome"] == "rejected"


# rows 16–18: impossible run-level values rejected; only what depends on them is lost
def test_rows16_to_18_impossible_values(parse):
    p = parse([["phase", "run", "NMHC (mg/m3)", "含氧量(%)", "含湿量(%)", "烟气流量(Nm3/h)"],
               ["before", "1", "10", "25", "100", "0"], ["before", "2", "11", "21", "5", "-5"]], defaults={"source": "S1"})
    assert p.table["value"].tolist() == [10.0, 11.0]  # the measured concentrations survive
    assert p.table[["o2_pct", "h2o_pct", "flow"]].isna().all().all() or p.table["h2o_pct"].tolist()[1] == 5
    assert [entry(p, c)["reason"] for c in ("D2", "E2", "F2", "D3", "F3")] == [
        "o2_impossible", "moisture_impossible", "flow_not_positive", "o2_impossible", "flow_not_positive"]
    assert p.tally.flagged == 2 and p.tally.values_rejected == 5
    assert "o2_pct:o2_impossible" in p.table["reasons"].iloc[0]


# row 20: unknown phase labels → error listing them
def test_row20_unknown_phase(parse):
    with pytest.raises(InputError, match="unknown phase") as exc:
        parse(_long([["S1", "befor", "1", "NMHC", "1", "mg/m3"], ["S1", "aftr", "1", "NMHC", "1", "mg/m3"]]))
    assert "'befor'" in str(exc.value.message) and "'aftr'" in str(exc.value.message)
    assert exc.value.location.row == 2 and exc.value.location.column == "B"


def test_phase_variants_mixed(parse):
    rows = [["S1", ph, "1", "NMHC", "1", "mg/m3"] for ph in ("前", "後", "后", "治理前", "対策後")]
    rows = [[*r[:2], str(i), *r[3:]] for i, r in enumerate(rows)]
    assert parse(_long(rows)).table["phase"].tolist() == ["before", "after", "after", "before", "after"]


def test_unknown_source_is_an_error(parse):
    with pytest.raises(InputError, match="unknown source label.*'S9'"):
        parse(_long([["S9", "before", "1", "NMHC", "1", "mg/m3"]]))


def test_blank_source_rejects_row(parse):
    p = parse(_long([["", "before", "1", "NMHC", "1", "mg/m3"], ["S1", "before", "1", "NMHC", "1", "mg/m3"]]))
    assert p.tally.rejected == 1 and entry(p, "E2")["reason"] == "row_rejected"


# row 22: naive timestamps local to the case zone; [[period]] assigns the phase
def test_row22_periods_and_outside(parse, ctx):
    periods = ((pd.Timestamp("2026-03-01", tz="Asia/Shanghai").tz_convert("UTC"), pd.Timestamp("2026-03-02", tz="Asia/Shanghai").tz_convert("UTC"), "before"),
               (pd.Timestamp("2026-04-01", tz="Asia/Shanghai").tz_convert("UTC"), pd.Timestamp("2026-04-02", tz="Asia/Shanghai").tz_convert("UTC"), "after"))
    c = CaseContext(ctx.sources, ctx.tz, periods, "standard-dry", "normal")
    p = parse([["start", "NMHC (mg/m3)"], ["2026-03-01 10:00", "5"], ["2026-04-01 00:00", "3"], ["2026-05-01 00:00", "4"]],
              context=c, defaults={"source": "S1"})
    assert p.table["phase"].tolist() == ["before", "after"]
    assert p.table["start"].iloc[0] == pd.Timestamp("2026-03-01 02:00", tz="UTC")
    assert p.table["run"].isna().all()
    assert p.entries[p.entries["field"] == "row"]["reason"].tolist() == ["outside_period"]


# row 23: ambiguous date rejects the row unless declared
def test_row23_ambiguous_date(parse):
    rows = [["start", "phase", "NMHC (mg/m3)"], ["01/02/2024 10:00", "before", "5"]]
    p = parse(rows, defaults={"source": "S1"})
    assert p.tally.rejected == 1 and p.entries[p.entries["field"] == "row"]["reason"].tolist() == ["ambiguous_date"]
    p = parse(rows, defaults={"source": "S1"}, date_format="%d/%m/%Y %H:%M")
    assert p.table["start"].iloc[0] == pd.Timestamp("2024-02-01 02:00", tz="UTC")


# row 24: Excel serials use the workbook epoch
def test_row24_excel_serial_in_grid(parse):
    rows = [["start", "phase", "NMHC (mg/m3)"], [45000.5, "before", 5.0]]
    a = parse(rows, defaults={"source": "S1"}).table["start"].iloc[0]
    b = parse(rows, defaults={"source": "S1"}, grid_kw={"date1904": True}).table["start"].iloc[0]
    assert a == pd.Timestamp("2023-03-15 12:00", tz="Asia/Shanghai") and (b - a) == pd.Timedelta(days=1462)


# row 25: merged cells — expanded inside header rows, error elsewhere
def test_row25_merged_header_expanded(parse):
    rows = [["title", None, None, None, None], ["阶段", "频次", "非甲烷总烃", None, "烟温(℃)"],
            [None, None, "实测浓度(mg/m3)", "排放速率(kg/h)", None], ["治理前", "1", "30", "0.75", "120"]]
    p = parse(rows, header_rows=[2, 3], defaults={"source": "S1"},
              grid_kw={"merged": [(0, 0, 0, 4), (1, 2, 1, 3), (1, 0, 2, 0), (1, 1, 2, 1), (1, 4, 2, 4)]})
    t = p.table
    assert (t["pollutant"].iloc[0], t["value"].iloc[0], t["rate_reported"].iloc[0], t["temp_c"].iloc[0]) == ("NMHC", 30.0, 0.75, 120.0)
    assert p.tally.header_map["D: 非甲烷总烃 排放速率(kg/h)"] == "rate_reported[NMHC]"


def test_row25_merged_data_error(parse):
    with pytest.raises(InputError, match=r"merged range B2:B4"):
        parse(_long([["S1", "before", "1", "NMHC", "1", "mg/m3"]] * 3), grid_kw={"merged": [(1, 1, 3, 1)]})


# rows 26–27: formulas
def test_rows26_27_formulas(parse):
    p = parse(_long([["S1", "before", "1", "NMHC", None, "mg/m3"], ["S1", "before", "2", "NMHC", 5.0, "mg/m3"]]),
              grid_kw={"formulas_without_value": {(1, 4): "=A1*2"}, "formulas_with_value": {(2, 4): "=B1"}})
    assert entry(p, "E2")["reason"] == "formula_no_value" and entry(p, "E2")["detail"] == "formula without a saved value"
    assert entry(p, "E3")["outcome"] == "flagged" and entry(p, "E3")["detail"] == "derived by supplier formula"
    assert p.table["value"].tolist() == [5.0] and p.tally.values == 2


# row 28: duplicate / blank headers
def test_row28_duplicate_headers(parse):
    with pytest.raises(InputError, match="duplicate header"):
        parse([["source", "phase", "run", "pollutant", "value", "value", "unit"], ["S1", "before", "1", "NMHC", "1", "2", "mg/m3"]])
    with pytest.raises(InputError, match="both value"):
        parse([["source", "phase", "run", "pollutant", "value", "测定值", "unit"], ["S1", "before", "1", "NMHC", "1", "2", "mg/m3"]])


def test_row28_blank_header(parse):
    with pytest.raises(InputError, match="blank header above data in column G"):
        parse(_long([["S1", "before", "1", "NMHC", "1", "mg/m3", "x"]]))


# row 29: hidden rows read and flagged
def test_row29_hidden_rows(parse):
    p = parse(_long([["S1", "before", "1", "NMHC", "1", "mg/m3"], ["S1", "before", "2", "NMHC", "2", "mg/m3"]]),
              grid_kw={"hidden_rows": {2}})
    assert p.table["status"].tolist() == ["accepted", "flagged"] and p.table["reasons"].tolist()[1] == "hidden_row"


def test_bare_concentration_beside_o2ref_is_an_error(parse):
    with pytest.raises(InputError, match="bare concentration"):
        parse([["source", "phase", "run", "pollutant", "浓度", "折算浓度", "unit"], ["S1", "before", "1", "NMHC", "1", "2", "mg/m3"]])
    with pytest.raises(InputError, match="bare concentration"):
        parse([["phase", "run", "NMHC浓度(mg/m3)", "NMHC折算浓度(mg/m3)"], ["before", "1", "1", "2"]], defaults={"source": "S1"})
    ok = parse([["source", "phase", "run", "pollutant", "浓度", "unit"], ["S1", "before", "1", "NMHC", "1", "mg/m3"]])
    assert ok.table["value"].tolist() == [1.0]


def test_flow_header_basis(parse):
    p = parse([["phase", "run", "NMHC (mg/m3)", "工况流量(m3/h)", "大气压(hPa)"], ["before", "1", "1", "30000", "1013"]], defaults={"source": "S1"})
    t = p.table.iloc[0]
    assert (t["flow"], t["flow_unit"], t["flow_basis"], t["pressure_kpa"]) == (30000.0, "m3/h", "actual-wet", pytest.approx(101.3))
    with pytest.raises(AssertionError):
        assert pd.notna(t["flow_std_state"])
    p = parse([["phase", "run", "NMHC (mg/m3)", "工况流量(Nm3/h)"], ["before", "1", "1", "30000"]], defaults={"source": "S1"})
    assert entry(p, "D2")["reason"] == "flow_basis_contradiction"


def test_summary_rows_rejected(parse):
    p = parse([["phase", "run", "NMHC (mg/m3)"], ["before", "1", "10"], ["before", "2", "12"], ["before", "均值", "11"]],
              defaults={"source": "S1"})
    assert p.table["value"].tolist() == [10.0, 12.0] and p.entries[p.entries["field"] == "row"]["reason"].tolist() == ["summary_row"]


def test_layout_detection_errors(parse):
    with pytest.raises(InputError, match="no measured-value column"):
        parse([["source", "phase"], ["S1", "before"]])
    with pytest.raises(InputError, match="declare layout"):
        parse([["source", "phase", "run", "pollutant", "value", "unit", "NMHC (mg/m3)"], ["S1", "before", "1", "NMHC", "1", "mg/m3", "2"]])


def test_rejected_row_counts_every_value(parse):
    p = parse([["phase", "run", "NMHC (mg/m3)", "含氧量(%)"], ["", "1", "10", "18"]], defaults={"source": "S1"})
    assert (p.tally.rows, p.tally.rejected, p.tally.values, p.tally.values_rejected) == (1, 1, 2, 2)


def test_fully_blank_rows_are_skipped(parse):
    p = parse(_long([["S1", "before", "1", "NMHC", "1", "mg/m3"], ["", "", "", "", "", ""], [None] * 6]))
    assert p.tally.rows == 1


def test_excel_typed_cells(parse):
    p = parse(_long([["S1", "before", 1.0, "NMHC", 12.5, "mg/m3"], ["S1", "before", 2.0, "NMHC", True, "mg/m3"]]))
    assert p.table["run"].tolist() == ["1"] and entry(p, "E3")["reason"] == "boolean"


def test_start_datetime_cells(parse):
    p = parse([["start", "phase", "NMHC (mg/m3)"], [dt.datetime(2026, 3, 1, 10), "before", 5.0]], defaults={"source": "S1"})
    assert p.table["start"].iloc[0] == pd.Timestamp("2026-03-01 02:00", tz="UTC")


def test_footnote_row_is_rejected_not_an_unknown_label(parse):
    p = parse([["phase", "run", "NMHC (mg/m3)"], ["before", "1", "10"], ["注：ND表示未检出", None, None]], defaults={"source": "S1"})
    assert p.tally.rows == 2 and p.tally.rejected == 1
    assert p.entries[p.entries["field"] == "row"]["reason"].tolist() == ["no_usable_value"]


def test_lod_column_per_pollutant_in_wide(parse):
    p = parse([["phase", "run", "NMHC (mg/m3)", "非甲烷总烃检出限(mg/m3)"], ["before", "1", "ND", "0.07"]], defaults={"source": "S1"})
    t = p.table.iloc[0]
    assert (t["value"], t["lod"], bool(t["censored"])) == (0.07, 0.07, True)


def test_header_unit_and_unit_column_must_agree(parse):
    p = parse([["source", "phase", "run", "pollutant", "測定値 (mg/m3)", "unit"], ["S1", "before", "1", "NMHC", "1", "ppm"],
               ["S1", "before", "2", "NMHC", "2", "mg/m3"], ["S1", "before", "3", "NMHC", "3", ""]])
    assert entry(p, "E2")["reason"] == "unit_conflict"
    assert p.table["value"].tolist() == [2.0, 3.0]


# ---------------------------------------------------------------- rows and runs across the steps
# (kept from the retired comparison with the frozen pre-rewrite intake, with their outcomes written out)


def _periods_ctx(tz: str = "Asia/Shanghai") -> CaseContext:
    """Sources S1 (alias s1) and S2; a [[period]] before (2026-03-01 local day) and after (the next)."""
    from zoneinfo import ZoneInfo

    periods = ((pd.Timestamp("2026-02-28T16:00Z"), pd.Timestamp("2026-03-01T16:00Z"), "before"),
               (pd.Timestamp("2026-03-01T16:00Z"), pd.Timestamp("2026-03-02T16:00Z"), "after"))
    return CaseContext({"s1": "S1", "s2": "S2"}, ZoneInfo(tz), periods if tz == "Asia/Shanghai" else (), "standard-dry", "normal")


def _grid_parse(rows, name="data/t.csv", context=None, **spec_kw):
    from verify.case import FileSpec
    from verify.sources.grid import SheetGrid
    from verify.sources.layout import parse_grid

    sheet = "S" if name.endswith(".xlsx") else None
    parsed = parse_grid(SheetGrid(file=name, sheet=sheet, rows=[list(r) for r in rows]), FileSpec(path=name, **spec_kw),
                        context or _periods_ctx())
    parsed.tally.check()
    return parsed


def test_dst_gap_and_fold_datetimes_are_rejected_cell_by_cell():
    """Europe/Berlin 2026: 03-29 02:30 does not exist (clocks 02:00 → 03:00), 10-25 02:30 happens twice;
    01:30 CET is 00:30 UTC and 03:30 CEST is 01:30 UTC."""
    times = [dt.datetime(2026, 3, 29, 1, 30), dt.datetime(2026, 3, 29, 2, 30), dt.datetime(2026, 10, 25, 2, 30), dt.datetime(2026, 3, 29, 3, 30)]
    p = _grid_parse([["时间", "排放口", "NMHC(mg/m3)"]] + [[t, "S1", 1.0] for t in times], "data/d.xlsx",
                    _periods_ctx("Europe/Berlin"), defaults={"phase": "before"})
    assert list(p.table["row"]) == [2, 5]
    assert list(p.table["start"]) == [pd.Timestamp("2026-03-29T00:30Z"), pd.Timestamp("2026-03-29T01:30Z")]
    rows = p.entries[p.entries["field"] == "row"]
    assert list(zip(rows["cell"], rows["reason"])) == [("A3", "bad_date"), ("A4", "bad_date")]
    assert "does not exist in Europe/Berlin" in rows["detail"].iloc[0] and "happens twice" in rows["detail"].iloc[1]


def test_no_valid_start_with_periods_rejects_the_rows_instead_of_crashing():
    """With [[period]]s and no valid start at all the rows cannot be placed (the old intake crashed
    comparing a naive all-NaT index with the period bounds)."""
    p = _grid_parse([["时间", "排放口", "非甲烷总烃(mg/m3)"], ["not a date", "S1", 1.0], [None, "S1", 2.0]])
    assert p.tally.rejected == 2 and len(p.table) == 0
    rows = p.entries[p.entries["field"] == "row"]
    assert list(zip(rows["row"], rows["reason"])) == [(2, "bad_date"), (3, "no_phase")]


def test_duplicates_and_run_level_disagreement_name_both_cells():
    from verify.sources import agreement

    def cross(parsed):
        with pytest.raises(InputError) as err:
            agreement.run_level(agreement.check_duplicates(parsed.table))
        return err.value.render()

    wide = _grid_parse([["阶段", "频次", "排放口", "非甲烷总烃(mg/m3)", "含氧量(%)"], ["治理前", "1", "S1", 5.0, 18.0],
                        ["治理前", "1", "S1", 6.0, 18.5]])
    assert "duplicate measurement (source=S1, phase=before, run=1, pollutant=NMHC) in data/t.csv D2 and data/t.csv D3" in cross(wide)
    aliases = _grid_parse([["时间", "排放口", "监测项目", "实测值", "单位"], ["2026-03-01 10:00:00", "S1", "SO2", "1", "mg/m3"],
                           ["2026-03-01 10:00:00", "S1", "二氧化硫", "2", "mg/m3"]])
    assert "duplicate measurement (source=S1, phase=before, pollutant=SO2, start=2026-03-01 02:00:00+00:00)" in cross(aliases)
    o2 = _grid_parse([["阶段", "频次", "排放口", "监测项目", "实测值", "单位", "含氧量(%)"], ["治理前", "1", "S1", "SO2", "1", "mg/m3", "18.0"],
                      ["治理前", "1", "S1", "NOx", "2", "mg/m3", "18.5"]])
    message = cross(o2)
    assert "o2_pct disagrees within one run" in message and "G2" in message and "G3" in message


def test_flow_unit_filled_within_a_run_from_its_first_row():
    p = _grid_parse([["阶段", "频次", "排放口", "监测项目", "实测值", "单位", "标干流量", "流量单位"],
                     ["治理前", "1", "S1", "SO2", "1", "mg/m3", "2000", "m3/h"], ["治理前", "1", "S1", "NOx", "2", "mg/m3", "", ""],
                     ["治理前", "2", "S1", "SO2", "1", "mg/m3", "", ""], ["治理前", "2", "S1", "NOx", "2", "mg/m3", "0.6", "m3/s"],
                     ["治理后", "1", "S1", "SO2", "1", "mg/m3", "", ""]], layout="long")
    from verify.sources import agreement

    final = agreement.run_level(agreement.check_duplicates(p.table))
    assert list(final["flow_unit"].astype(object).fillna("-")) == ["m3/h", "m3/h", "m3/s", "m3/s", "-"]
    assert list(final["flow"].fillna(-1)) == [2000, 2000, 0.6, 0.6, -1]
