"""The limits catalogue (``data/limits/*.toml``), which limits apply to an endpoint, and compliance.

* :func:`load_catalogue` reads every file, checks each entry (id grammar of results.md "Limits",
  source and confidence present, kinds, rules and units known) and returns a :class:`Catalogue`
  with the version string of ``catalogue.toml`` and the SHA-256 over all files.
* :func:`applicable_limits` picks, from the ids a source lists in case.toml, those for one
  endpoint (pollutant, metric), after checking that every listed id exists and can apply to that
  source (kind of source, role, regime, special limits, reference O2).
* :func:`judge` applies a limit to the run values of the before and after phases per its rule:
  ``each_run`` (Chinese "any 1-hour average": every run must comply), ``mean_of_runs``
  (40 CFR 60.8(f): the arithmetic mean of the runs), ``each_reading`` (every single reading).

Comparison rule: a value exceeds a limit when it is strictly above it (below it for
``direction = "min"`` targets such as removal efficiencies). No rounding to the limit's digits
(GB/T 8170 修约) is applied: values are compared as computed.

Each entry also carries its legal force (``force``, one of :data:`FORCES`), the standard's
jurisdiction (``jurisdiction``: a country or a GB/T 2260 code, :mod:`verify.measure.adminarea`),
its ``scope`` (``sector`` or ``integrated``, for precedence) and its effective date(s); whether a
limit binds the plant is decided from these by :mod:`verify.measure.binding`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from verify.case import Source
from verify.errors import InputError, UnitError
from verify.i18n import N_
from verify.measure.adminarea import Area, parse_area
from verify.measure.series import Readings

KINDS = ("conc", "rate", "fugitive", "inplant_1h", "inplant_single", "efficiency")
RULES = ("each_run", "mean_of_runs", "each_reading")
AVERAGING = ("1h", "single", "mean_of_runs")
REGIMES = ("new", "existing", "special")
UNITS = ("mg/m3", "ppmC", "kg/h", "%")
FUGITIVE_RULES = ("max_downwind", "downwind_minus_upwind", "inplant_1h")
#: legal force of a limit (docs/results.md "Binding limits"); "none" = no limit at all (voluntary.toml)
FORCES = ("mandatory_national", "mandatory_local", "recommended", "informative", "campaign_target", "none")
SCOPES = ("sector", "integrated")
#: keys a [standard] table gives to all its entries (an entry may override force and its citation)
STANDARD_KEYS = ("force", "force_source", "force_confidence", "jurisdiction", "scope")
ID_PATTERN = re.compile(r"^(?P<std>[A-Za-z0-9._-]+):(?P<pollutant>[A-Za-z0-9_]+):(?P<kind>[a-z_0-9]+)(?::(?P<regime>new|existing|special))?$")

#: limit kind → the endpoint metric it judges (conc with a reference O2 judges concentration_o2)
KIND_METRIC = {
    "rate": "mass_rate",
    "fugitive": "fugitive",
    "inplant_1h": "fugitive",
    "inplant_single": "fugitive",
    "efficiency": "removal_efficiency",
}
STACK_KINDS = ("conc", "rate", "efficiency")


@dataclass(frozen=True)
class Limit:
    id: str
    standard: str
    clause: str
    pollutant: str
    kind: str
    unit: str | None
    averaging: str
    rule: str
    source: str
    confidence: str
    file: str
    value: float | None = None
    basis: str | None = None
    heights_m: tuple[float, ...] = ()
    height_values: tuple[float, ...] = ()
    reference_state: str | None = None
    reference_o2_pct: float | None = None
    regime: str | None = None
    effective: dict[str, dt.date] = field(default_factory=dict, hash=False)  # {"all": date} or {"new": …, "existing": …}
    fugitive_rule: str | None = None
    direction: str = "max"
    rule_confidence: str | None = None
    applies_to: str | None = None
    force: str = "none"
    force_source: str | None = None
    force_confidence: str | None = None
    jurisdiction: Area | None = None
    scope: str | None = None

    @property
    def metric(self) -> str:
        """The endpoint metric this limit judges (a ppmC concentration limit: ``concentration_ppmc``)."""
        if self.kind == "conc" and self.unit == "ppmC":
            return "concentration_ppmc"
        if self.kind == "conc":
            return "concentration_o2" if self.reference_o2_pct is not None else "concentration"
        return KIND_METRIC[self.kind]

    def value_for(self, source: Source | None) -> float | None:
        """The limit value for a source: the fixed value, or the stack-height table at ``height_m``.

        Height tables are interpolated linearly between listed heights (GB 16297-1996 clause 7.3,
        Appendix B [K]); a height outside the table is refused (no extrapolation), as is a source
        without ``height_m``.
        """
        if not self.heights_m:
            return self.value
        height = None if source is None else source.height_m
        sid = "?" if source is None else source.id
        if height is None:
            raise InputError(N_("limit {limit} depends on stack height; source {source!r} has no height_m in case.toml",
                                limit=self.id, source=sid))
        hs, vs = self.heights_m, self.height_values
        if height < hs[0] or height > hs[-1]:
            raise InputError(
                N_("limit {limit}: stack height {height:g} m of source {source!r} is outside the table ({low:g}–{high:g} m); "
                   "extrapolation is not applied", limit=self.id, height=height, source=sid, low=hs[0], high=hs[-1]),
                hint=N_("check the standard's extrapolation rule (GB 16297-1996 Appendix B) and judge by hand"),
            )
        for h0, h1, v0, v1 in zip(hs, hs[1:], vs, vs[1:]):
            if h0 <= height <= h1:
                return v0 + (v1 - v0) * (height - h0) / (h1 - h0)
        return vs[-1]  # pragma: no cover - unreachable, the loop covers the table


#: which sources an ``[[unencoded]]`` entry may concern: ``combustion`` (a source with a reference
#: O2, i.e. a boiler or furnace), ``process`` (a stack without one), ``any`` stack, ``fugitive``
UNENCODED_SOURCES = ("combustion", "process", "any", "fugitive")
#: why an ``[[unencoded]]`` entry has no limit values: the standard is not encoded at all, or the
#: values of some pollutants could not be sourced
UNENCODED_REASONS = ("not_encoded", "value_not_sourced")


@dataclass(frozen=True)
class Unencoded:
    """A standard (or part of one) the catalogue knows may apply but holds no values for: the
    statement names it ("DB32/4385-2022 may apply; its limits are not encoded") instead of the tool
    inventing numbers (verify.measure.unweighed). ``id`` names it in the report's names file
    (verify/report/data/limits.csv) and in results.json ``limits_not_weighed``."""

    id: str
    standard: str
    title: str
    clause: str | None
    pollutants: tuple[str, ...]
    sources: str
    reason: str
    note: str
    source: str
    confidence: str
    force: str
    jurisdiction: Area | None
    scope: str | None
    file: str


@dataclass(frozen=True)
class Catalogue:
    version: str
    sha256: str
    limits: dict[str, Limit]
    o2_references: tuple[dict, ...] = ()
    files: tuple[str, ...] = field(default=())
    unencoded: tuple[Unencoded, ...] = ()

    def get(self, limit_id: str) -> Limit:
        try:
            return self.limits[limit_id]
        except KeyError:
            raise InputError(
                N_("unknown limit id {limit!r}", limit=limit_id),
                hint=N_("ids are listed in verify/measure/data/limits/*.toml (grammar: docs/results.md#limits)"),
            ) from None


def _fail(file: str, entry: dict, message: str) -> InputError:
    return InputError(f"limits catalogue {file}: entry {entry.get('id', '?')!r}: {message}")


def _effective(file: str, entry: dict) -> dict[str, dt.date]:
    """``effective = "2021-08-01"`` → {"all": date}; ``{ new = …, existing = … }`` → per regime."""
    raw = entry.get("effective")
    if raw is None:
        return {}
    items = raw.items() if isinstance(raw, dict) else [("all", raw)]
    out = {}
    for regime, text in items:
        if regime not in ("all", "new", "existing"):
            raise _fail(file, entry, f"effective: regime {regime!r} not in ('new', 'existing')")
        try:
            out[regime] = text if isinstance(text, dt.date) else dt.date.fromisoformat(str(text))
        except ValueError:
            raise _fail(file, entry, f"effective: {text!r} is not a date (YYYY-MM-DD)") from None
    return out


def _legal_status(file: str, table: dict, entry: dict) -> dict:
    """Force, jurisdiction, scope (from the [standard] table, force overridable per entry) and the
    effective dates of one entry; a mandatory limit needs all of them."""
    status = {key: entry.get(key, table.get(key)) for key in STANDARD_KEYS}
    if status["force"] not in FORCES:
        raise _fail(file, entry, f"force {status['force']!r} not in {FORCES}")
    if status["scope"] is not None and status["scope"] not in SCOPES:
        raise _fail(file, entry, f"scope {status['scope']!r} not in {SCOPES}")
    if status["force"] != "none":
        for key in ("force_source", "jurisdiction", "scope"):
            if not status[key]:
                raise _fail(file, entry, f"missing {key} (in [standard] or the entry)")
        if status["force_confidence"] not in ("S", "K"):
            raise _fail(file, entry, "force_confidence must be 'S' or 'K'")
    if status["jurisdiction"] is not None:
        status["jurisdiction"] = parse_area(status["jurisdiction"], f"limits catalogue {file}: jurisdiction")
    status["effective"] = _effective(file, entry)
    if status["force"] in ("mandatory_national", "mandatory_local") and not status["effective"]:
        raise _fail(file, entry, "a mandatory limit needs its effective date(s)")
    return status


def _parse_limit(file: str, standard: str, entry: dict, table: dict | None = None) -> Limit:
    known = set(Limit.__dataclass_fields__) - {"standard", "file", "jurisdiction", "scope"}
    extra = set(entry) - known
    if extra:
        raise _fail(file, entry, f"unknown keys {sorted(extra)}")
    for key in ("id", "clause", "pollutant", "kind", "averaging", "rule", "source", "confidence"):
        if not entry.get(key):
            raise _fail(file, entry, f"missing {key}")
    m = ID_PATTERN.match(entry["id"])
    if not m:
        raise _fail(file, entry, "id does not follow <standard>:<pollutant>:<kind>[:new|existing|special]")
    if not (m["std"] == standard or m["std"].startswith(standard + "-")):
        raise _fail(file, entry, f"id does not start with the file's standard {standard!r}")
    if m["pollutant"] != entry["pollutant"] or m["kind"] != entry["kind"] or m["regime"] != entry.get("regime"):
        raise _fail(file, entry, "id disagrees with pollutant/kind/regime")
    checks = [("kind", KINDS), ("rule", RULES), ("averaging", AVERAGING)]
    for key, allowed in checks:
        if entry[key] not in allowed:
            raise _fail(file, entry, f"{key} {entry[key]!r} not in {allowed}")
    if entry.get("regime") is not None and entry["regime"] not in REGIMES:
        raise _fail(file, entry, f"regime {entry['regime']!r} not in {REGIMES}")
    if entry["confidence"] not in ("S", "K") or entry.get("rule_confidence", "S") not in ("S", "K"):
        raise _fail(file, entry, "confidence must be 'S' or 'K'")
    if entry.get("fugitive_rule") is not None and entry["fugitive_rule"] not in FUGITIVE_RULES:
        raise _fail(file, entry, f"fugitive_rule not in {FUGITIVE_RULES}")
    status = _legal_status(file, table or {}, entry)
    has_value = "value" in entry
    has_table = "heights_m" in entry
    if status["force"] != "none" or entry["kind"] == "efficiency":
        if has_value == has_table:
            raise _fail(file, entry, "give exactly one of value or heights_m/height_values")
        if entry.get("unit") not in UNITS:
            raise _fail(file, entry, f"unit {entry.get('unit')!r} not in {UNITS}")
    if has_table:
        hs, vs = entry["heights_m"], entry.get("height_values", [])
        if len(hs) != len(vs) or len(hs) < 2 or any(b <= a for a, b in zip(hs, hs[1:])):
            raise _fail(file, entry, "heights_m must increase and match height_values")
    if entry.get("direction", "max") not in ("max", "min"):
        raise _fail(file, entry, "direction must be 'max' or 'min'")
    data = {**entry, **status}
    data.setdefault("unit", None)
    data["heights_m"] = tuple(float(h) for h in entry.get("heights_m", ()))
    data["height_values"] = tuple(float(v) for v in entry.get("height_values", ()))
    if "value" in data:
        data["value"] = float(data["value"])
    return Limit(standard=standard, file=file, **data)


def _parse_unencoded(file: str, table: dict, entry: dict) -> Unencoded:
    """One ``[[unencoded]]`` entry: pollutants, the sources it may concern, why it has no values, the
    source and confidence of what is known; force, jurisdiction and scope from the ``[standard]``."""
    allowed = {"id", "clause", "pollutants", "sources", "reason", "note", "source", "confidence"}
    where = {"id": entry.get("id") or f"{table.get('id')} [[unencoded]]"}
    if set(entry) - allowed:
        raise _fail(file, where, f"unknown keys {sorted(set(entry) - allowed)}")
    for key in ("id", "pollutants", "reason", "note", "source", "confidence"):
        if not entry.get(key):
            raise _fail(file, where, f"missing {key}")
    if not str(entry["id"]).startswith(str(table.get("id")) + ":"):
        raise _fail(file, where, "id must start with the file's standard and ':'")
    if entry["reason"] not in UNENCODED_REASONS:
        raise _fail(file, where, f"reason {entry['reason']!r} not in {UNENCODED_REASONS}")
    if entry.get("sources", "any") not in UNENCODED_SOURCES:
        raise _fail(file, where, f"sources {entry.get('sources')!r} not in {UNENCODED_SOURCES}")
    if entry["confidence"] not in ("S", "K"):
        raise _fail(file, where, "confidence must be 'S' or 'K'")
    if table.get("force") not in FORCES or not table.get("jurisdiction") or table.get("scope") not in SCOPES:
        raise _fail(file, where, "the [standard] table needs force, jurisdiction and scope")
    return Unencoded(id=entry["id"], standard=table["id"], title=str(table.get("title") or table["id"]), clause=entry.get("clause"),
                     pollutants=tuple(entry["pollutants"]), sources=entry.get("sources", "any"),
                     reason=entry["reason"], note=entry["note"], source=entry["source"],
                     confidence=entry["confidence"], force=table["force"],
                     jurisdiction=parse_area(table["jurisdiction"], f"limits catalogue {file}: jurisdiction"),
                     scope=table["scope"], file=file)


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    """Read ``verify/measure/data/limits/*.toml`` into a :class:`Catalogue` (cached)."""
    folder = resources.files("verify.measure").joinpath("data", "limits")
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".toml"))
    digest = hashlib.sha256()
    limits: dict[str, Limit] = {}
    o2_refs: list[dict] = []
    unencoded: list[Unencoded] = []
    version = None
    for name in names:
        raw = folder.joinpath(name).read_bytes()
        digest.update(name.encode() + b"\0" + raw + b"\0")
        data = tomllib.loads(raw.decode("utf-8"))
        if name == "catalogue.toml":
            version = data["version"]
            continue
        standard = data["standard"]["id"]
        for entry in data.get("limit", []):
            lim = _parse_limit(name, standard, entry, data["standard"])
            if lim.id in limits:
                raise _fail(name, entry, f"duplicate id (also in {limits[lim.id].file})")
            limits[lim.id] = lim
        unencoded += [_parse_unencoded(name, data["standard"], entry) for entry in data.get("unencoded", [])]
        for ref in data.get("o2_reference", []):
            if not ref.get("source") or ref.get("confidence") not in ("S", "K"):
                raise InputError(f"limits catalogue {name}: o2_reference {ref.get('fuel')!r} needs source and confidence")
            o2_refs.append({"standard": standard, **ref})
    if version is None:
        raise InputError("limits catalogue: catalogue.toml with a version is missing")
    return Catalogue(version=version, sha256=digest.hexdigest(), limits=limits, o2_references=tuple(o2_refs),
                     files=tuple(names), unencoded=tuple(unencoded))


def o2_reference(standard: str, fuel: str, catalogue: Catalogue | None = None) -> dict:
    """The reference O2 entry of a standard for a fuel (e.g. ``("GB13271-2014", "coal")`` → 9 %)."""
    cat = catalogue or load_catalogue()
    for ref in cat.o2_references:
        if ref["standard"] == standard and ref["fuel"] == fuel:
            return ref
    known = ", ".join(f"{r['standard']}/{r['fuel']}" for r in cat.o2_references)
    raise InputError(N_("no reference O2 for {standard} and fuel {fuel!r} (known: {known})", standard=standard, fuel=fuel,
                        known=known))


def check_fits_source(limit: Limit, source: Source, cat: Catalogue) -> None:
    """:class:`InputError` when ``limit`` cannot apply to ``source`` (stack vs fugitive, role,
    regime, special limits, reference O2)."""
    at = {"source": source.id, "limit": limit.id}
    if source.kind == "stack" and limit.kind not in STACK_KINDS:
        raise InputError(N_("source {source!r} lists limit {limit}, a {kind} limit, but it is a stack", kind=limit.kind, **at))
    if source.kind == "fugitive":
        if limit.kind in STACK_KINDS:
            raise InputError(N_("source {source!r} lists limit {limit}, a stack ({kind}) limit, but it is a fugitive point",
                                kind=limit.kind, **at))
        if limit.kind.startswith("inplant") and source.role != "in-plant":
            raise InputError(N_("source {source!r} lists limit {limit}, an in-plant limit, but its role is {role}",
                                role=source.role, **at))
        if limit.kind == "fugitive" and source.role == "in-plant":
            raise InputError(N_("source {source!r} lists limit {limit}, a boundary limit, but it is an in-plant point", **at))
    if limit.regime in ("new", "existing") and source.regime is not None and source.regime != limit.regime:
        raise InputError(N_("source {source!r} lists limit {limit} for {regime} sources, but its regime is {own}",
                            regime=limit.regime, own=source.regime, **at))
    if limit.regime == "special" and not source.special_limits:
        raise InputError(N_("source {source!r} lists limit {limit} (special limits), but special_limits is false", **at))
    special_id = ":".join(limit.id.split(":")[:3]) + ":special"
    if limit.regime != "special" and source.special_limits and special_id in cat.limits:
        # special limits replace the ordinary ones where the case says they apply
        raise InputError(N_("source {source!r} lists limit {limit} (ordinary limits), but special_limits is true", **at),
                         hint=N_("list {limit} instead", limit=special_id))
    if limit.metric == "concentration_ppmc" and not source.report_ppmc:
        raise InputError(N_("source {source!r} lists limit {limit}, which is in ppmC, but the source does not set "
                            "report_ppmc = true", **at),
                         hint=N_("report_ppmc = true adds the ppmC endpoint (metric concentration_ppmc) the limit judges"))
    if limit.kind == "conc" and limit.reference_o2_pct is not None and source.reference_o2_pct != limit.reference_o2_pct:
        have = N_("no reference_o2_pct") if source.reference_o2_pct is None else \
            N_("reference_o2_pct = {o2:g}", o2=source.reference_o2_pct)
        raise InputError(N_("source {source!r} lists limit {limit}, which is at {o2:g} % O2, but the source has {have}",
                            o2=limit.reference_o2_pct, have=have, **at))


def applicable_limits(
    source: Source | Iterable[Source],
    pollutant: str,
    metric: str,
    catalogue: Catalogue | None = None,
    *,
    unit: str | None = None,
    as_species: str | None = None,
) -> list[Limit]:
    """The limits that apply to one endpoint, from the ``limits`` ids of its source(s).

    ``source`` is a :class:`~verify.case.Source` or, for the fugitive ``boundary`` group, the
    group's sources (their ids are pooled). Every listed id must exist and fit its source (stack
    vs fugitive, role, regime, special limits, reference O2), else :class:`InputError` naming the
    id. Of those, the limits of this ``pollutant`` and ``metric`` are returned, sorted by id; if
    ``unit`` or ``as_species`` is given, a returned limit in another unit or basis is a
    :class:`UnitError` naming the id (a ppmC limit cannot judge mg/m3 values).
    """
    cat = catalogue or load_catalogue()
    sources = [source] if isinstance(source, Source) else list(source)
    found: dict[str, Limit] = {}
    for src in sources:
        for limit_id in src.limits:
            limit = cat.get(limit_id)
            check_fits_source(limit, src, cat)
            if limit.pollutant == pollutant and limit.metric == metric:
                found[limit.id] = limit
    out = [found[k] for k in sorted(found)]
    for limit in out:
        if unit is not None and limit.unit is not None and limit.unit != unit:
            raise UnitError(N_("limit {limit} is in {unit} but the endpoint is in {endpoint_unit}", limit=limit.id,
                               unit=limit.unit, endpoint_unit=unit))
        if as_species is not None and limit.basis is not None and limit.basis != as_species:
            raise UnitError(N_("limit {limit} is for {pollutant} as {basis} but the endpoint is as {species}", limit=limit.id,
                               pollutant=limit.pollutant, basis=limit.basis, species=as_species))
    return out


def _values(values: Any) -> tuple[list[float], list[bool]] | None:
    """(values, censored) of a phase: from Readings, PhaseRuns, or a plain sequence."""
    if values is None:
        return None
    if hasattr(values, "values") and hasattr(values, "censored") and not isinstance(values, dict):
        vals, cens = list(values.values), list(values.censored)
    else:
        vals = list(values)
        cens = [False] * len(vals)
    keep = [(float(v), bool(c)) for v, c in zip(vals, cens) if v is not None and not math.isnan(float(v))]
    return [v for v, _ in keep], [c for _, c in keep]


def _judge_phase(limit: Limit, value: float, data: tuple[list[float], list[bool]] | None, means_only: bool = False) -> dict:
    if data is None or not data[0]:
        return {"complies": None, "exceedances": None, "undetermined": None, "n": 0 if data is not None else None}
    vals, cens = data

    def over(v: float) -> bool:
        return v < value if limit.direction == "min" else v > value

    if limit.rule == "mean_of_runs":
        mean = sum(vals) / len(vals)
        exceed = over(mean)
        # with non-detects the mean is a bound on the compliant side; if it still fails, undetermined
        undetermined = exceed and any(cens)
        complies = None if undetermined else not exceed
        return {"complies": complies, "exceedances": sum(over(v) and not c for v, c in zip(vals, cens)),
                "undetermined": int(undetermined), "n": len(vals), "mean": mean}
    exceed = sum(over(v) and not c for v, c in zip(vals, cens))
    if means_only:
        # a run mean above the limit proves a single reading above it; a mean below proves nothing
        undetermined = len(vals) - exceed
    else:
        undetermined = sum(over(v) and c for v, c in zip(vals, cens))
    complies = False if exceed else (None if undetermined else True)
    return {"complies": complies, "exceedances": exceed, "undetermined": undetermined, "n": len(vals)}


def judge(limit: Limit, before_values: Any, after_values: Any, source: Source | None = None) -> dict:
    """Compliance of each phase with a limit, as the ``limits`` items of results.json.

    ``before_values``/``after_values``: a sequence of run values in the limit's unit, or a
    :class:`~verify.measure.series.PhaseRuns` or :class:`~verify.measure.series.Readings` (whose
    ``censored`` flags are used), or None for a phase without values (its ``complies`` and
    ``exceedances`` are null). NaN values are ignored. An ``each_reading`` limit (GB 37822 "any
    single value") needs :class:`Readings` (``EndpointData.samples[phase]``); given run means instead,
    a mean above the limit still counts as an exceedance but a mean below it is undetermined,
    never "complies", and a ``note`` says so.

    Rules: ``each_run`` and ``each_reading``: complies when no value exceeds the limit;
    ``exceedances`` counts the values that do. ``mean_of_runs`` (40 CFR 60.8(f)): complies when the
    arithmetic mean does not exceed it; ``exceedances`` still counts single runs above the limit
    and ``mean`` is added. A non-detect (value = detection limit) on the wrong side of the limit is
    ``undetermined``: complies is then null unless another value already exceeds. A limit without a
    value (``force = "none"``, "no legal limit") gives value null and complies null. ``source`` is
    needed for stack-height rate tables. Whether the limit binds the plant is added by the caller
    (:mod:`verify.measure.binding`).
    """
    value = limit.value_for(source) if limit.value is not None or limit.heights_m else None
    out: dict[str, Any] = {
        "id": limit.id,
        "value": value,
        "unit": limit.unit,
        "averaging": limit.averaging,
        "rule": limit.rule,
    }
    phases = {"before": _values(before_values), "after": _values(after_values)}
    if value is None:
        results = {p: {"complies": None, "exceedances": None, "undetermined": None, "n": None if d is None else len(d[0])} for p, d in phases.items()}
    else:
        means_only = {p: limit.rule == "each_reading" and v is not None and not isinstance(v, Readings)
                      for p, v in (("before", before_values), ("after", after_values))}
        results = {p: _judge_phase(limit, value, d, means_only[p]) for p, d in phases.items()}
        if any(means_only.values()):
            out["note"] = ("single-value limit judged on run means, not on single readings: a run mean above the "
                           "limit is an exceedance, one below it is undetermined (pass EndpointData.samples)")
    out["complies"] = {p: r["complies"] for p, r in results.items()}
    out["exceedances"] = {p: r["exceedances"] for p, r in results.items()}
    out["undetermined"] = {p: r["undetermined"] for p, r in results.items()}
    out["n"] = {p: r["n"] for p, r in results.items()}
    if limit.rule == "mean_of_runs":
        out["mean"] = {p: r.get("mean") for p, r in results.items()}
    out.update(
        {
            "standard": limit.standard,
            "clause": limit.clause,
            "basis": limit.basis,
            "direction": limit.direction,
            "reference_state": limit.reference_state,
            "reference_o2_pct": limit.reference_o2_pct,
            "height_m": None if not limit.heights_m or source is None else source.height_m,
            "source": limit.source,
            "confidence": limit.confidence,
            "force": limit.force,
            "jurisdiction": None if limit.jurisdiction is None else limit.jurisdiction.to_dict(),
            "scope": limit.scope,
            "effective": {regime: day.isoformat() for regime, day in limit.effective.items()},
            "force_source": limit.force_source,
            "force_confidence": limit.force_confidence,
        }
    )
    return out


def fugitive_rule(sources: Sequence[Source], pollutant: str, catalogue: Catalogue | None = None) -> str:
    """The fugitive evaluation rule for a group of fugitive points, from their applicable limits.

    ``max_downwind`` (GB 16297 周界外浓度最高点) unless a listed limit says otherwise; in-plant
    points use ``inplant_1h``. Two limits asking for different rules are an :class:`InputError`.
    """
    cat = catalogue or load_catalogue()
    rules = set()
    for src in sources:
        for limit_id in src.limits:
            lim = cat.get(limit_id)
            if lim.pollutant == pollutant and lim.metric == "fugitive" and lim.fugitive_rule:
                rules.add(lim.fugitive_rule)
    if any(s.role == "in-plant" for s in sources):
        rules.discard("inplant_1h")
        if rules:
            raise InputError(N_("in-plant point(s) {sources} list a boundary rule for {pollutant}",
                                sources=", ".join(s.id for s in sources), pollutant=pollutant))
        return "inplant_1h"
    if len(rules) > 1:
        raise InputError(N_("the boundary limits for {pollutant} ask for different rules: {rules}", pollutant=pollutant,
                            rules=", ".join(sorted(rules))))
    return rules.pop() if rules else "max_downwind"
