"""The intake ledger: what became of every row and every value of every file (case-format.md).

* A **value** is every non-blank cell of a quantity column (pollutant values, ``lod``, ``range``,
  ``value_o2ref``, ``rate_reported`` and the run-level numbers ``o2_pct``, ``h2o_pct``, ``temp_c``,
  ``pressure_kpa``, ``flow``, ``load_pct``). It is accepted, flagged or rejected.
* A **row** is rejected only when it yields no usable pollutant value or its source, phase or run
  cannot be determined; otherwise accepted, or flagged if any value in it was flagged or rejected.
* Per file (and sheet): ``read = accepted + flagged + rejected`` for rows and for values
  (:meth:`FileTally.check`). A CSV file's tally also counts its physical ``lines``: a record that
  spans several lines (a quoted cell with a line break) is noted with its span, so records merged
  by a stray quote show as lines that are not rows.

Entries list every non-accepted value and row (outcome ``flagged``/``rejected``) and normalisation
notes (outcome ``note``, e.g. ``nfkc``). They are kept as one frame, never as objects per cell.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from verify.inert import inert_text
from verify.reasons import unknown_codes

ENTRY_COLUMNS = ("file", "sheet", "row", "column", "cell", "field", "raw", "outcome", "reason", "detail")
OUTCOMES = ("flagged", "rejected", "note")


@dataclass
class FileTally:
    """Counts for one file (and sheet)."""

    file: str
    sheet: str | None
    sha256: str
    layout: str = ""
    encoding: str | None = None
    header_map: dict[str, str] = field(default_factory=dict)  # "D: NMHC (mg/m³)" → "value[NMHC]"
    rows: int = 0
    accepted: int = 0
    flagged: int = 0
    rejected: int = 0
    values: int = 0
    values_accepted: int = 0
    values_flagged: int = 0
    values_rejected: int = 0
    notes: list[str] = field(default_factory=list)
    lines: int | None = None  # CSV: physical lines of the file, header and blank lines included

    def check(self) -> None:
        """Raise AssertionError unless read = accepted + flagged + rejected for rows and values."""
        if self.rows != self.accepted + self.flagged + self.rejected:
            raise AssertionError(f"{self.file}: rows {self.rows} != {self.accepted}+{self.flagged}+{self.rejected}")
        if self.values != self.values_accepted + self.values_flagged + self.values_rejected:
            raise AssertionError(
                f"{self.file}: values {self.values} != {self.values_accepted}+{self.values_flagged}+{self.values_rejected}"
            )

    def to_dict(self) -> dict:
        return {
            "file": self.file, "sheet": self.sheet, "sha256": self.sha256, "layout": self.layout,
            "encoding": self.encoding, "rows": self.rows, "accepted": self.accepted, "flagged": self.flagged,
            "rejected": self.rejected, "values": self.values, "values_accepted": self.values_accepted,
            "values_flagged": self.values_flagged, "values_rejected": self.values_rejected, "lines": self.lines,
            "header_map": dict(self.header_map), "notes": [str(note) for note in self.notes],
        }


def merge_tallies(parts: list[FileTally], lines: int | None = None) -> FileTally:
    """The tally of one file read in chunks: the counts of its chunks added up. File, sheet, hash,
    layout, encoding, header map and notes are the file's and must agree between chunks; ``lines``
    is the file's count of physical lines (known once the last chunk is read)."""
    if not parts:
        raise ValueError("no tallies to merge")
    first = parts[0]
    same = ("file", "sheet", "sha256", "layout", "encoding", "header_map", "notes")
    for t in parts[1:]:
        for name in same:
            if getattr(t, name) != getattr(first, name):
                raise ValueError(f"{first.file}: chunks disagree on {name}: {getattr(first, name)!r} vs {getattr(t, name)!r}")
    merged = FileTally(**{name: getattr(first, name) for name in same[:5]}, header_map=dict(first.header_map),
                       notes=list(first.notes), lines=lines)
    for name in ("rows", "accepted", "flagged", "rejected", "values", "values_accepted", "values_flagged", "values_rejected"):
        setattr(merged, name, sum(getattr(t, name) for t in parts))
    merged.check()
    return merged


def empty_entries() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="string") for c in ENTRY_COLUMNS})
    frame["row"] = frame["row"].astype("Int64")
    return frame


def entries_frame(records: dict[str, object]) -> pd.DataFrame:
    """Build an entries frame with :data:`ENTRY_COLUMNS` from columns (arrays or scalars).

    Text columns stay ``object`` here (cheap); :meth:`Ledger.to_frame` gives them the ``string`` dtype.
    """
    n = max((len(v) for v in records.values() if isinstance(v, (list, np.ndarray, pd.Series))), default=0)
    out = {}
    for col in ENTRY_COLUMNS:
        v = records.get(col)
        if col == "row":
            out[col] = pd.array(np.full(n, pd.NA, dtype=object) if v is None else v, dtype="Int64")
        elif isinstance(v, (list, np.ndarray, pd.Series)):
            arr = np.empty(n, dtype=object)
            arr[:] = list(v) if isinstance(v, pd.Series) else v
            out[col] = arr
        else:
            out[col] = np.full(n, v, dtype=object)
    return pd.DataFrame(out, columns=list(ENTRY_COLUMNS))


@dataclass
class Ledger:
    """Per-file tallies, the entries frame and the sheets that were not read."""

    tallies: list[FileTally] = field(default_factory=list)
    entries: pd.DataFrame = field(default_factory=empty_entries)
    unread_sheets: list[tuple[str, str]] = field(default_factory=list)  # (file, sheet)

    @property
    def has_rejections(self) -> bool:
        """True when any row or value was rejected (``verify check`` then exits 2)."""
        return any(t.rejected or t.values_rejected for t in self.tallies)

    def add(self, tally: FileTally, entries: pd.DataFrame) -> None:
        """Add one file's tally and entries. Every entry's reason must be a code of
        ``verify/data/reasons.csv`` (the console and the report name it from there): an undeclared
        code is a bug of this tool, raised as such."""
        tally.check()
        if len(entries):
            unknown = unknown_codes(entries["reason"].dropna().unique())
            if unknown:
                raise AssertionError(f"ledger reason code(s) not declared in verify/data/reasons.csv: {', '.join(unknown)}")
        self.tallies.append(tally)
        if len(entries):
            self.entries = entries.copy() if not len(self.entries) else pd.concat([self.entries, entries], ignore_index=True)

    def to_frame(self) -> pd.DataFrame:
        """The entries, sorted by file, sheet, row, column (stable)."""
        frame = self.entries.copy()
        for col in ENTRY_COLUMNS:
            if col != "row":
                frame[col] = frame[col].astype("string")
        frame["_col"] = frame["column"].fillna("").map(lambda c: (len(c), c))
        frame = frame.sort_values(["file", "sheet", "row", "_col"], kind="stable", na_position="first")
        return frame.drop(columns="_col").reset_index(drop=True)

    def tallies_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{k: v for k, v in t.to_dict().items() if k not in ("header_map", "notes")} for t in self.tallies])

    def write_csv(self, path: str | Path) -> None:
        """Write the entries as UTF-8 CSV (BOM, for Excel). Text that a spreadsheet would run as a
        formula (starting with = + - @, tab or CR and not a number) is prefixed with ``'`` (OWASP
        "CSV Injection"); the input files themselves are never touched."""
        frame = self.to_frame()
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(ENTRY_COLUMNS)
            for rec in frame.itertuples(index=False):
                writer.writerow([_inert(v) for v in rec])


def _inert(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return inert_text(str(value))
