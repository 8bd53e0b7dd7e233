"""Which limit legally binds the plant, phase by phase; every other limit is a benchmark.

A limit listed for an endpoint binds the plant in a phase only when all of these hold
(issue 15 item 8; docs/results.md "Binding limits"):

1. **Force**: a mandatory standard (``mandatory_national`` GB, ``mandatory_local`` DBxx/). A
   recommended standard (``/T``; 标准化法 (2017) 第二条: only mandatory standards must be applied),
   an informative appendix (GB 37822-2019 Appendix A), a campaign target or a voluntary entry is
   compared as a benchmark, never "超标".
2. **Jurisdiction**: the standard's area covers the plant's ``[case] location_code`` (GB/T 2260,
   :func:`verify.measure.adminarea.covers`).
3. **In force**: every measurement date of the phase is on or after the effective date for the
   source's regime (DB32/4041-2021: new sources from 2021-08-01, existing ones from 2022-07-01).
   A phase measured partly before and partly after that date, without dates, or of a source whose
   regime decides the date but is not declared, is not judged as binding.
4. **Precedence**: of the limits that pass 1-3 for one endpoint (one pollutant and metric) and
   of one kind (a 1-h mean limit and a single-value limit at one point are both binding), a
   sector standard supersedes an integrated one (GB 16297-1996 foreword: sources with a sector
   standard follow it, the rest follow GB 16297; DB32/4041-2021 §1 likewise), then the finer
   jurisdiction supersedes the coarser (county > city > province > country: a local standard over
   a national one, 环境保护法 (2014) 第十六条 [K]). So one pollutant is never "超标" twice. Two limits
   at the same top precedence bind neither (``equal_precedence``: judge by hand).
5. **Confirmed value**: the limit that comes first by 1-4 yields a binding verdict (超标 / 超過) only
   when its value (and its averaging rule, ``rule_confidence``) was confirmed in the named source
   (catalogue ``confidence = "S"``). A value not re-read in the official text (``"K"``) is compared
   provisionally (``value_unconfirmed``): no official can sign a compliance verdict on an unchecked
   number. It still comes first in precedence (the lower limits are ``superseded`` by it): the
   standard applies whatever the catalogue knows of its value.
6. **No unweighed standard above it**: the limit that comes first by 1-4 is not called binding
   when a mandatory standard the catalogue knows but holds no values for (an ``[[unencoded]]``
   entry that may apply to the endpoint's source and pollutant, :func:`verify.measure.unweighed.may_apply`)
   has the same or a higher precedence by rule 4: e.g. GB 13271-2014 for a Jiangsu boiler, where
   the provincial boiler standard DB32/4385-2022 may apply, or GB 16297-1996 for NMHC of a Hebei
   plant, under DB13/2322-2016. It is compared provisionally (``may_be_superseded``, with
   ``superseded_by`` naming the unweighed entry), never 超标/达标: whether the national limit binds
   depends on a standard the tool did not weigh. It still comes first among the listed limits.

Only the limits the case lists are weighed, and an unweighed standard never yields a verdict of its
own: it can only withhold one (rule 6; the statement names it, :mod:`verify.measure.unweighed`).
Pure functions; dates are local dates in the case's time zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from zoneinfo import ZoneInfo

import pandas as pd

from verify.measure.adminarea import LEVELS, Area, covers

PHASES = ("before", "after")
MANDATORY = ("mandatory_national", "mandatory_local")
#: the catalogue confidence of a value confirmed in its source (binding.py rule 5)
CONFIRMED = "S"



@dataclass(frozen=True)
class Span:
    """The first and last local sampling date of a phase, and where they come from: the values'
    own start times (``samples``), the case's ``[[period]]`` of that phase for values without a
    start time (``period``), or both (``samples+period``)."""

    first: dt.date
    last: dt.date
    origin: str


#: a phase's sampling dates, or None when some value has neither a start time nor a [[period]]
PhaseDates = Span | None


@dataclass(frozen=True)
class Phase:
    """One phase's binding verdict for one limit."""

    binding: bool | None
    reason: str
    superseded_by: str | None = None


