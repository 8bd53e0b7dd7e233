"""Partitioned intake of large CSV files: the same strict parsing and ledger, a bounded grid.

A CSV file is read ``chunk_rows`` data records at a time (:func:`verify.sources.csv_reader.iter_csv_chunks`);
every chunk goes through :func:`verify.sources.layout.parse_grid` exactly as a whole file does, with
the file's own header rows and its true row numbers, and only the chunk's canonical rows (in the
canonical dtypes, without the per-row ``_cell_*`` address strings) and its ledger entries are kept.
The text grid of a chunk is released before the next one is read.

How a chunk keeps its true row numbers: ``parse_grid`` numbers the data rows from the header's last
row. A chunk is given as a grid whose rows are virtual (:class:`_ChunkRows`): the file's first rows
(titles, header rows) where they are, blank rows up to the chunk, then the chunk's records at their
true positions; the last header row is shown once more just above the chunk and ``header_rows`` is
moved to it, so the header text, and therefore every column role, is that of the file.

What makes the result identical to reading the file whole (tests/sources/test_chunked.py):

* counts and entries: :func:`verify.sources.ledger.merge_tallies` adds the chunks' counts; the
  entries of all chunks are the whole file's (each depends on its own row only), and
  ``Ledger.to_frame`` orders them by file, sheet, row and column;
* canonical rows: a long file's rows come out in row order chunk after chunk, as whole; a wide
  file's come out per pollutant column (slot) and then by row, so the chunks' rows are put in
  (slot, row) order (:func:`_slot_order`);
* the checks across rows (duplicate measurements, run-level numbers that disagree within a run and
  their repetition on every row of the run) run once on the whole case, after the last chunk, in
  ``verify.sources.read_inputs``; the cell addresses their messages name are rebuilt from file,
  sheet, row and column (:func:`cell_columns`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from verify.case import FileSpec
from verify.errors import InputError
from verify.sources.canonical import conform
from verify.sources.csv_reader import CsvChunk, LineSpans, iter_csv_chunks
from verify.sources.grid import SheetGrid
from verify.sources.headers import read_headers
from verify.sources.layout import CaseContext, parse_grid
from verify.sources.ledger import FileTally, entries_frame, merge_tallies

__all__ = ["CompactPart", "parse_csv_chunked", "compact", "cell_columns"]


class _ChunkRows:
    """The rows of one chunk as ``parse_grid`` sees them: fixed rows (titles, header rows) by
    0-based index, blank rows, then ``data`` from index ``start``. Iterating yields only the rows
    that exist (what ``SheetGrid.n_cols`` looks at)."""

    def __init__(self, fixed: dict[int, list], start: int, data: list[list]):
        self.fixed, self.start, self.data = fixed, start, data

    def __len__(self) -> int:
        return self.start + len(self.data)

    def __iter__(self) -> Iterator[list]:
        for i in sorted(self.fixed):
            yield self.fixed[i]
        yield from self.data

    def __getitem__(self, key):
        if isinstance(key, slice):
            lo, hi, step = key.indices(len(self))
            if step == 1 and lo >= self.start:
                return self.data[lo - self.start : hi - self.start]
            return [self[i] for i in range(lo, hi, step)]
        i = key + len(self) if key < 0 else key
        if not 0 <= i < len(self):
            raise IndexError(key)
        if i >= self.start:
            return self.data[i - self.start]
        return self.fixed.get(i, [])


def chunk_grid(rel: str, spec: FileSpec, chunk: CsvChunk, encoding: str, notes: list[str]) -> tuple[SheetGrid, FileSpec]:
    """The grid and ``[[file]]`` entry that make ``parse_grid`` read ``chunk`` with the file's header."""
    header_rows = sorted(set(spec.header_rows or [1]))
    last = header_rows[-1]
    if chunk.start == last:  # the first chunk: the file's own first rows, unchanged
        return SheetGrid(file=rel, sheet=None, rows=chunk.head + chunk.data, encoding=encoding, notes=list(notes),
                         line_spans=chunk.line_spans, columns=chunk.columns), spec
    fixed = dict(enumerate(chunk.head))
    fixed[chunk.start - 1] = chunk.head[last - 1]
    moved = spec.model_copy(update={"header_rows": [*header_rows[:-1], chunk.start]})
    rows = _ChunkRows(fixed, chunk.start, chunk.data)
    return SheetGrid(file=rel, sheet=None, rows=rows, encoding=encoding, notes=list(notes),  # type: ignore[arg-type]
                     line_spans=chunk.line_spans, columns=chunk.columns), moved


@dataclass
class CompactPart:
    """One file's canonical rows without the internal ``_cell_*`` columns, in canonical dtypes, and
    what is needed to rebuild those addresses: the column letter of every run-level field."""

    table: pd.DataFrame
    run_letters: dict[str, str] = field(default_factory=dict)  # field → column letter, e.g. "o2_pct" → "F"


def compact(table: pd.DataFrame, run_letters: dict[str, str] | None = None) -> CompactPart:
    """``parse_grid``'s table → :class:`CompactPart` (records the run-level column letters first)."""
    letters = dict(run_letters or {})
    for c in table.columns:
        if c.startswith("_cell_") and c != "_cell_value":
            fieldname = c[len("_cell_"):]
            if fieldname not in letters:
                first = table[c].dropna()
                if len(first):
                    letters[fieldname] = str(first.iloc[0]).rsplit(" ", 1)[-1].rstrip("0123456789")
    internal = [c for c in table.columns if c.startswith("_")]
    return CompactPart(conform(table.drop(columns=internal)), letters)


