"""Physical constants, reference states, molar masses and carbon numbers.

Sources
-------
* Molar gas constant R = 8.314462618 J/(mol·K): exact since the 2019 SI redefinition
  (CODATA 2018: R = N_A·k with both exact).
* Atomic weights: IUPAC CIAAW 2021 abridged standard atomic weights (``data/atomic_weights.csv``);
  molar masses are computed from the formulas in ``data/species.csv``, so SO2 = 32.06 + 2×15.999
  = 64.058 g/mol (CRC Handbook lists 64.064 with S = 32.065/32.066; the difference is 0.01 %).
* Reference states:

  - ``normal``: 273.15 K, 101.325 kPa. GB/T 16157-1996 (标准状态, "273 K, 101325 Pa" [K]),
    HJ/T 55-2000, 大気汚染防止法 (0 °C, 1 atm, m³N). Molar volume R·T/P = 22.414 L/mol.
  - ``epa``: 293.15 K, 101.325 kPa (40 CFR 60.2 "standard conditions: 20 °C and 760 mm Hg").
    Molar volume 24.055 L/mol.

* ``data/pollutant_species.csv`` says which species a ppmv value of a pollutant refers to when
  the row gives no ``as_species`` (NOx → NO2). Mixtures (NMHC, VOC, TVOC, THC) are deliberately
  absent: their ppmv converts to mg/m3 only through an explicit ``as_species``.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from verify.errors import InputError
from verify.i18n import N_

#: Molar gas constant [J/(mol·K)], exact (SI 2019; CODATA 2018).
R_J_PER_MOL_K = 8.314462618
#: Standard atmosphere [kPa] (exact by definition: 1 atm = 101 325 Pa).
P_STD_KPA = 101.325
#: 0 °C in kelvin (exact).
T0_K = 273.15

#: reference state name → (temperature [K], pressure [kPa]) (module docstring: 0 °C and 20 °C, 1 atm).
STATES: dict[str, tuple[float, float]] = {"normal": (T0_K, P_STD_KPA), "epa": (T0_K + 20, P_STD_KPA)}
#: case.toml ``conditions`` → the reference state results are reported at (case-format.md).
REPORTING_STATE: dict[str, str] = {"CN": "normal", "JP": "normal", "US-EPA": "epa"}


def reporting_state(conditions: str) -> dict:
    """results.json ``case.reporting_state`` of a case's ``conditions``: the name of the state of
    :data:`REPORTING_STATE` (so that the report need not recognise it by its numbers), its temperature
    and pressure, and dry gas (every value is reported dry, docs/case-format.md)."""
    name = REPORTING_STATE[conditions]
    temp_k, pressure_kpa = STATES[name]
    return {"name": name, "temperature_k": temp_k, "pressure_kpa": pressure_kpa, "dry": True}

#: HJ 38-2017 converts NMHC "as CH4" to "as C" with the ratio 12/16 written in the standard
#: (not 12.011/16.043 = 0.74868; the two differ by 0.18 %). We use the standard's ratio so that our
#: numbers match lab reports made to HJ 38; ``conversions.ch4_to_c(..., exact=True)`` uses molar masses.
HJ38_CH4_TO_C = 12.0 / 16.0


def molar_volume_l_per_mol(state: str | None = None, *, temp_k: float | None = None, pressure_kpa: float | None = None) -> float:
    """Molar volume of an ideal gas, Vm = R·T/P [L/mol], at a named state or at (T, P).

    22.414 L/mol at 273.15 K and 101.325 kPa; 24.055 L/mol at 293.15 K (ideal-gas law).
    """
    if state is not None:
        temp_k, pressure_kpa = state_tp(state)
    if temp_k is None or pressure_kpa is None:
        raise ValueError("give a state name or both temp_k and pressure_kpa")
    # R [J/(mol K)] * T [K] / P [kPa] = [J/(mol kPa)] = [L/mol]  (1 J/kPa = 1 L)
    return R_J_PER_MOL_K * temp_k / pressure_kpa


def state_tp(state: str) -> tuple[float, float]:
    """(T [K], P [kPa]) of a named reference state; an unknown name is an :class:`InputError`."""
    try:
        return STATES[state]
    except KeyError:
        raise InputError(N_("unknown reference state {state!r} (known: {known})", state=state, known=", ".join(STATES))) from None


@dataclass(frozen=True)
class Species:
    key: str
    formula: str
    n_carbon: int
    name: str
    molar_mass: float  # [g/mol], computed from the formula and IUPAC 2021 atomic weights


def _data(name: str):
    return resources.files("verify.measure").joinpath("data", name)


@lru_cache(maxsize=1)
def atomic_weights() -> dict[str, float]:
    """Element symbol → standard atomic weight [g/mol] (IUPAC 2021 abridged)."""
    with _data("atomic_weights.csv").open(encoding="utf-8") as fh:
        return {row["element"]: float(row["atomic_weight"]) for row in csv.DictReader(fh)}


def molar_mass_of(formula: str) -> float:
    """Molar mass [g/mol] of a simple formula such as ``C7H8`` or ``SO2``."""
    weights = atomic_weights()
    total = 0.0
    tokens = re.findall(r"([A-Z][a-z]?)(\d*)", formula)
    if "".join(e + n for e, n in tokens) != formula:
        raise ValueError(f"cannot parse formula {formula!r}")
    for element, count in tokens:
        if element not in weights:
            raise ValueError(f"no atomic weight for {element!r} in data/atomic_weights.csv")
        total += weights[element] * (int(count) if count else 1)
    return total


@lru_cache(maxsize=1)
def species_table() -> dict[str, Species]:
    """Species key → :class:`Species` (``data/species.csv``)."""
    out = {}
    with _data("species.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out[row["key"]] = Species(row["key"], row["formula"], int(row["n_carbon"]), row["name"], molar_mass_of(row["formula"]))
    return out


def species(key: str) -> Species:
    """The :class:`Species` of a key; an unknown key is an :class:`InputError` naming the data file."""
    table = species_table()
    if key not in table:
        raise InputError(N_("unknown species {species!r}", species=key),
                         hint=N_("known species (verify/measure/data/species.csv): {known}", known=", ".join(table)))
    return table[key]


@lru_cache(maxsize=1)
def pollutant_species() -> dict[str, str]:
    """Pollutant key → the species its ppmv values refer to (``data/pollutant_species.csv``)."""
    with _data("pollutant_species.csv").open(encoding="utf-8") as fh:
        return {row["pollutant"]: row["species"] for row in csv.DictReader(fh)}


#: Atomic weight of carbon [g/mol] (IUPAC 2021 abridged: 12.011), used for 'as C' conversions.
M_C = atomic_weights()["C"]


def case_species(declared) -> tuple[dict[str, str], dict[str, Species]]:
    """(:func:`pollutant_species`, :func:`species_table`) with the case's ``[[pollutant]]``
    declarations (``declared``: the manifest's list) that give a molar mass: the pollutant is its
    own species, with the molar mass and carbon number case.toml states and cites (``source``)."""
    by_pollutant, table = pollutant_species(), species_table()
    extra = [d for d in declared if d.molar_mass_g_mol is not None]
    if not extra:
        return by_pollutant, table
    by_pollutant, table = dict(by_pollutant), dict(table)
    for d in extra:
        by_pollutant[d.key] = d.key
        table[d.key] = Species(d.key, "", d.n_carbon or 0, d.en or d.key, float(d.molar_mass_g_mol))
    return by_pollutant, table
