"""The language-neutral view model of the report: what results.json holds, selected, grouped and
with every number formatted once (:mod:`verify.report.fmt`), so both halves carry the same digits.
Units stay as results.json writes them; each language typesets them (:meth:`Lang.unit`).

Reads the results dict only; recomputes nothing.
"""

from __future__ import annotations

from collections import Counter, OrderedDict

from verify.errors import RenderError
from verify.report.fmt import (DASH, fmt_bound, fmt_date, fmt_int, fmt_interval, fmt_measured, fmt_num, fmt_p,
                               fmt_pct, fmt_plain, fmt_ratio_interval)

PHASES = ("before", "after")
#: At most this many ledger entries are listed one by one in the annex (rejected first); all are
#: counted by file, reason and outcome in section 4, and all are in the intake ledger (ledger.csv).
MAX_LEDGER_ROWS = 20


def get(d, *keys, default=None):
    """``d[k1][k2]…`` or ``default`` when a level is missing or not a dict."""
    for key in keys:
        if not isinstance(d, dict):
            return default
        d = d.get(key)
        if d is None:
            return default
    return d


def with_keys(d, keys: tuple[str, ...], default=None) -> dict:
    """``d`` with every key of ``keys`` present (optional results keys become None)."""
    d = d if isinstance(d, dict) else {}
    return {**{k: default for k in keys}, **d}


def _items(results: dict, key: str) -> list[dict]:
    return [x for x in results.get(key) or [] if isinstance(x, dict)]


# --------------------------------------------------------------------------------------------
# Endpoints
# --------------------------------------------------------------------------------------------
def _reduction_text(ep: dict) -> str:
    """The reduction in %; from an upper-bound mean it is itself a bound, rounded outward: "≥" (after
    mean "<") or "≤" (before mean "<")."""
    if ep.get("reduction_pct") is None:
        return fmt_pct(None)
    mark = {"lower": "≥", "upper": "≤"}.get(ep.get("reduction_bound"), "")
    return fmt_bound(ep["reduction_pct"], mark, decimals=1) + "%"


def _phase_view(ph: dict | None) -> dict:
    ph = ph or {}
    values = ph.get("values") or []
    censored = list(ph.get("censored") or [])
    censored += [False] * (len(values) - len(censored))
    decimals = list(ph.get("decimals") or [])
    decimals += [None] * (len(values) - len(decimals))
    shown = [fmt_measured(v, d, c) for v, c, d in zip(values, censored, decimals)]
    # a restricted Kaplan–Meier mean of right-censored efficiencies is a lower bound: printed "≥"; a
    # Kaplan–Meier mean of left-censored values whose smallest value is the non-detect is an upper bound: "<"
    mean = fmt_bound(ph.get("mean"), {"lower": "≥", "upper": "<"}.get(ph.get("mean_bound"), ""))
    return {"n": fmt_int(ph.get("n")), "n_raw": ph.get("n"), "mean": mean if ph.get("mean") is not None else DASH,
            "sd": fmt_num(ph.get("sd")), "values": shown, "method": ph.get("mean_method") or "",
            "kaplan_meier": str(ph.get("mean_method") or "").startswith("kaplan-meier"), "censored": any(censored),
            "upper_bound": ph.get("mean_bound") == "upper",
            "capture": fmt_pct(ph.get("capture_pct")), "readings": fmt_int(ph.get("readings")),
            "readings_invalid": fmt_int(ph.get("readings_invalid")),
            "hours_invalid": fmt_int(ph.get("hours_invalid")),
            "interval_min": fmt_plain(ph.get("reading_interval_min"))}


def _binding(lim: dict) -> dict:
    """Per phase, whether the limit binds the plant (results.json ``binding``: mandatory, the plant's
    jurisdiction, in force, first in precedence; docs/results.md "Binding limits"). A limit without
    that key binds where it is ``legal``. A non-binding limit is a benchmark, never 超标/超過."""
    per_phase = lim.get("binding")
    if isinstance(per_phase, dict):
        return {ph: per_phase.get(ph) is True for ph in PHASES}
    return {ph: lim.get("legal") is not False for ph in PHASES}


#: How a limit's comparison is worded in a phase, from results.json ``binding``/``binding_reason``:
#: ``bind`` 达标/超标 (binds the plant), ``prov`` a provisional comparison, no verdict, with the limit
#: that comes first among the listed ones but whose value is not confirmed (``value_unconfirmed``) or
#: which a standard not weighed may take precedence over (``may_be_superseded``), or whose runs are
#: not the 1-hour means it is defined on (``not_hourly_mean``), ``bench`` a benchmark comparison.
#: The limits table words ``prov`` as ``bench`` (参照值 … 满足/未满足参照值, 参考値 … 満たす/満たさない;
#: templates/limit_cell.html.j2); the charts draw it with its own line.
STATUS_BY_REASON = {"value_unconfirmed": "prov", "may_be_superseded": "prov", "not_hourly_mean": "prov"}
#: A chart's legend entry for a limit line, from its reasons over the phases (first that applies):
#: ``bind``; ``prov`` (first among the listed limits, no verdict); ``superseded`` (mandatory, a listed limit comes
#: first); ``bench`` (not binding on this plant: recommended, informative, other area, …).
LEGEND_ORDER = ("bind", "prov", "superseded", "bench")


