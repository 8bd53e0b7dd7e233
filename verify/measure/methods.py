"""The measurement method of one pollutant from a method cell that names several.

A laboratory often writes one method cell per sampling run for all the pollutants it measured:
``非甲烷总烃 HJ 38-2017;颗粒物 HJ 836-2017;油烟 HJ 1077-2019``. Each part is a pollutant name and
its method (standard number). The part of a pollutant is only taken when every part begins with a
name the pollutant table knows (``verify/sources/data/pollutants.csv`` or the case's
``[[pollutant]]``); otherwise the cell is kept as written.
"""

from __future__ import annotations

import re

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
