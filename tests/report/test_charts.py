"""Charts: deterministic PNG bytes at a fixed resolution, no tool metadata, no missing glyphs,
decimated time series; the <img> markup carries nothing but a base64 data: URL."""

from __future__ import annotations

import re
import warnings

import pytest

from verify.report import charts
from verify.report.figures import chart_img

LABELS = {"before": "対策前", "after": "対策後", "measured": "測定値", "nondetect": "不検出", "mean": "平均",
          "limit": "基準値", "provisional": "基準値（未照合）", "superseded": "参考値（優先する基準あり）",
          "benchmark": "参照値", "hourly": "1時間値", "date": "月-日", "estimate": "推定値",
          "ci": "95%信頼区間", "claimed": "主張値", "bound": "片側95%信頼下限", "xlabel": "削減率（%）"}
LABELS_ZH = {"before": "治理前", "after": "治理后", "measured": "监测值", "nondetect": "未检出", "mean": "均值",
             "limit": "限值", "provisional": "限值（待核实）", "superseded": "参照值（另有优先标准）",
             "benchmark": "参照值", "hourly": "小时均值", "date": "月-日", "estimate": "估计值",
             "ci": "95%置信区间", "claimed": "声明值", "bound": "单侧95%置信下限", "xlabel": "削减率（%）"}
PANEL = {"title": "濃度", "unit": "mg/m³N", "before": [62.4, 71.8, 55.3], "after": [31.6, 27.9, 36.2],
         "censored_after": [False, True, False], "limits": [{"value": 60, "label": "GB 16297-1996 60 mg/m³N", "binding": True}]}


def _chunks(png: bytes) -> list[bytes]:
    import struct

    out, i = [], 8
    while i < len(png):
        (n,) = struct.unpack(">I", png[i:i + 4])
        out.append(png[i + 4:i + 8])
        i += 12 + n
    return out


def test_run_chart_is_deterministic_png_without_tool_metadata():
    a = charts.run_values_chart([PANEL], LABELS, "ja")
    b = charts.run_values_chart([dict(PANEL)], LABELS, "ja")
    assert a == b and a.png == b.png
    assert a.png.startswith(b"\x89PNG\r\n\x1a\n")
    kinds = _chunks(a.png)
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND"
    assert b"tEXt" not in kinds and b"iTXt" not in kinds and b"tIME" not in kinds  # no Software/date
    # printed at the size it was drawn: figure inches = pixels / DPI
    # one panel: y-axis room 0.55 in + axis 1.9 in + the limit labels' margin 1.0 in; 1.75 in of axes,
    # 0.42 in above and 0.42 + 0.16 in per legend row below (5 legend entries: two rows of four)
    width, height = 0.55 + 1.9 + charts.LABEL_W_IN, 0.42 + 0.16 * 2 + 1.75 + 0.42
    assert a.width_in == pytest.approx(width) and a.height_in == pytest.approx(height)
    assert charts.png_size(a.png) == (round(width * charts.DPI), round(height * charts.DPI))


def test_charts_never_grow_past_the_a4_text_column():
    """Ten panels with 5,000-character titles and limit labels stay within 6.8 in (the A4 text column)."""
    long = "长" * 5000
    panels = [{**PANEL, "title": long, "limits": [{"value": 60, "label": long, "binding": False}]} for _ in range(10)]
    chart = charts.run_values_chart(panels, LABELS_ZH, "zh")
    assert chart.width_in <= charts.MAX_WIDTH_IN and chart.height_in <= charts.MAX_HEIGHT_IN
    rows = [{"label": long, "estimate": 10.0 + i, "ci": [0.0, 20.0 + i], "claimed": 5.0} for i in range(200)]
    forest = charts.reduction_chart(rows, LABELS_ZH, "zh")
    assert forest.width_in <= charts.MAX_WIDTH_IN and forest.height_in <= charts.MAX_HEIGHT_IN
    w, h = charts.png_size(forest.png)
    assert w < 2000 and h < 2000  # not a 111,495-px image
    assert charts.short(long) == "长" * 35 + "…"


def test_different_numbers_give_different_images():
    a = charts.run_values_chart([PANEL], LABELS, "ja")
    b = charts.run_values_chart([{**PANEL, "after": [31.6, 27.9, 46.2]}], LABELS, "ja")
    assert a.png != b.png


@pytest.mark.parametrize("lang, labels, title", [("ja", LABELS, "酸素換算濃度"), ("zh", LABELS_ZH, "折算浓度")])
def test_no_missing_glyphs_and_font_follows_language(lang, labels, title):
    """matplotlib warns "Glyph … missing from font(s)" when it would draw a tofu box."""
    assert charts._rc(lang)["font.family"][0] == {"ja": "Noto Sans CJK JP", "zh": "Noto Sans CJK SC"}[lang]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        charts.run_values_chart([{**PANEL, "title": title}], labels, lang)


