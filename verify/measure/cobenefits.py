"""Co-benefits: annual pollutant reductions, CO2 from fuel and added electricity, intensities.

``compute(case, mass_rate_means)`` returns the results.json ``cobenefits`` dict. Every number is
an object ``{"value", "unit", "formula", "inputs", "source"}`` so that the report can show where
it came from (MOEJ co-benefits manual, 2009: pollutant and GHG in one boundary [K]).

Formulas
--------
* Annual reduction [t/a] = (E_before − E_after) [kg/h] × operating hours [h/a] ÷ 1000.
* Fuel CO2 [t/h] = fuel [t/h] × NCV [GJ/t] × EF [kg CO2/TJ] × 10⁻⁶ (IPCC 2006 GL Vol.2 Ch.2
  Eq. 2.1, emissions = fuel × emission factor on an energy basis). NCV is the site's
  (``ncv_gj_per_t`` with ``ncv_source``, required by case.toml); EF is the case's
  ``co2_kg_per_tj`` or, if absent, the IPCC 2006 default of Vol.2 Ch.2 Table 2.2 by fuel kind
  (``data/ipcc_fuels.csv``, [K]: not re-read against the tables, docs/references.md), declared as
  a default in the output.
  Example: 1 t/h raw coal at 20.908 GJ/t × 94 600 kg/TJ = 1.978 t CO2/h.
* Electricity CO2 [t/a] = added power [kW] × hours [h/a] ÷ 1000 × grid factor [t CO2/MWh]; it is
  added to the after phase (it is the measure's own consumption).
* Net CO2 change [t/a] = (fuel CO2 after − before) + electricity CO2.
* Intensity [kg/t] = E [kg/h] ÷ production [t/h], per phase (e.g. 0.9 kg/h at
  0.6 t/h = 1.5 kg/t).
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources
from typing import Any

from verify.case import Case, Fuel
from verify.measure.conversions import annual_t_from_kg_h
from verify.errors import InputError
from verify.i18n import N_

PHASES = ("before", "after")


@lru_cache(maxsize=1)
def ipcc_fuels() -> dict[str, dict]:
    """Fuel kind and aliases (case-folded) → IPCC 2006 default row (``data/ipcc_fuels.csv``)."""
    out: dict[str, dict] = {}
    with resources.files("verify.measure").joinpath("data", "ipcc_fuels.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            for name in [row["kind"], *row["aliases"].split("|")]:
                if name:
                    out[name.strip().casefold()] = row
    return out


def _text(value) -> dict[str, str] | None:
    """A case.toml text ({ja, zh}) as results.json writes it."""
    return None if value is None else {"ja": value.ja, "zh": value.zh}


def _num(value: float | None, unit: str, formula: str, inputs: dict, source: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "formula": formula, "inputs": inputs, "source": source}


def _emission_factor(fuel: Fuel) -> tuple[float, str, bool]:
    if fuel.co2_kg_per_tj is not None:
        return fuel.co2_kg_per_tj, "case.toml [[cobenefits.fuel]] co2_kg_per_tj, co2_source", False
    row = ipcc_fuels().get(fuel.kind.strip().casefold())
    if row is None:
        known = sorted({r["kind"] for r in ipcc_fuels().values()})
        raise InputError(
            N_("[[cobenefits.fuel]] kind {kind!r} has no co2_kg_per_tj and no IPCC 2006 default", kind=fuel.kind),
            hint=N_("set co2_kg_per_tj and co2_source, or use one of: {kinds}", kinds=", ".join(known)),
        )
    rng = f", range {row['co2_range_low']}–{row['co2_range_high']}" if row["co2_range_low"] else ""
    source = f"IPCC 2006 default ({row['kind']}{rng}): {row['source']} [confidence {row['confidence']}]"
    return float(row["co2_kg_per_tj"]), source, True


def compute(case: Case, mass_rate_means: dict[tuple[str, str], dict[str, float | None]]) -> dict[str, Any]:
    """The co-benefit block of results.json.

    ``mass_rate_means`` maps (source, pollutant) to ``{"before": kg/h, "after": kg/h}`` (phase means
    of the ``mass_rate`` endpoints; None where a phase has none). Without a ``[cobenefits]`` table
    the result says so and holds no numbers.
    """
    cb = case.manifest.cobenefits
    if cb is None:
        return {"available": False, "note": "no [cobenefits] table in case.toml"}
    hours = cb.operating_hours_per_year
    hours_src = "case.toml [cobenefits] operating_hours_per_year"
    out: dict[str, Any] = {"available": True, "operating_hours_per_year": hours,
                           "production_t_per_h": None if cb.production_t_per_h is None else dict(cb.production_t_per_h),
                           "product": _text(cb.product)}

    pollutants = []
    for (source, pollutant) in sorted(mass_rate_means):
        m = mass_rate_means[(source, pollutant)]
        b, a = m.get("before"), m.get("after")
        item: dict[str, Any] = {"source": source, "pollutant": pollutant}
        red_kg_h = None if b is None or a is None else b - a
        item["reduction_kg_h"] = _num(red_kg_h, "kg/h", "E_before − E_after", {"E_before": b, "E_after": a},
                                      "mass_rate endpoint phase means (GB/T 16157-1996 rates)")
        t_a = None if red_kg_h is None or hours is None else annual_t_from_kg_h(red_kg_h, hours)
        item["reduction_t_a"] = _num(t_a, "t/a", "(E_before − E_after) × hours ÷ 1000",
                                     {"reduction_kg_h": red_kg_h, "hours_per_year": hours}, hours_src)
        intensity = {}
        for phase, e in (("before", b), ("after", a)):
            prod = None if cb.production_t_per_h is None else cb.production_t_per_h.get(phase)
            val = None if e is None or prod is None else e / prod
            intensity[phase] = _num(val, "kg/t", "E ÷ production", {"E_kg_h": e, "production_t_h": prod},
                                    "case.toml [cobenefits] production_t_per_h")
        item["intensity_kg_per_t"] = intensity
        pollutants.append(item)
    out["pollutants"] = pollutants

    fuels = []
    fuel_co2_t_a = {p: 0.0 for p in PHASES}
    fuel_complete = {p: bool(cb.fuel) and hours is not None for p in PHASES}
    for fuel in cb.fuel:
        ef, ef_source, default = _emission_factor(fuel)
        item = {"kind": fuel.kind, "co2_kg_per_tj": ef,
                "co2_source": ef_source if default else (_text(fuel.co2_source) or ef_source),
                "co2_factor_is_default": default,
                "ncv_gj_per_t": fuel.ncv_gj_per_t, "ncv_source": _text(fuel.ncv_source)}
        for phase in PHASES:
            t_h = fuel.t_per_h.get(phase)
            co2_h = None if t_h is None else t_h * fuel.ncv_gj_per_t * ef * 1e-6
            item[f"co2_t_h_{phase}"] = _num(co2_h, "t CO2/h", "fuel × NCV × EF × 1e-6",
                                            {"fuel_t_h": t_h, "ncv_gj_per_t": fuel.ncv_gj_per_t, "ef_kg_per_tj": ef},
                                            f"IPCC 2006 GL Vol.2 Ch.2 Eq. 2.1; NCV: case.toml ncv_source; EF: {ef_source}")
            if co2_h is None or hours is None:
                fuel_complete[phase] = False
            else:
                fuel_co2_t_a[phase] += co2_h * hours
        fuels.append(item)
    out["fuels"] = fuels
    fuel_change = None
    if fuel_complete["before"] and fuel_complete["after"]:
        fuel_change = fuel_co2_t_a["after"] - fuel_co2_t_a["before"]
    out["fuel_co2_t_a"] = {p: _num(fuel_co2_t_a[p] if fuel_complete[p] else None, "t CO2/a", "Σ fuel CO2 t/h × hours",
                                   {"hours_per_year": hours}, "sum over [[cobenefits.fuel]]") for p in PHASES}
    out["fuel_co2_change_t_a"] = _num(fuel_change, "t CO2/a", "fuel CO2 after − before",
                                      {"before": out["fuel_co2_t_a"]["before"]["value"], "after": out["fuel_co2_t_a"]["after"]["value"]},
                                      "fuel CO2 above")

    kw, grid = cb.electricity_added_kw, cb.grid_factor_t_per_mwh
    elec = None if kw is None or grid is None or hours is None else kw * hours / 1000.0 * grid
    out["electricity_co2_t_a"] = _num(elec, "t CO2/a", "added kW × hours ÷ 1000 × grid factor",
                                      {"electricity_added_kw": kw, "hours_per_year": hours, "grid_factor_t_per_mwh": grid},
                                      "case.toml [cobenefits] grid_factor_source" if cb.grid_factor_source else "no grid factor in case.toml")
    out["grid_factor_source"] = _text(cb.grid_factor_source)
    net = None
    if fuel_change is not None or elec is not None:
        net = (fuel_change or 0.0) + (elec or 0.0)
    parts = [n for n, v in (("fuel", fuel_change), ("electricity", elec)) if v is not None]
    out["net_co2_change_t_a"] = _num(net, "t CO2/a", "fuel CO2 change + electricity CO2",
                                     {"fuel_co2_change_t_a": fuel_change, "electricity_co2_t_a": elec, "included": parts},
                                     "sum of the above (a negative value is a saving)")
    return out
