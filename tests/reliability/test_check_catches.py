"""`verify check` catches what `verify analyze` would refuse, all at once (issue 16 item 4):
docs/reliability.md "Claims, limits and sources against the data".

A claim whose source, position, pollutant or metric has no data was judged "insufficient data"
(too few runs) for what is a typo; now check, analyze and run refuse it (exit 2), naming what is
there instead. Unknown limit ids come with the nearest known ids; every problem is listed.
"""

from __future__ import annotations

import pytest

from relhelp import CLEAN_ROWS, cli, long_csv, make_case

STACK = ('height_m = 15\nregime = "new"\nregime_basis = { ja = "2019年設置", zh = "2019年建成" }\n'
         'sample_type = "hourly"\nlimits = ["GB16297-1996:NMHC:conc:new"]\n')


def _claim(cid: str, pollutant: str = "NMHC", metric: str = "concentration", kind: str = "reduction",
           value: float = 30, source: str = "S1", position: str | None = None) -> str:
    pos = f'position = "{position}"\n' if position else ""
    return (f'\n[[claim]]\nid = "{cid}"\nsource = "{source}"\n{pos}pollutant = "{pollutant}"\nmetric = "{metric}"\n'
            f'kind = "{kind}"\nvalue = {value}\n')


def _case(root, claims: str = "", source_extra: str = STACK, extra_sources: str = "", rows=CLEAN_ROWS):
    make_case(root, {"m.csv": long_csv(*rows)}, source_extra=source_extra + extra_sources)
    toml = root / "case.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + claims, encoding="utf-8")
    return root


def test_every_problem_is_listed_by_check_analyze_and_run(tmp_path):
    claims = (_claim("C1", pollutant="NMCH")  # a typo in the pollutant
              + _claim("C2", metric="mass_rate")  # no flow was measured
              + _claim("C3", position="outlet")  # no positions in the data
              + _claim("C4", pollutant="非甲烷总烃")  # a name instead of the key
              + _claim("C5", metric="removal_efficiency", kind="reduction")  # a reduction of an efficiency
              + _claim("C6", source="boundary", metric="fugitive"))  # no fugitive points measured
    limits = 'height_m = 15\nregime = "new"\nlimits = ["GB16297-1996:NMHC:conc:nwe", "GB16297-1996:NMHC:fugitive:new"]\n'
    case = _case(tmp_path / "case", claims, source_extra=limits)
    result = cli("check", case)
    assert result.exit_code == 2, result.output
    listed = result.stdout
    for needle in ("claim 'C1' (S1/NMCH/concentration)", "no 'NMCH' at S1 (pollutants there: NMHC)",
                   "claim 'C2'", "no mass_rate for NMHC (metrics there: concentration): no run has a flow",
                   "claim 'C3'", "no data at position outlet (positions with NMHC data: none)",
                   "claim 'C4'", "write pollutant = 'NMHC'",
                   "claim 'C6'", "no upwind or downwind fugitive point has data",
                   "unknown limit id 'GB16297-1996:NMHC:conc:nwe' (nearest known: GB16297-1996:NMHC:conc:new",
                   "lists limit GB16297-1996:NMHC:fugitive:new, a fugitive limit, but it is a stack"):
        assert needle in listed, (needle, listed)
    assert "Problems with the claims, limits and sources (8)" in listed  # C5 too: no removal-efficiency data
    assert "would refuse this case" in result.stderr
    for command in (("analyze", case, "-o", tmp_path / "r.json"), ("run", case, "-o", tmp_path / "out")):
        refused = cli(*command)
        assert refused.exit_code == 2 and "8 problem(s)" in refused.stderr, refused.output
        assert "claim 'C1'" in refused.stderr and "GB16297-1996:NMHC:conc:nwe" in refused.stderr
    assert not (tmp_path / "r.json").exists() and not (tmp_path / "out").exists()


def test_a_claim_of_a_kind_its_data_cannot_judge_is_refused(tmp_path):
    rows = [f"S1,{pos},before,{r},NMHC,{v},mg/m3,20000" for pos, v in (("inlet", 90), ("outlet", 10)) for r in (1, 2, 3)]
    make_case(tmp_path / "case", {"m.csv": long_csv(*rows, header="source,position,phase,run,pollutant,value,unit,标干流量(m3/h)")},
              source_extra='height_m = 15\nregime = "new"\n')
    toml = tmp_path / "case" / "case.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + _claim("C1", metric="removal_efficiency", kind="reduction"),
                    encoding="utf-8")
    result = cli("check", tmp_path / "case")
    assert result.exit_code == 2
    assert "claim 'C1' (S1/NMHC/removal_efficiency): a reduction claim cannot be judged on inlet-outlet data" in result.stdout


def test_sources_without_data_are_warnings_not_errors(tmp_path):
    extra = '\n[[source]]\nid = "S9"\nkind = "stack"\naliases = ["9#排气筒"]\n'
    case = _case(tmp_path / "case", _claim("C1"), extra_sources=extra)
    for command in (("check", case), ("analyze", case, "-o", tmp_path / "r.json")):
        result = cli(*command)
        assert result.exit_code == 0, result.output
        assert "warning: source 'S9' has no data" in result.stderr


