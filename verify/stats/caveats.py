"""Caveats: short bilingual notes attached to a statistical result (``{code, text: {ja, zh}}``).

Texts live in ``data/caveats.toml`` (code -> ja, zh with ``{placeholders}``). A placeholder
``{phase_ja}``/``{phase_zh}`` is filled from ``phase``; numbers must be formatted by the caller with
:mod:`verify.stats.text` so that both languages show identical digits.
"""

from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from verify.stats.text import PHASE_NAMES


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """The caveat texts, read once from ``verify/stats/data/caveats.toml``."""
    raw = resources.files("verify.stats").joinpath("data/caveats.toml").read_bytes()
    return tomllib.loads(raw.decode("utf-8"))


@dataclass(frozen=True)
class Caveat:
    """One caveat: a code from the catalogue and the already formatted placeholder values."""

    code: str
    params: tuple[tuple[str, str], ...] = field(default=())

    def text(self) -> dict[str, str]:
        entry = catalogue()[self.code]
        values = dict(self.params)
        phase = values.get("phase")
        if phase in PHASE_NAMES:
            values.setdefault("phase_ja", PHASE_NAMES[phase]["ja"])
            values.setdefault("phase_zh", PHASE_NAMES[phase]["zh"])
        return {lang: entry[lang].format_map(values) for lang in ("ja", "zh")}

    def to_dict(self) -> dict:
        return {"code": self.code, "text": self.text()}


def caveat(code: str, **params: object) -> Caveat:
    """Build a caveat; raises KeyError for an unknown code or a missing placeholder."""
    entry = catalogue()[code]
    needed = {name for lang in ("ja", "zh") for _, name, _, _ in string.Formatter().parse(entry[lang]) if name}
    given = {k: str(v) for k, v in params.items()}
    if "phase" in given:
        given.setdefault("phase_ja", "")
        given.setdefault("phase_zh", "")
    missing = needed - set(given)
    if missing:
        raise KeyError(f"caveat {code!r} needs {sorted(missing)}")
    return Caveat(code, tuple(sorted((k, str(v)) for k, v in params.items())))
