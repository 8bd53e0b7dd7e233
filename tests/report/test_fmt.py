"""Number and unit typesetting: expected strings worked out by hand from the rules in fmt.py."""

from verify.report.fmt import (DASH, fmt_bound, fmt_chem, fmt_int, fmt_interval, fmt_num, fmt_p, fmt_pct,
                               fmt_plain, fmt_ratio_interval, fmt_unit)


def test_fmt_num_significant_figures():
    assert fmt_num(62.43) == "62.4"          # 3 s.f.
    assert fmt_num(0.92352) == "0.924"       # 3 s.f. below 1
    assert fmt_num(15600) == "15,600"        # integer digits kept, thousands comma
    assert fmt_num(0.0784) == "0.0784"
    assert fmt_num(0.99961) == "1.00"        # rounding carries into a new digit
    assert fmt_num(0) == "0.00"
    assert fmt_num(-13.43, decimals=1) == "\u221213.4"   # typographic minus
    assert fmt_num(-0.001, decimals=1) == "0.0"          # no negative zero
    assert fmt_num(None) == "—" and fmt_num(float("nan")) == "—" and fmt_num(True) == "—"


def test_percent_p_interval():
    assert fmt_pct(86.8134) == "86.8%"
    assert fmt_pct(None) == "—"
    assert fmt_p(0.0222) == "0.022"
    assert fmt_p(0.1388) == "0.14"
    assert fmt_p(0.0004) == "<0.001"
    assert fmt_p(0.05) == "0.050"
    assert fmt_interval([25.637, 65.572]) == "[25.6, 65.6]%"
    assert fmt_interval([-13.43, 19.18]) == "[\u221213.4, 19.2]%"
    assert fmt_interval(None) == "—" and fmt_interval([None, 3]) == "—"
    assert fmt_ratio_interval([0.1664, 0.4001]) == "[0.166, 0.400]"


def test_plain_and_int():
    assert fmt_plain(60) == "60"
    assert fmt_plain(4.0) == "4" and fmt_plain(75.0) == "75" and fmt_plain(-0.5) == "\u22120.5"
    assert fmt_plain(20.9) == "20.9"
    assert fmt_plain(15000) == "15,000"
    assert fmt_int(8640) == "8,640"


def test_units_and_formulas():
    assert fmt_unit("mg/m3") == "mg/m³"
    assert fmt_unit("ug/m3") == "µg/m³"
    assert fmt_unit("m3/h") == "m³/h"
    assert fmt_unit("mg/Nm3") == "mg/m³"
    assert fmt_unit("kg/h") == "kg/h" and fmt_unit("t/a") == "t/a"
    assert fmt_unit("mg/m3 (as CH4)") == "mg/m³ (as CH₄)"
    assert fmt_chem("SO2 at 9 % O2") == "SO₂ at 9 % O₂"
    assert fmt_chem("NOx") == "NOx"


def test_rounding_is_half_to_even_on_the_decimal_value():
    """GB/T 8170-2008 §3.2 (进舍规则) and JIS Z 8401:2019 rule A, with the standard's own examples:
    a 5 followed by nothing keeps an even last digit and raises an odd one; anything after the 5
    rounds up; the decimal value counts, not the binary double (Python's round(2.675, 2) is 2.67)."""
    from decimal import Decimal

    from verify.report.fmt import round_half_even

    assert round_half_even(12.1498, 1) == Decimal("12.1")   # the digit dropped is < 5
    assert round_half_even(10.5002, 0) == Decimal("11")     # 5 followed by non-zero digits: up
    assert round_half_even(1.050, 1) == Decimal("1.0")      # 5 alone after an even digit: down
    assert round_half_even(0.35, 1) == Decimal("0.4")       # 5 alone after an odd digit: up
    assert round_half_even(-0.0365, 3) == Decimal("-0.036")
    assert round_half_even(2.675, 2) == Decimal("2.68")     # binary 2.67499…, decimal 2.675
    assert fmt_num(0.125, decimals=2) == "0.12" and fmt_num(0.135, decimals=2) == "0.14"
    assert fmt_num(1268.5) == "1,268"                    # integer digits are kept; 1268.5 → even


