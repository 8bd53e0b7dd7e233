"""case.toml against the data: everything ``verify analyze`` would refuse or misjudge, found at once.

:func:`case_problems` (``verify check``, and ``analyze``/``run``/``report`` before any statistics)
lists, all together rather than the first one only:

* **errors** (exit 2): a claim whose source, position, pollutant or metric has no data (a typo
  would otherwise become a misleading "insufficient data" verdict); a claim whose kind does not fit
  its endpoint's design (a reduction claim needs before/after or continuous data, an efficiency
  claim paired inlet/outlet runs); a limit id that is not in the catalogue (with the nearest known
  ids) or that does not fit its source; a limit in another unit or basis than its endpoint; what
  would stop the endpoints from being built at all (a source missing from case.toml …);
* **warnings**: a ``[[source]]`` that no data row names (its id or aliases may be misspelt, or its
  sheet not yet filled); a source whose ``regime`` (new or existing) picks a listed limit's table or
  effective date but has no ``regime_basis`` (e.g. GB 13271-2014: Table 2 for boilers built from
  2014-07-01, Table 1 for existing ones, with later dates), so nothing says why the regime holds;
  a source with run data and limits defined on 1-hour means but no ``sample_type``.

Periods that overlap or end before they start are refused, all of them at once, when case.toml is
read (:mod:`verify.case`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import pandas as pd

from verify.case import Case, Claim, Source
from verify.errors import CaseError, InputError, Location, VerifyError
from verify.i18n import N_, Joined, Msg
from verify.measure.endpoints import build_endpoints
from verify.measure.limits import Catalogue, check_fits_source, applicable_limits, load_catalogue
from verify.measure.series import EndpointData, EndpointKey

#: The endpoint designs a claim of each kind can be judged on (verify.stats.claims).
CLAIM_DESIGNS = {"reduction": ("before-after", "continuous"), "efficiency": ("inlet-outlet",),
                 "level": ("before-after", "inlet-outlet", "continuous")}
WHY_NO_METRIC = {
    "mass_rate": N_("no run has a flow (and a concentration that converts to mg/m³)"),
    "concentration_o2": N_("the source sets no reference_o2_pct, or no run has an O2 reading"),
    "removal_efficiency": N_("it needs inlet and outlet runs of one phase with the same run ids"),
    "fugitive": N_("it needs upwind and downwind points (source 'boundary') or an in-plant point"),
}


@dataclass(frozen=True)
class CaseProblems:
    errors: list[Msg | Joined | str] = field(default_factory=list)  # messages (verify.i18n)
    warnings: list[Msg | Joined | str] = field(default_factory=list)

    def raise_errors(self) -> None:
        """One :class:`CaseError` listing every error (exit 2), if there is any."""
        if self.errors:
            raise CaseError(problems_message(self.errors), Location(file="case.toml"),
                            hint=N_("fix case.toml or the data; `verify check CASE` lists the same problems"))


def problems_message(errors: list) -> Joined:
    head = N_("{n} problem(s) with the claims, limits and sources against the data (nothing was analysed):",
              n=len(errors))
    return Joined("\n  - ", [head, *errors])


def case_problems(case: Case, normalized: pd.DataFrame, catalogue: Catalogue | None = None) -> CaseProblems:
    """Every problem of ``case`` against its normalized table (the results' columns suffice)."""
    cat = catalogue or load_catalogue()
    errors = limit_id_problems(case.manifest.source, cat)
    try:
        endpoints = build_endpoints(normalized, case) if len(normalized) else []
    except VerifyError as exc:
        return CaseProblems(errors=errors + [exc.text()], warnings=_sources_without_data(case, normalized)
                            + regime_basis_warnings(case.manifest.source, cat))
    by_key = {e.key: e for e in endpoints}
    for claim in case.manifest.claim:
        errors += claim_problems(claim, by_key, normalized, case)
    if not errors:
        errors += _limit_unit_problems(case, endpoints, cat)
    return CaseProblems(errors=errors, warnings=_sources_without_data(case, normalized)
                        + regime_basis_warnings(case.manifest.source, cat) + sample_type_warnings(case, endpoints, cat))


def sample_type_warnings(case: Case, endpoints: list[EndpointData], cat: Catalogue) -> list[Msg]:
    """Sources with run data that list limits defined on 1-hour means but do not say how the runs
    were sampled (``sample_type``): whether the runs are hourly means is then not known."""
    from verify.measure.hourly import is_hourly_limit

    with_runs = {e.source for e in endpoints if e.design != "continuous"}
    if "boundary" in with_runs:  # the upwind and downwind points' group
        with_runs |= {s.id for s in case.manifest.source if s.kind == "fugitive"}
    unstated = [s for s in case.manifest.source if s.sample_type is None and s.id in with_runs]
    return [N_("source {source!r} lists limits defined on 1-hour means ({limits}) without sample_type: "
               "say whether each run is 1 h of continuous sampling (hourly), samples at equal intervals "
               "within 1 h (equal_interval) or grab samples (grab); the report says it is not stated",
               source=src.id, limits=limits) for src, limits in _listing(unstated, cat, is_hourly_limit)]


def regime_basis_warnings(sources: list[Source], cat: Catalogue) -> list[Msg]:
    """Sources whose declared ``regime`` decides a listed limit (its table or its effective date)
    while ``regime_basis`` is absent: the report prints "basis not stated" beside the regime."""
    unstated = [s for s in sources if s.regime is not None and s.regime_basis is None]
    return [N_("source {source!r} declares regime = {regime!r} without regime_basis, and the regime decides "
               "the table or effective date of {limits}: add regime_basis (why the source is new or "
               "existing, e.g. its commissioning or EIA approval date)",
               source=src.id, regime=src.regime, limits=limits) for src, limits in _listing(unstated, cat, regime_decides)]


def _listing(sources: list[Source], cat: Catalogue, wanted) -> list[tuple[Source, str]]:
    """(source, its listed limit ids for which ``wanted(limit)`` holds, joined by ", ") of the
    ``sources`` that list at least one."""
    out = []
    for src in sources:
        ids = [lid for lid in src.limits if lid in cat.limits and wanted(cat.limits[lid])]
        if ids:
            out.append((src, ", ".join(ids)))
    return out


def regime_decides(limit) -> bool:
    """True when a source's regime selects this limit (a new- or existing-source table) or its date."""
    return limit.regime in ("new", "existing") or bool({"new", "existing"} & set(limit.effective))


def limit_id_problems(sources: list[Source], cat: Catalogue) -> list[Msg]:
    """Unknown limit ids (with the nearest known ones) and limits that do not fit their source."""
    out = []
    for src in sources:
        for limit_id in src.limits:
            limit = cat.limits.get(limit_id)
            if limit is None:
                near = difflib.get_close_matches(limit_id, list(cat.limits), n=3, cutoff=0.6)
                if near:
                    out.append(N_("source {source!r} lists the unknown limit id {limit!r} (nearest known: {near})",
                                  source=src.id, limit=limit_id, near=", ".join(near)))
                else:
                    out.append(N_("source {source!r} lists the unknown limit id {limit!r} (see "
                                  "verify/measure/data/limits/*.toml)", source=src.id, limit=limit_id))
                continue
            try:
                check_fits_source(limit, src, cat)
            except InputError as exc:
                out.append(N_("{message} ({hint})", message=exc.message, hint=exc.hint) if exc.hint else exc.message)
    return out


def _present(normalized: pd.DataFrame, column: str) -> list[str]:
    if not len(normalized) or column not in normalized:
        return []
    return sorted({str(v) for v in normalized[column].dropna().unique()})


def claim_problems(claim: Claim, by_key: dict[tuple, EndpointData], normalized: pd.DataFrame, case: Case) -> list[Msg]:
    """Why ``claim`` has no endpoint to be judged on, or an endpoint it cannot be judged on."""
    key = EndpointKey.of(claim.source, claim.position, claim.pollutant, claim.metric)
    endpoint = by_key.get(key)
    what = dict(claim=claim.id, endpoint="/".join(k for k in key if k))
    if endpoint is not None:
        if endpoint.design not in CLAIM_DESIGNS[claim.kind]:
            return [N_("claim {claim!r} ({endpoint}): a {kind} claim cannot be judged on {design} data", **what,
                       kind=claim.kind, design=endpoint.design)]
        return []
    return [N_("claim {claim!r} ({endpoint}): no data to judge it: {why}", **what,
               why=_missing_part(claim, by_key, normalized, case))]


def _missing_part(claim: Claim, by_key: dict[tuple, EndpointData], normalized: pd.DataFrame, case: Case) -> Msg:
    """Which of source, pollutant, position, metric has no data, and what there is instead."""
    at_source = [k for k in by_key if k[0] == claim.source]
    if not at_source:
        named = _present(normalized, "source")
        if claim.source == "boundary":
            return N_("no upwind or downwind fugitive point has data")
        if not named:
            return N_("no data row names source {source!r} (no data row names any source)", source=claim.source)
        return N_("no data row names source {source!r} (sources with data: {named})", source=claim.source,
                  named=", ".join(named))
    pollutants = sorted({k[2] for k in at_source})
    if claim.pollutant not in pollutants:
        there = dict(pollutant=claim.pollutant, source=claim.source, there=", ".join(pollutants))
        key = _alias_key(claim.pollutant)
        if key is not None:
            return N_("no {pollutant!r} at {source} (pollutants there: {there}); write pollutant = {key!r} (the key, "
                      "not a name)", **there, key=key)
        return N_("no {pollutant!r} at {source} (pollutants there: {there})", **there)
    same = [k for k in at_source if k[2] == claim.pollutant]
    positions = sorted({k[1] for k in same})
    if (claim.position or "") not in positions:
        return N_("no data at position {position} (positions with {pollutant} data: {there})",
                  position=claim.position or N_("none"), pollutant=claim.pollutant,
                  there=Joined(", ", [p or N_("none") for p in positions]))
    metrics = sorted({k[3] for k in same if k[1] == (claim.position or "")})
    why = WHY_NO_METRIC.get(claim.metric)
    missing = dict(metric=claim.metric, pollutant=claim.pollutant, there=", ".join(metrics))
    if why:
        return N_("no {metric} for {pollutant} (metrics there: {there}): {why}", **missing, why=why)
    return N_("no {metric} for {pollutant} (metrics there: {there})", **missing)


def _alias_key(pollutant: str) -> str | None:
    """The pollutant key that a name in a claim stands for, when the claim used a name."""
    from verify.sources.aliases import norm, pollutant_aliases

    key = pollutant_aliases().get(norm(pollutant))
    return key if key is not None and key != pollutant else None


def _limit_unit_problems(case: Case, endpoints: list[EndpointData], cat: Catalogue) -> list:
    """A limit in another unit or basis than its endpoint, or boundary limits that disagree."""
    out = []
    downwind = [s for s in case.manifest.source if s.kind == "fugitive" and s.role == "downwind"]
    for ep in endpoints:
        group = case.sources.get(ep.source) or (downwind if ep.source == "boundary" else None)
        if group is None:
            continue
        try:
            applicable_limits(group, ep.pollutant, ep.metric, cat, unit=ep.unit, as_species=ep.as_species)
        except VerifyError as exc:
            out.append(exc.message)
    return list(dict.fromkeys(out))


def _sources_without_data(case: Case, normalized: pd.DataFrame) -> list[Msg]:
    named = set(_present(normalized, "source"))
    return [N_("source {source!r} has no data (no row of any file names it or one of its aliases)", source=s.id)
            for s in case.manifest.source if s.id not in named]

