"""Charts for the report: matplotlib (Agg) PNG images, inlined in the HTML as ``data:`` URLs by
:mod:`verify.report.figures`.

Pure functions from plain numbers and already-translated labels (one language per chart: each half
of the report has its own figures) to a :class:`Chart` (PNG bytes and the size to print it at).

Reading aids: a legend on every chart (measured value, non-detect, mean, limit); a non-detect is an
open marker at its detection limit; a limit line carries its label (standard and value) and is
drawn and named in the legend by its own status (:data:`LIMIT_STYLES`: binding, applicable with an
unconfirmed value, superseded by a listed limit, benchmark); time axes are in the case's local time, written as
numbers (``03-02``), never as English month names.

Bounds: a chart is never wider than the A4 text column (:data:`MAX_WIDTH_IN`) nor taller than
:data:`MAX_HEIGHT_IN`, whatever the number of panels or rows; labels longer than :data:`MAX_LABEL`
characters are shortened with "…" (the full text is in the table beside the chart).

Why raster and not SVG (measured on the textile case, docs/performance.md (e)): inline SVG made
every path, marker and label an element that WeasyPrint styles and lays out like HTML; the charts
cost ~4 s of the ~12 s PDF. A PNG is one image box (~0.02 s each) and, at 200 dpi, prints sharp at
the size it is drawn on A4. Text in the charts uses the same Noto CJK faces as the body.

Determinism: Agg output depends only on the numbers, labels, fonts and matplotlib version; the PNG
``Software`` text chunk is dropped, so the same results give the same bytes. Uses the
object-oriented API (no pyplot global state, no GUI backend).
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import matplotlib

from verify.report.fonts import pin_text_language

pin_text_language()  # before any text is shaped: glyph forms independent of the locale (verify.report.fonts)
matplotlib.use("Agg")  # never a GUI backend, even if pyplot gets imported elsewhere

from matplotlib import dates as mdates  # noqa: E402
from matplotlib import rc_context  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

#: Font stacks per report language (Noto CJK from fonts-noto-cjk; DejaVu for Latin).
FONTS = {
    "ja": ["Noto Sans CJK JP", "Noto Sans CJK SC", "DejaVu Sans"],
    "zh": ["Noto Sans CJK SC", "Noto Sans CJK JP", "DejaVu Sans"],
}
#: BCP 47 tag each report language's text is shaped with (matplotlib ``text.language``, passed to
#: libraqm/HarfBuzz). Left unset, HarfBuzz takes the process locale, whose language picks the CJK
#: glyph forms (OpenType ``locl``) and made the chart images differ under LANG=zh_CN.GB18030.
LANGUAGE_TAGS = {"ja": "ja", "zh": "zh-Hans"}
BEFORE_COLOUR = "#b5523b"
AFTER_COLOUR = "#2f6f9f"
LIMIT_COLOUR = "#333333"
#: behind a limit label: the label stays legible, the points and means (drawn above it) stay visible
LABEL_BOX = {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.8}
BENCHMARK_COLOUR = "#7a7a7a"
#: A limit line per status (``kind`` of a chart limit, verify.report.view.LEGEND_ORDER): colour,
#: line style, and the legend label key. Only a binding limit is dashed; every other status dotted
#: or dash-dotted, each with its own legend entry, so a superseded mandatory limit is not called
#: "not legally binding".
LIMIT_STYLES = {"bind": (LIMIT_COLOUR, "--", "limit"), "prov": (LIMIT_COLOUR, "-.", "provisional"),
                "superseded": (BENCHMARK_COLOUR, ":", "superseded"), "bench": (BENCHMARK_COLOUR, ":", "benchmark")}
MAX_POINTS = 400  # per phase in a time series; more are decimated by a fixed stride
#: The A4 text column is 178 mm (report.css margins) = 7.0 in; charts stay inside it.
MAX_WIDTH_IN = 6.8
MAX_HEIGHT_IN = 8.5
MAX_LABEL = 36

#: Resolution of the chart images: 200 dpi is print quality for line art at these sizes (a 6.4 in
#: chart is 1,280 px wide) and keeps each PNG at 20–60 KB.
DPI = 200

_RC = {
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.6,
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "legend.frameon": False,
    "axes.unicode_minus": True,
}


def _rc(lang: str) -> dict:
    return {**_RC, "font.family": FONTS.get(lang, FONTS["ja"]), "text.language": LANGUAGE_TAGS.get(lang, "ja")}


@dataclass(frozen=True)
class Chart:
    """A drawn chart: PNG bytes and the size to print it at (inches, from the pixel size and DPI)."""

    png: bytes
    width_in: float
    height_in: float


def _to_png(fig: Figure, tight: bool = False) -> Chart:
    """PNG of ``fig`` at :data:`DPI`. ``tight`` measures the labels first (one extra draw, ~30 %
    slower); charts with fixed margins skip it."""
    buf = io.BytesIO()
    # compress_level 1: PIL's zlib at its default level was ~0.35 s of the textile case's 16 charts;
    # WeasyPrint re-encodes the image in the PDF anyway
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None}, pil_kwargs={"compress_level": 1},
                bbox_inches="tight" if tight else None, pad_inches=0.04)
    data = buf.getvalue()
    width, height = png_size(data)
    scale = min(1.0, MAX_WIDTH_IN * DPI / width, MAX_HEIGHT_IN * DPI / height)  # a tight box can grow
    return Chart(png=data, width_in=round(width * scale / DPI, 4), height_in=round(height * scale / DPI, 4))


def clean_svg(svg: str) -> str:
    """Make matplotlib SVG output safe and compact to inline: drop the XML declaration, DOCTYPE,
    comments and metadata block (which repeat text and tool versions). Used by the programme
    report's chart (:mod:`verify.batch.programme`); the case report's charts are PNG."""
    svg = re.sub(r"<\?xml[^>]*\?>", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>", "", svg)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r"\n\s*\n", "\n", svg)
    return svg.strip()


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels from a PNG's IHDR chunk (PNG spec, ISO/IEC 15948 §11.2.2)."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    return struct.unpack(">II", data[16:24])


def limit_kind(limit: dict) -> str:
    """A chart limit's status (:data:`LIMIT_STYLES`): its ``kind``, or from the older ``binding`` flag."""
    kind = limit.get("kind")
    if kind in LIMIT_STYLES:
        return kind
    return "bind" if limit.get("binding", True) else "bench"


