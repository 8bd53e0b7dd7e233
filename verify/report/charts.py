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
import unicodedata
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
from matplotlib.legend_handler import HandlerTuple  # noqa: E402
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
#: the one-sided 95 % lower bound a claim's verdict uses: a right-pointing caret (the claim holds to its right)
BOUND_COLOUR = "#1d6b2f"
BOUND_MARKER = 5  # matplotlib CARETRIGHT
#: An estimate that is itself a one-sided bound (results.json ``reduction_bound``; printed "≥"/"≤"): an
#: open marker and an arrow of this length (% points) towards where the true value lies.
ESTIMATE_BOUND_ARROW = {"lower": (8.0, ">"), "upper": (-8.0, "<")}
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
        fig.legend(handles, [wrap_label(lab, 44, 2) for lab in labels], loc="lower center", ncol=min(len(handles), 4),
                   fontsize=6.8, handlelength=1.8, columnspacing=1.2, bbox_to_anchor=(0.5, 0.0))


#: Room to the right of a panel for its limit labels (two lines: standard, value and unit).
LABEL_W_IN = 1.0
LABEL_FONT = 6.3


def _spread(wanted: list[float], gap: float, top: float) -> list[float]:
    """Label positions (axes fraction) near ``wanted`` (ascending), at least ``gap`` apart, pushed
    up and, where they would pass ``top``, down again (labels of close limit values never overlap)."""
    placed: list[float] = []
    for w in wanted:
        placed.append(max(w, placed[-1] + gap) if placed else w)
    over = (placed[-1] - top) if placed else 0.0
    if over > 0:
        placed = [p - over for p in placed]
        for i in range(len(placed) - 2, -1, -1):
            placed[i] = min(placed[i], placed[i + 1] - gap)
    return placed


def _limit_labels(ax, limits: list[dict], ylim: float, axes_h_in: float, cells: int) -> None:
    """Each limit line's label in the margin right of the panel, beside its line (a thin leader where
    labels had to be moved apart), so it never covers a point or a mean."""
    if not limits:
        return
    texts = [wrap_label(lim["label"], cells, 3) for lim in limits]
    lines = max(t.count("\n") + 1 for t in texts)
    gap = (lines * LABEL_FONT * 1.1 + 3) / 72 / axes_h_in
    wanted = [lim["value"] / ylim for lim in limits]
    for lim, text, want, at in zip(limits, texts, wanted, _spread(wanted, gap, 1.05)):
        colour = LIMIT_COLOUR if limit_kind(lim) in ("bind", "prov") else "#555555"
        ax.annotate(text, xy=(1.0, want), xycoords="axes fraction", xytext=(1.05, at), textcoords="axes fraction",
                    fontsize=LABEL_FONT, ha="left", va="center", color=colour, linespacing=1.1,
                    annotation_clip=False, arrowprops=None if abs(at - want) < 1e-9 else
                    {"arrowstyle": "-", "color": "#999999", "linewidth": 0.5, "shrinkA": 0, "shrinkB": 1})


def _draw_phases(ax, panel: dict, seen: dict) -> float:
    """The points and phase means of one panel; returns the largest value drawn."""
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
            ax.scatter([xi], [v], s=16, zorder=3, linewidths=0.9, facecolors="white" if c else colour,
                       edgecolors=colour)
            seen["nd"] |= bool(c)
        ax.hlines(sum(v for v, _ in pairs) / k, x - 0.25, x + 0.25, color=colour, linewidth=1.2, zorder=3)
        ymax = max(ymax, max(v for v, _ in pairs))
    return ymax