def _status(lim: dict, binding: dict) -> dict:
    """Per phase: ``bind``, ``prov`` or ``bench`` (:data:`STATUS_BY_REASON`)."""
    return {ph: "bind" if binding[ph] else STATUS_BY_REASON.get(get(lim, "binding_reason", ph), "bench")
            for ph in PHASES}


def _row_status(lim: dict, status: dict) -> str:
    """What the limits table calls a limit's value (``limit.is_*``): ``bind`` (基準値/排放限值) when it binds
    in every phase with data, ``bench`` (参考値/参照值: provisional comparisons and benchmarks) when in
    none, ``mixed`` otherwise (each phase's cell then says which)."""
    kinds = {status[ph] == "bind" for ph in PHASES if get(lim, "binding_reason", ph) != "no_data"}
    return "mixed" if len(kinds) > 1 else "bind" if kinds == {True} else "bench"


def _legend_kind(lim: dict, status: dict) -> str:
    """The chart legend entry of a limit line (:data:`LEGEND_ORDER`): the limit's own reason, so a
    mandatory national limit superseded by a listed local one is not called "not legally binding"."""
    reasons = {get(lim, "binding_reason", ph) for ph in PHASES}
    kinds = set(status.values()) | ({"superseded"} if "superseded" in reasons else set())
    return next(k for k in LEGEND_ORDER if k in kinds or k == "bench")


def _binding_notes(lim: dict) -> list[dict]:
    """Why a limit binds or is only a benchmark (catalogue section ``binding``), once per distinct
    reason over the phases, from results.json ``binding_reason``."""
    notes: list[dict] = []
    effective = lim.get("effective") or {}
    for ph in PHASES:
        reason = get(lim, "binding_reason", ph)
        if reason in (None, "no_data"):
            continue
        key, params = reason, {}
        if reason == "not_mandatory":
            key = f"force_{lim.get('force')}"
        elif reason == "other_jurisdiction":
            params = {"code": get(lim, "jurisdiction", "code") or DASH}
        elif reason in ("not_in_force", "straddles_effective_date"):
            key = reason if "all" in effective else f"{reason}_regime"
            params = {"date": effective.get("all", DASH), "new": effective.get("new", DASH),
                      "existing": effective.get("existing", DASH)}
        elif reason in ("superseded", "may_be_superseded"):
            params = {"limit": get(lim, "superseded_by", ph)}
        note = {"key": key, "params": params}
        if note not in notes:
            notes.append(note)
    return notes


def _limit_view(lim: dict) -> dict:
    exc = lim.get("exceedances") or {}
    comp = lim.get("complies") or {}
    und = lim.get("undetermined") or {}
    binding = _binding(lim)
    status = _status(lim, binding)
    return {
        "id": lim.get("id") or DASH,
        "value": fmt_plain(lim.get("value")),
        "raw_value": lim.get("value") if isinstance(lim.get("value"), (int, float)) else None,
        "unit": lim.get("unit"),
        "averaging": lim.get("averaging"),
        "rule": lim.get("rule"),
        # limits defined on 1-hour means: how the runs were sampled and whether they are hourly means
        "hourly": "hourly_mean" in lim,
        "sample_type": lim.get("sample_type"),
        "not_hourly": False in (lim.get("hourly_mean") or {}).values(),
        "standard": lim.get("standard"),
        "clause": lim.get("clause"),
        "confidence": lim.get("confidence"),
        "direction": lim.get("direction") or "max",
        "complies": {ph: comp.get(ph) for ph in PHASES},
        "exceedances": {ph: fmt_int(exc.get(ph)) for ph in PHASES},
        "undetermined": {ph: fmt_int(und.get(ph)) if und.get(ph) else None for ph in PHASES},
        "n": {ph: fmt_int(get(lim, "n", ph)) for ph in PHASES},
        "binding": binding,
        "status": status,
        "legend": _legend_kind(lim, status),
        "row_status": _row_status(lim, status),
        "binds_somewhere": any(binding.values()),
        "notes": _binding_notes(lim),
        "reference_o2": fmt_plain(lim.get("reference_o2_pct")) if lim.get("reference_o2_pct") is not None else None,
    }


def _as_reduction(effect_pct, ci) -> tuple[str, str]:
    """A regression's change (results.json ``effect_pct`` = 100 × (exp(β) − 1), negative for a
    fall) printed as the report prints every reduction: positive for a fall, 100 × (1 − exp(β)),
    with its interval [−hi, −lo]."""
    red = None if effect_pct is None else -effect_pct
    interval = None if not ci or None in ci else [-ci[1], -ci[0]]
    return fmt_pct(red), fmt_interval(interval)


def _excludes_zero(ci) -> bool:
    return bool(ci and None not in ci and (ci[0] > 0 or ci[1] < 0))


