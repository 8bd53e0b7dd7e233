"""Emission arithmetic as pure, vectorised functions.

Inputs and outputs are numpy arrays (or scalars) of plain magnitudes in the units written in
brackets; the normalisation applies them per unit group, so there is never a pint Quantity per
row. Where a Quantity API is useful (:func:`mass_rate_quantity`), dimensions are checked at the
boundary with :func:`verify.measure.units.check_dimension`.

Physically impossible inputs (O2 at or above the ambient value, moisture ≥ 100 %, T ≤ 0 K,
P ≤ 0) give NaN for that element, never an exception and never a clipped value; the caller
records why (the intake has already rejected such values, so this is a second line of defence).

Reference states: ``"normal"`` (273.15 K, 101.325 kPa) and ``"epa"`` (293.15 K, 101.325 kPa),
see :mod:`verify.measure.constants`.
"""

from __future__ import annotations

import numpy as np

from verify.measure.constants import HJ38_CH4_TO_C, M_C, T0_K, molar_volume_l_per_mol, species, state_tp
from verify.measure.units import check_dimension, ureg
from verify.sources.ranges import impossible



def _f(x) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _out(x: np.ndarray):
    return x.item() if x.ndim == 0 else x


# --------------------------------------------------------------------------- volume ↔ mass


def ppmv_to_mg_m3(ppmv, molar_mass_g_mol, state: str = "normal"):
    """Volume mixing ratio [ppmv] → mass concentration [mg/m³] at a reference state.

    .. math:: C = \\mathrm{ppm} \\cdot M / V_m, \\quad V_m = R T / P

    with M [g/mol] and Vm [L/mol] (ideal-gas law; 1 µmol/mol × M g/mol per Vm L = M/Vm mg/m³).
    E.g. 1 ppmv SO2 = 64.058/22.414 = 2.858 mg/m³ at 0 °C and 64.058/24.055 = 2.663 at 20 °C.
    """
    return _out(_f(ppmv) * (_f(molar_mass_g_mol) / molar_volume_l_per_mol(state)))  # one pass over ppmv


def mg_m3_to_ppmv(mg_m3, molar_mass_g_mol, state: str = "normal"):
    """Mass concentration [mg/m³] at a reference state → volume mixing ratio [ppmv] (inverse of
    :func:`ppmv_to_mg_m3`)."""
    return _out(_f(mg_m3) * molar_volume_l_per_mol(state) / _f(molar_mass_g_mol))


def ppmc_to_mgc_m3(ppmc, state: str = "normal"):
    """Carbon mixing ratio [ppmC] → carbon mass concentration [mgC/m³]: × 12.011/Vm.

    0.5359 mgC/m³ per ppmC at 0 °C (12.011/22.414), 0.4993 at 20 °C (12.011/24.055).
    """
    return ppmv_to_mg_m3(ppmc, M_C, state)


def mgc_m3_to_ppmc(mgc_m3, state: str = "normal"):
    """Carbon mass concentration [mgC/m³] → carbon mixing ratio [ppmC] (inverse of :func:`ppmc_to_mgc_m3`)."""
    return mg_m3_to_ppmv(mgc_m3, M_C, state)


def ppmv_to_ppmc(ppmv, n_carbon):
    """Compound mixing ratio [ppmv] → carbon mixing ratio [ppmC]: × nC (1 ppm propane = 3 ppmC)."""
    return _out(_f(ppmv) * _f(n_carbon))


# --------------------------------------------------------------------------- as-compound ↔ as-C


def compound_to_as_c(mg_m3, species_key: str):
    """Mass concentration of a compound [mg/m³] → the same gas expressed as carbon [mgC/m³].

    .. math:: C_C = C_x \\cdot n_C \\cdot 12.011 / M_x

    (mass of carbon in the compound). Toluene: × 7·12.011/92.141 = × 0.9125.
    """
    sp = species(species_key)
    if sp.n_carbon <= 0:
        raise ValueError(f"{species_key} contains no carbon; it has no 'as C' value")
    return _out(_f(mg_m3) * sp.n_carbon * M_C / sp.molar_mass)


