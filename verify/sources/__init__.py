"""Intake: the files of a case → the canonical long table and the intake ledger.

``read_inputs(case) -> Intake`` reads every ``[[file]]`` (CSV via :mod:`verify.sources.csv_reader`,
.xlsx/.xlsm via :mod:`verify.sources.xlsx`), runs the intake's named steps on it
(:func:`verify.sources.layout.parse_grid`), and then checks across files
(:mod:`verify.sources.agreement`, case-format.md):

* run-level quantities (``flow``, ``o2_pct``, ``h2o_pct``, ``temp_c``, ``pressure_kpa``,
  ``load_pct``) agree within (source, position, phase, run) — else :class:`InputError` naming both
  cells — and are repeated on every row of their run;
* no measurement appears twice (same source, position, phase, run, sample, pollutant, start) —
  else :class:`InputError` naming both cells; never last-wins.

Unpaired inlet/outlet or before/after runs are not checked here (``verify.measure`` does it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from verify.case import Case, FileSpec
from verify.errors import HostileFileError, InputError, Location
from verify.i18n import N_
from verify.fsutil import file_sha256
from verify.gcpause import gc_paused
from verify.sources import agreement, schema
from verify.sources.canonical import conform, empty_canonical
from verify.sources.csv_reader import read_csv_grid
from verify.sources.examples import parse_sheet, require_measurements
from verify.sources.grid import SheetGrid
from verify.sources.layout import CaseContext
from verify.sources.ledger import Ledger

__all__ = ["Intake", "read_inputs", "read_grid", "CHUNK_THRESHOLD_BYTES", "DEFAULT_CHUNK_ROWS"]

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
#: CSV files larger than this are read in chunks of :data:`DEFAULT_CHUNK_ROWS` data records
#: (``chunk_rows=None``; docs/scale.md "Partitioned intake"). Workbooks are always read whole.
CHUNK_THRESHOLD_BYTES = 32 * 2**20
DEFAULT_CHUNK_ROWS = 100_000


@dataclass(frozen=True)
class Intake:
    table: pd.DataFrame  # canonical (verify.sources.canonical.CANONICAL_COLUMNS)
    ledger: Ledger


def read_grid(path: Path, spec: FileSpec) -> SheetGrid:
    """Read one ``[[file]]`` into a grid with the reader its suffix calls for."""
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return read_csv_grid(path, spec.path, spec)
    if suffix in XLSX_SUFFIXES:
        from verify.sources.xlsx import read_xlsx

        return read_xlsx(path, spec.path, spec)
    if suffix == ".xls":
        raise HostileFileError(N_("legacy .xls workbooks are not read: save the file as .xlsx"), Location(file=spec.path))
    raise InputError(N_("unsupported file type {suffix!r}: use .csv or .xlsx", suffix=suffix or "(none)"),
                     Location(file=spec.path))


def _workbook_sheets(path: Path, rel: str) -> list[str]:
    """Sheet names of a workbook already read once by the xlsx reader (for the "not read" list)."""
    from verify.sources.xlsx import list_sheets

    return [name for name, _hidden in list_sheets(path, rel)]


def chunk_rows_for(path: Path, chunk_rows: int | None = None) -> int | None:
    """Data records per chunk for the file at ``path``, or None to read it whole.

    ``chunk_rows``: None = automatic (CSV files above :data:`CHUNK_THRESHOLD_BYTES` in chunks of
    :data:`DEFAULT_CHUNK_ROWS`), 0 = every file whole, N > 0 = every CSV file in chunks of N.
    """
    if path.suffix.lower() not in CSV_SUFFIXES or not path.is_file():
        return None
    if chunk_rows is None:
        return DEFAULT_CHUNK_ROWS if path.stat().st_size > CHUNK_THRESHOLD_BYTES else None
    if chunk_rows < 0:
        raise InputError(N_("chunk rows must be 0 (read whole) or positive, not {n}", n=chunk_rows))
    return chunk_rows or None


def read_inputs(case: Case, chunk_rows: int | None = None) -> Intake:
    """Read every ``[[file]]`` of ``case`` → :class:`Intake` (canonical table + ledger).

    ``chunk_rows`` chooses whole or chunked reading of CSV files (:func:`chunk_rows_for`); the
    outcome is the same either way (verify.sources.chunked). With ``--debug`` the table is checked
    against its pandera schema (:mod:`verify.sources.schema`).
    """
    with gc_paused():
        intake = _read_inputs(case, chunk_rows)
    if schema.enabled():
        schema.validate(intake.table)
    return intake


def _read_inputs(case: Case, chunk_rows: int | None) -> Intake:
    ctx = CaseContext.from_case(case)
    sizes = [_planned_chunk_rows(case, spec, chunk_rows) for spec in case.manifest.file]
    if any(sizes):
        return _read_partitioned(case, ctx, sizes)
    ledger = Ledger()
    tables = []
    read_sheets: dict[str, set[str | None]] = {}
    for spec in case.manifest.file:
        path = case.resolve(spec.path)
        sha = file_sha256(path)
        grid = read_grid(path, spec)
        parsed = parse_sheet(grid, spec, ctx, sha, path)
        ledger.add(parsed.tally, parsed.entries)
        read_sheets.setdefault(spec.path, set()).add(grid.sheet)
        if len(parsed.table):
            tables.append(parsed.table)
    _note_unread_sheets(case, ledger, read_sheets)
    require_measurements(ledger.tallies)
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    if len(table):
        table = agreement.check_duplicates(table)
        table = agreement.run_level(table)
    internal = [c for c in table.columns if c.startswith("_")]
    table = conform(table.drop(columns=internal)) if len(table) else empty_canonical()
    return Intake(table=table, ledger=ledger)


def _planned_chunk_rows(case: Case, spec: FileSpec, chunk_rows: int | None) -> int | None:
    try:
        path = case.resolve(spec.path)
    except (InputError, ValueError):
        return None  # raised again, in file order, when the file is read
    return chunk_rows_for(path, chunk_rows)


def _note_unread_sheets(case: Case, ledger: Ledger, read_sheets: dict[str, set[str | None]]) -> None:
    for spec_path, sheets in read_sheets.items():
        path = case.resolve(spec_path)
        if path.suffix.lower() in XLSX_SUFFIXES:
            for name in _workbook_sheets(path, spec_path):
                if name not in sheets:
                    ledger.unread_sheets.append((spec_path, name))


def _read_partitioned(case: Case, ctx: CaseContext, sizes: list[int | None]) -> Intake:
    """:func:`read_inputs` when a file is read in chunks: each file's rows are kept compact (canonical
    dtypes, no per-row address strings) and the checks across rows run once at the end."""
    from verify.sources.chunked import compact, parse_csv_chunked, release_freed_memory

    ledger = Ledger()
    tables = []
    letters: dict[tuple[str, str | None], dict[str, str]] = {}
    read_sheets: dict[str, set[str | None]] = {}
    for spec, n in zip(case.manifest.file, sizes):
        path = case.resolve(spec.path)
        sha = file_sha256(path)
        if n:
            part, entries, tally = parse_csv_chunked(path, spec, ctx, sha, n)
            sheet = None
        else:
            grid = read_grid(path, spec)
            parsed = parse_sheet(grid, spec, ctx, sha, path)
            sheet = grid.sheet
            del grid
            part, entries, tally = compact(parsed.table), parsed.entries, parsed.tally
            del parsed
        ledger.add(tally, entries)
        read_sheets.setdefault(spec.path, set()).add(sheet)
        if len(part.table):
            tables.append(part.table)
            letters.setdefault((spec.path, sheet), {}).update(part.run_letters)
    _note_unread_sheets(case, ledger, read_sheets)
    require_measurements(ledger.tallies)
    if not tables:
        return Intake(table=empty_canonical(), ledger=ledger)
    table = pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0]
    del tables
    table = agreement.cross_checks(table, letters)
    release_freed_memory()
    return Intake(table=table, ledger=ledger)