def run_values_chart(panels: list[dict], labels: dict, lang: str) -> Chart:
    """Per-run values before and after, one panel per metric; each limit line labelled (standard,
    value and unit) in the margin right of its panel.

    ``panels``: ``[{"title": str, "unit": str, "before": [float|None], "after": [float|None],
    "censored_before": [bool], "censored_after": [bool], "limits": [{"value", "label", "kind"}]}]`` (``kind`` a key of :data:`LIMIT_STYLES`);
    ``labels``: ``before``, ``after``, ``measured``, ``nondetect``, ``mean``, ``limit``, ``provisional``,
    ``superseded``, ``benchmark``.
    """
    n = max(len(panels), 1)
    left_in = 0.55  # the y axis label and ticks of each panel
    label_w = LABEL_W_IN
    with_limits = sum(1 for p in panels if p.get("limits"))
    if with_limits and (MAX_WIDTH_IN - n * left_in - with_limits * label_w - 0.15 * (n - with_limits)) / n < 1.1:
        label_w = 0.75  # three panels with limits: narrower labels, wrapped shorter
    margins = [label_w if p.get("limits") else 0.15 for p in panels] or [0.15]
    # never narrower than 0.6 in: more panels than the column holds make a wider figure, printed smaller
    axis_w = max(0.6, min(1.9, (MAX_WIDTH_IN - n * left_in - sum(margins)) / n))
    width = n * (left_in + axis_w) + sum(margins)
    seen = {"nd": False, **{kind: False for kind in LIMIT_STYLES}}
    with rc_context(_rc(lang)):
        handles = [Line2D([], [], marker="o", linestyle="", color=BEFORE_COLOUR, markersize=4),
                   Line2D([], [], marker="o", linestyle="", color=AFTER_COLOUR, markersize=4),
                   Line2D([], [], color="#555555", linewidth=1.2)]
        kinds = {limit_kind(lim) for p in panels for lim in p.get("limits") or []}
        legend_n = len(handles) + len(kinds) + any(any(p.get(f"censored_{ph}") or []) for p in panels
                                                     for ph in ("before", "after"))
        rows = 1 + (legend_n - 1) // 4
        bottom_in, top_in, axes_h = 0.42 + 0.16 * rows, 0.42, 1.75
        height = bottom_in + axes_h + top_in
        fig = Figure(figsize=(width, height))
        x0 = 0.0
        for panel, margin in zip(panels, margins):
            ax = fig.add_axes(((x0 + left_in) / width, bottom_in / height, axis_w / width, axes_h / height))
            x0 += left_in + axis_w + margin
            ymax = _draw_phases(ax, panel, seen)
            limits = sorted(panel.get("limits") or [], key=lambda lim: lim["value"])
            for lim in limits:
                kind = limit_kind(lim)
                seen[kind] = True
                colour, style, _ = LIMIT_STYLES[kind]
                ax.axhline(lim["value"], color=colour, linestyle=style, linewidth=0.8)
                ymax = max(ymax, lim["value"])
            ylim = ymax * 1.15 if ymax > 0 else 1
            ax.set_xlim(-0.6, 1.6)
            ax.set_ylim(0, ylim)
            ax.set_xticks([0, 1], [labels["before"], labels["after"]])
            # a text, not set_title: the title's automatic placement measures every axis (~0.03 s a panel)
            ax.text(0.5, 1.03, wrap_label(panel["title"], int(axis_w * 16), 3), transform=ax.transAxes,
                    ha="center", va="bottom", fontsize=7.5, linespacing=1.1)
            ax.set_ylabel(panel["unit"])
            _limit_labels(ax, limits, ylim, axes_h, int(label_w * 72 / LABEL_FONT * 1.9))
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
        _legend(fig, handles, names)
        return _to_png(fig)


def _cells(ch: str) -> int:
    """Display width of a character: 2 for CJK and full-width forms, 1 otherwise."""
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


#: Where a label may break (UAX #14 in short): after a space or a closing bracket, after a list
#: separator, before an opening bracket; never inside a word or between a number and its unit.
_BREAK_AFTER = frozenset(" ）)]、，,；;")
_BREAK_BEFORE = frozenset("（([")


def _last_break(line: str) -> int:
    """The index where ``line`` may be broken last (the next line starts there), or -1."""
    for i in range(len(line) - 1, 0, -1):
        if line[i - 1] in _BREAK_AFTER or line[i] in _BREAK_BEFORE:
            return i
    return -1


#: Characters that never start a line (JIS X 4051 line-start prohibition, 行頭禁則): a closing bracket
#: or a comma at the end of a label stays on its line, one cell past the width if need be.
_NO_LINE_START = frozenset("）)」』】〕、。，．,.：:；;%％")