def as_c_to_compound(mgc_m3, species_key: str):
    """Carbon mass concentration [mgC/m³] → the compound it would be [mg/m³]: × M/(nC·12.011).

    Toluene: × 92.141/(7·12.011) = × 1.0959. Valid only when all the
    carbon belongs to that compound (FID response factors differ between compounds: a caveat, not a
    correction).
    """
    sp = species(species_key)
    if sp.n_carbon <= 0:
        raise ValueError(f"{species_key} contains no carbon")
    return _out(_f(mgc_m3) * sp.molar_mass / (sp.n_carbon * M_C))


def ch4_to_c(mg_m3_as_ch4, exact: bool = False):
    """Hydrocarbons expressed as CH4 [mg/m³] → as carbon [mgC/m³].

    HJ 38-2017 (NMHC by GC-FID) computes NMHC = (THC − CH4), both as CH4, and converts with
    **12/16** as written in the standard; that is the default so that results match HJ 38 lab
    reports. ``exact=True`` uses molar masses, 12.011/16.043 = 0.74868 (0.18 % lower).
    """
    ratio = M_C / species("CH4").molar_mass if exact else HJ38_CH4_TO_C
    return _out(_f(mg_m3_as_ch4) * ratio)


def c_to_ch4(mgc_m3, exact: bool = False):
    """Inverse of :func:`ch4_to_c` (16/12 per HJ 38-2017 by default)."""
    ratio = M_C / species("CH4").molar_mass if exact else HJ38_CH4_TO_C
    return _out(_f(mgc_m3) / ratio)


# --------------------------------------------------------------------------- reference states


def mass_conc_state_factor(from_state: str, to_state: str) -> float:
    """Multiplier taking a mass concentration at one reference state to another.

    The same gas occupies V ∝ T/P, so C_to = C_from · (T_from/T_to) · (P_to/P_from).
    0 °C → 20 °C: × 273.15/293.15 = 0.93178 (7.3 % off when the state is assumed: docs/reliability.md
    promise 5).
    Mixing ratios (ppmv, ppmC) do not change with the state.
    """
    t1, p1 = state_tp(from_state)
    t2, p2 = state_tp(to_state)
    return (t1 / t2) * (p2 / p1)


def change_state(mg_m3, from_state: str, to_state: str):
    """Mass concentration [mg/m³] at ``from_state`` → at ``to_state`` (see :func:`mass_conc_state_factor`)."""
    return _out(_f(mg_m3) * mass_conc_state_factor(from_state, to_state))


def flow_change_state(flow, from_state: str, to_state: str):
    """Standard volume flow [m³/h] at one reference state → another: × (T_to/T_from)·(P_from/P_to)."""
    return _out(_f(flow) / mass_conc_state_factor(from_state, to_state))


def moisture_fraction(h2o_pct) -> np.ndarray:
    """Bws = H2O[%]/100, the water-vapour volume fraction of the gas; NaN where H2O is impossible
    (outside [0, 100) %: the range table, verify/sources/data/ranges.csv, GB/T 16157-1996 dry-gas
    basis; a dry-basis conversion divides by 1 − Bws)."""
    h2o = _f(h2o_pct)
    return np.where(impossible("h2o_pct", h2o), np.nan, h2o / 100.0)


def wet_to_dry(conc_wet, h2o_pct):
    """Concentration in wet gas → dry gas: C_dry = C_wet / (1 − Bws), Bws = H2O[%]/100.

    GB/T 16157-1996 (results on a dry basis) [K]. NaN where H2O ∉ [0, 100).
    """
    return _out(_f(conc_wet) / (1.0 - moisture_fraction(h2o_pct)))