def short(text, limit: int = MAX_LABEL) -> str:
    """``text`` cut to ``limit`` characters with "…" (a hostile 5,000-character name stays a label)."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _legend(fig: Figure, handles: list, labels: list[str]) -> None:
    if handles:
        fig.legend(handles, [short(lab, 40) for lab in labels], loc="lower center", ncol=min(len(handles), 4),
                   fontsize=6.8, handlelength=1.8, columnspacing=1.2, bbox_to_anchor=(0.5, 0.0))


def run_values_chart(panels: list[dict], labels: dict, lang: str) -> Chart:
    """Per-run values before and after, one panel per metric.

    ``panels``: ``[{"title": str, "unit": str, "before": [float|None], "after": [float|None],
    "censored_before": [bool], "censored_after": [bool], "limits": [{"value", "label", "kind"}]}]`` (``kind`` a key of :data:`LIMIT_STYLES`);
    ``labels``: ``before``, ``after``, ``measured``, ``nondetect``, ``mean``, ``limit``, ``provisional``,
    ``superseded``, ``benchmark``.
    """
    n = max(len(panels), 1)
    panel_w = min(2.3, (MAX_WIDTH_IN - 0.4) / n)
    width, height = panel_w * n + 0.4, 2.5
    seen = {"nd": False, **{kind: False for kind in LIMIT_STYLES}}
    with rc_context(_rc(lang)):
        fig = Figure(figsize=(width, height))
        axes = fig.subplots(1, n, squeeze=False)[0]
        for ax, panel in zip(axes, panels):
            ymax = 0.0
            for x, phase, colour in ((0, "before", BEFORE_COLOUR), (1, "after", AFTER_COLOUR)):
                vals = list(panel.get(phase) or [])
                cens = list(panel.get(f"censored_{phase}") or []) + [False] * len(vals)
                pairs = [(v, c) for v, c in zip(vals, cens) if v is not None]
                if not pairs:
                    continue
                k = len(pairs)
                xs = [x + (i - (k - 1) / 2) * min(0.08, 0.5 / k) for i in range(k)]
                for xi, (v, c) in zip(xs, pairs):
                    ax.scatter([xi], [v], s=16, zorder=3, linewidths=0.9,
                               facecolors="white" if c else colour, edgecolors=colour)
                    seen["nd"] |= bool(c)
                mean = sum(v for v, _ in pairs) / k
                ax.hlines(mean, x - 0.25, x + 0.25, color=colour, linewidth=1.2, zorder=3)
                ymax = max(ymax, max(v for v, _ in pairs))
            limits = sorted(panel.get("limits") or [], key=lambda lim: lim["value"])
            for i, lim in enumerate(limits):
                kind = limit_kind(lim)
                seen[kind] = True
                colour, style, _ = LIMIT_STYLES[kind]
                ax.axhline(lim["value"], color=colour, linestyle=style, linewidth=0.8)
                close = i > 0 and abs(lim["value"] - limits[i - 1]["value"]) < 0.06 * max(ymax, lim["value"])
                ax.annotate(short(lim["label"], 34), (2.05, lim["value"]), xycoords="data",
                            xytext=(0, -7.5 if close else 1.5), textcoords="offset points", fontsize=5.5,
                            ha="right", va="bottom", color=LIMIT_COLOUR, zorder=2.5, bbox=LABEL_BOX)
                ymax = max(ymax, lim["value"])
            ax.set_xlim(-0.6, 2.1)
            ax.set_ylim(0, ymax * 1.18 if ymax > 0 else 1)
            ax.set_xticks([0, 1], [labels["before"], labels["after"]])
            # a text, not set_title: the title's automatic placement measures every axis (~0.03 s a panel)
            ax.text(0.5, 1.03, short(panel["title"], 22), transform=ax.transAxes, ha="center", va="bottom", fontsize=8)
            ax.set_ylabel(panel["unit"])
        handles = [Line2D([], [], marker="o", linestyle="", color=BEFORE_COLOUR, markersize=4),
                   Line2D([], [], marker="o", linestyle="", color=AFTER_COLOUR, markersize=4),
                   Line2D([], [], color="#555555", linewidth=1.2)]
        names = [f"{labels['before']}（{labels['measured']}）", f"{labels['after']}（{labels['measured']}）",
                 labels["mean"]]
        if seen["nd"]:
            handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="white",
                                  markeredgecolor="#555555", markersize=4))
            names.append(labels["nondetect"])
        for kind, (colour, style, label) in LIMIT_STYLES.items():
            if seen[kind]:
                handles.append(Line2D([], [], color=colour, linestyle=style, linewidth=0.8))
                names.append(labels[label])
        rows = 1 + (len(handles) - 1) // 4
        bottom = (0.42 + 0.16 * rows) / height
        _legend(fig, handles, names)
        fig.subplots_adjust(left=0.5 / width * (1 if n > 1 else 1.3), right=0.98, bottom=bottom,
                            top=1 - 0.3 / height, wspace=0.55)
        return _to_png(fig)


def reduction_chart(rows: list[dict], labels: dict, lang: str) -> Chart:
    """Forest plot: reduction estimate (%) with its 95 % interval per endpoint, and the claimed
    value where a claim is made on that endpoint.

    ``rows``: ``[{"label": str, "estimate": float, "ci": [lo, hi] | None, "claimed": float | None}]``;
    ``labels``: ``xlabel``, ``estimate``, ``ci``, ``claimed``.
    """
    rows = [r for r in rows if r.get("estimate") is not None]
    room = MAX_HEIGHT_IN - 1.2
    if len(rows) > int(room / 0.09):  # more rows than A4 holds legibly: the claims' rows first, then the others
        rows = sorted(rows, key=lambda r: r.get("claimed") is None)[: int(room / 0.09)]
    row_h = max(0.09, min(0.3, room / max(len(rows), 1)))
    with rc_context(_rc(lang)):
        fig = Figure(figsize=(6.4, row_h * max(len(rows), 1) + 1.1))
        ax = fig.subplots()
        claimed_seen = False
        for i, row in enumerate(rows):
            y = len(rows) - 1 - i
            ci = row.get("ci")
            if ci and None not in ci:
                ax.hlines(y, ci[0], ci[1], color=AFTER_COLOUR, linewidth=1.4)
            ax.plot([row["estimate"]], [y], "o", color=AFTER_COLOUR, markersize=4)
            if row.get("claimed") is not None:
                claimed_seen = True
                ax.plot([row["claimed"]], [y], "|", color=BEFORE_COLOUR, markersize=10, markeredgewidth=1.5)
        ax.axvline(0, color=LIMIT_COLOUR, linewidth=0.7)
        ax.set_yticks(range(len(rows)), [short(r["label"], 44) for r in reversed(rows)],
                      fontsize=7 if row_h >= 0.24 else (6 if row_h >= 0.15 else 4.5))
        ax.set_xlabel(labels["xlabel"])
        ax.set_xlim(min([-20, *_reduction_lows(rows)]) - 5, 105)
        ax.grid(axis="x", linewidth=0.3, color="#cccccc")
        handles = [Line2D([], [], marker="o", linestyle="", color=AFTER_COLOUR, markersize=4),
                   Line2D([], [], color=AFTER_COLOUR, linewidth=1.4)]
        names = [labels["estimate"], labels["ci"]]
        if claimed_seen:
            handles.append(Line2D([], [], marker="|", linestyle="", color=BEFORE_COLOUR, markersize=10,
                                  markeredgewidth=1.5))
            names.append(labels["claimed"])
        ax.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.25 / fig.get_figheight()),
                  ncol=3, fontsize=6.8)
        return _to_png(fig, tight=True)  # row labels vary in length


def _reduction_lows(rows: list[dict]) -> list[float]:
    """What the reduction axis must reach on the left: every estimate and every interval's lower end
    (an endpoint may have an estimate but no interval: too few runs, non-detects)."""
    lows = [r["estimate"] for r in rows]
    return lows + [r["ci"][0] for r in rows if r.get("ci") and None not in r["ci"]]


def _decimate(xs: list, ys: list) -> tuple[list, list]:
    if len(xs) <= MAX_POINTS:
        return xs, ys
    stride = -(-len(xs) // MAX_POINTS)
    return xs[::stride], ys[::stride]


def _local_hours(hours: list[str], zone: ZoneInfo | None) -> list[datetime]:
    stamps = [datetime.fromisoformat(h) for h in hours]
    return [s.astimezone(zone) if zone is not None and s.tzinfo is not None else s for s in stamps]


def timeseries_chart(before: dict, after: dict, limit: dict | None, labels: dict, unit: str, lang: str,
                     timezone: str | None = None) -> Chart:
    """Hourly means of a continuous endpoint: before and after campaigns side by side, in the case's
    local time (``timezone``), dates written ``MM-DD``.

    ``before``/``after``: ``{"hours": [ISO str], "values": [float|None]}``; ``limit``:
    ``{"value", "label", "kind"}`` or None; ``labels``: ``before``, ``after``, ``hourly``,
    ``limit``, ``provisional``, ``superseded``, ``benchmark``, ``date``.
    """
    zone = ZoneInfo(timezone) if timezone else None
    with rc_context(_rc(lang)):
        fig = Figure(figsize=(6.6, 2.6))
        axes = fig.subplots(1, 2, sharey=True)
        ymax = 0.0
        for ax, data, key, colour in ((axes[0], before, "before", BEFORE_COLOUR),
                                      (axes[1], after, "after", AFTER_COLOUR)):
            pairs = [(t, v) for t, v in zip(_local_hours(data.get("hours") or [], zone), data.get("values") or [])
                     if v is not None]
            xs, ys = _decimate([p[0] for p in pairs], [p[1] for p in pairs])
            if xs:
                ax.plot(xs, ys, color=colour, linewidth=0.7)
                ymax = max(ymax, max(ys))
                ax.text(0.5, 1.03, f"{labels[key]}  {xs[0]:%Y-%m-%d} – {xs[-1]:%Y-%m-%d}", transform=ax.transAxes,
                        ha="center", va="bottom", fontsize=7.5)
            if limit is not None:
                colour, style, _ = LIMIT_STYLES[limit_kind(limit)]
                ax.axhline(limit["value"], color=colour, linestyle=style, linewidth=0.8)
                ymax = max(ymax, limit["value"])
            ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=6, tz=zone))
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d", tz=zone))
            ax.tick_params(axis="x", labelsize=6.5)
            ax.set_xlabel(labels["date"], fontsize=6.8)
        axes[0].set_ylabel(unit)
        axes[0].set_ylim(0, ymax * 1.12 if ymax > 0 else 1)
        if limit is not None:
            axes[1].annotate(short(limit["label"], 30), (1.0, limit["value"]), xycoords=("axes fraction", "data"),
                             xytext=(0, 1.5), textcoords="offset points", fontsize=5.8, ha="right", va="bottom")
        handles = [Line2D([], [], color=BEFORE_COLOUR, linewidth=0.9), Line2D([], [], color=AFTER_COLOUR, linewidth=0.9)]
        names = [f"{labels['before']}（{labels['hourly']}）", f"{labels['after']}（{labels['hourly']}）"]
        if limit is not None:
            colour, style, label = LIMIT_STYLES[limit_kind(limit)]
            handles.append(Line2D([], [], color=colour, linestyle=style, linewidth=0.8))
            names.append(labels[label])
        _legend(fig, handles, names)
        fig.subplots_adjust(left=0.09, right=0.98, bottom=0.34, top=0.88, wspace=0.08)
        return _to_png(fig)
