"""normalize(): reference states, wet/dry, O2, flows, mass rates and cross-checks on hand-made rows.
Expected values are hand-computed in the comments."""

import math

import numpy as np
import pytest

from verify.errors import UnitError
from verify.measure.normalize import normalize


def test_worked_example_cn(make_case, canon):
    # docs/references.md#stenter-magnitudes: 15 000 Nm3/h dry × 60 mg/m3 = 0.9 kg/h; lab reported 0.9 → no mismatch
    case = make_case()
    t = canon([dict(source="S1", phase="before", run="1", pollutant="NMHC", as_species="C", value=60.0,
                    flow=15000.0, flow_unit="m3/h", flow_basis="standard-dry", flow_std_state="normal",
                    rate_reported=0.9)])
    n = normalize(t, case)
    r = n.iloc[0]
    assert r["conc"] == pytest.approx(60.0) and r["conc_unit"] == "mg/m3" and r["conc_as"] == "C"
    assert r["conc_state"] == "normal-dry"
    assert r["flow_sd_m3_h"] == pytest.approx(15000.0)
    assert r["mass_rate_kg_h"] == pytest.approx(0.9)
    assert r["rate_check"] == pytest.approx(0.0) and r["rate_mismatch"] == False  # noqa: E712
    assert math.isnan(r["conc_o2"])


def test_epa_input_reported_cn(make_case, canon):
    # 100 mg/dscm at 20 °C → at 0 °C: 100 × 293.15/273.15 = 107.322 mg/m3
    case = make_case("CN")
    n = normalize(canon([dict(source="S1", phase="before", run="1", pollutant="PM", value=100.0, std_state="epa")]), case)
    assert n["conc"].iloc[0] == pytest.approx(107.322, abs=1e-3)
    assert "epa→normal" in n["derivation"].iloc[0]


def test_empty_std_state_uses_input_conditions(make_case, canon):
    # US-EPA reporting with input_conditions CN: bare standard = 0 °C → ×273.15/293.15 = 0.931776
    case = make_case("US-EPA", input_conditions="CN")
    n = normalize(canon([dict(source="S1", phase="before", run="1", pollutant="PM", value=100.0, std_state=None)]), case)
    assert n["conc"].iloc[0] == pytest.approx(93.1776, abs=1e-4)
    assert n["conc_state"].iloc[0] == "epa-dry"
    assert "input conditions (normal)" in n["derivation"].iloc[0]


def test_wet_and_actual_values(make_case, canon):
    case = make_case()
    t = canon([
        # standard-wet 45 at 10 % H2O → 50 dry
        dict(source="S1", phase="before", run="1", pollutant="PM", value=45.0, basis="standard-wet", h2o_pct=10.0),
        # actual-wet 10 mg/m3 at 150 °C, 100 kPa, 8 % H2O → 10 × 423.15/273.15 × 101.325/100 / 0.92 = 17.0620
        dict(source="S1", phase="before", run="2", pollutant="PM", value=10.0, basis="actual-wet", h2o_pct=8.0,
             temp_c=150.0, pressure_kpa=100.0),
        # wet without moisture → NaN with a reason
        dict(source="S1", phase="before", run="3", pollutant="PM", value=10.0, basis="standard-wet"),
        # actual without T/P → NaN with a reason
        dict(source="S1", phase="before", run="4", pollutant="PM", value=10.0, basis="actual-wet", h2o_pct=5.0),
    ])
    n = normalize(t, case)
    assert n["conc"].iloc[0] == pytest.approx(50.0)
    assert n["conc"].iloc[1] == pytest.approx(17.0620, abs=1e-3)
    assert math.isnan(n["conc"].iloc[2]) and "h2o_pct" in n["missing"].iloc[2]
    assert math.isnan(n["conc"].iloc[3]) and "temp_c" in n["missing"].iloc[3]


