"""build_endpoints(): run means, censoring, O2 and mass-rate metrics, removal efficiency,
fugitive rules and continuous readings, on hand-made normalized tables."""


import pandas as pd
import pytest

from verify.errors import InputError
from verify.measure.endpoints import build_endpoints
from verify.measure.normalize import normalize

FLOW = dict(flow=10000.0, flow_unit="m3/h", flow_basis="standard-dry", flow_std_state="normal")


def _by_key(eps):
    return {e.key: e for e in eps}


def test_stack_runs_samples_censoring_and_rates(make_case, canon):
    case = make_case(sources=[{"id": "S1", "kind": "stack", "reference_o2_pct": 9}])
    rows = []
    # before: run 1 two samples 50, 70 → mean 60; run 2 one sample; run 10 sorts after 2
    rows += [dict(source="S1", phase="before", run="1", sample="a", pollutant="NMHC", value=50.0, o2_pct=12.0, load_pct=80.0, **FLOW),
             dict(source="S1", phase="before", run="1", sample="b", pollutant="NMHC", value=70.0, o2_pct=12.0, load_pct=80.0, **FLOW),
             dict(source="S1", phase="before", run="2", pollutant="NMHC", value=40.0, o2_pct=12.0, **FLOW),
             dict(source="S1", phase="before", run="10", pollutant="NMHC", value=30.0, o2_pct=12.0, **FLOW)]
    # after: run 1 has a non-detect sample <2 and a detected 4 → censored, value 3 (upper bound)
    rows += [dict(source="S1", phase="after", run="1", sample="a", pollutant="NMHC", value=2.0, censored=True, o2_pct=12.0, **FLOW),
             dict(source="S1", phase="after", run="1", sample="b", pollutant="NMHC", value=4.0, o2_pct=12.0, **FLOW, status="flagged"),
             # wet value without moisture: excluded, not silently used
             dict(source="S1", phase="after", run="2", pollutant="NMHC", value=9.0, basis="standard-wet", o2_pct=12.0, **FLOW)]
    eps = _by_key(build_endpoints(normalize(canon(rows), case), case))
    c = eps[("S1", "", "NMHC", "concentration")]
    assert c.design == "before-after" and c.unit == "mg/m3"
    assert c.before.runs == ("1", "2", "10") and c.before.values == pytest.approx((60.0, 40.0, 30.0))
    assert c.before.load_pct == (80.0, None, None)
    assert c.after.runs == ("1",) and c.after.values == pytest.approx((3.0,)) and c.after.censored == (True,)
    assert c.after.flagged == (True,) and c.after.excluded == ("2",)
    # O2 correction ×12/9 per sample, so the run mean scales too: 60 × 4/3 = 80
    o = eps[("S1", "", "NMHC", "concentration_o2")]
    assert o.before.values[0] == pytest.approx(80.0)
    # mass rate 60 mg/m3 × 10 000 m3/h × 1e-6 = 0.6 kg/h
    m = eps[("S1", "", "NMHC", "mass_rate")]
    assert m.unit == "kg/h" and m.before.values[0] == pytest.approx(0.6)


def test_removal_efficiency_pairs_by_run(make_case, canon):
    case = make_case()
    rows = []
    for run, cin, cout in [("1", 100.0, 20.0), ("2", 80.0, 8.0), ("3", 90.0, None)]:
        rows.append(dict(source="S1", position="inlet", phase="after", run=run, pollutant="PM", value=cin, **FLOW))
        if cout is not None:
            rows.append(dict(source="S1", position="outlet", phase="after", run=run, pollutant="PM", value=cout, **FLOW))
    eps = _by_key(build_endpoints(normalize(canon(rows), case), case))
    e = eps[("S1", "", "PM", "removal_efficiency")]
    # same flow in and out: η = 1 − 20/100 = 80 %, 1 − 8/80 = 90 %
    assert e.design == "inlet-outlet" and e.unit == "%" and e.position is None
    assert e.after.runs == ("1", "2") and e.after.values == pytest.approx((80.0, 90.0))
    assert e.before is None and e.unmatched == ("after/inlet/3",)
    assert e.paired["after"].inlet == pytest.approx((1.0, 0.8)) and e.paired["after"].outlet == pytest.approx((0.2, 0.08))
    assert ("S1", "inlet", "PM", "concentration") in eps and ("S1", "outlet", "PM", "mass_rate") in eps


