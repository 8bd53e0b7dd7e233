"""Standards known to the catalogue but not encoded, named for the cases they may concern
(verify/measure/unweighed.py, results.json ``limits_not_weighed``).

The catalogue's [[unencoded]] entries (verify/measure/data/limits): DB32/4385-2022 (Jiangsu 320000,
boilers: PM, SO2, NOx at combustion sources), DB32/4041-2021 Table 1 particulate (Jiangsu, process
stacks), DB13/2322-2016 (Hebei 130000, NMHC/BTEX/VOC at any stack). Each expectation below follows
from those fields and the matching rules of the module docstring.
"""

from dataclasses import replace

import pytest

from verify.measure.limits import Limit, load_catalogue
from verify.measure.unweighed import may_apply, not_weighed

STENTER = {"id": "S1", "kind": "stack"}
BOILER = {"id": "S2", "kind": "stack", "reference_o2_pct": 9}
BOUNDARY = {"id": "D1", "kind": "fugitive", "role": "downwind"}


def _case(make_case, code, sources):
    from pathlib import Path

    from verify.case import Case, CaseManifest

    data = {"case": {"id": "t", "title": "t", "factory": "f", "timezone": "Asia/Shanghai", "conditions": "CN",
                     "concentration_basis": "standard-dry", **({"location_code": code} if code else {})},
            "source": sources, "file": [{"path": "data/x.csv"}]}
    return Case(root=Path("/nonexistent"), manifest=CaseManifest.model_validate(data), case_toml_sha256="0" * 64)


def ids(items):
    return [(i["id"], i["sources"], i["pollutants"]) for i in items]


def test_jiangsu_plant_names_the_boiler_standard_and_the_pm_gap(make_case):
    case = _case(make_case, "320281", [STENTER, BOILER, BOUNDARY])
    measured = [("S1", "PM"), ("S1", "NMHC"), ("S2", "SO2"), ("S2", "PM"), ("boundary", "NMHC")]
    got = not_weighed(case, measured, load_catalogue())
    # S2 is a combustion source (reference O2): DB32/4385-2022 for its PM and SO2; S1 a process stack:
    # DB32/4041-2021 Table 1 particulate for its PM; nothing for NMHC (no Jiangsu entry has it) or
    # the boundary (no fugitive entry)
    assert ids(got) == [("DB32-4041-2021:PM:table1", ["S1"], ["PM"]),
                        ("DB32-4385-2022:boilers", ["S2"], ["PM", "SO2"])]
    boiler = got[1]
    assert (boiler["reason"], boiler["location"], boiler["jurisdiction"]) == ("not_encoded", "covers",
                                                                            {"level": "province", "code": "320000"})
    assert got[0]["reason"] == "value_not_sourced"


def test_hebei_plant_names_db13_2322_for_nmhc(make_case):
    case = _case(make_case, "131081", [STENTER])
    assert ids(not_weighed(case, [("S1", "NMHC")], load_catalogue())) == [("DB13-2322-2016:VOC", ["S1"], ["NMHC"])]


@pytest.mark.parametrize("code, expected", [("330621", []), (None, [])])
def test_other_province_or_no_location_names_none(make_case, code, expected):
    """A Zhejiang plant is outside Jiangsu and Hebei; without a location_code nothing can be said."""
    case = _case(make_case, code, [STENTER, BOILER])
    assert ids(not_weighed(case, [("S1", "PM"), ("S2", "SO2"), ("S1", "NMHC")], load_catalogue())) == expected


def test_coarse_location_may_cover(make_case):
    """A plant known only as "Jiangsu" (320000) is inside a Jiangsu standard: covers. (A county
    standard would be "may_cover"; no county entry exists, so the rule is shown on the province.)"""
    case = _case(make_case, "320000", [BOILER])
    assert [i["location"] for i in not_weighed(case, [("S2", "NOx")], load_catalogue())] == ["covers"]


def test_a_source_that_lists_the_standard_for_the_pollutant_was_weighed(make_case):
    cat = load_catalogue()
    template = cat.get("DB32-4041-2021:NMHC:conc")
    pm = replace(template, id="DB32-4041-2021:PM:conc", pollutant="PM", basis=None)
    assert isinstance(pm, Limit)
    with_pm = replace(cat, limits={**cat.limits, pm.id: pm})
    case = _case(make_case, "320281", [{**STENTER, "limits": [pm.id]}])
    assert not_weighed(case, [("S1", "PM")], with_pm) == []


def test_may_apply_is_the_per_endpoint_view_of_not_weighed(make_case):
    """``may_apply`` (binding rule 6) gives, per source and pollutant, exactly the entries
    ``not_weighed`` names for that pair: the boiler's SO2 → DB32/4385-2022; the stenter's PM → the
    DB32/4041 Table 1 gap; the stenter's NMHC and the boundary → none."""
    case = _case(make_case, "320281", [STENTER, BOILER, BOUNDARY])
    cat = load_catalogue()
    assert [u.id for u in may_apply(case, "S2", "SO2", cat)] == ["DB32-4385-2022:boilers"]
    assert [u.id for u in may_apply(case, "S1", "PM", cat)] == ["DB32-4041-2021:PM:table1"]
    assert may_apply(case, "S1", "NMHC", cat) == [] and may_apply(case, "boundary", "NMHC", cat) == []
    assert may_apply(_case(make_case, None, [BOILER]), "S2", "SO2", cat) == []
