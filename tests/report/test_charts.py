"""SVG charts: deterministic bytes, no comments or XML prolog, decimated time series."""

from __future__ import annotations

import re

import pytest

from verify.report import charts

LABELS = {"before": "対策前", "after": "対策後", "mean": "平均", "limit": "基準値"}
PANEL = {"title": "濃度", "unit": "mg/m³", "before": [62.4, 71.8, 55.3], "after": [31.6, 27.9, 36.2],
         "limits": [{"value": 60, "label": "60 mg/m³"}]}


def test_run_chart_is_deterministic_and_clean():
    a = charts.run_values_chart([PANEL], LABELS, "ja")
    b = charts.run_values_chart([dict(PANEL)], LABELS, "ja")
    assert a == b
    assert a.startswith("<svg") and a.rstrip().endswith("</svg>")
    assert "<!--" not in a and "<?xml" not in a and "<metadata" not in a
    assert "<dc:date" not in a


def test_label_text_is_escaped_and_font_follows_language():
    svg = charts.run_values_chart([{**PANEL, "title": "<script>x</script>"}], LABELS, "zh")
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert "Noto Sans CJK SC" in svg
    assert "Noto Sans CJK JP" in charts.run_values_chart([PANEL], LABELS, "ja")


def test_decimation_bounds_points():
    xs, ys = charts._decimate(list(range(10_000)), list(range(10_000)))
    assert len(xs) <= charts.MAX_POINTS and xs[0] == 0 and ys == xs
    assert charts._decimate([1, 2], [3, 4]) == ([1, 2], [3, 4])


def test_clean_svg_strips_prolog_and_comments():
    raw = '<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg><!-- a -- b --><metadata>x</metadata><g/></svg>'
    assert charts.clean_svg(raw) == "<svg><g/></svg>"


@pytest.mark.slow
def test_timeseries_and_reduction_charts():
    hours = [f"2026-05-{11 + h // 24:02d}T{h % 24:02d}:00:00+08:00" for h in range(72)]
    ts = charts.timeseries_chart({"hours": hours, "values": [270.0] * 72},
                                 {"hours": hours, "values": [260.0 + (h % 5) for h in range(72)]},
                                 400, LABELS, "mg/m³", "ja")
    assert ts.startswith("<svg") and ts == charts.timeseries_chart(
        {"hours": hours, "values": [270.0] * 72},
        {"hours": hours, "values": [260.0 + (h % 5) for h in range(72)]}, 400, LABELS, "mg/m³", "ja")
    red = charts.reduction_chart([{"label": "A", "estimate": 48.9, "ci": [25.6, 65.6], "claimed": 40},
                                  {"label": "B", "estimate": 3.7, "ci": [-17.4, 19.7], "claimed": None}],
                                 "削減率（%）", "ja")
    assert red.startswith("<svg") and len(re.findall(r"<path", red)) > 5
