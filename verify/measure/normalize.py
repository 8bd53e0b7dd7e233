"""Canonical table → normalized table: every concentration at the reporting state, dry gas.

``normalize(table, case)`` returns the canonical columns plus the derived columns below. All
arithmetic is vectorised: one pint factor per unit key (:func:`verify.measure.units.factor`),
then numpy; never a Quantity per row. Each value's conversion is a product of factors, so a
multiplier ``value → conc`` is kept per row and applied to the lab's ``value_o2ref`` for the
cross-check.

Derived columns
---------------
``conc`` [float]
    The measured concentration at the case's reporting state (``conditions`` CN/JP → ``normal``
    273.15 K, US-EPA → ``epa`` 293.15 K; both 101.325 kPa), **dry** gas, in ``mg/m3``: mass
    concentrations; ppmv/ppbv of a known species (× M/Vm at the reporting state); and every carbon
    mixing ratio as **carbon mass**, mgC/m3 (``conc_as`` C): ppmC × 12.011/Vm (0.5359 at 0 °C,
    0.4993 at 20 °C), where ppmv "as C" is ppmC and ppmv of an organic-carbon sum (NMHC, THC, VOC)
    as a compound becomes ppmC by its carbon number first (100 ppm as propane = 300 ppmC; ppm as CH4
    = ppmC × 1). Dimensionless values (odour concentration, 无量纲) pass through unchanged, unit
    ``dimensionless``.
``conc_unit``, ``conc_as``, ``conc_state``
    ``mg/m3`` | ``dimensionless``; the basis (``C``, ``NO2``, ``toluene``… or <NA>); ``normal-dry`` | ``epa-dry``.
    NMHC, THC and VOC given in mg/m3 as a compound (as propane, as CH4) are converted to as C, the
    basis of HJ 38-2017 and of their limits, by the carbon the compound contains (CH4: 12/16 as
    HJ 38-2017 writes it, for mg/m3 as CH4 only; others n_C·12.011/M); the derivation names the factor.
``conc_ppmc``
    For sources with ``report_ppmc = true`` only: the value in ppmC (dry), for ppmC limits such as
    大気汚染防止法施行規則 別表第五の二: the measured carbon mixing ratio, or mgC/m3 × Vm/12.011
    for carbon masses. NaN elsewhere.
``conc_o2``
    ``conc`` corrected to the source's ``reference_o2_pct`` with its ``o2_ambient_pct`` (21 or 20.9)
    and ``o2_cap_pct`` (JP: 20), see :func:`verify.measure.conversions.o2_correct`. NaN where the
    source has no reference O2; NaN with a reason where O2 is missing or impossible.
``flow_sd_m3_h``
    Dry gas flow at the reporting state [m³/h], from ``flow``/``flow_unit``/``flow_basis``/
    ``flow_std_state`` (actual flows with ``temp_c`` and ``pressure_kpa``; wet with ``h2o_pct``).
``mass_rate_kg_h``
    ``conc`` (measured, not O2-corrected) × ``flow_sd_m3_h`` × 10⁻⁶ (GB/T 16157-1996), for
    ``conc_unit == "mg/m3"`` only; kg/h as C for carbon masses (values measured in ppmC included).
``o2ref_check``, ``o2ref_mismatch``, ``rate_check``, ``rate_mismatch``
    Relative difference (lab / tool − 1) of the lab's ``value_o2ref`` (put through the same
    conversion as ``value``) against ``conc_o2``, and of ``rate_reported`` against
    ``mass_rate_kg_h``; ``*_mismatch`` is True when the difference exceeds 1 % (<NA> when there is
    nothing to compare).
``derivation``
    The steps applied to the row, ``; ``-joined, e.g. ``ug/m3→mg/m3 ×0.001; wet→dry ÷(1−h2o/100)``.
``missing``
    Why a derived value is NaN (no H2O for a wet value, no T/P for an actual value, …). Nothing is
    ever assumed silently.

Steps (one function each, in this order): :func:`_read_rows` (units, basis, standard state),
:func:`_unit_factor`, :func:`_wet_to_dry`, :func:`_to_reporting_state`, :func:`_carbon_mixing_ratio`,
:func:`_mixing_ratio_to_mass`, :func:`_hydrocarbons_as_carbon`, :func:`_ppmc_for_limits`,
:func:`_o2_corrected`, :func:`_dry_standard_flow`, :func:`_mass_rate`, :func:`_lab_checks`. The
arithmetic is that of :mod:`verify.measure.conversions` (wet_to_dry, change_state,
actual_to_standard_conc, ppmv_to_ppmc, ppmc_to_mgc_m3, mgc_m3_to_ppmc, ppmv_to_mg_m3, ch4_to_c,
compound_to_as_c, o2_correct, flow_wet_to_dry, flow_change_state, actual_to_standard_flow,
mass_rate_kg_h), the functions its tests check, applied to whole arrays: there is no second copy
of a formula here.

The reporting species (``as_species``) comes from the intake, which reads it from the unit, the
header, the ``as`` column or ``[[file]] defaults`` and rejects an organic-carbon sum in ppm without
one (:mod:`verify.sources.species`); here a ppmv of a sum without a species is NaN with a reason,
never "as C".

Reading the basis: a row's ``basis`` (resolved by the intake from the unit or the case's
``concentration_basis``) says how the value was measured; where the intake left it empty the
case's ``concentration_basis`` is used and the derivation says so. A ``standard-*`` basis refers to
the row's ``std_state``; where that is empty, the state of ``input_conditions`` (default:
``conditions``) is meant, as case-format.md defines, and the derivation says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from verify.case import Case
from verify.errors import Location, UnitError
from verify.i18n import N_
from verify.measure import conversions as cv
from verify.measure.constants import REPORTING_STATE, case_species, molar_volume_l_per_mol, state_tp
from verify.measure.units import UNIT_KEYS, factor
from verify.sources.aliases import pollutant_sums


def carbon_sum_pollutants() -> list[str]:
    """The organic-carbon sums whose concentrations and limits are expressed as carbon (NMHC, THC
    以碳计 per HJ 38-2017; VOC in ppmC per 環境省告示第61号): ``sum = carbon`` in
    verify/sources/data/pollutants.csv."""
    return sorted(k for k, v in pollutant_sums().items() if v == "carbon")


def _as_c_factor(sp) -> tuple[float, str]:
    """Multiplier from a compound's mass concentration to its carbon mass, and how it was derived.

    CH4 uses 12/16 as HJ 38-2017 writes it (:func:`verify.measure.conversions.ch4_to_c`); any
    other compound n_C·12.011/M (:func:`verify.measure.conversions.compound_to_as_c`; propane:
    3 × 12.011 / 44.097 = 0.81713).
    """
    if sp.key == "CH4":
        return float(cv.ch4_to_c(1.0)), "HJ 38-2017: 12/16"
    return float(cv.compound_to_as_c(1.0, sp.key)), f"{sp.n_carbon}·12.011/{sp.molar_mass:.3f}"


#: relative difference above which a lab-reported value is flagged (issue: "more than 1 % apart")
CHECK_TOLERANCE = 0.01

DERIVED_COLUMNS: dict[str, str] = {
    "conc": "float64",
    "conc_unit": "string",
    "conc_as": "string",
    "conc_state": "string",
    "conc_ppmc": "float64",
    "conc_o2": "float64",
    "o2_ref_pct": "float64",
    "flow_sd_m3_h": "float64",
    "mass_rate_kg_h": "float64",
    "o2ref_check": "float64",
    "o2ref_mismatch": "boolean",
    "rate_check": "float64",
    "rate_mismatch": "boolean",
    "derivation": "string",
    "missing": "string",
}


class _Notes:
    """Per-row step texts. Each step is a boolean mask; rows are grouped by their combination of
    steps (few distinct combinations) and one text is built per combination, so the cost does not
    grow with string work per row."""

    def __init__(self, n: int):
        self.n = n
        self.masks: list[np.ndarray] = []
        self.texts: list[str] = []

    def add(self, mask: np.ndarray, text: str) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.masks.append(mask)
            self.texts.append(text)

    def series(self, index) -> pd.Series:
        if not self.masks or self.n == 0:
            return pd.Series(pd.NA, index=index, dtype="string")
        m = np.column_stack(self.masks)
        words = [m[:, i : i + 62].astype(np.int64) @ (np.int64(1) << np.arange(min(62, m.shape[1] - i), dtype=np.int64))
                 for i in range(0, m.shape[1], 62)]
        codes, _ = pd.MultiIndex.from_arrays(words).factorize()
        first = pd.Series(np.arange(self.n)).groupby(codes, sort=True).first().to_numpy()
        labels = np.array(["; ".join(t for t, on in zip(self.texts, m[row]) if on) for row in first], dtype=object)
        labels[labels == ""] = None
        return pd.Series(pd.array(labels[codes], dtype="string"), index=index)


def _unique(values: np.ndarray) -> list:
    """Distinct values in first-seen order (hash based; np.unique sorts object arrays slowly)."""
    return list(pd.unique(pd.Series(values, dtype=object)))


def _isin(values: np.ndarray, allowed) -> np.ndarray:
    return pd.Series(values, dtype=object).isin(list(allowed)).to_numpy()


def _col(table: pd.DataFrame, name: str) -> np.ndarray:
    return table[name].to_numpy(dtype=float, na_value=np.nan)


def _str(table: pd.DataFrame, name: str) -> np.ndarray:
    """The column as an object array, NA as "". Built per distinct value (factorize, then one Python
    string per distinct value), so the rows share a few string objects instead of one each."""
    codes, uniques = pd.factorize(table[name])
    labels = np.array([*(str(u) for u in uniques), ""], dtype=object)
    return labels[codes]  # code -1 (NA) → the last label, ""


def _location(table: pd.DataFrame, i: int, column: str | None = None) -> Location:
    row = table.iloc[i]
    return Location(
        file=None if pd.isna(row["file"]) else str(row["file"]),
        sheet=None if pd.isna(row["sheet"]) else str(row["sheet"]),
        row=None if pd.isna(row["row"]) else int(row["row"]),
        column=column or (None if pd.isna(row["cell"]) else str(row["cell"])),
    )


def reporting_state(case: Case) -> str:
    """The reference state results are reported at: CN/JP → ``normal``, US-EPA → ``epa``."""
    return REPORTING_STATE[case.manifest.case.conditions]


def input_state(case: Case) -> str:
    """The state meant by a bare "standard" in the input: ``input_conditions`` or ``conditions``."""
    info = case.manifest.case
    return REPORTING_STATE[info.input_conditions or info.conditions]


@dataclass
class _Rows:
    """The per-row inputs of one normalisation (read once), the states, and the notes the steps write."""

    table: pd.DataFrame
    case: Case
    reporting: str  # the state results are reported at (R)
    input: str  # the state a bare "standard" means (D)
    deriv: _Notes
    missing: _Notes
    value: np.ndarray
    unit: np.ndarray
    group: np.ndarray
    basis: np.ndarray
    std_state: np.ndarray
    h2o: np.ndarray
    temp: np.ndarray
    pres: np.ndarray

    @property
    def n(self) -> int:
        return len(self.value)

    def is_group(self, name: str) -> np.ndarray:
        return self.group == name

    @property
    def gas_conc(self) -> np.ndarray:
        return self.is_group("mass_concentration") | self.is_group("volume_fraction") | self.is_group("carbon_fraction")

    @property
    def is_dimless(self) -> np.ndarray:  # odour concentration (无量纲): passed through unchanged
        return self.is_group("dimensionless")


def _read_rows(table: pd.DataFrame, case: Case) -> _Rows:
    """Step 0: the inputs, each unit's group (an unknown unit key is an error), and the basis and
    standard state of every row (the case's where the row has none, said in the derivation)."""
    n = len(table)
    unit = _str(table, "unit")
    unknown = np.flatnonzero(~_isin(unit, UNIT_KEYS))
    if len(unknown):
        i = int(unknown[0])
        raise UnitError(
            N_("unit {unit!r} is not a canonical unit key ({n} row(s))", unit=unit[i], n=len(unknown)),
            _location(table, i, "unit"),
            hint=N_("known keys: {keys}", keys=", ".join(UNIT_KEYS)),
        )
    group = pd.Series(unit, dtype=object).map({k: g for k, (_, g) in UNIT_KEYS.items()}).to_numpy(dtype=object)
    rows = _Rows(table, case, reporting_state(case), input_state(case), _Notes(n), _Notes(n), _col(table, "value"),
                 unit, group, _str(table, "basis"), _str(table, "std_state"), _col(table, "h2o_pct"),
                 _col(table, "temp_c"), _col(table, "pressure_kpa"))
    gas_conc = rows.gas_conc
    rows.missing.add(~(gas_conc | rows.is_dimless), "conc: unit is not a concentration")
    case_basis = case.manifest.case.concentration_basis
    no_basis = rows.basis == ""
    rows.basis = np.where(no_basis, case_basis, rows.basis)
    rows.deriv.add(no_basis & gas_conc, f"basis from case concentration_basis ({case_basis})")
    no_state = (rows.std_state == "") & np.char.startswith(rows.basis.astype(str), "standard")
    rows.std_state = np.where(rows.std_state == "", rows.input, rows.std_state)
    rows.deriv.add(no_state & rows.is_group("mass_concentration"), f"standard state from input conditions ({rows.input})")
    return rows


#: unit group → the unit its values are first brought to (one pint factor per unit key)
_GROUP_TARGET = {"mass_concentration": "mg/m3", "volume_fraction": "ppmv", "carbon_fraction": "ppmC", "dimensionless": "dimensionless"}


def _unit_factor(rows: _Rows) -> np.ndarray:
    """Step 1: the multiplier to mg/m3 | ppmv | ppmC of each row's unit (µg/m3 → mg/m3 ×0.001)."""
    fac = np.full(rows.n, np.nan)
    for u in _unique(rows.unit):
        target = _GROUP_TARGET.get(UNIT_KEYS[u][1])
        if target is None:
            continue
        m = rows.unit == u
        f = factor(u, target)
        fac[m] = f
        if f != 1.0:
            rows.deriv.add(m, f"{u}→{target} ×{f:g}")
    return fac


def _wet_to_dry(rows: _Rows, fac: np.ndarray) -> np.ndarray:
    """Step 2: any wet concentration (mass or mixing ratio) → dry (:func:`conversions.wet_to_dry`)."""
    rows.deriv.add(rows.is_dimless, "dimensionless (odour): no state or moisture conversion")
    wet = _isin(rows.basis, ["standard-wet", "actual-wet"]) & rows.gas_conc
    bad_h2o = wet & np.isnan(cv.moisture_fraction(rows.h2o))
    rows.deriv.add(wet & ~bad_h2o, "wet→dry ÷(1−h2o/100)")
    rows.missing.add(bad_h2o, "conc: wet value without a usable h2o_pct")
    return np.where(wet, np.asarray(cv.wet_to_dry(fac, rows.h2o), dtype=float), fac)


def _to_reporting_state(rows: _Rows, fac: np.ndarray) -> np.ndarray:
    """Step 3: mass concentrations at a standard or the actual state → at the reporting state
    (:func:`conversions.change_state`, :func:`conversions.actual_to_standard_conc`); mixing ratios
    do not depend on T and P."""
    R = rows.reporting
    is_mass = rows.is_group("mass_concentration")
    std = is_mass & _isin(rows.basis, ["standard-dry", "standard-wet"])
    fac = fac.copy()
    for s in _unique(rows.std_state[std]):
        m = std & (rows.std_state == s)
        if s not in REPORTING_STATE.values():
            raise UnitError(N_("unknown std_state {state!r}", state=s), _location(rows.table, int(np.flatnonzero(m)[0]), "std_state"))
        if s != R:
            fac[m] = cv.change_state(fac[m], s, R)
            rows.deriv.add(m, f"{s}→{R} ×{cv.mass_conc_state_factor(s, R):.6g}")
    act = is_mass & (rows.basis == "actual-wet")
    t_r, p_r = state_tp(R)
    act_f = np.asarray(cv.actual_to_standard_conc(np.ones(rows.n), rows.temp, rows.pres, R), dtype=float)
    bad_tp = act & np.isnan(act_f)
    rows.deriv.add(act & ~bad_tp, f"actual→{R} ×(273.15+t)/{t_r:g}·{p_r:g}/P")
    rows.missing.add(bad_tp, "conc: actual-condition value without temp_c/pressure_kpa")
    return np.where(act, fac * act_f, fac)


class _Carbon(NamedTuple):
    """The carbon mixing ratios of step 4: the factor ``value → ppmC`` (NaN elsewhere), the rows that
    have one, and the rows of a sum given as a carbon-free species (no concentration at all)."""

    fac_ppmc: np.ndarray
    mask: np.ndarray
    blocked: np.ndarray


def _carbon_mixing_ratio(rows: _Rows, fac: np.ndarray) -> _Carbon:
    """Step 4: the factor to ppmC of every value measured as a carbon mixing ratio: ppmC; ppmv "as C"
    (= ppmC); ppmv of an organic-carbon sum (NMHC, THC, VOC) as a compound, × the compound's carbon
    number (:func:`conversions.ppmv_to_ppmc`: 100 ppm as propane = 300 ppmC; ppm as CH4 = ppmC × 1)."""
    table = rows.table
    as_sp, pollutant = _str(table, "as_species"), _str(table, "pollutant")
    is_vol = rows.is_group("volume_fraction")
    vol_c = is_vol & (as_sp == "C")
    carbon = rows.is_group("carbon_fraction") | vol_c
    fac_ppmc = np.where(carbon, fac, np.nan)
    rows.deriv.add(vol_c, "ppmv as C = ppmC")
    sums = is_vol & _isin(pollutant, carbon_sum_pollutants()) & ~vol_c & (as_sp != "")
    blocked = np.zeros(rows.n, dtype=bool)
    _, table_sp = case_species(rows.case.manifest.pollutant)
    for s in _unique(as_sp[sums]):
        m = sums & (as_sp == s)
        if s not in table_sp:
            continue  # left to the next step, which says the species is unknown
        n_c = table_sp[s].n_carbon
        if n_c <= 0 or s in ("CO", "CO2"):
            blocked |= m
            rows.missing.add(m, f"conc: {s} is not an organic compound; an organic-carbon sum cannot be expressed as it")
            continue
        fac_ppmc[m] = cv.ppmv_to_ppmc(fac[m], n_c)
        carbon |= m
        rows.deriv.add(m, f"ppmv as {s}→ppmC ×{n_c} (carbon atoms of {table_sp[s].formula})")
    return _Carbon(fac_ppmc, carbon, blocked)


def _mixing_ratio_to_mass(rows: _Rows, fac: np.ndarray, carbon: _Carbon) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step 5: ppmC → carbon mass, mgC/m3 at the reporting state (:func:`conversions.ppmc_to_mgc_m3`:
    × 12.011/Vm, 0.5359 at 0 °C, 0.4993 at 20 °C); ppmv of a known species → mg/m3
    (:func:`conversions.ppmv_to_mg_m3`). Returns the factors, ``conc_unit`` and ``conc_as``."""
    table, R = rows.table, rows.reporting
    is_mass, is_vol = rows.is_group("mass_concentration"), rows.is_group("volume_fraction")
    as_sp = _str(table, "as_species")
    pollutant = _str(table, "pollutant")
    c = carbon.mask
    conc_unit = np.where(is_mass | c, "mg/m3", np.where(rows.is_dimless, "dimensionless", ""))
    conc_as = np.where(c, "C", as_sp).astype(object)
    vm = molar_volume_l_per_mol(R)
    fac = fac.copy()
    fac[c] = cv.ppmc_to_mgc_m3(carbon.fac_ppmc[c], R)
    fac[carbon.blocked] = np.nan
    rows.deriv.add(c, f"ppmC→mgC/m3 ×12.011/Vm (Vm={vm:.3f} L/mol at {R})")
    by_pollutant, table_sp = case_species(rows.case.manifest.pollutant)  # with the case's [[pollutant]] molar masses
    vol = is_vol & ~c & ~carbon.blocked
    sp = np.where(as_sp != "", as_sp, pd.Series(pollutant, dtype=object).map(by_pollutant).fillna("").to_numpy(dtype=object))
    for s in _unique(sp[vol]):
        m = vol & (sp == s)
        if s not in table_sp:
            fac[m] = np.nan
            rows.missing.add(m, "conc: ppmv of a mixture or unknown species needs as_species (see verify/measure/data/species.csv)")
            continue
        mm = table_sp[s].molar_mass
        fac[m] = cv.ppmv_to_mg_m3(fac[m], mm, R)
        conc_unit[m] = "mg/m3"
        conc_as[m] = np.where(as_sp[m] != "", as_sp[m], np.where(pollutant[m] == s, "", s))
        rows.deriv.add(m, f"ppmv→mg/m3 ×M/Vm ({s} M={mm:.3f} g/mol, Vm={vm:.3f} L/mol at {R})")
    return fac, conc_unit, conc_as


def _hydrocarbons_as_carbon(rows: _Rows, fac: np.ndarray, conc_unit: np.ndarray, conc_as: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step 6: an organic-carbon sum reported as carbon (NMHC, THC: HJ 38-2017; VOC: 環境省告示第61号)
    but given in mg/m3 as a compound (as propane, as CH4) → as C by the carbon it contains; limits
    for these sums are as C."""
    pollutant = _str(rows.table, "pollutant")
    _, table_sp = case_species(rows.case.manifest.pollutant)
    fac, conc_as = fac.copy(), conc_as.copy()
    for s in _unique(conc_as[(conc_unit == "mg/m3") & (conc_as != "") & (conc_as != "C")]):
        m = (conc_unit == "mg/m3") & (conc_as == s) & _isin(pollutant, carbon_sum_pollutants())
        if not m.any() or s not in table_sp or table_sp[s].n_carbon <= 0 or s in ("CO", "CO2"):
            continue
        f, how = _as_c_factor(table_sp[s])
        fac[m] *= f
        conc_as[m] = "C"
        rows.deriv.add(m, f"as {s}→as C ×{f:.6g} ({how})")
    return fac, conc_as


def _ppmc_for_limits(rows: _Rows, conc: np.ndarray, conc_as: np.ndarray, carbon: _Carbon) -> np.ndarray:
    """Step 7: ``conc_ppmc``, the value in ppmC (dry), for the sources with ``report_ppmc = true``
    (judged against ppmC limits such as 大気汚染防止法施行規則 別表第五の二): the measured carbon
    mixing ratio, or a carbon mass × Vm/12.011 (:func:`conversions.mgc_m3_to_ppmc`). NaN elsewhere."""
    src = _str(rows.table, "source")
    report = _isin(src, [s.id for s in rows.case.manifest.source if s.report_ppmc])
    out = np.full(rows.n, np.nan)
    measured = report & carbon.mask
    out[measured] = rows.value[measured] * carbon.fac_ppmc[measured]
    from_mass = report & ~carbon.mask & (conc_as == "C")
    out[from_mass] = cv.mgc_m3_to_ppmc(conc[from_mass], rows.reporting)
    rows.deriv.add(from_mass, "conc_ppmc = mgC/m3 ×Vm/12.011")
    return out


def _o2_corrected(rows: _Rows, conc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Step 8: ``conc`` corrected to each source's reference O2 (:func:`conversions.o2_correct`);
    returns ``conc_o2`` and ``o2_ref_pct``."""
    o2 = _col(rows.table, "o2_pct")
    src = _str(rows.table, "source")
    conc_o2 = np.full(rows.n, np.nan)
    ref_col = np.full(rows.n, np.nan)
    gas_conc = rows.gas_conc
    for s in _unique(src):
        source = rows.case.sources.get(s)
        if source is None or source.reference_o2_pct is None:
            continue
        m = (src == s) & ~np.isnan(conc) & gas_conc
        ref, ambient = source.reference_o2_pct, source.o2_ambient_pct
        ref_col[src == s] = ref
        res = np.asarray(cv.o2_correct(conc[m], o2[m], ref, ambient, source.o2_cap_pct), dtype=float)
        conc_o2[m] = res
        no_o2 = m.copy()
        no_o2[m] = np.isnan(o2[m])
        bad = m.copy()
        bad[m] = np.isnan(res) & ~np.isnan(o2[m])
        cap = f", measured O2 capped at {source.o2_cap_pct:g}" if source.o2_cap_pct is not None else ""
        rows.deriv.add(m & ~no_o2 & ~bad, f"O2 → {ref:g} % ×({ambient:g}−{ref:g})/({ambient:g}−O2){cap}")
        rows.missing.add(no_o2, "conc_o2: no o2_pct")
        rows.missing.add(bad, f"conc_o2: O2 not below {ambient:g} %")
    return conc_o2, ref_col


def _flow_m3_h(rows: _Rows, flow: np.ndarray) -> np.ndarray:
    """Step 9a: each flow in m3/h (one pint factor per flow unit); NaN without a flow_unit."""
    funit = _str(rows.table, "flow_unit")
    has_flow = ~np.isnan(flow)
    q = np.full(rows.n, np.nan)
    for u in _unique(funit[has_flow]):
        m = has_flow & (funit == u)
        if u == "":
            rows.missing.add(m, "flow: no flow_unit")
            continue
        if u not in UNIT_KEYS or UNIT_KEYS[u][1] != "volume_flow":
            raise UnitError(N_("flow_unit {unit!r} is not a volume flow", unit=u),
                            _location(rows.table, int(np.flatnonzero(m)[0]), "flow_unit"))
        f = factor(u, "m3/h")
        q[m] = flow[m] * f
        if f != 1.0:
            rows.deriv.add(m, f"flow {u}→m3/h ×{f:g}")
    return q


def _dry_standard_flow(rows: _Rows) -> np.ndarray:
    """Step 9: flow → dry m3/h at the reporting state: wet → dry (:func:`conversions.flow_wet_to_dry`),
    standard state → reporting state (:func:`conversions.flow_change_state`), actual → reporting
    state (:func:`conversions.actual_to_standard_flow`)."""
    flow = _col(rows.table, "flow")
    fbasis = _str(rows.table, "flow_basis")
    has_flow = ~np.isnan(flow)
    q = _flow_m3_h(rows, flow)
    no_fbasis = has_flow & (fbasis == "")
    q[no_fbasis] = np.nan
    rows.missing.add(no_fbasis, "flow: no flow_basis (standard-dry | standard-wet | actual-wet)")
    fwet = has_flow & _isin(fbasis, ["standard-wet", "actual-wet"])
    bad_fh2o = fwet & np.isnan(cv.moisture_fraction(rows.h2o))
    q = np.where(fwet, np.asarray(cv.flow_wet_to_dry(q, rows.h2o), dtype=float), q)
    rows.deriv.add(fwet & ~bad_fh2o, "flow wet→dry ×(1−h2o/100)")
    rows.missing.add(bad_fh2o, "flow: wet flow without a usable h2o_pct")
    return _flow_to_reporting_state(rows, q, fbasis, has_flow)


def _flow_to_reporting_state(rows: _Rows, q: np.ndarray, fbasis: np.ndarray, has_flow: np.ndarray) -> np.ndarray:
    """Step 9b: dry flows at a standard state (:func:`conversions.flow_change_state`) or at the actual
    state (:func:`conversions.actual_to_standard_flow`) → at the reporting state."""
    R, D, table = rows.reporting, rows.input, rows.table
    fstate = _str(table, "flow_std_state")
    fstd = has_flow & _isin(fbasis, ["standard-dry", "standard-wet"])
    rows.deriv.add(fstd & (fstate == ""), f"flow standard state from input conditions ({D})")
    fstate = np.where(fstate == "", D, fstate)
    for s in _unique(fstate[fstd]):
        m = fstd & (fstate == s)
        if s not in REPORTING_STATE.values():
            raise UnitError(N_("unknown flow_std_state {state!r}", state=s),
                            _location(table, int(np.flatnonzero(m)[0]), "flow_std_state"))
        if s != R:
            q[m] = np.asarray(cv.flow_change_state(q[m], s, R))
            rows.deriv.add(m, f"flow {s}→{R}")
    fact = has_flow & (fbasis == "actual-wet")
    t_r, p_r = state_tp(R)
    qa = np.asarray(cv.actual_to_standard_flow(q, rows.temp, rows.pres, R), dtype=float)
    bad_ftp = fact & np.isnan(qa) & ~np.isnan(q)
    q = np.where(fact, qa, q)
    rows.deriv.add(fact & ~bad_ftp & ~np.isnan(q), f"flow actual→{R} ×{t_r:g}/(273.15+t)·P/{p_r:g}")
    rows.missing.add(bad_ftp, "flow: actual flow without temp_c/pressure_kpa")
    return q


def _mass_rate(rows: _Rows, conc: np.ndarray, conc_unit: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Step 10: mass rate from the measured dry standard concentration (never the O2-corrected one),
    :func:`conversions.mass_rate_kg_h`, for mg/m3 values."""
    mass_ok = conc_unit == "mg/m3"
    rate = np.where(mass_ok, np.asarray(cv.mass_rate_kg_h(conc, q), dtype=float), np.nan)
    rows.deriv.add(mass_ok & ~np.isnan(rate), "mass rate = conc×flow_sd×1e-6")
    src = _str(rows.table, "source")
    has_flow = ~np.isnan(_col(rows.table, "flow"))
    is_stack = _isin(src, [s.id for s in rows.case.manifest.source if s.kind == "stack"])
    rows.missing.add(is_stack & mass_ok & ~np.isnan(conc) & np.isnan(q) & ~has_flow, "mass_rate: no flow")
    return rate


def _relative_check(lab: np.ndarray, tool: np.ndarray) -> tuple[np.ndarray, pd.arrays.BooleanArray]:
    """lab / tool − 1 (NaN where not finite; 0 where both are zero, −0 included: they agree),
    computed without a numpy warning, and whether it is more than :data:`CHECK_TOLERANCE` off."""
    with np.errstate(divide="ignore", invalid="ignore"):
        chk = lab / tool - 1.0
    chk[(lab == 0) & (tool == 0)] = 0.0
    chk[~np.isfinite(chk)] = np.nan
    return chk, pd.array(np.where(np.isnan(chk), None, np.abs(chk) > CHECK_TOLERANCE), dtype="boolean")


def _lab_checks(rows: _Rows, fac: np.ndarray, conc_o2: np.ndarray, rate: np.ndarray) -> dict:
    """Step 11: the lab's O2-corrected value (put through the same conversion as ``value``) and its
    emission rate, against the tool's."""
    lab_o2_raw = _col(rows.table, "value_o2ref")
    lab_rate = _col(rows.table, "rate_reported")
    o2chk, o2bad = _relative_check(lab_o2_raw * fac, conc_o2)
    rchk, rbad = _relative_check(lab_rate, rate)
    rows.missing.add(~np.isnan(lab_o2_raw) & np.isnan(o2chk), "o2ref_check: nothing to compare (no conc_o2)")
    rows.missing.add(~np.isnan(lab_rate) & np.isnan(rchk), "rate_check: nothing to compare (no mass rate)")
    return {"o2ref_check": o2chk, "o2ref_mismatch": o2bad, "rate_check": rchk, "rate_mismatch": rbad}


def _text_column(values: np.ndarray, index) -> pd.Series:
    return pd.Series(values, index=index, dtype="string").mask(lambda s: s == "")


def normalize(table: pd.DataFrame, case: Case) -> pd.DataFrame:
    """The canonical table plus the derived columns documented in the module docstring."""
    rows = _read_rows(table, case)
    fac = _unit_factor(rows)
    fac = _wet_to_dry(rows, fac)
    fac = _to_reporting_state(rows, fac)
    carbon = _carbon_mixing_ratio(rows, fac)
    fac, conc_unit, conc_as = _mixing_ratio_to_mass(rows, fac, carbon)
    fac, conc_as = _hydrocarbons_as_carbon(rows, fac, conc_unit, conc_as)
    conc = rows.value * fac
    conc_ppmc = _ppmc_for_limits(rows, conc, conc_as, carbon)
    not_conc = ~(rows.gas_conc | rows.is_dimless)
    rows.missing.add(np.isnan(rows.value) & ~not_conc, "conc: no value")
    conc_state = np.where((conc_unit == "") | rows.is_dimless, "", f"{rows.reporting}-dry")
    conc_o2, ref_col = _o2_corrected(rows, conc)
    q = _dry_standard_flow(rows)
    rate = _mass_rate(rows, conc, conc_unit, q)
    checks = _lab_checks(rows, fac, conc_o2, rate)

    out = table.copy()
    out["conc"] = conc
    out["conc_unit"] = _text_column(conc_unit, table.index)
    out["conc_as"] = _text_column(conc_as, table.index)
    out["conc_state"] = _text_column(conc_state, table.index)
    out["conc_ppmc"] = conc_ppmc
    out["conc_o2"] = conc_o2
    out["o2_ref_pct"] = ref_col
    out["flow_sd_m3_h"] = q
    out["mass_rate_kg_h"] = rate
    for name, values in checks.items():
        out[name] = values
    out["derivation"] = rows.deriv.series(table.index)
    out["missing"] = rows.missing.series(table.index)
    for name, dtype in DERIVED_COLUMNS.items():
        if str(out[name].dtype) != dtype:
            out[name] = out[name].astype(dtype)
    return out
