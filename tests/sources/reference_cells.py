# TEST-ONLY frozen copy of verify/sources/cells.py at commit 36686a1 (see reference_layout.py; later
# intentional rule changes are marked "# issue NN").

"""The one strict cell converter: raw cell → number, non-detect, missing marker, blank or invalid.

Behaviour follows docs/reliability.md#bad-inputs rows 8–14 and 40 and the "Value cells" rules of case-format.md:

* Text is cleaned first: zero-width and bidirectional-control characters (Unicode category Cf) are
  removed (note ``zero_width_removed``), then NFKC folds full-width forms (``１２．５`` → ``12.5``,
  ``＜`` → ``<``; note ``nfkc``). Nothing else is guessed.
* Numbers are matched by a strict regular expression on the cleaned ASCII text; ``float()`` only
  ever sees text that matched. ``1e400``, ``inf``, ``nan``, ``Infinity``, ``1_000`` are rejected.
* Digits outside ASCII that NFKC does not fold (Arabic-Indic ``١٢``, Devanagari …) are **rejected**
  (reason ``non_ascii_digits``): such a sheet is not one this tool expects, and silently reading it
  would hide a copy/paste from an unknown source.
* A decimal comma is read only when the file declares ``decimal = ","``; thousands separators only
  when it declares ``thousands``. Otherwise ``12,5`` (``decimal_comma_undeclared``) and ``1,234`` /
  ``12 500`` (``ambiguous_thousands``) are rejected.
* Non-detects keep their limit: ``<0.5``, ``＜0.5``, ``ND(0.5)``, ``0.5L`` (the Chinese report
  convention "detection limit followed by L", HJ/T 91-2002 **[K]** for air,
  docs/references.md#hjt91-2002); ``ND``, ``N.D.``,
  ``未検出``, ``未检出``, ``<LOD`` carry no number (the caller takes the row's ``lod``).
* ``—``, ``-``, ``/``, ``NA``, ``N/A``, ``--`` … are explicit missing markers: never 0, never NaN
  by accident.
* Numbers from Excel (``int``/``float``) pass through when finite; ``bool`` is rejected.

:func:`parse_number_series` applies the same rules to a whole column with a vectorised fast path for
clean numeric text; its outcome is identical to calling :func:`parse_number_cell` on every cell
(property-tested).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from verify.sources.cells import zone_problem  # issue 17: the daylight-saving gap or fold named

#: Text cells longer than this are rejected without further work (bounded cost per cell).
MAX_CELL_CHARS = 100

KINDS = ("number", "nondetect", "missing_marker", "blank", "invalid")

MISSING_MARKERS = frozenset(
    {"-", "--", "---", "—", "——", "–", "――", "―", "ー", "/", "//", "na", "n/a", "n.a.", "#n/a"}
)
_ND_WORDS = r"(?:nd|n\.d\.?|not\s*detected|未検出|未检出|未檢出|検出せず|未检测到|bdl|<\s*lod|<\s*dl|<\s*mdl|<\s*检出限|低于检出限)"
_NUM_BODY = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:e[+-]?[0-9]{1,4})?"
_RE_PLAIN = re.compile(rf"[+-]?{_NUM_BODY}")
_RE_ND_BARE = re.compile(_ND_WORDS)
_RE_ND_LT = re.compile(r"<\s*(?P<num>[^<>]+)")
_RE_ND_WORD_NUM = re.compile(rf"{_ND_WORDS}\s*(?:\(\s*<?\s*(?P<a>[^()]+?)\s*\)|<\s*(?P<b>.+))")
_RE_ND_L = re.compile(r"(?P<num>[0-9.,]+)\s*l")
_RE_NONFINITE = re.compile(r"[+-]?(?:inf|infinity|nan)")
#: The vectorised fast path: only text that the slow path reads as the same plain number.
FAST_NUMBER_PATTERN = r"-?[0-9]{1,15}(?:\.[0-9]{1,15})?"


_RE_FAST_NUMBER = re.compile(FAST_NUMBER_PATTERN)
#: Below this many cells a Python loop beats setting up an Arrow string array.
SMALL = 2000


def _fullmatch(strs: pd.Series, pattern: re.Pattern) -> np.ndarray:
    """Boolean mask of text cells fully matching ``pattern`` (Arrow's RE2 for long columns)."""
    if len(strs) <= SMALL:
        return np.fromiter((pattern.fullmatch(v) is not None for v in strs.to_numpy(dtype=object)), dtype=bool, count=len(strs))
    return pd.Series(strs, dtype="string[pyarrow]").str.fullmatch(pattern.pattern).to_numpy(dtype=bool, na_value=False)


@dataclass(frozen=True)
class CellOutcome:
    """What one raw cell is. ``value`` is the number (a non-detect: its limit, or None)."""

    value: float | None
    censored: bool
    limit: float | None
    kind: str  # number | nondetect | missing_marker | blank | invalid
    reason: str  # "" for a clean number, else a reason code (see module docstring)
    notes: tuple[str, ...] = ()
    detail: str = ""


def clean_text(raw: str) -> tuple[str, tuple[str, ...]]:
    """Remove format (Cf: zero-width, bidi) characters, NFKC-fold and strip; return text and notes."""
    notes = []
    text = raw
    if any(unicodedata.category(ch) == "Cf" for ch in text):
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
        notes.append("zero_width_removed")
    folded = unicodedata.normalize("NFKC", text)
    if folded != text:
        notes.append("nfkc")
    return folded.strip(), tuple(notes)


def _number_from_text(text: str, decimal: str, thousands: str | None) -> tuple[float | None, str, str]:
    """Strictly read cleaned text as a number → (value, reason, detail); reason "" when read."""
    low = text.casefold()
    if _RE_NONFINITE.fullmatch(low):
        return None, "non_finite", f"{text!r} is not a finite number"
    if any(ch.isdigit() and not ("0" <= ch <= "9") for ch in text):
        return None, "non_ascii_digits", f"{text!r} has digits outside ASCII (not read, by design)"
    if "_" in text:
        return None, "invalid_number", f"{text!r}: underscores are not read as separators"
    body = low
    if thousands is not None:
        sep = unicodedata.normalize("NFKC", thousands)
        dec = re.escape(decimal)
        grouped = re.fullmatch(rf"[+-]?[0-9]{{1,3}}(?:{re.escape(sep)}[0-9]{{3}})+(?:{dec}[0-9]+)?", body)
        if grouped:
            body = body.replace(sep, "")
    if decimal == ",":
        if "." in body:
            if re.fullmatch(r"[+-]?[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?", body):
                return None, "ambiguous_thousands", f"{text!r}: '.' may be a thousands separator (declare thousands)"
            return None, "invalid_number", f"{text!r}: the file declares a decimal comma"
        if re.fullmatch(r"[+-]?[0-9]+,[0-9]+(?:e[+-]?[0-9]{1,4})?", body):
            body = body.replace(",", ".")
    if _RE_PLAIN.fullmatch(body):
        value = float(body)
        if not math.isfinite(value):
            return None, "non_finite", f"{text!r} is out of range"
        return value, "", ""
    if re.fullmatch(r"[+-]?[0-9]{1,3}(?:[, ][0-9]{3})+(?:\.[0-9]+)?", body):
        return None, "ambiguous_thousands", f"{text!r}: thousands separator or decimal? (declare thousands in [[file]])"
    if decimal == "." and re.fullmatch(r"[+-]?[0-9]+,[0-9]+", body):
        return None, "decimal_comma_undeclared", f"{text!r}: a decimal comma is read only when [[file]] declares decimal = ','"
    return None, "invalid_number", f"{text!r} is not a number"


def parse_number_cell(raw: object, *, decimal: str = ".", thousands: str | None = None) -> CellOutcome:
    """Classify one raw cell (see the module docstring). Never raises for any ``raw``."""
    if raw is None:
        return CellOutcome(None, False, None, "blank", "")
    if isinstance(raw, (bool, np.bool_)):
        return CellOutcome(None, False, None, "invalid", "boolean", detail="a TRUE/FALSE cell is not a number")
    if isinstance(raw, (int, np.integer)):
        value = float(raw)
        if not math.isfinite(value):
            return CellOutcome(None, False, None, "invalid", "non_finite", detail=f"{raw} is out of range")
        return CellOutcome(value, False, None, "number", "")
    if isinstance(raw, (float, np.floating)):
        if not math.isfinite(raw):
            return CellOutcome(None, False, None, "invalid", "non_finite", detail=f"{raw!r} is not a finite number")
        return CellOutcome(float(raw), False, None, "number", "")
    if not isinstance(raw, str):
        return CellOutcome(None, False, None, "invalid", "not_a_number", detail=f"a {type(raw).__name__} cell is not a number")
    if len(raw) > MAX_CELL_CHARS:
        return CellOutcome(None, False, None, "invalid", "too_long", detail=f"cell text longer than {MAX_CELL_CHARS} characters")
    text, notes = clean_text(raw)
    if not text:
        return CellOutcome(None, False, None, "blank", "", notes)
    low = text.casefold()
    if low in MISSING_MARKERS:
        return CellOutcome(None, False, None, "missing_marker", "missing_marker", notes, f"explicit missing value {text!r}")
    if _RE_ND_BARE.fullmatch(low):
        return CellOutcome(None, True, None, "nondetect", "nondetect", notes, f"non-detect {text!r} without a limit")
    match = _RE_ND_LT.fullmatch(low) or _RE_ND_WORD_NUM.fullmatch(low) or _RE_ND_L.fullmatch(low)
    if match:
        num_text = next(g for g in match.groups() if g is not None).strip()
        limit, reason, detail = _number_from_text(num_text, decimal, thousands)
        if limit is None:
            return CellOutcome(None, False, None, "invalid", reason, notes, detail)
        if limit <= 0:
            return CellOutcome(None, False, None, "invalid", "invalid_number", notes, f"{text!r}: a detection limit must be positive")
        return CellOutcome(limit, True, limit, "nondetect", "nondetect", notes, f"non-detect below {limit:g}")
    value, reason, detail = _number_from_text(text, decimal, thousands)
    if value is None:
        return CellOutcome(None, False, None, "invalid", reason, notes, detail)
    return CellOutcome(value, False, None, "number", "", notes)


#: Columns of :func:`parse_number_series`.
SERIES_COLUMNS = ("value", "censored", "limit", "kind", "reason", "notes", "detail")


def parse_number_series(raw: pd.Series, *, decimal: str = ".", thousands: str | None = None) -> pd.DataFrame:
    """:func:`parse_number_cell` over a column, as a frame with :data:`SERIES_COLUMNS` (same index).

    Fast path (vectorised): ``None``/empty strings (blank), finite Python/NumPy numbers, and text
    matching :data:`FAST_NUMBER_PATTERN` (read with NumPy, correctly rounded like ``float``). Every
    other cell takes the strict slow path, memoised per distinct raw value.
    """
    n = len(raw)
    values = np.full(n, np.nan)
    censored = np.zeros(n, dtype=bool)
    limit = np.full(n, np.nan)
    kind = np.full(n, "blank", dtype=object)
    reason = np.full(n, "", dtype=object)
    notes = np.full(n, "", dtype=object)
    detail = np.full(n, "", dtype=object)
    arr = raw.to_numpy(dtype=object)
    if n:
        if pd.api.types.infer_dtype(arr, skipna=False) == "string":  # all text (the CSV case): no per-cell type checks
            is_str, is_none, is_num = np.ones(n, dtype=bool), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        else:
            is_str = np.fromiter((type(v) is str for v in arr), dtype=bool, count=n)
            is_none = np.fromiter((v is None for v in arr), dtype=bool, count=n)
            is_num = np.fromiter((type(v) in (float, int) for v in arr), dtype=bool, count=n)
        done = is_none.copy()
        if is_num.any():
            nums = arr[is_num].astype(float)
            finite = np.isfinite(nums)
            idx = np.flatnonzero(is_num)[finite]
            values[idx] = nums[finite]
            kind[idx] = "number"
            done[idx] = True
        if is_str.any():
            strs = pd.Series(arr[is_str], dtype=object)
            empty = (strs == "").to_numpy()
            idx_str = np.flatnonzero(is_str)
            done[idx_str[empty]] = True
            if decimal == ".":
                fast = _fullmatch(strs, _RE_FAST_NUMBER)
                if fast.any():
                    idx = idx_str[fast]
                    values[idx] = strs[fast].to_numpy().astype(float)
                    kind[idx] = "number"
                    done[idx] = True
        cache: dict[tuple[type, object], CellOutcome] = {}
        for i in np.flatnonzero(~done):
            cell = arr[i]
            try:
                key = (type(cell), cell)
                out = cache.get(key)
                if out is None:
                    out = cache[key] = parse_number_cell(cell, decimal=decimal, thousands=thousands)
            except TypeError:  # unhashable: never from a reader, but stay total
                out = parse_number_cell(cell, decimal=decimal, thousands=thousands)
            values[i] = np.nan if out.value is None else out.value
            censored[i] = out.censored
            limit[i] = np.nan if out.limit is None else out.limit
            kind[i] = out.kind
            reason[i] = out.reason
            notes[i] = "; ".join(out.notes)
            detail[i] = out.detail
    return pd.DataFrame(
        {"value": values, "censored": censored, "limit": limit, "kind": kind, "reason": reason, "notes": notes, "detail": detail},
        index=raw.index,
    )


# ---------------------------------------------------------------- dates and times

#: Excel's day zero. 1900 system: serial 1 = 1900-01-01 and Excel counts the non-existent
#: 1900-02-29 as serial 60 (the Lotus 1-2-3 bug, ECMA-376 Part 1 §18.17.4.1), so serials ≥ 61 count
#: from 1899-12-30. 1904 system (workbookPr date1904): serial 0 = 1904-01-01 (same clause).
EXCEL_EPOCH_1900 = dt.datetime(1899, 12, 30)
EXCEL_EPOCH_1900_EARLY = dt.datetime(1899, 12, 31)
EXCEL_EPOCH_1904 = dt.datetime(1904, 1, 1)

_RE_ISO = re.compile(
    r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})"
    r"(?:[Tt ](?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:\.(?P<f>[0-9]{1,6}))?)?)?"
    r"\s*(?P<tz>z|[+-][0-9]{2}:?[0-9]{2})?",
    re.IGNORECASE,
)
# Year first with slashes (2026/3/5 10:00) is unambiguous: no convention puts the day second.
_RE_YMD_SLASH = re.compile(
    r"(?P<y>[0-9]{4})/(?P<m>[0-9]{1,2})/(?P<d>[0-9]{1,2})"
    r"(?:\s+(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:\.(?P<f>[0-9]{1,6}))?)?)?(?P<tz>)"
)
_RE_AMBIGUOUS = re.compile(r"[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-][0-9]{2,4}.*")
#: The vectorised fast path for dates: naive ISO 8601 with a time of day.
FAST_DATE_PATTERN = r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2})?"
_RE_FAST_DATE = re.compile(FAST_DATE_PATTERN)