def test_ppm_and_ppmc(make_case, canon):
    case = make_case("JP")
    t = canon([
        # 10 ppmv SO2 → 10 × 2.85795 = 28.5795 mg/m3 at 0 °C
        dict(source="S1", phase="before", run="1", pollutant="SO2", value=10.0, unit="ppmv"),
        # NOx 100 ppbv → 0.1 ppmv as NO2 → 0.1 × 46.005/22.41397 = 0.205252 mg/m3, as NO2
        dict(source="S1", phase="before", run="1", pollutant="NOx", value=100.0, unit="ppbv"),
        # 600 ppmC → carbon mass: 600 × 12.011/22.41397 (0.535871 mgC/m3 per ppmC at 0 °C) = 321.523 mgC/m3
        dict(source="S1", phase="before", run="1", pollutant="VOC", value=600.0, unit="ppmC"),
        # ppmv of a mixture without as_species cannot be converted
        dict(source="S1", phase="before", run="1", pollutant="NMHC", value=5.0, unit="ppmv"),
        # NMHC 5 ppmv as propane = 5 × 3 = 15 ppmC → mg/m3 as C (HJ 38-2017 basis): 15 × 12.011/22.41397
        # = 8.03807 (published: 0.5359 mgC/m3 per ppmC, × 15 = 8.0385); equivalently 5 × 44.097/22.41397
        # = 9.83695 mg/m3 as propane × 3·12.011/44.097 (0.817130)
        dict(source="S1", phase="before", run="1", pollutant="NMHC", value=5.0, unit="ppmv", as_species="propane", sample="b"),
    ])
    n = normalize(t, case)
    assert n["conc"].iloc[0] == pytest.approx(28.5795, abs=1e-3) and n["conc_unit"].iloc[0] == "mg/m3"
    assert n["conc"].iloc[1] == pytest.approx(0.205252, abs=1e-5) and n["conc_as"].iloc[1] == "NO2"
    assert n["conc"].iloc[2] == pytest.approx(321.523, abs=1e-3) and n["conc_unit"].iloc[2] == "mg/m3" and n["conc_as"].iloc[2] == "C"
    assert "ppmC→mgC/m3 ×12.011/Vm (Vm=22.414 L/mol at normal)" in n["derivation"].iloc[2]
    assert math.isnan(n["conc"].iloc[3]) and "as_species" in n["missing"].iloc[3]
    assert n["conc"].iloc[4] == pytest.approx(8.03807, abs=1e-4) and n["conc_as"].iloc[4] == "C"
    assert "ppmv as propane→ppmC ×3 (carbon atoms of C3H8)" in n["derivation"].iloc[4]
    assert n["conc_ppmc"].isna().all()  # no source asks for report_ppmc


def test_hydrocarbon_sums_given_as_a_compound_become_as_carbon(make_case, canon):
    """NMHC/THC limits are as C (HJ 38-2017): a lab's 'as propane' or 'as CH4' value is converted by the
    carbon it contains; a single compound keeps its own basis."""
    case = make_case()
    t = canon([
        # 10 mg/m3 as propane × 3·12.011/44.097 = 8.17130 mgC/m3 (IUPAC 2021 atomic weights)
        dict(source="S1", phase="before", run="1", pollutant="NMHC", value=10.0, unit="mg/m3", as_species="propane"),
        # 10 mg/m3 as CH4 × 12/16 = 7.5 mgC/m3 (HJ 38-2017 writes the factor as 12/16)
        dict(source="S1", phase="before", run="2", pollutant="THC", value=10.0, unit="mg/m3", as_species="CH4"),
        # already as C: unchanged
        dict(source="S1", phase="before", run="3", pollutant="NMHC", value=10.0, unit="mg/m3", as_species="C"),
        # toluene is a compound of its own: never 'as C' unless asked
        dict(source="S1", phase="before", run="4", pollutant="toluene", value=10.0, unit="mg/m3"),
    ])
    n = normalize(t, case)
    assert n["conc"].iloc[0] == pytest.approx(8.17130, abs=1e-5) and n["conc_as"].iloc[0] == "C"
    assert n["conc"].iloc[1] == pytest.approx(7.5) and n["conc_as"].iloc[1] == "C"
    assert "HJ 38-2017: 12/16" in n["derivation"].iloc[1]
    assert n["conc"].iloc[2] == pytest.approx(10.0) and n["conc_as"].iloc[2] == "C"
    assert n["conc"].iloc[3] == pytest.approx(10.0) and str(n["conc_as"].iloc[3]) != "C"


