"""The language of the command line (en, ja or zh) and its gettext catalogues.

Only the command line decides the language; library code marks its messages with
:func:`verify.i18n.N_` and never calls this module. The choice, highest first:

1. ``verify --ui ja|zh|en …`` (the global option; :func:`ui_from_argv` reads it before Typer is
   imported, so that the ``--help`` texts are built in that language);
2. ``VERIFY_LANG``;
3. the first of ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG`` that is set and not empty, as
   Python's ``gettext.find`` reads them (a ``:``-separated list is tried in order); ``C`` and
   ``POSIX`` mean English, any ``zh…`` Chinese, any ``ja…`` Japanese;
4. English.

The catalogues are ``verify/locale/<lang>/LC_MESSAGES/<domain>.mo``: the domain ``verify`` holds the
tool's own messages, the domain ``click`` the strings of Click and Typer (``Usage:``, ``Options``,
``Missing argument …``), which :func:`route_click_messages` routes through this module. English is
the msgids themselves (no catalogue). This module imports nothing but the standard library.
"""

from __future__ import annotations

import gettext as _gettext
import os
import sys
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

LANGS = ("en", "ja", "zh")
DOMAINS = ("verify", "click")
LOCALE_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
LOCALE_DIR = Path(__file__).with_name("locale")
UI_OPTION = "--ui"

_STDLIB_GETTEXT = _gettext.gettext
_STDLIB_NGETTEXT = _gettext.ngettext
_state = {"lang": "en"}


def match(value: str) -> str | None:
    """``en``, ``ja`` or ``zh`` for one locale name or language tag (``zh_CN.UTF-8``, ``ja-JP``,
    ``C.UTF-8``), or None when it names another language."""
    text = value.strip().lower()
    base = text.split(".")[0].split("@")[0]
    if base in ("c", "posix"):
        return "en"
    for lang in LANGS:
        if base == lang or base.startswith((f"{lang}_", f"{lang}-")):
            return lang
    return None


def from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The language ``VERIFY_LANG`` or, failing it, the locale variables ask for (English when the
    first variable that is set names none of en, ja, zh)."""
    env = os.environ if environ is None else environ
    for var in ("VERIFY_LANG", *LOCALE_VARS):
        value = env.get(var)
        if value:
            found = (match(item) for item in value.split(":") if item)
            return next((lang for lang in found if lang), "en")
    return "en"


def choose(ui: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The language of this run: ``--ui`` when given (and known), else :func:`from_environment`."""
    chosen = match(ui) if ui else None
    return chosen or from_environment(environ)


def ui_from_argv(argv: Sequence[str]) -> str | None:
    """The value of the global option ``--ui`` (``--ui ja`` or ``--ui=ja``) among the options before
    the command name, or None."""
    args = list(argv)
    for i, arg in enumerate(args):
        if arg == UI_OPTION and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(UI_OPTION + "="):
            return arg.split("=", 1)[1]
        if not arg.startswith("-"):
            return None  # the command name: what follows are the command's own arguments
    return None


def use(lang: str) -> None:
    """Make ``lang`` the language of every message from now on."""
    if lang not in LANGS:
        raise ValueError(f"unknown interface language {lang!r}: use one of {', '.join(LANGS)}")
    _state["lang"] = lang


def current() -> str:
    return _state["lang"]


@lru_cache(maxsize=None)
def catalogue(lang: str, domain: str = "verify") -> _gettext.NullTranslations:
    """The compiled catalogue of ``domain`` in ``lang`` (the msgids themselves for English)."""
    if lang == "en":
        return _gettext.NullTranslations()
    return _gettext.translation(domain, LOCALE_DIR, languages=[lang], fallback=True)


def gettext(msgid: str) -> str:
    """``msgid`` of the domain ``verify`` in the current language."""
    return catalogue(current()).gettext(msgid)


def click_gettext(msgid: str) -> str:
    """A string of Click or Typer in the current language."""
    return catalogue(current(), "click").gettext(msgid)


def click_ngettext(singular: str, plural: str, n: int) -> str:
    return catalogue(current(), "click").ngettext(singular, plural, n)


def route_click_messages() -> None:
    """Give every loaded module of Click and Typer our catalogue instead of the standard library's
    ``gettext`` (which they import as ``_``): their help headings and error messages follow the
    current language. Click and Typer look their strings up when they print them, so this may be
    called after they were imported."""
    for name, module in list(sys.modules.items()):
        if module is None or name.partition(".")[0] not in ("click", "typer"):
            continue
        if getattr(module, "_", None) is _STDLIB_GETTEXT:
            module._ = click_gettext
        if getattr(module, "ngettext", None) is _STDLIB_NGETTEXT:
            module.ngettext = click_ngettext