def effective_date(effective: Mapping[str, dt.date], regime: str | None) -> dt.date | None:
    """The date a limit applies from for a source of ``regime``: the single date (key ``all``), the
    regime's own date, or None when the dates differ by regime and ``regime`` is not one of them."""
    if "all" in effective:
        return effective["all"]
    return effective.get(regime) if regime else None


def in_force_reason(effective: Mapping[str, dt.date], regime: str | None, dates: PhaseDates) -> str | None:
    """None when the limit was in force on every date of the phase, else the reason code."""
    if dates is None:
        return "dates_unknown"
    first, last = dates.first, dates.last
    start = effective_date(effective, regime)
    if start is None:
        # the regime decides the date and is not known: fine only if every candidate date has passed
        if first >= max(effective.values()):
            return None
        return "not_in_force" if last < min(effective.values()) else "regime_unknown"
    if first >= start:
        return None
    return "not_in_force" if last < start else "straddles_effective_date"


def eligibility_reason(limit, plant: Area | None, regime: str | None, dates: PhaseDates) -> str | None:
    """None when ``limit`` passes force, jurisdiction and effective date for the phase, else why not."""
    if limit.force not in MANDATORY:
        return "not_mandatory"
    if plant is None:
        return "no_location"
    inside = covers(limit.jurisdiction, plant)
    if inside is None:
        return "location_too_coarse"
    if not inside:
        return "other_jurisdiction"
    return in_force_reason(limit.effective, regime, dates)


def confirmed(limit) -> bool:
    """Whether the limit's value (and its averaging rule, where the catalogue marks it) was confirmed
    in the named source (rule 5)."""
    return limit.confidence == CONFIRMED and (getattr(limit, "rule_confidence", None) or CONFIRMED) == CONFIRMED


def precedence(limit) -> tuple[int, int]:
    """Sort key, higher wins: (sector standard, jurisdiction level county > city > province > country)."""
    return (int(limit.scope == "sector"), LEVELS.index(limit.jurisdiction.level))


def shadowing(unweighed: Sequence, top: tuple[int, int]) -> str | None:
    """Rule 6: the id of the first unweighed standard (an ``[[unencoded]]`` entry) whose precedence
    is the same as or higher than ``top``, the precedence of the first listed limit; else None."""
    above = sorted(u.id for u in unweighed if u.jurisdiction is not None and precedence(u) >= top)
    return above[0] if above else None


def _first_verdict(limit, shadow: str | None) -> Phase:
    """The verdict of the one limit first in precedence: rule 6 (an unweighed standard may come
    before it), then rule 5 (a value not confirmed in the official text), else binding."""
    if shadow is not None:
        return Phase(False, "may_be_superseded", shadow)
    return Phase(True, "binding") if confirmed(limit) else Phase(False, "value_unconfirmed")


def _rank_phase(limits: Sequence, reasons: dict[str, str | None], unweighed: Sequence = ()) -> dict[str, Phase]:
    eligible = [lim for lim in limits if reasons[lim.id] is None]
    out = {lim.id: Phase(False, reasons[lim.id]) for lim in limits if reasons[lim.id] is not None}
    if not eligible:
        return out
    top = max(precedence(lim) for lim in eligible)
    winners = sorted(lim.id for lim in eligible if precedence(lim) == top)
    for lim in eligible:
        if precedence(lim) < top:
            # superseded by the winner; when the top is itself ambiguous, by no single limit
            out[lim.id] = Phase(False, "superseded", winners[0] if len(winners) == 1 else None)
        elif len(winners) == 1:
            out[lim.id] = _first_verdict(lim, shadowing(unweighed, top))
        else:
            out[lim.id] = Phase(False, "equal_precedence")
    return out


