"""The reporting species of an organic-carbon value reaches ``normalize`` (issue 15 items 1 and 2).

End to end: a case folder in tmp_path → read_inputs → normalize. Hand-worked values, at 0 °C
(Vm = R·T/P = 8.314462618 × 273.15 / 101.325 = 22.41397 L/mol) unless stated:

* 100 ppm NMHC as propane = 100 × 3 (n_C of C3H8) = 300 ppmC;
  300 ppmC × 12.011/22.41397 = 300 × 0.535871 = 160.761 mgC/m³.
* 100 ppm as n-hexane = 100 × 6 = 600 ppmC = 600 × 0.535871 = 321.523 mgC/m³.
* 100 ppm as CH4 = 100 ppmC (n_C = 1) = 53.5871 mgC/m³ (not 100 × 16.043/22.414 × 12/16 = 53.68: the
  HJ 38-2017 ratio 12/16 applies to mg/m³ given as CH4 only).
* 40 mg/m³ NMHC as CH4 × 12/16 = 30 mgC/m³ (HJ 38-2017).
* At 20 °C (US-EPA): Vm = 8.314462618 × 293.15/101.325 = 24.05512 L/mol; 12.011/24.05512 = 0.499312
  mgC/m³ per ppmC (published: 0.4993); 300 ppmC = 149.793 mgC/m³.
* Mass rate (as C): mgC/m³ × flow [m³/h] × 1e-6 (GB/T 16157-1996); 160.761 × 10 000 × 1e-6 = 1.60761 kg/h.
"""

from __future__ import annotations

import csv as csv_module
import json
import textwrap

import pytest
from typer.testing import CliRunner

from verify.case import load_case
from verify.cli import app
from verify.measure.normalize import normalize
from verify.pipeline import analyze
from verify.sources import read_inputs
from verify.sources.species import WAYS_TO_DECLARE

#: mgC/m³ per ppmC at 0 °C: 12.011 / 22.41397 (IUPAC 2021 C = 12.011; Vm from R = 8.314462618 exact)
MGC_PER_PPMC_0C = 12.011 / (8.314462618 * 273.15 / 101.325)

CASE = """
[case]
id = "basis"
title = "basis"
factory = "f"
timezone = "Asia/Shanghai"
conditions = "{conditions}"
concentration_basis = "standard-dry"

[[source]]
id = "S1"
kind = "stack"
{source_extra}

{files}
"""


def make_case(tmp_path, files: dict[str, str], specs: str, conditions: str = "CN", source_extra: str = ""):
    (tmp_path / "data").mkdir(exist_ok=True)
    for name, text in files.items():
        (tmp_path / "data" / name).write_text(text, encoding="utf-8")
    (tmp_path / "case.toml").write_text(
        CASE.format(conditions=conditions, source_extra=textwrap.dedent(source_extra), files=textwrap.dedent(specs)),
        encoding="utf-8")
    return load_case(tmp_path)


def intake_and_normalize(case):
    intake = read_inputs(case)
    return intake, normalize(intake.table, case)


def test_as_species_column_propane_reaches_normalize(tmp_path):
    """The reproduction of issue 15 item 1: a long CSV with an ``as_species`` column = propane for NMHC
    in ppm gave 100 ppmC for 100 ppm as propane (a silent 3× understatement)."""
    csv = ("source,phase,run,pollutant,value,unit,as_species,flow,flow_unit\n"
           "S1,before,1,NMHC,100,ppm,propane,10000,Nm3/h\n")
    case = make_case(tmp_path, {"long.csv": csv}, '[[file]]\npath = "data/long.csv"\n')
    intake, n = intake_and_normalize(case)
    assert not intake.ledger.has_rejections
    r = n.iloc[0]
    assert r["as_species"] == "propane"
    # 100 ppm as propane × 3 = 300 ppmC; × 12.011/22.41397 = 160.761 mgC/m³
    assert 300 * MGC_PER_PPMC_0C == pytest.approx(160.761, abs=1e-3)
    assert r["conc"] == pytest.approx(160.761, abs=1e-3)
    assert r["conc_unit"] == "mg/m3" and r["conc_as"] == "C"
    # mass rate as C: 160.761 mg/m³ × 10,000 m³/h × 1e-6 = 1.60761 kg/h
    assert r["mass_rate_kg_h"] == pytest.approx(1.60761, abs=1e-5)


LONG_HEAD = "source,phase,run,pollutant,value,unit,flow,flow_unit\n"