def _wrap_line(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken at the last break opportunity of a line
    (:data:`_BREAK_AFTER`, :data:`_BREAK_BEFORE`) when it is past a third of the line; a line without
    one (a long word, a hostile name) is cut at the width."""
    lines, line, used = [], "", 0
    for ch in text:
        if used + _cells(ch) > width and line and ch not in _NO_LINE_START:
            cut = _last_break(line + ch)
            if cut == len(line) or cut > len(line) // 3:
                lines.append(line[:cut].rstrip())
                line = line[cut:].lstrip(" ")
            else:
                lines.append(line)
                line = ""
            used = sum(_cells(c) for c in line)
        if ch == " " and not line:
            continue  # a line never starts with the space it was broken at
        line += ch
        used += _cells(ch)
    return lines + [line]


def wrap_label(text, width: int = 40, max_lines: int = 3) -> str:
    """``text`` in lines of at most ``width`` cells (a CJK character is two), broken after a space
    where one is near the end of a line (and at the text's own line breaks), so a label is shown
    whole; a text longer than ``max_lines`` lines (a hostile name, not a plant's) ends with "…"."""
    lines = [x for part in str(text).split("\n") for x in _wrap_line(part, width) if x]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][:-1] + "…"
    return "\n".join(lines)


def reduction_chart(rows: list[dict], labels: dict, lang: str) -> Chart:
    """Forest plot: reduction estimate (%) with its two-sided 95 % interval per endpoint; where a
    claim is made on the endpoint, the claimed value and the one-sided 95 % lower bound the verdict
    uses (the lower end of the two-sided 90 % interval). Row labels are wrapped, never cut.

    An estimate that is itself a one-sided bound (``estimate_bound`` ``lower``, printed "≥", or
    ``upper``, "≤": a reduction from a Kaplan–Meier mean that is an upper bound) is drawn open, with an
    arrow towards where the true value lies (:data:`ESTIMATE_BOUND_ARROW`), and named in the legend.

    ``rows``: ``[{"label": str, "estimate": float, "ci": [lo, hi] | None, "claimed": float | None,
    "bound": float | None, "estimate_bound": "lower" | "upper" | None}]``; ``labels``: ``xlabel``,
    ``estimate``, ``ci``, ``claimed``, ``bound``, ``estimate_lower``, ``estimate_upper``.
    """
    rows = [r for r in rows if r.get("estimate") is not None]
    room = MAX_HEIGHT_IN - 1.2
    if len(rows) > int(room / 0.09):  # more rows than A4 holds legibly: the claims' rows first, then the others
        rows = sorted(rows, key=lambda r: r.get("claimed") is None)[: int(room / 0.09)]
    texts = [wrap_label(r["label"], 34 if len(rows) <= 24 else 60, 3 if len(rows) <= 24 else 1) for r in rows]
    lines = max((t.count("\n") + 1 for t in texts), default=1)
    row_h = max(0.09, min(0.13 * lines + 0.06, room / max(len(rows), 1)))
    size = 6.8 if row_h >= 0.13 * lines + 0.06 else max(4.5, 6.8 * row_h / (0.13 * lines + 0.06))
    with rc_context(_rc(lang)):
        fig = Figure(figsize=(6.6, row_h * max(len(rows), 1) + 1.1))
        ax = fig.subplots()
        seen = {"claimed": False, "bound": False, "lower": False, "upper": False}
        for i, row in enumerate(rows):
            y = len(rows) - 1 - i
            ci = row.get("ci")
            if ci and None not in ci:
                ax.hlines(y, ci[0], ci[1], color=AFTER_COLOUR, linewidth=1.4)
            side = row.get("estimate_bound")
            if side in ESTIMATE_BOUND_ARROW:
                seen[side] = True
                _estimate_bound(ax, row["estimate"], y, side)
            else:
                ax.plot([row["estimate"]], [y], "o", color=AFTER_COLOUR, markersize=4, zorder=3)
            if row.get("claimed") is not None:
                seen["claimed"] = True
                ax.plot([row["claimed"]], [y], "|", color=BEFORE_COLOUR, markersize=11, markeredgewidth=1.6, zorder=4)
            if row.get("bound") is not None:
                seen["bound"] = True
                ax.plot([row["bound"]], [y], marker=BOUND_MARKER, linestyle="", color=BOUND_COLOUR, markersize=7,
                        zorder=5)
        ax.axvline(0, color=LIMIT_COLOUR, linewidth=0.7)
        ax.set_yticks(range(len(rows)), list(reversed(texts)), fontsize=size, linespacing=1.1)
        ax.set_ylim(-0.6, len(rows) - 0.4)
        ax.set_xlabel(labels["xlabel"])
        ax.set_xlim(min([-5, *_reduction_lows(rows)]) - 5, max([100, *_reduction_highs(rows)]) + 5)
        ax.grid(axis="x", linewidth=0.3, color="#cccccc")
        handles = [Line2D([], [], marker="o", linestyle="", color=AFTER_COLOUR, markersize=4),
                   Line2D([], [], color=AFTER_COLOUR, linewidth=1.4)]
        names = [labels["estimate"], labels["ci"]]
        for side in ("lower", "upper"):
            if seen[side]:
                handles.append((_open_marker(), Line2D([], [], marker=ESTIMATE_BOUND_ARROW[side][1], linestyle="",
                                                       color=AFTER_COLOUR, markersize=4)))
                names.append(labels[f"estimate_{side}"])
        if seen["claimed"]:
            handles.append(Line2D([], [], marker="|", linestyle="", color=BEFORE_COLOUR, markersize=11,
                                  markeredgewidth=1.6))
            names.append(labels["claimed"])
        if seen["bound"]:
            handles.append(Line2D([], [], marker=BOUND_MARKER, linestyle="", color=BOUND_COLOUR, markersize=7))
            names.append(labels["bound"])
        ax.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.25 / fig.get_figheight()),
                  ncol=min(len(handles), 3), fontsize=6.8, handler_map={tuple: HandlerTuple(ndivide=None)})
        return _to_png(fig, tight=True)  # row labels vary in length


