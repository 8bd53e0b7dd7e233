"""The campaign period of each phase: first and last sampling day, local to the case's time zone.

A verification statement names when the measurements were made (ISO 14034:2016 §5.5; the EU ETV
statement's test design): for each phase the first and the last sampling date. They are the dates
:func:`verify.measure.binding.phase_dates` finds for every source and pollutant (the readings' own
``start`` times, and for runs without one the case's ``[[period]]`` of the phase), merged over the
case. Where some value has neither, the dates are null and the report says they were not given.
"""

from __future__ import annotations

import pandas as pd

from verify.case import Case
from verify.measure.binding import PHASES, merge_dates, phase_dates


def _local(stamp: pd.Timestamp, zone) -> pd.Timestamp:
    return stamp.tz_convert(zone)


def campaign(normalized: pd.DataFrame, case: Case) -> dict:
    """``{"timezone", "phases": {phase: {first, last, from}}, "sources": [{source, phase, first, last,
    first_time, last_time}]}``: dates ``YYYY-MM-DD``, times ISO 8601 with the local offset; ``from`` is
    ``samples`` (start times), ``period`` (``[[period]]``), ``samples+period`` or null."""
    timezone = case.manifest.case.timezone
    dates = phase_dates(normalized, timezone, case.manifest.period) if len(normalized) else {}
    phases: dict[str, dict] = {}
    for phase in PHASES:
        span = merge_dates(d for (_, _, ph), d in dates.items() if ph == phase)
        phases[phase] = ({"first": None, "last": None, "from": None} if span is None else
                         {"first": span.first.isoformat(), "last": span.last.isoformat(), "from": span.origin})
    per_source = []
    timed = normalized[normalized["start"].notna()] if "start" in normalized else normalized.iloc[:0]
    if len(timed):
        zone = case.tz
        keys = [timed["source"].astype(object), timed["phase"].astype(object)]
        bounds = timed.groupby(keys, sort=True, observed=True)["start"].agg(["min", "max"])
        order = {p: i for i, p in enumerate(PHASES)}
        for (source, phase), row in sorted(bounds.iterrows(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 9))):
            first, last = _local(row["min"], zone), _local(row["max"], zone)
            per_source.append({"source": source, "phase": phase, "first": first.date().isoformat(),
                               "last": last.date().isoformat(), "first_time": first.isoformat(),
                               "last_time": last.isoformat()})
    return {"timezone": timezone, "phases": phases, "sources": per_source}