def _endpoint_view(ep: dict) -> dict:
    tests = ep.get("tests") or {}
    hac, sar = tests.get("hac_ols"), tests.get("sarimax")
    ci = ep.get("reduction_ci95")
    key = (ep.get("source"), ep.get("position"), ep.get("pollutant"), ep.get("metric"))
    return {
        "raw": with_keys(ep, ("source", "position", "pollutant", "metric", "as", "design", "unit")),
        "key": key,
        "raw_tests": tests,
        "design": ep.get("design"),
        "status": ep.get("status"),
        "unit": ep.get("unit"),
        "before": _phase_view(ep.get("before")),
        "after": _phase_view(ep.get("after")),
        "pairs": [str(p) for p in ep.get("pairs") or []] if isinstance(ep.get("pairs"), list) else [],
        # a reduction from an upper-bound mean is itself a bound: "≥" (after mean "<") or "≤" (before mean "<")
        "reduction": _reduction_text(ep),
        "ci": fmt_interval(ci),
        "ci_excludes_zero": bool(ci and ci[0] is not None and ci[0] > 0),
        "gm_ratio": fmt_num(ep.get("gm_ratio")),
        "gm_ci": fmt_ratio_interval(ep.get("gm_ratio_ci95")),
        "welch": fmt_p(get(tests, "welch_t", "p_value")),
        "perm": fmt_p(get(tests, "permutation", "p_value")),
        "mw": fmt_p(get(tests, "mann_whitney", "p_value")),
        "censored_p": fmt_p(get(tests, "censored", "p_value")),
        "holm": fmt_p(ep.get("p_adjusted")),
        "mdr": fmt_pct(ep.get("mdr_pct")),
        "has_mdr": ep.get("mdr_pct") is not None,
        "limits": [_limit_view(lim) for lim in ep.get("limits") or [] if isinstance(lim, dict)],
        "caveats": [c for c in ep.get("caveats") or [] if isinstance(c, dict)],
        # why a test with few runs cannot reach significance (the smallest attainable p), said with its result
        "min_p_note": next((c.get("text") for c in ep.get("caveats") or [] if isinstance(c, dict)
                            and c.get("code") == "exact_min_p"), None),
        "hac": None if not hac else {
            **dict(zip(("eff", "ci"), _as_reduction(hac.get("effect_pct"), hac.get("ci95")))),
            "maxlags": fmt_int(hac.get("maxlags")), "n_hours": fmt_int(hac.get("n_hours")),
            "bandwidth_h": fmt_num(hac.get("bandwidth_h"), sig=2), "n_days": fmt_int(hac.get("n_days")),
            "se_basis": hac.get("se_basis"),
            "covariates": list(hac.get("covariates") or []),
            "excludes_zero": _excludes_zero(hac.get("ci95"))},
        "sarimax": None if not sar else {
            **dict(zip(("eff", "ci"), _as_reduction(sar.get("effect_pct"), sar.get("ci95")))),
            "order": ",".join(str(o) for o in sar.get("order") or []) or DASH,
            "converged": sar.get("converged")},
    }


# --------------------------------------------------------------------------------------------
# Runs (the per-run tables of the annex)
# --------------------------------------------------------------------------------------------
def _run_sort(run):
    text = str(run)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def _run_view(run: dict) -> dict:
    cens = bool(run.get("censored"))
    lt = "<" if cens else ""  # a value from a non-detect is an upper bound, like the value itself
    raw = run.get("raw")
    raw_text = "; ".join(str(r) for r in raw) if isinstance(raw, list) else (raw or DASH)
    one = lambda key, d=None: fmt_num(run.get(key), decimals=d) if run.get(key) is not None else DASH  # noqa: E731
    return {
        "phase": run.get("phase"),
        "run": str(run.get("run", DASH)),
        "n_samples": fmt_int(run.get("n_samples")),
        "raw": raw_text,
        "value": fmt_measured(run.get("value"), run.get("decimals"), bool(run.get("censored"))),
        "unit": run.get("unit"),
        "basis": run.get("basis"),
        "flow": fmt_num(run.get("flow")) if run.get("flow") is not None else DASH,
        "flow_unit": run.get("flow_unit"),
        "flow_basis": run.get("flow_basis"),
        "temp": one("temp_c", 0),
        "h2o": one("h2o_pct", 1),
        "pressure": one("pressure_kpa", 1),
        "o2": one("o2_pct", 1),
        "flow_sd": one("flow_sd_m3_h", 0),
        # the concentration at the standard state is the measured value when no conversion was needed
        "conc": (fmt_measured(run.get("conc"), run.get("decimals"), cens) if run.get("conc") == run.get("value")
                 else lt + fmt_num(run.get("conc")) if run.get("conc") is not None else DASH),
        "conc_o2": lt + fmt_num(run.get("conc_o2")) if run.get("conc_o2") is not None else DASH,
        "rate": lt + fmt_num(run.get("mass_rate_kg_h")) if run.get("mass_rate_kg_h") is not None else DASH,
        # the laboratory's own O2-corrected concentration and rate, as reported (cross-check, QA lab_o2ref/lab_rate)
        "conc_o2_rep": fmt_num(run.get("conc_o2_reported")) if run.get("conc_o2_reported") is not None else DASH,
        "conc_o2_mismatch": bool(run.get("conc_o2_mismatch")),
        "rate_rep": fmt_num(run.get("mass_rate_reported")) if run.get("mass_rate_reported") is not None else DASH,
        "rate_mismatch": bool(run.get("mass_rate_mismatch")),
        "load": one("load_pct", 0),
        "censored": bool(run.get("censored")),
        "flagged": bool(run.get("flagged")),
        "method": run.get("method"),
    }


