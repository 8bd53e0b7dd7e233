"""Write the normalized table (``verify normalize CASE -o FILE``): csv, xlsx or parquet by suffix.

* Text cells that a spreadsheet would execute (starting with ``=``, ``+``, ``-``, ``@``, tab or CR:
  OWASP "CSV Injection", reliability.md §1) are written with a leading apostrophe in csv and
  xlsx. Numbers are left alone (negative numbers stay numbers).
* Timestamps are written as ISO 8601 text in UTC for csv and xlsx (Excel has no time zones);
  parquet keeps the typed columns.
* The file is written to a temporary name in the same folder and renamed, so an error never leaves
  a half-written file under the final name (reliability.md §2 promise 11).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from verify.errors import InputError
from verify.fsutil import atomic_write
from verify.inert import inert_column, inert_text

SUFFIXES = (".csv", ".xlsx", ".parquet")
#: A CSV file is written this many rows at a time (the text copy of the table then stays small; the
#: bytes are those of writing the whole table at once: every cell is formatted on its own).
CSV_ROWS_PER_WRITE = 100_000


def _iso_text(col: pd.Series) -> pd.Series:
    """Timestamps as ISO 8601 text, column-wise (``isoformat`` per value only for odd cases)."""
    utc = isinstance(col.dtype, pd.DatetimeTZDtype) and str(col.dt.tz) == "UTC"
    whole_seconds = bool(((col.dt.microsecond == 0) & (col.dt.nanosecond == 0)).fillna(True).all())
    if utc and whole_seconds:
        return col.dt.strftime("%Y-%m-%dT%H:%M:%S+00:00").astype("string")
    return col.map(lambda t: None if pd.isna(t) else t.isoformat()).astype("string")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with text cells made inert and timestamps as ISO text (for csv/xlsx)."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if isinstance(col.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(col.dtype):
            out[name] = _iso_text(col)
        elif col.dtype != object and pd.api.types.is_string_dtype(col.dtype):
            out[name] = inert_column(col)
        elif col.dtype == object:
            if pd.api.types.infer_dtype(col, skipna=True) in ("string", "empty"):
                out[name] = inert_column(col)
            else:  # mixed objects: only the str values can be formulas
                out[name] = col.map(lambda v: inert_text(v) if isinstance(v, str) else v)
    return out


def check_suffix(path: str | Path) -> str:
    """The lower-case suffix of an output table path, or :class:`InputError` if it is not one of :data:`SUFFIXES`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"cannot write {path.name!r}: use one of {', '.join(SUFFIXES)}")
    return suffix


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` to ``path`` as csv (UTF-8 with BOM, so Excel shows CJK text), xlsx or parquet."""
    path = Path(path)
    suffix = check_suffix(path)

    def write(tmp: Path) -> None:
        if suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        elif suffix == ".csv":
            with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
                for i in range(0, max(len(frame), 1), CSV_ROWS_PER_WRITE):
                    part = spreadsheet_safe(frame.iloc[i : i + CSV_ROWS_PER_WRITE])
                    part.to_csv(fh, index=False, header=i == 0, lineterminator="\n")
        else:
            spreadsheet_safe(frame).to_excel(tmp, index=False, sheet_name="normalized", engine="openpyxl")

    atomic_write(path, write)
    return path
