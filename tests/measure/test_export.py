"""write_table(): csv/xlsx/parquet by suffix, inert text cells, no half-written files."""

import openpyxl
import pandas as pd
import pytest

from verify.errors import InputError
from verify.measure.export import write_table
from verify.measure.normalize import normalize


def _frame(make_case, canon):
    case = make_case()
    t = canon([dict(source="S1", phase="before", run="1", pollutant="NMHC", value=-1.5, lod=0.07, censored=True,
                    method="=HYPERLINK(\"http://x\")", start=pd.Timestamp("2026-03-01T01:00Z"))])
    return normalize(t, case)


def test_csv_and_xlsx_are_inert(tmp_path, make_case, canon):
    frame = _frame(make_case, canon)
    csv_path = write_table(frame, tmp_path / "n.csv")
    back = pd.read_csv(csv_path, encoding="utf-8-sig", dtype=str)
    assert back.loc[0, "method"].startswith("'=") and back.loc[0, "value"] == "-1.5"
    assert back.loc[0, "start"] == "2026-03-01T01:00:00+00:00"
    xl = write_table(frame, tmp_path / "n.xlsx")
    ws = openpyxl.load_workbook(xl).active
    header = [c.value for c in ws[1]]
    cell = ws.cell(row=2, column=header.index("method") + 1)
    assert cell.data_type == "s" and cell.value.startswith("'=")
    assert ws.cell(row=2, column=header.index("value") + 1).value == -1.5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n.csv", "n.xlsx"]


def test_parquet_roundtrip_and_bad_suffix(tmp_path, make_case, canon):
    frame = _frame(make_case, canon)
    back = pd.read_parquet(write_table(frame, tmp_path / "n.parquet"))
    assert back["conc"].iloc[0] == pytest.approx(-1.5) and "derivation" in back.columns
    with pytest.raises(InputError, match="csv, .xlsx, .parquet"):
        write_table(frame, tmp_path / "n.json")