#: Relative widths of the annex's per-run table columns (fixed layout; scaled to 100 %): headers of
#: up to four CJK characters (測定回, 烟气压力, 生产负荷) on one line, parenthesised parts on a line of
#: their own (templates/annex.html.j2 paren_line), 不検出、注記あり unbroken; the laboratory's reported
#: values (conc_o2_rep, rate_rep) only where the runs carry them.
_RUN_COLS = (("phase", 5), ("run", 5), ("samples", 5), ("raw", 6), ("value", 10), ("flow", 10), ("temp", 5),
             ("h2o", 5), ("pressure", 6), ("o2", 4), ("flow_sd", 10), ("conc", 12), ("conc_o2", 8), ("conc_o2_rep", 8),
             ("rate", 10), ("rate_rep", 8), ("load", 6), ("flags", 9))


def _run_columns(g: dict) -> list[float]:
    drop = set()
    if not g["has_flow"]:
        drop.add("flow")
    if not g["has_state"]:
        drop |= {"temp", "h2o", "pressure"}
    if not g["has_o2"]:
        drop |= {"o2", "conc_o2"}
    if not g["has_o2_reported"]:
        drop.add("conc_o2_rep")
    if not g["has_rate_reported"]:
        drop.add("rate_rep")
    keep = [w for key, w in _RUN_COLS if key not in drop]
    return [round(100 * w / sum(keep), 1) for w in keep]


def _methods(results: dict, source, position, pollutant) -> list[str]:
    """The methods of an endpoint's runs; the site boundary's (``boundary``, the upwind and downwind
    points together) are those of its points."""
    fugitive = {s.get("id") for s in _items(results, "sources") if s.get("role") in ("upwind", "downwind")}
    wanted = fugitive if source == "boundary" else {source}
    return sorted({str(r["method"]) for r in _items(results, "runs") if r.get("method") and r.get("source") in wanted
                   and (source == "boundary" or r.get("position") == position) and r.get("pollutant") == pollutant})


def _endpoint_method(ep: dict) -> list[str]:
    """The method a continuous endpoint names (results.json ``endpoints[].method``: its readings' method,
    or the CEMS default of its pollutant when ``method_from`` is ``default``)."""
    return [str(ep["method"])] if ep.get("method") else []


def _groups(results: dict, endpoints: list[dict]) -> list[dict]:
    """Stack endpoints grouped by (source, position, pollutant), with their run rows."""
    runs = _items(results, "runs")
    groups: "OrderedDict[tuple, dict]" = OrderedDict()
    for ev in endpoints:
        ep = ev["raw"]
        if ep.get("metric") == "fugitive":
            continue
        key = (ep.get("source"), ep.get("position"), ep.get("pollutant"))
        g = groups.setdefault(key, {"source": key[0], "position": key[1], "pollutant": key[2],
                                    "as": ep.get("as"), "endpoints": [], "runs": []})
        g["endpoints"].append(ev)
    for key, g in groups.items():
        rows = [r for r in runs if (r.get("source"), r.get("position"), r.get("pollutant")) == key]
        rows.sort(key=lambda r: (PHASES.index(r["phase"]) if r.get("phase") in PHASES else 9, _run_sort(r.get("run"))))
        g["runs"] = [_run_view(r) for r in rows]
        g["has_o2"] = any(r.get("conc_o2") is not None or r.get("o2_pct") is not None for r in rows)
        g["has_o2_reported"] = any(r.get("conc_o2_reported") is not None for r in rows)
        g["has_rate_reported"] = any(r.get("mass_rate_reported") is not None for r in rows)
        g["has_state"] = any(r.get(k) is not None for r in rows for k in ("temp_c", "h2o_pct", "pressure_kpa"))
        g["has_flow"] = any(r.get("flow") is not None for r in rows)
        g["continuous"] = any(ev["design"] == "continuous" for ev in g["endpoints"])
        g["methods"] = _methods(results, *key)
        # one unit and basis for the whole table: printed in the header, not in every cell
        values = {(r.get("unit"), r.get("basis")) for r in rows}
        flows = {(r.get("flow_unit"), r.get("flow_basis")) for r in rows if r.get("flow") is not None}
        g["value_unit"] = next(iter(values)) if len(values) == 1 else None
        g["flow_unit"] = next(iter(flows)) if len(flows) == 1 else None
        g["run_cols"] = _run_columns(g)
        g["ref_o2"] = next((s.get("reference_o2_pct") for s in _items(results, "sources") if s.get("id") == key[0]),
                           None)
    return list(groups.values())


# --------------------------------------------------------------------------------------------
# Claims
# --------------------------------------------------------------------------------------------
def _mean_text(ph: dict | None) -> str:
    """A phase's mean as the results tables print it (three significant figures; "≥" for a lower
    bound)."""
    ph = ph or {}
    if ph.get("mean") is None:
        return DASH
    return ("≥" if ph.get("mean_bound") == "lower" else "") + fmt_num(ph.get("mean"))


def _estimator(c: dict, kind: str) -> str:
    """Which estimate a claim's verdict uses: ``arithmetic`` (ratio of the phases' arithmetic means,
    Fieller), ``hac`` (step of log hourly means, load-adjusted: a ratio of geometric means),
    ``efficiency`` or ``level``."""
    if kind != "reduction":
        return kind
    return "hac" if c.get("method") == "hac_ols" else "arithmetic"


