"""The language-neutral view model of the report: what results.json holds, selected, grouped and
with every number formatted once (:mod:`verify.report.fmt`), so both halves carry the same digits.

Reads the results dict only; recomputes nothing.
"""

from __future__ import annotations

from collections import Counter, OrderedDict

from verify.errors import RenderError
from verify.report.fmt import (DASH, fmt_date, fmt_int, fmt_interval, fmt_num, fmt_p, fmt_pct, fmt_plain,
                               fmt_ratio_interval, fmt_unit)

PHASES = ("before", "after")
_PHASES = PHASES


def _get(d, *keys, default=None):
    for key in keys:
        if not isinstance(d, dict):
            return default
        d = d.get(key)
        if d is None:
            return default
    return d


def _phase_view(ph: dict | None) -> dict:
    ph = ph or {}
    values = ph.get("values") or []
    censored = ph.get("censored") or [False] * len(values)
    shown = []
    for v, c in zip(values, censored + [False] * (len(values) - len(censored))):
        shown.append(("<" if c else "") + fmt_num(v))
    return {"n": fmt_int(ph.get("n")), "mean": fmt_num(ph.get("mean")), "sd": fmt_num(ph.get("sd")),
            "values": shown, "method": ph.get("mean_method") or ""}


def _limit_view(lim: dict) -> dict:
    exc = lim.get("exceedances") or {}
    comp = lim.get("complies") or {}
    return {
        "id": lim.get("id") or DASH,
        "value": fmt_plain(lim.get("value")),
        "unit": fmt_unit(lim.get("unit")),
        "averaging": lim.get("averaging") or DASH,
        "rule": lim.get("rule"),
        "standard": " ".join(x for x in (lim.get("standard"), lim.get("clause")) if x) or DASH,
        "citation": lim.get("source") or "",
        "confidence": lim.get("confidence"),
        "complies": {ph: comp.get(ph) for ph in _PHASES},
        "exceedances": {ph: fmt_int(exc.get(ph)) for ph in _PHASES},
        "undetermined": {ph: fmt_int(_get(lim, "undetermined", ph)) if _get(lim, "undetermined", ph) else None
                         for ph in _PHASES},
        "raw_value": lim.get("value"),
        "voluntary": lim.get("legal") is False,
    }


def _endpoint_view(ep: dict) -> dict:
    tests = ep.get("tests") or {}
    hac, sar = tests.get("hac_ols"), tests.get("sarimax")
    ci = ep.get("reduction_ci95")
    return {
        "raw": _with(ep, ("source", "position", "pollutant", "metric", "as", "design", "unit")),
        "key": (ep.get("source"), ep.get("position"), ep.get("pollutant"), ep.get("metric")),
        "raw_tests": tests,
        "design": ep.get("design"),
        "status": ep.get("status"),
        "unit": fmt_unit(ep.get("unit")),
        "before": _phase_view(ep.get("before")),
        "after": _phase_view(ep.get("after")),
        "reduction": fmt_pct(ep.get("reduction_pct")),
        "ci": fmt_interval(ci),
        "ci_excludes_zero": bool(ci and ci[0] is not None and ci[0] > 0),
        "gm_ratio": fmt_num(ep.get("gm_ratio")),
        "gm_ci": fmt_ratio_interval(ep.get("gm_ratio_ci95")),
        "welch": fmt_p(_get(tests, "welch_t", "p_value")),
        "perm": fmt_p(_get(tests, "permutation", "p_value")),
        "mw": fmt_p(_get(tests, "mann_whitney", "p_value")),
        "censored_p": fmt_p(_get(tests, "censored", "p_value")),
        "holm": fmt_p(ep.get("p_adjusted")),
        "mdr": fmt_pct(ep.get("mdr_pct")),
        "has_mdr": ep.get("mdr_pct") is not None,
        "limits": [_limit_view(lim) for lim in ep.get("limits") or []],
        "caveats": ep.get("caveats") or [],
        "hac": None if not hac else {
            "eff": fmt_pct(hac.get("effect_pct")), "ci": fmt_interval(hac.get("ci95")),
            "maxlags": fmt_int(hac.get("maxlags")), "n_hours": fmt_int(hac.get("n_hours")),
            "covariates": ", ".join(hac.get("covariates") or []) or DASH,
            "excludes_zero": _excludes_zero(hac.get("ci95"))},
        "sarimax": None if not sar else {
            "eff": fmt_pct(sar.get("effect_pct")), "ci": fmt_interval(sar.get("ci95")),
            "order": ",".join(str(o) for o in sar.get("order") or []) or DASH,
            "converged": sar.get("converged")},
        "capture": {ph: fmt_pct(_get(ep, ph, "capture_pct")) for ph in _PHASES},
    }


