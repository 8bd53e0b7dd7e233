"""The limitations of the verification statement: what in the data touches each claim.

ISO 14034:2016 §5.5 (the report and the statement) asks for the deviations and limitations of the
verification; the statement names them claim by claim. A finding *touches* a claim when it concerns
the data the claim was judged on:

* a failed or undecidable QA check on the claim's source (and pollutant, phase or metric where the
  check is about one: :data:`QA_SCOPE`);
* a flagged or rejected value (intake ledger) in a run of the claim's source: a pollutant value of
  the claim's pollutant, or a run-level value the claim's metric needs (:data:`RUN_FIELDS`: flow for
  mass rates, O₂ for O₂-corrected concentrations; moisture, temperature and pressure only where the
  run's values or flow were not given at the standard state, dry);
* a data caveat of the claim's endpoint (:data:`LIMITATION_CAVEATS`: non-detects, hours left out,
  unmatched pairs, an unbounded interval …);
* a run whose laboratory-reported value failed the cross-check (results.json ``claims[].lab_check``):
  the run, the reported and the recomputed value, which the verdict used and the verdict with the
  reported values, in place of the QA check's count for that claim;
* runs left out of the claim because of its operating conditions;
* production load not shown comparable between the phases (run designs).

Pure functions of the view (:func:`verify.report.view.build_view`); language-neutral.
"""

from __future__ import annotations

from collections import OrderedDict

from verify.report.view import PHASES, get

#: What a QA check is about, beyond its source: "pollutant" (the claim's pollutant and position),
#: "phase" (also the claim's phase data), or a set of metrics it affects.
QA_SCOPE = {
    "min_runs": ("pollutant", "phase"),
    "same_method": ("pollutant",),
    "same_basis": ("pollutant",),
    "detection_limits": ("pollutant",),
    "o2_range": ({"concentration_o2"},),
    "lab_o2ref": ({"concentration_o2"},),
    "lab_rate": ({"mass_rate"},),
    "flow_positive": ({"mass_rate"},),
    "load": (),
    "moisture": (),
    "derived_values": (),
}
#: Run-level ledger fields and the metrics whose values they enter.
RUN_FIELDS = {
    "flow": {"mass_rate", "removal_efficiency"},
    "flow_unit": {"mass_rate", "removal_efficiency"},
    "o2_pct": {"concentration_o2"},
    "load_pct": None,  # the claim's operating envelope: touches claims with a minimum load
    "h2o_pct": "state",
    "temp_c": "state",
    "pressure_kpa": "state",
}
#: Caveat codes that limit what a claim's data can show (the others explain the method).
LIMITATION_CAVEATS = ("censored_values", "all_censored", "invalid_hours", "nonpositive_hours", "unmatched_runs",
                      "censored_efficiency", "censored_efficiency_largest", "censored_inlet_excluded", "ci_unbounded",
                      "sarimax_not_converged", "nonpositive_values", "nonpositive_rates")
#: The most cells named one by one in a ledger limitation (all are counted).
MAX_CELLS = 4


def _source_matches(claim: dict, source, fugitive_sources: set[str]) -> bool:
    if claim["raw"].get("source") == "boundary":
        return source in fugitive_sources
    return source == claim["raw"].get("source")


def _position_matches(claim: dict, position) -> bool:
    wanted = claim["raw"].get("position")
    return wanted is None or position is None or position == wanted


def _qa_touches(q: dict, claim: dict, fugitive: set[str]) -> bool:
    if not _source_matches(claim, q.get("source"), fugitive):
        return False
    for scope in QA_SCOPE.get(str(q.get("check")), ()):
        if scope == "pollutant":
            if q.get("pollutant") not in (None, claim["raw"].get("pollutant")) or not _position_matches(claim, q.get("position")):
                return False
        elif scope == "phase":
            if claim["kind"] == "level" and q.get("phase") == "before":
                return False  # a level claim is judged on the after phase only
        elif isinstance(scope, set) and claim["raw"].get("metric") not in scope:
            return False
    return True


