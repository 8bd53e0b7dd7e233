"""The intake's outcome on the bundled cases and on benchmark data is the committed golden one.

For each data set below, :func:`verify.sources.read_inputs` must give exactly the canonical table and
the intake ledger recorded in ``tests/sources/golden/<name>.json``:

* the table: its row count and, per canonical column, the dtype, the count of missing values and the
  SHA-256 of the column's canonical serialisation (:func:`column_digest`; values, order and missing
  cells all count), plus the rows per (file, source, phase, pollutant, status) for a reader;
* the ledger: every file tally as written to ``intake.json`` (for a generated workbook without its
  SHA-256, which follows the zip timestamps openpyxl writes), the sheets not read, the entries per
  (file, sheet, column, field, outcome, reason) and the SHA-256 of each entry column.

Data sets: both bundled case studies, and the benchmark generator's data (benchmarks/generate.py,
fixed seed) at a few thousand rows: above ``verify.sources.cells.SMALL``, so the column-wise and
Arrow paths of the intake are the ones recorded; the long CSV is also read in chunks, which must
give the same outcome (verify.sources.chunked).

Where the golden outputs come from: they were written by this file, in the commit that added it, just before the
frozen copies of the old intake (tests/sources/reference_*.py, the oracle of the column-wise
rewrite) were removed; their equivalence test passed on the same data sets at that commit, so
these outputs are the old intake's too.

Regenerate with ``.venv/bin/python tests/sources/test_golden_intake.py --write`` ONLY for an
intended change of what the intake reads (a new reason code or detail text, a new rule, a new
canonical column, a changed case study), and review the JSON diff: the counts must change exactly
as the change means to, and the commit message says why. A change of the benchmark generator or of
NumPy's random stream changes the generated data (then the generated CSV files' SHA-256 in the
tallies changes too); the case studies' golden files must then stay as they are.
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = ("jiangsu-textile-dyeing", "hebei-coating-cems")
#: (layout, format, data rows) of the generated benchmark data sets
GENERATED = (("wide", "xlsx", 2500), ("long", "csv", 3000), ("wide", "csv", 2200))
TABLE_GROUPS = ["file", "source", "phase", "pollutant", "status"]
ENTRY_GROUPS = ["file", "sheet", "column", "field", "outcome", "reason"]


def _generator():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return generate


def column_digest(column: pd.Series) -> dict:
    """dtype, missing count and SHA-256 of the column's canonical serialisation: a JSON array of
    its values in order — numbers as Python's shortest round-trip repr (missing float: NaN),
    datetimes as integer nanoseconds since the epoch (UTC), text as strings, missing as null."""
    missing = column.isna()
    if isinstance(column.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(column.dtype):
        values = column.astype("int64").where(~missing, None).tolist()
    elif pd.api.types.is_float_dtype(column.dtype):
        values = column.to_numpy(dtype=float).tolist()
    elif pd.api.types.is_bool_dtype(column.dtype) or pd.api.types.is_integer_dtype(column.dtype):
        values = column.astype(object).where(~missing, None).tolist()
    else:
        values = [None if m else str(v) for v, m in zip(column.tolist(), missing.tolist())]
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return {"dtype": str(column.dtype), "missing": int(missing.sum()), "sha256": hashlib.sha256(text.encode()).hexdigest()}


def _counts(frame: pd.DataFrame, by: list[str]) -> list[list]:
    if not len(frame):
        return []
    keys = frame[by].astype(object).where(frame[by].notna(), None)
    grouped = keys.assign(n=1).groupby(by, dropna=False, sort=False)["n"].sum()
    rows = [[None if pd.isna(k) else k for k in key] + [int(n)] for key, n in grouped.items()]
    return sorted(rows, key=lambda r: [("" if v is None else str(v)) for v in r[:-1]])


def outcome(intake, generated_workbook: bool = False) -> dict:
    """The golden record of one :class:`verify.sources.Intake` (module docstring)."""
    table, entries = intake.table, intake.ledger.to_frame()
    assert isinstance(table.index, pd.RangeIndex) and table.index.start == 0
    tallies = [t.to_dict() for t in intake.ledger.tallies]
    if generated_workbook:
        for t in tallies:
            t["sha256"] = None
    return {
        "table": {"rows": len(table), "columns": {c: column_digest(table[c]) for c in table.columns},
                  "rows_by_" + "_".join(TABLE_GROUPS): _counts(table, TABLE_GROUPS)},
        "ledger": {"tallies": tallies, "unread_sheets": [list(s) for s in intake.ledger.unread_sheets],
                   "entries": len(entries), "entries_by_" + "_".join(ENTRY_GROUPS): _counts(entries, ENTRY_GROUPS),
                   "columns": {c: column_digest(entries[c]) for c in entries.columns}},
    }


def datasets() -> list[str]:
    return [*CASES, *(f"generated-{layout}-{fmt}-{rows}" for layout, fmt, rows in GENERATED)]


def read(name: str, workdir: Path, chunk_rows: int | None = None) -> dict:
    """The golden record of data set ``name`` as the current code reads it."""
    from verify.case import load_case
    from verify.sources import read_inputs

    if name in CASES:
        return outcome(read_inputs(load_case(ROOT / "case_studies" / name), chunk_rows=chunk_rows))
    _, layout, fmt, rows = name.split("-")
    generate = _generator()
    folder = generate.generate_case(workdir / name, generate.Spec(rows=int(rows), layout=layout, fmt=fmt))
    return outcome(read_inputs(load_case(folder), chunk_rows=chunk_rows), generated_workbook=fmt == "xlsx")


def golden(name: str) -> dict:
    return json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))


def _normalised(record: dict) -> dict:
    """``record`` as it reads back from its JSON file (tuples become lists)."""
    return json.loads(json.dumps(record, ensure_ascii=False))


def assert_matches(got: dict, want: dict) -> None:
    """Equal, with a first failure that names the part that differs."""
    got = _normalised(got)
    for part in ("table", "ledger"):
        for key in want[part]:
            if key == "columns":
                for col, digest in want[part]["columns"].items():
                    assert got[part]["columns"].get(col) == digest, f"{part} column {col!r} differs"
            else:
                assert got[part][key] == want[part][key], f"{part} {key} differs"
    assert got == want


@pytest.mark.parametrize("name", datasets())
def test_intake_gives_the_golden_outcome(name, tmp_path):
    assert_matches(read(name, tmp_path), golden(name))


def test_chunked_reading_gives_the_golden_outcome(tmp_path):
    """The long CSV in chunks of 700 records (chunk boundaries inside minutes) gives the whole file's
    golden outcome, and so does the continuous case study in chunks of 20,000."""
    name = "generated-long-csv-3000"
    assert_matches(read(name, tmp_path, chunk_rows=700), golden(name))
    assert_matches(read("hebei-coating-cems", tmp_path, chunk_rows=20_000), golden("hebei-coating-cems"))


def test_the_digest_sees_order_missing_values_and_signed_zero():
    """A golden file that could not tell these apart would let a changed intake through."""
    base = column_digest(pd.Series([1.0, 0.0, float("nan")]))
    assert column_digest(pd.Series([0.0, 1.0, float("nan")]))["sha256"] != base["sha256"]
    assert column_digest(pd.Series([1.0, -0.0, float("nan")]))["sha256"] != base["sha256"]
    assert column_digest(pd.Series([1.0, 0.0, 0.0]))["sha256"] != base["sha256"]
    text = column_digest(pd.Series(["a", None], dtype="string"))
    assert text["missing"] == 1 and text["sha256"] != column_digest(pd.Series(["a", ""], dtype="string"))["sha256"]
    when = pd.Series(pd.to_datetime(["2026-03-01T00:00:00Z", None]))
    assert column_digest(when)["missing"] == 1


def _dump(obj: object, indent: str = "") -> str:
    """JSON with every part that fits on a line of 150 characters on one line (a reviewable diff)."""
    flat = json.dumps(obj, ensure_ascii=False)
    if len(indent) + len(flat) <= 150 or not isinstance(obj, (dict, list)) or not obj:
        return flat
    inner = indent + " "
    if isinstance(obj, dict):
        parts = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {_dump(v, inner)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(parts) + "\n" + indent + "}"
    return "[\n" + ",\n".join(inner + _dump(v, inner) for v in obj) + "\n" + indent + "]"


def main(argv: list[str]) -> int:
    if argv != ["--write"]:
        print(__doc__)
        print("usage: .venv/bin/python tests/sources/test_golden_intake.py --write")
        return 2
    GOLDEN.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name in datasets():
            text = _dump(read(name, Path(tmp))) + "\n"
            (GOLDEN / f"{name}.json").write_text(text, encoding="utf-8")
            print(f"wrote {GOLDEN / name}.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
