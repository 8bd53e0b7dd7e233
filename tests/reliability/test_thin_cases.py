"""Nothing crashes on a thin case (issue 16 item 3): docs/reliability.md "Thin cases".

A case where no endpoint has an interval, with one run after, only non-detects, only fugitive data
or only continuous data renders every output of ``verify run`` (exit 0). Generated small cases
(Hypothesis: 1–3 runs per phase, random non-detects, missing flows and O2) never exit 3.
"""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relhelp import cli, long_csv, make_case, stand_in_pdf

OUTPUTS = ("ledger.csv", "normalized.csv", "results.json", "summary.xlsx", "report.html", "report.pdf", "outputs.json")
STACK = 'limits = ["GB16297-1996:NMHC:conc:new", "GB16297-1996:NMHC:rate:new"]\nheight_m = 15\nregime = "new"\n'
BEFORE3 = ("S1,before,1,NMHC,30.1,mg/m3", "S1,before,2,NMHC,32.4,mg/m3", "S1,before,3,NMHC,29.8,mg/m3")
CASE_HEAD = """\
[case]
id = "thin"
title = "t"
factory = "f"
timezone = "Asia/Shanghai"
conditions = "CN"
concentration_basis = "standard-dry"
"""


def _claim(cid: str, source: str, metric: str, kind: str, value: float) -> str:
    return (f'\n[[claim]]\nid = "{cid}"\nsource = "{source}"\npollutant = "NMHC"\nmetric = "{metric}"\n'
            f'kind = "{kind}"\nvalue = {value}\n')


def _stack_case(root: Path, rows: tuple[str, ...], claims: str, header: str | None = None) -> Path:
    make_case(root, {"m.csv": long_csv(*rows, **({"header": header} if header else {}))}, source_extra=STACK)
    (root / "case.toml").write_text((root / "case.toml").read_text(encoding="utf-8") + claims, encoding="utf-8")
    return root


def _fugitive_case(root: Path) -> Path:
    rows = [f"{s},{ph},{r},{k},NMHC,{v + 0.1 * k},mg/m3" for s, v in (("U1", 0.5), ("D1", 1.6))
            for ph in ("before", "after") for r in (1, 2) for k in (1, 2)]
    (root / "data").mkdir(parents=True)
    (root / "data" / "f.csv").write_text(long_csv(*rows, header="source,phase,run,sample,pollutant,value,unit"),
                                         encoding="utf-8")
    sources = "".join(f'\n[[source]]\nid = "{s}"\nkind = "fugitive"\nrole = "{role}"\n{extra}'
                      for s, role, extra in (("U1", "upwind", ""),
                                             ("D1", "downwind", 'limits = ["GB16297-1996:NMHC:fugitive:new"]\n')))
    text = CASE_HEAD + _claim("C1", "boundary", "fugitive", "reduction", 10) + sources
    (root / "case.toml").write_text(text + '\n[[file]]\npath = "data/f.csv"\nlayout = "long"\n', encoding="utf-8")
    return root


def _continuous_case(root: Path) -> Path:
    lines = []
    for start, level in ((dt.datetime(2026, 3, 2), 40), (dt.datetime(2026, 4, 2), 20)):
        for h in range(30):
            lines.append(f"{(start + dt.timedelta(hours=h)):%Y-%m-%d %H:%M},S1,NMHC,{level + h % 5},mg/m3")
    (root / "data").mkdir(parents=True)
    (root / "data" / "c.csv").write_text(long_csv(*lines, header="time,source,pollutant,value,unit"), encoding="utf-8")
    periods = "".join(f"\n[[period]]\nphase = \"{ph}\"\nstart = 2026-0{m}-01T00:00:00\nend = 2026-0{m}-10T00:00:00\n"
                      for ph, m in (("before", 3), ("after", 4)))
    text = (CASE_HEAD + _claim("C1", "S1", "concentration", "reduction", 10) + '\n[[source]]\nid = "S1"\nkind = "stack"\n'
            + periods + '\n[[file]]\npath = "data/c.csv"\nlayout = "long"\ndate_format = "%Y-%m-%d %H:%M"\n')
    (root / "case.toml").write_text(text, encoding="utf-8")
    return root