def _one_value(tmp_path, csv: str, spec_extra: str = "", conditions: str = "CN"):
    case = make_case(tmp_path, {"f.csv": csv}, f'[[file]]\npath = "data/f.csv"\n{spec_extra}', conditions=conditions)
    intake, n = intake_and_normalize(case)
    assert not intake.ledger.has_rejections, intake.ledger.to_frame()
    assert len(n) == 1 and n["conc_unit"].iloc[0] == "mg/m3" and n["conc_as"].iloc[0] == "C"
    return n.iloc[0]


@pytest.mark.parametrize(("csv", "spec_extra"), [
    # the header: a wide file
    ('phase,run,source,"非甲烷总烃(ppm,以丙烷计)",标干流量(Nm3/h)\nbefore,1,S1,100,10000\n', ""),
    ("phase,run,source,非甲烷总烃（ppm，以丙烷计）,标干流量(Nm3/h)\nbefore,1,S1,100,10000\n", ""),
    ("phase,run,source,NMHC プロパン換算 (ppm),flow(Nm3/h)\nbefore,1,S1,100,10000\n", ""),
    # the unit
    (LONG_HEAD + "S1,before,1,NMHC,100,ppm as C3H8,10000,Nm3/h\n", ""),
    (LONG_HEAD + "S1,before,1,非甲烷总烃,100,ppm(以丙烷计),10000,Nm3/h\n", ""),
    # the column, as a phrase
    ("source,phase,run,pollutant,value,unit,以…计,flow,flow_unit\nS1,before,1,NMHC,100,ppm,以丙烷计,10000,Nm3/h\n", ""),
    ("source,phase,run,pollutant,value,unit,as,flow,flow_unit\nS1,before,1,NMHC,100,ppm,プロパン換算,10000,Nm3/h\n", ""),
    # [[file]] defaults
    (LONG_HEAD + "S1,before,1,NMHC,100,ppm,10000,Nm3/h\n", 'defaults = { as = "propane" }\n'),
])
def test_propane_basis_from_every_place(tmp_path, csv, spec_extra):
    """100 ppm as propane = 300 ppmC = 160.761 mgC/m³ and 1.60761 kg/h as C, wherever the basis is written."""
    r = _one_value(tmp_path, csv, spec_extra)
    assert r["as_species"] == "propane"
    assert r["conc"] == pytest.approx(160.761, abs=1e-3)
    assert r["mass_rate_kg_h"] == pytest.approx(1.60761, abs=1e-5)
    assert "ppmv as propane→ppmC ×3" in r["derivation"] and "ppmC→mgC/m3 ×12.011/Vm" in r["derivation"]


@pytest.mark.parametrize(("unit", "expected"), [
    ("ppmC", 100 * MGC_PER_PPMC_0C),            # 100 ppmC = 53.5871 mgC/m³
    ("ppm as C", 100 * MGC_PER_PPMC_0C),        # ppmv as C = ppmC
    ("ppm as CH4", 100 * MGC_PER_PPMC_0C),      # ppm as CH4 = ppmC × 1
    ("ppm as n-hexane", 600 * MGC_PER_PPMC_0C),  # × 6 = 321.523
    ("ppm as propane", 300 * MGC_PER_PPMC_0C),   # × 3 = 160.761
    ("mg/m3 as CH4", 100 * 12 / 16),             # HJ 38-2017: × 12/16 = 75
    ("mgC/m3", 100.0),
])
def test_carbon_arithmetic(tmp_path, unit, expected):
    assert MGC_PER_PPMC_0C == pytest.approx(0.535871, abs=1e-6)
    r = _one_value(tmp_path, LONG_HEAD + f"S1,before,1,NMHC,100,{unit},10000,Nm3/h\n")
    assert r["conc"] == pytest.approx(expected, rel=1e-9)
    assert r["mass_rate_kg_h"] == pytest.approx(expected * 10000 * 1e-6, rel=1e-9)


def test_ch4_in_mg_uses_hj38_in_a_header(tmp_path):
    # 40 mg/m³ as CH4 × 12/16 = 30 mgC/m³
    r = _one_value(tmp_path, 'phase,run,source,"非甲烷总烃(mg/m3,以甲烷计)"\nbefore,1,S1,40\n')
    assert r["conc"] == pytest.approx(30.0) and "HJ 38-2017: 12/16" in r["derivation"]


