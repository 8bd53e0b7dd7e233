"""Step 3 of the intake: classify the cells of every quantity column, and read their units.

A quantity cell is blank, a number, a non-detect, a missing marker or invalid
(:func:`verify.sources.cells.parse_number_array`, the one strict cell converter); its
:class:`~verify.sources.columns.CellStates` start from that. Then, column-wise:

* a formula without a saved value is rejected, a formula with one flagged (derived by the supplier);
* run-level quantities (:func:`run_level_quantities`): a non-detect is rejected (a limit is not a
  measurement of flow or O2); the pressure is converted to kPa from its header unit; the flow's unit
  (header or ``flow_unit`` column) must be a volume flow, and fixes its basis and standard state;
  then each is bounded by the range table (:func:`verify.sources.plausibility.check_ranges`);
* pollutant slots (:func:`pollutant_slots`, one per ``value`` column: one in a long file, one per
  pollutant in a wide file): the pollutant key, the unit (header, ``unit`` column or default; they
  must agree; it must be a concentration or mixing ratio; ppm of particles is rejected), the
  reporting species (:func:`verify.sources.species.resolve_species`) and the per-value columns
  ``lod``, ``range``, ``value_o2ref``, ``rate_reported`` (their units, and their bounds).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from verify.errors import InputError
from verify.sources.aliases import UnitInfo, lookup_unit, norm, units_agree
from verify.sources.canonical import RUN_LEVEL_NUMBERS
from verify.sources.cells import parse_number_array
from verify.sources.columns import (ACCEPTED, BLANK, FLAGGED, REJECTED, CellStates, CodedLabels, RowVerdicts, UnitCodes,
                                    addresses, map_codes, raw_texts)
from verify.sources.detect import AUX_FIELDS, DataRows, Layout
from verify.sources.headers import ColumnRole
from verify.sources.identity import Identity, label_column
from verify.sources.ledger import entries_frame
from verify.sources.plausibility import check_ranges
from verify.sources.species import resolve_species

VALUE_UNIT_KINDS = ("mass_conc", "mixing_ratio")


class Reader:
    """What classifying one grid's cells needs: its layout, rows, ``[[file]]`` entry and case context,
    and the unit lookups of the grid (one per distinct unit text)."""

    def __init__(self, layout: Layout, rows: DataRows, spec, ctx):
        self.layout, self.rows, self.spec, self.ctx = layout, rows, spec, ctx
        self._units: dict[object, UnitInfo | str] = {}

    def numbers(self, role: ColumnRole, field: str) -> CellStates:
        """The cells of one quantity column, classified; formula cells and a header unit error marked."""
        column = self.rows.columns[role.col]
        nf = parse_number_array(column.arr, decimal=self.spec.decimal, thousands=self.spec.thousands, types=column.types,
                                text=column.text)
        cells = CellStates(role, nf, field)
        fwv = self.rows.formula_rows(role.col)
        if fwv:
            m = self.rows.in_rows(fwv)
            cells.status[m & (cells.status == BLANK)] = ACCEPTED  # a formula cell is not blank
            cells.mark(m, REJECTED, "formula_no_value", "formula without a saved value")
        fw = [r for (r, c) in self.rows.grid.formulas_with_value if c == role.col]
        if fw:
            cells.mark(self.rows.in_rows(fw), FLAGGED, "formula_derived", "derived by supplier formula")
        if role.unit_error:
            cells.mark(self.everywhere(), REJECTED, "unknown_unit", role.unit_error)
        return cells

    def everywhere(self) -> np.ndarray:
        return np.ones(self.rows.n, dtype=bool)

    def unit_of(self, text: object) -> UnitInfo | str:
        """The unit a text names, or the message why it names none."""
        if text is None:
            return "no unit"
        if text not in self._units:
            try:
                self._units[text] = lookup_unit(text)
            except InputError as exc:
                self._units[text] = str(exc.message)  # a ledger detail: English
        return self._units[text]

    def label_column(self, field: str) -> CodedLabels | None:
        return label_column(self.layout, self.rows, field)


# ---------------------------------------------------------------- run-level quantities


@dataclass
class RunLevel:
    """The run-level quantity columns of a grid: their cells and usable values (NaN elsewhere), and
    the flow's unit key, basis and standard state per row."""

    cells: dict[str, CellStates]
    values: dict[str, np.ndarray]
    flow_unit: np.ndarray | None = None
    flow_basis: np.ndarray | None = None
    flow_state: np.ndarray | None = None


