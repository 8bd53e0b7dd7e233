"""Number, unit and date typesetting for the report: one function per kind of quantity.

Every number in the report (both languages, HTML, PDF) passes through :func:`fmt_num` or one of
the functions below, so the Japanese and the Chinese text carry exactly the same digits.

Rules (the one statement of the report's digits):
- **Rounding** is half to even on the decimal value (GB/T 8170-2008 §3.2 进舍规则; JIS Z 8401:2019
  規則A): 0.35 → 0.4, 1.050 → 1.0, 2.675 → 2.68 (the decimal value, not the binary one). Only
  presentation rounds: results.json keeps every digit.
- **Measured values** print with the decimals they were written with (results.json ``decimals``):
  ``2.6`` stays ``2.6``, ``<1.0`` stays ``<1.0`` (:func:`fmt_measured`); so does a concentration at
  the standard state that needed no conversion (it *is* the measured value).
- **Derived values** (conversions to the standard state, O₂ correction, mass rates, means, standard
  deviations, intensities, CO₂ from fuel or electricity): three significant figures, never fewer
  integer digits than the value has (:data:`SIG`; a convention of this report: GB/T 16157-1996 and
  JIS Z 8808 set no digits for derived values). A figure printed in two tables is printed the same
  in both. Three figures also for values resting on a default factor of unconfirmed status (17,801.1
  t CO₂/a prints 17,800): more digits would claim a precision the factor does not have.
- **Sums and differences** shown beside their terms (a co-benefit table's reduction = before − after,
  a net change = change + electricity) are computed from the unrounded values and printed to the last
  decimal place of their coarsest printed term (:func:`fmt_to_places_of`): 1.3533 − 0.6417 = 0.7116
  prints 0.71 beside 1.35 and 0.642. Every figure is then right at its own precision, and the printed
  terms add up to the printed total within one unit of its last digit (rounding; the tables say so,
  as official statistics do: 四捨五入の関係で合計が一致しないことがある / 因四舍五入，合计与分项之和可能略有出入).
- Percentages (reductions, removal efficiencies, their intervals and bounds) and differences of
  production load (percentage points): one decimal.
- p-values: one format in the whole report: two significant figures, ``<0.001`` below 0.001.
- Declared inputs (limit values, operating hours, factors, kW, reference O₂) print as given
  (:func:`fmt_plain`).
- Thousands are grouped with a comma; negative numbers use the typographic minus U+2212.
- Units follow each language's regulations: at the standard state (0 °C, 101.325 kPa, dry) Japanese
  writes ``mg/m³N`` and ``m³N/h`` (大気汚染防止法施行規則), Chinese ``mg/m³`` and ``m³/h（标干）``
  (GB/T 16157-1996: 标准状态干排气流量); :func:`fmt_unit` with ``lang``.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

MINUS = "\u2212"
SIG = 3  # significant figures of a derived value
DASH = "—"  # shown for a missing (null) value
NBSP = "\u00a0"

# Unit spellings of results.json → typeset form (superscripts, µ, subscripts), language-neutral.
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
    "mgc/m3": "mgC/m³",
}
#: Units at the standard state (0 °C, 101.325 kPa, dry gas) as each language writes them.
_STANDARD_UNITS = {
    "ja": {"mg/m³": "mg/m³N", "µg/m³": "µg/m³N", "m³/h": "m³N/h", "mgC/m³": "mgC/m³N"},
    "zh": {"mg/m³": "mg/m³", "µg/m³": "µg/m³", "m³/h": "m³/h（标干）", "mgC/m³": "mgC/m³"},
}
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_FORMULA = re.compile(r"\b(SO2|NO2|O2|CO2|CH4|H2O|N2O|NH3|H2S|C3H8)\b")


def _is_missing(x) -> bool:
    return x is None or isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x)


def _minus(text: str) -> str:
    return text.replace("-", MINUS)


def round_half_even(x: float, decimals: int, rounding: str = ROUND_HALF_EVEN) -> Decimal:
    """``x`` rounded to ``decimals`` places, half to even on its shortest decimal form (GB/T 8170-2008
    §3.2, JIS Z 8401 規則A): ``round_half_even(2.675, 2)`` → ``Decimal('2.68')``. ``rounding`` (a
    :mod:`decimal` mode) rounds a one-sided bound outward instead (:func:`fmt_bound`)."""
    return Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-decimals), rounding=rounding)


def _decimals_for(x: float, sig: int) -> int:
    if x == 0:
        return sig - 1
    decimals = max(0, sig - 1 - math.floor(math.log10(abs(x))))
    rounded = float(round_half_even(x, decimals))  # 0.9996 → 1.00: one digit fewer after the carry
    if rounded != 0:
        decimals = max(0, sig - 1 - math.floor(math.log10(abs(rounded))))
    return decimals


def fmt_num(x, sig: int = 3, decimals: int | None = None, rounding: str = ROUND_HALF_EVEN,
            whole: bool = False) -> str:
    """A number: ``sig`` significant figures (or fixed ``decimals``), half to even (or ``rounding``,
    a :mod:`decimal` mode, for a one-sided bound). ``whole``: round the integer digits too
    (17,801.1 → 17,800), for a value resting on a factor of unconfirmed status.

    >>> fmt_num(62.43), fmt_num(0.92352), fmt_num(15600), fmt_num(-13.43, decimals=1), fmt_num(17801.1, whole=True)
    ('62.4', '0.924', '15,600', '−13.4', '17,800')
    """
    if _is_missing(x):
        return DASH
    if whole and decimals is None and x != 0:
        places = sig - 1 - math.floor(math.log10(abs(x)))
        if places < 0:
            value = Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-places), rounding=rounding)
            return _minus(f"{int(value):,}")
    if decimals is None:
        decimals = _decimals_for(x, sig)
    value = round_half_even(x, decimals, rounding)
    text = f"{value:,.{decimals}f}"
    if re.fullmatch(r"-0(\.0*)?", text):
        text = text[1:]
    return _minus(text)


def fmt_measured(x, decimals: int | None, censored: bool = False) -> str:
    """A measured value with the decimals it was written with (``2.6``, ``<1.0``); three significant
    figures when they are not known."""
    if _is_missing(x):
        return DASH
    text = fmt_num(x) if decimals is None else fmt_num(x, decimals=int(decimals))
    return ("<" if censored else "") + text


def fmt_plain(x) -> str:
    """A declared parameter (limit value, reference O2, stack height) as given in the data: the
    shortest round-trip form without a trailing ``.0`` (JSON writers emit ``75.0`` for 75):
    ``60`` → ``60``, ``4.0`` → ``4``, ``20.9`` → ``20.9``, with thousands separators.
    Measured values use :func:`fmt_measured` and derived values :func:`fmt_num` instead."""
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


#: the direction a one-sided bound is rounded in: outward, so that the printed bound never claims more
#: than the computed one ("≥ 94.2 %" for 94.28 %, "< 1.84" for 1.8333)
BOUND_ROUNDING = {"≥": ROUND_FLOOR, ">": ROUND_FLOOR, "≤": ROUND_CEILING, "<": ROUND_CEILING}


def fmt_bound(x, mark: str, *, sig: int = 3, decimals: int | None = None) -> str:
    """A value known only as a one-sided bound, with its mark: ``mark`` + the value rounded outward
    (down after "≥", up after "<" or "≤"), at ``sig`` significant figures or ``decimals`` places.
    Rounding to nearest would print a bound a little stronger than the data show.

    >>> fmt_bound(94.2827, "≥", decimals=1), fmt_bound(1.8333, "<"), fmt_bound(1.8333, "")
    ('≥94.2', '<1.84', '1.83')
    """
    if _is_missing(x):
        return DASH
    return mark + fmt_num(x, sig, decimals, BOUND_ROUNDING.get(mark, ROUND_HALF_EVEN))


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
    """A p-value, the one format of the report: two significant figures, ``<0.001`` below 0.001."""
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


def fmt_unit(unit, lang: str | None = None, standard: bool = True) -> str:
    """Typeset a unit string: ``mg/m3`` → ``mg/m³``, ``ug/m3`` → ``µg/m³``; unknown kept as is.

    With ``lang`` and ``standard`` (the value is at the standard state, 0 °C and 101.325 kPa, dry),
    the language's form: ja ``mg/m³N``, ``m³N/h``; zh ``mg/m³``, ``m³/h（标干）``.
    """
    if not unit:
        return ""
    text = str(unit)
    key = text.strip().lower()
    typeset = _UNITS.get(key)
    if typeset is None:
        typeset = fmt_chem(re.sub(r"m3\b", "m³", text))
    if lang and standard:
        typeset = _STANDARD_UNITS.get(lang, {}).get(typeset, typeset)
    return typeset


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


def _decimal(text: str) -> Decimal:
    """A number as printed by this module (thousands commas, typographic minus) back as a Decimal."""
    return Decimal(str(text).replace(",", "").replace(MINUS, "-"))


def _places(text: str) -> int:
    """Decimal places of a printed number: ``0.642`` → 3, ``1,500`` → 0."""
    return -_decimal(text).as_tuple().exponent if "." in str(text) else 0


def fmt_to_places_of(value, terms: list[str]) -> str:
    """``value`` (unrounded) to the last decimal place of the coarsest of the printed ``terms``:
    ``fmt_to_places_of(0.7116, ["1.35", "0.642"])`` → ``'0.71'``; a missing value or term → dash."""
    if _is_missing(value) or not terms or any(t in (None, DASH) for t in terms):
        return DASH
    return fmt_num(value, decimals=min(_places(t) for t in terms))
