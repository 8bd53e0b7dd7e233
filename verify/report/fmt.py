"""Number, unit and date typesetting for the report: one function per kind of quantity.

Every number in the report (both languages, HTML, PDF) passes through :func:`fmt_num` or one of
the thin wrappers below, so the Japanese and the Chinese text carry exactly the same digits.
Rounding is for presentation only (``shared/spec/results.md``: "rounded only at presentation
time"); rounding is half-to-even on the decimal value (Python's ``format``), the same everywhere.

Conventions (chosen for the report, not from a standard):
- ``fmt_num``: three significant figures, never fewer integer digits than the value has, and a
  comma as the thousands separator (usual in both Japanese and Chinese technical text).
- negative numbers use the typographic minus U+2212.
- percentages have one decimal and no space before ``%`` (GB/T 15835-2011 style, also common
  in Japanese reports); p-values have two significant figures, ``<0.001`` below 0.001.
"""

from __future__ import annotations

import math
import re

MINUS = "\u2212"
DASH = "—"  # shown for a missing (null) value

# Unit spellings of results.json → typeset form (superscripts, µ, subscripts).
_UNITS = {
    "mg/m3": "mg/m³",
    "mg/nm3": "mg/m³",
    "ug/m3": "µg/m³",
    "µg/m3": "µg/m³",
    "μg/m3": "µg/m³",
    "m3/h": "m³/h",
    "nm3/h": "m³/h",
    "kg/h": "kg/h",
    "t/a": "t/a",
    "t/h": "t/h",
    "ppmc": "ppmC",
    "ppm": "ppm",
    "%": "%",
    "kg/t": "kg/t",
}
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_FORMULA = re.compile(r"\b(SO2|NO2|O2|CO2|CH4|H2O|N2O|NH3|H2S|C3H8)\b")


def _is_missing(x) -> bool:
    return x is None or isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x)


def _minus(text: str) -> str:
    return text.replace("-", MINUS)


def fmt_num(x, sig: int = 3, decimals: int | None = None) -> str:
    """Format a number for the report: ``sig`` significant figures (or fixed ``decimals``).

    >>> fmt_num(62.43), fmt_num(0.92352), fmt_num(15600), fmt_num(-13.43, decimals=1)
    ('62.4', '0.924', '15,600', '−13.4')
    """
    if _is_missing(x):
        return DASH
    if decimals is None:
        if x == 0:
            decimals = sig - 1
        else:
            decimals = max(0, sig - 1 - math.floor(math.log10(abs(x))))
            # rounding can carry into a new digit (0.9996 → 1.00): recompute on the rounded value
            rounded = round(x, decimals)
            if rounded != 0:
                decimals = max(0, sig - 1 - math.floor(math.log10(abs(rounded))))
    text = f"{x:,.{decimals}f}"
    if re.fullmatch(r"-0(\.0*)?", text):
        text = text[1:]
    return _minus(text)


def fmt_plain(x) -> str:
    """A declared parameter (limit value, reference O2, stack height) as given in the data: the
    shortest round-trip form without a trailing ``.0`` (JSON writers emit ``75.0`` for 75):
    ``60`` → ``60``, ``4.0`` → ``4``, ``20.9`` → ``20.9``, with thousands separators.
    Measured values use :func:`fmt_num` instead."""
    if _is_missing(x):
        return DASH
    if isinstance(x, int):
        return _minus(f"{x:,}")
    text = repr(float(x))
    if "e" in text or "E" in text:
        return fmt_num(x)
    whole, _, frac = text.partition(".")
    frac = "" if frac == "0" else frac
    if whole == "-0":
        return _minus("-0." + frac) if frac else "0"
    return _minus(f"{int(whole):,}" + ("." + frac if frac else ""))


def fmt_pct(x, decimals: int = 1) -> str:
    """A percentage, e.g. ``48.9%``; null → em dash."""
    return DASH if _is_missing(x) else fmt_num(x, decimals=decimals) + "%"


def fmt_interval(ci, decimals: int = 1, pct: bool = True) -> str:
    """A two-sided interval ``[lo, hi]`` as ``[25.6, 65.6]%``; null or unbounded → em dash."""
    if not ci or len(ci) != 2 or any(_is_missing(v) for v in ci):
        return DASH
    body = f"[{fmt_num(ci[0], decimals=decimals)}, {fmt_num(ci[1], decimals=decimals)}]"
    return body + ("%" if pct else "")


def fmt_ratio_interval(ci) -> str:
    """An interval of a ratio (geometric-mean ratio): three significant figures each side."""
    if not ci or len(ci) != 2 or any(_is_missing(v) for v in ci):
        return DASH
    return f"[{fmt_num(ci[0])}, {fmt_num(ci[1])}]"


def fmt_p(p) -> str:
    """A p-value: two significant figures, ``<0.001`` below 0.001, em dash for null."""
    if _is_missing(p):
        return DASH
    if p < 0.001:
        return "<0.001"
    return fmt_num(p, sig=2)


def fmt_int(x) -> str:
    """A count with thousands separators."""
    if _is_missing(x):
        return DASH
    return _minus(f"{int(x):,}")


def fmt_unit(unit) -> str:
    """Typeset a unit string: ``mg/m3`` → ``mg/m³``, ``ug/m3`` → ``µg/m³``; unknown kept as is."""
    if not unit:
        return ""
    text = str(unit)
    key = text.strip().lower()
    if key in _UNITS:
        return _UNITS[key]
    text = re.sub(r"m3\b", "m³", text)
    return fmt_chem(text)


def fmt_chem(text) -> str:
    """Subscript the digits of chemical formulas: ``SO2`` → ``SO₂``, ``O2`` → ``O₂``."""
    if text is None:
        return ""
    return _FORMULA.sub(lambda m: m.group(1).translate(_SUB), str(text))


def fmt_date(iso) -> str:
    """A date as written in results (``YYYY-MM-DD``), checked; the same in both languages."""
    if not iso:
        return DASH
    text = str(iso)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text[:10]):
        return text
    return text[:10]
