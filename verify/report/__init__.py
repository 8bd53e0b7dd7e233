"""The bilingual (ja/zh) verification report, rendered from a results dict alone.

Public API:

- :func:`verify.report.render.render_html` ``(results, langs=("ja", "zh"), *, charts=True) -> str``
- :func:`verify.report.render.render_pdf` ``(results, langs=("ja", "zh"), fetcher=None) -> bytes``
  (one WeasyPrint document per language half, rendered side by side where the platform forks,
  joined with pypdf; each half numbered from 1)
- :func:`verify.report.render.render_report` ``(results, langs) -> (html, pdf)`` (``verify run``:
  report.html and report.pdf from one rendering of each half)
- :func:`verify.report.render.write_report` ``(results, out_path, langs=("ja", "zh"), *, data=None)
  -> Path`` (``.pdf`` or ``.html`` by suffix; atomic)
- :func:`verify.report.xlsx.write_summary_xlsx` ``(results, path) -> Path``
- :func:`verify.report.pdf.render_pdf_isolated` ``(results, langs, *, timeout=600, memory_mb=4096)
  -> bytes`` (the same PDF rendered in a child process with a timeout and a memory limit)
- :func:`verify.report.pdf.check_cjk_fonts` ``() -> None`` (raises RenderError without Noto CJK)
- :func:`verify.report.i18n.parse_langs` ``("ja,zh") -> ("ja", "zh")`` for ``--lang``

Modules: ``render`` (view model + Jinja2), ``fmt`` (the one number/unit formatter), ``i18n``
(catalogues ``data/ja.toml``, ``data/zh.toml``), ``charts`` (matplotlib PNG), ``pdf`` (WeasyPrint
with a deny-all URL fetcher), ``halves`` (a PDF per language half, side by side where the platform
forks), ``merge`` (pypdf: the halves as one file), ``xlsx`` (summary workbook). Templates and CSS live in the top-level
``templates/`` folder. Nothing here imports ``verify.sources``, ``verify.measure`` or
``verify.stats``.
"""

from verify.report.render import render_html, render_pdf, write_report
from verify.report.xlsx import write_summary_xlsx

__all__ = ["render_html", "render_pdf", "write_report", "write_summary_xlsx"]
