"""Render the verification report from a results dict (the parsed results.json) alone.

Layout choice: the whole report in Japanese, then the whole report in Chinese (not side by side).
An official reads one language from start to end; each half opens with its own one-page
verification statement that can be published on its own; wide run tables keep the page width (an
annex in landscape); and the page header and footer fonts follow the language of the page. Numbers
are formatted once, language-neutrally (:mod:`verify.report.view`), so both halves carry the same
digits.

Page numbers: each language version is numbered on its own, as bilingual reports bound as two
language versions are: its statement is page 1 and the footer reads "3 / 20" within the Japanese
version, "3 / 19" within the Chinese one; each version's contents list refers to its own numbers
(CSS ``target-counter``) and the cover says that each version starts at 1. The reason: the halves
are separate WeasyPrint documents, rendered side by side where the platform forks and then joined
(:mod:`verify.report.halves`, :mod:`verify.report.merge`; docs/performance.md (e)), and a half cannot
know the other's page count without waiting for its layout.

``verify run`` and ``verify report`` write the same document: report.html holds the halves the PDF
is made from, one after the other (:func:`render_document` around each half's
:func:`render_body`).

This package reads no data file and recomputes nothing: it only selects, labels and formats what
results.json holds. It imports nothing from ``verify.sources``, ``verify.measure`` or
``verify.stats`` (docs/architecture.md). Modules: ``view`` (language-neutral view model),
``statement`` (the statement's limitations), ``cobenefits`` (co-benefit tables), ``lang``
(everything language-dependent), ``figures``/``charts`` (figures), ``fmt`` (numbers and units),
``pdf`` (WeasyPrint), ``halves`` (a PDF per language half, side by side), ``merge`` (joining them),
this module (Jinja2 and the public functions).
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
from verify.report.figures import NO_CHARTS, language_charts
from verify.report.fmt import DASH, fmt_chem, fmt_date, fmt_int, fmt_interval, fmt_num, fmt_p, fmt_pct, fmt_plain
from verify.report.i18n import HTML_LANG, parse_langs
from verify.report.lang import Lang, keep_quantities
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
                       int=fmt_int, date=fmt_date, interval=fmt_interval, nobr=keep_quantities)
    return env


def _block(results: dict, lang: str, charts: bool) -> dict:
    view = build_view(results)
    L = Lang(lang, results)
    figures = language_charts(view, L, results) if charts else NO_CHARTS
    return {"v": view, "b": {"L": L, "charts": figures, "cob": cobenefits_view(view["cobenefits"], view["endpoints"]),
                             "lim": limitations(view)}, "L": L}


def render_body(results: dict, lang: str, langs: tuple[str, ...] = ("ja", "zh"), *, charts: bool = True) -> Markup:
    """One language half of the report (its ``<div class="lang-block">``: statement, cover and
    contents, sections, annexes and its own figures). ``langs``: every language of the report, for
    the cover's note on the languages it is published in."""
    block = _block(results, lang, charts)
    try:
        return Markup(environment().get_template("body.html.j2").render(**block, DASH=DASH, single=len(langs) == 1))
    except jinja2.UndefinedError as exc:
        raise RenderError(f"the results lack a key the report needs: {exc}") from exc


def render_document(results: dict, bodies: list[Markup], root_lang: str) -> str:
    """The self-contained HTML document (CSS inline) around rendered language halves."""
    css = (templates_dir() / "report.css").read_text(encoding="utf-8")
    return environment().get_template("report.html.j2").render(
        case_id=build_view(results)["case_id"], bodies=bodies, css=Markup(css), root_lang=HTML_LANG[root_lang])


def render_html(results: dict, langs: tuple[str, ...] = ("ja", "zh"), *, charts: bool = True) -> str:
    """The complete, self-contained report HTML (CSS inline, charts inline ``data:`` URLs): the
    halves one after the other, as :func:`render_report` writes report.html.

    ``charts=False`` leaves the figures out (a text-only report; also the fast path in tests).
    """
    langs = parse_langs(langs)
    return render_document(results, [render_body(results, lang, langs, charts=charts) for lang in langs], langs[0])


def render_report(results: dict, langs: tuple[str, ...] = ("ja", "zh")) -> tuple[str, bytes]:
    """(report.html, report.pdf) of ``verify run``: each half rendered once, in its own process
    where the platform forks (:mod:`verify.report.halves`); report.html holds the halves the PDF
    was made from."""
    from verify.report.halves import merged_pdf, render_halves

    halves = render_halves(results, langs)
    html = render_document(results, [h.body for h in halves], halves[0].lang)
    return html, merged_pdf(halves, results)


def render_pdf(results: dict, langs: tuple[str, ...] = ("ja", "zh"), fetcher=None) -> bytes:
    """The report as PDF bytes: one WeasyPrint document per language half (deny-all fetcher,
    reproducible metadata date), joined. ``fetcher``: receives the URLs every half's fetcher
    served and refused (tests)."""
    from verify.report.halves import merged_pdf, render_halves

    halves = render_halves(results, langs, log_fetches=fetcher is not None)
    if fetcher is not None:
        for half in halves:
            fetcher.calls.extend(half.fetched)
            fetcher.refused.extend(half.refused)
    return merged_pdf(halves, results)


def write_report(results: dict, out_path: str | os.PathLike,
                 langs: tuple[str, ...] = ("ja", "zh"), *, data: str | bytes | None = None) -> Path:
    """Render and write the report; ``.pdf`` or ``.html`` by suffix; atomic (nothing half-written).

    ``data``: the already rendered file (from :func:`render_report`), so that ``verify run``
    renders report.html and report.pdf once.
    """
    out = Path(out_path)
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".html", ".htm"):
        raise RenderError(f"report output must end in .pdf or .html, not {out.name!r}")
    if data is None:
        data = render_pdf(results, langs) if suffix == ".pdf" else render_html(results, langs)
    atomic_write_bytes(out, data.encode("utf-8") if isinstance(data, str) else data)
    return out
