"""Runs compared with a limit defined on 1-hour means must be 1-hour means (verify/measure/hourly.py):
1 h of continuous sampling, or samples at equal intervals within 1 h averaged (GB 16297-1996 §8.2:
4 samples; GB 37822-2019 in-plant: 3-4). A grab (bag) sample gives an indicative comparison only."""

from __future__ import annotations

import pytest

from verify.measure.hourly import hourly_mean, is_hourly_limit, min_samples, samples_per_run
from verify.measure.limits import load_catalogue


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


def test_how_many_equal_interval_samples_make_an_hourly_mean(cat):
    assert min_samples(cat.get("GB16297-1996:NMHC:conc:new")) == 4        # GB 16297-1996 §8.2.1
    assert min_samples(cat.get("GB16297-1996:NMHC:fugitive:new")) == 4    # §8.2.2
    assert min_samples(cat.get("GB37822-2019:NMHC:inplant_1h")) == 3      # 3-4 samples [K]
    assert min_samples(cat.get("DB32-4041-2021:NMHC:inplant_1h")) == 3
    assert min_samples(cat.get("DB32-4041-2021:NMHC:conc")) == 4          # no entry: the stricter default
    assert is_hourly_limit(cat.get("GB37822-2019:NMHC:inplant_1h"))
    assert not is_hourly_limit(cat.get("GB37822-2019:NMHC:inplant_single"))  # "any single value"


def test_whether_the_runs_of_a_phase_are_hourly_means(cat):
    stack = cat.get("GB16297-1996:NMHC:conc:new")
    assert samples_per_run(["1/1", "1/2", "1/3", "1/4", "2/1", "2/2", "2/3"]) == [4, 3]
    assert samples_per_run(["1", "2"]) == [1, 1]
    assert hourly_mean("hourly", stack, [1, 1, 1]) is True           # 1 h continuous sampling per run
    assert hourly_mean("grab", stack, [4, 4, 4]) is False            # grab samples are never an hourly mean
    assert hourly_mean("equal_interval", stack, [4, 4, 4]) is True
    assert hourly_mean("equal_interval", stack, [4, 3, 4]) is False  # one run short of GB 16297's 4
    inplant = cat.get("GB37822-2019:NMHC:inplant_1h")
    assert hourly_mean("equal_interval", inplant, [3, 3, 3]) is True
    assert hourly_mean(None, stack, [4, 4, 4]) is None               # not stated: not known
    assert hourly_mean("hourly", stack, []) is None                  # no runs


def test_grab_samples_give_no_verdict_and_a_caveat_in_the_textile_case(textile_analysed):
    """Textile S1 declared as grab sampled: its NMHC limits (1-h means) bind nothing, the one that
    came first (DB32/4041, value_unconfirmed) is now not_hourly_mean, and the endpoints say why."""
    line = 'sample_type = "hourly"                   # each run is 1 h of continuous sampling (stenter_S1.xlsx, sheet 说明, note 5)\n'
    results = textile_analysed(line, 'sample_type = "grab"\n')
    s1 = [ep for ep in results["endpoints"] if ep["source"] == "S1" and ep["pollutant"] == "NMHC"]
    assert {ep["metric"] for ep in s1} == {"concentration", "mass_rate"}
    for ep in s1:
        assert any(c["code"] == "not_hourly_mean" for c in ep["caveats"])
        for lim in ep["limits"]:
            assert lim["sample_type"] == "grab" and lim["hourly_mean"] == {"before": False, "after": False}
            assert lim["legal"] is False and lim["binding"] == {"before": False, "after": False}
        first = next(lim for lim in ep["limits"] if lim["id"].startswith("DB32-4041-2021"))
        assert first["binding_reason"] == {"before": "not_hourly_mean", "after": "not_hourly_mean"}
        assert first["exceedances"]["before"] == (3 if ep["metric"] == "concentration" else 0)  # still counted
    # the other sources keep their own sample type
    s2 = next(ep for ep in results["endpoints"] if ep["source"] == "S2" and ep["pollutant"] == "SO2"
              and ep["metric"] == "concentration_o2")
    assert s2["limits"][0]["hourly_mean"] == {"before": True, "after": True}
