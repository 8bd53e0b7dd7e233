"""The report writes standard-state units (m³N, 标干) when results.json ``case.reporting_state``
names the ``normal`` state, dry gas: verify/measure/constants.py declares the reference states, the
report reads the name and never recognises a state by its temperature."""

import pytest

from verify.report.lang import Lang


@pytest.mark.parametrize(("state", "ja", "zh"), [
    ({"name": "normal", "temperature_k": 273.15, "pressure_kpa": 101.325, "dry": True}, "mg/m³N", "mg/m³"),
    # the name decides, not the numbers: the report does not declare the reference states again
    ({"name": "epa", "temperature_k": 273.15, "pressure_kpa": 101.325, "dry": True}, "mg/m³", "mg/m³"),
    ({"name": "normal", "temperature_k": 273.15, "pressure_kpa": 101.325, "dry": False}, "mg/m³", "mg/m³"),
])
def test_standard_state_units_follow_the_reporting_state_name(state, ja, zh):
    results = {"case": {"reporting_state": state}}
    assert Lang("ja", results).unit("mg/m3") == ja and Lang("zh", results).unit("mg/m3") == zh
    standard = state["name"] == "normal" and state["dry"]
    assert Lang("zh", results).unit("m3/h") == ("m³/h（标干）" if standard else "m³/h")
