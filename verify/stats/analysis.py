"""The analysis of one case: normalized table → everything results.json reports, before it is written.

``analyse_case(case, normalized) -> CaseAnalysis`` runs, in this order:

1. the endpoints (:func:`verify.measure.endpoints.build_endpoints`) and their statistics
   (:func:`verify.stats.endpoint.analyse_endpoint`), sorted by :class:`~verify.measure.series.EndpointKey`;
2. the limits of each endpoint, judged (:func:`verify.measure.limits.judge`) and assessed for
   whether they bind the plant (:func:`verify.measure.binding.assess`);
3. Holm's adjustment within two families (:func:`verify.stats.multiplicity.holm`): the endpoints a
   claim rests on (``claim``) and all others (``secondary``), on each endpoint's primary p-value
   (Welch, else paired t);
4. production-load comparability per source (:mod:`verify.stats.comparability`);
5. the standards the catalogue knows may apply but holds no values for
   (:func:`verify.measure.unweighed.not_weighed`, results.json ``limits_not_weighed``);
6. each claim judged within its operating envelope (:func:`within_envelope`;
   :func:`verify.stats.claims.judge_claim`), and judged again with the laboratory's values where a
   run failed the lab cross-check (:func:`verify.stats.labcheck.lab_check`);
7. the QA checks, the co-benefits (from the outlet mass-rate means) and the campaign period.

It writes no sentence and no JSON: :mod:`verify.results` assembles results.json from a
:class:`CaseAnalysis`, with the sentences of :mod:`verify.sentences`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from verify.case import Case, Claim
from verify.measure.endpoints import key_text
from verify.measure.series import EndpointData, EndpointKey, PhaseRuns
from verify.stats.claims import ClaimResult, judge_claim
from verify.stats.endpoint import EndpointStats, analyse_endpoint
from verify.stats.caveats import caveat
from verify.stats.labcheck import lab_check, lab_runs

FAMILIES = ("claim", "secondary")


@dataclass(frozen=True)
class AnalysedEndpoint:
    """One endpoint: its data, its statistics (``summary``: ``stats.to_dict()``, caveats as codes),
    its Holm family and adjusted p-value, and its judged limits (results.json ``limits``)."""

    data: EndpointData
    stats: EndpointStats
    summary: dict
    family: str
    p_adjusted: float | None
    limits: list[dict]


@dataclass(frozen=True)
class JudgedClaim:
    """One claim's verdict; ``envelope`` is None for a claim whose endpoint has no data at all."""

    result: ClaimResult
    envelope: dict | None
    lab_check: dict | None = None  # results.json claims[].lab_check (verify.stats.labcheck)


@dataclass(frozen=True)
class CaseAnalysis:
    endpoints: list[AnalysedEndpoint]
    claims: list[JudgedClaim]
    comparability: dict  # load_tost and load_by_source (caveats as codes; no statements)
    limits_not_weighed: list[dict]  # verify.measure.unweighed.not_weighed
    qa: list[dict]  # verify.measure.qa.run_checks items (outcomes and values; no details)
    cobenefits: dict
    campaign: dict


def analyse_case(case: Case, normalized: pd.DataFrame) -> CaseAnalysis:
    """The analysis of a case (module docstring); ``normalized`` may be the whole normalized table
    or its :func:`verify.results.results_table`."""
    from verify.measure.campaign import campaign
    from verify.measure.cobenefits import compute as compute_cobenefits
    from verify.measure.endpoints import build_endpoints
    from verify.measure.limits import load_catalogue
    from verify.measure.qa import run_checks
    from verify.measure.unweighed import not_weighed

    catalogue = load_catalogue()
    context = binding_context(case, normalized)
    claim_keys = {EndpointKey.of(c.source, c.position, c.pollutant, c.metric) for c in case.manifest.claim}
    analysed = []
    for data in sorted(build_endpoints(normalized, case), key=lambda d: d.key):
        stats = analyse_endpoint(data)
        summary = stats.to_dict()
        add_flow_change(summary, data, case, normalized)
        family = "claim" if data.key in claim_keys else "secondary"
        analysed.append((data, stats, summary, family, limit_items(case, data, summary, catalogue, context)))
    adjusted = holm_families([(a[0].key, a[3], primary_p(a[2])) for a in analysed])
    endpoints = [AnalysedEndpoint(data, stats, summary, family, adjusted.get(data.key), limits)
                 for data, stats, summary, family, limits in analysed]
    comparability = load_comparability(normalized, case)
    return CaseAnalysis(
        endpoints=endpoints,
        claims=judge_claims(case, endpoints, comparability, lab_runs(normalized)),
        comparability=comparability,
        limits_not_weighed=not_weighed(case, ((e.data.source, e.data.pollutant) for e in endpoints), catalogue),
        qa=run_checks(normalized, case),
        cobenefits=compute_cobenefits(case, mass_rate_means(endpoints)),
        campaign=campaign(normalized, case),
    )