def test_a_regime_that_picks_a_limit_without_a_basis_is_a_warning(tmp_path):
    """regime = "new" selects GB 16297-1996 Table 2 (new sources) and GB 13271-2014 Table 2 with its
    2014-07-01 date: without regime_basis nothing says why; a warning names the source and limits."""
    no_basis = 'height_m = 15\nregime = "new"\nlimits = ["GB16297-1996:NMHC:conc:new"]\n'
    case = _case(tmp_path / "case", _claim("C1"), source_extra=no_basis)
    for command in (("check", case), ("analyze", case, "-o", tmp_path / "r.json")):
        result = cli(*command)
        assert result.exit_code == 0, result.output
        assert ("warning: source 'S1' declares regime = 'new' without regime_basis, and the regime decides the table "
                "or effective date of GB16297-1996:NMHC:conc:new") in " ".join(result.stderr.split()), result.stderr
    # a limit the regime does not pick (one date for all, no regime): no warning
    plain = 'height_m = 15\nregime = "new"\nlimits = ["DB32-4041-2021:NMHC:inplant_1h"]\n'
    assert "regime_basis" not in cli("check", _case(tmp_path / "c2", _claim("C1"), source_extra=plain)).stderr


def test_a_clean_case_has_no_problem(tmp_path):
    result = cli("check", _case(tmp_path / "case", _claim("C1") + _claim("C2", kind="level", value=20)))
    assert result.exit_code == 0, result.output
    assert "Problems" not in result.stdout and "warning" not in result.stderr


def test_periods_that_overlap_or_end_before_they_start_are_all_listed(tmp_path):
    periods = "".join(f'\n[[period]]\nphase = "{ph}"\nstart = {a}\nend = {b}\n' for ph, a, b in (
        ("before", "2026-03-10T00:00:00", "2026-03-01T00:00:00"),  # reversed
        ("after", "2026-04-01T00:00:00", "2026-04-01T00:00:00"),  # empty
        ("before", "2026-05-01T00:00:00", "2026-05-10T00:00:00"),
        ("after", "2026-05-05T00:00:00", "2026-05-20T00:00:00")))  # overlaps the one before
    case = _case(tmp_path / "case")
    toml = case / "case.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("[[file]]", periods + "\n[[file]]", 1), encoding="utf-8")
    result = cli("check", case)
    assert result.exit_code == 2 and "Traceback" not in result.output
    for needle in ("[[period]] #1 (before): end 2026-03-01 00:00:00 is not after start 2026-03-10",
                   "[[period]] #2 (after): end 2026-04-01 00:00:00 is not after start",
                   "[[period]] #3 before 2026-05-01 00:00:00–2026-05-10 00:00:00 overlaps #4 after"):
        assert needle in result.stderr, result.stderr


MUTATIONS = {
    "pollutant typo": lambda t: t.replace('pollutant = "NMHC"', 'pollutant = "NMHX"'),
    "metric without data": lambda t: t.replace('metric = "concentration"', 'metric = "mass_rate"'),
    "position without data": lambda t: t.replace('metric = "concentration"', 'position = "inlet"\nmetric = "concentration"'),
    "limit typo": lambda t: t.replace("NMHC:conc:new", "NMHC:conc:neu"),
    "limit of another regime": lambda t: t.replace("NMHC:conc:new", "NMHC:conc:existing"),
    "claim on an unknown source": lambda t: t.replace('source = "S1"\npollutant', 'source = "S2"\npollutant'),
    "level claim": lambda t: t.replace('kind = "reduction"', 'kind = "level"'),
    "nothing changed": lambda t: t,
}


@pytest.mark.parametrize("mutation", MUTATIONS, ids=list(MUTATIONS))
def test_check_refuses_exactly_what_analyze_refuses(tmp_path, mutation):
    case = _case(tmp_path / "case", _claim("C1"))
    toml = case / "case.toml"
    toml.write_text(MUTATIONS[mutation](toml.read_text(encoding="utf-8")), encoding="utf-8")
    checked = cli("check", case)
    analysed = cli("analyze", case, "-o", tmp_path / "r.json")
    assert checked.exit_code in (0, 2) and analysed.exit_code in (0, 2), (checked.output, analysed.output)
    assert checked.exit_code == analysed.exit_code, (checked.output, analysed.output)
    expected = 0 if mutation in ("level claim", "nothing changed") else 2
    assert analysed.exit_code == expected, analysed.output


def test_run_data_against_hourly_limits_without_sample_type_is_a_warning(tmp_path):
    """GB 16297-1996 NMHC 120 mg/m3 is a 1-hour mean: whether a run is one (1 h sampling, equal-interval
    samples, or a grab sample) must be stated (sample_type); a warning names the source and limits."""
    no_type = 'height_m = 15\nregime = "new"\nregime_basis = { ja = "2019年設置", zh = "2019年建成" }\n' \
              'limits = ["GB16297-1996:NMHC:conc:new"]\n'
    case = _case(tmp_path / "case", _claim("C1"), source_extra=no_type)
    result = cli("check", case)
    assert result.exit_code == 0, result.output
    assert ("warning: source 'S1' lists limits defined on 1-hour means (GB16297-1996:NMHC:conc:new) without "
            "sample_type") in " ".join(result.stderr.split()), result.stderr
    typed = no_type + 'sample_type = "grab"\n'
    assert "sample_type" not in cli("check", _case(tmp_path / "c2", _claim("C1"), source_extra=typed)).stderr
