"""The one catalogue of reason codes (``verify/data/reasons.csv``): what every ledger flag, rejection and
note, every QA check and every statistical caveat is called in English, Japanese and Chinese.

Columns: ``code``, ``en``, ``ja``, ``zh``, ``promise`` (the number of the promise of
docs/reliability.md the code serves), ``kind`` (``ledger``, ``note``, ``qa``, ``caveat``).
The intake checks its ledger against it (:func:`unknown_codes`), and the console and the report take
their texts from it (:func:`reason_text`). ``tests/core/test_reasons.py`` scans the code base for
every code it can emit and fails when one is missing here.

This module depends on nothing but the standard library, so every stage (and the report, which
imports nothing from the stages) may use it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

LANGS = ("en", "ja", "zh")
#: A ledger note may hold several codes joined by this separator (e.g. ``zero_width_removed; nfkc``).
JOIN = "; "


@dataclass(frozen=True)
class Reason:
    code: str
    en: str
    ja: str
    zh: str
    promise: str
    kind: str


@lru_cache(maxsize=1)
def catalogue() -> dict[str, Reason]:
    """Every declared code → its :class:`Reason` (read once)."""
    text = resources.files("verify").joinpath("data", "reasons.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    out: dict[str, Reason] = {}
    for row in rows:
        reason = Reason(**{k: (row[k] or "").strip() for k in Reason.__dataclass_fields__})
        if reason.code in out:
            raise ValueError(f"reasons.csv declares {reason.code!r} twice")
        out[reason.code] = reason
    return out


def split_codes(value: str | None) -> list[str]:
    """The codes of a ledger ``reason`` cell: one code, or several joined by :data:`JOIN`."""
    if not value:
        return []
    return [part.strip() for part in str(value).split(";") if part.strip()]


def reason_text(code: str, lang: str = "en") -> str:
    """The text of ``code`` (or of several codes joined by ``"; "``) in ``lang`` (en, ja or zh).

    An undeclared code is returned as it is (the test over the code base keeps that from happening
    to a code the tool emits).
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    known = catalogue()
    parts = []
    for part in split_codes(code):
        reason = known.get(part)
        parts.append(getattr(reason, lang) if reason else part)
    separator = JOIN if lang == "en" else "；"
    return separator.join(parts)


def unknown_codes(codes) -> list[str]:
    """The codes among ``codes`` (each possibly a joined list) that reasons.csv does not declare."""
    known = catalogue()
    return sorted({part for value in codes for part in split_codes(value) if part not in known})
