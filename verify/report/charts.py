"""Charts for the report: matplotlib (Agg) PNG images at a fixed resolution, inlined in the HTML
as ``data:`` URLs by :mod:`verify.report.render`.

Pure functions from plain numbers and already-translated labels to a :class:`Chart` (PNG bytes and
the figure's size in inches, so the image prints at the size it was drawn).

Why raster and not SVG (measured on the textile case, 16 charts, docs/performance.md (e)): inline
SVG made every path, marker and label an element that WeasyPrint styles and lays out like HTML and
then draws node by node; the 16 charts cost ~4 s of the ~12 s PDF. A PNG is one image box (~0.02 s
each) and looks the same on paper at 200 dpi. Text in the charts is drawn by matplotlib with the
same Noto CJK faces as the body (font stack per language below).

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

import matplotlib

from verify.report.fonts import pin_text_language

pin_text_language()  # before any text is shaped: glyph forms independent of the locale (verify.report.fonts)
matplotlib.use("Agg")  # never a GUI backend, even if pyplot gets imported elsewhere

from matplotlib import dates as mdates  # noqa: E402
from matplotlib import rc_context  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

#: Font stacks per report language (platform.md §2: Noto CJK from fonts-noto-cjk; DejaVu for Latin).
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
MAX_POINTS = 400  # per phase in a time series; more are decimated by a fixed stride

#: Resolution of the chart images: 200 dpi is print quality for line art at these sizes (a 6.4 in
#: chart is 1,280 px wide) and keeps each PNG at 20-60 KB.
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
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None},
                bbox_inches="tight" if tight else None)
    data = buf.getvalue()
    width, height = png_size(data)
    return Chart(png=data, width_in=width / DPI, height_in=height / DPI)


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


def _lines(value, langs: tuple[str, ...]) -> list[tuple[str, str]]:
    """``(lang, text)`` lines of a label: a ``{lang: text}`` dict gives one line per language
    (a line equal to the one before it is dropped), a plain string one line."""
    if not isinstance(value, dict):
        return [(langs[0], str(value))]
    lines: list[tuple[str, str]] = []
    for lang in langs:
        text = value.get(lang)
        if text and (not lines or lines[-1][1] != text):
            lines.append((lang, str(text)))
    return lines


def _stacked(ax, value, langs, xy, xycoords, down: bool, fontsize: float) -> None:
    """Draw a (possibly bilingual) label as stacked lines at ``xy``, each line in its own
    language's font (JP and SC glyph forms differ: platform.md §2)."""
    lines = _lines(value, langs)
    step = fontsize * 1.3
    for i, (lang, text) in enumerate(lines if down else list(reversed(lines))):
        offset = -(3 + i * step) if down else 3 + i * step
        ax.annotate(text, xy, xycoords=xycoords, xytext=(0, offset), textcoords="offset points",
                    ha="center", va="top" if down else "bottom", fontsize=fontsize,
                    fontfamily=FONTS.get(lang, FONTS["ja"]), language=LANGUAGE_TAGS.get(lang, "ja"))


def run_values_chart(panels: list[dict], labels: dict, lang: str | tuple[str, ...]) -> Chart:
    """Per-run values before and after, one panel per metric, each limit as a dashed line.

    ``panels``: ``[{"title": str | {lang: str}, "unit": str, "before": [float|None],
    "after": [float|None], "limits": [{"value": float, "label": str}]}]``; ``labels``: ``before``,
    ``after`` (str or ``{lang: str}``). ``lang``: one language, or several: then the titles and the
    phase labels are drawn in each language, one line each, and the one image serves every
    language's half of the report (drawn once: docs/performance.md (e)). Units, numbers and limit
    labels are the same in every language.
    """
    langs = (lang,) if isinstance(lang, str) else tuple(lang)
    n_lines = max([len(_lines(labels[k], langs)) for k in ("before", "after")]
                  + [len(_lines(p["title"], langs)) for p in panels] + [1])
    band = 0.16 * (n_lines - 1)  # inches of extra room per extra line, above and below the axes
    height = 2.2 + 2 * band
    with rc_context(_rc(langs[0])):
        fig = Figure(figsize=(2.3 * max(len(panels), 1) + 0.4, height))
        axes = fig.subplots(1, max(len(panels), 1), squeeze=False)[0]
        for ax, panel in zip(axes, panels):
            ymax = 0.0
            for x, phase, colour in ((0, "before", BEFORE_COLOUR), (1, "after", AFTER_COLOUR)):
                vals = [v for v in panel.get(phase) or [] if v is not None]
                if not vals:
                    continue
                n = len(vals)
                xs = [x + (i - (n - 1) / 2) * min(0.08, 0.5 / n) for i in range(n)]
                ax.scatter(xs, vals, s=14, color=colour, zorder=3, linewidths=0)
                mean = sum(vals) / n
                ax.hlines(mean, x - 0.25, x + 0.25, color=colour, linewidth=1.2)
                ymax = max(ymax, max(vals))
            for lim in panel.get("limits") or []:
                ax.axhline(lim["value"], color=LIMIT_COLOUR, linestyle="--", linewidth=0.8)
                # label in the free band right of the "after" group, so it never covers a point
                ax.annotate(lim["label"], (2.05, lim["value"]), xycoords="data", xytext=(0, 1.5),
                            textcoords="offset points", fontsize=6.5, ha="right", va="bottom",
                            color=LIMIT_COLOUR)
                ymax = max(ymax, lim["value"])
            ax.set_xlim(-0.6, 2.1)
            ax.set_ylim(0, ymax * 1.15 if ymax > 0 else 1)
            ax.set_xticks([0, 1], ["", ""])
            for x, key in ((0, "before"), (1, "after")):
                _stacked(ax, labels[key], langs, (x, 0), ("data", "axes fraction"), True, 8)
            _stacked(ax, panel["title"], langs, (0.5, 1), "axes fraction", False, 8)
            ax.set_ylabel(panel["unit"])
        fig.subplots_adjust(left=0.55 / fig.get_figwidth() * 2, right=0.98,
                            bottom=(0.3 + band) / height, top=1 - (0.26 + band) / height, wspace=0.5)
        return _to_png(fig)


