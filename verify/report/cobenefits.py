"""Co-benefits: the ``cobenefits`` block of results.json as two tables (pollutant reductions, CO₂),
language-neutral; the template (``cobenefits.html.j2``) labels them.

Totals add up as printed: the figures of one identity (before − after = reduction; fuel CO₂ after −
before = change; change + electricity = net) are printed with the same decimals, the fewest (from three
significant figures of the smallest, at most one more) at which the rounded parts give the rounded
total (:func:`consistent_decimals`); where no such number of decimals exists, the total is printed as
the sum of the printed parts (at most one unit of its last digit from the rounded total; the table's
note says so). Declared inputs (hours, fuel use, heating value, factors, kW) print as given
(:func:`verify.report.fmt.fmt_plain`).
"""

from __future__ import annotations

import math

from verify.report.fmt import DASH, fmt_num, fmt_plain, round_half_even
from verify.report.view import get


def _value(q):
    """The number of a co-benefit quantity ``{value, unit, …}`` (or a plain number)."""
    v = q.get("value") if isinstance(q, dict) else q
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) else None


def consistent_decimals(identities: list[tuple[list[tuple[int, float]], float]], extra: int = 1) -> int:
    """The fewest decimals at which every identity ``Σ sign·part = total`` holds on the rounded
    figures, from three significant figures of the smallest non-zero figure to ``extra`` more; the
    last of these when none works (the totals are then printed as sums: :func:`printed_total`)."""
    numbers = [abs(v) for parts, total in identities for _, v in parts + [(1, total)] if v]
    if not numbers:
        return 0
    start = max(0, 2 - math.floor(math.log10(min(numbers))))
    for d in range(start, start + extra + 1):
        if all(sum(sign * round_half_even(v, d) for sign, v in parts) == round_half_even(total, d)
               for parts, total in identities):
            return d
    return start + extra


def printed_total(parts: list[tuple[int, float]], d: int) -> float:
    """The total of printed parts: Σ sign·round(part, d), exact in decimal arithmetic."""
    return float(sum(sign * round_half_even(v, d) for sign, v in parts))


def _sig3(v) -> int:
    """The decimals of three significant figures of ``v`` (0 for large values)."""
    return 0 if not v else max(0, 2 - math.floor(math.log10(abs(v))))


def _fmt(v, d: int) -> str:
    return DASH if v is None else fmt_num(v, decimals=d)


def pollutant_rows(cob: dict) -> list[dict]:
    rows = []
    for item in cob.get("pollutants") or []:
        if not isinstance(item, dict):
            continue
        b, a = get(item, "reduction_kg_h", "inputs", "E_before"), get(item, "reduction_kg_h", "inputs", "E_after")
        red = _value(item.get("reduction_kg_h"))
        d = 3
        if None not in (a, b, red):
            # three significant figures of the smallest figure; the reduction is the difference of the
            # printed figures (one more decimal only to make the rounded identity exact would print
            # five decimals for 0.517 − 0.0283)
            d = consistent_decimals([([(1, b), (-1, a)], red)], extra=0)
            red = printed_total([(1, b), (-1, a)], d)
        rows.append({
            "source": item.get("source"), "pollutant": item.get("pollutant"),
            "before": _fmt(b, d), "after": _fmt(a, d), "reduction": _fmt(red, d),
            "t_a": fmt_num(_value(item.get("reduction_t_a"))),
            "int_before": fmt_num(_value(get(item, "intensity_kg_per_t", "before"))),
            "int_after": fmt_num(_value(get(item, "intensity_kg_per_t", "after"))),
        })
    return rows


def co2_view(cob: dict) -> dict | None:
    fuels = [f for f in cob.get("fuels") or [] if isinstance(f, dict)]
    before, after = _value(get(cob, "fuel_co2_t_a", "before")), _value(get(cob, "fuel_co2_t_a", "after"))
    change, elec = _value(cob.get("fuel_co2_change_t_a")), _value(cob.get("electricity_co2_t_a"))
    net = _value(cob.get("net_co2_change_t_a"))
    if not fuels and elec is None and net is None:
        return None
    identities = []
    if None not in (before, after, change):
        identities.append(([(1, after), (-1, before)], change))
    parts = [(1, x) for x in (change, elec) if x is not None]
    if net is not None and parts:
        identities.append((parts, net))
    d = consistent_decimals(identities) if identities else _sig3(net)
    if None not in (before, after, change):
        change = printed_total([(1, after), (-1, before)], d)
    if net is not None and parts:
        net = printed_total([(1, change if change is not None else 0.0), *[(1, x) for x in (elec,) if x is not None]], d)
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
        "fuel_before": _fmt(before, d), "fuel_after": _fmt(after, d), "fuel_change": _fmt(change, d),
        "kw": fmt_plain(elec_inputs.get("electricity_added_kw")),
        "grid": fmt_plain(elec_inputs.get("grid_factor_t_per_mwh")),
        "grid_source": cob.get("grid_factor_source"),
        "electricity": _fmt(elec, d),
        "net": _fmt(net, d),
        "net_saving": net is not None and net < 0,
        "decimals": d,
    }


def cobenefits_view(cob: dict) -> dict | None:
    """The co-benefit tables, or None when results.json has none."""
    if not isinstance(cob, dict) or not cob or cob.get("available") is False:
        return None
    production = get(cob, "production_t_per_h", default=None)
    return {"pollutants": pollutant_rows(cob), "co2": co2_view(cob),
            "hours": fmt_plain(cob.get("operating_hours_per_year")),
            "product": cob.get("product"),
            "production": production if isinstance(production, dict) else None}

