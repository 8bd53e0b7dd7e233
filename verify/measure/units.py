"""The one pint registry of the package, the canonical unit keys, and a dimension guard.

Every module does ``from verify.measure.units import ureg``; never build a second
``UnitRegistry`` (quantities from two registries cannot be combined, and a registry costs ~0.3 s).

Project units defined here
--------------------------
* ``ppmv`` (= 1e-6) and ``ppbv`` (= 1e-9): volume mixing ratios, dimensionless. Bare ``ppm`` is
  ambiguous between mass and volume fraction (pint #384, #1277), so the canonical key is ``ppmv``.
* ``ppmC``: parts per million *as carbon* (volume mixing ratio of carbon atoms, the Japanese VOC
  unit, 環境省告示第61号). It gets its **own base dimension** ``[carbon_mixing_ratio]`` so that pint
  refuses to turn ppmC into ppmv silently: 1 ppm propane is 3 ppmC, which only
  :func:`verify.measure.conversions.ppmv_to_ppmc` with the carbon number may do.
* ``pct_v``: percent by volume (O2, H2O), pint's ``percent``.

Reference states are tags, not units
------------------------------------
Normal cubic metres (``Nm3``, ``m3N``, ``标m3``: 273.15 K, 101.325 kPa) and EPA dry standard cubic
metres (``dscm``: 293.15 K, 101.325 kPa) are **not** defined as pint units. A "normal m3" is a
geometric m3 of gas *at* a stated state, and the state changes how much gas a m3 holds, which pint
cannot express as a constant factor (pint's own ``Nm`` is newton-metre, pint#1966). The canonical
table therefore carries the plain unit key (``mg/m3``, ``m3/h``) plus the ``basis``
(standard-dry | standard-wet | actual-wet) and ``std_state`` (normal | epa) columns, and
:mod:`verify.measure.conversions` converts between states with explicit T and P. pint only does
the unit-prefix arithmetic (µg→mg, m3/min→m3/h), one factor per unit group.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pint

from verify.errors import UnitError
from verify.i18n import N_

ureg = pint.UnitRegistry(cache_folder=None)
# Volume mixing ratios (dimensionless). pint's own ``ppm`` stays defined but is never used.
ureg.define("ppmv = 1e-6 = ppm_v")
ureg.define("ppbv = 1e-9 = ppb_v")
# Carbon mixing ratio: a separate base dimension so ppmC never converts to ppmv without nC.
ureg.define("ppmC = [carbon_mixing_ratio] = ppm_C")

#: canonical unit key (from the intake alias table) → (pint unit expression, unit group).
#: Conversions are allowed only inside a group. ``t/a`` is its own group: turning an annual mass
#: into kg/h needs the plant's operating hours (conversions.annual_t_from_kg_h), never the
#: 8766 h of pint's Julian year.
UNIT_KEYS: dict[str, tuple[str, str]] = {
    "mg/m3": ("milligram / meter ** 3", "mass_concentration"),
    "ug/m3": ("microgram / meter ** 3", "mass_concentration"),
    "g/m3": ("gram / meter ** 3", "mass_concentration"),
    "ng/m3": ("nanogram / meter ** 3", "mass_concentration"),
    "ppmv": ("ppmv", "volume_fraction"),
    "ppbv": ("ppbv", "volume_fraction"),
    "pct_v": ("percent", "volume_fraction"),
    "ppmC": ("ppmC", "carbon_fraction"),
    "m3/h": ("meter ** 3 / hour", "volume_flow"),
    "m3/min": ("meter ** 3 / minute", "volume_flow"),
    "m3/s": ("meter ** 3 / second", "volume_flow"),
    "kg/h": ("kilogram / hour", "mass_rate"),
    "g/h": ("gram / hour", "mass_rate"),
    "mg/h": ("milligram / hour", "mass_rate"),
    "g/s": ("gram / second", "mass_rate"),
    "t/a": ("tonne / year", "annual_mass"),
    # plain percent (load, efficiency) and dimensionless values (odour concentration, 无量纲)
    "pct": ("percent", "percent"),
    "dimensionless": ("dimensionless", "dimensionless"),
}


def unit_group(key: str) -> str:
    """The group of a canonical unit key (``mass_concentration``, ``volume_fraction``, …)."""
    try:
        return UNIT_KEYS[key][1]
    except KeyError:
        raise UnitError(N_("unknown canonical unit key {key!r}", key=key),
                        hint=N_("known keys: {keys}", keys=", ".join(UNIT_KEYS))) from None


def to_pint(key: str) -> pint.Unit:
    """The pint unit of a canonical unit key; an unknown key is a :class:`UnitError`."""
    unit_group(key)
    return ureg.Unit(UNIT_KEYS[key][0])


@lru_cache(maxsize=None)
def factor(from_key: str, to_key: str) -> float:
    """The multiplier taking a magnitude in ``from_key`` to ``to_key`` (one pint call per pair).

    Only conversions inside one unit group are allowed (mg/m3 → ug/m3, m3/min → m3/h).
    Crossing groups (ppmv → mg/m3, t/a → kg/h) needs physics (molar mass and state, operating
    hours) and is refused with a :class:`UnitError`.
    """
    g_from, g_to = unit_group(from_key), unit_group(to_key)
    if g_from != g_to:
        raise UnitError(
            N_("cannot convert {unit} ({group}) to {other} ({other_group}) by a unit factor", unit=from_key, group=g_from,
               other=to_key, other_group=g_to),
            hint=N_("volume fraction ↔ mass concentration needs molar mass and reference state; t/a ↔ kg/h needs operating "
                    "hours (see verify.measure.conversions)"),
        )
    return float(ureg.Quantity(1.0, to_pint(from_key)).to(to_pint(to_key)).magnitude)


def check_dimension(name: str, quantity: Any, dimension: str) -> pint.Quantity:
    """Return ``quantity`` if it is a pint Quantity of ``dimension``, else raise :class:`UnitError`.

    The message names the argument, the expected dimension and the unit given, e.g.
    ``argument 'flow' must have dimension [length] ** 3 / [time]; got 'milligram / meter ** 3'
    ([mass] / [length] ** 3)``. Modelled on MetPy's ``check_units`` helper.

    Parameters
    ----------
    name : the argument's name, as the caller knows it.
    quantity : the value to check.
    dimension : a pint dimensionality string such as ``"[mass]/[length]**3"``.
    """
    expected = ureg.get_dimensionality(dimension)
    if not isinstance(quantity, ureg.Quantity):
        raise UnitError(
            f"argument {name!r} must have dimension {_dim_text(expected)}; got a plain number "
            f"without a unit ({type(quantity).__name__})",
            hint=f"attach a unit, e.g. ureg.Quantity(value, {_example_unit(dimension)!r})",
        )
    if quantity.dimensionality != expected:
        raise UnitError(
            f"argument {name!r} must have dimension {_dim_text(expected)}; got {str(quantity.units)!r} "
            f"({_dim_text(quantity.dimensionality)})"
        )
    return quantity


def _dim_text(dim: Any) -> str:
    text = str(dim)
    return text if text else "dimensionless"


def _example_unit(dimension: str) -> str:
    dim = ureg.get_dimensionality(dimension)
    for expr, _group in UNIT_KEYS.values():
        if ureg.Unit(expr).dimensionality == dim:
            return expr
    return "…"