def _state_needed(entry: dict, runs: list[dict]) -> set[str]:
    """The metrics a moisture, temperature or pressure value of this run enters: concentrations when
    a value of the run was not given at the standard state, dry; mass rates when its flow was not."""
    metrics: set[str] = set()
    for r in runs:
        if (r.get("source"), r.get("phase"), str(r.get("run"))) != (entry.get("source"), entry.get("phase"), str(entry.get("run"))):
            continue
        if r.get("basis") not in (None, "standard-dry"):
            metrics |= {"concentration", "concentration_o2", "mass_rate", "removal_efficiency"}
        if r.get("flow_basis") not in (None, "standard-dry"):
            metrics |= {"mass_rate", "removal_efficiency"}
    return metrics


def _entry_touches(e: dict, claim: dict, runs: list[dict], fugitive: set[str]) -> bool:
    if e.get("source") is None or not _source_matches(claim, e.get("source"), fugitive):
        return False
    if not _position_matches(claim, e.get("position")):
        return False
    if claim["kind"] == "level" and e.get("phase") == "before":
        return False
    field = str(e.get("field") or "")
    metric = claim["raw"].get("metric")
    if field.startswith("value[") and field.endswith("]"):
        return field[6:-1] == claim["raw"].get("pollutant")
    if field in ("value", "lod", "range", "value_o2ref", "rate_reported"):
        return True  # a long file: the value cell of its row (pollutant in its own column)
    if field in RUN_FIELDS:
        need = RUN_FIELDS[field]
        if need is None:
            return claim.get("load_min") is not None
        if need == "state":
            return metric in _state_needed(e, runs)
        return metric in need
    return True  # any other field of a run touches its claims


def _ledger_limitations(view: dict, fugitive: set[str]) -> list[dict]:
    groups: "OrderedDict[tuple, dict]" = OrderedDict()
    flags: "OrderedDict[tuple, dict]" = OrderedDict()
    runs = view["runs_raw"]
    for e in view["ledger_all"]:
        touched = [c["id"] for c in view["claims"] if _entry_touches(e, c, runs, fugitive)]
        if not touched:
            continue
        if str(e.get("reason") or "").startswith("flag_"):  # HJ 212 data flags: one line, counts per flag
            f = flags.setdefault((tuple(touched), e.get("source")), {"kind": "flags", "claims": list(touched),
                                                                     "source": e.get("source"), "counts": {}})
            key = (e.get("phase"), e["reason"])
            f["counts"][key] = f["counts"].get(key, 0) + 1
            continue
        key = (tuple(touched), e.get("reason"), e.get("outcome"), e.get("source"), e.get("phase"), e.get("field"))
        g = groups.setdefault(key, {"kind": "ledger", "claims": list(touched), "reason": e.get("reason"),
                                    "outcome": e.get("outcome"), "source": e.get("source"), "phase": e.get("phase"),
                                    "field": e.get("field"), "n": 0, "cells": [], "runs": []})
        g["n"] += 1
        if len(g["cells"]) < MAX_CELLS:
            g["cells"].append({"file": e.get("file"), "sheet": e.get("sheet"), "cell": e.get("cell") or
                               (f"{e.get('row')}" if e.get("row") is not None else None), "raw": e.get("raw")})
        run = e.get("run")
        if run is not None and str(run) not in g["runs"] and len(g["runs"]) < MAX_CELLS:
            g["runs"].append(str(run))
    for f in flags.values():
        f["phases"] = [{"phase": ph, "flags": [{"flag": r[5:], "reason": r, "n": n}
                                               for (p, r), n in sorted(f["counts"].items()) if p == ph]}
                       for ph in PHASES if any(p == ph for p, _ in f["counts"])]
    return list(groups.values()) + list(flags.values())


def _caveat_limitations(view: dict) -> list[dict]:
    out: "OrderedDict[tuple, dict]" = OrderedDict()
    for c in view["claims"]:
        ep = next((e for e in view["endpoints"] if e["key"] == c["key"]), None)
        for cav in (ep or {}).get("caveats", []):
            if cav.get("code") not in LIMITATION_CAVEATS:
                continue
            text = cav.get("text") or {}
            key = (cav.get("code"), repr(sorted(text.items())) if isinstance(text, dict) else repr(text))
            item = out.setdefault(key, {"kind": "caveat", "claims": [], "code": cav.get("code"), "text": text})
            item["claims"].append(c["id"])
    return list(out.values())


