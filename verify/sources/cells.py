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
import pyarrow as pa
import pyarrow.compute as pc

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


def measured_decimals(raw: object, *, decimal: str = ".") -> int | None:
    """The number of decimal places a measured value was written with (its precision as measured):
    ``"2.6"`` → 1, ``"<1.0"`` → 1, ``"486"`` → 0, ``"ND(0.05)"`` → 2, ``"0.5L"`` → 1; None when the
    text is not a plain written number (exponent notation, a number from an Excel cell, a marker).
    The report prints a measured value with these decimals (GB/T 8170-2008 / JIS Z 8401 rounding)."""
    if not isinstance(raw, str) or len(raw) > MAX_CELL_CHARS:
        return None
    text, _ = clean_text(raw)
    low = text.casefold()
    match = _RE_ND_LT.fullmatch(low) or _RE_ND_WORD_NUM.fullmatch(low) or _RE_ND_L.fullmatch(low)
    if match:
        low = next(g for g in match.groups() if g is not None).strip()
    if decimal == ",":
        low = low.replace(",", ".")
    if not re.fullmatch(r"[+-]?[0-9]*(?:\.[0-9]*)?", low) or not any(ch.isdigit() for ch in low):
        return None
    return len(low.partition(".")[2])


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
    out = parse_number_array(raw.to_numpy(dtype=object), decimal=decimal, thousands=thousands)
    return pd.DataFrame(out, index=raw.index)


def cell_types(arr: np.ndarray) -> tuple[str, np.ndarray | None]:
    """``(kind, types)`` of an object array: ``kind`` is pandas' ``infer_dtype`` (skipna=False) —
    ``"string"`` (every cell a ``str``), ``"floating"`` (every cell a Python or NumPy float, NaN
    included) … — and ``types`` the type of every cell (``None`` for these two kinds)."""
    if not len(arr):
        return "empty", None
    kind = pd.api.types.infer_dtype(arr, skipna=False)
    if kind in ("string", "floating"):
        return kind, None
    return kind, np.fromiter(map(type, arr), dtype=object, count=len(arr))


def _has_t(strs: pd.Series) -> bool:
    """Whether any text contains a 'T' (ISO date-time separator), without a Python loop for long columns."""
    if len(strs) <= SMALL:
        return any("T" in v for v in strs.to_numpy(dtype=object))
    return bool(pc.any(pc.match_substring(pa.array(strs.to_numpy(dtype=object), type=pa.large_string()), "T")).as_py())


def arrow_text(arr: np.ndarray) -> pa.Array:
    """An all-``str`` object array as an Arrow string array (for the vectorised paths)."""
    return pa.array(arr, type=pa.large_string())


def parse_number_array(arr: np.ndarray, *, decimal: str = ".", thousands: str | None = None,
                       types: tuple[str, np.ndarray | None] | None = None, text: pa.Array | None = None) -> dict[str, np.ndarray]:
    """The arrays of :func:`parse_number_series` (keys :data:`SERIES_COLUMNS`) for an object array
    of raw cells; ``types`` is :func:`cell_types` of ``arr`` and ``text`` its :func:`arrow_text`
    (all-text columns) when the caller has them already.

    A long all-text column is matched and converted in Arrow: RE2 ``^pattern$`` as pandas'
    ``str.fullmatch`` does, and Arrow's string → float64 cast, which is correctly rounded like
    ``float()`` (bit-identical on 2.2 million generated texts of :data:`FAST_NUMBER_PATTERN`,
    pyarrow 26)."""
    n = len(arr)
    values = np.full(n, np.nan)
    censored = np.zeros(n, dtype=bool)
    limit = np.full(n, np.nan)
    kind = np.full(n, "blank", dtype=object)
    reason = np.full(n, "", dtype=object)
    notes = np.full(n, "", dtype=object)
    detail = np.full(n, "", dtype=object)
    if n:
        tkind, tarr = cell_types(arr) if types is None else types
        if tkind == "string" and n > SMALL:  # all text (the CSV case), long: in Arrow
            is_str, is_none, is_num = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
            text = arrow_text(arr) if text is None else text
            done = pc.equal(text, "").to_numpy(zero_copy_only=False).copy()
            if decimal == ".":
                match = pc.match_substring_regex(text, f"^{FAST_NUMBER_PATTERN}$")
                fast = match.to_numpy(zero_copy_only=False)
                if fast.any():
                    values[fast] = pc.cast(text.filter(match), pa.float64()).to_numpy(zero_copy_only=False)
                    kind[fast] = "number"
                    done |= fast
        elif tkind == "string":  # all text, short: no per-cell type checks
            is_str, is_none, is_num = np.ones(n, dtype=bool), np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        elif tkind == "floating":  # all floats (typed Excel numbers): NumPy floats too, same outcome
            is_str, is_none, is_num = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool), np.ones(n, dtype=bool)
        else:
            is_str = tarr == str
            is_none = tarr == type(None)
            is_num = (tarr == float) | (tarr == int)
        if not (tkind == "string" and n > SMALL):
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
    return {"value": values, "censored": censored, "limit": limit, "kind": kind, "reason": reason, "notes": notes, "detail": detail}


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


