"""The strict cell converter (docs/reliability.md#bad-inputs rows 8–14, 22–24, 40; case-format.md "Value cells")."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.sources.cells import (
    CellOutcome,
    excel_serial_to_datetime,
    parse_datetime_cell,
    parse_datetime_series,
    parse_number_cell,
    parse_number_series,
)

TZ = "Asia/Shanghai"


# row 8: non-detects keep their limit; never 0/NaN silently
@pytest.mark.parametrize(
    ("raw", "limit"),
    [("<0.5", 0.5), ("＜0.5", 0.5), ("< 0.07", 0.07), ("ND(0.5)", 0.5), ("0.07L", 0.07), ("ND", None), ("N.D.", None),
     ("n.d.", None), ("未検出", None), ("未检出", None), ("<LOD", None)],
)
def test_row8_nondetect_keeps_limit(raw, limit):
    out = parse_number_cell(raw)
    assert out.kind == "nondetect" and out.censored
    assert out.limit == limit and out.value == limit
    assert out.value != 0


# row 9: explicit missing markers are flagged as missing, never zero, "NA" never auto-NaN
@pytest.mark.parametrize("raw", ["—", "-", "/", "NA", "N/A", "--", "n/a", "－", "――"])
def test_row9_missing_markers(raw):
    out = parse_number_cell(raw)
    assert out.kind == "missing_marker" and out.reason == "missing_marker" and out.value is None


@pytest.mark.parametrize("raw", ["", "   ", None, "\u200b"])
def test_row9_blank(raw):
    assert parse_number_cell(raw).kind == "blank"


# row 10: full-width digits through NFKC, logged
def test_row10_full_width_digits():
    out = parse_number_cell("１２．５")
    assert (out.kind, out.value, out.notes) == ("number", 12.5, ("nfkc",))


# row 11: decimal comma only when declared
def test_row11_decimal_comma():
    assert parse_number_cell("12,5").reason == "decimal_comma_undeclared"
    assert parse_number_cell("12,5", decimal=",").value == 12.5


# row 12: thousands separators only when declared
@pytest.mark.parametrize(("raw", "sep", "value"), [("1,234", ",", 1234.0), ("12 500", " ", 12500.0), ("1.234,5", ".", 1234.5)])
def test_row12_thousands(raw, sep, value):
    decimal = "," if sep == "." else "."
    undeclared = parse_number_cell(raw, decimal=decimal)
    assert undeclared.kind == "invalid" and undeclared.reason == "ambiguous_thousands"
    assert parse_number_cell(raw, decimal=decimal, thousands=sep).value == value


def test_row12_thousands_grouping_is_strict():
    assert parse_number_cell("12,5", thousands=",").kind == "invalid"
    assert parse_number_cell("1,23,456", thousands=",").kind == "invalid"


# row 13: non-finite and other float() tricks rejected
@pytest.mark.parametrize("raw", ["1e400", "inf", "-inf", "nan", "NaN", "Infinity", "1_000", float("inf"), float("nan")])
def test_row13_rejected(raw):
    out = parse_number_cell(raw)
    assert out.kind == "invalid" and out.value is None


def test_arabic_indic_digits_rejected_by_design():
    assert parse_number_cell("١٢").reason == "non_ascii_digits"


# row 40: zero-width and bidi characters removed and logged
@pytest.mark.parametrize("raw", ["1\u200b2.5", "\u202e12.5", "12.5\ufeff", "\u200f12.5\u200e"])
def test_row40_zero_width_removed(raw):
    out = parse_number_cell(raw)
    assert out.value == 12.5 and "zero_width_removed" in out.notes


def test_excel_numbers_pass_bool_rejected():
    assert parse_number_cell(12).value == 12.0
    assert parse_number_cell(0.07).value == 0.07
    assert parse_number_cell(True).reason == "boolean"
    assert parse_number_cell(dt.datetime(2026, 1, 1)).kind == "invalid"


def test_scientific_notation_and_sign():
    assert parse_number_cell("1.2E-03").value == pytest.approx(0.0012)
    assert parse_number_cell("-3").value == -3.0  # the sign is kept; the layout decides about negatives
    assert parse_number_cell("+3").value == 3.0


def test_nondetect_limit_must_be_positive():
    assert parse_number_cell("<0").kind == "invalid"
    assert parse_number_cell("<abc").kind == "invalid"


# the vectorised column path gives exactly the per-cell outcome
CELLS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.from_regex(r"-?[0-9]{1,6}(\.[0-9]{1,4})?", fullmatch=True),
    st.sampled_from(["ND", "<0.5", "１２．５", "—", "NA", "12,5", "1,234", "1e400", "", " ", "x", "0.07L", "1\u200b2"]),
    st.text(max_size=12),
)


def _same(a: CellOutcome, row) -> bool:
    def eq(x, y):
        return (x is None and (y is None or (isinstance(y, float) and math.isnan(y)))) or x == y

    return eq(a.value, row["value"]) and a.censored == row["censored"] and eq(a.limit, row["limit"]) and a.kind == row["kind"] and a.reason == row["reason"]


@settings(max_examples=40, deadline=500)
@given(st.lists(CELLS, max_size=30), st.sampled_from([(".", None), (",", None), (".", ","), (",", "."), (".", " ")]))
def test_series_equals_cells(cells, sep):
    decimal, thousands = sep
    frame = parse_number_series(pd.Series(cells, dtype=object), decimal=decimal, thousands=thousands)
    for raw, (_, row) in zip(cells, frame.iterrows()):
        assert _same(parse_number_cell(raw, decimal=decimal, thousands=thousands), row), raw


@settings(max_examples=100, deadline=200)
@given(st.one_of(st.text(max_size=200), CELLS))
def test_converter_is_total(raw):
    out = parse_number_cell(raw)
    assert out.kind in ("number", "nondetect", "missing_marker", "blank", "invalid")
    if out.value is not None:
        assert math.isfinite(out.value)


# rows 22–24: dates
def test_row22_naive_is_local_to_case_zone():
    out = parse_datetime_cell("2026-03-01 10:00", tz=TZ)
    assert out.value == pd.Timestamp("2026-03-01 02:00", tz="UTC")  # Asia/Shanghai is UTC+8 (no DST)


def test_offset_is_respected():
    assert parse_datetime_cell("2026-03-01T10:00:00+09:00", tz=TZ).value == pd.Timestamp("2026-03-01 01:00", tz="UTC")
    assert parse_datetime_cell("2026-03-01T10:00Z", tz=TZ).value == pd.Timestamp("2026-03-01 10:00", tz="UTC")


def test_row23_ambiguous_date_rejected_unless_declared():
    out = parse_datetime_cell("01/02/2024", tz=TZ)
    assert out.kind == "invalid" and out.reason == "ambiguous_date"
    declared = parse_datetime_cell("01/02/2024", tz=TZ, date_format="%d/%m/%Y")
    assert declared.value == pd.Timestamp("2024-02-01", tz=TZ).tz_convert("UTC")


def test_year_first_slash_is_unambiguous():
    assert parse_datetime_cell("2026/3/5 10:00", tz=TZ).value == pd.Timestamp("2026-03-05 02:00", tz="UTC")


def test_row24_excel_serial_both_epochs():
    # Excel: serial 45000 is 2023-03-15 in the 1900 system; the 1904 system is 1462 days later
    # (ECMA-376 Part 1 §18.17.4.1: 1904 base date 1904-01-01, 1900 base with the 1900-02-29 bug).
    assert excel_serial_to_datetime(45000, False) == dt.datetime(2023, 3, 15)
    assert excel_serial_to_datetime(45000, True) == dt.datetime(2027, 3, 16)
    assert excel_serial_to_datetime(1, False) == dt.datetime(1900, 1, 1)
    assert excel_serial_to_datetime(61, False) == dt.datetime(1900, 3, 1)
    assert excel_serial_to_datetime(60, False) is None  # 1900-02-29 never existed
    assert excel_serial_to_datetime(45000.25, False) == dt.datetime(2023, 3, 15, 6)
    out = parse_datetime_cell(45000.5, tz=TZ, date1904=True)
    assert out.value == pd.Timestamp("2027-03-16 12:00", tz=TZ).tz_convert("UTC")


def test_excel_datetime_passes():
    assert parse_datetime_cell(dt.datetime(2026, 3, 1, 10), tz=TZ).value == pd.Timestamp("2026-03-01 02:00", tz="UTC")


def test_nonexistent_local_time_rejected():
    # 2026-03-08 02:30 does not exist in America/New_York (DST starts at 02:00)
    assert parse_datetime_cell("2026-03-08 02:30", tz="America/New_York").kind == "invalid"


DATES = st.one_of(
    st.none(),
    st.sampled_from(["2026-03-01 10:00", "2026-03-01T10:00:00", "2026-03-08 02:30", "01/02/2024", "x", "", "2026-13-01 00:00"]),
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 1, 1)).map(lambda d: d.strftime("%Y-%m-%d %H:%M:%S")),
    st.floats(min_value=-10, max_value=80000),
)


@settings(max_examples=25, deadline=1000)
@given(st.lists(DATES, max_size=15), st.sampled_from(["Asia/Shanghai", "America/New_York"]))
def test_date_series_equals_cells(cells, tz):
    frame = parse_datetime_series(pd.Series(cells, dtype=object), tz=tz)
    for raw, (_, row) in zip(cells, frame.iterrows()):
        out = parse_datetime_cell(raw, tz=tz)
        assert out.kind == row["kind"], raw
        assert (out.value is None and pd.isna(row["value"])) or out.value == row["value"], raw


@settings(max_examples=25, deadline=1000)
@given(st.lists(st.one_of(DATES, st.sampled_from(["2026/03/01 10:00", "2026/3/1 10:00", " 2026/03/01 10:00", "2026/02/30 10:00"])), max_size=15))
def test_date_series_with_declared_format_equals_cells(cells):
    fmt = "%Y/%m/%d %H:%M"
    frame = parse_datetime_series(pd.Series(cells, dtype=object), tz=TZ, date_format=fmt)
    for raw, (_, row) in zip(cells, frame.iterrows()):
        out = parse_datetime_cell(raw, tz=TZ, date_format=fmt)
        assert out.kind == row["kind"], raw
        assert (out.value is None and pd.isna(row["value"])) or out.value == row["value"], raw


def test_datetime_objects_fast_path_equals_per_cell_outcomes():
    # Excel datetimes (naive datetime objects from calamine) take a column-wise path; every outcome
    # must equal the per-cell function, including a time that does not exist (DST gap) and one
    # that is ambiguous (DST fold) in Europe/Berlin, and a midnight value.
    import datetime as _dt

    import pandas as _pd

    from verify.sources.cells import parse_datetime_cell, parse_datetime_series

    cells = [_dt.datetime(2026, 3, 1, 10, 0), _dt.datetime(2026, 3, 29, 2, 30), _dt.datetime(2026, 10, 25, 2, 30),
             _dt.datetime(2026, 6, 1, 0, 0), None, "2026-06-01 12:00"]
    series = parse_datetime_series(_pd.Series(cells, dtype=object), tz="Europe/Berlin")
    for i, raw in enumerate(cells):
        one = parse_datetime_cell(raw, tz="Europe/Berlin")
        assert series["kind"].iloc[i] == one.kind, raw
        got = series["value"].iloc[i]
        assert (got is _pd.NaT or _pd.isna(got)) if one.value is None else got == one.value, raw
    assert series["kind"].tolist()[:3] == ["datetime", "invalid", "invalid"]