def _slot_order(grid: SheetGrid, spec: FileSpec, ctx: CaseContext) -> dict[str, int]:
    """Wide layout: pollutant → the order in which ``parse_grid`` emits its slot (the order of the
    pollutant's first column among the header's roles)."""
    order: dict[str, int] = {}
    for role in read_headers(grid, spec, ctx.pollutant_table).roles:
        if role.field is not None and role.pollutant and role.pollutant not in order:
            order[role.pollutant] = len(order)
    return order


def _fix_header_row(exc: InputError, chunk_start: int, last_header: int) -> InputError:
    """A header error found in a later chunk names the row the whole file would name."""
    loc = exc.location
    if loc is not None and loc.row == chunk_start:
        return type(exc)(exc.message, dataclasses.replace(loc, row=last_header), exc.hint)
    return exc


def parse_csv_chunked(path: Path, spec: FileSpec, ctx: CaseContext, sha256: str, chunk_rows: int
                      ) -> tuple[CompactPart, pd.DataFrame, FileTally]:
    """Parse one CSV ``[[file]]`` chunk by chunk → (its compact rows, its ledger entries, its tally)."""
    spans = LineSpans()
    encoding, notes, chunks = iter_csv_chunks(path, spec.path, spec, chunk_rows, spans)
    last_header = max(spec.header_rows or [1])
    tallies: list[FileTally] = []
    entries: list[pd.DataFrame] = []
    parts: list[pd.DataFrame] = []
    letters: dict[str, str] = {}
    slots: dict[str, int] | None = None
    for chunk in chunks:
        grid, chunk_spec = chunk_grid(spec.path, spec, chunk, encoding, notes)
        try:
            parsed = parse_grid(grid, chunk_spec, ctx, sha256, addresses=False)
        except InputError as exc:
            raise _fix_header_row(exc, chunk.start, last_header) from None
        if slots is None and parsed.tally.layout == "wide":
            slots = _slot_order(grid, chunk_spec, ctx)
        del grid, chunk
        tallies.append(parsed.tally)
        if len(parsed.entries):
            entries.append(parsed.entries)
        if len(parsed.table):
            part = compact(parsed.table, {**letters, **parsed.run_letters})
            letters = part.run_letters
            parts.append(part.table)
        del parsed
    tally = merge_tallies(tallies, lines=spans.lines)
    table = pd.concat(parts, ignore_index=True) if len(parts) > 1 else (parts[0] if parts else pd.DataFrame())
    del parts
    if slots and len(table):
        rank = table["pollutant"].map(slots).to_numpy(dtype=np.int64)
        order = np.lexsort((table["row"].to_numpy(), rank))
        if (order != np.arange(len(order))).any():
            table = table.take(order).reset_index(drop=True)
    frame = pd.concat(entries, ignore_index=True) if entries else entries_frame({})
    return CompactPart(table, letters), frame, tally


def release_freed_memory() -> None:
    """Hand freed heap memory back to the operating system (glibc ``malloc_trim``).

    The chunks' text grids are millions of small Python strings; once freed, glibc keeps much of
    their memory in the process (the effect the Dask documentation describes under "Memory not
    released back to the OS"). Measured on the 1,000,000-row benchmark case: RSS after the intake
    1020 → 824 MiB. Does nothing where the C library has no ``malloc_trim``.
    """
    import contextlib
    import ctypes

    with contextlib.suppress(OSError, AttributeError):  # no glibc: nothing to hand back
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _prefixes(table: pd.DataFrame) -> np.ndarray:
    """'file [sheet] ' per row, as ``parse_grid`` prefixes cell references."""
    sheet = table["sheet"].astype(object).where(table["sheet"].notna(), None)
    keys = pd.MultiIndex.from_arrays([table["file"].astype(object), sheet])
    codes, uniques = keys.factorize()
    texts = np.array([f"{f}" + (f" [{s}]" if isinstance(s, str) and s else "") + " " for f, s in uniques], dtype=object)
    return texts[codes]


def cell_columns(table: pd.DataFrame, letters: dict[tuple[str, str | None], dict[str, str]]) -> dict[str, np.ndarray]:
    """The internal ``_cell_value`` and ``_cell_<field>`` columns of ``parse_grid``, rebuilt for the
    compact ``table`` (only when an error message needs them); ``letters``: (file, sheet) → the
    column letter of each run-level field in that file/sheet."""
    prefix = _prefixes(table)
    out = {"_cell_value": prefix + table["cell"].astype(object).to_numpy()}
    files = table["file"].astype(object).to_numpy()
    sheets = table["sheet"].astype(object).where(table["sheet"].notna(), None).to_numpy()
    rows = table["row"].astype(str).to_numpy(dtype=object)
    for f in sorted({f for part in letters.values() for f in part}):
        col = np.full(len(table), None, dtype=object)
        for (file, sheet), part in letters.items():
            if f in part and f in table:
                m = (files == file) & (sheets == sheet) & table[f].notna().to_numpy()
                col[m] = prefix[m] + part[f] + rows[m]
        out[f"_cell_{f}"] = col
    return out
