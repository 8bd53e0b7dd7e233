"""Header rows → one role per column (canonical column, pollutant, unit in the header).

* ``header_rows`` (1-based, default ``[1]``) are joined per column with a space; merged cells inside
  them are expanded (the anchor's text fills the range). A merged range that reaches a data row is
  an error naming it ("merged range B2:B4", docs/reliability.md#bad-inputs row 25); ranges wholly above the header
  (titles) are ignored, as those rows are not read.
* A unit written in the header — in brackets (``NMHC (mg/m³)``, ``非甲烷总烃（mg/m³）``,
  ``烟温(℃)``) or as the last word (``標干流量 Nm3/h``) — is split off and becomes the column's unit.
* The rest is matched, normalised (NFKC, case-folded, spaces removed), against
  ``data/header_aliases.csv``; then against pollutant names (a wide value column), alone or with a
  quantity word before or after (``NMHC实测浓度``, ``非甲烷总烃排放速率``).
* Duplicate or blank headers (above data) are errors, as are two columns with the same role, and a
  bare 浓度/濃度 beside a 折算/換算 column (which one is measured?).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from verify.case import FileSpec
from verify.errors import InputError, Location
from verify.i18n import N_
from verify.sources.aliases import (
    MAX_LABEL_CHARS,
    UnitInfo,
    header_aliases,
    lookup_unit,
    norm,
    pollutant_aliases,
)
from verify.sources.canonical import CANONICAL_COLUMNS, RUN_LEVEL_NUMBERS
from verify.sources.cells import clean_text
from verify.sources.grid import SheetGrid, column_letter, range_address
from verify.sources.species import SpeciesText, peel_header_species, species_phrase, split_unit_species

#: Column names of a file that are not canonical table columns: ``as`` (the reporting species) fills
#: ``as_species``. ``[[file]] columns`` and ``defaults`` may use either name.
FILE_COLUMNS = {"as_species": "as"}

#: Fields a pollutant-specific (wide) column can hold.
POLLUTANT_FIELDS = ("value", "value_o2ref", "rate_reported", "lod", "range")
#: Fields read as numbers ("quantity columns": their non-blank cells are ledger values).
NUMERIC_FIELDS = POLLUTANT_FIELDS + RUN_LEVEL_NUMBERS
#: Unit kinds allowed in a header, per field.
ALLOWED_UNIT_KINDS = {
    "value": {"mass_conc", "mixing_ratio"},
    "lod": {"mass_conc", "mixing_ratio"},
    "range": {"mass_conc", "mixing_ratio"},
    "value_o2ref": {"mass_conc", "mixing_ratio"},
    "rate_reported": {"mass_rate"},
    "o2_pct": {"percent", "mixing_ratio"},
    "h2o_pct": {"percent", "mixing_ratio"},
    "load_pct": {"percent"},
    "temp_c": {"temperature"},
    "pressure_kpa": {"pressure"},
    "flow": {"flow"},
}

_RE_BRACKET_UNIT = re.compile(r"^(?P<name>.*?)\s*[(\[【〔](?P<unit>[^()\[\]【】〔〕]*(?:\([^()]*\))?[^()\[\]【】〔〕]*)[)\]】〕]\s*$")
_RE_LAST_WORD = re.compile(r"^(?P<name>.*\S)\s+(?P<unit>\S+)$")


@dataclass(frozen=True)
class ColumnRole:
    col: int  # 0-based column
    header: str  # the joined header text as written
    field: str | None  # canonical column, None = not read
    pollutant: str | None = None  # wide: the pollutant of this column
    unit: UnitInfo | None = None  # unit given in the header
    unit_text: str | None = None
    unit_error: str | None = None  # header unit present but unknown: values are rejected with this
    implies: tuple[tuple[str, str], ...] = ()
    ambiguous_with: str | None = None
    species: str | None = None  # reporting species named in the header outside the unit (以碳计, プロパン換算)
    species_error: str | None = None  # the header names a species that is not known: values are rejected with this

    @property
    def letter(self) -> str:
        return column_letter(self.col)

    @property
    def label(self) -> str:
        if self.field is None:
            return "(not read)"
        return f"{self.field}[{self.pollutant}]" if self.pollutant else self.field


@dataclass
class HeaderResult:
    roles: list[ColumnRole]
    data_start: int  # 0-based grid row of the first data row
    notes: list[str] = field(default_factory=list)


def cell_text(value: object) -> str:
    """A header or label cell as text: a whole float without its ".0", cleaned (:func:`verify.sources.cells.clean_text`)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(str(value))[0]


