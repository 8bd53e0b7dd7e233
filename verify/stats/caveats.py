"""Caveats: short bilingual notes attached to a statistical result (``{code, text: {ja, zh}}``).

Texts live in ``data/caveats.toml`` (code -> ja, zh with ``{placeholders}``). A placeholder
``{phase_ja}``/``{phase_zh}`` is filled from ``phase``; numbers must be formatted by the caller with
:mod:`verify.stats.text` so that both languages show identical digits.
"""

from __future__ import annotations

import re
import string
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from verify.stats.text import PHASE_NAMES

#: A run named in a caveat's values as ``phase:run`` (``after:2``), written out in each language.
RUN_LABEL = re.compile(r"\b(before|after):([^\s,]+)")
RUN_WORDS = {"ja": "{phase}第{run}回", "zh": "{phase}第{run}次"}


def _runs_in_words(text: str, lang: str) -> str:
    """``after:2, before:1 <0.5`` → ``対策後第2回、対策前第1回 <0.5`` (ja; the list separated by 、 as
    the rest of the sentence is)."""
    words, n = RUN_LABEL.subn(lambda m: RUN_WORDS[lang].format(phase=PHASE_NAMES[m.group(1)][lang], run=m.group(2)),
                              text)
    return words.replace(", ", "、") if n else words


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
        """The texts; a value given per language (``values_ja``, ``values_zh`` beside ``values``) fills
        its placeholder in that language (units: mg/m³N in Japanese, mg/m³ in Chinese)."""
        entry = catalogue()[self.code]
        values = dict(self.params)
        phase = values.get("phase")
        if phase in PHASE_NAMES:
            values.setdefault("phase_ja", PHASE_NAMES[phase]["ja"])
            values.setdefault("phase_zh", PHASE_NAMES[phase]["zh"])
        out = {}
        for lang in ("ja", "zh"):
            own = {k: values.get(f"{k}_{lang}", v) for k, v in values.items()}
            out[lang] = entry[lang].format_map({k: _runs_in_words(v, lang) for k, v in own.items()})
        return out

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