def zone_problem(naive: dt.datetime, zone: ZoneInfo) -> str:
    """Why a local time cannot be placed in ``zone``: a daylight-saving gap (the clocks jump over
    it) or fold (it happens twice), or neither (out of range)."""
    try:
        first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
        if first.utcoffset() == second.utcoffset():
            return f"cannot be placed in {zone.key}"
        back = first.astimezone(dt.timezone.utc).astimezone(zone).replace(tzinfo=None)
    except (OverflowError, ValueError):
        return f"cannot be placed in {zone.key}"
    if back != naive:
        return f"does not exist in {zone.key} (the clocks jump over it at the daylight-saving change)"
    offsets = " or ".join(_offset_text(t.utcoffset()) for t in (first, second))
    return f"happens twice in {zone.key} (the clocks go back at the daylight-saving change): write its UTC offset, {offsets}"


def _offset_text(offset: dt.timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


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
            return DateOutcome(None, "invalid", "bad_date", detail=f"{raw} {zone_problem(raw, zone)}")
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
            return DateOutcome(None, "invalid", "bad_date", detail=f"{naive} (Excel serial {raw!r}) {zone_problem(naive, zone)}")
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
        return DateOutcome(None, "invalid", "bad_date", notes, f"{text!r} {zone_problem(parsed, zone)}")
    return DateOutcome(value, "datetime", notes=notes)


def parse_datetime_series(
    raw: pd.Series, *, tz: ZoneInfo | str, date_format: str | None = None, date1904: bool = False,
    text: pa.Array | None = None,
) -> pd.DataFrame:
    """:func:`parse_datetime_cell` over a column → frame (value UTC, kind, reason, notes, detail).

    Fast path: naive ISO text with a time (``2026-03-01 10:00[:00]``), parsed by pandas with an
    explicit format and localised with ``ambiguous``/``nonexistent`` → NaT, which then falls back
    to the slow path; outcomes equal the per-cell function. ``text``: the column in Arrow when every
    cell is text (:func:`arrow_text`), if the caller has it.
    """
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    n = len(raw)
    if text is not None and n > SMALL and len(text) == n:
        distinct = _distinct_datetimes(raw, text, zone, date_format, date1904)
        if distinct is not None:
            return distinct
    arr = raw.to_numpy(dtype=object)
    values = np.full(n, np.datetime64("NaT", "ns"), dtype="datetime64[ns]")  # UTC, naive storage
    kind = np.full(n, "blank", dtype=object)
    all_text = n > 0 and pd.api.types.infer_dtype(arr, skipna=False) == "string"
    if all_text:
        done = (pd.Series(arr, dtype=object) == "").to_numpy(dtype=bool).copy()
        types = None
    else:
        types = np.fromiter(map(type, arr), dtype=object, count=n)
        done = types == type(None)
        text_cells = types == str
        done[text_cells] = arr[text_cells] == ""
    if n:
        is_str = (np.ones(n, dtype=bool) if all_text else (types == str)) & ~done
        if is_str.any():
            idx, local = _text_datetimes(arr, is_str, date_format, zone, text if all_text and text is not None and len(text) == n else None)
            _take_local(local, idx, values, kind, done)
        if types is not None:  # text cells are never datetime objects
            _take_local(*_naive_datetimes(arr, types, done, zone), values, kind, done)
    reason, notes, detail = (np.full(n, "", dtype=object) for _ in range(3))
    for i in np.flatnonzero(~done):
        out = parse_datetime_cell(arr[i], tz=zone, date_format=date_format, date1904=date1904)
        if out.value is not None:
            values[i] = out.value.tz_localize(None).as_unit("ns").to_datetime64()
        kind[i], reason[i], notes[i], detail[i] = out.kind, out.reason, "; ".join(out.notes), out.detail
    values = pd.Series(pd.DatetimeIndex(values).tz_localize("UTC"), index=raw.index)
    return pd.DataFrame({"value": values, "kind": kind, "reason": reason, "notes": notes, "detail": detail}, index=raw.index)


def _distinct_datetimes(raw: pd.Series, text: pa.Array, zone: ZoneInfo, date_format: str | None,
                        date1904: bool) -> pd.DataFrame | None:
    """:func:`parse_datetime_series` of a text column whose texts repeat (a logger's time stamp on
    every channel's row), computed once per distinct text; None when most texts are distinct."""
    encoded = pc.dictionary_encode(text)
    if 2 * len(encoded.dictionary) >= len(text):
        return None
    uniq = encoded.dictionary
    once = parse_datetime_series(pd.Series(uniq.to_numpy(zero_copy_only=False), dtype=object), tz=zone,
                                 date_format=date_format, date1904=date1904, text=uniq)
    out = once.take(encoded.indices.to_numpy(zero_copy_only=False))
    out.index = raw.index
    return out


def _take_local(local: pd.DatetimeIndex | None, idx: np.ndarray, values: np.ndarray, kind: np.ndarray, done: np.ndarray) -> None:
    """Store the UTC times of ``local`` (NaT: left to the per-cell path) at the cells ``idx``."""
    if local is None:
        return
    ok = ~np.asarray(local.isna())
    values[idx[ok]] = local[ok].tz_localize(None).as_unit("ns").to_numpy()
    kind[idx[ok]] = "datetime"
    done[idx[ok]] = True


def _text_datetimes(arr: np.ndarray, is_str: np.ndarray, date_format: str | None, zone: ZoneInfo,
                    text: pa.Array | None) -> tuple[np.ndarray, pd.DatetimeIndex | None]:
    """(cells, their times in UTC) of the text cells the fast path reads: ISO text without a declared
    format, or text that prints back to exactly itself in the declared format (anything else —
    padding, spaces, odd forms, a format with a zone — goes to ``strptime`` cell by cell)."""
    idx_str = np.flatnonzero(is_str)
    strs = pd.Series(arr[is_str], dtype=object)
    if not date_format:
        if text is not None and len(strs) > SMALL:
            sub = text.filter(pa.array(is_str))
            match = pc.match_substring_regex(sub, f"^{FAST_DATE_PATTERN}$")  # as _fullmatch does
            fast = match.to_numpy(zero_copy_only=False)
            has_t = bool(pc.any(pc.match_substring(sub.filter(match), "T")).as_py()) if fast.any() else False
        else:
            fast = _fullmatch(strs, _RE_FAST_DATE)
            has_t = None
        if not fast.any():
            return idx_str, None
        picked = strs[fast]
        if has_t if has_t is not None else _has_t(picked):
            picked = picked.str.replace("T", " ", regex=False)
        parsed = pd.to_datetime(picked, format="ISO8601", errors="coerce")
    elif "%z" not in date_format and "%Z" not in date_format:
        parsed_all = pd.to_datetime(strs, format=date_format, errors="coerce")
        ok = parsed_all.notna().to_numpy()
        fast = np.zeros(len(strs), dtype=bool)
        if ok.any():
            fast[ok] = (parsed_all[ok].dt.strftime(date_format) == strs[ok]).to_numpy(dtype=bool)
        if not fast.any():
            return idx_str, None
        parsed = parsed_all[fast]
    else:
        return idx_str, None
    local = pd.DatetimeIndex(parsed).tz_localize(zone, ambiguous="NaT", nonexistent="NaT").tz_convert("UTC")
    return idx_str[fast], local


def _naive_datetimes(arr: np.ndarray, types: np.ndarray, done: np.ndarray, zone: ZoneInfo) -> tuple[pd.DatetimeIndex | None, np.ndarray]:
    """Naive datetime objects (Excel cells via calamine), localised column-wise; what does not exist
    or is ambiguous in the zone comes out NaT and takes the per-cell path."""
    is_dt = np.zeros(len(arr), dtype=bool)
    cand = np.flatnonzero(~done & (types == dt.datetime))
    is_dt[cand] = np.fromiter((v.tzinfo is None for v in arr[cand]), dtype=bool, count=len(cand))
    idx_dt = np.flatnonzero(is_dt)
    if not len(idx_dt):
        return None, idx_dt
    try:
        naive = pd.DatetimeIndex(list(arr[is_dt]))
    except (ValueError, OverflowError, pd.errors.OutOfBoundsDatetime):
        return None, idx_dt
    return naive.tz_localize(zone, ambiguous="NaT", nonexistent="NaT").tz_convert("UTC"), idx_dt