def add_flow_change(summary: dict, data: EndpointData, case: Case, normalized: pd.DataFrame) -> None:
    """A run-based mass-rate endpoint gets ``flow_change`` (the change of its stack's dry standard flow
    between the phases, :mod:`verify.measure.flowchange`, with the case's ``flow_change_cause``), and a
    ``flow_change`` caveat when the change exceeds the threshold."""
    from verify.measure.flowchange import flow_change, phase_flow_means
    from verify.sentences import fmt

    if data.metric != "mass_rate" or data.design != "before-after":
        return
    change = flow_change(phase_flow_means(normalized, data.source, data.position))
    if change is None:
        return
    source = case.sources.get(data.source)
    cause = source.flow_change_cause if source is not None else None
    summary["flow_change"] = {**change, "cause": None if cause is None else {"ja": cause.ja, "zh": cause.zh}}
    if change["exceeds"]:
        values = dict(change=f"{change['change_pct']:+.1f}", before=f"{change['before_m3_h']:,.0f}",
                      after=f"{change['after_m3_h']:,.0f}", threshold=fmt(change["threshold_pct"], 0))
        note = (caveat("flow_change_cause_not_stated", **values) if cause is None
                else caveat("flow_change", **values, cause_ja=cause.ja, cause_zh=cause.zh))
        summary["caveats"].append(note.to_dict())


# --------------------------------------------------------------------------------------------
# Multiplicity


def primary_p(summary: dict) -> float | None:
    """An endpoint's primary p-value, the one Holm adjusts: Welch's, else the paired t-test's."""
    tests = summary.get("tests") or {}
    for name in ("welch_t", "paired_t"):
        test = tests.get(name)
        if test and test.get("p_value") is not None:
            return test["p_value"]
    return None


def holm_families(members: list[tuple[EndpointKey, str, float | None]]) -> dict[EndpointKey, float]:
    """(key, family, primary p) of every endpoint → Holm-adjusted p of those with a p, within each
    family (in the order given, the endpoints' order)."""
    from verify.stats.multiplicity import holm

    out: dict[EndpointKey, float] = {}
    for family in FAMILIES:
        tested = [(key, p) for key, fam, p in members if fam == family and p is not None]
        if tested:
            out.update(zip((key for key, _ in tested), holm([p for _, p in tested])))
    return out


# --------------------------------------------------------------------------------------------
# Limits


def _limits_for(case: Case, data: EndpointData, catalogue) -> list[tuple]:
    """(limit, source) pairs for an endpoint: its own source's limits, or the downwind group's for ``boundary``."""
    from verify.measure.limits import applicable_limits

    sources = case.sources
    if data.source in sources:
        source = sources[data.source]
        group = source
    elif data.source == "boundary":
        source = None
        group = [s for s in case.manifest.source if s.kind == "fugitive" and s.role == "downwind"]
    else:
        return []
    limits = applicable_limits(group, data.pollutant, data.metric, catalogue, unit=data.unit, as_species=data.as_species)
    return [(limit, source) for limit in limits]