def run_level_quantities(reader: Reader) -> RunLevel:
    """Classify every run-level column (module docstring), in the canonical order."""
    out = RunLevel({}, {})
    for field in RUN_LEVEL_NUMBERS:
        if field not in reader.layout.generic:
            continue
        role = reader.layout.generic[field]
        cells = reader.numbers(role, field)
        cells.mark(cells.kind == "nondetect", REJECTED, "nondetect_not_allowed", f"a non-detect is not a {field}")
        values = cells.value
        ok = cells.usable & ~np.isnan(values)
        if field == "pressure_kpa":
            values = _pressure_kpa(reader, cells, role)
        check_ranges(cells, field, values, ok)
        if field == "flow":
            out.flow_unit, out.flow_basis, out.flow_state = _flow_units(reader, cells, role)
        out.values[field] = np.where(cells.usable, values, np.nan)
        out.cells[field] = cells
    return out


def _pressure_kpa(reader: Reader, cells: CellStates, role: ColumnRole) -> np.ndarray:
    """The pressure in kPa (from the header's unit; a bare ``pressure_kpa`` header is kPa), or the cells rejected."""
    factor = role.unit.factor if role.unit else (1.0 if norm(role.header) == "pressure_kpa" else None)
    if factor is None:
        cells.mark(reader.everywhere(), REJECTED, "no_unit", "pressure without a unit (kPa, hPa, Pa)")
        return cells.value
    return cells.value * factor


