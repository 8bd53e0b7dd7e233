"""The measurement method of one pollutant from a method cell that names several.

A laboratory often writes one method cell per sampling run for all the pollutants it measured:
``非甲烷总烃 HJ 38-2017;颗粒物 HJ 836-2017;油烟 HJ 1077-2019``. Each part is a pollutant name and
its method (standard number). The part of a pollutant is only taken when every part begins with a
name the pollutant table knows (``verify/sources/data/pollutants.csv`` or the case's
``[[pollutant]]``); otherwise the cell is kept as written.

A continuous (CEMS) endpoint has no runs: :func:`continuous_method` gives the method of its
readings' method cells, or, when the data carry none, the default of ``data/cems_methods.toml``
(HJ 1013-2018 for NMHC; HJ 75-2017 / HJ 76-2017 for SO₂, NOx, particulate), marked as a default.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources

import pandas as pd

from verify.sources.aliases import norm

_PARTS = re.compile(r"\s*[;；]\s*")
_NAME_AND_METHOD = re.compile(r"^(\S+?)[\s:：]+(\S.*)$")


def method_of(text: str | None, pollutant: str, aliases: dict[str, str]) -> str | None:
    """The method of ``pollutant`` in a method cell ``text``.

    ``aliases``: normalised pollutant name → pollutant key (:func:`verify.sources.aliases.pollutant_aliases`).
    A cell with one part, a part without a known pollutant name, or no part for ``pollutant``
    gives ``text`` unchanged.
    """
    if not text:
        return text
    parts = [p for p in _PARTS.split(text.strip()) if p]
    if len(parts) < 2:
        return text
    named = []
    for part in parts:
        m = _NAME_AND_METHOD.match(part)
        key = aliases.get(norm(m.group(1))) if m else None
        if key is None:
            return text
        named.append((key, m.group(2).strip()))
    mine = [method for key, method in named if key == pollutant]
    return "; ".join(mine) if mine else text


@lru_cache(maxsize=1)
def cems_default_methods() -> dict[str, str]:
    """pollutant → the CEMS method named when the data give none (``data/cems_methods.toml``)."""
    raw = resources.files("verify.measure").joinpath("data/cems_methods.toml").read_bytes()
    return {m["pollutant"]: m["method"] for m in tomllib.loads(raw.decode("utf-8"))["method"]}


def continuous_method(cells: pd.Series, pollutant: str, aliases: dict[str, str]) -> tuple[str | None, str | None]:
    """(method, where it comes from) of a continuous endpoint whose readings' method cells are ``cells``:
    the distinct methods of the cells, ``"data"``; else the default for ``pollutant``, ``"default"``;
    else (None, None)."""
    written = sorted({method_of(str(c).strip(), pollutant, aliases) for c in cells.dropna() if str(c).strip()})
    if written:
        return "; ".join(written), "data"
    default = cems_default_methods().get(pollutant)
    return (default, "default") if default else (None, None)