def joined_headers(grid: SheetGrid, header_rows: list[int] | None) -> tuple[list[str], int]:
    """Join the header rows per column (merged cells expanded) → (texts, first data row, 0-based)."""
    rows = sorted(set(header_rows or [1]))
    loc = Location(file=grid.file, sheet=grid.sheet)
    if rows[-1] > grid.n_rows:
        raise InputError(N_("header row {row} is beyond the last row ({last})", row=rows[-1], last=grid.n_rows), loc)
    data_start = rows[-1]
    idx = [r - 1 for r in rows]
    ncols = grid.n_cols
    table = {r: [grid.rows[r][c] if c < len(grid.rows[r]) else None for c in range(ncols)] for r in idx}
    for r1, c1, r2, c2 in grid.merged:
        if r2 >= data_start:
            raise InputError(
                N_("merged range {cells} in the data rows: unmerge it and repeat the value",
                   cells=range_address(r1, c1, r2, c2)),
                Location(file=grid.file, sheet=grid.sheet, row=r1 + 1, column=column_letter(c1)),
            )
        anchor = grid.rows[r1][c1] if c1 < len(grid.rows[r1]) else None
        for r in range(r1, r2 + 1):
            if r in table:
                for c in range(c1, min(c2, ncols - 1) + 1):
                    table[r][c] = anchor
    texts = []
    for c in range(ncols):
        parts: list[str] = []
        for r in idx:
            t = cell_text(table[r][c])
            if t and (not parts or parts[-1] != t):
                parts.append(t)
        texts.append(" ".join(parts))
    return texts, data_start


@functools.cache
def _package_affixes() -> tuple[tuple[str, str], ...]:
    return tuple(sorted(pollutant_aliases().items(), key=lambda kv: -len(kv[0])))


def _pollutant_affixes(pollutants: dict[str, str] | None = None) -> tuple[tuple[str, str], ...]:
    """(normalised alias, key) sorted longest first, for composite wide headers (``pollutants``: the
    case's table with its [[pollutant]]s, None for the package's)."""
    if pollutants is None or pollutants is pollutant_aliases():
        return _package_affixes()
    return tuple(sorted(pollutants.items(), key=lambda kv: -len(kv[0])))


def _split_unit(text: str) -> tuple[str, str | None]:
    m = _RE_BRACKET_UNIT.match(text)
    if m and m.group("unit").strip():
        return m.group("name"), m.group("unit").strip()
    m = _RE_LAST_WORD.match(text)
    if m:
        try:
            lookup_unit(m.group("unit"))
            return m.group("name"), m.group("unit")
        except InputError:
            pass
    return text, None


def _match_name(name: str, pollutants: dict[str, str] | None = None) -> tuple[str, str | None, tuple, str | None] | None:
    """Normalised header name → (field, pollutant, implies, ambiguous_with) or None."""
    aliases = header_aliases()
    key = norm(name)[:MAX_LABEL_CHARS]
    if not key:
        return None
    if key in aliases:
        a = aliases[key]
        return a.column, None, a.implies, a.ambiguous_with
    table = pollutant_aliases() if pollutants is None else pollutants
    if key in table:
        return "value", table[key], (), None
    for alias, pol in _pollutant_affixes(pollutants):
        if len(alias) >= len(key):
            continue
        for rest in ((key[len(alias):] if key.startswith(alias) else None), (key[: -len(alias)] if key.endswith(alias) else None)):
            rest = rest.strip("-_:/·") if rest else rest
            if rest and rest in aliases and aliases[rest].column in POLLUTANT_FIELDS:
                a = aliases[rest]
                return a.column, pol, a.implies, a.ambiguous_with
    return None


def classify_column(col: int, header: str, spec: FileSpec, pollutants: dict[str, str] | None = None) -> ColumnRole:
    """The role of one column from its joined header text (``pollutants``: the case's pollutant
    table with its [[pollutant]]s; None for the package's)."""
    header = clean_text(header)[0]
    explicit = {norm(k): v for k, v in spec.columns.items()}
    name, unit_text, species = _split_unit_and_species(header)
    match = None
    for candidate, unit_kept in ((header, False), (name, True)):
        target = explicit.get(norm(candidate))
        if target is not None:
            target = FILE_COLUMNS.get(target, target)
            if target in CANONICAL_COLUMNS or target in FILE_COLUMNS.values():
                match = (target, None, (), None)
            elif target in set((pollutant_aliases() if pollutants is None else pollutants).values()):
                match = ("value", target, (), None)
            else:
                raise InputError(
                    N_("[[file]] columns: {target!r} is neither a canonical column (or 'as') nor a pollutant key",
                       target=target),
                    Location(file=spec.path, sheet=spec.sheet),
                )
            unit_text = unit_text if unit_kept else None
            break
    if match is None and (unit_text is not None or species is not None):
        match = _match_name(name, pollutants)
    if match is None:
        match = _match_name(header, pollutants)
        unit_text = None
    if match is None:
        return _unknown_column(col, header)
    fld, pol, implies, ambiguous = match
    unit = unit_error = None
    if unit_text is not None and fld in ALLOWED_UNIT_KINDS:
        try:
            unit = lookup_unit(unit_text)
        except InputError as exc:
            unit_error = str(exc.message)  # a ledger detail: English
        if unit is not None and unit.kind not in ALLOWED_UNIT_KINDS[fld]:
            unit, unit_error = None, f"unit {unit_text!r} in the header is not a unit for {fld}"
    sp_key = species.key if species is not None else None
    sp_error = f"unknown reporting species {species.name!r} in the header" if species is not None and sp_key is None else None
    return ColumnRole(col, header, fld, pol, unit, unit_text, unit_error, implies, ambiguous, sp_key, sp_error)