def _measured_sources(case: Case, data: EndpointData) -> list:
    """The sources whose sampling dates an endpoint's values come from (the boundary group: every
    upwind and downwind point)."""
    if data.source in case.sources:
        return [case.sources[data.source]]
    if data.source == "boundary":
        return [s for s in case.manifest.source if s.kind == "fugitive" and s.role in ("upwind", "downwind")]
    return []


def limit_items(case: Case, data: EndpointData, summary: dict, catalogue, context: tuple) -> list[dict]:
    """The ``limits`` of one endpoint: each judged (``limits.judge``), then whether it binds the
    plant in each phase (``binding.assess``: force, jurisdiction, effective date, precedence, and
    no unweighed standard that may come first)."""
    from verify.measure import binding
    from verify.measure.limits import judge
    from verify.measure.unweighed import may_apply

    plant, dates_by_key, counts_by_key = context
    pairs = _limits_for(case, data, catalogue)
    items = [judge(limit, *_phase_values(limit, data, summary), src) for limit, src in pairs]
    sources = _measured_sources(case, data)
    dates = {p: binding.merge_dates(dates_by_key[k] for s in sources if (k := (s.id, data.pollutant, p)) in dates_by_key)
             for p in binding.PHASES}
    regimes = {s.regime for s in sources if s.kind == "stack" or s.role != "upwind"}
    with_values = {p for p in binding.PHASES if any(item["n"][p] for item in items)}
    verdicts = binding.assess([limit for limit, _ in pairs], plant=plant, regime=regimes.pop() if len(regimes) == 1 else None,
                              dates=dates, phases_with_values=with_values,
                              unweighed=may_apply(case, data.source, data.pollutant, catalogue))
    for item, (limit, _) in zip(items, pairs):
        item.update(binding.to_results(verdicts[limit.id], dates))
    counts = {p: [n for s in sources for n in counts_by_key.get((s.id, data.pollutant, p), [])] for p in binding.PHASES}
    if mark_hourly_means(items, [limit for limit, _ in pairs], data, sources, counts):
        summary["caveats"].append(caveat("not_hourly_mean").to_dict())
    return items


def mark_hourly_means(items: list[dict], limits: list, data: EndpointData, sources: list, counts: dict) -> bool:
    """Add ``sample_type`` and ``hourly_mean`` (per phase) to the items of 1-hour-mean limits
    (:mod:`verify.measure.hourly`); a phase whose runs are not hourly means binds nothing
    (``binding_reason`` ``not_hourly_mean`` where it was ``binding`` or ``value_unconfirmed``).
    True when some phase with values is not an hourly mean."""
    from verify.measure.hourly import hourly_mean, is_hourly_limit

    continuous = data.design == "continuous"  # valid hourly means of the readings (HJ 75-2017)
    types = {s.sample_type for s in sources}
    sample_type = "hourly" if continuous else (types.pop() if len(types) == 1 else None)
    indicative = False
    for item, limit in zip(items, limits):
        if not is_hourly_limit(limit):
            continue
        means = {p: (True if continuous else hourly_mean(sample_type, limit, counts[p])) if item["n"].get(p) else None
                 for p in counts}
        item["sample_type"], item["hourly_mean"] = sample_type, means
        for phase, is_mean in means.items():
            if is_mean is False and item["binding_reason"].get(phase) in ("binding", "value_unconfirmed"):
                item["binding"][phase], item["binding_reason"][phase] = False, "not_hourly_mean"
        item["legal"] = any(bool(b) for b in item["binding"].values())
        indicative = indicative or False in means.values()
    return indicative


def binding_context(case: Case, normalized: pd.DataFrame) -> tuple:
    """(plant location as an Area or None, sampling dates per (source, pollutant, phase), samples per
    run per (source, pollutant, phase))."""
    from verify.measure.adminarea import parse_area
    from verify.measure.binding import phase_dates

    info = case.manifest.case
    plant = None if info.location_code is None else parse_area(info.location_code, "case.toml [case] location_code")
    return plant, phase_dates(normalized, info.timezone, case.manifest.period), samples_per_run(normalized)