def test_o2_correction_and_lab_check(make_case, canon):
    # GB 13271 coal boiler, reference 9 %: 120 mg/m3 at 12 % O2 → 160; lab wrote 160 (ok) and 170 (6.25 % off)
    case = make_case(sources=[{"id": "B1", "kind": "stack", "reference_o2_pct": 9}])
    t = canon([
        dict(source="B1", phase="before", run="1", pollutant="SO2", value=120.0, o2_pct=12.0, value_o2ref=160.0),
        dict(source="B1", phase="before", run="2", pollutant="SO2", value=120.0, o2_pct=12.0, value_o2ref=170.0),
        dict(source="B1", phase="before", run="3", pollutant="SO2", value=120.0),
    ])
    n = normalize(t, case)
    assert n["conc_o2"].iloc[0] == pytest.approx(160.0)
    assert n["o2ref_mismatch"].iloc[0] == False  # noqa: E712
    assert n["o2ref_check"].iloc[1] == pytest.approx(170 / 160 - 1)
    assert n["o2ref_mismatch"].iloc[1] == True  # noqa: E712
    assert math.isnan(n["conc_o2"].iloc[2]) and "no o2_pct" in n["missing"].iloc[2]


def test_o2_cap_jp(make_case, canon):
    # JP: Os capped at 20 %, On 6: 10 mg/m3 at 20.5 % → 10 × 15/1 = 150
    case = make_case("JP", sources=[{"id": "B1", "kind": "stack", "reference_o2_pct": 6, "o2_cap_pct": 20}])
    n = normalize(canon([dict(source="B1", phase="before", run="1", pollutant="NOx", value=10.0, o2_pct=20.5)]), case)
    assert n["conc_o2"].iloc[0] == pytest.approx(150.0)


def test_flow_conversions(make_case, canon):
    case = make_case()
    t = canon([
        # actual wet 20 000 m3/h at 150 °C, 100 kPa, 8 % → 11 722.17 Nm3/h dry (hand, see test_conversions)
        dict(source="S1", phase="before", run="1", pollutant="PM", value=20.0, flow=20000.0, flow_unit="m3/h",
             flow_basis="actual-wet", h2o_pct=8.0, temp_c=150.0, pressure_kpa=100.0),
        # 250 m3/min standard dry at 20 °C → 15 000 m3/h × 273.15/293.15 = 13 976.63 Nm3/h
        dict(source="S1", phase="before", run="2", pollutant="PM", value=20.0, flow=250.0, flow_unit="m3/min",
             flow_basis="standard-dry", flow_std_state="epa"),
        # flow without basis: no assumption
        dict(source="S1", phase="before", run="3", pollutant="PM", value=20.0, flow=1000.0, flow_unit="m3/h"),
    ])
    n = normalize(t, case)
    assert n["flow_sd_m3_h"].iloc[0] == pytest.approx(11722.17, abs=0.01)
    assert n["mass_rate_kg_h"].iloc[0] == pytest.approx(20 * 11722.17e-6, rel=1e-5)
    assert n["flow_sd_m3_h"].iloc[1] == pytest.approx(13976.63, abs=0.01)  # 15000 × (273.15/293.15 = 0.9317755)
    assert math.isnan(n["flow_sd_m3_h"].iloc[2]) and "flow_basis" in n["missing"].iloc[2]