def dry_to_wet(conc_dry, h2o_pct):
    """Concentration in dry gas → wet gas: C_wet = C_dry · (1 − Bws)."""
    return _out(_f(conc_dry) * (1.0 - moisture_fraction(h2o_pct)))


def flow_wet_to_dry(flow_wet, h2o_pct):
    """Wet gas flow → dry gas flow: Q_dry = Q_wet · (1 − Bws) (GB/T 16157-1996 Qsn)."""
    return _out(_f(flow_wet) * (1.0 - moisture_fraction(h2o_pct)))


def flow_dry_to_wet(flow_dry, h2o_pct):
    """Dry gas flow → wet gas flow: Q_wet = Q_dry / (1 − Bws)."""
    return _out(_f(flow_dry) / (1.0 - moisture_fraction(h2o_pct)))


def _actual_factor(temp_c, pressure_kpa, state: str) -> np.ndarray:
    """(T_act/T_std)·(P_std/P_act): how much larger a gas volume is at actual than at standard state."""
    t_std, p_std = state_tp(state)
    t_act = _f(temp_c) + T0_K
    p_act = _f(pressure_kpa)
    ok = ~(impossible("temp_c", temp_c) | impossible("pressure_kpa", p_act))  # T > 0 K, P > 0 (ranges.csv)
    return np.where(ok, (t_act / t_std) * (p_std / np.where(ok, p_act, 1.0)), np.nan)


def actual_to_standard_conc(conc_actual, temp_c, pressure_kpa, state: str = "normal"):
    """Mass concentration at actual T, P [mg/m³] → at the standard state (same moisture).

    .. math:: C_{std} = C_{act} \\cdot \\frac{273.15 + t}{T_{std}} \\cdot \\frac{P_{std}}{P}

    Ideal-gas law (V ∝ T/P); GB/T 16157-1996 标准状态换算 [K].
    """
    return _out(_f(conc_actual) * _actual_factor(temp_c, pressure_kpa, state))


def standard_to_actual_conc(conc_std, temp_c, pressure_kpa, state: str = "normal"):
    """Inverse of :func:`actual_to_standard_conc`."""
    return _out(_f(conc_std) / _actual_factor(temp_c, pressure_kpa, state))


def actual_to_standard_flow(flow_actual, temp_c, pressure_kpa, state: str = "normal"):
    """Volume flow at actual T, P → at the standard state (same moisture).

    GB/T 16157-1996: ``Qsn = Qs·(Ba+Ps)/101325·273/(273+ts)·(1−Xsw)``; this is that formula without
    the moisture term (apply :func:`flow_wet_to_dry` for it), with 273.15 K [K: the standard writes 273].
    """
    return _out(_f(flow_actual) / _actual_factor(temp_c, pressure_kpa, state))


def standard_to_actual_flow(flow_std, temp_c, pressure_kpa, state: str = "normal"):
    """Inverse of :func:`actual_to_standard_flow`."""
    return _out(_f(flow_std) * _actual_factor(temp_c, pressure_kpa, state))


# --------------------------------------------------------------------------- O2 correction


def o2_correct(conc, o2_measured_pct, o2_reference_pct, o2_ambient_pct: float = 21.0, o2_cap_pct: float | None = None):
    """Correct a dry concentration to a reference O2 content.

    .. math:: C_{ref} = C \\cdot \\frac{O_{2,amb} - O_{2,ref}}{O_{2,amb} - \\min(O_{2,meas}, cap)}

    * GB 13271-2014 (boilers), clause 5.3 [K: clause number]: ρ = ρ'·(21 − φ(O2)ref)/(21 − φ'(O2)),
      reference O2 9 % coal, 3.5 % oil and gas.
    * 大気汚染防止法施行規則 (O2 correction of the soot/NOx emission standards [K: exact table and
      note]): C = Cs·(21 − On)/(21 − Os), with Os capped at 20 % (``o2_cap_pct=20``)
      [S: docs/references.md "大気汚染防止法"].
    * ``o2_ambient_pct``: 21 in CN/JP practice, 20.9 in US/EU practice.

    NaN where the measured O2 (after the cap) is at or above the ambient value, or negative.
    """
    o2 = _f(o2_measured_pct)
    if o2_cap_pct is not None:
        o2 = np.minimum(o2, o2_cap_pct)
    denom = o2_ambient_pct - o2
    ok = (denom > 0) & (o2 >= 0)
    return _out(np.where(ok, _f(conc) * (o2_ambient_pct - _f(o2_reference_pct)) / np.where(ok, denom, 1.0), np.nan))


