"""The same fonts and glyph forms under any locale (issue 17 item 13).

Three libraries that draw the report's text take a default language from the process's locale, and
the language picks the CJK face and glyph forms (Noto CJK's OpenType ``locl`` feature; fontconfig's
``lang`` rules, e.g. ``monospace`` → Noto Sans Mono CJK JP or SC): under ``LANG=zh_CN.GB18030`` the
PDF embedded another face and the chart images differed. Each reads its default once and caches it:

* fontconfig, from the environment (``FC_LANG``, else ``LC_ALL``/``LC_CTYPE``/``LANG``) at its first
  use (``FcGetDefaultLangs``);
* HarfBuzz (matplotlib's text via libraqm, and Pango) and Pango, from ``setlocale(LC_CTYPE, NULL)``
  at their first use (``hb_language_get_default``, ``pango_language_get_default``).

:func:`pin_text_language` fixes all three before any text is drawn: ``FC_LANG=en`` and ``LC_CTYPE``
``C.UTF-8`` (``C`` where that locale does not exist), the defaults of a process started with
``LANG=C.UTF-8``. Each text still carries its own language (``lang`` in the HTML, ``text.language``
in the charts), which is what picks JP or SC forms; only text without one falls back to the pinned
default. Python's own text handling is fixed at start-up and does not change with ``LC_CTYPE``.
"""

from __future__ import annotations

import locale
import os

#: The language fontconfig and the shaping libraries fall back to (that of LANG=C.UTF-8).
PINNED_FC_LANG = "en"
PINNED_CTYPE = ("C.UTF-8", "C.utf8", "C")

_done = False


def pin_text_language() -> None:
    """Pin the default text language of fontconfig, HarfBuzz and Pango (see the module docstring).
    Call before the first chart or PDF is drawn; later calls do nothing."""
    global _done
    if _done:
        return
    os.environ["FC_LANG"] = PINNED_FC_LANG
    for name in PINNED_CTYPE:
        try:
            locale.setlocale(locale.LC_CTYPE, name)
            break
        except locale.Error:
            continue
    _done = True
