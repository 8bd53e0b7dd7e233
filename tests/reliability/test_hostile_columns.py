"""Issue 17 item 2: every non-empty cell of a data row is read, rejected or noted; a pollutant the
package does not know can be declared in case.toml (``[[pollutant]]``)."""

from __future__ import annotations

import csv
import json

from relhelp import assert_clean_error, check, cli, make_case

FILE = "data/w.csv"
WIDE_HEADER = "排气筒,阶段,频次,非甲烷总烃(mg/m³),乙酸乙酯(mg/m³),备注"
#: three before and three after runs; ethyl acetate (乙酸乙酯) is not in the package's pollutant table
WIDE_ROWS = [
    "S1,治理前,1,30.1,5.2,",
    "S1,治理前,2,32.4,5.9,阴天",
    "S1,治理前,3,29.8,4.8,",
    "S1,治理后,1,12.0,1.1,",
    "S1,治理后,2,11.5,ND,风机检修后",
    "S1,治理后,3,12.6,0.9,",
]
SPEC = f'[[file]]\npath = "{FILE}"\nlayout = "wide"\n'
ETHYL_ACETATE = """
[[pollutant]]
key = "ethyl_acetate"
ja = "酢酸エチル"
zh = "乙酸乙酯"
en = "ethyl acetate"
molar_mass_g_mol = 88.106
n_carbon = 4
source = "C4H8O2 with IUPAC 2021 atomic weights: 4 x 12.011 + 8 x 1.008 + 2 x 15.999"
"""


def _wide(rows=WIDE_ROWS, header=WIDE_HEADER) -> str:
    return "\n".join((header, *rows)) + "\n"


def test_item2_an_unknown_pollutant_column_with_a_unit_is_rejected_cell_by_cell(case_dir):
    make_case(case_dir, {"w.csv": _wide()}, SPEC)
    result, ledger = check(case_dir)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "--allow-rejected" in result.stderr
    rejected = [e for e in ledger if e["reason"] == "unknown_column"]
    assert [(e["cell"], e["raw"], e["outcome"]) for e in rejected] == [
        ("E2", "5.2", "rejected"), ("E3", "5.9", "rejected"), ("E4", "4.8", "rejected"),
        ("E5", "1.1", "rejected"), ("E6", "ND", "rejected"), ("E7", "0.9", "rejected")]
    assert "乙酸乙酯(mg/m3)" in rejected[0]["detail"]  # the header as cleaned (NFKC: ³ → 3)
    assert "[[pollutant]]" in rejected[0]["detail"]
    # the text column is noted cell by cell, never silently dropped
    notes = [(e["cell"], e["raw"], e["outcome"]) for e in ledger if e["reason"] == "column_not_read"]
    assert notes == [("F3", "阴天", "note"), ("F6", "风机检修后", "note")]


def test_item2_the_rejected_values_are_counted_and_allow_rejected_goes_on(case_dir, tmp_path):
    make_case(case_dir, {"w.csv": _wide()}, SPEC)
    out = tmp_path / "r.json"
    assert cli("analyze", case_dir, "-o", out).exit_code == 2
    result = cli("analyze", case_dir, "-o", out, "--allow-rejected")
    assert result.exit_code == 0, result.output
    (inp,) = json.loads(out.read_text(encoding="utf-8"))["inputs"]
    # 6 NMHC values accepted, 6 ethyl acetate values rejected: every row is flagged (it lost a value)
    assert (inp["values"], inp["values_rejected"], inp["rows"], inp["flagged"]) == (12, 6, 6, 6)


def test_item2_a_numeric_column_without_a_unit_or_with_an_unknown_one_is_noted_not_rejected(case_dir):
    header = "排气筒,阶段,频次,非甲烷总烃(mg/m³),风速(m/s),采样编号"
    rows = [r.rsplit(",", 2)[0] + f",{i}.5,{100 + i}" for i, r in enumerate(WIDE_ROWS)]
    make_case(case_dir, {"w.csv": _wide(rows, header)}, SPEC)
    result, ledger = check(case_dir)
    assert result.exit_code == 0, result.output
    notes = [e for e in ledger if e["reason"] == "column_not_read"]
    assert len(notes) == 12 and {e["column"] for e in notes} == {"E", "F"}


