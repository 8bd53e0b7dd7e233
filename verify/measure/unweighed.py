"""The standards the tool did not weigh for a case: results.json ``limits_not_weighed``.

The tool compares the values only with the limits the case lists (:mod:`verify.measure.binding`:
"binding" means binding among those). A demanding reader needs to know what was *not* checked:
the statement always says that local and sector standards and the permit (排污许可证) limits not
listed in the case were not checked, and names the standards the catalogue knows may apply but
holds no values for (``[[unencoded]]`` entries of ``data/limits/*.toml``: a standard not encoded at
all, e.g. DB32/4385-2022, or a pollutant of an encoded standard whose value could not be sourced,
e.g. DB32/4041-2021 Table 1 particulate).

An entry is named for a case when

* its standard is mandatory and its jurisdiction covers the plant's ``location_code`` (or the code
  is too coarse to tell: ``location`` ``"may_cover"``); a case without a code names none;
* the case has data of one of its pollutants at a source it may concern (``sources``: ``combustion``
  = a stack with a reference O2, i.e. a boiler or furnace; ``process`` = a stack without one;
  ``any`` stack; ``fugitive`` = a fugitive point or the site boundary);
* that source lists no limit of the same standard for that pollutant (then it was weighed).

Matching by pollutant and kind of source is a convention of this tool (the catalogue does not know
each standard's scope clause by clause): the statement says "may apply", never "applies".
"""

from __future__ import annotations

from collections.abc import Iterable

from verify.case import Case
from verify.measure.adminarea import covers, parse_area
from verify.measure.binding import MANDATORY
from verify.measure.limits import Catalogue, Unencoded


def _concerns(entry: Unencoded, source) -> bool:
    """Whether ``entry`` may concern ``source`` (a case Source, or None for the site boundary)."""
    if source is None or source.kind == "fugitive":
        return entry.sources == "fugitive"
    if entry.sources == "any":
        return True
    combustion = source.reference_o2_pct is not None
    return entry.sources == ("combustion" if combustion else "process")


def _listed(source, standard: str, pollutant: str, catalogue: Catalogue) -> bool:
    """Whether ``source`` lists a limit of ``standard`` for ``pollutant`` (so it was weighed)."""
    if source is None:
        return False
    return any(lim.standard == standard and lim.pollutant == pollutant
               for lim in (catalogue.limits.get(i) for i in source.limits) if lim is not None)


def _plant_entries(case: Case, catalogue: Catalogue) -> list[tuple[Unencoded, bool | None]]:
    """The mandatory ``[[unencoded]]`` entries whose area covers the plant (True) or may cover it
    (None: the code is too coarse), with that answer; none when the case has no ``location_code``."""
    code = case.manifest.case.location_code
    if code is None:
        return []
    plant = parse_area(code, "case.toml [case] location_code")
    out = []
    for entry in sorted(catalogue.unencoded, key=lambda e: e.id):
        inside = None if entry.jurisdiction is None else covers(entry.jurisdiction, plant)
        if entry.force in MANDATORY and inside is not False:
            out.append((entry, inside))
    return out


def _applies(entry: Unencoded, case: Case, source_id: str, pollutant: str, catalogue: Catalogue) -> bool:
    """Whether ``entry`` may apply to the data of ``pollutant`` at ``source_id`` and was not weighed."""
    source = case.sources.get(source_id)
    return (pollutant in entry.pollutants and _concerns(entry, source)
            and not _listed(source, entry.standard, pollutant, catalogue))


def may_apply(case: Case, source_id: str, pollutant: str, catalogue: Catalogue) -> list[Unencoded]:
    """The unweighed standards that may apply to one endpoint's data (``boundary`` for the site
    boundary): the entries :func:`not_weighed` names for that source and pollutant. The binding
    rules (:mod:`verify.measure.binding`, rule 6) use them: a listed limit is not called binding
    when one of these may take precedence over it."""
    return [entry for entry, _ in _plant_entries(case, catalogue) if _applies(entry, case, source_id, pollutant, catalogue)]


def not_weighed(case: Case, measured: Iterable[tuple[str, str]], catalogue: Catalogue) -> list[dict]:
    """results.json ``limits_not_weighed``: the catalogue's ``[[unencoded]]`` entries that may apply
    to the case (module docstring), one item per entry with the sources and pollutants it concerns.
    ``measured``: the (source, pollutant) pairs with data (``boundary`` for the site boundary)."""
    pairs = sorted(set(measured))
    out = []
    for entry, inside in _plant_entries(case, catalogue):
        hits = [(sid, pol) for sid, pol in pairs if _applies(entry, case, sid, pol, catalogue)]
        if not hits:
            continue
        out.append({
            "id": entry.id, "standard": entry.standard, "title": entry.title, "clause": entry.clause, "reason": entry.reason,
            "pollutants": sorted({pol for _, pol in hits}), "sources": sorted({sid for sid, _ in hits}),
            "location": "covers" if inside else "may_cover", "force": entry.force,
            "jurisdiction": entry.jurisdiction.to_dict(), "scope": entry.scope, "note": entry.note,
            "source": entry.source, "confidence": entry.confidence,
        })
    return out