def _claim_view(c: dict, declared: dict | None, endpoint: dict | None) -> dict:
    kind = c.get("kind") or "reduction"
    percent = kind in ("reduction", "efficiency")
    num = fmt_pct if percent else fmt_num
    upper = kind == "level"
    bound = c.get("upper_bound") if upper else c.get("lower_bound")
    declared = declared or {}
    envelope = c.get("envelope") if isinstance(c.get("envelope"), dict) else {}
    load_min = get(c, "conditions", "load_pct_min")
    if load_min is None:
        load_min = envelope.get("load_pct_min") if envelope.get("load_pct_min") is not None else declared.get("load_pct_min")
    ep = endpoint or {}
    phase = c.get("phase") or ("after" if kind in ("efficiency", "level") else None)
    pairs = c.get("pairs")
    if pairs is None and kind == "efficiency":
        pairs = get(ep, phase, "runs")
    return {
        "raw": {**with_keys(c, ("source", "position", "pollutant", "metric", "statement", "claimed")), "as": ep.get("as")},
        "id": c.get("id") or DASH,
        "kind": kind,
        "percent": percent,
        "unit": None if percent else (ep.get("unit") or c.get("unit")),
        "endpoint_unit": ep.get("unit") or c.get("unit"),
        "as": ep.get("as"),
        "description": declared.get("description"),
        # the claimed value as declared in case.toml (40 stays 40, not 40.0)
        "claimed": fmt_plain(c.get("claimed")) + ("%" if percent and c.get("claimed") is not None else ""),
        "estimate": num(c.get("estimate")),
        "estimate_censored": bool(c.get("estimate_censored")),
        "bound_kind": "upper" if upper else "lower",
        "bound": num(bound),
        "bound_value": bound if isinstance(bound, (int, float)) else None,
        "p": fmt_p(c.get("p_value")),
        "verdict": c.get("verdict") or "insufficient_data",
        "method": c.get("method"),
        "estimator": _estimator(c, kind),
        "mean_before": _mean_text(ep.get("before")),
        "mean_after": _mean_text(ep.get("after")),
        "n_before": fmt_int(get(ep, "before", "n")),
        "n_after": fmt_int(get(ep, "after", "n")),
        "design": ep.get("design"),
        "phase": phase,
        "pairs": [str(p) for p in pairs] if isinstance(pairs, list) else [],
        "n_pairs": fmt_int(c.get("n") if kind == "efficiency" and c.get("n") is not None
                           else (len(pairs) if isinstance(pairs, list) else None)),
        "censored_pairs": [str(p) for p in c.get("censored_pairs") or []],
        "load_comparable": c.get("load_comparable"),
        "load_min": fmt_plain(load_min) if load_min is not None else None,
        "excluded": [str(x) for x in envelope.get("excluded") or []],
        "lab_check": _lab_check_view(c.get("lab_check"), kind, num),
        "key": (c.get("source"), c.get("position"), c.get("pollutant"), c.get("metric")),
    }


def _lab_check_view(check, kind: str, num) -> dict | None:
    """results.json ``claims[].lab_check`` formatted: each run whose laboratory value failed the
    cross-check (reported, recomputed, difference) and the claim judged with the reported values."""
    if not isinstance(check, dict):
        return None
    alt = check.get("with_reported") if isinstance(check.get("with_reported"), dict) else {}
    bound = alt.get("upper_bound") if kind == "level" else alt.get("lower_bound")
    runs = [{"phase": r.get("phase"), "run": str(r.get("run")), "reported": num(r.get("reported")),
             "recomputed": num(r.get("recomputed")),
             "diff": fmt_num(r.get("difference_pct")) + "%" if r.get("difference_pct") is not None else DASH}
            for r in check.get("runs") or [] if isinstance(r, dict)]
    return {"check": check.get("check"), "runs": runs, "estimate": num(alt.get("estimate")), "bound": num(bound),
            "p": fmt_p(alt.get("p_value")), "verdict": alt.get("verdict") or "insufficient_data",
            "changes": bool(check.get("verdict_changes"))}


def _claims(results: dict, endpoints_by_key: dict) -> list[dict]:
    declared = {d.get("id"): d for d in _items(results, "claims_declared")}
    out = []
    for c in _items(results, "claims"):
        key = (c.get("source"), c.get("position"), c.get("pollutant"), c.get("metric"))
        out.append(_claim_view(c, declared.get(c.get("id")), endpoints_by_key.get(key)))
    return out


def _endpoint_rows(endpoints: list[dict]) -> list[dict]:
    """The test plan's table: one row per source, position and pollutant, with its metrics, design,
    methods and the runs (or valid hours) per phase (the largest n of its metrics)."""
    rows: "OrderedDict[tuple, dict]" = OrderedDict()
    for e in endpoints:
        raw = e["raw"]
        key = (raw.get("source"), raw.get("position"), raw.get("pollutant"), e["design"])
        row = rows.setdefault(key, {"raw": raw, "design": e["design"], "metrics": [], "methods": e.get("methods", []),
                                    "method_default": e.get("method_default", False), "nb": [], "na": []})
        row["metrics"].append(raw.get("metric"))
        row["nb"].append(e["before"]["n_raw"])
        row["na"].append(e["after"]["n_raw"])
    for row in rows.values():
        row["n_before"] = fmt_int(max((n for n in row["nb"] if n is not None), default=None))
        row["n_after"] = fmt_int(max((n for n in row["na"] if n is not None), default=None))
    return list(rows.values())


