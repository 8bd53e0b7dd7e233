"""normalized.csv written in slices has exactly the bytes of writing the whole table at once, and
reads back to the same values (pyarrow's CSV writer, verify.measure.export)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pcsv

from verify.inert import inert_text
from verify.measure import export
from verify.measure.export import write_csv_slices, write_table


def _frame() -> pd.DataFrame:
    n = 11
    start = pd.Series(pd.date_range("2026-03-01", periods=n, freq="min", tz="UTC"))
    start.iloc[3] = pd.NaT
    start.iloc[7] = start.iloc[7] + pd.Timedelta(microseconds=5)  # one slice takes the isoformat path
    return pd.DataFrame({
        "file": pd.Series(["data/a.csv"] * n, dtype="string"),
        "row": np.arange(2, n + 2, dtype=np.int64),
        "start": start,
        "raw": pd.Series(["=1+2", "-3", "12.5", None, "@x", "ok", "+7", "\ttab", "", "中文", 'a,"b"\nc'], dtype="string"),
        "conc": [1.0, np.nan, 1e-7, 2.5, -0.0, 1e20, 3.0, np.nan, 0.1, 0.2, 0.30000000000000004],
        "flag": pd.array([True, None, False] * 3 + [True, None], dtype="boolean"),
        "mixed": pd.Series(["a", 1, None, "=b", 2.5, "c", "d", None, "e", "f", "g"], dtype=object),
    })


def _whole(frame: pd.DataFrame, path: Path, monkeypatch) -> bytes:
    monkeypatch.setattr(export, "CSV_ROWS_PER_WRITE", 10**9)
    return write_table(frame, path).read_bytes()


def test_slices_write_the_same_bytes(tmp_path, monkeypatch):
    frame = _frame()
    whole = _whole(frame, tmp_path / "whole.csv", monkeypatch)
    for rows in (1, 2, 3, 5, 100_000):
        monkeypatch.setattr(export, "CSV_ROWS_PER_WRITE", rows)
        assert write_table(frame, tmp_path / f"sliced{rows}.csv").read_bytes() == whole, rows
    pieces = [frame.iloc[:4], frame.iloc[4:4], frame.iloc[4:]]  # verify run hands over normalized slices
    assert write_csv_slices(pieces, tmp_path / "pieces.csv").read_bytes() == whole


def test_the_file_reads_back_to_the_same_values(tmp_path, monkeypatch):
    frame = _frame()
    data = _whole(frame, tmp_path / "n.csv", monkeypatch)
    assert data.startswith(b"\xef\xbb\xbf\"file\",\"row\",")  # UTF-8 BOM, then the header
    back = pcsv.read_csv(tmp_path / "n.csv", convert_options=pcsv.ConvertOptions(
        column_types={"raw": "string", "mixed": "string", "start": "string"}, strings_can_be_null=True,
        quoted_strings_can_be_null=False)).to_pandas()
    # numbers: the same float64 bits (pyarrow writes the shortest text that reads back exactly)
    assert np.array_equal(back["conc"].to_numpy(), frame["conc"].to_numpy(), equal_nan=True)
    assert np.signbit(back["conc"].iloc[4])  # -0.0 stays -0.0
    assert back["row"].tolist() == frame["row"].tolist()
    # text: the formula-injection rule, cell by cell as verify.inert.inert_text says
    want = [None if v is pd.NA else inert_text(v) for v in frame["raw"]]
    got = [None if v is None or v != v else v for v in back["raw"]]
    assert got == want  # a missing text is an empty field, an empty text a quoted "" (they stay apart)
    assert back["start"].iloc[0] == "2026-03-01T00:00:00+00:00"
    assert back["start"].iloc[7] == "2026-03-01T00:07:00.000005+00:00"
    assert [None if v != v else v for v in back["mixed"].tolist()[:4]] == ["a", "1", None, "'=b"]


def test_empty_table_writes_the_header(tmp_path, monkeypatch):
    frame = _frame().iloc[:0]
    monkeypatch.setattr(export, "CSV_ROWS_PER_WRITE", 2)
    assert write_table(frame, tmp_path / "e.csv").read_bytes() == (
        b'\xef\xbb\xbf"file","row","start","raw","conc","flag","mixed"\n')


def test_arrow_timestamps_are_the_iso_text_of_pandas():
    """_iso_arrow (Arrow's cast, column-wise) gives the text of _iso_text (pandas strftime/isoformat)
    for whole-second UTC times across pandas' nanosecond range, missing values included."""
    rng = np.random.default_rng(7)
    seconds = rng.integers(pd.Timestamp("1677-09-22").value // 10**9, pd.Timestamp("2262-04-11").value // 10**9, 20_000)
    col = pd.Series(pd.to_datetime(seconds, unit="s", utc=True))
    col.iloc[::97] = pd.NaT
    got = export._iso_arrow(col).to_pylist()
    want = [None if v is pd.NA else v for v in export._iso_text(col).tolist()]
    assert got == want
