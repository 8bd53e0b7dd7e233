"""The reporting species of a concentration ("as C", "as propane", 以丙烷计, プロパン換算).

An organic-carbon sum (NMHC, THC, VOC, TVOC: ``sum`` in ``data/pollutants.csv``) measured as a mixing
ratio means nothing without the species it is expressed as: 100 ppm "as propane" is 300 ppmC, 100
ppm "as CH4" is 100 ppmC (HJ 38-2017 NMHC is as C; FID analysers are calibrated with propane or
methane). The species is read from wherever the field file writes it:

* the unit text: ``ppmC``/``mgC/m3`` (as C, ``data/unit_aliases.csv``), ``ppm as C3H8``,
  ``ppm(以丙烷计)``, ``ppm,プロパン換算`` (:func:`split_unit_species`, used by
  :func:`verify.sources.aliases.lookup_unit`);
* the header: ``非甲烷总烃(ppm,以丙烷计)`` (through the unit), ``非甲烷总烃(以碳计)(mg/m3)``,
  ``NMHC プロパン換算 (ppm)`` (:func:`peel_header_species`);
* the ``as`` column (aliases ``as_species``, ``reporting species``, ``以…计``, ``…換算``): a bare
  name (``propane``, ``C3H8``, ``丙烷``, ``プロパン``) or a phrase (``as propane``, ``以丙烷计``,
  ``プロパン換算``);
* ``[[file]] defaults`` ``as``: for the organic-carbon sums of the file.

:func:`resolve_species` combines them per row: sources that name a species must agree; an
organic-carbon sum in a mixing ratio (ppm, ppb, %) with no species anywhere is rejected, never
assumed to be "as C". A 換算 or 折算 that names O2 (``O2換算``, ``酸素12%換算``, ``折算``) is an
O2 correction, never a species. Names are data: ``data/species_aliases.csv`` (every species there
has a molar mass and carbon number in ``verify/measure/data/species.csv``).
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from verify.sources.aliases import norm, pollutant_species, pollutant_sums

#: Phrase shapes (on the normalised text: NFKC, case-folded, no spaces) that wrap a species name.
_AS = re.compile(r"^as[\s\-_:]+(?P<sp>\S.*)$", re.IGNORECASE)  # as propane, as-C (on the NFKC text)
_PHRASES = (
    re.compile(r"^(?:以|按)(?P<sp>[^,;、()\[\]]+?)(?:计|計)$"),  # 以丙烷计, 按碳计
    re.compile(r"^(?P<sp>[^,;、()\[\]]+?)(?:换算|換算)(?:値|值)?$"),  # プロパン換算, 炭素換算値
    re.compile(r"^(?P<sp>[^,;、()\[\]]+?)として$"),  # 炭素として
)
#: A 換算/折算 phrase about oxygen is an O2 correction (GB 13271-2014 折算; 大気汚染防止法 O2換算).
_O2_WORDS = re.compile(r"(?<![a-z])o2|酸素|氧|oxygen|%|折算")
#: "unit as species" and "unit(species phrase)" / "unit,species phrase" in a unit text (NFKC form).
_UNIT_AS = re.compile(r"^(?P<unit>.+?)\s+as\s+(?P<sp>.+)$", re.IGNORECASE)
_UNIT_BRACKET = re.compile(r"^(?P<unit>[^()\[\]]+?)\s*[(\[](?P<sp>[^()\[\]]+)[)\]]$")
_UNIT_SEP = re.compile(r"^(?P<a>[^,;、]+?)\s*[,;、]\s*(?P<b>[^,;、]+)$")
#: A trailing bracket, or a trailing 以…计 phrase, or a last word, in a header name (NFKC form).
_NAME_BRACKET = re.compile(r"^(?P<name>.*?\S)\s*[(\[](?P<sp>[^()\[\]]+)[)\]]$")
_NAME_YI_JI = re.compile(r"^(?P<name>.*?\S)\s*(?P<sp>[以按][^以按]+?[计計])$")
_NAME_LAST_WORD = re.compile(r"^(?P<name>.*\S)\s+(?P<sp>\S+)$")

#: Reason codes of :func:`resolve_species` (ledger ``reason``; texts in docs/case-format.md).
NO_SPECIES = "no_reporting_species"
CONFLICT = "reporting_species_conflict"
NOT_APPLICABLE = "reporting_species_not_applicable"

WAYS_TO_DECLARE = "name it in an 'as' column, the header (以丙烷计), the unit (ppm as C3H8) or [[file]] defaults"


@dataclass(frozen=True)
class SpeciesText:
    """A species named in a text: its key (``None`` when the name is not known) and the name as written."""

    key: str | None
    name: str


@functools.cache
def species_aliases() -> dict[str, str]:
    """Normalised species name → species key (``data/species_aliases.csv``)."""
    out: dict[str, str] = {}
    path = resources.files("verify.sources").joinpath("data", "species_aliases.csv")
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            key = norm(row["alias"])
            if out.get(key, row["species"]) != row["species"]:
                raise RuntimeError(f"species_aliases.csv: {row['alias']!r} names two species")
            out[key] = row["species"]
    return out


def known_species() -> list[str]:
    """The species keys a text may name, in the order of the data file."""
    return list(dict.fromkeys(species_aliases().values()))


def species_phrase(text: object, *, bare: bool) -> SpeciesText | None:
    """The species a text names, or ``None`` when it is not a species phrase.

    Phrases: ``as X`` (with a space, ``-``, ``_`` or ``:`` after "as"), ``以X计``/``按X计``, ``X換算``,
    ``Xとして``; with ``bare`` a plain name
    (``propane``, ``丙烷``) counts too (the ``as`` column, the word after "as"). An O2 phrase
    (``O2換算``, ``酸素12%換算``, ``折算``) is not a species: ``None``. A phrase around an unknown
    name gives ``SpeciesText(None, name)``.
    """
    if text is None:
        return None
    key = norm(text)
    if not key or _O2_WORDS.search(key):
        return None
    table = species_aliases()
    if bare and key in table:
        return SpeciesText(table[key], str(text).strip())
    m = _AS.match(_nfkc(str(text)))
    if m:
        return SpeciesText(table.get(norm(m.group("sp"))), m.group("sp").strip())
    for pattern in _PHRASES:
        m = pattern.match(key)
        if m:
            return SpeciesText(table.get(m.group("sp")), m.group("sp"))
    return SpeciesText(None, str(text).strip()) if bare else None


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def split_unit_species(text: str) -> tuple[str, SpeciesText] | None:
    """``(unit text, species)`` of a unit text qualified by a species, else ``None``.

    ``ppm as C3H8`` → ``("ppm", propane)``; ``ppm(以丙烷计)``, ``ppm,プロパン換算`` and
    ``以丙烷计,ppm`` likewise. The unit part is returned as written, for the unit table.
    """
    t = _nfkc(str(text))
    m = _UNIT_AS.match(t)
    if m:
        sp = species_phrase(m.group("sp"), bare=True)
        return (m.group("unit").strip(), sp) if sp is not None else None
    m = _UNIT_BRACKET.match(t)
    if m:
        sp = species_phrase(m.group("sp"), bare=False)
        return (m.group("unit").strip(), sp) if sp is not None else None
    m = _UNIT_SEP.match(t)
    if m:
        for unit, phrase in ((m.group("a"), m.group("b")), (m.group("b"), m.group("a"))):
            sp = species_phrase(phrase, bare=False)
            if sp is not None:
                return unit.strip(), sp
    return None


def peel_header_species(name: str) -> tuple[str, SpeciesText | None]:
    """A header name without its trailing species phrase, and that species.

    ``非甲烷总烃(以碳计)`` → ``("非甲烷总烃", C)``; ``非甲烷总烃以丙烷计`` → ``("非甲烷总烃",
    propane)``; ``NMHC プロパン換算`` → ``("NMHC", propane)``; anything else is returned unchanged.
    """
    t = _nfkc(name)
    for pattern in (_NAME_BRACKET, _NAME_YI_JI, _NAME_LAST_WORD):
        m = pattern.match(t)
        if m:
            sp = species_phrase(m.group("sp"), bare=False)
            if sp is not None:
                return m.group("name").strip(), sp
    return name, None


def _per_combination(fn, *arrays: np.ndarray) -> list[np.ndarray]:
    """``fn(a[i], b[i], …)`` for every row, called once per distinct combination of values (missing
    values → ``None``); ``fn`` returns a tuple, and one object array per tuple element is returned."""
    keys = np.zeros(len(arrays[0]), dtype=np.int64)
    values = []
    for arr in arrays:
        codes, uniques = pd.factorize(np.asarray(arr, dtype=object), use_na_sentinel=True)
        keys = keys * (len(uniques) + 1) + (codes + 1)
        values.append([None, *uniques])
    codes, combos = pd.factorize(keys)
    results = []
    for key in combos.tolist():
        parts = []
        for vals in reversed(values):
            key, i = divmod(key, len(vals))
            parts.append(vals[i])
        results.append(fn(*reversed(parts)))
    return [np.array([r[j] for r in results], dtype=object)[codes] for j in range(len(results[0]))]


def label_species(texts: np.ndarray, where: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Species keys of the cells of an ``as`` column (or a ``defaults.as`` repeated), ``None`` for a
    blank cell, and the texts among the rows in ``where`` that name no known species (sorted)."""
    codes, uniques = pd.factorize(texts, use_na_sentinel=True)
    read = [species_phrase(u, bare=True) for u in uniques]
    keys = np.array([*(r.key if r is not None else None for r in read), None], dtype=object)
    bad = np.array([r is None or r.key is None for r in read] + [False])
    unknown = sorted({str(uniques[c]) for c in np.unique(codes[where & bad[codes]])})
    return keys[codes], unknown