def test_clean_svg_strips_prolog_and_comments():  # the programme report's chart (verify.batch)
    raw = '<?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg><!-- a -- b --><metadata>x</metadata><g/></svg>'
    assert charts.clean_svg(raw) == "<svg><g/></svg>"


def test_png_size_rejects_non_png():
    with pytest.raises(ValueError):
        charts.png_size(b"<svg></svg>")


def test_img_markup_is_only_a_data_url():
    html = str(chart_img(charts.run_values_chart([{**PANEL, "title": "<script>x</script>"}], LABELS, "zh")))
    assert re.fullmatch(r'<img class="chart" src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="" '
                        r'style="width: \d+\.\d{3}in">', html)


def test_decimation_bounds_points():
    xs, ys = charts._decimate(list(range(10_000)), list(range(10_000)))
    assert len(xs) <= charts.MAX_POINTS and xs[0] == 0 and ys == xs
    assert charts._decimate([1, 2], [3, 4]) == ([1, 2], [3, 4])


@pytest.mark.slow
def test_timeseries_and_reduction_charts():
    hours = [f"2026-05-{11 + h // 24:02d}T{h % 24:02d}:00:00+00:00" for h in range(72)]
    limit = {"value": 400, "label": "GB 16297-1996 400 mg/m³N", "binding": True}
    ts = charts.timeseries_chart({"hours": hours, "values": [270.0] * 72},
                                 {"hours": hours, "values": [260.0 + (h % 5) for h in range(72)]},
                                 limit, LABELS, "mg/m³N", "ja", timezone="Asia/Shanghai")
    assert ts.png.startswith(b"\x89PNG") and ts == charts.timeseries_chart(
        {"hours": hours, "values": [270.0] * 72},
        {"hours": hours, "values": [260.0 + (h % 5) for h in range(72)]}, limit, LABELS, "mg/m³N", "ja",
        timezone="Asia/Shanghai")
    # the hours are drawn in local time: 16:00 UTC is midnight in Shanghai (UTC+8)
    assert charts._local_hours(["2026-03-01T16:00:00+00:00"], charts.ZoneInfo("Asia/Shanghai"))[0].hour == 0
    red = charts.reduction_chart([{"label": "A", "estimate": 48.9, "ci": [25.6, 65.6], "claimed": 40, "bound": 30.1},
                                  {"label": "B", "estimate": 3.7, "ci": [-17.4, 19.7], "claimed": None}],
                                 LABELS, "ja")
    # tight bounding box: the printed size follows the labels, still at the fixed resolution
    w, h = charts.png_size(red.png)
    assert red.width_in == pytest.approx(w / charts.DPI) and 3 < red.width_in < 7.5


def test_wrap_label_shows_a_label_whole_and_cuts_only_a_hostile_one():
    label = "2#熱媒ボイラー排気筒（石炭焚き） 二酸化硫黄（SO₂） 酸素換算濃度（標準酸素濃度9%）"
    wrapped = charts.wrap_label(label, 34, 3)
    # shown whole (every character but the spaces broken at), broken only at a space or a bracket:
    # never inside a word or a bracketed group such as （標準酸素濃度9%）
    assert wrapped.replace("\n", "").replace(" ", "") == label.replace(" ", "")
    assert wrapped == "2#熱媒ボイラー排気筒（石炭焚き）\n二酸化硫黄（SO₂） 酸素換算濃度\n（標準酸素濃度9%）"
    assert charts.wrap_label("敷地境界 非メタン炭化水素（炭素換算） 濃度", 34, 3) == "敷地境界 非メタン炭化水素\n（炭素換算） 濃度"
    assert "…" not in wrapped and all(sum(charts._cells(c) for c in line) <= 34 for line in wrapped.split("\n"))
    # a break falls after a space where one is near the end of the line
    assert charts.wrap_label("GB 16297-1996 120 mg/m³N", 16, 3) == "GB 16297-1996\n120 mg/m³N"
    assert charts.wrap_label("长" * 5000, 20, 2) == "长" * 10 + "\n" + "长" * 9 + "…"


def test_limit_labels_are_spread_apart_and_stay_in_order():
    placed = charts._spread([0.10, 0.11, 0.12, 0.80], 0.08, 1.05)
    assert placed == pytest.approx([0.10, 0.18, 0.26, 0.80])
    assert all(b - a >= 0.08 - 1e-12 for a, b in zip(placed, placed[1:]))
    # near the top they are pushed down instead of out of the chart
    top = charts._spread([0.9, 0.95, 1.0], 0.1, 1.05)
    assert top[-1] <= 1.05 + 1e-12 and all(b - a >= 0.1 - 1e-12 for a, b in zip(top, top[1:]))


