"""The limits catalogue, applicable_limits() and judge() (each_run vs mean_of_runs)."""

import re

import pytest

from verify.case import Source
from verify.errors import InputError, UnitError
from verify.measure.limits import ID_PATTERN, applicable_limits, fugitive_rule, judge, load_catalogue, o2_reference
from verify.measure.series import PhaseRuns


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


def test_catalogue_loads_with_version_and_hash(cat):
    assert re.fullmatch(r"\d{4}\.\d+\.\d+", cat.version)
    assert re.fullmatch(r"[0-9a-f]{64}", cat.sha256)
    for required in ("GB16297-1996", "GB37822-2019", "GB13271-2014", "DB32-4041-2021", "DB330621-T001-2013",
                     "JP-APCA-VOC", "voluntary"):
        assert any(l.standard == required for l in cat.limits.values()), required
    assert {r["standard"] for r in cat.o2_references} == {"GB13271-2014", "JP-APCA-boiler"}


def test_every_entry_has_source_confidence_and_valid_id(cat):
    for lim in cat.limits.values():
        assert lim.source and lim.confidence in ("S", "K"), lim.id
        assert ID_PATTERN.match(lim.id), lim.id
        assert lim.force == "none" or lim.unit in ("mg/m3", "ppmC", "kg/h", "%"), lim.id


def test_values_match_their_sources(cat):
    # the values the data files cite: DB32/4041-2021 stack values from enviliance.com report 3765;
    # DB330621/T 001-2013 from the 2013 report (91se91.com); JP from pref.osaka.lg.jp kijyun6; the
    # GB values [K] as the files say
    expect = {
        "GB16297-1996:NMHC:conc:new": 120, "GB16297-1996:NMHC:fugitive:new": 4.0, "GB16297-1996:NMHC:conc:existing": 150,
        "GB37822-2019:NMHC:inplant_1h": 10, "GB37822-2019:NMHC:inplant_single": 30,
        "GB37822-2019:NMHC:inplant_1h:special": 6, "GB37822-2019:NMHC:inplant_single:special": 20,
        "DB32-4041-2021:NMHC:conc": 60, "DB32-4041-2021:NMHC:rate": 3, "DB32-4041-2021:BTEX:rate": 1.6,
        "GB13271-2014:SO2:conc:new": 300, "GB13271-2014-gas:NOx:conc:new": 200,
        "DB330621-T001-2013:PM:conc": 30, "DB330621-T001-2013:oil_mist:conc": 40,
        "JP-APCA-VOC-chemdryer:VOC:conc": 600, "JP-APCA-VOC-adhesivedryer:VOC:conc": 1400,
    }
    for k, v in expect.items():
        assert cat.get(k).value == v, k
    assert cat.get("JP-APCA-VOC-chemdryer:VOC:conc").unit == "ppmC"
    assert cat.get("GB13271-2014:SO2:conc:new").reference_o2_pct == 9.0
    assert o2_reference("GB13271-2014", "gas", cat)["reference_o2_pct"] == 3.5
    assert o2_reference("JP-APCA-boiler", "solid", cat)["reference_o2_pct"] == 6.0


def test_height_table_interpolates_and_refuses_outside(cat):
    lim = cat.get("GB16297-1996:NMHC:rate:new")
    s = lambda h: Source(id="S1", kind="stack", height_m=h)  # noqa: E731
    assert lim.value_for(s(15)) == 10 and lim.value_for(s(40)) == 100
    # linear between 20 m (17) and 30 m (53): 25 m → 35 kg/h (hand)
    assert lim.value_for(s(25)) == pytest.approx(35.0)
    with pytest.raises(InputError, match="outside the table"):
        lim.value_for(s(12))
    with pytest.raises(InputError, match="no height_m"):
        lim.value_for(Source(id="S1", kind="stack"))


def test_applicable_limits_filters_and_checks(cat):
    src = Source(id="S1", kind="stack", regime="new", height_m=20,
                 limits=["GB16297-1996:NMHC:conc:new", "GB16297-1996:NMHC:rate:new", "DB32-4041-2021:NMHC:conc", "GB16297-1996:PM:conc:new"])
    got = applicable_limits(src, "NMHC", "concentration", cat)
    assert [l.id for l in got] == ["DB32-4041-2021:NMHC:conc", "GB16297-1996:NMHC:conc:new"]
    assert [l.id for l in applicable_limits(src, "NMHC", "mass_rate", cat)] == ["GB16297-1996:NMHC:rate:new"]
    assert applicable_limits(src, "NMHC", "concentration_o2", cat) == []
    # a ppmC limit (別表第五の二) judges the ppmC endpoint, which a source asks for with report_ppmc
    jp = Source(id="S2", kind="stack", report_ppmc=True, limits=["JP-APCA-VOC-chemdryer:VOC:conc"])
    assert applicable_limits(jp, "VOC", "concentration", cat, unit="mg/m3", as_species="C") == []
    assert [l.id for l in applicable_limits(jp, "VOC", "concentration_ppmc", cat, unit="ppmC", as_species="C")] == [
        "JP-APCA-VOC-chemdryer:VOC:conc"]
    with pytest.raises(UnitError, match="JP-APCA-VOC-chemdryer:VOC:conc is in ppmC"):
        applicable_limits(jp, "VOC", "concentration_ppmc", cat, unit="mg/m3")
    with pytest.raises(InputError, match="which is in ppmC, but the source does not set report_ppmc = true"):
        applicable_limits(Source(id="S2", kind="stack", limits=["JP-APCA-VOC-chemdryer:VOC:conc"]), "VOC", "concentration", cat)