def assess(limits: Sequence, *, plant: Area | None, regime: str | None, dates: Mapping[str, PhaseDates],
           phases_with_values: Iterable[str], unweighed: Sequence = ()) -> dict[str, dict[str, Phase]]:
    """Per limit id, per phase: whether it binds (see the module docstring). ``limits`` are the
    limits of one endpoint (one pollutant and metric), ranked within each kind; ``unweighed`` the
    unencoded standards that may apply to it (rule 6); a phase without values gets binding None."""
    with_values = set(phases_with_values)
    result: dict[str, dict[str, Phase]] = {lim.id: {} for lim in limits}
    for phase in PHASES:
        if phase not in with_values:
            for lim in limits:
                result[lim.id][phase] = Phase(None, "no_data")
            continue
        reasons = {lim.id: eligibility_reason(lim, plant, regime, dates.get(phase)) for lim in limits}
        for kind in sorted({lim.kind for lim in limits}):
            same_kind = [lim for lim in limits if lim.kind == kind]
            for limit_id, verdict in _rank_phase(same_kind, reasons, unweighed).items():
                result[limit_id][phase] = verdict
    return result


def to_results(verdicts: Mapping[str, Phase], dates: Mapping[str, PhaseDates]) -> dict:
    """The results.json keys of one limit item (docs/results.md "Binding limits")."""

    def span(d: PhaseDates) -> dict | None:
        return None if d is None else {"first": d.first.isoformat(), "last": d.last.isoformat(), "from": d.origin}

    return {
        "legal": any(verdicts[p].binding is True for p in PHASES),
        "binding": {p: verdicts[p].binding for p in PHASES},
        "binding_reason": {p: verdicts[p].reason for p in PHASES},
        "superseded_by": {p: verdicts[p].superseded_by for p in PHASES},
        "measured_on": {p: span(dates.get(p)) for p in PHASES},
    }


def _origin(*origins: str) -> str:
    parts = {part for origin in origins for part in origin.split("+")}
    return "+".join(name for name in ("samples", "period") if name in parts)


def period_spans(periods: Iterable, timezone: str) -> dict[str, Span]:
    """Phase → the span of its ``[[period]]`` tables (start and exclusive end, local dates)."""
    zone = ZoneInfo(timezone)

    def local(moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(zone).replace(tzinfo=None) if moment.tzinfo else moment

    out: dict[str, Span] = {}
    for period in periods:
        first = local(period.start).date()
        last = (local(period.end) - dt.timedelta(microseconds=1)).date()
        known = out.get(period.phase)
        out[period.phase] = Span(first, last, "period") if known is None else \
            Span(min(first, known.first), max(last, known.last), "period")
    return out


def phase_dates(normalized: pd.DataFrame, timezone: str, periods: Iterable = ()) -> dict[tuple[str, str, str], PhaseDates]:
    """(source, pollutant, phase) → the phase's sampling dates (:class:`Span`): from the values' start
    times; where some value has none, widened to the phase's ``[[period]]``; None without either."""
    if normalized.empty:
        return {}
    by_phase = period_spans(periods, timezone)
    frame = normalized[["source", "pollutant", "phase"]].copy()
    frame["date"] = normalized["start"].dt.tz_convert(timezone).dt.date
    out: dict[tuple[str, str, str], PhaseDates] = {}
    for key, group in frame.groupby(["source", "pollutant", "phase"], dropna=True, sort=True):
        source, pollutant, phase = (str(k) for k in key)
        known = group["date"].dropna()
        spans = [Span(min(known), max(known), "samples")] if len(known) else []
        if len(known) < len(group):
            spans.append(by_phase.get(phase))
        out[(source, pollutant, phase)] = merge_dates(spans)
    return out


def merge_dates(parts: Iterable[PhaseDates]) -> PhaseDates:
    """The span of several spans of one phase; None if any is unknown or there are none."""
    spans = list(parts)
    if not spans or any(span is None for span in spans):
        return None
    return Span(min(s.first for s in spans), max(s.last for s in spans), _origin(*(s.origin for s in spans)))
