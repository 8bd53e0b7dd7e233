"""Claims hold within their operating envelope: runs below load_pct_min are left out of the claim test."""

import pandas as pd

from verify.case import Claim
from verify.measure.series import EndpointData, PhaseRuns
from verify.stats.analysis import within_envelope


def runs(values, loads):
    n = len(values)
    return PhaseRuns(runs=tuple(str(i) for i in range(1, n + 1)), values=tuple(values), censored=(False,) * n,
                     load_pct=tuple(loads), flagged=(False,) * n)


def claim(load_min):
    return Claim(id="C1", source="S1", pollutant="NMHC", metric="mass_rate", kind="reduction", value=40,
                 conditions={"load_pct_min": load_min})


def test_runs_below_the_minimum_load_are_left_out_and_listed():
    data = EndpointData(source="S1", position=None, pollutant="NMHC", metric="mass_rate", design="before-after",
                        unit="kg/h", as_species="C", before=runs([1.2, 1.4, 1.3], [60, 90, None]),
                        after=runs([0.5, 0.6, 0.55], [88, 70, 91]))
    inside, dropped = within_envelope(claim(75), data)
    assert dropped == ["before/1", "after/2"]
    assert inside.before.runs == ("2", "3") and inside.before.values == (1.4, 1.3)  # no load record: kept
    assert inside.after.runs == ("1", "3") and inside.after.values == (0.5, 0.55)


def test_without_a_minimum_nothing_changes():
    data = EndpointData(source="S1", position=None, pollutant="NMHC", metric="mass_rate", design="before-after",
                        unit="kg/h", as_species="C", before=runs([1.0, 1.1], [50, 50]), after=runs([0.5, 0.6], [50, 50]))
    inside, dropped = within_envelope(claim(None), data)
    assert inside is data and dropped == []


def test_continuous_readings_below_the_minimum_are_left_out():
    readings = pd.DataFrame({"start": pd.date_range("2026-03-01", periods=4, freq="min", tz="UTC"),
                             "phase": ["before"] * 4, "value": [1.0, 2.0, 3.0, 4.0], "valid": [True] * 4,
                             "flag": ["N"] * 4, "load_pct": [80.0, 50.0, float("nan"), 90.0]})
    data = EndpointData(source="S1", position=None, pollutant="NMHC", metric="concentration", design="continuous",
                        unit="mg/m3", as_species="C", readings=readings)
    inside, dropped = within_envelope(claim(75), data)
    assert dropped == ["1 readings"] and inside.readings["value"].tolist() == [1.0, 3.0, 4.0]