def test_mass_rate_is_state_invariant(make_case, canon):
    # the same measurement reported at 0 °C or 20 °C gives the same kg/h (conc and flow scale inversely)
    rows = [dict(source="S1", phase="before", run="1", pollutant="PM", value=60.0, flow=15000.0, flow_unit="m3/h",
                 flow_basis="standard-dry", flow_std_state="normal")]
    a = normalize(canon(rows), make_case("CN"))
    b = normalize(canon(rows), make_case("US-EPA"))
    assert b["conc"].iloc[0] == pytest.approx(60 * 273.15 / 293.15)
    assert a["mass_rate_kg_h"].iloc[0] == pytest.approx(b["mass_rate_kg_h"].iloc[0])


def test_unknown_unit_names_location(make_case, canon):
    t = canon([dict(source="S1", phase="before", run="1", pollutant="PM", value=1.0, unit="ppm", row=7, cell="D7")])
    with pytest.raises(UnitError, match="data/x.csv, row 7, column unit"):
        normalize(t, make_case())


def test_empty_table(make_case, canon):
    n = normalize(canon([]), make_case())
    assert len(n) == 0 and "conc" in n.columns and "derivation" in n.columns


def test_odour_passes_through_and_percent_is_not_a_concentration(make_case, canon):
    case = make_case(sources=[{"id": "S1", "kind": "stack", "reference_o2_pct": 9}])
    t = canon([
        dict(source="S1", phase="before", run="1", pollutant="odour", value=1300.0, unit="dimensionless", o2_pct=12.0),
        dict(source="S1", phase="before", run="1", pollutant="PM", value=5.0, unit="pct", sample="x"),
    ])
    n = normalize(t, case)
    assert n["conc"].iloc[0] == 1300.0 and n["conc_unit"].iloc[0] == "dimensionless" and math.isnan(n["conc_o2"].iloc[0])
    assert math.isnan(n["conc"].iloc[1]) and "not a concentration" in n["missing"].iloc[1]


def test_row_order_does_not_change_results(make_case, canon):
    # property: normalize is row-wise, so a permutation of the input permutes the output
    case = make_case(sources=[{"id": "S1", "kind": "stack", "reference_o2_pct": 9}])
    rows = [dict(source="S1", phase="before", run=str(i), pollutant=p, value=float(i + 1), unit=u, o2_pct=10.0 + i,
                 h2o_pct=5.0, basis=b, temp_c=120.0, pressure_kpa=100.5, flow=1000.0 * (i + 1), flow_unit="m3/min",
                 flow_basis="actual-wet")
            for i, (p, u, b) in enumerate([("SO2", "ppmv", "standard-dry"), ("PM", "ug/m3", "actual-wet"),
                                           ("VOC", "ppmC", "standard-wet"), ("NOx", "mg/m3", "standard-wet")])]
    a = normalize(canon(rows), case)
    b = normalize(canon(rows[::-1]), case)
    cols = ["conc", "conc_o2", "flow_sd_m3_h", "mass_rate_kg_h"]
    assert np.allclose(a[cols].to_numpy(float), b[cols].to_numpy(float)[::-1], equal_nan=True)
    assert list(a["derivation"]) == list(b["derivation"])[::-1]


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


# the fixtures are stateless factories, so sharing them across examples is safe
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    c=st.floats(0.01, 5000), q=st.floats(100, 1e6), t=st.floats(-20, 400), p=st.floats(80, 110),
    h2o=st.floats(0, 40), o2=st.floats(0, 20.5), conditions=st.sampled_from(["CN", "US-EPA"]),
)
def test_mass_rate_matches_gbt16157_written_out(make_case, canon, c, q, t, p, h2o, o2, conditions):
    """Independent second computation: GB/T 16157 Qsn = Qs·(P/101.325)·(273.15/(273.15+t))·(1−Xsw) and the
    actual-wet concentration taken to 0 °C dry, written out here without the library."""
    case = make_case(conditions, sources=[{"id": "S1", "kind": "stack", "reference_o2_pct": 9}])
    rows = [dict(source="S1", phase="before", run="1", pollutant="PM", value=c, basis="actual-wet", h2o_pct=h2o,
                 temp_c=t, pressure_kpa=p, o2_pct=o2, flow=q, flow_unit="m3/h", flow_basis="actual-wet")]
    n = normalize(canon(rows), case).iloc[0]
    qsn = q * (p / 101.325) * (273.15 / (273.15 + t)) * (1 - h2o / 100)
    csn = c * (101.325 / p) * ((273.15 + t) / 273.15) / (1 - h2o / 100)
    assert n["mass_rate_kg_h"] == pytest.approx(csn * qsn * 1e-6, rel=1e-9)
    t_ref = 273.15 if conditions == "CN" else 293.15
    assert n["conc"] == pytest.approx(csn * 273.15 / t_ref, rel=1e-9)
    assert n["conc_o2"] == pytest.approx(n["conc"] * 12 / (21 - o2), rel=1e-9)


