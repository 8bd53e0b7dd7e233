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
    273.15 K, US-EPA → ``epa`` 293.15 K; both 101.325 kPa), **dry** gas. Unit ``mg/m3`` for mass
    concentrations and for ppmv/ppbv of a known species (× M/Vm at the reporting state); ``ppmC``
    for values measured in ppmC (or ppmv "as C"), which no state changes.
    Dimensionless values (odour concentration, 无量纲) pass through unchanged, unit ``dimensionless``.
``conc_unit``, ``conc_as``, ``conc_state``
    ``mg/m3`` | ``ppmC`` | ``dimensionless``; the basis (``C``, ``NO2``, ``toluene``… or <NA>); ``normal-dry`` | ``epa-dry``.
    NMHC and THC given as a compound (as propane, as CH4) are converted to as C, the basis of
    HJ 38-2017 and of their limits, by the carbon the compound contains (CH4: 12/16 as HJ 38-2017
    writes it; others n_C·12.011/M); the derivation names the factor.
``conc_o2``
    ``conc`` corrected to the source's ``reference_o2_pct`` with its ``o2_ambient_pct`` (21 or 20.9)
    and ``o2_cap_pct`` (JP: 20), see :func:`verify.measure.conversions.o2_correct`. NaN where the
    source has no reference O2; NaN with a reason where O2 is missing or impossible.
``flow_sd_m3_h``
    Dry gas flow at the reporting state [m³/h], from ``flow``/``flow_unit``/``flow_basis``/
    ``flow_std_state`` (actual flows with ``temp_c`` and ``pressure_kpa``; wet with ``h2o_pct``).
``mass_rate_kg_h``
    ``conc`` (measured, not O2-corrected) × ``flow_sd_m3_h`` × 10⁻⁶ (GB/T 16157-1996), for
    ``conc_unit == "mg/m3"`` only.
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

Reading the basis: a row's ``basis`` (resolved by the intake from the unit or the case's
``concentration_basis``) says how the value was measured; where the intake left it empty the
case's ``concentration_basis`` is used and the derivation says so. A ``standard-*`` basis refers to
the row's ``std_state``; where that is empty, the state of ``input_conditions`` (default:
``conditions``) is meant, as case-format.md defines, and the derivation says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from verify.case import Case
from verify.errors import Location, UnitError
from verify.measure import conversions as cv
from verify.measure.constants import REPORTING_STATE, molar_volume_l_per_mol, pollutant_species, species_table, state_tp
from verify.measure.units import UNIT_KEYS, factor

#: Hydrocarbon sums whose concentrations and limits are expressed as carbon: NMHC and THC "以碳计"
#: (HJ 38-2017; verify/sources/data/pollutants.csv gives them the default basis C).
CARBON_BASIS_POLLUTANTS = frozenset({"NMHC", "THC"})


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


