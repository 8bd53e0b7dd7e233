"""The report's figures: charts drawn by :mod:`verify.report.charts`, put in ``<img>`` tags."""

from __future__ import annotations

from markupsafe import Markup

from verify.report.lang import Lang
from verify.report.view import PHASES as _PHASES
from verify.report.view import _get


_NO_CHARTS = {"groups": {}, "fugitive": None, "reduction": None, "series": {}}


def chart_img(chart) -> Markup:
    """A :class:`verify.report.charts.Chart` as an ``<img>`` with an inline ``data:`` URL, printed at
    the size it was drawn (never wider than the text column; report.css ``img.chart``)."""
    import base64

    data = base64.b64encode(chart.png).decode("ascii")
    return Markup(f'<img class="chart" src="data:image/png;base64,{data}" alt="" '
                  f'style="width: {chart.width_in:.3f}in">')


def _shared_charts(view: dict, Ls: list[Lang]) -> dict:
    """The per-run charts, drawn once for all languages: titles and phase labels in every
    language (one line each), numbers and units shared. The same image (same ``data:`` URL) then
    appears in every half; WeasyPrint decodes and embeds it once (docs/performance.md (e))."""
    from verify.report import charts  # matplotlib is imported only when charts are drawn

    codes = tuple(L.code for L in Ls)
    labels = {k: {L.code: L.t(f"phase.{k}") for L in Ls} for k in _PHASES}
    out: dict = {"groups": {}, "fugitive": None}

    def panels_for(evs):
        panels = []
        for ev in evs:
            ep = ev["raw"]
            if ev["design"] == "continuous":
                continue
            panels.append({
                "title": {L.code: L.code_label("metric", ep.get("metric")) if ep.get("metric") != "fugitive"
                          else L.source(ep.get("source")) for L in Ls},
                "unit": ev["unit"],
                "before": _get(ep, "before", "values") or [],
                "after": _get(ep, "after", "values") or [],
                "limits": [{"value": lim["raw_value"], "label": f"{lim['value']} {lim['unit']}"}
                           for lim in ev["limits"] if isinstance(lim["raw_value"], (int, float))]})
        return panels

    for i, g in enumerate(view["groups"]):
        panels = panels_for(g["endpoints"])
        if panels:
            out["groups"][i] = chart_img(charts.run_values_chart(panels, labels, codes))
    if view["fugitive"]:
        out["fugitive"] = chart_img(charts.run_values_chart(panels_for(view["fugitive"]), labels, codes))
    return out


def _charts(view: dict, L: Lang, shared: dict) -> dict:
    """This language's charts: the shared per-run charts, and its own reduction (forest) chart
    and time series, whose labels are long phrases in one language."""
    from verify.report import charts

    labels = {"before": L.t("phase.before"), "after": L.t("phase.after"), "mean": L.t("chart.mean"),
              "limit": L.t("chart.limit")}
    out: dict = {"groups": shared["groups"], "fugitive": shared["fugitive"], "reduction": None,
                 "series": {}}
    for g in view["groups"]:
        for ev in g["endpoints"]:
            if ev["design"] == "continuous":
                ep = ev["raw"]
                lim = next((lv["raw_value"] for lv in ev["limits"]
                            if isinstance(lv["raw_value"], (int, float))), None)
                out["series"][ev["key"]] = chart_img(charts.timeseries_chart(
                    ep.get("before") or {}, ep.get("after") or {}, lim, labels, ev["unit"], L.code))
    claimed = {(c["raw"].get("source"), c["raw"].get("position"), c["raw"].get("pollutant"),
                c["raw"].get("metric")): c["raw"].get("claimed") for c in view["claims"]
               if c["kind"] == "reduction"}
    rows = [{"label": L.what(ev["raw"]), "estimate": ev["raw"].get("reduction_pct"),
             "ci": ev["raw"].get("reduction_ci95"), "claimed": claimed.get(ev["key"])}
            for ev in view["run_endpoints"] + view["fugitive"]]
    if any(r["estimate"] is not None for r in rows):
        out["reduction"] = chart_img(charts.reduction_chart(rows, L.t("chart.reduction"), L.code))
    return out