def _cems_conditions(results: dict) -> dict | None:
    """The claims whose verdict holds only if the CEMS data are accurate, and the reports that would
    show it but were not given (:func:`verify.verdicts.cems_conditions`, the console's rule too):
    ``{"claims": [ids], "reports": [keys]}``, or None."""
    from verify.verdicts import cems_conditions

    conditions = cems_conditions(results)
    if not conditions:
        return None
    return {"claims": list(conditions), "reports": list(next(iter(conditions.values())))}


def _overall(claims: list[dict]) -> dict:
    counts = Counter(c["verdict"] for c in claims)
    return {"n": len(claims), "verified": counts.get("verified", 0), "supported": counts.get("supported", 0),
            "not_verified": counts.get("not_verified", 0), "insufficient_data": counts.get("insufficient_data", 0)}


# --------------------------------------------------------------------------------------------
# Ledger, QA, caveats
# --------------------------------------------------------------------------------------------
_ENTRY_KEYS = ("file", "sheet", "row", "column", "cell", "field", "raw", "outcome", "reason", "detail",
               "source", "position", "phase", "run")


def _ledger_view(ledger: dict) -> dict:
    entries = [with_keys(e, _ENTRY_KEYS) for e in ledger.get("entries") or [] if isinstance(e, dict)]
    ordered = sorted(entries, key=lambda e: 0 if e.get("outcome") == "rejected" else 1)  # stable
    counts: "OrderedDict[tuple, int]" = OrderedDict()
    flags: "OrderedDict[tuple, int]" = OrderedDict()
    for e in entries:
        key = (e.get("file"), e.get("sheet"), e.get("outcome"), e.get("reason"))
        counts[key] = counts.get(key, 0) + 1
        if str(e.get("reason") or "").startswith("flag_"):
            fk = (e.get("source"), e.get("phase"), e["reason"])
            flags[fk] = flags.get(fk, 0) + 1
    return {
        "ledger_entries": ordered[:MAX_LEDGER_ROWS],
        "ledger_all": entries,
        "ledger_total": fmt_int(len(entries)),
        "ledger_truncated": len(entries) > MAX_LEDGER_ROWS,
        "ledger_counts": [{"file": f, "sheet": sh, "outcome": o, "reason": r, "n": fmt_int(n)}
                          for (f, sh, o, r), n in counts.items()],
        "flag_counts": [{"source": s, "phase": p, "reason": r, "flag": r[5:], "n": fmt_int(n)}
                        for (s, p, r), n in sorted(flags.items(), key=lambda kv: (str(kv[0][0]),
                                                   PHASES.index(kv[0][1]) if kv[0][1] in PHASES else 9, kv[0][2]))],
    }


def _caveat_groups(endpoints: list[dict]) -> list[dict]:
    """Identical caveats (same code and text) listed once with the endpoints they apply to."""
    groups: "OrderedDict[str, dict]" = OrderedDict()
    for ev in endpoints:
        for cav in ev["caveats"]:
            text = cav.get("text")
            key = repr((cav.get("code"), sorted(text.items()) if isinstance(text, dict) else text))
            g = groups.setdefault(key, {"code": cav.get("code"), "text": text if text else None, "endpoints": []})
            g["endpoints"].append(ev["raw"])
    return list(groups.values())


_QA_KEYS = ("check", "source", "position", "pollutant", "phase", "passed", "detail")
_CASE_KEYS = ("id", "title", "factory", "location", "process", "timezone", "conditions",
              "input_conditions", "concentration_basis", "illustrative", "reporting_state", "measures",
              "load_definition")
_VERIFICATION_KEYS = ("statement_id", "verifier", "technology", "issued", "valid_until", "supersedes",
                      "supersedes_statement_id", "laboratory", "signature", "prevailing_language")
_SOURCE_KEYS = ("id", "kind", "role", "name", "height_m", "regime", "reference_o2_pct", "permit_id", "outlet_id",
                "regime_basis")
_INPUT_KEYS = ("file", "sheet", "sha256", "rows", "accepted", "flagged", "rejected", "values",
               "values_flagged", "values_rejected", "layout", "encoding", "notes")


def _verification(results: dict) -> dict | None:
    v = results.get("verification")
    if not isinstance(v, dict) or not v:
        return None
    v = with_keys(v, _VERIFICATION_KEYS)
    lab = v.get("laboratory") if isinstance(v.get("laboratory"), dict) else None
    v["laboratory"] = None if lab is None else with_keys(lab, ("name", "cma_certificate", "keiryo_registration",
                                                               "report_numbers", "kind", "cems_acceptance_reports",
                                                               "comparison_reports"))
    signatures = [with_keys(s, ("role", "name", "title", "date")) for s in v.get("signature") or [] if isinstance(s, dict)]
    roles = [s["role"] for s in signatures]
    # the block always has a verifier and an approver line (blank, to sign by hand, when not given)
    for role in ("verifier", "approver"):
        if role not in roles:
            signatures.append({"role": role, "name": None, "title": None, "date": None})
    order = {"verifier": 0, "reviewer": 1, "approver": 2}
    v["signature"] = sorted(signatures, key=lambda s: order.get(s["role"], 9))
    return v


