"""Number formatting shared by the Japanese and Chinese texts, so both show the same digits.

Presentation only: results carry unrounded floats (``shared/spec/results.md``: "rounded only at
presentation time"); these helpers are used for caveat and claim-statement texts.
"""

from __future__ import annotations

import math

PHASE_NAMES = {"before": {"ja": "対策前", "zh": "治理前"}, "after": {"ja": "対策後", "zh": "治理后"}}


def fmt(value: float | int | None, digits: int = 1) -> str:
    """A number with ``digits`` decimals, or "–" for a missing value; -0.0 prints as 0."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    text = f"{value:.{digits}f}"
    if float(text) == 0:
        text = f"{0:.{digits}f}"
    return text


#: A unit key of the endpoints (verify.measure.series) as each language writes it; at the standard
#: state (0 °C, 101.325 kPa, dry) Japanese writes m³N (大気汚染防止法施行規則), Chinese mg/m³.
UNIT_TEXT = {"mg/m3": ("mg/m³", "mg/m³N"), "mgc/m3": ("mgC/m³", "mgC/m³N"), "kg/h": ("kg/h", "kg/h"),
             "ppmc": ("ppmC", "ppmC"), "%": ("%", "%")}


def unit_text(unit: str | None, lang: str, normal_state: bool) -> str:
    """``mg/m3`` → ``mg/m³`` (zh) or ``mg/m³N`` (ja, at the standard state); an unknown unit as given."""
    plain, normal = UNIT_TEXT.get(str(unit or "").lower(), (str(unit or ""), str(unit or "")))
    return normal if lang == "ja" and normal_state else plain


def fmt_limit_value(value: float, measured: bool) -> str:
    """A detection limit: as a laboratory writes it (the shortest decimal form, at least one decimal:
    1.0, 0.5, 0.05) for a measured concentration; three significant figures for a derived value (a
    mass rate at the detection limit)."""
    if not measured:
        return fmt_sig(value)
    text = repr(float(value))
    return text if "e" not in text else fmt_sig(value)


def fmt_p(p: float | None) -> str:
    """A p-value: two significant digits, "<0.001" below 0.001, "–" when missing (the one p-value
    format of the report, verify.report.fmt.fmt_p)."""
    if p is None or not math.isfinite(p):
        return "–"
    if p < 0.001:
        return "<0.001"
    decimals = max(0, 1 - math.floor(math.log10(p)))
    return f"{p:.{decimals}f}"


def fmt_sig(value: float | None, sig: int = 3) -> str:
    """A number with ``sig`` significant digits (values such as concentrations)."""
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:.{sig}g}"


def p_text(p: float | None) -> str:
    """A p-value as printed in sentences: "p = 0.0152", "p < 0.001" or "p = –"."""
    text = fmt_p(p)
    return f"p < {text[1:]}" if text.startswith("<") else f"p = {text}"