def _excludes_zero(ci) -> bool:
    return bool(ci and None not in ci and (ci[0] > 0 or ci[1] < 0))


def _run_view(run: dict) -> dict:
    flags = []
    if run.get("censored"):
        flags.append("censored")
    if run.get("flagged"):
        flags.append("flagged")
    raw = run.get("raw")
    raw_text = "; ".join(str(r) for r in raw) if isinstance(raw, list) else (raw or DASH)
    return {
        "phase": run.get("phase"),
        "run": str(run.get("run", DASH)),
        "n_samples": fmt_int(run.get("n_samples")),
        "raw": raw_text,
        "value": ("<" if run.get("censored") else "") + fmt_num(run.get("value")),
        "unit": fmt_unit(run.get("unit")),
        "conc": fmt_num(run.get("conc")),
        "conc_o2": fmt_num(run.get("conc_o2")),
        "o2": fmt_num(run.get("o2_pct"), decimals=1) if run.get("o2_pct") is not None else DASH,
        "flow": fmt_num(run.get("flow_sd_m3_h"), decimals=0) if run.get("flow_sd_m3_h") is not None else DASH,
        "rate": fmt_num(run.get("mass_rate_kg_h")),
        "load": fmt_num(run.get("load_pct"), decimals=0) if run.get("load_pct") is not None else DASH,
        "flags": flags,
        "method": run.get("method") or DASH,
    }


def _claim_view(c: dict) -> dict:
    pct = c.get("kind") in ("reduction", "efficiency", None)
    num = fmt_pct if pct else fmt_num
    return {
        "raw": _with(c, ("source", "position", "pollutant", "metric", "statement", "claimed")),
        "id": c.get("id") or DASH,
        "kind": c.get("kind") or "reduction",
        "claimed": num(c.get("claimed")),
        "estimate": num(c.get("estimate")),
        # reduction/efficiency claims: one-sided lower bound; level claims: one-sided upper bound
        "lower_bound": num(c.get("upper_bound") if c.get("kind") == "level" and c.get("upper_bound") is not None
                           else c.get("lower_bound")),
        "p": fmt_p(c.get("p_value")),
        "verdict": c.get("verdict") or "insufficient_data",
        "method": c.get("method"),  # e.g. "fieller-welch", "hac_ols" (continuous data), "one-sided t"
        "other_conditions": [(str(k), fmt_plain(val) if isinstance(val, (int, float)) else str(val))
                             for k, val in (c.get("conditions") or {}).items() if k != "load_pct_min"]
        if isinstance(c.get("conditions"), dict) else [],
        "load_min": fmt_plain(_get(c, "conditions", "load_pct_min"))
        if _get(c, "conditions", "load_pct_min") is not None else None,
    }


def _with_declared(claim: dict, results: dict) -> dict:
    """A claim without ``conditions`` takes ``load_pct_min`` from ``claims_declared`` (same id)."""
    if isinstance(claim.get("conditions"), dict):
        return claim
    declared = next((d for d in results.get("claims_declared") or []
                     if isinstance(d, dict) and d.get("id") == claim.get("id")), None)
    if declared and declared.get("load_pct_min") is not None:
        return {**claim, "conditions": {"load_pct_min": declared["load_pct_min"]}}
    return claim


#: At most this many ledger entries are listed one by one (rejected first); all of them are
#: counted by file, reason and outcome, and all are in ledger.csv (``verify run``).
MAX_LEDGER_ROWS = 60
#: In ``verify run``'s PDF, which sits next to ledger.csv, the listing stops at this many entries.
PDF_LEDGER_ROWS = 20


