"""The report's keyed catalogues (``verify/report/data/<lang>.toml``) and the language codes.

Each catalogue is a two-level table ``[section] key = "text"``; ja and zh must have the same keys
(checked by :func:`key_paths` in the tests). Text may hold ``{placeholders}`` that the template
fills with numbers formatted by :mod:`verify.report.fmt`.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

from verify.errors import RenderError

DATA = Path(__file__).parent / "data"
LANGS = ("ja", "zh")
#: The ``lang`` attribute each catalogue is rendered with (docs/platform.md#cjk-fonts: always ``zh-CN``,
#: never bare ``zh``, so that fontconfig picks the Simplified Chinese glyph forms).
HTML_LANG = {"ja": "ja", "zh": "zh-CN"}


@lru_cache(maxsize=None)
def load_catalogue(lang: str) -> dict[str, dict[str, str]]:
    """Return the catalogue of ``lang`` ("ja" or "zh") as a nested dict (cached, do not mutate)."""
    if lang not in LANGS:
        raise RenderError(f"unknown report language {lang!r}", hint="use ja, zh or ja,zh")
    path = DATA / f"{lang}.toml"
    with path.open("rb") as fh:
        return tomllib.load(fh)


def text_in(value, lang: str) -> str:
    """A ``{ja, zh}`` text of results.json (or a plain string) in ``lang``, the other language when
    that one is missing, ``""`` when there is none (the programme summary's tables)."""
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("ja") or value.get("zh") or "")
    return "" if value is None else str(value)


def key_paths(catalogue: dict, prefix: str = "") -> set[str]:
    """All dotted key paths of a (nested) catalogue, e.g. ``{"sec.stats", "verdict.verified"}``."""
    out: set[str] = set()
    for key, value in catalogue.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out |= key_paths(value, path + ".")
        else:
            out.add(path)
    return out


def parse_langs(text: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """``"ja,zh"`` → ``("ja", "zh")``; validates and de-duplicates, keeping order."""
    items = text.split(",") if isinstance(text, str) else list(text)
    out: list[str] = []
    for item in items:
        code = item.strip().lower()
        if code in ("zh-cn", "zh-hans"):
            code = "zh"
        if code not in LANGS:
            raise RenderError(f"unknown report language {item!r}", hint="use ja, zh or ja,zh")
        if code not in out:
            out.append(code)
    if not out:
        raise RenderError("no report language given", hint="use ja, zh or ja,zh")
    return tuple(out)