def catalogue_month(version) -> str | None:
    """The month a limits catalogue version was made (``2026.12.5`` → ``2026-12``: catalogue.toml
    numbers its versions year.month.n); None for another form."""
    parts = str(version or "").split(".")
    if len(parts) < 2 or not (parts[0].isdigit() and parts[1].isdigit()) or not 1 <= int(parts[1]) <= 12:
        return None
    return f"{int(parts[0]):04d}-{int(parts[1]):02d}"


def _catalogue_after_signoff(results: dict, verification: dict | None) -> dict | None:
    """{version, date} when the limits catalogue of these results is of a later month than the
    statement's last date (its issue date or a signature date) of an issued statement (``kind``
    ``after``): the results were computed again after the statement was signed, with limits that may
    differ from those it was signed on; the annex says so beside the version and the statement's
    issue line says it was recomputed. A statement not yet signed has no date to compare (``kind``
    ``to_confirm``: the annex asks the signers to confirm the version). Same month or no
    ``[verification]``: None."""
    version = get(results, "fingerprints", "limits", "version")
    month = catalogue_month(version)
    if verification is None:
        return None
    if _statement_status(verification) != "issued":
        # not signed yet: no date to compare; the signers are asked to confirm the version instead
        return {"version": str(version), "date": None, "kind": "to_confirm"}
    dates = [str(verification.get("issued") or "")] + [str(s.get("date") or "") for s in verification.get("signature") or []]
    signed = max((d[:10] for d in dates if len(d) >= 10), default=None)
    if month is None or signed is None or month <= signed[:7]:
        return None
    return {"version": str(version), "date": signed, "kind": "after"}


def _statement_status(verification: dict | None) -> str:
    """The statement's state: ``draft`` (no ``[verification]``), ``unsigned`` (a sign-off line lacks
    its name or its date: a draft awaiting signature, never printed as issued), ``issued``."""
    if verification is None:
        return "draft"
    def named(name) -> bool:
        return any(str(t).strip() for t in (name.values() if isinstance(name, dict) else [name]) if t)

    signed = all(named(s.get("name")) and s.get("date") for s in verification["signature"])
    return "issued" if signed else "unsigned"


def _campaign(results: dict) -> dict:
    camp = results.get("campaign") if isinstance(results.get("campaign"), dict) else {}
    phases = {ph: with_keys(get(camp, "phases", ph), ("first", "last", "from")) for ph in PHASES}
    return {"phases": phases, "sources": [s for s in camp.get("sources") or [] if isinstance(s, dict)],
            "timezone": camp.get("timezone")}


def _load_view(item: dict) -> dict:
    """One source's production-load comparison (results.json ``comparability.load_by_source``)."""
    ci = item.get("ci90")
    bounds = item.get("bounds")
    return {"source": item.get("source"), "verdict": item.get("verdict"), "equivalent": item.get("equivalent"),
            "mean_before_pct": fmt_num(item.get("mean_before"), decimals=1),
            "mean_after_pct": fmt_num(item.get("mean_after"), decimals=1),
            "unit_of_n": item.get("unit_of_n"), "n_before": fmt_int(item.get("n_before")),
            "n_after": fmt_int(item.get("n_after")), "mean_before": fmt_num(item.get("mean_before")),
            "mean_after": fmt_num(item.get("mean_after")), "difference": fmt_num(item.get("difference"), decimals=1),
            "ci": fmt_interval(ci, pct=False), "margin": fmt_num(bounds[1], decimals=1) if bounds else DASH,
            "margin_pct": fmt_plain(item.get("margin_pct")), "p": fmt_p(item.get("p_value")),
            "caveats": [c for c in item.get("caveats") or [] if isinstance(c, dict)]}


def _loads(results: dict) -> dict:
    """Each source's production-load range over both phases (percent, whole numbers): from the
    comparison of loads (runs, or valid hourly means of continuous monitoring), else from the runs."""
    compared = [i for i in get(results, "comparability", "load_by_source", default=[]) or [] if isinstance(i, dict)]
    loads: dict[str, list[float]] = {}
    for item in compared:
        for key in ("range_before", "range_after"):
            if isinstance(item.get(key), list):
                loads.setdefault(item.get("source"), []).extend(v for v in item[key] if v is not None)
    from_comparison = set(loads)
    for r in _items(results, "runs"):
        if r.get("load_pct") is not None and r.get("source") not in from_comparison:
            loads.setdefault(r.get("source"), []).append(r["load_pct"])
    return {sid: {"min": fmt_num(min(v), decimals=0), "max": fmt_num(max(v), decimals=0)}
            for sid, v in loads.items() if v}


