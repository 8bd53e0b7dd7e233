"""Conversions against published factors and hand-worked examples (each expected value says where
it came from), plus Hypothesis round-trips."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.errors import UnitError
from verify.measure import constants as K
from verify.measure import conversions as cv
from verify.measure.units import check_dimension, factor, ureg


# ---------------------------------------------------------------- constants


def test_molar_volumes_match_published_values():
    # Published: 22.414 L/mol at 0 °C, 1 atm; 24.055 L/mol at 20 °C 
    # (docs/references.md#unit-conversions; CRC "molar volume of ideal gas").
    assert K.molar_volume_l_per_mol("normal") == pytest.approx(22.414, abs=5e-4)
    assert K.molar_volume_l_per_mol("epa") == pytest.approx(24.055, abs=5e-4)
    # 25 °C: 24.465 L/mol (docs/references.md#unit-conversions)
    assert K.molar_volume_l_per_mol(temp_k=298.15, pressure_kpa=101.325) == pytest.approx(24.465, abs=5e-4)


@pytest.mark.parametrize(
    "key, published",
    [  # CRC Handbook of Chemistry and Physics molar masses [g/mol]; agree with IUPAC 2021 sums to 0.01 %
        ("SO2", 64.064), ("NO2", 46.006), ("CO", 28.010), ("CH4", 16.043), ("propane", 44.097),
        ("benzene", 78.114), ("toluene", 92.141), ("xylene", 106.167), ("CO2", 44.009), ("H2O", 18.015),
    ],
)
def test_molar_masses_match_crc(key, published):
    assert K.species(key).molar_mass == pytest.approx(published, rel=1e-4)


def test_carbon_numbers():
    assert [K.species(k).n_carbon for k in ("propane", "toluene", "xylene", "benzene")] == [3, 7, 8, 6]


# ---------------------------------------------------------------- volume ↔ mass


def test_ppmc_to_mgc_published():
    # docs/references.md#unit-conversions: 1 ppmC = 0.5359 mgC/m3 at 0 °C; 0.4993 at 20 °C.
    # Hand: 12.011/22.41397 = 0.53587; 12.011/24.05512 = 0.49931
    assert cv.ppmc_to_mgc_m3(1.0, "normal") == pytest.approx(0.5359, abs=5e-5)
    assert cv.ppmc_to_mgc_m3(1.0, "epa") == pytest.approx(0.4993, abs=5e-5)


def test_ppm_so2_published():
    # 1 ppm SO2 = M/Vm = 2.86 mg/m3 at 0 °C (docs/references.md#unit-conversions);
    # recomputed: 64.058/22.41397 = 2.85795 (2.858); at 20 °C 64.058/24.05512 = 2.66297 (2.663).
    assert cv.ppmv_to_mg_m3(1.0, K.species("SO2").molar_mass, "normal") == pytest.approx(2.858, abs=5e-4)
    assert cv.ppmv_to_mg_m3(1.0, K.species("SO2").molar_mass, "epa") == pytest.approx(2.663, abs=5e-4)
    # NOx as NO2: 46.005/22.41397 = 2.0525 (the "2.05" of CN/JP practice)
    assert cv.ppmv_to_mg_m3(1.0, K.species("NO2").molar_mass) == pytest.approx(2.0525, abs=5e-4)


def test_propane_ppm_ppmc_mg():
    # docs/references.md#unit-conversions: 1 ppm propane = 3 ppmC = 1.967 mg/m3 at 0 °C (44.097/22.41397 = 1.96739)
    assert cv.ppmv_to_ppmc(1.0, 3) == 3.0
    assert cv.ppmv_to_mg_m3(1.0, K.species("propane").molar_mass) == pytest.approx(1.967, abs=5e-4)
    # and 3 ppmC as carbon mass: 3 × 0.53587 = 1.6076 mgC/m3 = 1.96739 × 36.033/44.097
    assert cv.compound_to_as_c(1.96739, "propane") == pytest.approx(cv.ppmc_to_mgc_m3(3.0), rel=1e-4)


def test_as_c_and_compound():
    # docs/references.md#unit-conversions: as C → toluene × 1.095; hand: 92.141/(7 × 12.011) = 1.09592
    assert cv.as_c_to_compound(1.0, "toluene") == pytest.approx(1.0959, abs=1e-4)
    assert cv.compound_to_as_c(1.0, "toluene") == pytest.approx(1 / 1.09592, rel=1e-4)
    with pytest.raises(ValueError):
        cv.compound_to_as_c(1.0, "SO2")


def test_hj38_ch4_to_c():
    # HJ 38-2017: NMHC(mgC/m3) = (THC − CH4)[as CH4] × 12/16. 100 → 75 exactly.
    assert cv.ch4_to_c(100.0) == 75.0
    # with molar masses: 100 × 12.011/16.043 = 74.8676
    assert cv.ch4_to_c(100.0, exact=True) == pytest.approx(74.868, abs=1e-3)
    assert cv.c_to_ch4(75.0) == pytest.approx(100.0)


# ---------------------------------------------------------------- states, moisture


def test_zero_vs_twenty_degrees_is_7_3_percent():
    # 293.15/273.15 = 1.07322: the same gas is 7.3 % more concentrated per m3 at 0 °C than at 20 °C
    assert cv.change_state(100.0, "normal", "epa") == pytest.approx(100 * 273.15 / 293.15)
    assert cv.change_state(100.0, "epa", "normal") / 100.0 - 1 == pytest.approx(0.07322, abs=1e-5)
    assert cv.flow_change_state(10000.0, "normal", "epa") == pytest.approx(10000 * 293.15 / 273.15)


def test_wet_dry():
    # hand: 50 mg/m3 wet at 10 % H2O → 50/0.9 = 55.556 dry; flow 10 000 wet → 9 000 dry
    assert cv.wet_to_dry(50.0, 10.0) == pytest.approx(55.5556, abs=1e-4)
    assert cv.flow_wet_to_dry(10000.0, 10.0) == pytest.approx(9000.0)
    assert math.isnan(cv.wet_to_dry(50.0, 100.0))
    assert math.isnan(cv.wet_to_dry(50.0, -1.0))
    # Bws = H2O/100 where 0 ≤ H2O < 100 (normalize records "no usable h2o_pct" where it is NaN)
    assert list(np.isnan(cv.moisture_fraction(np.array([0.0, 10.0, 99.9, 100.0, -1.0, np.nan])))) == [False] * 3 + [True] * 3
    assert cv.moisture_fraction(10.0) == pytest.approx(0.1)


def test_actual_to_standard_flow_gbt16157():
    # GB/T 16157 Qsn = Qs·(Ba+Ps)/101325·273/(273+ts)·(1−Xsw), hand with 273.15:
    # 20 000 m3/h at 150 °C, 100 kPa, 8 % H2O: 20000 × (273.15/423.15 = 0.645516) × (100/101.325 = 0.986923)
    # × 0.92 = 11 722.17
    q = cv.flow_wet_to_dry(cv.actual_to_standard_flow(20000.0, 150.0, 100.0), 8.0)
    assert q == pytest.approx(11722.17, abs=0.01)
    # concentration the other way: 10 mg/m3 actual → 10 × 423.15/273.15 × 101.325/100 = 15.697
    assert cv.actual_to_standard_conc(10.0, 150.0, 100.0) == pytest.approx(15.697, abs=1e-3)


# ---------------------------------------------------------------- O2, rates, efficiency


def test_o2_correction_gb13271_example():
    # GB 13271-2014 formula ρ = ρ'·(21 − 9)/(21 − φ'): a coal boiler at 12 % O2 measuring 120 mg/m3 → 120 × 12/9 = 160
    assert cv.o2_correct(120.0, 12.0, 9.0) == pytest.approx(160.0)
    # gas boiler reference 3.5 %: 40 mg/m3 at 7 % O2 → 40 × 17.5/14 = 50
    assert cv.o2_correct(40.0, 7.0, 3.5) == pytest.approx(50.0)
    # US/EU ambient 20.9: 40 × (20.9 − 3)/(20.9 − 7) = 51.511
    assert cv.o2_correct(40.0, 7.0, 3.0, o2_ambient_pct=20.9) == pytest.approx(51.5108, abs=1e-4)


def test_o2_correction_jp_cap():
    # 大気汚染防止法: Os capped at 20 %. 10 ppm at 20.5 % O2, On = 6 → 10 × 15/(21 − 20) = 150 (without the cap: 300)
    assert cv.o2_correct(10.0, 20.5, 6.0, o2_cap_pct=20.0) == pytest.approx(150.0)
    assert cv.o2_correct(10.0, 20.5, 6.0) == pytest.approx(300.0)
    assert math.isnan(cv.o2_correct(10.0, 21.0, 6.0))
    out = cv.o2_correct(np.array([10.0, 10.0]), np.array([11.0, 22.0]), 11.0)
    assert out[0] == pytest.approx(10.0) and math.isnan(out[1])


def test_mass_rate_worked_example():
    # docs/references.md#stenter-magnitudes: 15 000 Nm3/h × 60 mg/m3 = 0.9 kg/h
    assert cv.mass_rate_kg_h(60.0, 15000.0) == pytest.approx(0.9)
    q = cv.mass_rate_quantity(ureg.Quantity(60.0, "mg/m**3"), ureg.Quantity(250.0, "m**3/min"))
    assert q.to("kg/h").magnitude == pytest.approx(0.9)


def test_efficiency_and_annual():
    # hand: in 2.0 kg/h, out 0.3 kg/h → 1 − 0.15 = 0.85; 0.6 kg/h × 7200 h = 4.32 t/a
    assert cv.removal_efficiency(2.0, 0.3) == pytest.approx(0.85)
    assert math.isnan(cv.removal_efficiency(0.0, 0.3))
    assert cv.annual_t_from_kg_h(0.6, 7200) == pytest.approx(4.32)


# ---------------------------------------------------------------- units and dimension guard


def test_unit_factors():
    assert factor("ug/m3", "mg/m3") == pytest.approx(1e-3)
    assert factor("m3/min", "m3/h") == pytest.approx(60.0)
    assert factor("g/s", "kg/h") == pytest.approx(3.6)
    assert factor("ppbv", "ppmv") == pytest.approx(1e-3)
    with pytest.raises(UnitError, match="operating hours"):
        factor("t/a", "kg/h")
    with pytest.raises(UnitError):
        factor("ppmC", "ppmv")  # ppmC has its own dimension: 1 ppm propane = 3 ppmC
    with pytest.raises(UnitError, match="unknown canonical unit"):
        factor("ppm", "mg/m3")


def test_wrong_dimension_message_names_argument_dimension_and_unit():
    with pytest.raises(UnitError) as info:
        cv.mass_rate_quantity(ureg.Quantity(60.0, "mg/m**3"), ureg.Quantity(60.0, "mg/m**3"))
    msg = str(info.value)
    assert "'flow'" in msg and "[length] ** 3 / [time]" in msg and "milligram / meter ** 3" in msg
    with pytest.raises(UnitError, match="'conc'.*plain number"):
        cv.mass_rate_quantity(60.0, ureg.Quantity(1.0, "m**3/h"))
    assert check_dimension("x", ureg.Quantity(1, "ppmC"), "[carbon_mixing_ratio]").magnitude == 1


# ---------------------------------------------------------------- round trips

pos = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(pos, st.sampled_from(["SO2", "NO2", "toluene", "propane", "CO"]), st.sampled_from(["normal", "epa"]))
def test_roundtrip_ppm_mg_ppm(x, key, state):
    m = K.species(key).molar_mass
    assert cv.mg_m3_to_ppmv(cv.ppmv_to_mg_m3(x, m, state), m, state) == pytest.approx(x, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(pos, st.floats(min_value=0, max_value=99.9))
def test_roundtrip_wet_dry_wet(x, h2o):
    assert cv.dry_to_wet(cv.wet_to_dry(x, h2o), h2o) == pytest.approx(x, rel=1e-12)
    assert cv.flow_dry_to_wet(cv.flow_wet_to_dry(x, h2o), h2o) == pytest.approx(x, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(pos, st.floats(min_value=-40, max_value=600), st.floats(min_value=50, max_value=150))
def test_roundtrip_actual_standard_actual(x, t, p):
    assert cv.standard_to_actual_conc(cv.actual_to_standard_conc(x, t, p), t, p) == pytest.approx(x, rel=1e-12)
    assert cv.standard_to_actual_flow(cv.actual_to_standard_flow(x, t, p, "epa"), t, p, "epa") == pytest.approx(x, rel=1e-12)


@pytest.mark.parametrize("key", ["mg/m3", "ug/m3", "g/m3", "ng/m3", "ppmv", "ppbv", "ppmC", "pct_v", "m3/h", "m3/min",
                                 "m3/s", "kg/h", "g/h", "g/s", "t/a", "mg/h", "pct", "dimensionless"])
def test_every_canonical_key_maps_to_pint(key):
    from verify.measure.units import to_pint, unit_group

    assert to_pint(key) is not None and unit_group(key)


@pytest.mark.parametrize("text", ["ppm", "mg/Nm3", "Nm3/h", "dscm", "mgC/m3", "12 500"])
def test_raw_unit_text_is_not_a_key(text):
    from verify.measure.units import to_pint

    with pytest.raises(UnitError, match="unknown canonical unit key"):
        to_pint(text)


def test_mass_concentration_quantity():
    # 10 ppmv SO2 → 28.580 mg/m3 at 0 °C (2.85795 × 10); 1 ppmC → 0.5359 mgC/m3; 500 ug/m3 → 0.5 mg/m3
    q = cv.mass_concentration_quantity(ureg.Quantity(10, "ppmv"), "SO2")
    assert q.to("mg/m**3").magnitude == pytest.approx(28.5795, abs=1e-3)
    assert cv.mass_concentration_quantity(ureg.Quantity(1, "ppmC")).magnitude == pytest.approx(0.5359, abs=5e-5)
    assert cv.mass_concentration_quantity(ureg.Quantity(500, "ug/m**3")).magnitude == pytest.approx(0.5)
    with pytest.raises(UnitError, match="'conc' must have dimension"):
        cv.mass_concentration_quantity(ureg.Quantity(1, "kg/h"))
    with pytest.raises(ValueError, match="species_key"):
        cv.mass_concentration_quantity(ureg.Quantity(1, "ppmv"))
