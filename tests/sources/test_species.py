"""The reporting species of a concentration is read from every place a field file writes it, and an
organic-carbon sum in ppm without one is rejected (issue 15 item 1). Conversions: tests/measure/
test_reporting_species.py."""

from __future__ import annotations

import csv
from importlib import resources

import pandas as pd
import pytest

from verify.case import FileSpec
from verify.errors import InputError
from verify.measure.constants import species_table
from verify.sources.aliases import lookup_unit, pollutant_sums
from verify.sources.headers import classify_column
from verify.sources.species import NO_SPECIES, WAYS_TO_DECLARE, species_aliases, species_phrase


def test_every_species_name_has_a_molar_mass_and_carbon_number():
    """species_aliases.csv (intake) may only name species verify/measure/data/species.csv knows."""
    assert set(species_aliases().values()) <= set(species_table())
    assert species_table()["propane"].n_carbon == 3 and species_table()["hexane"].n_carbon == 6


def test_organic_sums_are_data():
    assert {k for k, v in pollutant_sums().items() if v == "carbon"} == {"NMHC", "THC", "VOC"}
    assert {k for k, v in pollutant_sums().items() if v == "mixture"} == {"TVOC", "BTEX"}


@pytest.mark.parametrize(("text", "bare", "key"), [
    ("propane", True, "propane"), ("C3H8", True, "propane"), ("丙烷", True, "propane"), ("プロパン", True, "propane"),
    ("以丙烷计", False, "propane"), ("以丙烷計", False, "propane"), ("プロパン換算", False, "propane"),
    ("as propane", False, "propane"), ("As C3H8", False, "propane"), ("as-C", False, "C"), ("以碳计", False, "C"),
    ("炭素換算", False, "C"), ("炭素換算値", False, "C"), ("メタン換算", False, "CH4"), ("以甲烷计", False, "CH4"),
    ("n-hexane", True, "hexane"), ("ヘキサン換算", False, "hexane"), ("以NO2计", False, "NO2"), ("ＣＨ４", True, "CH4"),
])
def test_species_phrases(text, bare, key):
    assert species_phrase(text, bare=bare).key == key


@pytest.mark.parametrize("text", ["O2換算", "O₂ 12%換算", "酸素12%換算", "折算", "氧含量折算", "propane", "asphalt", "mg/m3"])
def test_not_species_phrases(text):
    """O2 phrases keep their meaning (O2-corrected); a bare name counts only where bare names are read."""
    assert species_phrase(text, bare=False) is None


def test_unknown_species_in_a_phrase_is_named():
    sp = species_phrase("以戊烷计", bare=False)
    assert sp.key is None and sp.name == "戊烷"


@pytest.mark.parametrize(("text", "key", "species"), [
    ("ppm as C3H8", "ppmv", "propane"), ("ppm(以丙烷计)", "ppmv", "propane"), ("ppm，プロパン換算", "ppmv", "propane"),
    ("以丙烷计,ppm", "ppmv", "propane"), ("ppm as hexane", "ppmv", "hexane"), ("mg/m3,以碳计", "mg/m3", "C"),
    ("mg/Nm3 as CH4", "mg/m3", "CH4"), ("ppmC", "ppmC", "C"), ("kg/h,以碳计", "kg/h", "C"), ("ppm", "ppmv", None),
])
def test_units_with_a_species(text, key, species):
    info = lookup_unit(text)
    assert (info.key, info.as_species) == (key, species)


@pytest.mark.parametrize(("text", "message"), [
    ("ppm as pentane", "unknown reporting species 'pentane'"),
    ("ppmC as propane", "'ppmC' is as C but the text says as propane"),
    ("m3/h as C", "a reporting species belongs to a concentration or mass-rate unit"),
])
def test_bad_species_units(text, message):
    with pytest.raises(InputError, match=message):
        lookup_unit(text)


@pytest.mark.parametrize(("header", "label", "unit", "unit_species", "species"), [
    ("非甲烷总烃(ppm,以丙烷计)", "value[NMHC]", "ppmv", "propane", None),
    ("NMHC (ppm as C3H8)", "value[NMHC]", "ppmv", "propane", None),
    ("VOC(ppmC)", "value[VOC]", "ppmC", "C", None),
    ("非甲烷总烃(以碳计)(mg/m3)", "value[NMHC]", "mg/m3", None, "C"),
    ("非甲烷总烃(mg/m3)(以碳计)", "value[NMHC]", "mg/m3", None, "C"),
    ("非甲烷总烃以碳计(mg/m3)", "value[NMHC]", "mg/m3", None, "C"),
    ("NMHC プロパン換算 (ppm)", "value[NMHC]", "ppmv", None, "propane"),
    ("非甲烷总烃(以碳计)", "value[NMHC]", None, None, "C"),
    ("測定値(ppm,プロパン換算)", "value", "ppmv", "propane", None),
    ("as_species", "as", None, None, None), ("以…计", "as", None, None, None), ("…換算", "as", None, None, None),
    # O2 correction keeps its meaning
    ("換算濃度", "value_o2ref", None, None, None), ("NOx折算浓度(mg/m3)", "value_o2ref[NOx]", "mg/m3", None, None),
])
def test_header_species(header, label, unit, unit_species, species):
    role = classify_column(0, header, FileSpec(path="t.csv"))
    assert role.label == label and role.species == species
    assert (role.unit.key if role.unit else None, role.unit.as_species if role.unit else None) == (unit, unit_species)


LONG_HEAD = ["source", "phase", "run", "pollutant", "value", "unit"]


