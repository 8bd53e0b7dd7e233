"""Alias tables kept as data (``verify/sources/data/*.csv``): headers, pollutants, units, labels.

Every lookup compares the *normalised* form of a text: NFKC (full-width letters, ``㎎``, ``³``,
``µ`` → ``μ``), zero-width/format characters and all spaces removed, case-folded — the same form as
:func:`verify.case.normalise_label`. Raw unit text is never given to pint: it is looked up here and
becomes a canonical unit key plus the reference state it implies (docs/platform.md#pint).
"""

from __future__ import annotations

import csv
import dataclasses
import difflib
import functools
from dataclasses import dataclass
from importlib import resources

from verify.case import normalise_label
from verify.errors import InputError, Location
from verify.i18n import N_

#: Unit text longer than this (after normalisation) is rejected before any lookup
#: (docs/reliability.md#bad-inputs row 38).
MAX_UNIT_CHARS = 32
#: Header/label text longer than this is never looked up (bounded work per cell).
MAX_LABEL_CHARS = 200


def norm(text: object) -> str:
    """The comparison form of a header, label or unit (NFKC, no spaces/format characters, case-folded)."""
    return normalise_label(str(text))


def _read(name: str) -> list[dict[str, str]]:
    with resources.files("verify.sources").joinpath("data", name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass(frozen=True)
class HeaderAlias:
    column: str  # canonical column
    implies: tuple[tuple[str, str], ...]  # e.g. (("flow_basis", "standard-dry"),)
    ambiguous_with: str | None  # a bare 浓度 is ambiguous beside a column of this kind


@functools.cache
def header_aliases() -> dict[str, HeaderAlias]:
    """Normalised header text → :class:`HeaderAlias` (from ``header_aliases.csv``)."""
    out: dict[str, HeaderAlias] = {}
    for row in _read("header_aliases.csv"):
        implies, ambiguous = [], None
        for part in filter(None, (p.strip() for p in row["implies"].split(";"))):
            key, _, val = part.partition("=")
            if key == "ambiguous":
                ambiguous = val
            else:
                implies.append((key, val))
        key = norm(row["alias"])
        alias = HeaderAlias(row["column"], tuple(implies), ambiguous)
        if key in out and out[key] != alias:
            raise RuntimeError(f"header_aliases.csv: {row['alias']!r} maps to two columns")
        out[key] = alias
    return out


@functools.cache
def pollutant_aliases() -> dict[str, str]:
    """Normalised pollutant name (ja/zh/en) → canonical pollutant key (from ``pollutants.csv``)."""
    out: dict[str, str] = {}
    for row in _read("pollutants.csv"):
        for lang in ("en", "ja", "zh"):
            for alias in [row["key"], *row[lang].split("|")]:
                if alias.strip():
                    key = norm(alias)
                    if out.get(key, row["key"]) != row["key"]:
                        raise RuntimeError(f"pollutants.csv: {alias!r} names two pollutants")
                    out[key] = row["key"]
    return out


def case_pollutant_aliases(declared) -> dict[str, str]:
    """:func:`pollutant_aliases` plus the case's ``[[pollutant]]`` declarations (``declared``: the
    manifest's ``pollutant`` list). A declared key or name that already names another pollutant is
    a :class:`~verify.errors.CaseError` (one name, one pollutant)."""
    from verify.errors import CaseError

    table = pollutant_aliases()
    if not declared:
        return table
    out = dict(table)
    known_keys = set(table.values())
    for decl in declared:
        if decl.key in known_keys:
            raise CaseError(N_("case.toml: [[pollutant]] {key!r} is already a pollutant of the package (no need to declare it)",
                               key=decl.key))
        for name in decl.names():
            key = norm(name)
            if not key:
                continue
            if out.get(key, decl.key) != decl.key:
                raise CaseError(N_("case.toml: [[pollutant]] {key!r}: the name {name!r} already names {other!r}",
                                   key=decl.key, name=name, other=out[key]))
            out[key] = decl.key
    return out


@functools.cache
def pollutant_species() -> dict[str, str | None]:
    """Canonical pollutant key → default ``as_species`` (NMHC/THC → C per HJ 38-2017, NOx → NO2).
    For the sums of :func:`pollutant_sums` it applies to mass concentrations only: their mixing
    ratios need a stated reporting species (:mod:`verify.sources.species`)."""
    return {row["key"]: (row["as_species"] or None) for row in _read("pollutants.csv")}


@functools.cache
def pollutant_sums() -> dict[str, str | None]:
    """Canonical pollutant key → ``carbon`` (an organic-carbon sum reported as C: NMHC, THC, VOC),
    ``mixture`` (a sum of compounds: TVOC, BTEX) or ``None`` (a single substance): the ``sum`` column
    of ``pollutants.csv``. A mixing ratio of a sum means nothing without its reporting species."""
    return {row["key"]: (row["sum"] or None) for row in _read("pollutants.csv")}


@functools.cache
def pollutant_names(lang: str) -> dict[str, str]:
    """Canonical pollutant key → its display name in ``lang`` (ja | zh | en): the first alias of
    that language in ``pollutants.csv`` (the key itself when none is listed)."""
    return {row["key"]: (row[lang].split("|")[0].strip() or row["key"]) for row in _read("pollutants.csv")}


@functools.cache
def particulate_pollutants() -> frozenset[str]:
    """Pollutant keys that are particles (``state = particle`` in ``pollutants.csv``): a gas mixing
    ratio (ppm, ppb) of them has no meaning and no molar mass to convert it with."""
    return frozenset(row["key"] for row in _read("pollutants.csv") if row.get("state") == "particle")


@functools.cache
def labels(kind: str) -> dict[str, str]:
    """Normalised label → canonical value, for ``kind`` in phase | position | basis (``labels.csv``)."""
    return {norm(r["label"]): r["canonical"] for r in _read("labels.csv") if r["kind"] == kind}


@dataclass(frozen=True)
class UnitInfo:
    """What a unit text means: canonical key, dimension kind and the reference state it implies."""

    key: str  # canonical unit key: mg/m3, ppmv, m3/h, kg/h, degC, kPa, …
    kind: str  # mass_conc | mixing_ratio | percent | dimensionless | flow | mass_rate | temperature | pressure
    std_state: str | None  # normal | epa | None (bare m3: not stated)
    basis: str | None  # standard-dry | standard-wet | actual-wet | None (not stated)
    as_species: str | None  # C for mgC/m3 and ppmC
    factor: float | None  # to the kind's base unit (pressure: kPa; mass_rate: kg/h), None if not convertible


@functools.cache
def unit_aliases() -> dict[str, UnitInfo]:
    """Normalised unit text → :class:`UnitInfo` (from ``unit_aliases.csv``)."""
    out: dict[str, UnitInfo] = {}
    for row in _read("unit_aliases.csv"):
        info = UnitInfo(
            key=row["key"],
            kind=row["kind"],
            std_state=row["std_state"] or None,
            basis=row["basis"] or None,
            as_species=row["as_species"] or None,
            factor=float(row["factor"]) if row["factor"] else None,
        )
        key = norm(row["raw"])
        if out.get(key, info) != info:
            raise RuntimeError(f"unit_aliases.csv: {row['raw']!r} has two meanings")
        out[key] = info
    return out


def units_agree(a: UnitInfo, b: UnitInfo) -> bool:
    """Whether two unit meanings (a header's and a unit column's) agree: equal, or equal but for a
    reporting species only one of them states (``ppm`` and ``ppm as C3H8``)."""
    if a.as_species is None or b.as_species is None:
        return dataclasses.replace(a, as_species=None) == dataclasses.replace(b, as_species=None)
    return a == b


def unit_suggestions(text: str, n: int = 3) -> list[str]:
    """Close known unit spellings for an unknown unit (difflib), as written in the table."""
    table = unit_aliases()
    key = norm(text)[:MAX_UNIT_CHARS]
    raw_by_norm: dict[str, str] = {}
    for row in _read("unit_aliases.csv"):
        raw_by_norm.setdefault(norm(row["raw"]), row["raw"])
    return [raw_by_norm[m] for m in difflib.get_close_matches(key, list(table), n=n, cutoff=0.6)]


def lookup_unit(text: object, location: Location | None = None) -> UnitInfo:
    """The meaning of a unit text, or :class:`InputError` "unknown unit" with close suggestions.

    The text is normalised and bounded to :data:`MAX_UNIT_CHARS`; it is only looked up in the table,
    so ``m**9**9**9`` costs no more than ``mg/m3`` (docs/reliability.md#bad-inputs row 38).
    """
    raw = str(text)
    key = norm(raw[: 4 * MAX_UNIT_CHARS])
    if not key:
        raise InputError(N_("no unit"), location)
    if len(key) > MAX_UNIT_CHARS:
        raise InputError(N_("unknown unit {unit!r}: longer than {n} characters", unit=raw[:40], n=MAX_UNIT_CHARS), location)
    info = unit_aliases().get(key)
    if info is None:
        qualified = _species_qualified_unit(raw, location)
        if qualified is not None:
            return qualified
        hint = unit_suggestions(raw)
        raise InputError(
            N_("unknown unit {unit!r} (did you mean {suggestions}?)", unit=raw, suggestions=", ".join(map(repr, hint)))
            if hint else N_("unknown unit {unit!r}", unit=raw),
            location,
            hint=N_("units are read through verify/sources/data/unit_aliases.csv"),
        )
    return info


def _species_qualified_unit(raw: str, location: Location | None) -> UnitInfo | None:
    """A concentration (or mass-rate) unit qualified by its reporting species (``ppm as C3H8``,
    ``ppm(以丙烷计)``, ``mg/m3,以碳计``, ``kg/h,以碳计``) → the unit's meaning with ``as_species`` set; ``None`` if the text is not of
    that shape. An unknown species, a species on a non-concentration unit, or one that contradicts
    the unit (``ppmC as propane``) is an :class:`InputError`."""
    from verify.sources.species import known_species, split_unit_species

    split = split_unit_species(raw)
    if split is None:
        return None
    unit_text, sp = split
    info = unit_aliases().get(norm(unit_text))
    if info is None:
        return None
    if sp.key is None:
        raise InputError(N_("unknown reporting species {species!r} in unit {unit!r}", species=sp.name, unit=raw), location,
                         hint=N_("known species (verify/sources/data/species_aliases.csv): {known}",
                                 known=", ".join(known_species())))
    if info.kind not in ("mass_conc", "mixing_ratio", "mass_rate"):
        raise InputError(N_("unit {unit!r}: a reporting species belongs to a concentration or mass-rate unit, not to {base!r}",
                            unit=raw, base=unit_text), location)
    if info.as_species is not None and info.as_species != sp.key:
        raise InputError(N_("unit {unit!r}: {base!r} is as {species} but the text says as {named}", unit=raw, base=unit_text,
                            species=info.as_species, named=sp.name), location)
    return dataclasses.replace(info, as_species=sp.key)
