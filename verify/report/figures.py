"""The report's figures in one language: the data of each chart taken from the view, labelled by
:class:`~verify.report.lang.Lang`, drawn by :mod:`verify.report.charts` and put in ``<img>`` tags.

Each half of the report draws its own figures, so that every label, legend and axis is in the
language of the page it is printed on; the halves are rendered side by side where the platform
forks (:mod:`verify.report.halves`).
"""

from __future__ import annotations

import base64

from markupsafe import Markup

from verify.report.lang import Lang, standard_number
from verify.report.view import get

NO_CHARTS = {"groups": {}, "fugitive": None, "reduction": None, "reduction_bounds": False, "series": {}}


def chart_img(chart) -> Markup:
    """A :class:`verify.report.charts.Chart` as an ``<img>`` with an inline ``data:`` URL, printed at
    the size it was drawn (never wider than the text column; report.css ``img.chart``)."""
    data = base64.b64encode(chart.png).decode("ascii")
    return Markup(f'<img class="chart" src="data:image/png;base64,{data}" alt="" '
                  f'style="width: {chart.width_in:.3f}in">')


def _labels(L: Lang) -> dict:
    return {key: L.t(f"chart.{key}") for key in ("before", "after", "measured", "nondetect", "mean", "limit",
                                                 "provisional", "superseded", "benchmark", "hourly", "date",
                                                 "estimate", "ci", "claimed", "bound", "xlabel", "estimate_lower",
                                                 "estimate_upper")}


def limit_label(lim: dict, L: Lang) -> str:
    """A limit line's label: the standard's number, and on a second line the value with its unit."""
    return f"{standard_number(lim.get('standard'))}\n{lim['value']} {L.unit(lim.get('unit'))}".strip()


def _panels(endpoints: list[dict], L: Lang, by_key: dict) -> list[dict]:
    panels = []
    for ev in endpoints:
        if ev["design"] == "continuous":
            continue
        ep, raw = ev["raw"], by_key.get(ev["key"]) or {}
        panel = {
            "title": L.metric(ep.get("metric"), ep.get("source")) if ep.get("metric") != "fugitive"
            else L.source(ep.get("source")),
            "unit": L.unit(ev["unit"]),
            "limits": [{"value": lim["raw_value"], "label": limit_label(lim, L), "kind": lim["legend"]}
                       for lim in ev["limits"] if lim["raw_value"] is not None],
        }
        for phase in ("before", "after"):
            block = raw.get(phase) or {}
            panel[phase] = list(block.get("values") or [])
            panel[f"censored_{phase}"] = list(block.get("censored") or [])
        panels.append(panel)
    return panels


def language_charts(view: dict, L: Lang, results: dict) -> dict:
    """This language's figures: per-run charts per source and pollutant, the fugitive chart, the
    time series of continuous endpoints, and the reduction (forest) chart."""
    from verify.report import charts  # matplotlib is imported only when charts are drawn

    # the time axis in the words the text uses (中国標準時（UTC+8）, 北京时间（UTC+8）)
    labels = {**_labels(L), "date": str(L.f("chart.date", tz=L.local_time(view["case"].get("timezone"))))}
    by_key = view["endpoints_by_key"]
    out: dict = {"groups": {}, "fugitive": None, "reduction": None, "reduction_bounds": False, "series": {}}
    for i, g in enumerate(view["groups"]):
        panels = _panels(g["endpoints"], L, by_key)
        if panels:
            out["groups"][i] = chart_img(charts.run_values_chart(panels, labels, L.code))
        for ev in g["endpoints"]:
            if ev["design"] != "continuous":
                continue
            raw = by_key.get(ev["key"]) or {}
            lim = next((lv for lv in ev["limits"] if lv["raw_value"] is not None), None)
            line = None if lim is None else {"value": lim["raw_value"], "label": limit_label(lim, L),
                                             "kind": lim["legend"]}
            out["series"][ev["key"]] = chart_img(charts.timeseries_chart(
                raw.get("before") or {}, raw.get("after") or {}, line, labels, L.unit(ev["unit"]), L.code,
                timezone=view["case"].get("timezone")))
    if view["fugitive"]:
        out["fugitive"] = chart_img(charts.run_values_chart(_panels(view["fugitive"], L, by_key), labels, L.code))
    claims = {c["key"]: c for c in view["claims"] if c["kind"] == "reduction"}
    rows = [{"label": L.what(ev["raw"]), "estimate": get(by_key, ev["key"], "reduction_pct"),
             "ci": get(by_key, ev["key"], "reduction_ci95"),
             "claimed": get(claims, ev["key"], "raw", "claimed"),
             # the one-sided 95 % lower bound the claim's verdict uses (the same Fieller interval, one-sided)
             "bound": get(claims, ev["key"], "bound_value"),
             # an estimate that is itself a one-sided bound (printed "≥"/"≤" in the tables)
             "estimate_bound": get(by_key, ev["key"], "reduction_bound")}
            for ev in view["run_endpoints"] + view["fugitive"]]
    if any(r["estimate"] is not None for r in rows):
        out["reduction"] = chart_img(charts.reduction_chart(rows, labels, L.code))
        out["reduction_bounds"] = any(r["estimate_bound"] in ("lower", "upper") and r["estimate"] is not None
                                      for r in rows)
    return out