def _species(parsed) -> list:
    return [None if pd.isna(v) else v for v in parsed.table["as_species"].tolist()]


def test_as_column_long(parse):
    """as_species / 以…计 columns, bare names and phrases; a blank cell falls back to the pollutant's default."""
    for header in ("as_species", "as", "以…计", "reporting species"):
        p = parse([LONG_HEAD + [header],
                   ["S1", "before", "1", "NMHC", "100", "ppm", "propane"],
                   ["S1", "before", "2", "NMHC", "100", "ppm", "以丙烷计"],
                   ["S1", "before", "3", "NMHC", "100", "ppm", "メタン換算"],
                   ["S1", "before", "4", "NMHC", "30", "mg/m3", ""],
                   ["S1", "before", "5", "NOx", "50", "ppm", "NO2"]])
        assert _species(p) == ["propane", "propane", "CH4", "C", "NO2"], header
        assert p.tally.rejected == 0


def test_defaults_as_applies_to_organic_sums_only(parse):
    p = parse([LONG_HEAD, ["S1", "before", "1", "NMHC", "100", "ppm"], ["S1", "before", "1", "SO2", "10", "ppm"]],
              defaults={"as": "propane"})
    assert _species(p) == ["propane", None]
    p = parse([LONG_HEAD, ["S1", "before", "1", "THC", "100", "ppm"]], defaults={"as_species": "C3H8"})
    assert _species(p) == ["propane"]


def test_columns_map_to_as(parse):
    p = parse([LONG_HEAD + ["基準物質"], ["S1", "before", "1", "NMHC", "100", "ppm", "丙烷"]], columns={"基準物質": "as"})
    assert _species(p) == ["propane"]


def test_wide_header_species_and_as_column(parse):
    """A wide file's 'as' column gives the species of its organic-carbon sums (not of SO2); where the
    header names another one, the value is rejected (which one is right?)."""
    p = parse([["phase", "run", "source", "非甲烷总烃(ppm,以丙烷计)", "总烃 (ppm)", "二氧化硫(ppm)", "as"],
               ["before", "1", "S1", "100", "120", "10", "CH4"]])
    t = p.table.set_index("pollutant")
    assert list(t.index) == ["THC", "SO2"]
    assert t.loc["THC", "as_species"] == "CH4" and t.loc["SO2", "as_species"] is pd.NA
    assert list(p.entries["cell"]) == ["D2"] and list(p.entries["reason"]) == ["reporting_species_conflict"]


def test_bare_ppm_of_an_organic_sum_is_rejected_naming_the_cell(parse):
    p = parse([LONG_HEAD, ["S1", "before", "1", "NMHC", "100", "ppm"], ["S1", "before", "2", "VOC", "5", "ppb"],
               ["S1", "before", "3", "NMHC", "30", "mg/m3"], ["S1", "before", "4", "VOC", "600", "ppmC"]])
    assert p.tally.values_rejected == 2 and len(p.table) == 2
    e = p.entries[p.entries["field"] == "value"]
    assert list(e["cell"]) == ["E2", "E3"] and list(e["reason"]) == [NO_SPECIES] * 2
    assert list(e["raw"]) == ["100", "5"]
    assert all(WAYS_TO_DECLARE in d for d in e["detail"])
    assert "never assumed as C" in e["detail"].iloc[0]
    assert _species(p) == ["C", "C"]  # mg/m3 NMHC is as C (HJ 38-2017); ppmC is as C


def test_species_conflict_and_not_applicable(parse):
    p = parse([LONG_HEAD + ["as"], ["S1", "before", "1", "NMHC", "100", "ppmC", "propane"],
               ["S1", "before", "2", "SO2", "10", "ppm", "propane"], ["S1", "before", "3", "NMHC", "100", "ppm as C3H8", "C3H8"]])
    e = p.entries.set_index("cell")
    assert e.loc["E2", "reason"] == "reporting_species_conflict"
    assert e.loc["E3", "reason"] == "reporting_species_not_applicable"
    assert _species(p) == ["propane"]


def test_unknown_species_label_is_an_error_naming_the_column(parse):
    with pytest.raises(InputError, match="unknown as label.*'O2換算'") as exc:
        parse([LONG_HEAD + ["as"], ["S1", "before", "1", "NMHC", "100", "ppm", "O2換算"]])
    assert exc.value.location.column == "G" and exc.value.location.row == 2
    with pytest.raises(InputError, match="unknown as label.*'戊烷'"):
        parse([LONG_HEAD + ["as"], ["S1", "before", "1", "NMHC", "100", "ppm", "戊烷"]])


def test_unknown_species_in_a_header_rejects_its_values(parse):
    p = parse([["phase", "run", "source", "非甲烷总烃(以戊烷计)(ppm)"], ["before", "1", "S1", "100"]])
    e = p.entries[p.entries["field"] != "row"]
    assert list(e["reason"]) == ["unknown_reporting_species"] and len(p.table) == 0
    assert "'戊烷'" in e["detail"].iloc[0]


def test_header_unit_and_unit_column_agree_when_one_names_the_species(parse):
    p = parse([["source", "phase", "run", "pollutant", "value(ppm as C3H8)", "unit"], ["S1", "before", "1", "NMHC", "100", "ppm"]])
    assert p.tally.rejected == 0 and _species(p) == ["propane"]


def test_species_csv_names_are_unique():
    path = resources.files("verify.sources").joinpath("data", "species_aliases.csv")
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(species_aliases()) == len(rows)