THIN = {
    # the reduction chart once failed (exit 3) when endpoints had estimates but none an interval
    "one run after": lambda root: _stack_case(root, (*BEFORE3, "S1,after,1,NMHC,12.0,mg/m3"),
                                              _claim("C1", "S1", "concentration", "reduction", 30)),
    "one run each": lambda root: _stack_case(root, ("S1,before,1,NMHC,30.1,mg/m3", "S1,after,1,NMHC,12.0,mg/m3"),
                                             _claim("C1", "S1", "concentration", "reduction", 30)),
    "only non-detects": lambda root: _stack_case(
        root, tuple(f"S1,{ph},{r},NMHC,<0.5,mg/m3" for ph in ("before", "after") for r in (1, 2, 3)),
        _claim("C1", "S1", "concentration", "reduction", 30) + _claim("C2", "S1", "concentration", "level", 1)),
    "only after": lambda root: _stack_case(root, ("S1,after,1,NMHC,12.0,mg/m3", "S1,after,2,NMHC,12.4,mg/m3"),
                                           _claim("C1", "S1", "concentration", "level", 20)),
    "only fugitive": _fugitive_case,
    "only continuous": _continuous_case,
}


@pytest.mark.parametrize("kind", THIN, ids=list(THIN))
def test_a_thin_case_renders_every_output(tmp_path, kind):
    case = THIN[kind](tmp_path / "case")
    result = cli("run", case, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    for name in OUTPUTS:
        assert (tmp_path / "out" / name).stat().st_size > 0, name
    results = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert results["claims"] and all(c["verdict"] for c in results["claims"])


# ------------------------------------------------------------------ generated small cases

VALUE = st.one_of(
    st.floats(min_value=0.05, max_value=500, allow_nan=False).map(lambda v: f"{v:.3g}"),
    st.sampled_from(["<0.5", "<1", "ND<0.2"]),  # non-detects
)
FLOW = st.one_of(st.just(""), st.integers(min_value=1000, max_value=40000).map(str))  # "" = no flow for that run
O2 = st.one_of(st.just(""), st.floats(min_value=3, max_value=20).map(lambda v: f"{v:.1f}"))
PHASE_RUNS = st.integers(min_value=1, max_value=3)
CLAIMS = st.lists(st.sampled_from([
    ("concentration", "reduction", 30), ("mass_rate", "reduction", 20), ("concentration", "level", 50),
    ("mass_rate", "level", 1), ("concentration_o2", "reduction", 10)]), max_size=3, unique=True)


@st.composite
def small_cases(draw):
    rows = []
    for phase in ("before", "after"):
        for run in range(1, draw(PHASE_RUNS) + 1):
            rows.append(f"S1,{phase},{run},NMHC,{draw(VALUE)},mg/m3,{draw(FLOW)},{draw(O2)}")
    claims = "".join(_claim(f"C{i}", "S1", metric, kind, value)
                     for i, (metric, kind, value) in enumerate(draw(CLAIMS), start=1))
    reference_o2 = draw(st.booleans())
    return tuple(rows), claims, reference_o2


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          derandomize=True, database=None)
@given(case=small_cases())
def test_generated_small_cases_never_exit_3(tmp_path_factory, case):
    import verify.report.pdf

    rows, claims, reference_o2 = case
    root = tmp_path_factory.mktemp("gen")
    header = "source,phase,run,pollutant,value,unit,标干流量(m3/h),含氧量(%)"
    _stack_case(root / "case", rows, claims, header=header)
    if reference_o2:
        toml = root / "case" / "case.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace('regime = "new"\n', 'regime = "new"\nreference_o2_pct = 9\n'),
                        encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:  # the PDF's HTML is rendered; WeasyPrint is left out for time
        mp.setattr(verify.report.pdf, "html_to_pdf", stand_in_pdf)
        result = cli("run", root / "case", "-o", root / "out")
    assert result.exit_code in (0, 2), result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    if result.exit_code == 2:
        assert result.stderr.count("error:") == 1, result.stderr
    else:
        assert (root / "out" / "report.html").is_file()
