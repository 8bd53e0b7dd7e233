"""One endpoint's statistics: ``analyse_endpoint(data) -> EndpointStats``, dispatching on design.

Every statistic is defined in ``docs/results.md``; the formulas and their sources are in
the modules that compute them: :mod:`.twosample` (Welch, permutation, Mann–Whitney), :mod:`.ratio`
(Fieller–Welch, ratio of geometric means), :mod:`.power` (MDR), :mod:`.censored` (Kaplan–Meier,
Gehan), :mod:`.paired` (inlet/outlet), :mod:`.continuous` (hourly means, HAC, SARIMAX).

Policies decided here:

* fewer than two runs in a phase → ``status = "insufficient_data"``: means and ``reduction_pct`` are
  still given when they exist, but no p-value, no interval and no MDR;
* any non-detect in a before–after endpoint → Kaplan–Meier means, ``tests.censored`` (Gehan) and the
  censored values listed in a caveat; Welch, permutation, Mann–Whitney, the Fieller interval, the
  ratio of geometric means and the MDR are null, because each would need a substituted value;
* warnings raised by numpy/scipy/statsmodels while computing become ``warning`` caveats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from verify.errors import InputError
from verify.jsonvalues import clean
from verify.measure.series import EndpointData, EndpointKey, PhaseRuns
from verify.stats import censored as cens
from verify.stats import paired as pair
from verify.stats import power as pw
from verify.stats import ratio as rt
from verify.stats import twosample as ts
from verify.stats.caveats import Caveat, caveat, warnings_as_caveats
from verify.stats.spread import common_scale, unscale
from verify.sentences import fmt, fmt_limit_value, fmt_p, unit_text

PHASES = ("before", "after")


@dataclass(frozen=True)
class PhaseStats:
    """The ``before``/``after`` block of an endpoint (``extra`` holds added keys, e.g. for continuous data)."""

    n: int
    runs: tuple[str, ...]
    values: tuple[float, ...]
    censored: tuple[bool, ...]
    mean: float | None
    sd: float | None
    mean_method: str
    hours: tuple[str, ...] | None = None
    capture_pct: float | None = None
    extra: tuple[tuple[str, Any], ...] = ()

    def to_dict(self) -> dict:
        out = {"n": self.n, "runs": list(self.runs), "values": list(self.values), "censored": list(self.censored),
               "mean": self.mean, "sd": self.sd, "mean_method": self.mean_method}
        if self.hours is not None:
            out["hours"] = list(self.hours)
            out["capture_pct"] = self.capture_pct
        out.update(dict(self.extra))
        return clean(out)


@dataclass(frozen=True)
class EndpointStats:
    """Statistics of one endpoint; ``to_dict()`` gives the statistical keys of a results.json endpoint."""

    source: str
    position: str | None
    pollutant: str
    metric: str
    design: str
    unit: str
    status: str
    before: PhaseStats | None
    after: PhaseStats | None
    reduction_pct: float | None = None
    #: run designs with a non-detect: "lower" / "upper" when one phase's mean is an upper bound (the
    #: reduction is then at least / at most reduction_pct), None when it is an estimate or unbounded
    reduction_bound: str | None = None
    reduction_ci95: tuple[float, float] | None = None
    gm_ratio: float | None = None
    gm_ratio_ci95: tuple[float, float] | None = None
    mdr_pct: float | None = None
    mdr_basis: Mapping[str, Any] | None = None
    tests: Mapping[str, Any] = field(default_factory=dict)
    caveats: tuple[Caveat, ...] = ()
    pairs: Mapping[str, Any] | None = None
    efficiency: Mapping[str, Any] | None = None
    # Inputs kept for judging claims (not part of to_dict()).
    log_ratios: Mapping[str, tuple[float, ...]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def key(self) -> EndpointKey:
        return EndpointKey.of(self.source, self.position, self.pollutant, self.metric)

    @property
    def any_censored(self) -> bool:
        return any(any(p.censored) for p in (self.before, self.after) if p is not None)

    def to_dict(self) -> dict:
        out = {
            "status": self.status,
            "before": self.before.to_dict() if self.before else None,
            "after": self.after.to_dict() if self.after else None,
            "reduction_pct": self.reduction_pct,
            "reduction_ci95": self.reduction_ci95,
            "gm_ratio": self.gm_ratio,
            "gm_ratio_ci95": self.gm_ratio_ci95,
            "mdr_pct": self.mdr_pct,
            "mdr_basis": self.mdr_basis,
            "tests": dict(self.tests),
            "caveats": [c.to_dict() for c in self.caveats],
        }
        if self.design == "before-after" and self.any_censored:
            out["reduction_bound"] = self.reduction_bound
        if self.design == "inlet-outlet":
            out["pairs"] = self.pairs
            out["efficiency"] = self.efficiency
        return clean(out)


def analyse_endpoint(data: EndpointData, *, alpha: float = 0.05, power: float = 0.8) -> EndpointStats:
    """Compute the statistics of one endpoint (see module docstring for the policies)."""
    analyses = {"before-after": _run_based, "inlet-outlet": _inlet_outlet, "continuous": _continuous}
    if data.design not in analyses:
        raise InputError(f"endpoint {data.key}: unknown design {data.design!r} (expected {', '.join(analyses)})")
    warned: list[Caveat] = []
    with warnings_as_caveats(warned):
        fields, notes = analyses[data.design](data, alpha, power)
    notes += warned
    return EndpointStats(
        source=data.source, position=data.position, pollutant=data.pollutant, metric=data.metric,
        design=data.design, unit=data.unit, caveats=tuple(notes), **fields,
    )


# --------------------------------------------------------------------------- run-based


def _phase_stats(runs: PhaseRuns | None, key: tuple = (), phase: str = "", *, right_censored: bool = False) -> PhaseStats | None:
    """A phase's block. Censored values are left-censored ("<DL": concentrations, rates) unless
    ``right_censored`` (removal efficiencies with an outlet below its detection limit: "≥ value")."""
    if runs is None:
        return None
    v = np.asarray(runs.values, float)
    bad = [r for r, x in zip(runs.runs, v) if not math.isfinite(x)]
    if bad:
        raise InputError(f"endpoint {key}: {phase} run(s) {', '.join(bad)} have no finite value")
    c = np.asarray(runs.censored, bool)
    n = runs.n
    extra: tuple = ()
    if n == 0:
        return PhaseStats(0, (), (), (), None, None, "arithmetic")
    (scaled,), e = common_scale(v)  # values up to 1.8e308: sums and squares on a power-of-two scale
    if c.any() and right_censored:
        mean, sd, restricted = cens.km_mean_right(scaled, c)
        method = "kaplan-meier-right"
        extra = (("mean_bound", "lower" if restricted else None),)
    elif c.any():
        mean, sd = cens.km_mean(scaled, c)
        method = "kaplan-meier"
        extra = (("mean_bound", "upper" if cens.km_mean_is_upper_bound(v, c) else None),)
    else:
        mean, sd, method = float(scaled.mean()), (float(scaled.std(ddof=1)) if n >= 2 else None), "arithmetic"
    mean, sd = unscale(mean, e), unscale(sd, e)
    return PhaseStats(n, tuple(runs.runs), tuple(float(x) for x in v), tuple(bool(x) for x in c), mean, sd, method,
                      extra=extra)


def _n(p: PhaseStats | PhaseRuns | None) -> int:
    return 0 if p is None else p.n


def _reduction(before: PhaseStats | None, after: PhaseStats | None, notes: list) -> float | None:
    if before is None or after is None or before.mean is None or after.mean is None:
        return None
    if before.mean <= 0:
        notes.append(caveat("nonpositive_mean"))
        return None
    return 100 * (1 - after.mean / before.mean)


def _upper_mean_phases(before: PhaseStats | None, after: PhaseStats | None) -> list[str]:
    return [ph for ph, p in (("before", before), ("after", after)) if p is not None and dict(p.extra).get("mean_bound") == "upper"]


def _reduction_bound(before: PhaseStats | None, after: PhaseStats | None) -> str | None:
    """Which side of the reduction 100 (1 − after/before) is sure when a phase's Kaplan–Meier mean
    is an upper bound (:func:`verify.stats.censored.km_mean_is_upper_bound`): the after mean too high
    makes the reduction too low ("lower": at least reduction_pct), the before mean too high makes it
    too high ("upper"); both or neither: no bound."""
    upper = _upper_mean_phases(before, after)
    if upper == ["after"]:
        return "lower"
    return "upper" if upper == ["before"] else None


def _common_notes(data: EndpointData, nb: int, na: int, notes: list) -> None:
    flagged = [f"{ph}:{r}" for ph, runs in (("before", data.before), ("after", data.after)) if runs
               for r, f in zip(runs.runs, runs.flagged) if f]
    if flagged:
        notes.append(caveat("flagged_runs", runs=", ".join(flagged)))
    excluded = [f"{ph}:{r}" for ph, runs in (("before", data.before), ("after", data.after)) if runs
                for r in runs.excluded]
    if excluded:
        notes.append(caveat("excluded_runs", runs=", ".join(excluded)))


def _insufficient(nb: int, na: int) -> Caveat:
    phase = "before" if nb < 2 else "after"
    return caveat("insufficient_data", phase=phase, n_before=nb, n_after=na)


def _run_based(data: EndpointData, alpha: float, power: float) -> tuple[dict, list]:
    before, after = _phase_stats(data.before, data.key, "before"), _phase_stats(data.after, data.key, "after")
    nb, na = _n(before), _n(after)
    notes: list[Caveat] = []
    out: dict[str, Any] = {"before": before, "after": after, "status": "ok"}
    any_cens = any(p is not None and any(p.censored) for p in (before, after))
    tests: dict[str, Any] = {"welch_t": None, "permutation": None, "mann_whitney": None}
    if any_cens:
        tests["censored"] = None
    out["tests"] = tests
    out["reduction_pct"] = _reduction(before, after, notes)
    out["reduction_bound"] = _reduction_bound(before, after)
    if nb < 2 or na < 2:
        out["status"] = "insufficient_data"
        notes.insert(0, _insufficient(nb, na))
        _common_notes(data, nb, na, notes)
        return out, notes
    if min(nb, na) < 3:
        notes.append(caveat("small_n", n_before=nb, n_after=na))
    b, a = np.asarray(before.values), np.asarray(after.values)
    if any_cens:
        measured = data.metric in ("concentration", "fugitive")
        listed = [(f"{ph}:{r}", f"<{fmt_limit_value(v, measured)}") for ph, p in (("before", before), ("after", after))
                  for r, v, c in zip(p.runs, p.values, p.censored) if c]
        per_lang = {lang: ", ".join(f"{run} {value}\u00a0{unit_text(data.unit, lang, data.normal_state)}"
                                    for run, value in listed) for lang in ("ja", "zh")}
        notes.append(caveat("censored_values", values=per_lang["zh"], values_ja=per_lang["ja"],
                            values_zh=per_lang["zh"]))
        notes += [caveat("censored_mean_upper", phase=ph) for ph in _upper_mean_phases(before, after)]
        for ph, p in (("before", before), ("after", after)):
            if all(p.censored):
                notes.append(caveat("all_censored", phase=ph))
        tests["censored"] = cens.gehan_test(b, before.censored, a, after.censored)
        if tests["censored"]["method"] != "exact":
            notes.append(caveat("permutation_sampled", relabelings=tests["censored"]["relabelings"],
                                seed=tests["censored"]["seed"], draws=ts.DRAWS))
        _exact_min_note(nb, na, alpha, notes)
        _common_notes(data, nb, na, notes)
        return out, notes
    tests["welch_t"] = ts.welch_t(b, a)
    if tests["welch_t"] is None:
        # no run-to-run variability at all (every run of each phase identical): nothing can be said
        # about how sure the effect is, so no p-value or interval (docs/reliability.md#bad-inputs row 39)
        out["status"] = "insufficient_data"
        notes.append(caveat("constant_data"))
        _common_notes(data, nb, na, notes)
        return out, notes
    means = rt.TwoMeans.from_values(b, a)
    ci = rt.fieller_interval(means, 0.95)
    if ci is not None:
        lo, hi = ci
        out["reduction_ci95"] = (100 * (1 - hi), 100 * (1 - lo))
        if lo < 0:
            notes.append(caveat("ci_beyond_100"))
    elif means.usable:
        notes.append(caveat("ci_unbounded"))
    ratio, ratio_ci = rt.gm_ratio(b, a)
    if ratio is None:
        notes.append(caveat("nonpositive_values"))
    out["gm_ratio"], out["gm_ratio_ci95"] = ratio, ratio_ci
    tests["permutation"] = ts.permutation_test(b, a)
    if tests["permutation"] is not None and not tests["permutation"]["exact"]:
        notes.append(caveat("permutation_sampled", relabelings=tests["permutation"]["relabelings"],
                            seed=tests["permutation"]["seed"], draws=ts.DRAWS))
    tests["mann_whitney"] = ts.mann_whitney(b, a)
    if tests["mann_whitney"] is not None and tests["mann_whitney"]["method"] != "exact":
        notes.append(caveat("mann_whitney_normal"))
    _exact_min_note(nb, na, alpha, notes)
    observed = pw.observed_mdr(b, a, alpha=alpha, power=power)
    if observed is not None:
        out["mdr_pct"], out["mdr_basis"] = observed
        welch = tests["welch_t"]
        if welch is not None and welch["p_value"] >= alpha:
            notes.append(caveat("low_power", cv=fmt(100 * observed[1]["cv"]), mdr=fmt(observed[0])))
    _common_notes(data, nb, na, notes)
    return out, notes


def _exact_min_note(nb: int, na: int, alpha: float, notes: list) -> None:
    p_min = ts.min_exact_p(nb, na)
    if p_min >= alpha:
        notes.append(caveat("exact_min_p", n_before=nb, n_after=na, p_min=fmt_p(p_min), alpha=fmt_p(alpha)))


# --------------------------------------------------------------------------- inlet-outlet


def _inlet_outlet(data: EndpointData, alpha: float, power: float) -> tuple[dict, list]:
    before = _phase_stats(data.before, data.key, "before", right_censored=True)
    after = _phase_stats(data.after, data.key, "after", right_censored=True)
    notes: list[Caveat] = []
    pairs: dict[str, Any] = {}
    efficiency: dict[str, Any] = {}
    ratios: dict[str, tuple[float, ...]] = {}
    censored_runs = []
    for ph in PHASES:
        pr = data.paired.get(ph)
        if pr is None or len(pr.runs) == 0:
            pairs[ph], efficiency[ph] = None, None
            continue
        pairs[ph] = list(pr.runs)
        censored_runs += [f"{ph}:{r}" for r, co in zip(pr.runs, pr.outlet_censored or [False] * len(pr.runs)) if co]
        d = pair.log_ratios(pr.inlet, pr.outlet)
        if d is None:
            notes.append(caveat("nonpositive_rates", phase=ph))
            efficiency[ph] = None
            continue
        ratios[ph] = tuple(float(x) for x in d)
        efficiency[ph] = pair.efficiency_summary(d)
    if data.unmatched:
        notes.append(caveat("unmatched_runs", runs=", ".join(data.unmatched)))
    if data.censored_inlet:
        notes.append(caveat("censored_inlet_excluded", runs=", ".join(data.censored_inlet)))
    if censored_runs:
        restricted = [ph for ph, p in (("before", before), ("after", after)) if p is not None and dict(p.extra).get("mean_bound")]
        notes.append(caveat("censored_efficiency", runs=", ".join(censored_runs)))
        for ph in restricted:
            notes.append(caveat("censored_efficiency_largest", phase=ph))
    phase = next((ph for ph in ("after", "before") if len(ratios.get(ph, ())) >= 2), None)
    out: dict[str, Any] = {"before": before, "after": after, "pairs": pairs, "efficiency": efficiency,
                           "log_ratios": ratios}
    tests: dict[str, Any] = {"paired_t": None, "signed_rank": None}
    out["tests"] = tests
    if phase is None:
        out["status"] = "insufficient_data"
        nb, na = len(ratios.get("before", ())), len(ratios.get("after", ()))
        notes.insert(0, caveat("insufficient_data", phase="after" if na < 2 else "before", n_before=nb, n_after=na))
        return out, notes
    out["status"] = "ok"
    d = np.asarray(ratios[phase])
    notes.append(caveat("paired_phase", phase=phase, n=len(d)))
    t = pair.paired_t(d)
    if t is None:
        notes.append(caveat("constant_data"))
    else:
        t["phase"] = phase
    tests["paired_t"] = t
    sr = pair.signed_rank(d)
    if sr is not None:
        sr["phase"] = phase
        if sr["method"] == "exact" and 1 / 2 ** sr["n"] >= alpha:
            notes.append(caveat("signed_rank_min_p", n=sr["n"], p_min=fmt_p(1 / 2 ** sr["n"]), alpha=fmt_p(alpha)))
    tests["signed_rank"] = sr
    return out, notes


# --------------------------------------------------------------------------- continuous


def _continuous(data: EndpointData, alpha: float, power: float) -> tuple[dict, list]:
    # imported here: statsmodels.api (HAC, SARIMAX) costs ~0.5 s of import that a run-based case
    # never needs (docs/performance.md (e))
    from verify.stats import continuous as cont

    table = cont.hourly_table(data)
    frame = table.frame
    notes: list[Caveat] = [caveat("continuous_design")]
    phases: dict[str, PhaseStats | None] = {}
    for ph in PHASES:
        g = frame[frame["phase"] == ph]
        if len(g) == 0:
            phases[ph] = None
            continue
        ok = g[g["valid"]]
        vals = ok["value"].to_numpy(float)
        hours = tuple(h.isoformat() for h in ok["hour"])
        extra = (("readings", int(g["n_readings"].sum())), ("readings_invalid", table.invalid_readings.get(ph, 0)),
                 ("hours_invalid", int((~g["valid"]).sum())), ("reading_interval_min", table.interval_min))
        phases[ph] = PhaseStats(
            n=len(vals), runs=hours, values=tuple(float(x) for x in vals), censored=(False,) * len(vals),
            mean=float(vals.mean()) if len(vals) else None, sd=float(vals.std(ddof=1)) if len(vals) >= 2 else None,
            mean_method="arithmetic", hours=hours, capture_pct=100 * len(vals) / table.span_hours[ph], extra=extra,
        )
    before, after = phases["before"], phases["after"]
    nb, na = _n(before), _n(after)
    hours_invalid = int((~frame["valid"]).sum())
    readings_invalid = sum(table.invalid_readings.values())
    if hours_invalid or readings_invalid:
        notes.append(caveat("invalid_hours", hours=f"{hours_invalid:,}", readings=f"{readings_invalid:,}"))
    tests: dict[str, Any] = {"welch_t": None, "permutation": None, "mann_whitney": None, "hac_ols": None, "sarimax": None}
    out: dict[str, Any] = {"before": before, "after": after, "tests": tests, "status": "ok"}
    out["reduction_pct"] = _reduction(before, after, notes)
    valid = frame[frame["valid"]]
    positive = valid[valid["value"] > 0]
    if len(positive) < len(valid):
        notes.append(caveat("nonpositive_hours", hours=len(valid) - len(positive)))
    pos_n = positive["phase"].value_counts()
    if nb < 2 or na < 2 or pos_n.get("before", 0) < 2 or pos_n.get("after", 0) < 2:
        out["status"] = "insufficient_data"
        notes.insert(0, _insufficient(nb, na) if (nb < 2 or na < 2) else _insufficient(pos_n.get("before", 0), pos_n.get("after", 0)))
        return out, notes
    load = positive["load"]
    use_load = bool(load.notna().all() and load.std(ddof=0) > 0)
    if load.notna().any() and not load.notna().all():
        notes.append(caveat("load_not_used"))
    hac = cont.hac_ols(positive, use_load)
    tests["hac_ols"] = hac
    try:
        sar, messages = cont.sarimax_effect(positive, use_load)
    except (ValueError, np.linalg.LinAlgError) as exc:
        sar, messages = None, [f"SARIMAX: {exc}"]
    tests["sarimax"] = sar
    if sar is not None and not sar["converged"]:
        notes.append(caveat("sarimax_not_converged"))
    for m in dict.fromkeys(messages):
        if m != "convergence":
            notes.append(caveat("warning", message=m))
    return out, notes