@dataclass(frozen=True)
class DateOutcome:
    value: pd.Timestamp | None  # tz-aware, UTC
    kind: str  # datetime | blank | invalid
    reason: str = ""
    notes: tuple[str, ...] = ()
    detail: str = ""


def _localise(naive: dt.datetime, tz: ZoneInfo) -> pd.Timestamp | None:
    try:
        return pd.Timestamp(naive).tz_localize(tz, ambiguous="raise", nonexistent="raise").tz_convert("UTC")
    except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime):
        return None


def excel_serial_to_datetime(serial: float, date1904: bool) -> dt.datetime | None:
    """An Excel serial date number → naive datetime (rounded to the millisecond), or None if invalid."""
    if not math.isfinite(serial) or serial < 0 or serial > 2_958_465:  # 9999-12-31 in the 1900 system
        return None
    if date1904:
        base = EXCEL_EPOCH_1904
    elif serial >= 61:
        base = EXCEL_EPOCH_1900
    elif 1 <= serial < 60:
        base = EXCEL_EPOCH_1900_EARLY
    else:  # 0 and 60 (1900-02-29, which did not exist)
        return None
    ms = round(serial * 86_400_000)
    return base + dt.timedelta(milliseconds=ms)


def parse_datetime_cell(
    raw: object, *, tz: ZoneInfo | str, date_format: str | None = None, date1904: bool = False
) -> DateOutcome:
    """Classify one date/time cell; timestamps without offset are local to ``tz``; result in UTC.

    Excel datetimes pass; Excel serial numbers use the workbook epoch (1900 or 1904); text must be
    ISO 8601 (or year-first ``2026/3/5 10:00``) unless ``date_format`` is declared; day/month-first
    text such as ``01/02/2024`` is rejected as ambiguous (docs/reliability.md#bad-inputs rows 22–24).
    """
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    if raw is None:
        return DateOutcome(None, "blank")
    if isinstance(raw, (bool, np.bool_)):
        return DateOutcome(None, "invalid", "bad_date", detail="a TRUE/FALSE cell is not a date")
    if isinstance(raw, pd.Timestamp):
        raw = raw.to_pydatetime()
    if isinstance(raw, dt.datetime):
        if raw.tzinfo is not None:
            return DateOutcome(pd.Timestamp(raw).tz_convert("UTC"), "datetime")
        value = _localise(raw, zone)
        if value is None:
            return DateOutcome(None, "invalid", "bad_date", detail=f"{raw} {zone_problem(raw, zone)}")  # issue 17: gap or fold named
        return DateOutcome(value, "datetime")
    if isinstance(raw, dt.date):
        value = _localise(dt.datetime(raw.year, raw.month, raw.day), zone)
        return DateOutcome(value, "datetime") if value is not None else DateOutcome(None, "invalid", "bad_date")
    if isinstance(raw, (int, float, np.integer, np.floating)):
        naive = excel_serial_to_datetime(float(raw), date1904)
        if naive is None:
            return DateOutcome(None, "invalid", "bad_date", detail=f"{raw!r} is not an Excel date serial")
        value = _localise(naive, zone)
        if value is None:
            return DateOutcome(None, "invalid", "bad_date", detail=f"{naive} (Excel serial {raw!r}) {zone_problem(naive, zone)}")  # issue 17
        return DateOutcome(value, "datetime", notes=("excel_serial_date_1904" if date1904 else "excel_serial_date",))
    if not isinstance(raw, str):
        return DateOutcome(None, "invalid", "bad_date", detail=f"a {type(raw).__name__} cell is not a date")
    if len(raw) > MAX_CELL_CHARS:
        return DateOutcome(None, "invalid", "bad_date", detail="cell text too long for a date")
    text, notes = clean_text(raw)
    if not text:
        return DateOutcome(None, "blank", notes=notes)
    if date_format:
        try:
            parsed = dt.datetime.strptime(text, date_format)
        except ValueError:
            return DateOutcome(None, "invalid", "bad_date", notes, f"{text!r} does not match date_format {date_format!r}")
    else:
        m = _RE_ISO.fullmatch(text) or _RE_YMD_SLASH.fullmatch(text)
        if m is None:
            if _RE_AMBIGUOUS.fullmatch(text):
                return DateOutcome(None, "invalid", "ambiguous_date", notes, f"{text!r} is ambiguous (day or month first?); declare date_format")
            return DateOutcome(None, "invalid", "bad_date", notes, f"{text!r} is not an ISO 8601 date/time")
        g = m.groupdict()
        try:
            parsed = dt.datetime(
                int(g["y"]), int(g["m"]), int(g["d"]), int(g["H"] or 0), int(g["M"] or 0), int(g["S"] or 0),
                int((g["f"] or "0").ljust(6, "0")),
            )
        except ValueError:
            return DateOutcome(None, "invalid", "bad_date", notes, f"{text!r} is not a valid date/time")
        if g["tz"]:
            off = g["tz"]
            if off in ("z", "Z"):
                parsed = parsed.replace(tzinfo=dt.timezone.utc)
            else:
                sign = 1 if off[0] == "+" else -1
                digits = off[1:].replace(":", "")
                hours, minutes = int(digits[:2]), int(digits[2:])
                if hours > 23 or minutes > 59:
                    return DateOutcome(None, "invalid", "bad_date", notes, f"{text!r}: bad UTC offset")
                parsed = parsed.replace(tzinfo=dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes)))
    if parsed.tzinfo is not None:
        return DateOutcome(pd.Timestamp(parsed).tz_convert("UTC"), "datetime", notes=notes)
    value = _localise(parsed, zone)
    if value is None:
        return DateOutcome(None, "invalid", "bad_date", notes, f"{text!r} {zone_problem(parsed, zone)}")  # issue 17
    return DateOutcome(value, "datetime", notes=notes)