def test_measured_values_keep_their_decimals():
    from verify.report.fmt import fmt_measured

    assert fmt_measured(2.6, 1) == "2.6"
    assert fmt_measured(1.0, 1, censored=True) == "<1.0"
    assert fmt_measured(486.0, 0) == "486"
    assert fmt_measured(1.52, 2) == "1.52"
    assert fmt_measured(1.5234, None) == "1.52"        # decimals unknown: three significant figures
    assert fmt_measured(None, 1) == "—"


def test_units_at_the_standard_state_in_each_language():
    assert fmt_unit("mg/m3", "ja") == "mg/m³N" and fmt_unit("mg/m3", "zh") == "mg/m³"
    assert fmt_unit("m3/h", "ja") == "m³N/h" and fmt_unit("m3/h", "zh") == "m³/h（标干）"
    assert fmt_unit("kg/h", "ja") == "kg/h" and fmt_unit("%", "zh") == "%"
    assert fmt_unit("mg/m3", "ja", standard=False) == "mg/m³"   # e.g. a value as measured, wet


def test_whole_rounds_integer_digits_for_values_on_unconfirmed_factors():
    # review item 19: 17,801.1 t-CO₂/a rests on a default factor: three significant figures → 17,800
    from verify.report.fmt import MINUS

    assert fmt_num(17801.1, whole=True) == "17,800" and fmt_num(17658.66, whole=True) == "17,700"
    assert fmt_num(-142.41, whole=True) == f"{MINUS}142" and fmt_num(262.72, whole=True) == "263"
    assert fmt_num(0.5166, whole=True) == "0.517"  # below 100 the same as without whole
    assert fmt_num(17850.0, whole=True) == "17,800"  # half to even on the decimal value (178|50 → 178)


def test_to_places_of_the_coarsest_printed_term():
    from verify.report.fmt import DASH, fmt_to_places_of

    # 1.35346 − 0.64216 = 0.7113, beside 1.35 (two places) and 0.642 (three) → two places
    assert fmt_to_places_of(0.7113, ["1.35", "0.642"]) == "0.71"
    assert fmt_to_places_of(120.31, ["\u2212142", "263"]) == "120"
    assert fmt_to_places_of(1234.5, ["1,500", "265.1"]) == "1,234"  # 1,234.5 → 1,234 (half to even)
    assert fmt_to_places_of(None, ["1.35"]) == DASH and fmt_to_places_of(0.7, [DASH, "1"]) == DASH


def test_fmt_bound_rounds_outward():
    # hand-worked: the textile case's S1 PM after mean (2.6 + 1.9 + <1.0) / 3 = 1.8333 is an upper
    # bound, its reduction 100 (1 − 1.8333 / 32.0667) = 94.2827 % a lower bound; rounded to nearest
    # they would print "<1.83" and "≥94.3%", a little more than the data show
    assert fmt_bound(1.8333, "<") == "<1.84"
    assert fmt_bound(94.2827, "≥", decimals=1) == "≥94.2"
    assert fmt_bound(94.2827, "≤", decimals=1) == "≤94.3"
    assert fmt_bound(1.83, "<") == "<1.83"          # exact at the printed digits: unchanged
    assert fmt_bound(-0.0283, "<") == "<−0.0283"    # ceiling of a negative value moves toward zero
    assert fmt_bound(-0.02834, "<") == "<−0.0283"
    assert fmt_bound(0.99991, "<") == "<1.00"
    assert fmt_bound(1.8333, "") == "1.83"          # no bound: half to even as fmt_num
    assert fmt_bound(None, "<") == DASH
