"""Chunked (partitioned) intake gives exactly what whole-file intake gives (issue 9 item 3).

Differential: ``read_inputs(case, chunk_rows=0)`` (every file whole) against ``chunk_rows=N`` for
tiny N, so that chunk boundaries cut through runs, minutes, pollutant groups and files — on the
case studies and on generated continuous and run-based, long and wide CSV files (Hypothesis),
including rows that the cross-row checks join across chunks (run-level fills, duplicates,
disagreeing run-level numbers) and unsorted files.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from verify.case import load_case
from verify.errors import InputError
from verify.sources import chunk_rows_for, read_inputs
from verify.sources import csv_reader
from verify.sources.chunked import _ChunkRows
from verify.sources.csv_arrow import quote_free
from verify.sources.csv_reader import iter_csv_chunks
from verify.sources.ledger import FileTally, merge_tallies

ROOT = Path(__file__).resolve().parents[2]


def outcome(case, chunk_rows):
    """(table, ledger frame, tallies, unread sheets) or ("error", type, message)."""
    try:
        intake = read_inputs(case, chunk_rows=chunk_rows)
    except InputError as exc:
        return ("error", type(exc).__name__, exc.render())
    return intake.table, intake.ledger.to_frame(), [t.to_dict() for t in intake.ledger.tallies], intake.ledger.unread_sheets


def assert_same(a, b):
    if isinstance(a[0], str) or isinstance(b[0], str):
        assert isinstance(a[0], str) and isinstance(b[0], str), (a if isinstance(a[0], str) else b)
        assert a == b
        return
    pd.testing.assert_frame_equal(a[0], b[0], check_exact=True)
    pd.testing.assert_frame_equal(a[1], b[1], check_exact=True)
    assert a[2] == b[2]
    assert a[3] == b[3]


@pytest.mark.parametrize("chunk_rows", [1, 7, 1000])
def test_run_based_case_study(chunk_rows):
    case = load_case(ROOT / "case_studies" / "jiangsu-textile-dyeing")
    assert_same(outcome(case, 0), outcome(case, chunk_rows))


@pytest.mark.parametrize("chunk_rows", [997, 20_000])
def test_continuous_case_study(chunk_rows):
    case = load_case(ROOT / "case_studies" / "hebei-coating-cems")
    whole = outcome(case, 0)
    assert len(whole[0]) > 80_000
    assert_same(whole, outcome(case, chunk_rows))


def test_continuous_case_study_results_json_identical(monkeypatch):
    """Normalized table and results.json are the same; also with the normalized table computed in
    slices (pipeline._normalize: normalize is row-local)."""
    from verify import pipeline
    from verify.measure.normalize import normalize
    from verify.results import build_results

    folder = ROOT / "case_studies" / "hebei-coating-cems"
    case = load_case(folder)
    out = []
    for n in (0, 4099):
        intake = read_inputs(case, chunk_rows=n)
        normalized = normalize(intake.table, case)
        out.append((normalized, build_results(case, intake, normalized, command="x")))
    pd.testing.assert_frame_equal(out[0][0], out[1][0], check_exact=True)
    a, b = (dict(r) for _, r in out)
    for r in (a, b):
        r.get("provenance", {}).pop("generated_at", None)
    assert a == b
    sliced = pipeline._normalize  # noqa: SLF001
    monkeypatch.setattr(pipeline, "NORMALIZE_ROWS", 7001)
    pd.testing.assert_frame_equal(out[0][0], sliced(read_inputs(case, chunk_rows=4099).table, case), check_exact=True)
    whole = pipeline.analyze(folder, chunk_rows=0)
    assert pipeline.analyze(folder, chunk_rows=4099) == whole
    monkeypatch.setattr(pipeline, "NORMALIZE_ROWS", 10**9)
    assert pipeline.analyze(folder, chunk_rows=0) == whole


# ---------------------------------------------------------------- generated cases

CASE = """
[case]
id = "gen"
title = "gen"
factory = "gen"
timezone = "Asia/Shanghai"
conditions = "CN"
concentration_basis = "standard-dry"

[[source]]
id = "S1"
kind = "stack"
reference_o2_pct = 18

[[source]]
id = "S2"
kind = "stack"

[[period]]
phase = "before"
start = 2026-03-01T00:00:00
end = 2026-03-02T00:00:00

[[period]]
phase = "after"
start = 2026-03-02T00:00:00
end = 2026-03-03T00:00:00