def _split_unit_and_species(header: str) -> tuple[str, str | None, SpeciesText | None]:
    """(name, unit text, reporting species) of a header: ``非甲烷总烃(ppm,以丙烷计)`` keeps the species
    in the unit text (read by :func:`verify.sources.aliases.lookup_unit`); ``非甲烷总烃(以碳计)(mg/m3)``,
    ``非甲烷总烃(mg/m3)(以碳计)`` and ``NMHC プロパン換算 (ppm)`` give it separately."""
    name, unit_text = _split_unit(header)
    species = None
    if unit_text is not None and split_unit_species(unit_text) is None:
        species = species_phrase(unit_text, bare=False)
        if species is not None:  # the bracket held only the species: the unit, if any, is before it
            name, unit_text = _split_unit(name)
    name, in_name = peel_header_species(name)
    return name, unit_text, species or in_name


def _unknown_column(col: int, header: str) -> ColumnRole:
    """The role of a column no alias names: not read, but with the unit its header gives, if the
    unit table knows it (a numeric column under such a header is a quantity nobody declared; the
    layout rejects its values, issue 17)."""
    _, unit_text, _ = _split_unit_and_species(header)
    try:
        unit = lookup_unit(unit_text) if unit_text is not None else None
    except InputError:
        unit = None
    return ColumnRole(col, header, None, unit=unit, unit_text=unit_text if unit is not None else None)


def read_headers(grid: SheetGrid, spec: FileSpec, pollutants: dict[str, str] | None = None) -> HeaderResult:
    """Join, expand and classify the header rows of ``grid``; raise on blank/duplicate/ambiguous headers.
    ``pollutants``: the case's pollutant table with its [[pollutant]]s (None: the package's)."""
    texts, data_start = joined_headers(grid, spec.header_rows)
    roles: list[ColumnRole] = []
    seen_text: dict[str, int] = {}
    seen_role: dict[tuple[str, str | None], ColumnRole] = {}
    notes = []
    for c, text in enumerate(texts):
        loc = Location(file=grid.file, sheet=grid.sheet, row=data_start, column=column_letter(c))
        if not text:
            has_data = grid.column_has_data(c, data_start) or any(
                rc[1] == c and rc[0] >= data_start for rc in grid.formulas_without_value)
            if has_data:
                raise InputError(N_("blank header above data in column {column}", column=column_letter(c)), loc)
            continue
        key = norm(text)
        if key in seen_text:
            raise InputError(N_("duplicate header {header!r} in columns {column} and {other}", header=text,
                                column=column_letter(seen_text[key]), other=column_letter(c)), loc)
        seen_text[key] = c
        role = classify_column(c, text, spec, pollutants)
        if role.field is None:
            notes.append(N_("column {column} {header!r} not read (not a known header)", column=role.letter, header=text))
        else:
            rk = (role.field, role.pollutant)
            if rk in seen_role:
                other = seen_role[rk]
                raise InputError(N_("columns {column} ({header!r}) and {other} ({other_header!r}) are both {field}",
                                    column=other.letter, header=other.header, other=role.letter, other_header=text,
                                    field=role.label), loc)
            seen_role[rk] = role
        roles.append(role)
    for role in roles:
        if role.ambiguous_with and (role.ambiguous_with, role.pollutant) in seen_role:
            other = seen_role[(role.ambiguous_with, role.pollutant)]
            raise InputError(
                N_("header {header!r} (column {column}) is a bare concentration beside {other_header!r} (column {other}): "
                   "which one is the measured value? Rename it to 实测浓度/実測濃度", header=role.header,
                   column=role.letter, other_header=other.header, other=other.letter),
                Location(file=grid.file, sheet=grid.sheet, row=data_start, column=role.letter),
            )
    return HeaderResult(roles, data_start, notes)