def samples_per_run(normalized: pd.DataFrame) -> dict[tuple[str, str, str], list[int]]:
    """(source, pollutant, phase) → the number of samples of each of its runs (run-based rows)."""
    if "run" not in normalized:
        return {}
    rows = normalized[normalized["run"].notna()]
    if rows.empty:
        return {}
    keys = [key_text(rows[k]) for k in ("source", "pollutant", "phase", "position", "run")]
    sizes = rows.groupby(keys, observed=True, sort=True).size()
    out: dict[tuple[str, str, str], list[int]] = {}
    for (source, pollutant, phase, _position, _run), n in sizes.items():
        out.setdefault((str(source), str(pollutant), str(phase)), []).append(int(n))
    return out


def _phase_values(limit, data: EndpointData, summary: dict) -> tuple:
    """What a limit judges in each phase: single samples for ``each_reading`` limits (GB 37822 "any
    single value"), the runs (with their censoring) for run rules, the valid hourly means for
    continuous data (HJ 75/76 hourly averages)."""
    phases = ("before", "after")
    if limit.rule == "each_reading" and data.samples:
        return tuple(data.samples.get(p) for p in phases)
    if data.design == "continuous" or data.design == "inlet-outlet":
        return tuple((summary.get(p) or {}).get("values") for p in phases)
    return (data.before, data.after)


# --------------------------------------------------------------------------------------------
# Production load


def run_loads(normalized: pd.DataFrame) -> dict[str, dict[str, list[float]]]:
    """Production load of every run, per source and phase: one load per run (the rows of one run,
    inlet and outlet included, are one run; their mean if they differ)."""
    rows = normalized[normalized["run"].notna() & normalized["load_pct"].notna()]
    loads: dict[str, dict[str, list[float]]] = {}
    if rows.empty:
        return loads
    per_run = rows.groupby([key_text(rows["source"]), key_text(rows["phase"]), key_text(rows["run"])],
                           sort=True, observed=True)["load_pct"].mean()
    for (source, phase, _), value in per_run.items():
        if phase in ("before", "after"):
            loads.setdefault(source, {"before": [], "after": []})[phase].append(float(value))
    return loads


