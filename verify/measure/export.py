"""Write the normalized table (``verify normalize CASE -o FILE``): csv, xlsx or parquet by suffix.

* csv is written by pyarrow (``pyarrow.csv.CSVWriter``), slice by slice (:class:`CsvTableWriter`:
  ``verify run`` hands it each normalized slice as it is made, so the whole normalized table is
  never held): UTF-8 with a BOM (so that Excel shows CJK text), ``\\n`` line ends, minimal quoting
  as pyarrow does it (``quoting_style="needed"``: text values are quoted, numbers and booleans
  not), numbers as pyarrow formats them (shortest text that reads back to the same float64:
  ``14358``, ``0.00001``, ``1.0479904199999999``), booleans ``true``/``false``, missing values empty.
* Text cells that a spreadsheet would execute (starting with ``=``, ``+``, ``-``, ``@``, tab or CR:
  OWASP "CSV Injection", docs/platform.md#csv-injection) are written with a leading apostrophe in csv and
  xlsx, column-wise (:func:`verify.inert.inert_arrow`). Numbers are left alone (negative numbers
  stay numbers).
* Timestamps are written as ISO 8601 text in UTC for csv and xlsx (Excel has no time zones);
  parquet keeps the typed columns.
* The file is written to a temporary name in the same folder and renamed, so an error never leaves
  a half-written file under the final name (docs/reliability.md#promises, promise 11).
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from verify.errors import InputError
from verify.i18n import N_
from verify.fsutil import atomic_write
from verify.inert import inert_arrow, inert_column, inert_text

SUFFIXES = (".csv", ".xlsx", ".parquet")
#: A CSV file is written this many rows at a time (the text of a slice stays small; the bytes are
#: those of writing the whole table at once, tests/sources/test_chunked_export.py).
CSV_ROWS_PER_WRITE = 100_000
#: The pyarrow CSV options of every CSV table the tool writes (the benchmark's floor uses the same).
CSV_WRITE_OPTIONS = dict(quoting_style="needed", eol="\n")


def _is_timestamp(dtype) -> bool:
    return isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(dtype)


def _iso_text(col: pd.Series) -> pd.Series:
    """Timestamps as ISO 8601 text, column-wise (``isoformat`` per value only for odd cases)."""
    utc = isinstance(col.dtype, pd.DatetimeTZDtype) and str(col.dt.tz) == "UTC"
    whole_seconds = bool(((col.dt.microsecond == 0) & (col.dt.nanosecond == 0)).fillna(True).all())
    if utc and whole_seconds:
        return col.dt.strftime("%Y-%m-%dT%H:%M:%S+00:00").astype("string")
    return col.map(lambda t: None if pd.isna(t) else t.isoformat()).astype("string")


def _iso_arrow(col: pd.Series) -> pa.Array:
    """:func:`_iso_text` in Arrow: UTC timestamps in whole seconds are formatted by Arrow's strftime."""
    if isinstance(col.dtype, pd.DatetimeTZDtype) and str(col.dt.tz) == "UTC":
        ts = pa.array(col, from_pandas=True)
        try:
            seconds = ts.cast(pa.timestamp("s", tz="UTC"), safe=True)  # raises when a value has a fraction
        except pa.ArrowInvalid:
            seconds = None
        if seconds is not None:  # 'YYYY-MM-DD hh:mm:ss' by Arrow's cast (years 1677–2262 in pandas' ns range)
            text = pc.cast(seconds.cast(pa.timestamp("s")), pa.large_string())
            utc, empty = pa.scalar("+00:00", pa.large_string()), pa.scalar("", pa.large_string())
            return pc.binary_join_element_wise(pc.utf8_replace_slice(text, 10, 11, "T"), utc, empty)
    return pa.array(_iso_text(col), type=pa.large_string(), from_pandas=True)


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with text cells made inert and timestamps as ISO text (for xlsx)."""
    out = frame.copy()
    for name in out.columns:
        col = out[name]
        if _is_timestamp(col.dtype):
            out[name] = _iso_text(col)
        elif col.dtype != object and pd.api.types.is_string_dtype(col.dtype):
            out[name] = inert_column(col)
        elif col.dtype == object:
            if pd.api.types.infer_dtype(col, skipna=True) in ("string", "empty"):
                out[name] = inert_column(col)
            else:  # mixed objects: only the str values can be formulas
                out[name] = col.map(lambda v: inert_text(v) if isinstance(v, str) else v)
    return out


def _arrow_type(dtype) -> pa.DataType:
    """The Arrow type a column of ``dtype`` is written as (the same for every slice of a table)."""
    if _is_timestamp(dtype):
        return pa.large_string()
    if pd.api.types.is_bool_dtype(dtype):
        return pa.bool_()
    if pd.api.types.is_integer_dtype(dtype):
        return pa.int64()
    if pd.api.types.is_float_dtype(dtype):
        return pa.float64()
    return pa.large_string()


def csv_schema(frame: pd.DataFrame) -> pa.Schema:
    return pa.schema([(str(name), _arrow_type(frame[name].dtype)) for name in frame.columns])


def _arrow_column(col: pd.Series, kind: pa.DataType) -> pa.Array:
    """One column as written: ISO text for timestamps, inert text for text, the typed values else."""
    if _is_timestamp(col.dtype):
        return _iso_arrow(col)
    if kind != pa.large_string():
        return pa.array(col, type=kind, from_pandas=True)
    if col.dtype == object and pd.api.types.infer_dtype(col, skipna=True) not in ("string", "empty"):
        col = col.map(lambda v: v if v is None or isinstance(v, str) or pd.isna(v) else str(v))  # mixed objects: as text
    return inert_arrow(pa.array(col, type=pa.large_string(), from_pandas=True))


def arrow_csv_table(frame: pd.DataFrame, schema: pa.Schema | None = None) -> pa.Table:
    """``frame`` as the Arrow table that is written to CSV (column-wise, no per-cell Python)."""
    schema = csv_schema(frame) if schema is None else schema
    arrays = [_arrow_column(frame.iloc[:, i], field.type) for i, field in enumerate(schema)]
    return pa.Table.from_arrays(arrays, schema=schema)


class CsvTableWriter:
    """Writes a table to an open binary file as CSV (BOM, header, then slices as they come)."""

    def __init__(self, fh: BinaryIO):
        self.fh, self.schema, self._writer = fh, None, None
        fh.write(codecs.BOM_UTF8)

    def write(self, frame: pd.DataFrame) -> None:
        if self._writer is None:
            self.schema = csv_schema(frame)
            self._writer = pcsv.CSVWriter(self.fh, self.schema, write_options=pcsv.WriteOptions(**CSV_WRITE_OPTIONS))
        elif list(frame.columns) != self.schema.names:
            raise ValueError("a slice with other columns than the first")
        for i in range(0, len(frame), CSV_ROWS_PER_WRITE):
            self._writer.write_table(arrow_csv_table(frame.iloc[i : i + CSV_ROWS_PER_WRITE], self.schema))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


def check_suffix(path: str | Path) -> str:
    """The lower-case suffix of an output table path, or :class:`InputError` if it is not one of :data:`SUFFIXES`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(N_("cannot write {name!r}: use one of {suffixes}", name=path.name, suffixes=", ".join(SUFFIXES)))
    return suffix


def write_csv_slices(slices, path: str | Path) -> Path:
    """Write the frames of the iterable ``slices`` (same columns) as one CSV file at ``path``, each
    slice as it comes (atomically: a failure leaves no file under ``path``)."""

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            writer = CsvTableWriter(fh)
            for frame in slices:
                writer.write(frame)
            writer.close()

    return atomic_write(path, write)


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` to ``path`` as csv (UTF-8 with BOM, so Excel shows CJK text), xlsx or parquet."""
    path = Path(path)
    suffix = check_suffix(path)
    if suffix == ".csv":
        return write_csv_slices([frame], path)

    def write(tmp: Path) -> None:
        if suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            spreadsheet_safe(frame).to_excel(tmp, index=False, sheet_name="normalized", engine="openpyxl")

    atomic_write(path, write)
    return path
