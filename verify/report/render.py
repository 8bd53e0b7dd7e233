"""Render the verification report from a results dict (the parsed results.json) alone.

Layout choice: the whole report in Japanese, then the whole report in Chinese (not side by side).
An official reads one language from start to end; each half opens with its own one-page
verification statement that can be published on its own; wide run tables keep the page width (an
annex in landscape); and the page header and footer fonts follow the language of the page. Numbers
are formatted once, language-neutrally (:mod:`verify.report.view`), so both halves carry the same
digits.

``verify run`` and ``verify report`` write the same document: report.html is the HTML the PDF is
made from.

This package reads no data file and recomputes nothing: it only selects, labels and formats what
results.json holds. It imports nothing from ``verify.sources``, ``verify.measure`` or
``verify.stats`` (docs/architecture.md). Modules: ``view`` (language-neutral view model),
``statement`` (the statement's limitations), ``cobenefits`` (co-benefit tables), ``lang``
(everything language-dependent), ``figures``/``charts`` (figures), ``fmt`` (numbers and units),
``pdf`` (WeasyPrint), this module (Jinja2 and the public functions).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from verify.errors import RenderError
from verify.fsutil import atomic_write_bytes
from verify.report.cobenefits import cobenefits_view
from verify.report.figures import NO_CHARTS, all_charts
from verify.report.fmt import DASH, fmt_chem, fmt_date, fmt_int, fmt_interval, fmt_num, fmt_p, fmt_pct, fmt_plain
from verify.report.i18n import HTML_LANG, parse_langs
from verify.report.lang import Lang
from verify.report.statement import limitations
from verify.report.view import MAX_LEDGER_ROWS, build_view  # noqa: F401 (MAX_LEDGER_ROWS: public)
from verify.resources import templates_dir


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja2 environment: autoescape on, StrictUndefined, templates from ``verify.templates``."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir())), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters.update(num=fmt_num, plain=fmt_plain, pct=fmt_pct, pval=fmt_p, chem=fmt_chem,
                       int=fmt_int, date=fmt_date, interval=fmt_interval)
    return env


def render_html(results: dict, langs: tuple[str, ...] = ("ja", "zh"), *, charts: bool = True) -> str:
    """The complete, self-contained report HTML (CSS inline, charts inline ``data:`` URLs).

    ``charts=False`` leaves the figures out (a text-only report; also the fast path in tests).
    """
    langs = parse_langs(langs)
    view = build_view(results)
    lim = limitations(view)
    cob = cobenefits_view(view["cobenefits"])
    Ls = [Lang(code, results) for code in langs]
    figures = all_charts(view, Ls, results) if charts else [NO_CHARTS] * len(Ls)
    blocks = [{"L": L, "charts": figs, "cob": cob, "lim": lim} for L, figs in zip(Ls, figures)]
    css = (templates_dir() / "report.css").read_text(encoding="utf-8")
    try:
        template = environment().get_template("report.html.j2")
        return template.render(v=view, blocks=blocks, css=Markup(css), root_lang=HTML_LANG[langs[0]],
                               DASH=DASH, single=len(langs) == 1)
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
    that ``verify run`` builds the HTML and its charts once for report.html and report.pdf.
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