FUG = [{"id": "U1", "kind": "fugitive", "role": "upwind"},
       {"id": "D1", "kind": "fugitive", "role": "downwind"},
       {"id": "D2", "kind": "fugitive", "role": "downwind"},
       {"id": "P1", "kind": "fugitive", "role": "in-plant", "limits": ["GB37822-2019:NMHC:inplant_1h"]}]


def _fug_rows():
    rows = []
    for run, u, d1, d2 in [("1", 0.5, 1.2, 1.8), ("2", 0.6, 1.0, 0.4), ("3", None, 2.0, 1.0)]:
        if u is not None:
            rows.append(dict(source="U1", phase="before", run=run, pollutant="NMHC", value=u))
        rows.append(dict(source="D1", phase="before", run=run, pollutant="NMHC", value=d1))
        rows.append(dict(source="D2", phase="before", run=run, pollutant="NMHC", value=d2, censored=(run == "1")))
    rows.append(dict(source="P1", phase="before", run="1", pollutant="NMHC", value=5.0, sample="a"))
    rows.append(dict(source="P1", phase="before", run="1", pollutant="NMHC", value=7.0, sample="b"))
    return rows


def test_fugitive_max_downwind_and_inplant(make_case, canon):
    case = make_case(sources=FUG)
    eps = _by_key(build_endpoints(normalize(canon(_fug_rows()), case), case))
    b = eps[("boundary", "", "NMHC", "fugitive")]
    # highest downwind point per run: 1.8 (D2, censored), 1.0, 2.0
    assert b.rule == "max_downwind" and b.before.values == pytest.approx((1.8, 1.0, 2.0))
    assert b.before.censored == (True, False, False) and b.after is None
    p = eps[("P1", "", "NMHC", "fugitive")]
    assert p.rule == "inplant_1h" and p.before.values == pytest.approx((6.0,))


def test_fugitive_downwind_minus_upwind(make_case, canon, monkeypatch):
    from verify.measure import endpoints as mod

    monkeypatch.setattr(mod, "fugitive_rule", lambda sources, pollutant: "inplant_1h" if any(s.role == "in-plant" for s in sources) else "downwind_minus_upwind")
    case = make_case(sources=FUG)
    eps = _by_key(build_endpoints(normalize(canon(_fug_rows()), case), case))
    b = eps[("boundary", "", "NMHC", "fugitive")]
    # run 1: 1.8 − 0.5 = 1.3; run 2: 1.0 − 0.6 = 0.4; run 3 has no upwind → unmatched
    assert b.before.runs == ("1", "2") and b.before.values == pytest.approx((1.3, 0.4))
    assert b.unmatched == ("before/downwind/3",)


def test_negative_difference_kept_and_flagged(make_case, canon, monkeypatch):
    from verify.measure import endpoints as mod

    monkeypatch.setattr(mod, "fugitive_rule", lambda sources, pollutant: "downwind_minus_upwind")
    case = make_case(sources=FUG[:2])
    rows = [dict(source="U1", phase="after", run="1", pollutant="NMHC", value=1.0),
            dict(source="D1", phase="after", run="1", pollutant="NMHC", value=0.7)]
    b = build_endpoints(normalize(canon(rows), case), case)[0]
    assert b.after.values == pytest.approx((-0.3,)) and b.after.flagged == (True,)


def test_continuous_readings(make_case, canon):
    case = make_case()
    t0 = pd.Timestamp("2026-03-01T00:00Z")
    rows = [dict(source="S1", phase="before", start=t0 + pd.Timedelta(minutes=i), pollutant="NMHC", value=10.0 + i,
                 flag=["N", "T", "M", None][i]) for i in range(4)]
    eps = build_endpoints(normalize(canon(rows), case), case)
    assert [e.metric for e in eps] == ["concentration"]
    r = eps[0].readings
    assert eps[0].design == "continuous" and eps[0].timezone == "Asia/Shanghai"
    assert list(r["valid"]) == [True, True, False, True] and list(r["value"]) == [10.0, 11.0, 12.0, 13.0]
    assert str(r["start"].dtype) == "datetime64[ns, UTC]"


def test_mixed_units_is_an_error(make_case, canon):
    """TVOC (a sum of compounds) in ppmC before (carbon mass, as C) and in ppm as toluene after (mass as
    toluene) are not the same quantity: one endpoint cannot hold both."""
    case = make_case("JP")
    rows = [dict(source="S1", phase="before", run="1", pollutant="TVOC", value=600.0, unit="ppmC"),
            dict(source="S1", phase="after", run="1", pollutant="TVOC", value=60.0, unit="ppmv", as_species="toluene")]
    with pytest.raises(InputError, match="mixes conc_as"):
        build_endpoints(normalize(canon(rows), case), case)