def test_item2_a_declared_pollutant_is_read_and_its_ppm_converted_with_its_molar_mass(case_dir, tmp_path):
    rows = [r.replace(",ND,", ",0.3,") for r in WIDE_ROWS]
    header = WIDE_HEADER.replace("乙酸乙酯(mg/m³)", "乙酸乙酯(ppm)")
    make_case(case_dir, {"w.csv": _wide(rows, header)}, SPEC, case_extra="", source_extra="")
    (case_dir / "case.toml").write_text((case_dir / "case.toml").read_text(encoding="utf-8") + ETHYL_ACETATE, encoding="utf-8")
    result, _ = check(case_dir)
    assert result.exit_code == 0, result.output
    out = tmp_path / "n.csv"
    assert cli("normalize", case_dir, "-o", out).exit_code == 0
    with open(out, encoding="utf-8-sig", newline="") as fh:
        ea = [r for r in csv.DictReader(fh) if r["pollutant"] == "ethyl_acetate"]
    assert len(ea) == 6
    first = next(r for r in ea if r["phase"] == "before" and r["run"] == "1")
    # 5.2 ppm x M / Vm at 0 degC, 101.325 kPa: M = 88.106 g/mol (case.toml), Vm = R T / P =
    # 8.314462618 x 273.15 / 101.325 = 22.413969545 L/mol -> 5.2 x 88.106 / 22.413969545 = 458.1512 / 22.413969545 = 20.44043 mg/m3
    assert abs(float(first["conc"]) - 5.2 * 88.106 / (8.314462618 * 273.15 / 101.325)) < 1e-9
    assert abs(float(first["conc"]) - 20.44043) < 1e-4


def test_item2_a_declared_pollutant_names_the_claim_statement(case_dir, tmp_path):
    make_case(case_dir, {"w.csv": _wide([r.replace(",ND,", ",0.3,") for r in WIDE_ROWS])}, SPEC)
    claim = '\n[[claim]]\nid = "C1"\nsource = "S1"\npollutant = "ethyl_acetate"\nmetric = "concentration"\nkind = "reduction"\nvalue = 50\n'
    (case_dir / "case.toml").write_text((case_dir / "case.toml").read_text(encoding="utf-8") + ETHYL_ACETATE + claim, encoding="utf-8")
    out = tmp_path / "r.json"
    assert cli("analyze", case_dir, "-o", out).exit_code == 0
    results = json.loads(out.read_text(encoding="utf-8"))
    (claim_result,) = results["claims"]
    assert "乙酸乙酯" in claim_result["statement"]["zh"] and "酢酸エチル" in claim_result["statement"]["ja"]
    assert results["case"]["pollutants"][0]["molar_mass_g_mol"] == 88.106


def test_item2_a_declaration_cannot_rename_a_known_pollutant(case_dir):
    make_case(case_dir, {"w.csv": _wide()}, SPEC)
    clash = ETHYL_ACETATE.replace('zh = "乙酸乙酯"', 'zh = "非甲烷总烃"')
    (case_dir / "case.toml").write_text((case_dir / "case.toml").read_text(encoding="utf-8") + clash, encoding="utf-8")
    result, _ = check(case_dir)
    assert_clean_error(result, "case.toml", "'ethyl_acetate'", "'非甲烷总烃' already names 'NMHC'")


def test_item2_a_molar_mass_needs_its_source(case_dir):
    make_case(case_dir, {"w.csv": _wide()}, SPEC)
    unsourced = "\n".join(line for line in ETHYL_ACETATE.splitlines() if not line.startswith("source"))
    (case_dir / "case.toml").write_text((case_dir / "case.toml").read_text(encoding="utf-8") + unsourced, encoding="utf-8")
    result, _ = check(case_dir)
    assert_clean_error(result, "case.toml", "[[pollutant]] #1", "need source")