def reading_loads(normalized: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Continuous-monitoring readings (rows with ``start`` and no ``run``) that carry a load, per
    source, as readings frames (start, phase, value = load, valid) for hourly means. Only readings
    the concentration analysis uses count (HJ 212 flag N or T, or no flag): minutes with another flag
    (F instrument stopped, M, C, D, …) are missing concentration data, and their load is left out
    with them; one load per reading time."""
    from verify.measure.endpoints import VALID_FLAGS

    flag = normalized["flag"].astype("string")
    valid = (flag.isna() | flag.isin(VALID_FLAGS)).fillna(False).to_numpy(dtype=bool)
    rows = normalized[normalized["run"].isna() & normalized["start"].notna() & normalized["load_pct"].notna()
                      & normalized["phase"].isin(["before", "after"]) & valid]
    out = {}
    for source, g in rows.groupby(key_text(rows["source"]), sort=True, observed=True):
        out[source] = pd.DataFrame({"start": g["start"], "phase": g["phase"].astype(str),
                                    "value": g["load_pct"].astype(float), "valid": True}).drop_duplicates("start")
    return out


def load_comparability(normalized: pd.DataFrame, case: Case) -> dict:
    """results.json ``comparability``: the contract's ``load_tost`` (every source) and
    ``load_by_source`` (docs/results.md), see :mod:`verify.stats.comparability`."""
    from verify.stats import comparability as comp

    margin = case.manifest.case.load_equivalence_margin_pct
    per_source = {}
    for source, phases in run_loads(normalized).items():
        per_source[source] = comp.load_tost(phases["before"], phases["after"], margin)
    readings = reading_loads(normalized)
    if readings:
        from verify.stats.continuous import hourly_means

        for source, frame in readings.items():
            hourly = hourly_means(frame, case.manifest.case.timezone).frame
            per_source[source] = comp.hourly_equivalence(hourly[hourly["valid"]], margin)
    by_source = [comp.describe(source, per_source[source]) for source in sorted(per_source)]
    return {"load_tost": comp.summary(by_source, margin), "load_by_source": by_source}


# --------------------------------------------------------------------------------------------
# Claims


def judge_claims(case: Case, endpoints: list[AnalysedEndpoint], comparability: dict,
                 runs: list[dict] = ()) -> list[JudgedClaim]:
    """Every claim of case.toml in its order, judged on its endpoint within its operating envelope
    (and with the laboratory's values of ``runs``, :func:`verify.stats.labcheck.lab_runs`, where a
    run failed the lab cross-check)."""
    by_key = {e.data.key: e for e in endpoints}
    loads = {entry["source"]: entry for entry in comparability["load_by_source"]}
    out = []
    for claim in case.manifest.claim:
        endpoint = by_key.get(EndpointKey.of(claim.source, claim.position, claim.pollutant, claim.metric))
        if endpoint is None:
            out.append(JudgedClaim(claim_without_endpoint(claim), None))
            continue
        stats = endpoint.stats
        envelope_data, dropped = within_envelope(claim, endpoint.data)
        if dropped:
            stats = analyse_endpoint(envelope_data)
        load = loads.get(claim.source)
        result = judge_claim(claim, stats, load=load)
        out.append(JudgedClaim(result, {"load_pct_min": claim.conditions.load_pct_min, "excluded": dropped},
                               lab_check(claim, envelope_data, list(runs), load=load)))
    return out


def within_envelope(claim: Claim, data: EndpointData) -> tuple[EndpointData, list[str]]:
    """The endpoint data restricted to the claim's operating envelope (``conditions.load_pct_min``),
    and what was left out.

    ISO 14034 claims hold within stated operating conditions: runs (or continuous readings) whose
    production load is below the claimed minimum are left out of that claim's test, and listed.
    Runs without a load record are kept (the QA ``load`` check reports them).
    """
    minimum = claim.conditions.load_pct_min
    if minimum is None:
        return data, []
    dropped: list[str] = []

    def keep(phase: str, runs: PhaseRuns | None) -> PhaseRuns | None:
        if runs is None or not runs.load_pct:
            return runs
        idx = [i for i, load in enumerate(runs.load_pct) if load is None or load >= minimum]
        dropped.extend(f"{phase}/{runs.runs[i]}" for i in range(runs.n) if i not in idx)
        pick = lambda seq: tuple(seq[i] for i in idx) if seq else seq  # noqa: E731
        return replace(runs, runs=pick(runs.runs), values=pick(runs.values), censored=pick(runs.censored),
                       load_pct=pick(runs.load_pct), flagged=pick(runs.flagged))

    if data.design == "continuous" and data.readings is not None and "load_pct" in data.readings:
        low = data.readings["load_pct"] < minimum
        if low.any():
            dropped.append(f"{int(low.sum())} readings")
            return replace(data, readings=data.readings[~low]), dropped
        return data, dropped
    if data.design == "before-after":
        return replace(data, before=keep("before", data.before), after=keep("after", data.after)), dropped
    return data, dropped


def claim_without_endpoint(claim: Claim) -> ClaimResult:
    """A claim whose endpoint has no data at all is judged on an empty endpoint: insufficient data."""
    design = "inlet-outlet" if claim.metric == "removal_efficiency" else "before-after"
    empty = EndpointData(source=claim.source, position=claim.position, pollutant=claim.pollutant,
                         metric=claim.metric, design=design, unit="", as_species=None)
    return judge_claim(claim, analyse_endpoint(empty))


# --------------------------------------------------------------------------------------------
# Co-benefits


def mass_rate_means(endpoints: list[AnalysedEndpoint]) -> dict[tuple[str, str], dict]:
    """(source, pollutant) → the phase means of its mass rate at the outlet (or without position):
    what the co-benefits convert into tonnes a year."""
    out = {}
    for e in endpoints:
        key = e.data.key
        if key.metric == "mass_rate" and key.position in ("", "outlet"):
            out[(key.source, key.pollutant)] = {phase: (e.summary.get(phase) or {}).get("mean")
                                                for phase in ("before", "after")}
    return out
