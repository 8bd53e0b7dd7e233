"""Integrity properties (docs/reliability.md#promises, promises 1–4): row conservation, raw text kept, input
hashes, results invariant to row order. Hypothesis generates the input files; example counts are
small so the suite stays fast.

Byte-identical results.json across two analyses is kept by
tests/cli/test_end_to_end.py::test_results_json_is_byte_identical_across_runs (not repeated here).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relhelp import LONG_HEADER, cli, make_case
from verify.case import load_case
from verify.errors import InputError
from verify.sources import read_inputs

# cell texts a field sheet really holds: numbers, non-detects, markers, blanks, junk, full-width,
# separators, formula-like text, zero-width characters
VALUES = ["12.5", "0", "30", "-0.03", "<0.5", "ND", "未检出", "NA", "—", "", "abc", "1e400", "１２．５", "12,5", "1 234",
          "=1+1", "1\u200b5", " 7 ", "inf"]
UNITS = ["mg/m3", "mg/Nm³", "毫克/立方米", "ppmm", "", "ug/m3", "m**9**9"]
POLLUTANTS = ["NMHC", "PM", "SO2"]
PHASES = ["before", "after", "治理前", "対策後"]

row_st = st.tuples(st.sampled_from(PHASES), st.sampled_from(POLLUTANTS), st.sampled_from(VALUES), st.sampled_from(UNITS))


def _csv_text(rows: list[list[str]], header: str = LONG_HEADER) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header.split(","))
    writer.writerows(rows)
    return buf.getvalue()


def _file_rows(rows_st_items, k: int) -> list[list[str]]:
    # a distinct run per row and file: duplicates are an error by design (§4 #19), not a conservation case
    return [["S1", phase, str(100 * k + i), pol, value, unit] for i, (phase, pol, value, unit) in enumerate(rows_st_items, start=1)]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=st.lists(st.lists(row_st, min_size=1, max_size=12), min_size=1, max_size=3))
def test_row_and_value_conservation_and_raw_text_for_generated_long_files(files):
    with tempfile.TemporaryDirectory() as tmp:
        texts = {f"f{i}.csv": _csv_text(_file_rows(rows, i)) for i, rows in enumerate(files)}
        case = load_case(make_case(Path(tmp) / "case", texts))
        try:
            intake = read_inputs(case)
        except InputError:
            raise AssertionError("these files hold only known labels and distinct runs: no file-level error expected")
        table = intake.table
        entries = intake.ledger.to_frame()
        assert len(intake.ledger.tallies) == len(files)
        for tally, rows in zip(intake.ledger.tallies, files):
            name = tally.file
            # promise 1: rows read = accepted + flagged + rejected, and likewise for values
            assert tally.rows == len(rows) == tally.accepted + tally.flagged + tally.rejected
            assert tally.values == tally.values_accepted + tally.values_flagged + tally.values_rejected
            assert tally.values == sum(1 for r in rows if r[2].strip())  # every non-blank value cell is counted
            mine = table[table["file"] == name]
            assert len(mine) == tally.accepted + tally.flagged  # one canonical row per kept long row
            rejected_rows = entries[(entries["file"] == name) & (entries["field"] == "row") & (entries["outcome"] == "rejected")]
            assert len(rejected_rows) == tally.rejected and rejected_rows["reason"].notna().all()
            not_ok = entries[(entries["file"] == name) & (entries["outcome"] != "note") & (entries["field"] != "row")]
            assert not_ok["column"].notna().all() and not_ok["row"].notna().all() and not_ok["reason"].notna().all()
            # promise 2: the raw text beside every kept value equals the cell text in the file
            cells = list(csv.reader(io.StringIO(texts[name.removeprefix("data/")])))
            for rec in mine.itertuples(index=False):
                assert rec.raw == cells[rec.row - 1][4], (rec.row, rec.raw)
                assert rec.cell == f"E{rec.row}"


LONG_RUNS = [
    # source, phase, run, pollutant, value, unit, o2_pct, flow, flow_unit
    ["S1", phase, str(run), pol, f"{base * (1 + 0.07 * run) + (0.3 if pol == 'PM' else 0):.3f}", "mg/m3", f"{10 + run * 0.4:.1f}",
     f"{25000 + 300 * run}", "Nm3/h"]
    for phase, base in (("before", 30.0), ("after", 12.0))
    for run in range(1, 6)
    for pol in ("NMHC", "PM", "SO2")
]
HEADER_RUNS = LONG_HEADER + ",o2_pct,flow,flow_unit"
CLAIM = """
[[claim]]
id = "C1"
source = "S1"
pollutant = "NMHC"
metric = "mass_rate"
kind = "reduction"
value = 40
description = { ja = "削減", zh = "削减" }
"""


def _results_without_input_hashes(case: Path, out: Path) -> tuple[dict, bytes]:
    result = cli("analyze", case, "-o", out)
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    data = json.loads(raw)
    for item in data["inputs"]:
        item.pop("sha256")
    data["fingerprints"].pop("inputs_sha256")  # the hash of the input files, which differ in row order
    return data, raw


@pytest.mark.slow
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order=st.permutations(range(len(LONG_RUNS))))
def test_results_are_invariant_to_row_order(order):
    with tempfile.TemporaryDirectory() as tmp:
        case = make_case(Path(tmp) / "case", {"m.csv": _csv_text(LONG_RUNS, HEADER_RUNS)},
                         '[[file]]\npath = "data/m.csv"\nlayout = "long"\n' + CLAIM, source_extra="reference_o2_pct = 9")
        first, _ = _results_without_input_hashes(case, Path(tmp) / "a.json")
        (case / "data" / "m.csv").write_text(_csv_text([LONG_RUNS[i] for i in order], HEADER_RUNS), encoding="utf-8")
        second, _ = _results_without_input_hashes(case, Path(tmp) / "b.json")
        assert second == first
        assert first["claims"][0]["estimate"] is not None  # the comparison covers real numbers


def test_input_and_case_hashes_in_results_json_are_the_sha256_of_the_files(case_dir, tmp_path):
    texts = {"a.csv": _csv_text(LONG_RUNS[:15], HEADER_RUNS), "b.csv": _csv_text(LONG_RUNS[15:], HEADER_RUNS).encode("gbk")}
    make_case(case_dir, texts, '[[file]]\npath = "data/a.csv"\n\n[[file]]\npath = "data/b.csv"\nencoding = "gbk"\n',
              source_extra="reference_o2_pct = 9")
    assert cli("analyze", case_dir, "-o", tmp_path / "r.json").exit_code == 0
    results = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    hashes = {i["file"]: i["sha256"] for i in results["inputs"]}
    assert hashes == {f"data/{n}": hashlib.sha256((case_dir / "data" / n).read_bytes()).hexdigest() for n in texts}
    assert results["fingerprints"]["case_toml"] == hashlib.sha256((case_dir / "case.toml").read_bytes()).hexdigest()


# any bytes or text as a data file: the intake raises only the project's own errors (§5 "parser raises
# only InputError"), and the ledger identity holds whenever it does not raise
TEXT = st.text(alphabet=st.sampled_from(list("S1,before,after,NMHC,PM,mg/m3,<ND 0123456789.-\n\r\t\"'=＋１２．　后後\u200b\u202e\x00")),
               max_size=300)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=st.one_of(st.binary(max_size=300), TEXT.map(lambda t: (LONG_HEADER + "\n" + t).encode("utf-8"))))
def test_any_file_content_gives_only_verify_errors(content):
    from verify.errors import VerifyError

    with tempfile.TemporaryDirectory() as tmp:
        case = load_case(make_case(Path(tmp) / "case", {"m.csv": content}))
        try:
            intake = read_inputs(case)
        except VerifyError as exc:
            assert exc.render()  # a message, with its location
            return
        for tally in intake.ledger.tallies:
            tally.check()