def _load_limitations(view: dict) -> list[dict]:
    """Production load not shown comparable for a claim's source (results.json
    ``comparability.load_by_source``; before that key, the pooled ``load_tost``)."""
    out = []
    per_source = view.get("load_by_source") or []
    if per_source:
        for item in per_source:
            if item.get("verdict") == "comparable":
                continue
            claims = [c["id"] for c in view["claims"] if c["raw"].get("source") == item.get("source")]
            if claims:
                out.append({"kind": "load_source", "claims": claims, "item": item})
        return out
    stack_claims = [c for c in view["claims"] if c["design"] in ("before-after", "inlet-outlet")]
    tost = view.get("load_tost")
    if stack_claims and tost and tost.get("equivalent") is not True:
        out.append({"kind": "load", "claims": [c["id"] for c in stack_claims], "tost": tost})
    return out


def _months(first: str, last: str) -> set[str]:
    """The calendar months (YYYY-MM) from ``first`` to ``last`` (ISO dates)."""
    y, m = int(first[:4]), int(first[5:7])
    out = set()
    while (y, m) <= (int(last[:4]), int(last[5:7])):
        out.add(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _campaign_limitations(view: dict) -> list[dict]:
    """What the sampling dates cannot show (results.json ``campaign.phases``): a phase sampled on one
    day only (day-to-day variation not seen), and phases in different calendar months (season:
    temperature, humidity, production mix not separated from the measures' effect)."""
    phases = {ph: get(view, "campaign", "phases", ph) or {} for ph in PHASES}
    dated = {ph: d for ph, d in phases.items() if d.get("first") and d.get("last")}
    if len(dated) < len(PHASES):
        return []
    one_day = [ph for ph, d in dated.items() if d["first"] == d["last"]]
    months = {ph: _months(d["first"], d["last"]) for ph, d in dated.items()}
    season = not (months["before"] & months["after"])
    if not one_day and not season:
        return []
    return [{"kind": "campaign", "claims": [], "one_day": one_day, "season": season, "phases": dated}]


def _case_limitations(view: dict) -> list[dict]:
    """What the verification as a whole did not check (no claim of its own): the sampling dates
    (:func:`_campaign_limitations`), the limits not listed in
    the case (always: the tool weighs only the limits a source lists; the permit's limits never) with
    the standards the catalogue knows may apply but holds no values for (results.json
    ``limits_not_weighed``); for continuous monitoring data, the CEMS acceptance and comparison
    monitoring that were not evaluated."""
    items = _campaign_limitations(view)
    sources = [s for s in view["sources"] if s.get("kind") == "stack"]
    items += [{"kind": "limits_scope", "claims": [], "permit": any(s.get("permit_id") for s in view["sources"]) or not sources,
              "not_weighed": view.get("not_weighed") or []}]
    if view["continuous"]:
        lab = get(view, "verification", "laboratory") or {}
        items.append({"kind": "cems_acceptance", "claims": [],
                      "acceptance": list(lab.get("cems_acceptance_reports") or []),
                      "comparison": list(lab.get("comparison_reports") or [])})
    return items


def limitations(view: dict) -> dict:
    """``{"items": [...], "case": [...], "other_qa": n}``: every finding that touches a claim, what the
    verification as a whole did not check (:func:`_case_limitations`), and the number of QA findings
    (failed or undecidable checks) that touch none (listed in the data-quality section)."""
    fugitive = {s["id"] for s in view["sources"] if s.get("kind") == "fugitive"}
    items: list[dict] = []
    other_qa = 0
    for q in view["qa"]:
        touched = [c for c in view["claims"] if _qa_touches(q, c, fugitive)]
        unexplained = [c["id"] for c in touched if get(c, "lab_check", "check") != q.get("check")]
        if unexplained:
            items.append({"kind": "qa", "claims": unexplained, **q})
        elif not touched:
            other_qa += 1
    items += [{"kind": "lab_check", "claims": [c["id"]], "claim": c} for c in view["claims"] if c.get("lab_check")]
    items += _ledger_limitations(view, fugitive)
    items += _caveat_limitations(view)
    for c in view["claims"]:
        if c["excluded"]:
            items.append({"kind": "excluded", "claims": [c["id"]], "runs": c["excluded"], "load_min": c["load_min"]})
    items += _load_limitations(view)
    order = {c["id"]: i for i, c in enumerate(view["claims"])}
    items.sort(key=lambda it: min(order.get(cid, 99) for cid in it["claims"]))
    return {"items": items, "case": _case_limitations(view), "other_qa": other_qa}