{files}
"""

VALUES = st.sampled_from(["12.5", "3", "0", "-1.5", "ND", "<0.5", "未检出", "", "abc", '"1,5"', "  7.25 ", "1e3"])
RUNLEVEL = st.sampled_from(["18.1", "18.1", "18.1", "17.9", "", "", "25", "ND"])
FLAGS = st.sampled_from(["N", "N", "N", "T", "M", "", "X"])
SOURCES = st.sampled_from(["S1"] * 5 + ["S2"] * 3 + [""])
MINUTES = st.one_of(st.integers(min_value=0, max_value=2 * 24 * 60 + 30), st.sampled_from([0, 1, 1439, 1440]))
POLS = st.sampled_from(["NMHC", "SO2", "NOx", "颗粒物", "???"])


def _ts(minute: int) -> str:
    d, m = divmod(minute, 24 * 60)
    return f"2026-03-{1 + d:02d} {m // 60:02d}:{m % 60:02d}"


@st.composite
def continuous_long(draw):
    rows = draw(st.lists(st.tuples(SOURCES, MINUTES, POLS, VALUES, FLAGS, RUNLEVEL, st.booleans()), min_size=1, max_size=40))
    lines = ["时间,排放口,监测项目,实测值,单位,数据标记,含氧量(%),标干流量(m3/h)"]
    for src, minute, pol, val, flag, o2, blank in rows:
        if blank:
            lines.append(",,,,,,,")
        lines.append(f"{_ts(minute)},{src},{pol},{val},mg/m3,{flag},{o2},{'2000' if o2 else ''}")
    spec = 'layout = "long"\ndate_format = "%Y-%m-%d %H:%M"\n'
    return "\n".join(lines) + "\n", spec


@st.composite
def run_based_wide(draw):
    rows = draw(st.lists(st.tuples(SOURCES, st.sampled_from(["治理前"] * 3 + ["治理后"] * 3 + ["before", ""]),
                                   st.sampled_from(["1", "2", "3", "4", "均值"]), VALUES, VALUES, RUNLEVEL, st.booleans()),
                         min_size=1, max_size=30))
    lines = ["说明：示例", "排放口,阶段,频次,非甲烷总烃(mg/m3),SO2(mg/m3),含氧量(%),标干流量(m3/h)"]
    for src, phase, run, v1, v2, o2, blank in rows:
        if blank:
            lines.append(" ,,,,,,")
        lines.append(f"{src},{phase},{run},{v1},{v2},{o2},{'2000' if o2 else ''}")
    return "\n".join(lines) + "\n", 'header_rows = [2]\n'


@st.composite
def run_based_long(draw):
    rows = draw(st.lists(st.tuples(SOURCES, st.sampled_from(["治理前", "治理后"]), st.integers(1, 3),
                                   st.sampled_from(["a", "b", ""]), POLS, VALUES, RUNLEVEL), min_size=1, max_size=30))
    lines = ["排放口,阶段,频次,样品,项目,实测值,单位,含氧量(%)"]
    for src, phase, run, sample, pol, val, o2 in rows:
        lines.append(f"{src},{phase},{run},{sample},{pol},{val},mg/m3,{o2}")
    return "\n".join(lines) + "\n", 'layout = "long"\n'


def _make(tmp: Path, files: list[tuple[str, str]]) -> object:
    (tmp / "data").mkdir(parents=True, exist_ok=True)
    specs = []
    for i, (text, spec) in enumerate(files):
        name = f"f{i}.csv"
        (tmp / "data" / name).write_text(text, encoding="utf-8")
        specs.append(f'[[file]]\npath = "data/{name}"\n{spec}')
    (tmp / "case.toml").write_text(CASE.format(files="\n".join(specs)), encoding="utf-8")
    return load_case(tmp)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(files=st.lists(st.one_of(continuous_long(), run_based_wide(), run_based_long()), min_size=1, max_size=3),
       chunk_rows=st.sampled_from([1, 2, 3, 7]))
def test_generated_cases_whole_equals_chunked(tmp_path_factory, files, chunk_rows):
    # A file's runs are checked across all files, so mix the kinds only where a case could; errors
    # from the cross-row checks (duplicates, run-level disagreements) must name the same cells.
    case = _make(tmp_path_factory.mktemp("gen"), files)
    whole = outcome(case, 0)
    chunked = outcome(case, chunk_rows)
    event(whole[2].split(": ")[1][:30] if _is_error(whole) else "table")
    if _is_error(whole) and _is_error(chunked) and not _same_error_expected(whole[2]):
        return  # the first stopping error of a chunk may differ (see docs/scale.md); both stop
    assert_same(whole, chunked)


def _is_error(o) -> bool:
    return isinstance(o[0], str)


def _same_error_expected(message: str) -> bool:
    """Errors the chunked path must reproduce word for word: those of the checks across rows and files."""
    return any(t in message for t in ("duplicate measurement", "disagrees within one run", "blank header above data"))


def test_runlevel_fill_and_disagreement_across_chunks(tmp_path):
    head = "排放口,阶段,频次,样品,项目,实测值,单位,含氧量(%)\n"
    rows = "".join(f"S1,治理前,1,{v},NMHC,{v},mg/m3,{o2}\n" for v, o2 in [("1", "18"), ("2", ""), ("3", ""), ("4", "18")])
    case = _make(tmp_path / "a", [(head + rows, 'layout = "long"\n')])
    whole = outcome(case, 0)
    assert list(whole[0]["o2_pct"]) == [18.0] * 4  # filled across the chunk boundary
    for n in (1, 2, 3):
        assert_same(whole, outcome(case, n))
    bad = rows.replace("NMHC,4,mg/m3,18", "NMHC,4,mg/m3,17")
    case = _make(tmp_path / "b", [(head + bad, 'layout = "long"\n')])
    whole = outcome(case, 0)
    assert _is_error(whole) and "o2_pct disagrees within one run" in whole[2] and "H5" in whole[2]
    for n in (1, 2, 3):
        assert outcome(case, n) == whole


def test_duplicate_across_chunks_and_files_names_both_cells(tmp_path):
    head = "时间,排放口,监测项目,实测值,单位\n"
    a = head + "2026-03-01 10:00,S1,NMHC,1,mg/m3\n2026-03-01 10:01,S1,NMHC,2,mg/m3\n"
    b = head + "2026-03-01 10:02,S1,NMHC,2,mg/m3\n2026-03-01 10:00,S1,NMHC,5,mg/m3\n"
    spec = 'layout = "long"\ndate_format = "%Y-%m-%d %H:%M"\n'
    case = _make(tmp_path, [(a, spec), (b, spec)])
    whole = outcome(case, 0)
    assert _is_error(whole) and "data/f0.csv D2" in whole[2] and "data/f1.csv D3" in whole[2]
    for n in (1, 2):
        assert outcome(case, n) == whole


def test_header_error_found_in_a_later_chunk_names_the_header_row(tmp_path):
    text = "说明\n排放口,阶段,频次,SO2(mg/m3)\n" + "".join(f"S1,治理前,{i},{i}\n" for i in range(1, 6)) + "S1,治理前,9,9,extra\n"
    case = _make(tmp_path, [(text, "header_rows = [2]\n")])
    whole = outcome(case, 0)
    assert _is_error(whole) and "row 2, column E: blank header above data" in whole[2]
    for n in (1, 2, 4):
        assert outcome(case, n) == whole


def test_wide_rows_come_out_in_the_whole_file_order(tmp_path):
    text = "排放口,阶段,频次,SO2(mg/m3),非甲烷总烃(mg/m3)\n" + "".join(f"S1,治理前,{i},{i},{10 + i}\n" for i in range(1, 6))
    case = _make(tmp_path, [(text, "")])
    whole = outcome(case, 0)
    assert list(whole[0]["pollutant"]) == ["SO2"] * 5 + ["NMHC"] * 5
    assert_same(whole, outcome(case, 2))


def test_wide_slot_order_follows_each_pollutants_first_column(tmp_path):
    # NMHC's detection-limit column comes before SO2's value column: parse_grid emits NMHC first
    text = "排放口,阶段,频次,非甲烷总烃检出限(mg/m3),SO2(mg/m3),非甲烷总烃(mg/m3)\n" + "".join(
        f"S1,治理前,{i},0.07,{i},{'ND' if i == 2 else 10 + i}\n" for i in range(1, 6))
    case = _make(tmp_path, [(text, "")])
    whole = outcome(case, 0)
    assert list(whole[0]["pollutant"]) == ["NMHC"] * 5 + ["SO2"] * 5
    for n in (1, 2, 4):
        assert_same(whole, outcome(case, n))


def test_true_row_numbers_in_chunks(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("title\n\na,b\n1,2\n\n3,4\n5\n", encoding="utf-8")
    from verify.case import FileSpec

    enc, notes, chunks = iter_csv_chunks(path, "x.csv", FileSpec(path="x.csv", header_rows=[3]), 2)
    got = [(c.start, c.data) for c in chunks]
    assert enc == "utf-8"
    assert got == [(3, [["1", "2"], [None, None]]), (5, [["3", "4"], ["5", None]])]


def test_blank_tail_and_empty_files_give_the_whole_file_errors(tmp_path):
    for text in ("a,b\n,\n , \n", ",\n,\n", "a,b\n"):
        case = _make(tmp_path / str(abs(hash(text))), [(text, "")])
        whole = outcome(case, 0)
        assert _is_error(whole)
        for n in (1, 2):
            assert outcome(case, n) == whole


def test_encoding_detection_matches_whole_file(tmp_path):
    text = "排放口,阶段,频次,非甲烷总烃(mg/m3)\n" + "".join(f"S1,治理前,{i},{i}.5\n" for i in range(1, 9))
    for enc in ("gbk", "utf-8-sig", "utf-8"):
        (tmp_path / enc / "data").mkdir(parents=True)
        (tmp_path / enc / "data" / "f.csv").write_bytes(text.encode(enc))
        (tmp_path / enc / "case.toml").write_text(CASE.format(files='[[file]]\npath = "data/f.csv"\n'), encoding="utf-8")
        case = load_case(tmp_path / enc)
        whole = outcome(case, 0)
        assert whole[2][0]["encoding"] == {"gbk": "gb18030"}.get(enc, enc)
        assert_same(whole, outcome(case, 3))


def test_chunk_rows_choice(tmp_path):
    small = tmp_path / "s.csv"
    small.write_text("a\n1\n")
    assert chunk_rows_for(small) is None
    assert chunk_rows_for(small, 0) is None
    assert chunk_rows_for(small, 5) == 5
    assert chunk_rows_for(tmp_path / "w.xlsx", 5) is None
    with pytest.raises(InputError):
        chunk_rows_for(small, -1)


def test_chunk_rows_view():
    rows = _ChunkRows({0: ["h"], 9: ["h"]}, 10, [["a"], ["b"]])
    assert len(rows) == 12 and rows[10:] == [["a"], ["b"]] and rows[9] == ["h"] and rows[5] == [] and rows[-1] == ["b"]
    assert list(rows) == [["h"], ["h"], ["a"], ["b"]]


def test_merge_tallies_adds_counts_and_refuses_other_files():
    a = FileTally("f", None, "x", rows=3, accepted=2, rejected=1, values=3, values_accepted=2, values_rejected=1)
    b = FileTally("f", None, "x", rows=2, flagged=2, values=2, values_flagged=2)
    m = merge_tallies([a, b])
    assert (m.rows, m.accepted, m.flagged, m.rejected, m.values) == (5, 2, 2, 1, 5)
    with pytest.raises(ValueError):
        merge_tallies([a, FileTally("g", None, "x")])


def test_cli_chunk_rows_gives_the_same_results_json(tmp_path):
    import json

    from typer.testing import CliRunner

    from verify.cli import app

    folder = ROOT / "case_studies" / "jiangsu-textile-dyeing"
    runner = CliRunner()
    outs = []
    for n in ("0", "3"):
        out = tmp_path / f"r{n}.json"
        res = runner.invoke(app, ["analyze", str(folder), "-o", str(out), "--chunk-rows", n])
        assert res.exit_code == 0, res.output
        outs.append(json.loads(out.read_text(encoding="utf-8")))
    assert outs[0] == outs[1]
    res = runner.invoke(app, ["check", str(folder), "--chunk-rows", "-1"])
    assert res.exit_code == 2


def test_cr_only_newlines_choose_the_whole_file_delimiter(tmp_path):
    # Old Mac line ends: _delimiter counts over the text up to the first "\n", i.e. the whole file.
    # More than the first 1 MiB block is ';'-separated, the tail has more ','; whole reading picks ','.
    rows = "".join(f"S1;治理前;{i};{i}.5\r" for i in range(1, 50_000))
    tail = ("," * 2000 + "\r") * 100
    text = "排放口;阶段;频次;非甲烷总烃(mg/m3)\r" + rows + tail
    assert len(text.encode()) > (1 << 20) and text.count(",") > text.count(";")
    case = _make(tmp_path, [(text, "")])
    whole = outcome(case, 0)
    assert_same(whole, outcome(case, 20_000))


# ---------------------------------------------------------------- the quote-free fast path
# The quote-free CSV fast path (verify.sources.csv_arrow) reads exactly the records of the strict
# reader: the same canonical table, ledger and tallies as with the fast path off, and as reading the
# file whole — also where the fast path has to stop part-way (a blank line, a ragged record, an
# over-long field) and the strict reader goes on from there.

FAST_HEADER = "时间,排放口,监测项目,实测值,单位,数据标记,含氧量(%)"


def _fast_rows(n: int, start: int = 0) -> list[str]:
    pols = ["NMHC", "SO2", "NOx"]
    out = []
    for i in range(start, start + n):
        minute = i // 3
        day, m = divmod(minute, 24 * 60)
        out.append(f"2026-03-{1 + day:02d} {m // 60:02d}:{m % 60:02d},S1,{pols[i % 3]},{(i * 7) % 50 / 4},mg/m3,"
                   f"{'NTMX'[i % 4] if i % 11 else 'N'},{18 + (minute % 5) / 10}")
    return out


FAST_CASES = {
    "plain": (FAST_HEADER + "\n" + "\n".join(_fast_rows(40)) + "\n", "", "utf-8"),
    "crlf, no final newline": (FAST_HEADER + "\r\n" + "\r\n".join(_fast_rows(40)), "", "utf-8"),
    "cr line ends": (FAST_HEADER + "\r" + "\r".join(_fast_rows(40)) + "\r", "", "utf-8"),
    "title above the header": ("说明：在线监测导出\n" + FAST_HEADER + "\n" + "\n".join(_fast_rows(40)) + "\n", "header_rows = [2]", "utf-8"),
    "blank line part-way": (FAST_HEADER + "\n" + "\n".join(_fast_rows(20)) + "\n\n" + "\n".join(_fast_rows(20, 20)) + "\n", "", "utf-8"),
    "ragged record part-way": (FAST_HEADER + "\n" + "\n".join(_fast_rows(25)) + "\n2026-03-01 09:00,S1,NMHC,1.5,mg/m3\n"
                               + "\n".join(_fast_rows(10, 30)) + "\n", "", "utf-8"),
    "wider record part-way": (FAST_HEADER + "\n" + "\n".join(_fast_rows(25)) + "\n" + _fast_rows(1, 26)[0] + ",extra\n"
                              + "\n".join(_fast_rows(10, 30)) + "\n", "", "utf-8"),
    "delimiter-only rows": (FAST_HEADER + "\n" + "\n".join(_fast_rows(10)) + "\n,,,,,,\n" + " ,,,,,,\n" + "\n".join(_fast_rows(10, 10)) + "\n", "", "utf-8"),
    "gb18030": (FAST_HEADER + "\n" + "\n".join(_fast_rows(40)) + "\n", "", "gb18030"),
    "semicolons": ((FAST_HEADER + "\n" + "\n".join(_fast_rows(40)) + "\n").replace(",", ";"), "", "utf-8"),
    "quotes: strict reader only": (FAST_HEADER + "\n" + "\n".join(_fast_rows(20)) + '\n"2026-03-01 10:00",S1,NMHC,"1.5",mg/m3,N,18\n', "", "utf-8"),
    "bom": ("\ufeff" + FAST_HEADER + "\n" + "\n".join(_fast_rows(40)) + "\n", "", "utf-8"),
}


def _fast_case(tmp: Path, text: str, spec: str, encoding: str):
    (tmp / "data").mkdir(parents=True)
    (tmp / "data" / "f.csv").write_bytes(text.encode(encoding))
    (tmp / "case.toml").write_text(CASE.format(files=f'[[file]]\npath = "data/f.csv"\nlayout = "long"\n{spec}'), encoding="utf-8")
    return load_case(tmp)


@pytest.mark.parametrize("name", list(FAST_CASES))
@pytest.mark.parametrize("chunk_rows", [1, 4, 1000])
def test_fast_path_reads_what_the_strict_reader_reads(tmp_path, monkeypatch, name, chunk_rows):
    text, spec, encoding = FAST_CASES[name]
    case = _fast_case(tmp_path, text, spec, encoding)
    fast = outcome(case, chunk_rows)
    whole = outcome(case, 0)
    monkeypatch.setattr(csv_reader, "quote_free", lambda *a: False)
    strict = outcome(case, chunk_rows)
    assert_same(strict, fast)
    assert_same(whole, fast)
    if name == "wider record part-way":  # a cell under no header: the same error from every reader
        assert fast[0] == "error" and "blank header above data in column H" in fast[2]
    else:
        assert not isinstance(fast[0], str) and len(fast[0]) > 10  # a real table, not an error both sides share


def test_which_files_take_the_fast_path(tmp_path):
    f = tmp_path / "f.csv"
    f.write_bytes("a,b\n1,2\n".encode())
    assert quote_free(f, "utf-8") and quote_free(f, "gb18030") and not quote_free(f, "utf-16")
    f.write_bytes(b'a,b\n"1",2\n')
    assert not quote_free(f, "utf-8")
    f.write_bytes(b"a,b\n1\x00,2\n")
    assert not quote_free(f, "utf-8")
