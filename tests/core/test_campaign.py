"""The campaign period of each phase (results.json ``campaign``) and the measured decimals of runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from verify.case import load_case
from verify.measure.campaign import campaign
from verify.results import _run_decimals, endpoint_decimals

TOML = """
[case]
id = "demo"
title = "t"
factory = "f"
timezone = "Asia/Shanghai"
conditions = "CN"
concentration_basis = "standard-dry"
{extra}

[[source]]
id = "S1"
kind = "stack"

[[file]]
path = "data/x.csv"
"""


def _case(tmp_path: Path, extra: str = ""):
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "x.csv").write_text("a\n", encoding="utf-8")
    (tmp_path / "case.toml").write_text(TOML.format(extra=extra), encoding="utf-8")
    return load_case(tmp_path)


def _table(starts, phases, sources=None):
    n = len(starts)
    return pd.DataFrame({"start": pd.to_datetime(starts, utc=True), "phase": phases,
                         "source": sources or ["S1"] * n, "pollutant": ["NMHC"] * n})


def test_first_and_last_day_are_local_to_the_case_time_zone(tmp_path):
    # 2026-03-01T16:00Z is 2026-03-02 00:00 in Shanghai (UTC+8); 2026-03-29T15:59Z is 23:59 local
    table = _table(["2026-03-01T16:00:00Z", "2026-03-29T15:59:00Z", "2026-04-12T16:00:00Z", "2026-05-10T15:59:00Z"],
                   ["before", "before", "after", "after"])
    out = campaign(table, _case(tmp_path))
    assert out["phases"]["before"] == {"first": "2026-03-02", "last": "2026-03-29", "from": "samples"}
    assert out["phases"]["after"] == {"first": "2026-04-13", "last": "2026-05-10", "from": "samples"}
    assert out["sources"][0]["first_time"] == "2026-03-02T00:00:00+08:00"
    assert [s["phase"] for s in out["sources"]] == ["before", "after"]


PERIODS = """
[[period]]
phase = "before"
start = 2026-05-12T00:00:00
end = 2026-05-14T00:00:00

[[period]]
phase = "after"
start = 2026-09-16T00:00:00
end = 2026-09-17T00:00:00
"""


def test_manual_runs_take_their_dates_from_the_periods(tmp_path):
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "x.csv").write_text("a\n", encoding="utf-8")
    (tmp_path / "case.toml").write_text(TOML.format(extra="") + PERIODS, encoding="utf-8")
    case = load_case(tmp_path)
    table = pd.DataFrame({"start": pd.Series([pd.NaT, pd.NaT], dtype="datetime64[ns, UTC]"),
                          "phase": ["before", "after"], "source": ["S1", "S1"], "pollutant": ["NMHC", "NMHC"]})
    out = campaign(table, case)
    # the end of a period is exclusive: 2026-05-12T00:00 to 2026-05-14T00:00 covers the 12th and 13th
    assert out["phases"]["before"] == {"first": "2026-05-12", "last": "2026-05-13", "from": "period"}
    assert out["phases"]["after"] == {"first": "2026-09-16", "last": "2026-09-16", "from": "period"}
    assert out["sources"] == []


def test_without_dates_the_campaign_says_so(tmp_path):
    table = pd.DataFrame({"start": pd.Series([pd.NaT], dtype="datetime64[ns, UTC]"), "phase": ["before"],
                          "source": ["S1"], "pollutant": ["NMHC"]})
    out = campaign(table, _case(tmp_path))
    assert out["phases"]["before"] == {"first": None, "last": None, "from": None}


@pytest.mark.parametrize("raw, expected", [
    (["2.6"], 1), (["<1.0"], 1), (["1.38", "1.98", "1.4", "1.34"], 2), (["486"], 0), (["1e3"], None), ([], None),
])
def test_run_decimals_are_those_of_its_cells(raw, expected):
    assert _run_decimals(raw) == expected


def test_endpoint_decimals_only_for_values_taken_as_measured():
    runs = [{"source": "S1", "position": None, "phase": "after", "run": "1", "pollutant": "PM", "value": 2.6,
             "conc": 2.6, "unit": "mg/m3", "decimals": 1},
            {"source": "S1", "position": None, "phase": "after", "run": "2", "pollutant": "PM", "value": 30.0,
             "conc": 31.2, "unit": "mg/m3", "decimals": 1}]  # converted: 30.0 as measured, 31.2 at the reporting state
    ep = {"source": "S1", "position": None, "pollutant": "PM", "metric": "concentration", "design": "before-after",
          "unit": "mg/m3", "after": {"runs": ["1", "2"], "values": [2.6, 31.2]}}
    endpoint_decimals(ep, runs)
    assert ep["after"]["decimals"] == [1, None]
    rate = {**ep, "metric": "mass_rate", "after": {"runs": ["1"], "values": [0.04]}}
    endpoint_decimals(rate, runs)
    assert "decimals" not in rate["after"]


def test_ledger_entries_name_the_run_of_their_row():
    from verify.results import _entry_runs

    entries = pd.DataFrame({"file": ["a.xlsx", "a.xlsx", "b.csv"], "sheet": ["s", "s", None], "row": [8, 99, 3],
                            "reason": ["missing_marker", "no_phase", "nondetect"]})
    normalized = pd.DataFrame({"file": ["a.xlsx", "a.xlsx", "b.csv"], "sheet": ["s", "s", None], "row": [8, 8, 3],
                               "source": ["S1", "S1", "S2"], "position": [None, None, "outlet"],
                               "phase": ["after", "after", "before"], "run": ["2", "2", "1"]})
    out = _entry_runs(entries, normalized)
    assert out[["source", "phase", "run"]].astype(object).where(out[["source", "phase", "run"]].notna(), None).values.tolist() == [
        ["S1", "after", "2"], [None, None, None], ["S2", "before", "1"]]  # row 99 was rejected: no run
    assert out["sheet"].tolist()[:2] == ["s", "s"] and pd.isna(out["sheet"].tolist()[2])
    assert out["position"].tolist()[2] == "outlet"