def _open_marker() -> Line2D:
    return Line2D([], [], marker="o", linestyle="", color=AFTER_COLOUR, markerfacecolor="white", markersize=4.5)


def _estimate_bound(ax, estimate: float, y: float, side: str) -> None:
    """An estimate that is a one-sided bound: an open marker and an arrow (a line ending in a
    triangle) towards where the true value lies (:data:`ESTIMATE_BOUND_ARROW`)."""
    length, head = ESTIMATE_BOUND_ARROW[side]
    ax.plot([estimate, estimate + length], [y, y], color=AFTER_COLOUR, linewidth=1.0, zorder=2)
    ax.plot([estimate + length], [y], marker=head, linestyle="", color=AFTER_COLOUR, markersize=4, zorder=3)
    ax.plot([estimate], [y], marker="o", linestyle="", color=AFTER_COLOUR, markerfacecolor="white",
            markersize=4.5, zorder=4)


def _reduction_highs(rows: list[dict]) -> list[float]:
    """What the reduction axis must reach on the right: the arrow of an estimate that is a lower bound."""
    return [r["estimate"] + ESTIMATE_BOUND_ARROW[r["estimate_bound"]][0] for r in rows
            if r.get("estimate_bound") == "lower"]


def _reduction_lows(rows: list[dict]) -> list[float]:
    """What the reduction axis must reach on the left: every estimate and every interval's lower end
    (an endpoint may have an estimate but no interval: too few runs, non-detects) and the arrow of an
    estimate that is an upper bound."""
    lows = [r["estimate"] + min(0.0, ESTIMATE_BOUND_ARROW.get(r.get("estimate_bound"), (0.0,))[0]) for r in rows]
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
        axes[0].set_ylim(0, ymax * 1.22 if ymax > 0 else 1)
        if limit is not None:  # each panel's line labelled (standard, value and unit), above its right end
            for ax in axes:
                ax.annotate(wrap_label(limit["label"], 30, 2), (1.0, limit["value"]), xycoords=("axes fraction", "data"),
                            xytext=(-2, 2), textcoords="offset points", fontsize=LABEL_FONT, ha="right", va="bottom",
                            linespacing=1.1, color=LIMIT_COLOUR, bbox=LABEL_BOX)
        handles = [Line2D([], [], color=BEFORE_COLOUR, linewidth=0.9), Line2D([], [], color=AFTER_COLOUR, linewidth=0.9)]
        names = [f"{labels['before']}（{labels['hourly']}）", f"{labels['after']}（{labels['hourly']}）"]
        if limit is not None:
            colour, style, label = LIMIT_STYLES[limit_kind(limit)]
            handles.append(Line2D([], [], color=colour, linestyle=style, linewidth=0.8))
            names.append(labels[label])
        _legend(fig, handles, names)
        fig.subplots_adjust(left=0.09, right=0.98, bottom=0.34, top=0.88, wspace=0.08)
        return _to_png(fig)