def test_normalize_runs_the_tested_conversions(make_case, canon, monkeypatch):
    """Issue 15 item 9: the functions tests/measure/test_conversions.py checks are the ones normalize
    runs (no inline copy of a formula): each is replaced by a spy that records the call and returns
    the real result, and every path below must go through it."""
    from verify.measure import conversions as cv

    names = ("wet_to_dry", "flow_wet_to_dry", "ppmv_to_mg_m3", "ppmv_to_ppmc", "ppmc_to_mgc_m3", "mgc_m3_to_ppmc",
             "change_state", "actual_to_standard_conc", "actual_to_standard_flow", "flow_change_state", "o2_correct",
             "mass_rate_kg_h")
    calls: set[str] = set()
    for name in names:
        real = getattr(cv, name)
        monkeypatch.setattr(cv, name, lambda *a, _n=name, _r=real, **k: (calls.add(_n), _r(*a, **k))[1])
    case = make_case(sources=[{"id": "S1", "kind": "stack", "reference_o2_pct": 9, "report_ppmc": True}])
    wet_flow = dict(flow=20000.0, flow_unit="m3/h", flow_basis="actual-wet", temp_c=150.0, pressure_kpa=100.0, h2o_pct=8.0)
    n = normalize(canon([
        dict(source="S1", phase="before", run="1", pollutant="PM", value=45.0, basis="standard-wet", o2_pct=12.0, **wet_flow),
        dict(source="S1", phase="before", run="2", pollutant="PM", value=10.0, basis="actual-wet", **wet_flow),
        dict(source="S1", phase="before", run="3", pollutant="PM", value=10.0, std_state="epa",
             flow=15000.0, flow_unit="m3/h", flow_basis="standard-dry", flow_std_state="epa"),
        dict(source="S1", phase="before", run="4", pollutant="SO2", value=10.0, unit="ppmv"),
        dict(source="S1", phase="before", run="5", pollutant="NMHC", value=100.0, unit="ppmv", as_species="propane"),
        dict(source="S1", phase="before", run="6", pollutant="NMHC", value=60.0, as_species="C"),
    ]), case)
    assert calls == set(names)
    # the spies changed nothing: 45 mg/m3 wet at 8 % H2O → 45/0.92 = 48.913; 100 ppm as propane → 160.761 mgC/m3
    assert n["conc"].iloc[0] == pytest.approx(48.913, abs=1e-3) and n["conc"].iloc[4] == pytest.approx(160.761, abs=1e-3)
    # conc_ppmc (report_ppmc): 300 ppmC as measured; 60 mgC/m3 × 22.41397/12.011 (1.866120) = 111.967 ppmC
    assert n["conc_ppmc"].iloc[4] == pytest.approx(300.0) and n["conc_ppmc"].iloc[5] == pytest.approx(111.967, abs=1e-3)


def test_a_sum_as_a_carbon_free_species_has_no_concentration(make_case, canon):
    # NMHC "as NO2" has no carbon to count: no concentration, the reason is said, nothing converted
    n = normalize(canon([dict(source="S1", phase="before", run="1", pollutant="NMHC", value=5.0, unit="ppmv", as_species="NO2")]),
                  make_case())
    assert math.isnan(n["conc"].iloc[0]) and "NO2 is not an organic compound" in n["missing"].iloc[0]
    assert n["conc_unit"].isna().all() and n["derivation"].isna().all()