def test_limit_line_status_from_its_own_reason():
    """The legend names each limit by its own binding_reason (verify.report.view.LEGEND_ORDER): a
    mandatory national limit superseded by a listed local one is "superseded", not "not binding";
    an applicable limit with an unconfirmed value is "provisional"; a /T standard is a benchmark."""
    from verify.report.view import _legend_kind, _status

    def kind(reasons, binding=(False, False)):
        lim = {"binding_reason": dict(zip(("before", "after"), reasons))}
        return _legend_kind(lim, _status(lim, dict(zip(("before", "after"), binding))))

    assert kind(("binding", "binding"), (True, True)) == "bind"
    assert kind(("value_unconfirmed", "value_unconfirmed")) == "prov"
    assert kind(("superseded", "superseded")) == "superseded"
    assert kind(("not_mandatory", "not_mandatory")) == "bench"
    assert kind(("other_jurisdiction", "no_data")) == "bench"
    # every status draws: one legend entry each, different images
    base = {**PANEL, "limits": [{"value": 60, "label": "L", "kind": "superseded"}]}
    images = {k: charts.run_values_chart([{**base, "limits": [{"value": 60, "label": "L", "kind": k}]}], LABELS, "ja").png
              for k in charts.LIMIT_STYLES}
    assert len(set(images.values())) == len(charts.LIMIT_STYLES)
    assert charts.limit_kind({"binding": False}) == "bench" and charts.limit_kind({}) == "bind"


def test_forest_plot_draws_an_estimate_that_is_a_bound_open_with_an_arrow(monkeypatch):
    """A reduction from an upper-bound Kaplan–Meier mean is itself a bound (results.json
    reduction_bound; printed "≥94.2 %" / "≤…" in the tables): the forest plot draws it as an open
    marker with an arrow towards the true value (right for "≥", left for "≤") and names it in the
    legend in the half's language; an ordinary estimate stays a filled point."""
    figures = []
    monkeypatch.setattr(charts, "_to_png", lambda fig, tight=False: figures.append(fig) or fig)
    labels = {**LABELS_ZH, "estimate_lower": "估计值为下限（≥）：真值在箭头方向",
              "estimate_upper": "估计值为上限（≤）：真值在箭头方向"}
    charts.reduction_chart([{"label": "A", "estimate": 48.9, "ci": [25.6, 65.6], "claimed": 40, "bound": 30.1},
                            {"label": "PM", "estimate": 94.2, "ci": None, "estimate_bound": "lower"},
                            {"label": "X", "estimate": 20.0, "ci": None, "estimate_bound": "upper"}], labels, "zh")
    ax = figures[0].axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels["estimate_lower"] in legend and labels["estimate_upper"] in legend and labels["estimate"] in legend

    def markers_at(y):
        return [(line.get_marker(), line.get_markerfacecolor(), list(line.get_xdata()))
                for line in ax.get_lines() if list(line.get_ydata()) and all(v == y for v in line.get_ydata())]

    # rows from the top: A at y = 2, PM at y = 1, X at y = 0
    assert ("o", "white", [94.2]) in markers_at(1) and (">", charts.AFTER_COLOUR, [94.2 + 8.0]) in markers_at(1)
    assert ("o", "white", [20.0]) in markers_at(0) and ("<", charts.AFTER_COLOUR, [20.0 - 8.0]) in markers_at(0)
    assert ("o", charts.AFTER_COLOUR, [48.9]) in markers_at(2)
    assert ax.get_xlim()[1] >= 94.2 + 8.0 and ax.get_xlim()[0] <= 20.0 - 8.0
    # without a bound there is no such legend entry
    figures.clear()
    charts.reduction_chart([{"label": "A", "estimate": 48.9, "ci": [25.6, 65.6]}], labels, "zh")
    assert labels["estimate_lower"] not in [t.get_text() for t in figures[0].axes[0].get_legend().get_texts()]


def test_a_closing_bracket_never_starts_a_chart_label_line():
    """JIS X 4051 line-start prohibition (行頭禁則): '排出量（1時間当たり）' at 20 cells (its exact
    width is 21: 10 CJK characters and a digit) keeps its closing bracket on the first line instead of
    wrapping it alone, as the textile panel title did ('排出量（1時間当たり' / '）')."""
    from verify.report.charts import wrap_label

    assert wrap_label("排出量（1時間当たり）", 20) == "排出量（1時間当たり）"
    for width in range(6, 30):
        for text in ("排出量（1時間当たり）", "酸素換算濃度（標準酸素濃度9%）", "非甲烷总烃（以碳计），浓度"):
            assert not any(line[:1] in "）)、，。" for line in wrap_label(text, width, 9).split("\n")), (text, width)