# --------------------------------------------------------------------------- rates


def mass_rate_kg_h(conc_mg_m3, flow_m3_h):
    """Mass emission rate [kg/h] from a dry standard concentration [mg/m³] and the dry standard
    flow at the **same** state [m³/h]: E = C · Q · 10⁻⁶.

    GB/T 16157-1996 排放速率 ``G = C·Qsn·10⁻⁶`` [K: clause]; worked example
    (15 000 Nm³/h × 60 mg/m³ = 0.9 kg/h). Use the *measured* concentration, never an O2-corrected one.
    """
    return _out(_f(conc_mg_m3) * _f(flow_m3_h) * 1e-6)


def mass_rate_quantity(conc, flow):
    """:func:`mass_rate_kg_h` on pint Quantities, dimensions checked: conc [mass]/[length]³,
    flow [length]³/[time]; returns kg/h."""
    c = check_dimension("conc", conc, "[mass]/[length]**3").to("mg/m**3").magnitude
    q = check_dimension("flow", flow, "[length]**3/[time]").to("m**3/h").magnitude
    return ureg.Quantity(mass_rate_kg_h(c, q), "kg/h")


def mass_concentration_quantity(conc, species_key: str | None = None, state: str = "normal"):
    """A concentration Quantity → mg/m³ at ``state`` (a Quantity), dimensions checked.

    Mass concentrations ([mass]/[length]³) are converted by unit only: the caller states that they
    are already at ``state``. Volume mixing ratios (ppmv, ppbv: dimensionless) need ``species_key``
    and use :func:`ppmv_to_mg_m3`; ppmC uses :func:`ppmc_to_mgc_m3` (result as carbon).
    """
    if isinstance(conc, ureg.Quantity) and conc.dimensionality == ureg.get_dimensionality("[carbon_mixing_ratio]"):
        return ureg.Quantity(ppmc_to_mgc_m3(conc.to("ppmC").magnitude, state), "mg/m**3")
    if isinstance(conc, ureg.Quantity) and conc.dimensionless:
        if species_key is None:
            raise ValueError("a volume mixing ratio needs species_key to become a mass concentration")
        mm = species(species_key).molar_mass
        return ureg.Quantity(ppmv_to_mg_m3(conc.to("ppmv").magnitude, mm, state), "mg/m**3")
    return check_dimension("conc", conc, "[mass]/[length]**3").to("mg/m**3")


def removal_efficiency(rate_in, rate_out):
    """Removal efficiency of a control device as a fraction: η = 1 − E_out/E_in.

    Mass-rate basis from simultaneous inlet and outlet runs (US EPA ETV practice, docs/references.md).
    NaN where E_in ≤ 0. Multiply by 100 for percent.
    """
    e_in = _f(rate_in)
    ok = e_in > 0
    return _out(np.where(ok, 1.0 - _f(rate_out) / np.where(ok, e_in, 1.0), np.nan))


def annual_t_from_kg_h(kg_h, hours_per_year):
    """Annual mass [t/a] from a mean rate [kg/h] and the plant's operating hours [h/a]:
    kg/h × h/a ÷ 1000. (Never the 8766 h of a calendar year unless the plant runs non-stop.)"""
    return _out(_f(kg_h) * _f(hours_per_year) / 1000.0)
