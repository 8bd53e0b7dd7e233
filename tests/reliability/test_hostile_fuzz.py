"""Issue 17 "done when": a bounded-time fuzzing test — Hypothesis over CSV bytes and case.toml
values, through the CLI (``verify check`` and ``verify analyze``) as a user runs it. Whatever the
input, the exit status is 0, 1 or 2 and no traceback is printed: exit 3 (an internal error) is a bug.

Budget: 60 + 60 examples of small files (at most 12 rows), derandomized, no per-example deadline
(the machine is shared): about 15 s in CI. For a longer hunt: ``VERIFY_FUZZ_EXAMPLES=600
VERIFY_FUZZ_RANDOM=1 .venv/bin/python -m pytest tests/reliability/test_hostile_fuzz.py``. Every
results.json the tool writes is also checked against the contract (tests/conftest.py), so a file
that breaks it fails here too.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from relhelp import cli

HEADERS = [
    "source,phase,run,pollutant,value,unit",
    "source,phase,run,pollutant,value,unit,o2_pct,flow,flow_unit,start",
    "排气筒,阶段,频次,非甲烷总烃(mg/m³),乙酸乙酯(mg/m³),备注",
    "排気筒,段階,測定回,項目,測定値,単位,検出下限",
]
CELLS = st.sampled_from([
    "S1", "S2", "1#排气筒", "before", "after", "治理前", "対策後", "befor", "1", "2", "3", "均值", "NMHC", "SO2", "PM",
    "乙酸乙酯", "mg/m3", "ppm", "ppmC", "ug/m3", "ppmm", "m3/h", "Nm3/h", "12.5", "-0", "0", "-3", "1e155", "1e308",
    "2e7", "1000001", "<0.5", "ND", "未检出", "—", "NA", "12,5", "1,234", "１２．５", "inf", "nan", "=1+1", "", " ",
    "21", "100", "-273.15", "2026-03-01 10:00", "2026-02-30 10:00", "12/03/2026 10:00", "2026-03-29 02:30",
    '"', '"quoted, cell"', '"line\nbreak"', "\x00", "\u200b5", "x" * 200,
])
ROW = st.lists(CELLS, min_size=1, max_size=10).map(lambda cells: ",".join(cells))
#: mostly valid long rows (each cell hostile one time in six), so that examples reach the statistics
GOOD = {
    "source": st.sampled_from(["S1", "1#排气筒"]), "phase": st.sampled_from(["before", "after", "治理前", "治理后"]),
    "run": st.sampled_from(["1", "2", "3", "4"]), "pollutant": st.sampled_from(["NMHC", "SO2", "PM"]),
    "value": st.one_of(st.floats(0, 500).map(lambda x: f"{x:.3g}"), st.sampled_from(["-0", "0", "<0.5", "ND", "1e155"])),
    "unit": st.sampled_from(["mg/m3", "mg/Nm3", "ppm", "ug/m3"]),
}
LONG_ROW = st.tuples(*(st.one_of(pool, pool, pool, pool, pool, CELLS) for pool in GOOD.values())).map(",".join)
LONG_CSV = st.tuples(st.lists(LONG_ROW, min_size=1, max_size=12), st.sampled_from(["utf-8", "gbk"])).map(
    lambda t: "\n".join((HEADERS[0], *t[0])).encode(t[1], errors="replace") + b"\n")
STRUCTURED_CSV = st.one_of(LONG_CSV, LONG_CSV, st.tuples(
    st.sampled_from(HEADERS), st.lists(ROW, max_size=12), st.sampled_from(["\n", "\r\n", "\r"]),
    st.sampled_from(["utf-8", "utf-8-sig", "gbk", "shift_jis", "utf-16"])).map(
    lambda t: t[2].join((t[0], *t[1])).encode(t[3], errors="replace")))
CSV_BYTES = st.one_of(STRUCTURED_CSV, st.binary(max_size=400),
                      st.binary(max_size=200).map(lambda b: HEADERS[0].encode() + b"\n" + b))

CASE = """[case]
id = "fuzz"
title = {{ ja = "ファズ", zh = "模糊" }}
factory = "f"
timezone = {timezone}
conditions = {conditions}
concentration_basis = "standard-dry"

[[source]]
id = "S1"
kind = "stack"
aliases = ["1#排气筒"]
{source_extra}