def reduction_chart(rows: list[dict], xlabel: str, lang: str) -> Chart:
    """Forest plot: reduction estimate (%) with its 95 % interval per endpoint.

    ``rows``: ``[{"label": str, "estimate": float, "ci": [lo, hi] | None, "claimed": float | None}]``.
    """
    rows = [r for r in rows if r.get("estimate") is not None]
    with rc_context(_rc(lang)):
        fig = Figure(figsize=(6.4, 0.32 * max(len(rows), 1) + 0.7))
        ax = fig.subplots()
        for i, row in enumerate(rows):
            y = len(rows) - 1 - i
            ci = row.get("ci")
            if ci and None not in ci:
                ax.hlines(y, ci[0], ci[1], color=AFTER_COLOUR, linewidth=1.4)
            ax.plot([row["estimate"]], [y], "o", color=AFTER_COLOUR, markersize=4)
            if row.get("claimed") is not None:
                ax.plot([row["claimed"]], [y], "|", color=BEFORE_COLOUR, markersize=10,
                        markeredgewidth=1.5)
        ax.axvline(0, color=LIMIT_COLOUR, linewidth=0.7)
        ax.set_yticks(range(len(rows)), [r["label"] for r in reversed(rows)])
        ax.set_xlabel(xlabel)
        ax.set_xlim(min([-20, *_reduction_lows(rows)]) - 5 if rows else -20, 100)
        ax.grid(axis="x", linewidth=0.3, color="#cccccc")
        return _to_png(fig, tight=True)  # row labels vary in length


def _reduction_lows(rows: list[dict]) -> list[float]:
    """What the reduction axis must reach on the left: every estimate and every interval's lower end
    (an endpoint may have an estimate but no interval: too few runs, non-detects)."""
    lows = [r["estimate"] for r in rows]
    return lows + [r["ci"][0] for r in rows if r.get("ci") and None not in r["ci"]]


def _parse_hours(hours: list[str]) -> list[datetime]:
    return [datetime.fromisoformat(h) for h in hours]


def _decimate(xs: list, ys: list) -> tuple[list, list]:
    if len(xs) <= MAX_POINTS:
        return xs, ys
    stride = -(-len(xs) // MAX_POINTS)
    return xs[::stride], ys[::stride]


def timeseries_chart(before: dict, after: dict, limit: float | None, labels: dict[str, str],
                     unit: str, lang: str) -> Chart:
    """Hourly means of a continuous endpoint: before and after campaigns side by side.

    ``before``/``after``: ``{"hours": [ISO str], "values": [float|None]}``; ``labels``: ``before``,
    ``after``, ``limit``.
    """
    with rc_context(_rc(lang)):
        fig = Figure(figsize=(6.6, 2.2))
        axes = fig.subplots(1, 2, sharey=True)
        ymax = 0.0
        for ax, data, key, colour in ((axes[0], before, "before", BEFORE_COLOUR),
                                      (axes[1], after, "after", AFTER_COLOUR)):
            pairs = [(t, v) for t, v in zip(_parse_hours(data.get("hours") or []),
                                            data.get("values") or []) if v is not None]
            xs, ys = _decimate([p[0] for p in pairs], [p[1] for p in pairs])
            if xs:
                ax.plot(xs, ys, color=colour, linewidth=0.8)
                ymax = max(ymax, max(ys))
                ax.set_title(f"{labels[key]}  {xs[0]:%Y-%m-%d} – {xs[-1]:%Y-%m-%d}", fontsize=8)
            if limit is not None:
                ax.axhline(limit, color=LIMIT_COLOUR, linestyle="--", linewidth=0.8)
                ymax = max(ymax, limit)
            locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
            ax.tick_params(axis="x", labelsize=6.5)
        axes[0].set_ylabel(unit)
        axes[0].set_ylim(0, ymax * 1.1 if ymax > 0 else 1)
        fig.subplots_adjust(left=0.09, right=0.98, bottom=0.2, top=0.88, wspace=0.08)
        return _to_png(fig)
