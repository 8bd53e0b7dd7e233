"""docs/reliability.md#bad-inputs, the bad inputs of CSV files and case.toml, end to end through the CLI.

Each test builds a small case folder in tmp_path and runs ``verify check --ledger FILE`` (or
``normalize``/``analyze``) as a user would. Expected behaviour is the §4 table: *Error* = exit 2
and a one- or two-line message naming file, sheet, row and column; *Flag* = value kept, marked and
counted; *Reject* = not used, listed with its reason, and ``verify check`` exits 2.
The row number of §4 is in each test's name (``test_r07_…``).
"""

from __future__ import annotations

import csv
import json

import pytest

from relhelp import CLEAN_ROWS, LONG_HEADER, assert_clean_error, check, cli, entry, long_csv, make_case, row_entries

C = list(CLEAN_ROWS)
FILE = "data/m.csv"


def _ok(result) -> None:
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def _rejected(result) -> None:
    """`verify check` refuses (exit 2) when anything was rejected, and says so in one line."""
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "rejected" in result.stderr and "--allow-rejected" in result.stderr


def _normalized(case, tmp_path, *extra) -> list[dict[str, str]]:
    out = tmp_path / "n.csv"
    result = cli("normalize", case, "-o", out, *extra)
    _ok(result)
    with open(out, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


# ----------------------------------------------------------------------------------- 1, 2, 3


def test_r01_empty_file_is_an_error_naming_the_file(case_dir):
    make_case(case_dir, {"m.csv": b""})
    result, ledger = check(case_dir)
    assert_clean_error(result, FILE, "empty file")
    assert ledger is None  # an error writes no ledger


def test_r02_header_only_is_an_error(case_dir):
    make_case(case_dir, {"m.csv": LONG_HEADER + "\n"})
    result, _ = check(case_dir)
    assert_clean_error(result, FILE, "row 1", "no data rows")


def test_r03_no_unit_column_or_blank_unit_cell_is_rejected(case_dir, tmp_path):
    make_case(case_dir, {"m.csv": long_csv(*C[:5], "S1,after,3,NMHC,12.6,")})
    result, ledger = check(case_dir)
    _rejected(result)
    e = entry(ledger, "E7")
    assert (e["file"], e["row"], e["column"], e["raw"], e["outcome"], e["reason"]) == (FILE, "7", "E", "12.6", "rejected", "no_unit")
    assert "no default unit" in e["detail"]
    # a file without any unit column: every value rejected, none silently given a unit
    other = tmp_path / "other"
    make_case(other, {"m.csv": long_csv(*[r.rsplit(",", 1)[0] for r in C], header="source,phase,run,pollutant,value")})
    result, ledger = check(other)
    _rejected(result)
    assert sorted(e["cell"] for e in ledger if e["reason"] == "no_unit") == [f"E{i}" for i in range(2, 8)]


# ----------------------------------------------------------------------------------- 4, 5, 7, 38


def test_r04_unknown_units_are_rejected_with_suggestions(case_dir):
    make_case(case_dir, {"m.csv": long_csv(*C[:4], "S1,after,2,NMHC,11.5,ppmm", "S1,after,3,NMHC,12.6,mg/Nm3x")})
    result, ledger = check(case_dir)
    _rejected(result)
    e6, e7 = entry(ledger, "E6"), entry(ledger, "E7")
    assert e6["reason"] == e7["reason"] == "unknown_unit"
    assert "'ppmm'" in e6["detail"] and "did you mean" in e6["detail"] and "'ppm'" in e6["detail"]
    assert "'mg/Nm3x'" in e7["detail"] and "'mg/Nm3'" in e7["detail"]
    assert [r["reason"] for r in row_entries(ledger, 6)] == ["no_usable_value"]


def test_r05_unit_aliases_are_accepted_with_the_reference_state(case_dir, tmp_path):
    rows = C[:3] + ["S1,after,1,NMHC,12.0,毫克/立方米", "S1,after,2,NMHC,11.5,mg/Nm³", "S1,after,3,NMHC,12.6,㎎/㎥", "S1,after,4,NMHC,12.2,ｍｇ／ｍ３"]
    make_case(case_dir, {"m.csv": long_csv(*rows)})
    result, ledger = check(case_dir)
    _ok(result)
    assert [e for e in ledger if e["outcome"] != "note"] == []
    after = [r for r in _normalized(case_dir, tmp_path) if r["phase"] == "after"]
    # all four are mg per cubic metre at the standard dry state (0 °C, 101.325 kPa, dry: case CN):
    # the reporting value equals the value as written
    assert [float(r["conc"]) for r in after] == [12.0, 11.5, 12.6, 12.2]
    assert {r["conc_unit"] for r in after} == {"mg/m3"}
    assert all(r["basis"] for r in after), "every value carries its reference state"


def test_r07_ppm_of_particulate_matter_is_rejected(case_dir):
    # §4 #7: ppm → mass needs a molar mass; PM has none, so the value is rejected (never converted)
    make_case(case_dir, {"m.csv": long_csv(*C[:5], "S1,after,3,NMHC,12.6,mg/m3", "S1,after,4,PM,5,ppm")})
    result, ledger = check(case_dir)
    _rejected(result)
    assert entry(ledger, "E8")["reason"] == "mixing_ratio_of_particles"


def test_r07_ppm_of_a_gas_sum_without_a_species_is_rejected(case_dir, tmp_path):
    # a sum of gases (TVOC, NMHC) has no single molar mass: its ppm means nothing without the species
    # it is expressed as, so a bare ppm is rejected, never turned into mg/m3 and never assumed "as C"
    # (issue 15 item 1); with the species it converts: TVOC 5 ppm as toluene (C7H8, M = 7 × 12.011 +
    # 8 × 1.008 = 92.141 g/mol) = 5 × 92.141/22.41397 = 20.554 mg/m3 as toluene at 0 °C
    make_case(case_dir, {"m.csv": long_csv(*C[:5], "S1,after,3,NMHC,12.6,mg/m3", "S1,after,4,TVOC,5,ppm", "S1,after,4,NMHC,5,ppm")})
    result, ledger = check(case_dir)
    _rejected(result)
    assert entry(ledger, "E8", "value")["reason"] == entry(ledger, "E9", "value")["reason"] == "no_reporting_species"
    make_case(case_dir, {"m.csv": long_csv(*C[:5], "S1,after,3,NMHC,12.6,mg/m3", "S1,after,4,TVOC,5,ppm as C7H8")})
    tvoc = [r for r in _normalized(case_dir, tmp_path) if r["pollutant"] == "TVOC"]
    assert len(tvoc) == 1 and float(tvoc[0]["conc"]) == pytest.approx(20.554, abs=1e-3) and tvoc[0]["conc_as"] == "toluene"


def test_r38_pint_dos_unit_is_rejected(case_dir):
    make_case(case_dir, {"m.csv": long_csv(*C[:5], "S1,after,3,NMHC,12,m**9**9**9")})
    result, ledger = check(case_dir)  # a hang here would stop the suite (pint#1306); no timing assertion
    _rejected(result)
    assert entry(ledger, "E7")["reason"] == "unknown_unit"


# ----------------------------------------------------------------------------------- 6, 22 (basis, timezone)


def test_r06_r22_bare_mg_m3_reads_through_the_case_basis_and_naive_times_through_its_zone(case_dir, tmp_path):
    rows = [r + f",2026-03-0{i} 10:00" for i, r in enumerate(C, start=1)]
    make_case(case_dir, {"m.csv": long_csv(*rows, header=LONG_HEADER + ",start")})
    norm = _normalized(case_dir, tmp_path)
    assert {r["basis"] for r in norm} == {"standard-dry"}  # case.toml concentration_basis
    # 10:00 in Asia/Shanghai (UTC+8, no DST) is 02:00 UTC
    assert norm[0]["start"].startswith("2026-03-01") and ("02:00" in norm[0]["start"] or "10:00+08:00" in norm[0]["start"])
    out = tmp_path / "r.json"
    _ok(cli("analyze", case_dir, "-o", out))
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["case"]["concentration_basis"] == "standard-dry"
    assert results["case"]["timezone"] == "Asia/Shanghai"


# ----------------------------------------------------------------------------------- 8, 9, 10


def test_r08_non_detects_are_flagged_and_keep_their_limit(case_dir, tmp_path):
    rows = C[:2] + ["S1,before,3,NMHC,<0.5,mg/m3", "S1,after,1,NMHC,ND,mg/m3", "S1,after,2,NMHC,<LOD,mg/m3", "S1,after,3,NMHC,未检出,mg/m3"]
    make_case(case_dir, {"m.csv": long_csv(*rows)})
    result, ledger = check(case_dir)
    _ok(result)
    assert entry(ledger, "E4")["reason"] == "nondetect" and entry(ledger, "E4")["raw"] == "<0.5"
    assert [entry(ledger, c)["reason"] for c in ("E5", "E6", "E7")] == ["nondetect_no_limit"] * 3
    assert all(entry(ledger, c)["outcome"] == "flagged" for c in ("E4", "E5", "E6", "E7"))
    norm = {(r["phase"], r["run"]): r for r in _normalized(case_dir, tmp_path)}
    assert float(norm["before", "3"]["value"]) == 0.5 and norm["before", "3"]["censored"] in ("True", "true", "1")
    for run in ("1", "2", "3"):  # no limit: never 0, kept as a censored missing value
        assert norm["after", run]["value"] == "" and norm["after", run]["censored"] in ("True", "true", "1")


def test_r09_missing_markers_are_flagged_never_zero_and_a_blank_long_cell_rejects_the_row(case_dir):
    rows = C[:2] + ["S1,before,3,NMHC,—,mg/m3", "S1,after,1,NMHC,-,mg/m3", "S1,after,2,NMHC,/,mg/m3",
                    "S1,after,3,NMHC,NA,mg/m3", "S1,after,4,NMHC,N/A,mg/m3", "S1,after,5,NMHC,,mg/m3"]
    make_case(case_dir, {"m.csv": long_csv(*rows)})
    result, ledger = check(case_dir)
    _rejected(result)
    for cell, raw in zip(("E4", "E5", "E6", "E7", "E8"), ("—", "'-", "/", "NA", "N/A")):  # "-" is exported inert
        e = entry(ledger, cell)
        assert (e["outcome"], e["reason"], e["raw"]) == ("flagged", "missing_marker", raw)
    assert [r["reason"] for r in row_entries(ledger, 9)] == ["blank_value"]
    assert [r["outcome"] for r in row_entries(ledger, 9)] == ["rejected"]


def test_r09_blank_in_a_wide_file_is_not_measured_and_not_listed(case_dir):
    wide = "阶段,频次,非甲烷总烃(mg/m3),颗粒物(mg/m3)\n治理前,1,35.2,12.1\n治理前,2,30.1,\n治理前,3,31.0,NA\n治理后,1,12.0,3.0\n治理后,2,11.0,2.5\n治理后,3,13.0,2.0\n"
    make_case(case_dir, {"w.csv": wide}, '[[file]]\npath = "data/w.csv"\nlayout = "wide"\ndefaults = { source = "S1" }\n')
    result, ledger = check(case_dir)
    _ok(result)
    assert [e["cell"] for e in ledger if e["outcome"] != "note"] == ["D4"]  # NA listed, the blank D3 not
    assert entry(ledger, "D4")["reason"] == "missing_marker"


def test_r10_full_width_digits_are_accepted_and_the_normalisation_logged(case_dir, tmp_path):
    make_case(case_dir, {"m.csv": long_csv(*C[:5], "S1,after,3,NMHC,１２．５,mg/m3")})
    result, ledger = check(case_dir)
    _ok(result)
    e = entry(ledger, "E7")
    assert (e["outcome"], e["reason"], e["raw"]) == ("note", "nfkc", "１２．５")
    assert float([r for r in _normalized(case_dir, tmp_path) if r["run"] == "3" and r["phase"] == "after"][0]["value"]) == 12.5


# ----------------------------------------------------------------------------------- 11, 12, 13


def test_r11_decimal_comma_rejected_unless_declared(case_dir, tmp_path):
    data = long_csv(*C[:5], 'S1,after,3,NMHC,"12,5",mg/m3')
    make_case(case_dir, {"m.csv": data})
    result, ledger = check(case_dir)
    _rejected(result)
    assert entry(ledger, "E7")["reason"] == "decimal_comma_undeclared"
    declared = tmp_path / "declared"
    comma = "\n".join(",".join(f'"{c.replace(".", ",")}"' if i == 4 else c for i, c in enumerate(line.split(",")))
                      for line in data.replace('"12,5"', "12.5").splitlines())
    make_case(declared, {"m.csv": comma + "\n"}, '[[file]]\npath = "data/m.csv"\nlayout = "long"\ndecimal = ","\n')
    result, ledger = check(declared)
    _ok(result)
    values = {(r["phase"], r["run"]): float(r["value"]) for r in _normalized(declared, tmp_path)}
    assert values["after", "3"] == 12.5 and values["before", "1"] == 30.1


def test_r12_thousands_separators_rejected_as_ambiguous_unless_declared(case_dir, tmp_path):
    data = long_csv(*C[:4], 'S1,after,2,NMHC,"1,234",mg/m3', "S1,after,3,NMHC,12 500,mg/m3")
    make_case(case_dir, {"m.csv": data})
    result, ledger = check(case_dir)
    _rejected(result)
    assert entry(ledger, "E6")["reason"] == entry(ledger, "E7")["reason"] == "ambiguous_thousands"
    declared = tmp_path / "declared"
    make_case(declared, {"m.csv": data.replace('"1,234"', "1 234")}, '[[file]]\npath = "data/m.csv"\nlayout = "long"\nthousands = " "\n')
    _ok(check(declared)[0])
    values = {(r["phase"], r["run"]): float(r["value"]) for r in _normalized(declared, tmp_path)}
    assert values["after", "2"] == 1234 and values["after", "3"] == 12500


def test_r13_non_finite_numbers_are_rejected(case_dir):
    rows = C[:2] + ["S1,before,3,NMHC,1e400,mg/m3", "S1,after,1,NMHC,inf,mg/m3", "S1,after,2,NMHC,nan,mg/m3", "S1,after,3,NMHC,Infinity,mg/m3"]
    make_case(case_dir, {"m.csv": long_csv(*rows)})
    result, ledger = check(case_dir)
    _rejected(result)
    for cell, raw in zip(("E4", "E5", "E6", "E7"), ("1e400", "inf", "nan", "Infinity")):
        e = entry(ledger, cell)
        assert (e["outcome"], e["reason"], e["raw"], e["row"], e["column"]) == ("rejected", "non_finite", raw, cell[1:], "E")


# ----------------------------------------------------------------------------------- 14 – 18


def test_r14_negative_values_flagged_with_lod_rejected_without(case_dir, tmp_path):
    rows = [r + ",0.05" for r in C[:4]] + ["S1,after,2,NMHC,-0.03,mg/m3,0.05", "S1,after,3,NMHC,-0.03,mg/m3,"]
    make_case(case_dir, {"m.csv": long_csv(*rows, header=LONG_HEADER + ",lod")})
    result, ledger = check(case_dir)
    _rejected(result)
    assert (entry(ledger, "E6")["outcome"], entry(ledger, "E6")["reason"]) == ("flagged", "negative_below_lod")
    assert (entry(ledger, "E7")["outcome"], entry(ledger, "E7")["reason"]) == ("rejected", "negative_no_lod")
    norm = {(r["phase"], r["run"]): r for r in _normalized(case_dir, tmp_path, "--allow-rejected")}
    assert float(norm["after", "2"]["value"]) == -0.03  # kept unclipped
    assert ("after", "3") not in norm


def test_r15_value_above_instrument_range_is_flagged_T(case_dir, tmp_path):
    rows = [r + ",100" for r in C[:5]] + ["S1,after,3,NMHC,120,mg/m3,100"]
    make_case(case_dir, {"m.csv": long_csv(*rows, header=LONG_HEADER + ",range")})
    result, ledger = check(case_dir)
    _ok(result)
    e = entry(ledger, "E7")
    assert (e["outcome"], e["reason"]) == ("flagged", "over_range") and "T" in e["detail"]
    norm = [r for r in _normalized(case_dir, tmp_path) if r["run"] == "3" and r["phase"] == "after"][0]
    assert norm["flag"] == "T" and float(norm["value"]) == 120.0


@pytest.mark.parametrize(
    ("col", "header", "bad", "reason"),
    [
        ("o2_pct", ",o2_pct", "21", "o2_impossible"),
        ("h2o_pct", ",h2o_pct", "100", "moisture_impossible"),
        ("flow", ",flow,flow_unit", "0,m3/h", "flow_not_positive"),
        ("flow", ",flow,flow_unit", "-5,m3/h", "flow_not_positive"),
    ],
    ids=["r16-o2-21", "r17-moisture-100", "r18-flow-0", "r18-flow-negative"],
)
def test_r16_r17_r18_impossible_run_quantities_are_rejected(case_dir, col, header, bad, reason):
    good = {"o2_pct": "18", "h2o_pct": "8", "flow": "25000,m3/h"}[col]
    rows = [r + "," + good for r in C[:5]] + [f"S1,after,3,NMHC,12,mg/m3,{bad}"]
    make_case(case_dir, {"m.csv": long_csv(*rows, header=LONG_HEADER + header)}, source_extra="reference_o2_pct = 9")
    result, ledger = check(case_dir)
    _rejected(result)
    e = entry(ledger, "G7")
    assert (e["file"], e["row"], e["column"], e["field"], e["outcome"], e["reason"]) == (FILE, "7", "G", col, "rejected", reason)
    # only what depends on it is lost: the measured concentration of that row is kept
    assert row_entries(ledger, 7) == [] or row_entries(ledger, 7)[0]["outcome"] != "rejected"


# ----------------------------------------------------------------------------------- 19, 20


def test_r19_duplicate_measurement_is_an_error_naming_both_cells(case_dir):
    make_case(case_dir, {"m.csv": long_csv(*C, "S1,after,3,NMHC,13.6,mg/m3")})
    result, ledger = check(case_dir)
    assert_clean_error(result, FILE, "row 8", "column E", "duplicate measurement", "E7", "E8", "never last-wins")
    assert ledger is None


def test_r20_unknown_phase_labels_are_an_error_listing_them(case_dir):
    rows = C[:4] + ["S1,befor,3,NMHC,13.6,mg/m3", "S1,前,4,NMHC,13.6,mg/m3", "S1,後,4,NMHC,13.6,mg/m3", "S1,xx,4,NMHC,13.6,mg/m3"]
    make_case(case_dir, {"m.csv": long_csv(*rows)})
    result, _ = check(case_dir)
    assert_clean_error(result, FILE, "row 6", "column B", "unknown phase", "'befor'", "'xx'")
    assert "'前'" not in result.stderr and "'後'" not in result.stderr  # 前/後 are known labels


# ----------------------------------------------------------------------------------- 23, 28, 34


def test_r23_ambiguous_date_rejected_unless_the_format_is_declared(case_dir, tmp_path):
    rows = [r + f",2026-03-0{i} 10:00" for i, r in enumerate(C[:5], start=1)] + ["S1,after,3,NMHC,12,mg/m3,01/02/2026 10:00"]
    data = long_csv(*rows, header=LONG_HEADER + ",start")
    make_case(case_dir, {"m.csv": data})
    result, ledger = check(case_dir)
    _rejected(result)
    assert [r["reason"] for r in row_entries(ledger, 7)] == ["ambiguous_date"]
    declared = tmp_path / "declared"
    rows = [r + f",0{i}/03/2026 10:00" for i, r in enumerate(C[:5], start=1)] + ["S1,after,3,NMHC,12,mg/m3,01/02/2026 10:00"]
    make_case(declared, {"m.csv": long_csv(*rows, header=LONG_HEADER + ",start")},
              '[[file]]\npath = "data/m.csv"\nlayout = "long"\ndate_format = "%d/%m/%Y %H:%M"\n')
    starts = {(r["phase"], r["run"]): r["start"] for r in _normalized(declared, tmp_path)}
    assert starts["after", "3"].startswith("2026-02-01")  # day first, as declared


@pytest.mark.parametrize(
    ("header", "needles"),
    [
        ("source,phase,run,pollutant,value,value", ("row 1", "column F", "duplicate header")),
        (LONG_HEADER + ",", ("row 1", "column G", "blank header")),
    ],
    ids=["duplicate", "blank"],
)
def test_r28_duplicate_or_blank_headers_are_an_error(case_dir, header, needles):
    rows = C if header.count(",") == 5 else [r + ",1" for r in C]
    make_case(case_dir, {"m.csv": long_csv(*rows, header=header)})
    result, _ = check(case_dir)
    assert_clean_error(result, FILE, *needles)


@pytest.mark.parametrize(
    ("encoding", "declared", "newline"),
    [("utf-8-sig", None, "\n"), ("gbk", None, "\r\n"), ("shift_jis", "shift_jis", "\r"), ("utf-8", None, "mixed")],
    ids=["bom", "gbk-crlf", "shift-jis-cr", "mixed-newlines"],
)
def test_r34_encodings_and_newlines_give_the_right_header(case_dir, tmp_path, encoding, declared, newline):
    text = long_csv(*[r.replace("S1,", "1#排気筒,", 1) for r in C], header="排気筒,段階,測定回,項目,測定値,単位")
    lines = text.splitlines()
    if newline == "mixed":
        body = "".join(line + ("\r\n" if i % 2 else "\n") for i, line in enumerate(lines))
    else:
        body = newline.join(lines) + newline
    spec = '[[file]]\npath = "data/m.csv"\nlayout = "long"\n' + (f'encoding = "{declared}"\n' if declared else "")
    make_case(case_dir, {"m.csv": body.encode(encoding)}, spec)
    result, ledger = check(case_dir)
    _ok(result)
    norm = _normalized(case_dir, tmp_path)
    assert len(norm) == 6 and {r["source"] for r in norm} == {"S1"}
    assert [float(r["value"]) for r in norm] == [30.1, 32.4, 29.8, 12.0, 11.5, 12.6]


def test_r34_wrong_declared_encoding_is_an_error(case_dir):
    body = long_csv(*C[:5], "1#排气筒,after,3,NMHC,12,mg/m3").encode("gbk")
    make_case(case_dir, {"m.csv": body}, '[[file]]\npath = "data/m.csv"\nlayout = "long"\nencoding = "utf-8"\n')
    result, _ = check(case_dir)
    assert_clean_error(result, FILE, "row 7", "not valid utf-8")


# ----------------------------------------------------------------------------------- 37


@pytest.mark.parametrize(
    ("path", "needle"),
    [("../../x.csv", "goes up"), ("/etc/passwd", "absolute"), ("data/CON", "reserved device name"), ("data/m\\u0000.csv", "NUL")],
    ids=["dotdot", "absolute", "CON", "NUL"],
)
def test_r37_paths_outside_the_case_are_an_error(case_dir, path, needle):
    make_case(case_dir, {"m.csv": long_csv(*C)}, f'[[file]]\npath = "{path}"\n')
    result, ledger = check(case_dir)
    assert_clean_error(result, "case.toml", "[[file]] #1", needle)
    assert ledger is None


@pytest.mark.parametrize("case_id", ["../../x", "/abs", "CON", "a\\u0000b"], ids=["dotdot", "absolute", "CON", "NUL"])
def test_r37_hostile_case_id_is_an_error_and_nothing_is_written(case_dir, tmp_path, case_id):
    make_case(case_dir, {"m.csv": long_csv(*C)})
    toml = (case_dir / "case.toml").read_text(encoding="utf-8").replace('id = "rel-demo"', f'id = "{case_id}"')
    (case_dir / "case.toml").write_text(toml, encoding="utf-8")
    before = sorted(p for p in tmp_path.rglob("*"))
    result = cli("run", case_dir, "-o", tmp_path / "out")
    assert_clean_error(result, "case.toml", "case.id")
    assert sorted(p for p in tmp_path.rglob("*")) == before  # nothing written, not even the output folder


# ----------------------------------------------------------------------------------- 40


def test_r40_zero_width_and_bidi_characters_are_removed_and_logged(case_dir, tmp_path):
    rows = C[:4] + ["S1\u200b,after,2,NMHC,1\u200b1.5,mg/m3", "S1,after,3,NMHC,12.6\u202e,mg/m3"]
    make_case(case_dir, {"m.csv": long_csv(*rows)})
    result, ledger = check(case_dir)
    _ok(result)
    assert entry(ledger, "E6")["outcome"] == "note" and "zero_width_removed" in entry(ledger, "E6")["reason"]
    assert entry(ledger, "E7")["outcome"] == "note"
    values = {(r["phase"], r["run"]): float(r["value"]) for r in _normalized(case_dir, tmp_path)}
    assert values["after", "2"] == 11.5 and values["after", "3"] == 12.6


VARIANTS = [("対策前", "対策後"), ("治理前", "治理后"), ("前", "后"), ("前", "後"), ("治理前", "治理後"), ("対策前", "対策后"),
            ("对策前", "对策后"), ("对策前", "对策後")]


def test_r40_japanese_and_chinese_variants_of_the_phase_labels(case_dir, tmp_path):
    # one file, one before and one after run per variant pair (runs numbered apart)
    rows = [f"S1,{label},{10 * k + i},NMHC,{value},mg/m3"
            for k, pair in enumerate(VARIANTS) for i, (label, value) in enumerate(zip(pair, (30, 12)))]
    make_case(case_dir, {"m.csv": long_csv(*rows)})
    phases = [r["phase"] for r in _normalized(case_dir, tmp_path)]
    assert phases == ["before", "after"] * len(VARIANTS)


def test_r38_unit_and_cell_text_are_bounded_before_parsing(case_dir):
    # issue "Hostile files": unit strings are bounded before any parsing; huge cells are refused
    long_unit = "mg/" * 5000
    make_case(case_dir, {"m.csv": long_csv(*C[:4], f"S1,after,2,NMHC,12,{long_unit}", "S1,after,3,NMHC," + "1" * 5000 + ",mg/m3")})
    result, ledger = check(case_dir)
    _rejected(result)
    unit = entry(ledger, "E6")
    assert unit["reason"] == "unknown_unit" and "longer than" in unit["detail"] and len(unit["detail"]) < 200
    big = entry(ledger, "E7")
    assert (big["outcome"], big["reason"]) == ("rejected", "too_long") and big["raw"] == "1" * 5000  # raw kept whole


def test_odour_index_is_never_read_as_odour_concentration(case_dir):
    # 臭気指数 (odour index) = 10·log10(odour concentration) (悪臭防止法): an index of 25 is a
    # concentration of 10**2.5 ≈ 316, so reading "25" as the concentration would understate it
    # ~13-fold. The pollutant table does not alias it to odour concentration: the value is rejected.
    make_case(case_dir, {"m.csv": long_csv(*C[:5], "S1,after,3,NMHC,12.6,mg/m3", "S1,after,4,臭気指数,25,无量纲")})
    result, ledger = check(case_dir)
    _rejected(result)
    assert "unknown_pollutant" in entry(ledger, "E8")["reason"]