def parse_datetime_series(
    raw: pd.Series, *, tz: ZoneInfo | str, date_format: str | None = None, date1904: bool = False
) -> pd.DataFrame:
    """:func:`parse_datetime_cell` over a column → frame (value UTC, kind, reason, notes, detail).

    Fast path: naive ISO text with a time (``2026-03-01 10:00[:00]``), parsed by pandas with an
    explicit format and localised with ``ambiguous``/``nonexistent`` → NaT, which then falls back
    to the slow path; outcomes equal the per-cell function.
    """
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    n = len(raw)
    arr = raw.to_numpy(dtype=object)
    values = np.full(n, np.datetime64("NaT", "ns"), dtype="datetime64[ns]")  # UTC, naive storage
    kind = np.full(n, "blank", dtype=object)
    reason = np.full(n, "", dtype=object)
    notes = np.full(n, "", dtype=object)
    detail = np.full(n, "", dtype=object)
    all_text = n > 0 and pd.api.types.infer_dtype(arr, skipna=False) == "string"
    if all_text:
        done = (pd.Series(arr, dtype=object) == "").to_numpy(dtype=bool).copy()
    else:
        done = np.fromiter((v is None or (type(v) is str and v == "") for v in arr), dtype=bool, count=n)
    if n:
        is_str = np.ones(n, dtype=bool) if all_text else np.fromiter((type(v) is str for v in arr), dtype=bool, count=n)
        is_str &= ~done
        if is_str.any():
            idx_str = np.flatnonzero(is_str)
            strs = pd.Series(arr[is_str], dtype=object)
            if not date_format:
                fast = _fullmatch(strs, _RE_FAST_DATE)
                parsed = pd.to_datetime(strs[fast].str.replace("T", " ", regex=False), format="ISO8601", errors="coerce") if fast.any() else None
            elif "%z" not in date_format and "%Z" not in date_format:
                # declared format: pandas parses, and only cells that print back to exactly their own
                # text are taken (anything else — padding, spaces, odd forms — goes to strptime)
                parsed_all = pd.to_datetime(strs, format=date_format, errors="coerce")
                ok = parsed_all.notna().to_numpy()
                fast = np.zeros(len(strs), dtype=bool)
                if ok.any():
                    fast[ok] = (parsed_all[ok].dt.strftime(date_format) == strs[ok]).to_numpy(dtype=bool)
                parsed = parsed_all[fast] if fast.any() else None
            else:
                fast, parsed = np.zeros(len(strs), dtype=bool), None
            if parsed is not None:
                local = pd.DatetimeIndex(parsed).tz_localize(zone, ambiguous="NaT", nonexistent="NaT").tz_convert("UTC")
                ok = ~np.asarray(local.isna())
                idx = idx_str[fast][ok]
                values[idx] = local[ok].tz_localize(None).as_unit("ns").to_numpy()
                kind[idx] = "datetime"
                done[idx] = True
        # naive datetime objects (Excel cells via calamine): localised column-wise; what does not
        # exist or is ambiguous in the zone comes out NaT and takes the per-cell path below
        is_dt = ~done & np.fromiter((type(v) is dt.datetime and v.tzinfo is None for v in arr), dtype=bool, count=n)
        if is_dt.any():
            idx_dt = np.flatnonzero(is_dt)
            try:
                naive = pd.DatetimeIndex(list(arr[is_dt]))
            except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime):
                naive = None
            if naive is not None:
                local = naive.tz_localize(zone, ambiguous="NaT", nonexistent="NaT").tz_convert("UTC")
                ok = ~np.asarray(local.isna())
                values[idx_dt[ok]] = local[ok].tz_localize(None).as_unit("ns").to_numpy()
                kind[idx_dt[ok]] = "datetime"
                done[idx_dt[ok]] = True
    for i in np.flatnonzero(~done):
        out = parse_datetime_cell(arr[i], tz=zone, date_format=date_format, date1904=date1904)
        if out.value is not None:
            values[i] = out.value.tz_localize(None).as_unit("ns").to_datetime64()
        kind[i], reason[i], notes[i], detail[i] = out.kind, out.reason, "; ".join(out.notes), out.detail
    values = pd.Series(pd.DatetimeIndex(values).tz_localize("UTC"), index=raw.index)
    return pd.DataFrame({"value": values, "kind": kind, "reason": reason, "notes": notes, "detail": detail}, index=raw.index)