def test_ppmc_is_carbon_mass_with_a_rate(make_case, canon):
    """600 ppmC → 600 × 12.011/22.41397 = 321.523 mgC/m3 (0 °C); × 10 000 m3/h × 1e-6 = 3.21523 kg/h as C."""
    case = make_case("JP")
    rows = [dict(source="S1", phase=p, run="1", pollutant="VOC", value=v, unit="ppmC", **FLOW) for p, v in [("before", 600.0), ("after", 200.0)]]
    eps = build_endpoints(normalize(canon(rows), case), case)
    assert [(e.metric, e.unit, e.as_species) for e in eps] == [("concentration", "mg/m3", "C"), ("mass_rate", "kg/h", "C")]
    assert eps[0].before.values[0] == pytest.approx(321.523, abs=1e-3)
    assert eps[1].before.values[0] == pytest.approx(3.21523, abs=1e-5)


def test_report_ppmc_adds_the_ppmc_endpoint(make_case, canon):
    """report_ppmc = true: a concentration_ppmc endpoint (600 and 200 ppmC as measured) beside the
    mgC/m3 one; an NMHC row in mgC/m3 gives 53.587 mgC/m3 × 22.41397/12.011 = 100.000 ppmC."""
    case = make_case("JP", sources=[{"id": "S1", "kind": "stack", "report_ppmc": True}])
    rows = [dict(source="S1", phase=p, run="1", pollutant="VOC", value=v, unit="ppmC", **FLOW) for p, v in [("before", 600.0), ("after", 200.0)]]
    rows += [dict(source="S1", phase="before", run="1", pollutant="NMHC", value=53.5871, unit="mg/m3", as_species="C", **FLOW)]
    eps = build_endpoints(normalize(canon(rows), case), case)
    voc = {e.metric: e for e in eps if e.pollutant == "VOC"}
    assert sorted(voc) == ["concentration", "concentration_ppmc", "mass_rate"]
    assert (voc["concentration_ppmc"].unit, voc["concentration_ppmc"].as_species) == ("ppmC", "C")
    assert voc["concentration_ppmc"].before.values == (600.0,) and voc["concentration_ppmc"].after.values == (200.0,)
    nmhc = {e.metric: e for e in eps if e.pollutant == "NMHC"}
    assert nmhc["concentration_ppmc"].before.values[0] == pytest.approx(100.0, abs=1e-4)
    assert len({e.key for e in eps}) == len(eps)  # (source, position, pollutant, metric) unique


def test_sorted_by_key(make_case, canon):
    case = make_case(sources=[{"id": "S2", "kind": "stack"}, {"id": "S1", "kind": "stack"}])
    rows = [dict(source=s, phase="before", run="1", pollutant=p, value=1.0) for s in ("S2", "S1") for p in ("SO2", "NMHC")]
    keys = [e.key for e in build_endpoints(normalize(canon(rows), case), case)]
    assert keys == sorted(keys) and len(keys) == 4


def test_samples_for_single_value_limits(make_case, canon):
    case = make_case(sources=FUG)
    eps = _by_key(build_endpoints(normalize(canon(_fug_rows()), case), case))
    s = eps[("P1", "", "NMHC", "fugitive")].samples["before"]
    # in-plant samples 5 and 7 (run mean 6): GB 37822 "any single value" is judged on these
    assert s.labels == ("1/a", "1/b") and s.values == (5.0, 7.0) and s.censored == (False, False)


def test_efficiency_censoring(make_case, canon):
    case = make_case()
    rows = [
        # run 1: outlet "<2" → η ≥ 1 − 2/100 = 98 %, censored (lower bound)
        dict(source="S1", position="inlet", phase="after", run="1", pollutant="PM", value=100.0, **FLOW),
        dict(source="S1", position="outlet", phase="after", run="1", pollutant="PM", value=2.0, censored=True, **FLOW),
        # run 2: inlet non-detect → no efficiency, listed
        dict(source="S1", position="inlet", phase="after", run="2", pollutant="PM", value=1.0, censored=True, **FLOW),
        dict(source="S1", position="outlet", phase="after", run="2", pollutant="PM", value=0.5, **FLOW),
    ]
    e = _by_key(build_endpoints(normalize(canon(rows), case), case))[("S1", "", "PM", "removal_efficiency")]
    assert e.after.runs == ("1",) and e.after.values == pytest.approx((98.0,)) and e.after.censored == (True,)
    assert e.censored_inlet == ("after/2",) and e.unmatched == ()  # listed as a non-detect inlet, not as unmatched
