"""Co-benefits against hand-worked numbers (stated in comments)."""

import pytest

from verify.errors import InputError
from verify.measure.cobenefits import compute

COB = {
    "operating_hours_per_year": 7200,
    "production_t_per_h": {"before": 0.6, "after": 0.6},
    "electricity_added_kw": 45,
    "grid_factor_t_per_mwh": 0.58,
    "grid_factor_source": "test grid factor",
    "fuel": [{"kind": "bituminous coal", "t_per_h": {"before": 1.0, "after": 0.8}, "ncv_gj_per_t": 20.908,
              "ncv_source": "GB/T 2589-2020 raw coal"}],
}


def test_hand_example(make_case):
    case = make_case(cobenefits=COB)
    out = compute(case, {("S1", "NMHC"): {"before": 0.9, "after": 0.3}})
    p = out["pollutants"][0]
    # (0.9 − 0.3) kg/h × 7200 h ÷ 1000 = 4.32 t/a
    assert p["reduction_t_a"]["value"] == pytest.approx(4.32)
    # docs/references.md#stenter-magnitudes: 0.9 kg/h at 0.6 t/h fabric = 1.5 kg/t
    assert p["intensity_kg_per_t"]["before"]["value"] == pytest.approx(1.5)
    assert p["intensity_kg_per_t"]["after"]["value"] == pytest.approx(0.5)
    f = out["fuels"][0]
    # docs/references.md#ipcc2006-v2: 1 t raw coal × 20.908 GJ × 94.6 kg/GJ = 1.978 t CO2 (IPCC default, declared)
    assert f["co2_t_h_before"]["value"] == pytest.approx(1.97790, abs=1e-5)
    assert f["co2_factor_is_default"] is True and "IPCC 2006" in f["co2_source"] and "[confidence K]" in f["co2_source"]
    # fuel change: (0.8 − 1.0) × (20.908 × 94.6 = 1977.8968 kg) × 7200 = −2848.17 t/a
    assert out["fuel_co2_change_t_a"]["value"] == pytest.approx(-0.2 * 1.9778968 * 7200, rel=1e-6)
    # electricity: 45 kW × 7200 h = 324 MWh × 0.58 = 187.92 t/a
    assert out["electricity_co2_t_a"]["value"] == pytest.approx(187.92)
    assert out["net_co2_change_t_a"]["value"] == pytest.approx(-0.2 * 1.9778968 * 7200 + 187.92, rel=1e-6)
    assert out["grid_factor_source"] == {"ja": "test grid factor", "zh": "test grid factor"}  # printed in the report


def test_site_factor_and_unknown_fuel(make_case):
    cob = dict(COB, fuel=[dict(COB["fuel"][0], kind="coke oven gas", co2_kg_per_tj=44400, co2_source="site")])
    out = compute(make_case(cobenefits=cob), {})
    assert out["fuels"][0]["co2_factor_is_default"] is False and out["fuels"][0]["co2_source"] == {"ja": "site", "zh": "site"}
    bad = dict(COB, fuel=[dict(COB["fuel"][0], kind="peat")])
    with pytest.raises(InputError, match="'peat'"):
        compute(make_case(cobenefits=bad), {})


def test_missing_inputs_give_null_not_zero(make_case):
    out = compute(make_case(cobenefits={"electricity_added_kw": 45}), {("S1", "PM"): {"before": 1.0, "after": None}})
    assert out["pollutants"][0]["reduction_t_a"]["value"] is None
    assert out["electricity_co2_t_a"]["value"] is None and out["net_co2_change_t_a"]["value"] is None
    assert compute(make_case(), {})["available"] is False
