"""Caveats: short notes attached to a statistical result, as a code and its values.

A caveat's code is one of ``verify/data/caveats.toml`` (and of ``verify/data/reasons.csv``); its
values are already formatted with :mod:`verify.sentences` (``fmt``, ``fmt_p``) so that both
languages show identical digits. The sentences (results.json ``caveats[].text``) are written by
:func:`verify.sentences.caveat_text` when the results are assembled; statistics write none.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from verify.sentences import caveat_placeholders


@dataclass(frozen=True)
class Caveat:
    """One caveat: a code of the catalogue and its formatted values."""

    code: str
    params: tuple[tuple[str, str], ...] = field(default=())

    def to_dict(self) -> dict:
        return {"code": self.code, "params": dict(self.params)}


def caveat(code: str, **params: object) -> Caveat:
    """Build a caveat; raises KeyError for an unknown code or a missing value (``phase`` stands for
    ``phase_ja`` and ``phase_zh``)."""
    given = {k: str(v) for k, v in params.items()}
    if "phase" in given:
        given.setdefault("phase_ja", "")
        given.setdefault("phase_zh", "")
    missing = caveat_placeholders(code) - set(given)
    if missing:
        raise KeyError(f"caveat {code!r} needs {sorted(missing)}")
    return Caveat(code, tuple(sorted((k, str(v)) for k, v in params.items())))


@contextmanager
def warnings_as_caveats(notes: list[Caveat]) -> Iterator[None]:
    """Every warning numpy, scipy or statsmodels raises inside the block becomes a ``warning`` caveat
    appended to ``notes`` (each distinct text once), instead of being printed or silenced."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    seen = set()
    for w in caught:
        text = f"{w.category.__name__}: {w.message}"
        if text not in seen:
            seen.add(text)
            notes.append(caveat("warning", message=text))