def _ledger_view(ledger: dict) -> dict:
    entries = [_with(e, _ENTRY_KEYS) for e in ledger.get("entries") or [] if isinstance(e, dict)]
    ordered = sorted(entries, key=lambda e: 0 if e.get("outcome") == "rejected" else 1)  # stable
    counts: "OrderedDict[tuple, int]" = OrderedDict()
    for e in entries:
        key = (e.get("file"), e.get("sheet"), e.get("outcome"), e.get("reason"))
        counts[key] = counts.get(key, 0) + 1
    return {
        "ledger_entries": ordered[:MAX_LEDGER_ROWS],
        "ledger_total": fmt_int(len(entries)),
        "ledger_shown": fmt_int(min(len(entries), MAX_LEDGER_ROWS)),
        "ledger_truncated": len(entries) > MAX_LEDGER_ROWS,
        "ledger_counts": [{"file": f, "sheet": sh, "outcome": o, "reason": r, "n": fmt_int(n)}
                          for (f, sh, o, r), n in counts.items()],
    }


def _groups(results: dict, endpoints: list[dict]) -> list[dict]:
    """Stack endpoints grouped by (source, position, pollutant) with their run rows."""
    runs = [r for r in results.get("runs") or [] if isinstance(r, dict)]
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
        rows.sort(key=lambda r: (_PHASES.index(r["phase"]) if r.get("phase") in _PHASES else 9,
                                 _run_sort(r.get("run"))))
        g["runs"] = [_run_view(r) for r in rows]
        g["has_o2"] = any(r.get("conc_o2") is not None for r in rows)
        g["has_method"] = any(r.get("method") for r in rows)
        g["continuous"] = any(ev["design"] == "continuous" for ev in g["endpoints"])
        g["run_cols"] = _run_columns(g["has_o2"], g["has_method"])
    return list(groups.values())


#: Relative widths of the per-run table's columns (fixed table layout; scaled to 100 %).
_RUN_COLS = (("phase", 9), ("run", 5), ("samples", 6), ("raw", 12), ("value", 12), ("conc", 9),
             ("o2", 6), ("conc_o2", 10), ("flow", 11), ("rate", 10), ("load", 8), ("method", 11),
             ("flags", 10))


def _run_columns(has_o2: bool, has_method: bool) -> list[float]:
    keep = [w for key, w in _RUN_COLS if (has_o2 or key not in ("o2", "conc_o2"))
            and (has_method or key != "method")]
    total = sum(keep)
    return [round(100 * w / total, 1) for w in keep]


def _caveat_groups(endpoints: list[dict]) -> list[dict]:
    """Identical caveats (same code and text) listed once with the endpoints they apply to."""
    groups: "OrderedDict[str, dict]" = OrderedDict()
    for ev in endpoints:
        for cav in ev["caveats"]:
            if not isinstance(cav, dict):
                continue
            text = cav.get("text")
            key = repr((cav.get("code"), sorted(text.items()) if isinstance(text, dict) else text))
            g = groups.setdefault(key, {"code": cav.get("code"), "text": text if text else cav.get("code"),
                                        "endpoints": []})
            g["endpoints"].append(ev["raw"])
    return list(groups.values())


def _run_sort(run):
    text = str(run)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def _with(d, keys: tuple[str, ...], default=None) -> dict:
    """``d`` with every key of ``keys`` present (optional results keys become None)."""
    d = d if isinstance(d, dict) else {}
    return {**{k: default for k in keys}, **d}


_CASE_KEYS = ("id", "title", "factory", "location", "process", "timezone", "conditions",
              "input_conditions", "concentration_basis", "illustrative", "reporting_state")
_VERIFICATION_KEYS = ("statement_id", "verifier", "technology", "issued", "valid_until", "supersedes",
                      "supersedes_statement_id")
_SOURCE_KEYS = ("id", "kind", "role", "name", "height_m", "regime", "reference_o2_pct")
_ENTRY_KEYS = ("file", "sheet", "row", "column", "cell", "field", "raw", "outcome", "reason", "detail")
_INPUT_KEYS = ("file", "sheet", "sha256", "rows", "accepted", "flagged", "rejected", "values",
               "values_flagged", "values_rejected", "layout", "encoding", "notes")
_QA_KEYS = ("check", "source", "position", "pollutant", "phase", "passed", "detail")