def normalize(table: pd.DataFrame, case: Case) -> pd.DataFrame:
    """The canonical table plus the derived columns documented in the module docstring."""
    n = len(table)
    out = table.copy()
    R = reporting_state(case)
    D = input_state(case)
    deriv, missing = _Notes(n), _Notes(n)

    value = _col(table, "value")
    unit = _str(table, "unit")
    h2o = _col(table, "h2o_pct")
    temp = _col(table, "temp_c")
    pres = _col(table, "pressure_kpa")

    unknown = np.flatnonzero(~_isin(unit, UNIT_KEYS))
    if len(unknown):
        i = int(unknown[0])
        raise UnitError(
            f"unit {unit[i]!r} is not a canonical unit key ({len(unknown)} row(s))",
            _location(table, i, "unit"),
            hint=f"known keys: {', '.join(UNIT_KEYS)}",
        )
    group = pd.Series(unit, dtype=object).map({k: g for k, (_, g) in UNIT_KEYS.items()}).to_numpy(dtype=object)
    is_mass = group == "mass_concentration"
    is_vol = group == "volume_fraction"
    is_c = group == "carbon_fraction"
    is_dimless = group == "dimensionless"  # odour concentration (无量纲): passed through unchanged
    gas_conc = is_mass | is_vol | is_c
    not_conc = ~(gas_conc | is_dimless)
    missing.add(not_conc, "conc: unit is not a concentration")

    # basis: the row's, else the case's concentration_basis (said in the derivation)
    basis = _str(table, "basis")
    no_basis = basis == ""
    basis = np.where(no_basis, case.manifest.case.concentration_basis, basis)
    deriv.add(no_basis & gas_conc, f"basis from case concentration_basis ({case.manifest.case.concentration_basis})")
    std_state = _str(table, "std_state")
    no_state = (std_state == "") & np.char.startswith(basis.astype(str), "standard")
    std_state = np.where(std_state == "", D, std_state)
    deriv.add(no_state & is_mass, f"standard state from input conditions ({D})")

    # 1. unit prefix factor to mg/m3 | ppmv | ppmC: one pint factor per unit key
    fac = np.full(n, np.nan)
    target = {"mass_concentration": "mg/m3", "volume_fraction": "ppmv", "carbon_fraction": "ppmC", "dimensionless": "dimensionless"}
    for u in _unique(unit):
        m = unit == u
        g = UNIT_KEYS[u][1]
        if g in target:
            f = factor(u, target[g])
            fac[m] = f
            if f != 1.0:
                deriv.add(m, f"{u}→{target[g]} ×{f:g}")

    # 2. wet → dry (any wet basis, any concentration kind)
    deriv.add(is_dimless, "dimensionless (odour): no state or moisture conversion")
    wet = _isin(basis, ["standard-wet", "actual-wet"]) & gas_conc
    bad_h2o = wet & ~((h2o >= 0) & (h2o < 100))
    fac = np.where(wet, fac / (1.0 - h2o / 100.0), fac)
    fac[bad_h2o] = np.nan
    deriv.add(wet & ~bad_h2o, "wet→dry ÷(1−h2o/100)")
    missing.add(bad_h2o, "conc: wet value without a usable h2o_pct")

    # 3. state (mass concentrations only; mixing ratios do not depend on T and P)
    std = is_mass & _isin(basis, ["standard-dry", "standard-wet"])
    for s in _unique(std_state[std]):
        m = std & (std_state == s)
        if s not in REPORTING_STATE.values():
            raise UnitError(f"unknown std_state {s!r}", _location(table, int(np.flatnonzero(m)[0]), "std_state"))
        if s != R:
            f = cv.mass_conc_state_factor(s, R)
            fac[m] *= f
            deriv.add(m, f"{s}→{R} ×{f:.6g}")
    act = is_mass & (basis == "actual-wet")
    t_r, p_r = state_tp(R)
    act_f = np.asarray(cv.actual_to_standard_conc(np.ones(n), temp, pres, R), dtype=float)
    bad_tp = act & np.isnan(act_f)
    fac = np.where(act, fac * act_f, fac)
    deriv.add(act & ~bad_tp, f"actual→{R} ×(273.15+t)/{t_r:g}·{p_r:g}/P")
    missing.add(bad_tp, "conc: actual-condition value without temp_c/pressure_kpa")

    # 4. volume fraction → mg/m3 at the reporting state, or → ppmC when 'as C'
    as_sp = _str(table, "as_species")
    pollutant = _str(table, "pollutant")
    conc_unit = np.where(is_c, "ppmC", np.where(is_mass, "mg/m3", np.where(is_dimless, "dimensionless", "")))
    conc_as = np.where(is_c, "C", as_sp).astype(object)
    vol_c = is_vol & (as_sp == "C")
    conc_unit = np.where(vol_c, "ppmC", conc_unit)
    deriv.add(vol_c, "ppmv as C = ppmC")
    by_pollutant = pollutant_species()
    table_sp = species_table()
    sp = np.where(as_sp != "", as_sp, pd.Series(pollutant, dtype=object).map(by_pollutant).fillna("").to_numpy(dtype=object))
    vm = molar_volume_l_per_mol(R)
    for s in _unique(sp[is_vol & ~vol_c]):
        m = is_vol & ~vol_c & (sp == s)
        if s not in table_sp:
            fac[m] = np.nan
            missing.add(m, "conc: ppmv of a mixture or unknown species needs as_species (see verify/measure/data/species.csv)")
            continue
        mm = table_sp[s].molar_mass
        fac[m] *= mm / vm
        conc_unit[m] = "mg/m3"
        conc_as[m] = np.where(as_sp[m] != "", as_sp[m], np.where(pollutant[m] == s, "", s))
        deriv.add(m, f"ppmv→mg/m3 ×M/Vm ({s} M={mm:.3f} g/mol, Vm={vm:.3f} L/mol at {R})")

    # 4b. a hydrocarbon sum reported as carbon (NMHC, THC: HJ 38-2017) but given as a compound
    # (as propane, as CH4) → as C by the carbon it contains; limits for these sums are as C
    for s in _unique(conc_as[(conc_unit == "mg/m3") & (conc_as != "") & (conc_as != "C")]):
        m = (conc_unit == "mg/m3") & (conc_as == s) & np.isin(pollutant, sorted(CARBON_BASIS_POLLUTANTS))
        if not m.any() or s not in table_sp or table_sp[s].n_carbon <= 0 or s in ("CO", "CO2"):
            continue
        f, how = _as_c_factor(table_sp[s])
        fac[m] *= f
        conc_as[m] = "C"
        deriv.add(m, f"as {s}→as C ×{f:.6g} ({how})")

    conc = value * fac
    missing.add(np.isnan(value) & ~not_conc, "conc: no value")
    conc_state = np.where((conc_unit == "") | is_dimless, "", f"{R}-dry")

    out["conc"] = conc
    out["conc_unit"] = pd.Series(conc_unit, index=table.index, dtype="string").mask(lambda s: s == "")
    out["conc_as"] = pd.Series(conc_as, index=table.index, dtype="string").mask(lambda s: s == "")
    out["conc_state"] = pd.Series(conc_state, index=table.index, dtype="string").mask(lambda s: s == "")

    # 5. O2 correction to the source's reference O2
    o2 = _col(table, "o2_pct")
    src = _str(table, "source")
    conc_o2 = np.full(n, np.nan)
    ref_col = np.full(n, np.nan)
    sources = case.sources
    for s in _unique(src):
        source = sources.get(s)
        if source is None or source.reference_o2_pct is None:
            continue
        m = (src == s) & ~np.isnan(conc) & gas_conc
        ref = source.reference_o2_pct
        ref_col[src == s] = ref
        res = np.asarray(cv.o2_correct(conc[m], o2[m], ref, source.o2_ambient_pct, source.o2_cap_pct), dtype=float)
        conc_o2[m] = res
        no_o2 = m.copy()
        no_o2[m] = np.isnan(o2[m])
        bad = m.copy()
        bad[m] = np.isnan(res) & ~np.isnan(o2[m])
        cap = f", measured O2 capped at {source.o2_cap_pct:g}" if source.o2_cap_pct is not None else ""
        deriv.add(m & ~no_o2 & ~bad, f"O2 → {ref:g} % ×({source.o2_ambient_pct:g}−{ref:g})/({source.o2_ambient_pct:g}−O2){cap}")
        missing.add(no_o2, "conc_o2: no o2_pct")
        missing.add(bad, f"conc_o2: O2 not below {source.o2_ambient_pct:g} %")
    out["conc_o2"] = conc_o2
    out["o2_ref_pct"] = ref_col

    # 6. flow → dry m3/h at the reporting state
    flow = _col(table, "flow")
    funit = _str(table, "flow_unit")
    fbasis = _str(table, "flow_basis")
    fstate = _str(table, "flow_std_state")
    has_flow = ~np.isnan(flow)
    q = np.full(n, np.nan)
    for u in _unique(funit[has_flow]):
        m = has_flow & (funit == u)
        if u == "":
            missing.add(m, "flow: no flow_unit")
            continue
        if u not in UNIT_KEYS or UNIT_KEYS[u][1] != "volume_flow":
            raise UnitError(f"flow_unit {u!r} is not a volume flow", _location(table, int(np.flatnonzero(m)[0]), "flow_unit"))
        f = factor(u, "m3/h")
        q[m] = flow[m] * f
        if f != 1.0:
            deriv.add(m, f"flow {u}→m3/h ×{f:g}")
    no_fbasis = has_flow & (fbasis == "")
    q[no_fbasis] = np.nan
    missing.add(no_fbasis, "flow: no flow_basis (standard-dry | standard-wet | actual-wet)")
    fwet = has_flow & _isin(fbasis, ["standard-wet", "actual-wet"])
    bad_fh2o = fwet & ~((h2o >= 0) & (h2o < 100))
    q = np.where(fwet, q * (1.0 - h2o / 100.0), q)
    q[bad_fh2o] = np.nan
    deriv.add(fwet & ~bad_fh2o, "flow wet→dry ×(1−h2o/100)")
    missing.add(bad_fh2o, "flow: wet flow without a usable h2o_pct")
    fstd = has_flow & _isin(fbasis, ["standard-dry", "standard-wet"])
    no_fstate = fstd & (fstate == "")
    fstate = np.where(fstate == "", D, fstate)
    deriv.add(no_fstate, f"flow standard state from input conditions ({D})")
    for s in _unique(fstate[fstd]):
        m = fstd & (fstate == s)
        if s not in REPORTING_STATE.values():
            raise UnitError(f"unknown flow_std_state {s!r}", _location(table, int(np.flatnonzero(m)[0]), "flow_std_state"))
        if s != R:
            q[m] = np.asarray(cv.flow_change_state(q[m], s, R))
            deriv.add(m, f"flow {s}→{R}")
    fact = has_flow & (fbasis == "actual-wet")
    qa = np.asarray(cv.actual_to_standard_flow(q, temp, pres, R), dtype=float)
    bad_ftp = fact & np.isnan(qa) & ~np.isnan(q)
    q = np.where(fact, qa, q)
    deriv.add(fact & ~bad_ftp & ~np.isnan(q), f"flow actual→{R} ×{t_r:g}/(273.15+t)·P/{p_r:g}")
    missing.add(bad_ftp, "flow: actual flow without temp_c/pressure_kpa")
    out["flow_sd_m3_h"] = q

    # 7. mass rate from the measured dry standard concentration (never the O2-corrected one)
    mass_ok = conc_unit == "mg/m3"
    rate = np.where(mass_ok, np.asarray(cv.mass_rate_kg_h(conc, q), dtype=float), np.nan)
    deriv.add(mass_ok & ~np.isnan(rate), "mass rate = conc×flow_sd×1e-6")
    is_stack = _isin(src, [s.id for s in case.manifest.source if s.kind == "stack"])
    missing.add(is_stack & mass_ok & ~np.isnan(conc) & np.isnan(q) & ~has_flow, "mass_rate: no flow")
    missing.add(is_stack & (conc_unit == "ppmC") & has_flow, "mass_rate: not computed for ppmC values")
    out["mass_rate_kg_h"] = rate

    # 8. cross-checks of lab-reported values
    lab_o2 = _col(table, "value_o2ref") * fac
    o2chk = lab_o2 / conc_o2 - 1.0
    o2chk[~(np.isfinite(o2chk))] = np.nan
    lab_rate = _col(table, "rate_reported")
    rchk = lab_rate / rate - 1.0
    rchk[~(np.isfinite(rchk))] = np.nan
    out["o2ref_check"] = o2chk
    out["o2ref_mismatch"] = pd.array(np.where(np.isnan(o2chk), None, np.abs(o2chk) > CHECK_TOLERANCE), dtype="boolean")
    out["rate_check"] = rchk
    out["rate_mismatch"] = pd.array(np.where(np.isnan(rchk), None, np.abs(rchk) > CHECK_TOLERANCE), dtype="boolean")
    missing.add(~np.isnan(_col(table, "value_o2ref")) & np.isnan(o2chk), "o2ref_check: nothing to compare (no conc_o2)")
    missing.add(~np.isnan(lab_rate) & np.isnan(rchk), "rate_check: nothing to compare (no mass rate)")

    out["derivation"] = deriv.series(table.index)
    out["missing"] = missing.series(table.index)
    for name, dtype in DERIVED_COLUMNS.items():
        if str(out[name].dtype) != dtype:
            out[name] = out[name].astype(dtype)
    return out