def _flow_units(reader: Reader, cells: CellStates, role: ColumnRole) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(unit key, basis, standard state) of each flow cell; a missing, unknown or non-flow unit, or a
    standard-state unit under an "actual" header, rejects the cell."""
    n = reader.rows.n
    if role.unit is not None:
        units = UnitCodes.constant(n, role.unit)
    else:
        fu = reader.label_column("flow_unit")
        units = UnitCodes.constant(n, "no unit") if fu is None else UnitCodes.from_labels(fu, reader.unit_of)
    is_info = units.attr(lambda u: isinstance(u, UnitInfo)).astype(bool)
    declared = role.unit is not None or "flow_unit" in reader.layout.generic or "flow_unit" in reader.layout.defaults
    cells.mark(~is_info, REJECTED, "unknown_unit" if declared else "no_unit", units.attr(lambda u: u if isinstance(u, str) else "").astype(object))
    kinds = units.attr(lambda u: u.kind if isinstance(u, UnitInfo) else "").astype(object)
    cells.mark(is_info & (kinds != "flow"), REJECTED, "wrong_unit", "flow unit is not a volume flow")
    key = units.attr(lambda u: u.key if isinstance(u, UnitInfo) else None).astype(object)
    ustate = units.attr(lambda u: u.std_state if isinstance(u, UnitInfo) else None).astype(object)
    ubasis = units.attr(lambda u: u.basis if isinstance(u, UnitInfo) else None).astype(object)
    implied = dict(role.implies).get("flow_basis")
    if implied == "actual-wet":
        cells.mark(ustate != None, REJECTED, "flow_basis_contradiction", "header says actual (工况/实际) but the unit is a standard-state unit")  # noqa: E711
        basis = np.full(n, "actual-wet", dtype=object)
    elif implied:
        basis = np.where(ubasis != None, ubasis, implied)  # noqa: E711
    else:
        basis = np.where(ubasis != None, ubasis, np.where(ustate != None, "standard-dry", "actual-wet"))  # noqa: E711
    return key, basis, _std_state(ustate, np.asarray(basis, dtype=object), reader.ctx.input_std_state)


def _std_state(unit_state: np.ndarray, basis: np.ndarray, input_state: str) -> np.ndarray:
    """The unit's standard state, else the case's input state for a standard basis, else None."""
    standard = map_codes(basis, is_standard).astype(bool)
    return np.where(unit_state != None, unit_state, np.where(standard, input_state, None))  # noqa: E711


def is_standard(basis: object) -> bool:
    return isinstance(basis, str) and basis.startswith("standard")


# ---------------------------------------------------------------- pollutant slots


@dataclass
class Slot:
    """One ``value`` column with its pollutant, unit, species and per-value columns, per row."""

    cells: CellStates
    pollutant: np.ndarray
    aux: dict[str, CellStates]
    unit: np.ndarray  # canonical unit key, None where unknown
    units: UnitCodes
    species: np.ndarray
    flag: np.ndarray | None = None  # HJ 212 flag of each row, ``T`` added over the range (plausibility.value_rules)

    def aux_values(self, field: str, n: int) -> np.ndarray:
        """The usable values of a per-value column (NaN where unusable or absent)."""
        return self.aux[field].usable_values() if field in self.aux else np.full(n, np.nan)


def pollutant_slots(reader: Reader, ident: Identity, verdicts: RowVerdicts) -> list[Slot]:
    """Classify the value columns and their per-value columns, slot by slot (module docstring)."""
    layout = reader.layout
    if layout.name == "long":
        groups = [(None, {"value": layout.generic["value"], **{f: layout.generic[f] for f in AUX_FIELDS if f in layout.generic}})]
    else:
        groups = list(layout.per_pol.items())
    unit_col = reader.label_column("unit")
    slots = []
    for pol, roles in groups:
        vcells = reader.numbers(roles["value"], "value" if pol is None else f"value[{pol}]")
        pkeys = _pollutant_keys(reader, vcells, verdicts) if pol is None else np.full(reader.rows.n, pol, dtype=object)
        units = _value_units(reader, vcells, roles["value"], unit_col, pkeys)
        ukey = units.attr(lambda u: u.key if isinstance(u, UnitInfo) else None).astype(object)
        ukind = units.attr(lambda u: u.kind if isinstance(u, UnitInfo) else "").astype(object)
        species = _slot_species(vcells, roles["value"], units, ukind, pkeys, ident.as_keys, layout.name == "long" and "as" in layout.generic)
        aux = {f: _aux_cells(reader, roles[f], f if pol is None else f"{f}[{pol}]", f, ukey) for f in AUX_FIELDS if f in roles}
        slots.append(Slot(vcells, pkeys, aux, ukey, units, species))
    return slots


def _pollutant_keys(reader: Reader, vcells: CellStates, verdicts: RowVerdicts) -> np.ndarray:
    """A long file's pollutant column through the case's pollutant table; an unknown pollutant
    rejects the value, a blank one (or a blank value) the row."""
    ptext = reader.label_column("pollutant")
    table = reader.ctx.pollutant_table
    pkeys = ptext.map(lambda v: None if v is None else table.get(norm(v)))
    blank = ptext.map(lambda v: v is None).astype(bool)
    vcells.mark(~blank & (pkeys == None), REJECTED, "unknown_pollutant", ptext.map(lambda v: f"unknown pollutant {v!r}" if v else ""))  # noqa: E711
    verdicts.reject(blank & (vcells.status != BLANK), "no_pollutant", "blank pollutant cell", reader.layout.col_of("pollutant"))
    verdicts.reject(vcells.status == BLANK, "blank_value", "blank value cell in a long file", reader.layout.col_of("value"))
    return pkeys


def _value_units(reader: Reader, vcells: CellStates, vrole: ColumnRole, unit_col: CodedLabels | None, pkeys: np.ndarray) -> UnitCodes:
    """The unit of each value: the header's (a unit column that disagrees rejects the value), else the
    unit column's or default; it must be a concentration or a mixing ratio, and ppm/ppb of particulate
    matter is rejected (no molar mass: never converted or guessed, docs/reliability.md#bad-inputs row 7)."""
    n = reader.rows.n
    if vrole.unit is not None or vrole.unit_error:
        units = UnitCodes.constant(n, vrole.unit or vrole.unit_error)
        if vrole.unit is not None and "unit" in reader.layout.generic:
            col_units = UnitCodes.from_labels(unit_col, reader.unit_of)
            differs = col_units.attr(lambda u: isinstance(u, UnitInfo) and not units_agree(u, vrole.unit)).astype(bool)
            vcells.mark(differs, REJECTED, "unit_conflict", f"the unit column disagrees with the header unit {vrole.unit_text!r}")
    elif unit_col is not None:
        units = UnitCodes.from_labels(unit_col, reader.unit_of)
    else:
        units = UnitCodes.constant(n, "no unit")
    is_info = units.attr(lambda u: isinstance(u, UnitInfo)).astype(bool)
    msg = units.attr(lambda u: u if isinstance(u, str) else "").astype(object)
    vcells.mark(~is_info & (msg == "no unit"), REJECTED, "no_unit", "no unit for the value (no default unit is assumed)")
    vcells.mark(~is_info & (msg != "no unit"), REJECTED, "unknown_unit", msg)
    ukind = units.attr(lambda u: u.kind if isinstance(u, UnitInfo) else "").astype(object)
    concentration = units.attr(lambda u: isinstance(u, UnitInfo) and u.kind in VALUE_UNIT_KINDS).astype(bool)
    vcells.mark(is_info & ~concentration, REJECTED, "not_a_concentration_unit",
                units.attr(lambda u: f"unit {u.key!r} is not a concentration or mixing-ratio unit" if isinstance(u, UnitInfo) else "").astype(object))
    particles = map_codes(pkeys.astype(object), lambda v: v in reader.ctx.particles).astype(bool)
    vcells.mark(is_info & (ukind == "mixing_ratio") & particles, REJECTED, "mixing_ratio_of_particles",
                "a gas mixing ratio (ppm/ppb) of particulate matter cannot be converted to a mass concentration")
    return units


def _slot_species(vcells: CellStates, vrole: ColumnRole, units: UnitCodes, ukind: np.ndarray, pkeys: np.ndarray,
                  as_keys: np.ndarray | None, as_for_all: bool) -> np.ndarray:
    """The reporting species of one pollutant slot's rows (:func:`verify.sources.species.resolve_species`
    from the unit, the header and the ``as`` column or default); the values it cannot accept are rejected."""
    n = len(pkeys)
    if vrole.species_error:
        vcells.mark(np.ones(n, dtype=bool), REJECTED, "unknown_reporting_species", vrole.species_error)
        return np.full(n, None, dtype=object)
    from_unit = units.attr(lambda u: u.as_species if isinstance(u, UnitInfo) else None).astype(object)
    from_header = np.full(n, vrole.species, dtype=object)
    species, code, detail = resolve_species([from_unit, from_header], pkeys, ukind == "mixing_ratio", as_keys, as_for_all)
    for c in sorted(set(code[code != ""])):
        vcells.mark(code == c, REJECTED, c, detail)
    return species


def _aux_cells(reader: Reader, role: ColumnRole, label: str, field: str, ukey: np.ndarray) -> CellStates:
    """A per-value column (``lod``, ``range``, ``value_o2ref``, ``rate_reported``): its unit (the
    value's unit; a rate in kg/h), no non-detect as a limit or range, and its bounds."""
    cells = reader.numbers(role, label)
    if field == "rate_reported":
        _rate_in_kg_h(reader, cells, role)
    elif role.unit is not None:
        cells.mark(ukey != role.unit.key, REJECTED, "unit_differs", f"{field} unit {role.unit.key} differs from the value unit")
    if field in ("lod", "range"):
        cells.mark(cells.kind == "nondetect", REJECTED, "nondetect_not_allowed", f"a non-detect is not a {field}")
    check_ranges(cells, field, cells.value, cells.usable)
    if field not in ("lod", "range"):
        cells.value = np.where(cells.kind == "nondetect", np.nan, cells.value)
    return cells


def _rate_in_kg_h(reader: Reader, cells: CellStates, role: ColumnRole) -> None:
    factor = role.unit.factor if role.unit else (1.0 if norm(role.header) == "rate_reported" else None)
    if role.unit is None and factor is None and not role.unit_error:
        cells.mark(reader.everywhere(), REJECTED, "no_unit", "emission rate without a unit (kg/h, g/h, g/s)")
    elif role.unit is not None and factor is None:
        cells.mark(reader.everywhere(), REJECTED, "unit_not_convertible", f"{role.unit.key} cannot be read as kg/h")
    else:
        cells.value = cells.value * (factor or 1.0)


# ---------------------------------------------------------------- columns no header names


def unread_columns(reader: Reader) -> tuple[list[CellStates], list[pd.DataFrame]]:
    """The non-blank cells of the columns no header alias names, so that every cell of a data row is
    read, rejected or noted (issue 17). Under a header whose unit the unit table knows
    (``乙酸乙酯(mg/m³)``), a column holding a number or non-detect is a quantity nobody declared:
    each of its non-blank cells is a rejected value (``unknown_column``). Every other non-blank cell,
    and a formula without a saved value, is noted (``column_not_read``)."""
    rejected: list[CellStates] = []
    notes: list[pd.DataFrame] = []
    rows = reader.rows
    for role in reader.layout.roles:
        if role.field is not None:
            continue
        column = rows.columns[role.col]
        present = ~column.blank | rows.in_rows(rows.formula_rows(role.col))
        if not present.any():
            continue
        if role.unit is not None:
            cells = _undeclared_quantity(reader, role, present)
            if cells is not None:
                rejected.append(cells)
                continue
        idx = np.flatnonzero(present)
        notes.append(entries_frame({
            "file": rows.grid.file, "sheet": rows.grid.sheet, "row": rows.grid_rows[idx] + 1, "column": role.letter,
            "cell": addresses(role.col, rows.grid_rows[idx]), "field": "unknown_column", "raw": raw_texts(column.arr[idx]),
            "outcome": "note", "reason": "column_not_read",
            "detail": f"column {role.header!r} is not a known header: not read (map it with [[file]] columns if it matters)",
        }))
    return rejected, notes


def _undeclared_quantity(reader: Reader, role: ColumnRole, present: np.ndarray) -> CellStates | None:
    """The cells of an unnamed column under a header with a known unit, all rejected, when it holds a
    number or a non-detect; else None (the column is noted, not read)."""
    column = reader.rows.columns[role.col]
    nf = parse_number_array(column.arr, decimal=reader.spec.decimal, thousands=reader.spec.thousands, types=column.types,
                            text=column.text)
    if not np.isin(nf["kind"], ["number", "nondetect"]).any():
        return None
    cells = CellStates(role, nf, "unknown_column")
    cells.status = np.where(present, REJECTED, BLANK).astype(np.int8)
    cells.reason = np.where(present, "unknown_column", "").astype(object)
    cells.detail = np.full(len(present), f"header {role.header!r} has a unit ({role.unit_text}) but names no known "
                           "pollutant or quantity: declare it with [[pollutant]] in case.toml, or map it with "
                           "[[file]] columns", dtype=object)
    cells.notes = np.full(len(present), "", dtype=object)
    return cells
