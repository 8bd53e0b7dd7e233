"""Co-benefits: the ``cobenefits`` block of results.json as two tables (pollutant reductions, CO₂),
language-neutral; the template (``cobenefits.html.j2``) labels them.

Digits follow the report's one rule (:mod:`verify.report.fmt`): every figure at three significant
figures, the same as in the other tables (the phase means 1.35 and 0.642 kg/h as in the results
table); a reduction or a net change shown beside its terms is computed from the unrounded values and
printed to the last decimal place of its coarsest printed term (1.3533 − 0.6417 → 0.71), so every
figure is right at its own precision and the printed terms add up within one unit of the last digit
(the table's note says so). Declared inputs (hours, fuel use, heating value, factors, kW) print as
given (:func:`verify.report.fmt.fmt_plain`).
"""

from __future__ import annotations

import math

from verify.report.fmt import DASH, fmt_bound, fmt_num, fmt_plain, fmt_to_places_of
from verify.report.view import get


def _value(q):
    """The number of a co-benefit quantity ``{value, unit, …}`` (or a plain number)."""
    v = q.get("value") if isinstance(q, dict) else q
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def mass_rate_bounds(endpoints) -> dict:
    """(source, pollutant) → (before, after): whether that phase's mean emission rate is an upper
    bound (a non-detect is the smallest value, Kaplan–Meier; the view's ``upper_bound``)."""
    out = {}
    for ep in endpoints or []:
        source, _position, pollutant, metric = ep.get("key") or (None, None, None, None)
        if metric == "mass_rate":
            out[(source, pollutant)] = (bool(ep["before"].get("upper_bound")), bool(ep["after"].get("upper_bound")))
    return out


def pollutant_rows(cob: dict, bounds: dict | None = None) -> list[dict]:
    """One row per (source, pollutant). A phase mean that is an upper bound prints "<" (rounded up),
    and the reduction and its yearly amount are then a lower bound "≥" (after) or an upper bound "≤"
    (before), rounded outward like the results table (:func:`verify.report.fmt.fmt_bound`)."""
    rows = []
    for item in cob.get("pollutants") or []:
        if not isinstance(item, dict):
            continue
        upper_b, upper_a = (bounds or {}).get((item.get("source"), item.get("pollutant")), (False, False))
        mean_mark = {True: "<", False: ""}
        change_mark = "≥" if upper_a and not upper_b else "≤" if upper_b and not upper_a else ""
        b, a = get(item, "reduction_kg_h", "inputs", "E_before"), get(item, "reduction_kg_h", "inputs", "E_after")
        before, after = fmt_num(b), fmt_num(a)
        reduction = _value(item.get("reduction_kg_h"))
        places = fmt_to_places_of(reduction, [before, after])
        rows.append({
            "source": item.get("source"), "pollutant": item.get("pollutant"),
            "before": fmt_bound(b, mean_mark[upper_b]), "after": fmt_bound(a, mean_mark[upper_a]),
            "reduction": places if places == DASH else fmt_bound(reduction, change_mark, decimals=_places(places)),
            "t_a": fmt_bound(_value(item.get("reduction_t_a")), change_mark),
            "int_before": fmt_bound(_value(get(item, "intensity_kg_per_t", "before")), mean_mark[upper_b]),
            "int_after": fmt_bound(_value(get(item, "intensity_kg_per_t", "after")), mean_mark[upper_a]),
        })
    return rows


def _places(text: str) -> int:
    return len(text.rpartition(".")[2]) if "." in text else 0


def co2_view(cob: dict) -> dict | None:
    fuels = [f for f in cob.get("fuels") or [] if isinstance(f, dict)]
    before, after = _value(get(cob, "fuel_co2_t_a", "before")), _value(get(cob, "fuel_co2_t_a", "after"))
    change, elec = _value(cob.get("fuel_co2_change_t_a")), _value(cob.get("electricity_co2_t_a"))
    net = _value(cob.get("net_co2_change_t_a"))
    if not fuels and elec is None and net is None:
        return None
    # three significant figures, integer digits included: the factors are defaults of unconfirmed status
    co2 = lambda v: fmt_num(v, whole=True)  # noqa: E731
    change_text, elec_text = co2(change), co2(elec)
    net_terms = [t for t, v in ((change_text, change), (elec_text, elec)) if v is not None]
    elec_inputs = get(cob, "electricity_co2_t_a", "inputs", default={}) or {}
    return {
        "hours": fmt_plain(cob.get("operating_hours_per_year")),
        "fuels": [{
            "kind": f.get("kind"),
            "t_h_before": fmt_plain(get(f, "co2_t_h_before", "inputs", "fuel_t_h")),
            "t_h_after": fmt_plain(get(f, "co2_t_h_after", "inputs", "fuel_t_h")),
            "ncv": fmt_plain(f.get("ncv_gj_per_t")),
            "ncv_source": f.get("ncv_source"),
            "ef": fmt_plain(f.get("co2_kg_per_tj")),
            "ef_default": bool(f.get("co2_factor_is_default")),
            "ef_source": f.get("co2_source"),
            "co2_before": fmt_num(_value(f.get("co2_t_h_before"))),
            "co2_after": fmt_num(_value(f.get("co2_t_h_after"))),
        } for f in fuels],
        "fuel_before": co2(before), "fuel_after": co2(after), "fuel_change": change_text,
        "kw": fmt_plain(elec_inputs.get("electricity_added_kw")),
        "grid": fmt_plain(elec_inputs.get("grid_factor_t_per_mwh")),
        "grid_source": cob.get("grid_factor_source"),
        "electricity": elec_text,
        "net": fmt_to_places_of(net, net_terms) if net_terms else fmt_num(net),
        "net_saving": net is not None and net < 0,
    }


def cobenefits_view(cob: dict, endpoints: list | None = None) -> dict | None:
    """The co-benefit tables, or None when results.json has none; ``endpoints`` (the view's) tell
    which mean emission rates are bounds."""
    if not isinstance(cob, dict) or not cob or cob.get("available") is False:
        return None
    production = get(cob, "production_t_per_h", default=None)
    return {"pollutants": pollutant_rows(cob, mass_rate_bounds(endpoints)), "co2": co2_view(cob),
            "hours": fmt_plain(cob.get("operating_hours_per_year")),
            "product": cob.get("product"),
            "production": production if isinstance(production, dict) else None}