[[file]]
path = "data/m.csv"
{file_extra}
{extra}
"""


def _toml(value) -> str:
    """A TOML value: strings as JSON (a valid TOML basic string), numbers and booleans as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return {float("inf"): "inf", float("-inf"): "-inf"}.get(value, "nan" if value != value else repr(value))
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**20, 10**20))
FILE_EXTRA = st.lists(st.sampled_from([
    ("encoding", st.sampled_from(["utf-8", "gbk", "utf-16", "rot13", "zlib", "base64", "no-such-codec", ""])),
    ("layout", st.sampled_from(["long", "wide", "diagonal"])),
    ("header_rows", st.lists(st.integers(-1, 5), max_size=3)),
    ("decimal", st.sampled_from([".", ",", ";"])),
    ("thousands", st.sampled_from([",", " ", ".", "x"])),
    ("date_format", st.one_of(TEXT, st.just("%Y/%m/%d %H:%M"))),
    ("sheet", TEXT),
    ("path", st.sampled_from(["data/m.csv", "../x.csv", "/etc/passwd", "data/CON", "data/\x00.csv", "data/none.csv"])),
]), max_size=3, unique_by=lambda kv: kv[0])
SOURCE_EXTRA = st.lists(st.sampled_from([
    ("reference_o2_pct", NUMBERS), ("o2_ambient_pct", NUMBERS), ("o2_cap_pct", NUMBERS), ("height_m", NUMBERS),
    ("regime", st.sampled_from(["new", "existing", "old"])), ("limits", st.lists(TEXT, max_size=2)),
]), max_size=3, unique_by=lambda kv: kv[0])
EXTRA = st.sampled_from([
    "", "deep = " + "[" * 3000 + "]" * 3000,
    '[[claim]]\nid = "C1"\nsource = "S1"\npollutant = "NMHC"\nmetric = "concentration"\nkind = "reduction"\nvalue = 50\n',
    '[[claim]]\nid = "C1"\nsource = "S1"\npollutant = "NMHC"\nmetric = "concentration"\nkind = "level"\nvalue = 1e300\n',
    '[[pollutant]]\nkey = "ethyl_acetate"\nja = "酢酸エチル"\nzh = "乙酸乙酯"\nmolar_mass_g_mol = 88.106\nsource = "C4H8O2"\n',
    '[[pollutant]]\nkey = "NMHC"\nja = "x"\nzh = "y"\n',
    '[[period]]\nphase = "before"\nstart = 2026-03-01T00:00:00\nend = 2026-02-01T00:00:00\n',
])


def _run(csv: bytes, toml: str) -> None:
    with tempfile.TemporaryDirectory(prefix="verify-fuzz-") as tmp:
        case = Path(tmp) / "case"
        (case / "data").mkdir(parents=True)
        (case / "data" / "m.csv").write_bytes(csv)
        (case / "case.toml").write_text(toml, encoding="utf-8")
        for args in (["check", case], ["analyze", case, "-o", Path(tmp) / "r.json", "--allow-rejected"]):
            result = cli(*args)
            event(f"{args[0]} exit {result.exit_code}")
            assert result.exit_code in (0, 1, 2), (args[0], result.exit_code, result.output[-1500:])
            assert "Traceback" not in result.output and "internal error" not in result.output, result.output[-1500:]


FUZZ = settings(max_examples=int(__import__("os").environ.get("VERIFY_FUZZ_EXAMPLES", "60")), deadline=None, derandomize=not __import__("os").environ.get("VERIFY_FUZZ_RANDOM"), database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FUZZ
@given(csv=CSV_BYTES)
def test_fuzz_csv_bytes_never_give_an_internal_error(csv):
    _run(csv, CASE.format(timezone='"Asia/Shanghai"', conditions='"CN"', source_extra="", file_extra="", extra=""))


@FUZZ
@given(csv=STRUCTURED_CSV, file_extra=FILE_EXTRA, source_extra=SOURCE_EXTRA, extra=EXTRA,
       timezone=st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "Mars/Olympus", "", "UTC"]),
       conditions=st.sampled_from(["CN", "JP", "US-EPA", "EU"]), data=st.data())
def test_fuzz_case_toml_values_never_give_an_internal_error(csv, file_extra, source_extra, extra, timezone, conditions, data):
    file_lines = "\n".join(f"{k} = {_toml(data.draw(v))}" for k, v in file_extra if k != "path")
    paths = [data.draw(v) for k, v in file_extra if k == "path"]
    toml = CASE.format(timezone=_toml(timezone), conditions=_toml(conditions),
                       source_extra="\n".join(f"{k} = {_toml(data.draw(v))}" for k, v in source_extra),
                       file_extra=file_lines, extra=extra)
    if paths:
        toml = toml.replace('path = "data/m.csv"', f"path = {_toml(paths[0])}")
    _run(csv, toml)