def build_view(results: dict) -> dict:
    """The language-neutral part of the report: formatted numbers, grouped rows."""
    if not isinstance(results, dict):
        raise RenderError("results must be a dict (the parsed results.json)")
    case = with_keys(results.get("case"), _CASE_KEYS)
    case["measures"] = [m for m in case.get("measures") or []]
    state = case.get("reporting_state") or {}
    endpoints = [_endpoint_view(ep) for ep in _items(results, "endpoints")]
    by_key = {e["key"]: ep for e, ep in zip(endpoints, _items(results, "endpoints"))}
    inputs = [with_keys(i, _INPUT_KEYS) for i in _items(results, "inputs")]
    ledger = results.get("ledger") or {}
    load_tost = get(results, "comparability", "load_tost")
    verification = _verification(results)
    tool = results.get("tool") or {}
    qa_items = [with_keys(q, _QA_KEYS) for q in _items(results, "qa")]
    claims = _claims(results, by_key)
    groups = _groups(results, endpoints)
    for e in endpoints:
        e["methods"] = _methods(results, *e["key"][:3]) or _endpoint_method(by_key[e["key"]])
        e["method_default"] = by_key[e["key"]].get("method_from") == "default"
    return {
        "case": case,
        "case_id": case.get("id") or DASH,
        "illustrative": bool(case.get("illustrative")),
        "verification": verification,
        "draft": verification is None,
        "status": _statement_status(verification),
        "prevailing": get(verification, "prevailing_language"),
        "issued": get(verification, "issued"),
        "valid_until": get(verification, "valid_until"),
        "state": {"t": fmt_num(state.get("temperature_k"), decimals=2),
                  "p": fmt_num(state.get("pressure_kpa"), decimals=3),
                  "dry": state.get("dry", True)},
        "campaign": _campaign(results),
        "claims": claims,
        "overall": _overall(claims),
        "cems_conditions": _cems_conditions(results),
        "endpoints": endpoints,
        "endpoints_by_key": by_key,
        "endpoint_rows": _endpoint_rows(endpoints),
        "run_endpoints": [e for e in endpoints if e["design"] != "continuous" and e["raw"].get("metric") != "fugitive"],
        "continuous": [e for e in endpoints if e["design"] == "continuous"],
        "fugitive": [e for e in endpoints if e["raw"].get("metric") == "fugitive"],
        "limited": [e for e in endpoints if e["limits"]],
        "caveat_groups": _caveat_groups(endpoints),
        "has_gehan": any(get(e["raw_tests"], "censored") for e in endpoints),
        "groups": groups,
        "sources": [{**with_keys(s, _SOURCE_KEYS), "limits": s.get("limits") or []} for s in _items(results, "sources")],
        "not_weighed": [with_keys(u, ("id", "standard", "clause", "reason", "pollutants", "sources", "location"))
                        for u in _items(results, "limits_not_weighed")],
        "loads": _loads(results),
        "load_tost": None if not isinstance(load_tost, dict) else {
            "margin": fmt_plain(load_tost.get("margin_pct")), "p": fmt_p(load_tost.get("p_value")),
            "equivalent": load_tost.get("equivalent"), "n_before": load_tost.get("n_before"),
            "n_after": load_tost.get("n_after"), "difference": fmt_pct(load_tost.get("difference_pct"))},
        "load_by_source": [_load_view(s) for s in get(results, "comparability", "load_by_source", default=[]) or []
                           if isinstance(s, dict)],
        "inputs": inputs,
        "input_rows": [{**i, "f": {k: fmt_int(i.get(k)) for k in (
            "rows", "accepted", "flagged", "rejected", "values", "values_flagged", "values_rejected")}} for i in inputs],
        "totals": {k: fmt_int(sum((i.get(k) or 0) for i in inputs)) for k in ("rows", "accepted", "flagged", "rejected")},
        **_ledger_view(ledger),
        "unread": [with_keys(u, ("file", "sheet")) for u in ledger.get("unread_sheets") or [] if isinstance(u, dict)],
        "allowed_rejected": bool(ledger.get("allowed_rejected")),
        "deviations": results.get("deviations") if isinstance(results.get("deviations"), list) else None,
        "runs_raw": _items(results, "runs"),
        # failed and undecidable checks in full; passed ones counted by check
        "qa_all": qa_items,
        "qa": [q for q in qa_items if q.get("passed") is not True],
        "qa_passed": [{"check": k, "n": fmt_int(n)} for k, n in sorted(Counter(
            str(q.get("check")) for q in qa_items if q.get("passed") is True).items())],
        "qa_passed_n": fmt_int(sum(1 for q in qa_items if q.get("passed") is True)),
        "qa_failed": fmt_int(sum(1 for q in qa_items if q.get("passed") is False)),
        "qa_unknown": fmt_int(sum(1 for q in qa_items if q.get("passed") is None and not q.get("disclosed"))),
        "qa_disclosed": fmt_int(sum(1 for q in qa_items if q.get("disclosed"))),
        "qa_n": fmt_int(len(qa_items)),
        "cobenefits": results.get("cobenefits") or {},
        "fingerprints": with_keys(results.get("fingerprints"), ("case_toml", "aliases", "limits")),
        "catalogue_after": _catalogue_after_signoff(results, verification),
        "tool": with_keys(tool, ("name", "version")),
        "deps": sorted((tool.get("dependencies") or {}).items()),
        "reproduce": get(results, "reproduce", "command"),
        "schema": results.get("schema") or DASH,
        "issued_date": fmt_date(get(verification, "issued")),
    }
