"""Render the bilingual verification report from a results dict (the parsed results.json) alone.

Layout choice: the whole report in Japanese, then the whole report in Chinese (not side by side).
An official reads one language from start to end; each language keeps its own one-page
verification statement that can be published on its own; wide run tables keep the full page
width; and the page header/footer fonts follow the language of the page. Numbers are formatted
once, language-neutrally (:mod:`verify.report.fmt`), so both halves carry the same digits.

This module reads no data file and recomputes nothing: it only selects, labels and formats what
results.json holds. It imports nothing from ``verify.sources``, ``verify.measure`` or
``verify.stats`` (docs/architecture.md).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from verify.fsutil import atomic_write_bytes
from verify.errors import RenderError
from verify.report.cobenefits import cob_blocks
from verify.report.figures import _NO_CHARTS, _charts, _shared_charts
from verify.report.fmt import (DASH, fmt_chem, fmt_date, fmt_int, fmt_interval, fmt_num, fmt_p,
                               fmt_pct, fmt_plain, fmt_unit)
from verify.report.i18n import HTML_LANG, parse_langs
from verify.report.lang import Lang
from verify.report.view import MAX_LEDGER_ROWS, PDF_LEDGER_ROWS, build_view  # noqa: F401 (public)
from verify.resources import templates_dir



# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja2 environment: autoescape on, StrictUndefined, templates from ``verify.templates``."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir())), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters.update(num=fmt_num, plain=fmt_plain, pct=fmt_pct, pval=fmt_p, unit=fmt_unit, chem=fmt_chem,
                       int=fmt_int, date=fmt_date, interval=fmt_interval)
    return env


def render_html(results: dict, langs: tuple[str, ...] = ("ja", "zh"), *, charts: bool = True,
                beside_run_outputs: bool = False) -> str:
    """The complete, self-contained report HTML (CSS inline, charts inline PNG ``data:`` URLs).

    ``charts=False`` leaves the figures out (a text-only report; also the fast path in tests).
    ``beside_run_outputs=True``: the document is ``verify run``'s PDF, written next to ledger.csv,
    summary.xlsx and report.html; it then leaves the per-run tables to summary.xlsx (sheet
    ``runs``) and lists the first :data:`PDF_LEDGER_ROWS` ledger entries only (all are in
    ledger.csv), saying so in both languages.
    """
    return _render(results, langs, charts=charts, variants=(beside_run_outputs,))[0]


def render_run_reports(results: dict, langs: tuple[str, ...] = ("ja", "zh")) -> tuple[str, str]:
    """``verify run``'s two HTML documents from one view and one set of charts: report.html with
    every table, and the PDF's HTML (``beside_run_outputs``), whose per-run tables are in
    summary.xlsx and whose ledger listing is shortened (all entries are in ledger.csv), both written
    by the same run: the per-run tables were ~3 of 33 pages and ~1 s of the textile PDF's layout,
    the 60-entry listing ~6 of 17 pages of the CEMS case's (docs/performance.md (e))."""
    full, for_pdf = _render(results, langs, charts=True, variants=(False, True))
    return full, for_pdf


def _render(results: dict, langs, *, charts: bool, variants: tuple[bool, ...]) -> list[str]:
    langs = parse_langs(langs)
    view = build_view(results)
    env = environment()
    css = (templates_dir() / "report.css").read_text(encoding="utf-8")
    blocks = []
    Ls = [Lang(code, results) for code in langs]
    shared = _shared_charts(view, Ls) if charts else None
    for L in Ls:
        blocks.append({"L": L, "charts": _charts(view, L, shared) if charts else _NO_CHARTS,
                       "cob": cob_blocks({k: v for k, v in view["cobenefits"].items()}, L)
                       if view["cobenefits"] and view["cobenefits"].get("available", True) is not False else []})
    try:
        template = env.get_template("report.html.j2")
        return [template.render(v=view, blocks=blocks, css=Markup(css), root_lang=HTML_LANG[langs[0]],
                                DASH=DASH, beside_run_outputs=flag,
                                PDF_LEDGER_ROWS=PDF_LEDGER_ROWS) for flag in variants]
    except jinja2.UndefinedError as exc:
        raise RenderError(f"the results lack a key the report needs: {exc}") from exc


def render_pdf(results: dict, langs: tuple[str, ...] = ("ja", "zh"), fetcher=None) -> bytes:
    """The report as PDF bytes (WeasyPrint, deny-all fetcher, reproducible metadata date)."""
    from verify.report.pdf import html_to_pdf

    return html_to_pdf(render_html(results, langs), results, fetcher=fetcher)


def write_report(results: dict, out_path: str | os.PathLike,
                 langs: tuple[str, ...] = ("ja", "zh"), *, html: str | None = None) -> Path:
    """Render and write the report; ``.pdf`` or ``.html`` by suffix; atomic (nothing half-written).

    ``html``: an already rendered report (``render_html`` of the same results and languages), so
    that ``verify run`` builds the HTML and its charts once for both outputs.
    """
    from verify.report.pdf import html_to_pdf

    out = Path(out_path)
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".html", ".htm"):
        raise RenderError(f"report output must end in .pdf or .html, not {out.name!r}")
    if html is None:
        html = render_html(results, langs)
    data = html_to_pdf(html, results) if suffix == ".pdf" else html.encode("utf-8")
    atomic_write_bytes(out, data)
    return out
