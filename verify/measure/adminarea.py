"""Where a plant is and where a standard applies: countries and GB/T 2260 administrative codes.

An :class:`Area` is a country (``"CN"``, ``"JP"``) or a six-digit code of GB/T 2260
中华人民共和国行政区划代码, read as ``PPCCXX``: ``PP0000`` a province (provincial-level division),
``PPCC00`` a prefecture-level city, anything else a county-level division (county, district,
county-level city). A six-digit code lies in China. The provincial prefixes are checked against
``data/gbt2260_provinces.toml``; city and county codes are not looked up (no full table is bundled),
only their form.

:func:`covers` says whether a jurisdiction contains a location: by code prefix (a province covers
every code that starts with its two digits, a city every code that starts with its four, a county
only itself), ``None`` when the location is too coarse to tell (a plant known only as "Jiangsu",
``320000``, against a county standard).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from verify.errors import InputError
from verify.i18n import N_

COUNTRIES = ("CN", "JP")
LEVELS = ("country", "province", "city", "county")
#: significant digits of a code at each level (a country has none)
PREFIX_DIGITS = {"country": 0, "province": 2, "city": 4, "county": 6}
CODE_PATTERN = re.compile(r"^\d{6}$")


@lru_cache(maxsize=1)
def provinces() -> dict[str, dict[str, str]]:
    """The provincial-level divisions of GB/T 2260: two-digit prefix → {zh, en}."""
    raw = resources.files("verify.measure").joinpath("data", "gbt2260_provinces.toml").read_bytes()
    return tomllib.loads(raw.decode("utf-8"))["province"]


@dataclass(frozen=True)
class Area:
    """A country code or a six-digit GB/T 2260 code (build it with :func:`parse_area`)."""

    code: str

    @property
    def level(self) -> str:
        if self.code in COUNTRIES:
            return "country"
        if self.code.endswith("0000"):
            return "province"
        if self.code.endswith("00"):
            return "city"
        return "county"

    @property
    def country(self) -> str:
        return self.code if self.code in COUNTRIES else "CN"

    @property
    def prefix(self) -> str:
        """The digits that identify the area at its level (``"32"`` for 320000, ``""`` for a country)."""
        return "" if self.level == "country" else self.code[: PREFIX_DIGITS[self.level]]

    def to_dict(self) -> dict:
        return {"level": self.level, "code": self.code}


def parse_area(text: object, where: str) -> Area:
    """An :class:`Area` from a country code or a six-digit GB/T 2260 code; ``where`` names the place
    the text came from for the :class:`InputError` on a malformed code or an unknown province."""
    code = str(text).strip()
    if code in COUNTRIES:
        return Area(code)
    if not CODE_PATTERN.match(code):
        raise InputError(N_("{where}: {code!r} is not a six-digit GB/T 2260 administrative code or a country ({countries})",
                            where=where, code=code, countries=", ".join(COUNTRIES)),
                         hint=N_("e.g. 320000 (Jiangsu Province), 320200 (Wuxi City), 320281 (Jiangyin City, a county-level "
                                 "division)"))
    if code[:2] not in provinces():
        raise InputError(N_("{where}: {code!r} starts with {prefix!r}, which is no provincial-level division of GB/T 2260",
                            where=where, code=code, prefix=code[:2]),
                         hint=N_("the first two digits name the province, e.g. 32 Jiangsu, 33 Zhejiang, 13 Hebei"))
    if code[2:4] == "00" and code[4:] != "00":
        raise InputError(N_("{where}: {code!r} has a county part without a city part (PP00XX is not a GB/T 2260 code)",
                            where=where, code=code))
    return Area(code)


def covers(jurisdiction: Area, location: Area) -> bool | None:
    """True if ``location`` lies inside ``jurisdiction``, False if outside, None if ``location`` is
    coarser than ``jurisdiction`` and could lie either side (e.g. 320000 against county 320281)."""
    if jurisdiction.country != location.country:
        return False
    inner, outer = location.prefix, jurisdiction.prefix
    if len(inner) >= len(outer):
        return inner.startswith(outer)
    return None if outer.startswith(inner) else False