def test_ppmc_at_20_degrees(tmp_path):
    # VOC(ppmC) 300 at US-EPA conditions: 300 × 12.011/24.05512 = 149.793 mgC/m³ (0.4993 per ppmC)
    r = _one_value(tmp_path, "phase,run,source,VOC(ppmC),flow(dscm/h)\nbefore,1,S1,300,10000\n", conditions="US-EPA")
    assert 12.011 / (8.314462618 * 293.15 / 101.325) == pytest.approx(0.499312, abs=1e-6)
    assert r["conc"] == pytest.approx(149.793, abs=1e-3)
    assert r["mass_rate_kg_h"] == pytest.approx(1.49793, abs=1e-5)


BARE = "source,phase,run,pollutant,value,unit\nS1,before,1,NMHC,100,ppm\nS1,after,1,NMHC,50,ppm\n"


def test_bare_ppm_nmhc_is_rejected_with_a_ledger_entry(tmp_path):
    case = make_case(tmp_path, {"bare.csv": BARE}, '[[file]]\npath = "data/bare.csv"\n')
    intake = read_inputs(case)
    assert len(intake.table) == 0 and intake.ledger.has_rejections
    e = intake.ledger.to_frame()
    e = e[e["field"] == "value"]
    assert list(e[["file", "row", "column", "cell", "raw", "outcome", "reason"]].itertuples(index=False, name=None)) == [
        ("data/bare.csv", 2, "E", "E2", "100", "rejected", "no_reporting_species"),
        ("data/bare.csv", 3, "E", "E3", "50", "rejected", "no_reporting_species")]
    assert WAYS_TO_DECLARE in e["detail"].iloc[0]


def test_bare_ppm_nmhc_stops_the_cli_with_the_ways_to_declare(tmp_path):
    make_case(tmp_path, {"bare.csv": BARE}, '[[file]]\npath = "data/bare.csv"\n')
    ledger = tmp_path / "ledger.csv"
    out = CliRunner().invoke(app, ["check", str(tmp_path), "--ledger", str(ledger)])
    assert out.exit_code == 2 and "values or rows were rejected" in out.output
    rows = [r for r in csv_module.DictReader(ledger.open(encoding="utf-8-sig")) if r["field"] == "value"]
    assert [(r["cell"], r["reason"]) for r in rows] == [("E2", "no_reporting_species"), ("E3", "no_reporting_species")]
    assert "ppm as C3H8" in rows[0]["detail"] and "以丙烷计" in rows[0]["detail"]


JP_VOC = ("source,phase,run,pollutant,value,unit,flow,flow_unit\n"
          "S1,before,1,VOC,700,ppmC,10000,Nm3/h\nS1,before,2,VOC,650,ppmC,10000,Nm3/h\n"
          "S1,after,1,VOC,300,ppmC,10000,Nm3/h\nS1,after,2,VOC,250,ppmC,10000,Nm3/h\n")


def test_report_ppmc_judges_the_japanese_limit_in_ppmc(tmp_path):
    """report_ppmc = true: the concentration endpoint is carbon mass (700 ppmC × 0.535871 = 375.110 mgC/m³),
    the mass rate as C (375.110 × 10 000 × 1e-6 = 3.75110 kg/h), and concentration_ppmc in ppmC is judged
    against 大気汚染防止法施行規則 別表第五の二 (chemical-product dryers: 600 ppmC, each run)."""
    make_case(tmp_path, {"voc.csv": JP_VOC}, '[[file]]\npath = "data/voc.csv"\n', conditions="JP",
              source_extra='report_ppmc = true\nlimits = ["JP-APCA-VOC-chemdryer:VOC:conc"]\n')
    results = json.loads(json.dumps(analyze(tmp_path)))
    eps = {e["metric"]: e for e in results["endpoints"]}
    assert sorted(eps) == ["concentration", "concentration_ppmc", "mass_rate"]
    assert (eps["concentration"]["unit"], eps["concentration"]["as"]) == ("mg/m3", "C")
    assert eps["concentration"]["before"]["values"][0] == pytest.approx(700 * MGC_PER_PPMC_0C, rel=1e-12)
    assert eps["mass_rate"]["before"]["values"][0] == pytest.approx(3.75110, abs=1e-5)
    assert eps["concentration"]["limits"] == [] and eps["mass_rate"]["limits"] == []
    ppmc = eps["concentration_ppmc"]
    assert (ppmc["unit"], ppmc["as"]) == ("ppmC", "C")
    assert ppmc["before"]["values"] == [700.0, 650.0] and ppmc["after"]["values"] == [300.0, 250.0]
    assert [lim["id"] for lim in ppmc["limits"]] == ["JP-APCA-VOC-chemdryer:VOC:conc"]
