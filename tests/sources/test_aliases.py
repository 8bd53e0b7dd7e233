"""Alias tables as data: coverage of the contract's header words, units and pollutants (rows 4, 5, 7, 38, 40)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.case import FileSpec
from verify.errors import InputError
from verify.sources.aliases import header_aliases, labels, lookup_unit, norm, pollutant_aliases, pollutant_species, unit_aliases
from verify.sources.canonical import CANONICAL_COLUMNS
from verify.sources.headers import FILE_COLUMNS, classify_column

# Every header word listed under Headers in docs/case-format.md#headers, with its column.
CONTRACT_HEADERS = {
    "排気筒": "source", "排气筒": "source", "測定点": "source", "监测点位": "source",
    "段階": "phase", "阶段": "phase",
    "測定回": "run", "频次": "run", "采样次数": "run",
    "項目": "pollutant", "污染物": "pollutant", "监测项目": "pollutant",
    "測定値": "value", "实测值": "value", "単位": "unit", "单位": "unit",
    "実測濃度": "value", "实测浓度": "value", "換算濃度": "value_o2ref", "折算浓度": "value_o2ref",
    "排出量": "rate_reported", "排放速率": "rate_reported", "排ガス量": "flow", "烟气流量": "flow",
    "標準状態": "flow", "标干": "flow", "工况": "flow", "实际": "flow",
    "酸素濃度": "o2_pct", "含氧量": "o2_pct", "水分": "h2o_pct", "含湿量": "h2o_pct",
    "温度": "temp_c", "烟温": "temp_c", "圧力": "pressure_kpa", "压力": "pressure_kpa", "大气压": "pressure_kpa",
    "負荷率": "load_pct", "生产负荷": "load_pct", "検出下限": "lod", "检出限": "lod",
    "測定方法": "method", "检测方法": "method",
}


@pytest.mark.parametrize(("word", "column"), sorted(CONTRACT_HEADERS.items()))
def test_contract_header_words(word, column):
    assert header_aliases()[norm(word)].column == column


def test_every_canonical_input_column_has_an_alias():
    wanted = {"source", "phase", "run", "sample", "pollutant", "value", "unit", "method", "start", "end", "flag", "o2_pct",
              "h2o_pct", "temp_c", "pressure_kpa", "flow", "flow_unit", "load_pct", "lod", "range", "position", "basis",
              "value_o2ref", "rate_reported", "as"}
    assert wanted <= {a.column for a in header_aliases().values()}
    # 'as' (the reporting species) is the file's name of the table column as_species
    assert {a.column for a in header_aliases().values()} - {"as"} <= set(CANONICAL_COLUMNS)
    assert FILE_COLUMNS == {"as_species": "as"} and "as_species" in CANONICAL_COLUMNS


def test_flow_basis_from_header_words():
    assert dict(header_aliases()[norm("标干")].implies) == {"flow_basis": "standard-dry"}
    assert dict(header_aliases()[norm("標準状態")].implies) == {"flow_basis": "standard-dry"}
    assert dict(header_aliases()[norm("工况")].implies) == {"flow_basis": "actual-wet"}
    assert dict(header_aliases()[norm("实际")].implies) == {"flow_basis": "actual-wet"}


def test_headers_case_and_width_insensitive():
    assert classify_column(0, "ＳＯＵＲＣＥ", FileSpec(path="a.csv")).field == "source"
    assert classify_column(0, "Pollutant ", FileSpec(path="a.csv")).field == "pollutant"


@pytest.mark.parametrize(
    ("header", "label", "unit"),
    [("NMHC (mg/m³)", "value[NMHC]", "mg/m3"), ("非甲烷总烃(mg/m³)", "value[NMHC]", "mg/m3"),
     ("非甲烷总烃（mg/m³）", "value[NMHC]", "mg/m3"), ("標干流量 Nm3/h", "flow", "m3/h"), ("烟温(℃)", "temp_c", "degC"),
     ("非甲烷总烃排放速率(kg/h)", "rate_reported[NMHC]", "kg/h"), ("颗粒物折算浓度 (mg/Nm3)", "value_o2ref[PM]", "mg/m3"),
     ("非メタン炭化水素 実測濃度 [ppmC]", "value[NMHC]", "ppmC"), ("大气压(hPa)", "pressure_kpa", "hPa")],
)
def test_unit_split_from_header(header, label, unit):
    role = classify_column(0, header, FileSpec(path="a.csv"))
    assert role.label == label and role.unit.key == unit


# row 40: variants handled by the table (后/後, 气/気 …)
@pytest.mark.parametrize(("a", "b"), [("治理后", "治理後"), ("対策後", "対策后")])
def test_row40_phase_variants(a, b):
    assert labels("phase")[norm(a)] == labels("phase")[norm(b)] == "after"


@pytest.mark.parametrize(("a", "b"), [("排气筒", "排気筒"), ("实测浓度", "実測濃度"), ("检出限", "檢出限"), ("烟气流量", "煙氣流量")])
def test_row40_header_variants(a, b):
    assert header_aliases()[norm(a)].column == header_aliases()[norm(b)].column


def test_pollutants_and_default_species():
    p = pollutant_aliases()
    for alias, key in [("非甲烷总烃", "NMHC"), ("非メタン炭化水素", "NMHC"), ("颗粒物", "PM"), ("ばいじん", "PM"), ("油烟", "oil_mist"),
                       ("二氧化硫", "SO2"), ("氮氧化物", "NOx"), ("窒素酸化物", "NOx"), ("トルエン", "toluene"), ("甲苯", "toluene")]:
        assert p[norm(alias)] == key
    s = pollutant_species()
    assert (s["NMHC"], s["THC"], s["NOx"], s["SO2"]) == ("C", "C", "NO2", None)  # HJ 38-2017; NOx as NO2


# row 5: units in Chinese, with superscripts or full width
@pytest.mark.parametrize(
    ("raw", "key", "state", "basis"),
    [("毫克/立方米", "mg/m3", None, None), ("mg/Nm³", "mg/m3", "normal", "standard-dry"), ("㎎/㎥", "mg/m3", None, None),
     ("ｍｇ／ｍ３", "mg/m3", None, None), ("µg/m³", "ug/m3", None, None), ("μg/m3", "ug/m3", None, None),
     ("毫克/标立方米", "mg/m3", "normal", "standard-dry"), ("mg/m3N", "mg/m3", "normal", "standard-dry"),
     ("mg/dscm", "mg/m3", "epa", "standard-dry"), ("标立方米/小时", "m3/h", "normal", "standard-dry"), ("立方米/小时", "m3/h", None, None)],
)
def test_row5_unit_aliases(raw, key, state, basis):
    info = lookup_unit(raw)
    assert (info.key, info.std_state, info.basis) == (key, state, basis)


def test_unit_species_and_factors():
    assert lookup_unit("mgC/m3").as_species == "C"
    assert lookup_unit("ppmC").as_species == "C"
    assert lookup_unit("hPa").factor == 0.1 and lookup_unit("Pa").factor == 0.001 and lookup_unit("kPa").factor == 1
    assert lookup_unit("g/s").factor == 3.6  # 1 g/s = 3600 g/h = 3.6 kg/h


def test_row7_ppm_is_by_volume():
    # ppm in stack testing is by volume (docs/references.md#unit-conversions); the conversion to mg/m3 is measure's job.
    assert lookup_unit("ppm").key == "ppmv" and lookup_unit("ppm").kind == "mixing_ratio"


# row 4: unknown units rejected with suggestions
@pytest.mark.parametrize(("raw", "suggestion"), [("ppmm", "ppm"), ("mg/Nm3x", "mg/Nm3")])
def test_row4_unknown_unit_suggests(raw, suggestion):
    with pytest.raises(InputError, match="unknown unit") as exc:
        lookup_unit(raw)
    assert repr(suggestion) in str(exc.value.message)


# row 38: a pint DoS string is only looked up, never parsed
@settings(deadline=50, max_examples=5)
@given(st.sampled_from(["m**9**9**9", "10**10**8 mg/m3", "m" * 10000, "mg/m3 + 1 kg/m3", "12 500 mg/m^3"]))
def test_row38_dos_unit_rejected(raw):
    with pytest.raises(InputError):
        lookup_unit(raw)


@settings(deadline=100, max_examples=150)
@given(st.text(max_size=300))
def test_unit_lookup_raises_only_input_error(raw):
    try:
        info = lookup_unit(raw)
    except InputError:
        return
    assert info.key in {u.key for u in unit_aliases().values()}


def test_tables_have_no_conflicts():
    # the loaders raise on an alias with two meanings; calling them is the test
    assert header_aliases() and pollutant_aliases() and unit_aliases() and labels("position")
