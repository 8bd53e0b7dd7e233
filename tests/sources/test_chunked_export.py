"""normalized.csv written in slices has exactly the bytes of writing the whole table at once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from verify.measure import export
from verify.measure.export import spreadsheet_safe, write_table


def _frame() -> pd.DataFrame:
    n = 11
    start = pd.Series(pd.date_range("2026-03-01", periods=n, freq="min", tz="UTC"))
    start.iloc[3] = pd.NaT
    start.iloc[7] = start.iloc[7] + pd.Timedelta(microseconds=5)  # one slice takes the isoformat path
    return pd.DataFrame({
        "file": pd.Series(["data/a.csv"] * n, dtype="string"),
        "row": np.arange(2, n + 2, dtype=np.int64),
        "start": start,
        "raw": pd.Series(["=1+2", "-3", "12.5", None, "@x", "ok", "+7", "\ttab", "", "中文", "ND"], dtype="string"),
        "conc": [1.0, np.nan, 1e-7, 2.5, -0.0, 1e20, 3.0, np.nan, 0.1, 0.2, 0.30000000000000004],
        "flag": pd.array([True, None, False] * 3 + [True, None], dtype="boolean"),
        "mixed": pd.Series(["a", 1, None, "=b", 2.5, "c", "d", None, "e", "f", "g"], dtype=object),
    })


def test_slices_write_the_same_bytes(tmp_path, monkeypatch):
    frame = _frame()
    whole = tmp_path / "whole.csv"
    spreadsheet_safe(frame).to_csv(whole, index=False, encoding="utf-8-sig", lineterminator="\n")
    for rows in (1, 2, 3, 5, 100_000):
        monkeypatch.setattr(export, "CSV_ROWS_PER_WRITE", rows)
        out = write_table(frame, tmp_path / f"sliced{rows}.csv")
        assert Path(out).read_bytes() == whole.read_bytes(), rows


def test_empty_table_writes_the_header(tmp_path, monkeypatch):
    frame = _frame().iloc[:0]
    whole = tmp_path / "whole.csv"
    spreadsheet_safe(frame).to_csv(whole, index=False, encoding="utf-8-sig", lineterminator="\n")
    monkeypatch.setattr(export, "CSV_ROWS_PER_WRITE", 2)
    assert write_table(frame, tmp_path / "e.csv").read_bytes() == whole.read_bytes()