def build_view(results: dict) -> dict:
    """The language-neutral part of the report: formatted numbers, grouped rows."""
    if not isinstance(results, dict):
        raise RenderError("results must be a dict (the parsed results.json)")
    case = _with(results.get("case"), _CASE_KEYS)
    case["measures"] = [m for m in (case.get("measures") or [])]
    endpoints = [_endpoint_view(ep) for ep in results.get("endpoints") or [] if isinstance(ep, dict)]
    state = case.get("reporting_state") or {}
    inputs = [_with(i, _INPUT_KEYS) for i in results.get("inputs") or [] if isinstance(i, dict)]
    ledger = results.get("ledger") or {}
    totals = {k: fmt_int(sum((i.get(k) or 0) for i in inputs))
              for k in ("rows", "accepted", "flagged", "rejected")}
    load_tost = _get(results, "comparability", "load_tost")
    runs = results.get("runs") or []
    loads: dict[str, list[float]] = {}
    for r in runs:
        if r.get("load_pct") is not None:
            loads.setdefault(r.get("source"), []).append(r["load_pct"])
    verification = results.get("verification")
    if verification:
        verification = _with(verification, _VERIFICATION_KEYS)
    tool = results.get("tool") or {}
    qa_items = [q for q in results.get("qa") or [] if isinstance(q, dict)]
    return {
        "case": case,
        "case_id": case.get("id") or DASH,
        "illustrative": bool(case.get("illustrative")),
        "verification": verification,
        "draft": not verification,
        "issued": fmt_date(_get(verification, "issued")),
        "valid_until": fmt_date(_get(verification, "valid_until")) if _get(verification, "valid_until") else None,
        "state": {"t": fmt_num(state.get("temperature_k"), decimals=2),
                  "p": fmt_num(state.get("pressure_kpa"), decimals=3),
                  "dry": state.get("dry", True)},
        "claims": [_claim_view(_with_declared(c, results)) for c in results.get("claims") or []
                   if isinstance(c, dict)],
        "endpoints": endpoints,
        "run_endpoints": [e for e in endpoints if e["design"] != "continuous" and e["raw"].get("metric") != "fugitive"],
        "continuous": [e for e in endpoints if e["design"] == "continuous"],
        "fugitive": [e for e in endpoints if e["raw"].get("metric") == "fugitive"],
        "limited": [e for e in endpoints if e["limits"]],
        "caveat_groups": _caveat_groups(endpoints),
        "has_gehan": any(_get(e["raw_tests"], "censored") for e in endpoints),
        "groups": _groups(results, endpoints),
        "sources": [{**_with(s, _SOURCE_KEYS), "limits": s.get("limits") or []}
                    for s in results.get("sources") or [] if isinstance(s, dict)],
        "loads": {sid: {"min": fmt_num(min(v), decimals=0), "max": fmt_num(max(v), decimals=0)}
                  for sid, v in loads.items()},
        "load_tost": None if not load_tost else {
            "margin": fmt_plain(load_tost.get("margin_pct")),
            "p": fmt_p(load_tost.get("p_value")), "equivalent": load_tost.get("equivalent")},
        "inputs": inputs,
        "input_rows": [{**i, "f": {k: fmt_int(i.get(k)) for k in (
            "rows", "accepted", "flagged", "rejected", "values", "values_flagged", "values_rejected")}}
            for i in inputs],
        "totals": totals,
        **_ledger_view(ledger),
        "unread": [_with(u, ("file", "sheet")) for u in ledger.get("unread_sheets") or []],
        "allowed_rejected": bool(ledger.get("allowed_rejected")),
        "deviations": results.get("deviations") if isinstance(results.get("deviations"), list) else None,
        # failed and undecidable checks in full; passed ones counted by check (a long list of
        # passes hides the failures and doubles the length of the data-quality section)
        "qa": [_with(q, _QA_KEYS) for q in qa_items if q.get("passed") is not True],
        "qa_passed": [{"check": k, "n": fmt_int(n)} for k, n in sorted(Counter(
            str(q.get("check")) for q in qa_items if q.get("passed") is True).items())],
        "qa_failed": fmt_int(sum(1 for q in qa_items if q.get("passed") is False)),
        "qa_unknown": fmt_int(sum(1 for q in qa_items if q.get("passed") is None)),
        "qa_n": fmt_int(len(qa_items)),
        "cobenefits": results.get("cobenefits") or {},
        "fingerprints": _with(results.get("fingerprints"), ("case_toml", "aliases", "limits")),
        "tool": _with(tool, ("name", "version")),
        "deps": sorted((tool.get("dependencies") or {}).items()),
        "reproduce": _get(results, "reproduce", "command"),
        "schema": results.get("schema") or DASH,
    }