def resolve_species(
    explicit: list[np.ndarray],
    pollutant: np.ndarray,
    mixing_ratio: np.ndarray,
    label_species: np.ndarray | None,
    label_for_all: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The reporting species of each row, and why a row is rejected (code, detail; ``""`` = not):
    :func:`species_of_row` per distinct combination of the inputs.

    ``explicit``: object arrays of species keys (``None`` = not stated) from the unit and the header;
    ``label_species``: from the ``as`` column or ``defaults.as``, which give the species of every row
    when ``label_for_all`` (the column of a long file) and else of the organic-carbon sums only (a
    wide file's column, ``defaults.as``). ``pollutant``: canonical pollutant keys; ``mixing_ratio``:
    the unit is ppm/ppb/%.
    """
    n = len(pollutant)
    if n == 0:
        return np.empty(0, dtype=object), np.empty(0, dtype=object), np.empty(0, dtype=object)
    label = np.full(n, None, dtype=object) if label_species is None else label_species
    species, code, detail = _per_combination(
        lambda p, m, lab, *stated: species_of_row(p, bool(m), lab, stated, label_for_all),
        pollutant, np.asarray(mixing_ratio, dtype=bool), label, *explicit)
    return species, code.astype(object), detail.astype(object)


def species_of_row(pollutant: str | None, mixing_ratio: bool, label: str | None, stated: tuple,
                   label_for_all: bool) -> tuple[str | None, str, str]:
    """(species, reason code, detail) of one row (the rules of :func:`resolve_species`):

    * every source that names a species (unit, header, ``as`` label) must name the same one, else
      ``reporting_species_conflict``;
    * the ``as`` label of a single substance must be its own (``NOx`` → ``NO2``, ``toluene`` →
      ``toluene``), else ``reporting_species_not_applicable``: SO2 is never "as propane";
    * an organic-carbon sum in a mixing ratio with no species is ``no_reporting_species``;
    * otherwise the pollutant's default from ``pollutants.csv`` (NMHC/THC → C for mass
      concentrations, HJ 38-2017; NOx → NO2).
    """
    defaults, is_sum = pollutant_species(), pollutant_sums().get(pollutant) is not None
    if not (label_for_all or is_sum):
        label = None
    named = {s for s in (*stated, label) if s is not None}
    if len(named) > 1:
        return None, CONFLICT, "the unit, the header and the 'as' column name different reporting species"
    if label is not None and pollutant is not None and not is_sum and label not in (pollutant, defaults.get(pollutant)):
        return None, NOT_APPLICABLE, "the 'as' column names a species for a single substance that is not its own"
    if named:
        return named.pop(), "", ""
    if is_sum and mixing_ratio:
        return None, NO_SPECIES, "ppm with no reporting species (never assumed as C): " + WAYS_TO_DECLARE
    return defaults.get(pollutant), "", ""