@pytest.mark.parametrize(
    "source, match",
    [
        (Source(id="S1", kind="stack", limits=["NOPE:NMHC:conc"]), "unknown limit id 'NOPE:NMHC:conc'"),
        (Source(id="S1", kind="stack", regime="existing", limits=["GB16297-1996:NMHC:conc:new"]), "GB16297-1996:NMHC:conc:new for new"),
        (Source(id="S1", kind="stack", limits=["GB37822-2019:NMHC:inplant_1h"]), "GB37822-2019:NMHC:inplant_1h, a inplant_1h limit"),
        (Source(id="F1", kind="fugitive", role="downwind", limits=["GB37822-2019:NMHC:inplant_1h"]), "in-plant limit"),
        (Source(id="B1", kind="stack", limits=["GB13271-2014:SO2:conc:new"]), "at 9 % O2"),
        (Source(id="F2", kind="fugitive", role="in-plant", special_limits=True, limits=["GB37822-2019:NMHC:inplant_1h"]), "special_limits is true"),
    ],
)
def test_limit_that_cannot_apply_is_an_error_naming_the_id(cat, source, match):
    with pytest.raises(InputError, match=re.escape(match)):
        applicable_limits(source, "NMHC", "concentration", cat)


def test_judge_each_run_vs_mean_of_runs(cat):
    lim = cat.get("DB32-4041-2021:NMHC:conc")  # 60 mg/m3, each run
    r = judge(lim, [50.0, 65.0, 55.0], [20.0, 25.0, 22.0])
    # one run above 60 fails "any 1-hour average" although the mean (56.67) is below
    assert r["complies"] == {"before": False, "after": True}
    assert r["exceedances"] == {"before": 1, "after": 0}
    assert r["value"] == 60 and r["unit"] == "mg/m3" and r["averaging"] == "1h" and r["rule"] == "each_run"
    from dataclasses import replace
    mean_rule = replace(lim, rule="mean_of_runs", averaging="mean_of_runs")
    r2 = judge(mean_rule, [50.0, 65.0, 55.0], None)
    assert r2["complies"] == {"before": True, "after": None}  # 40 CFR 60.8(f): mean 56.67 ≤ 60
    assert r2["mean"]["before"] == pytest.approx(170 / 3)
    assert r2["exceedances"] == {"before": 1, "after": None}


def test_judge_censored_and_no_legal_limit(cat):
    lim = cat.get("DB32-4041-2021:NMHC:conc")
    before = PhaseRuns(runs=("1", "2"), values=(70.0, 10.0), censored=(True, False))
    r = judge(lim, before, PhaseRuns(runs=("1",), values=(5.0,), censored=(True,)))
    assert r["complies"] == {"before": None, "after": True}  # "<70" cannot be judged against 60
    assert r["undetermined"]["before"] == 1
    vol = judge(cat.get("voluntary:VOC:conc"), [100.0], [50.0])
    assert vol["value"] is None and vol["complies"] == {"before": None, "after": None} and vol["force"] == "none"


def test_judge_rate_with_height_and_efficiency_target(cat):
    lim = cat.get("GB16297-1996:NMHC:rate:new")
    r = judge(lim, [12.0, 20.0], [5.0], Source(id="S1", kind="stack", height_m=20))
    assert r["value"] == 17 and r["complies"] == {"before": False, "after": True}
    eff = cat.get("Shaoxing-stenter-campaign:PM:efficiency")  # ≥ 80 %
    r = judge(eff, [85.0, 79.0], [90.0])
    assert r["complies"] == {"before": False, "after": True} and r["exceedances"]["before"] == 1


def test_fugitive_rule(cat):
    d = Source(id="D1", kind="fugitive", role="downwind", limits=["GB16297-1996:NMHC:fugitive:new"])
    assert fugitive_rule([d], "NMHC", cat) == "max_downwind"
    assert fugitive_rule([Source(id="D2", kind="fugitive", role="downwind")], "NMHC", cat) == "max_downwind"
    assert fugitive_rule([Source(id="P1", kind="fugitive", role="in-plant")], "NMHC", cat) == "inplant_1h"


def test_single_value_limit_needs_readings(cat):
    from verify.measure.series import Readings

    lim = cat.get("GB37822-2019:NMHC:inplant_single")  # 30 mg/m3, any single value
    # run means 12 and 35: the 35 proves an exceedance; the 12 might hide a single reading > 30
    r = judge(lim, [12.0, 35.0], [12.0])
    assert r["complies"] == {"before": False, "after": None} and r["exceedances"]["before"] == 1
    assert r["undetermined"]["after"] == 1 and "run means" in r["note"]
    # with the readings themselves: 10, 14 ≤ 30 → complies; 31 → exceeds
    ok = judge(lim, Readings(("1/a", "1/b"), (10.0, 14.0), (False, False)), Readings(("1/a",), (31.0,), (False,)))
    assert ok["complies"] == {"before": True, "after": False} and "note" not in ok


def test_limit_id_problems(cat):
    """Every limit id a source lists exists and fits the source (what `verify check` lists)."""
    from verify.measure.consistency import limit_id_problems

    good = [Source(id="S1", kind="stack", regime="new", limits=["GB16297-1996:NMHC:conc:new"]),
            Source(id="P1", kind="fugitive", role="in-plant", limits=["GB37822-2019:NMHC:inplant_single"])]
    assert limit_id_problems(good, cat) == []
    (problem,) = limit_id_problems([Source(id="S1", kind="stack", limits=["GB16297-1996:NMHC:conc:nwe"])], cat)
    assert "GB16297-1996:NMHC:conc:nwe" in str(problem) and "GB16297-1996:NMHC:conc:new" in str(problem)
