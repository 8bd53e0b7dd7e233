"""Intake: the files of a case → the canonical long table and the intake ledger.

``read_inputs(case) -> Intake`` reads every ``[[file]]`` (CSV via :mod:`verify.sources.csv_reader`,
.xlsx/.xlsm via :mod:`verify.sources.xlsx`), parses its layout (:mod:`verify.sources.layout`), and
then checks across files (case-format.md):

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

import numpy as np
import pandas as pd

from verify.case import Case, FileSpec
from verify.errors import HostileFileError, InputError, Location
from verify.fsutil import file_sha256
from verify.gcpause import gc_paused
from verify.sources.canonical import CANONICAL_COLUMNS, MEASUREMENT_KEY, RUN_KEY, conform, empty_canonical
from verify.sources.csv_reader import read_csv_grid
from verify.sources.examples import parse_sheet, require_measurements
from verify.sources.grid import SheetGrid
from verify.sources.layout import CaseContext
from verify.sources.ledger import Ledger

__all__ = ["Intake", "read_inputs", "read_grid", "CHUNK_THRESHOLD_BYTES", "DEFAULT_CHUNK_ROWS"]

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
#: Relative tolerance for "the same run-level number" written twice (text → float is exact for
#: equal text; this only absorbs binary noise of values computed by a spreadsheet).
RUN_LEVEL_RTOL = 1e-9
#: CSV files larger than this are read in chunks of :data:`DEFAULT_CHUNK_ROWS` data records
#: (``chunk_rows=None``; docs/scale.md "Partitioned intake"). Workbooks are always read whole.
CHUNK_THRESHOLD_BYTES = 32 * 2**20
DEFAULT_CHUNK_ROWS = 100_000
_RUN_LEVEL = ("flow", "o2_pct", "h2o_pct", "temp_c", "pressure_kpa", "load_pct", "flow_unit", "flow_basis", "flow_std_state")


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
        try:
            from verify.sources.xlsx import read_xlsx
        except ImportError:  # pragma: no cover - until the workbook reader lands
            raise InputError("reading .xlsx is not available in this build", Location(file=spec.path)) from None
        return read_xlsx(path, spec.path, spec)
    if suffix == ".xls":
        raise HostileFileError("legacy .xls workbooks are not read: save the file as .xlsx", Location(file=spec.path))
    raise InputError(f"unsupported file type {suffix or '(none)'!r}: use .csv or .xlsx", Location(file=spec.path))


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
        raise InputError(f"chunk rows must be 0 (read whole) or positive, not {chunk_rows}")
    return chunk_rows or None


def read_inputs(case: Case, chunk_rows: int | None = None) -> Intake:
    """Read every ``[[file]]`` of ``case`` → :class:`Intake` (canonical table + ledger).

    ``chunk_rows`` chooses whole or chunked reading of CSV files (:func:`chunk_rows_for`); the
    outcome is the same either way (verify.sources.chunked).
    """
    with gc_paused():
        return _read_inputs(case, chunk_rows)


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
        table = _check_duplicates(table)
        table = _run_level(table)
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
    table = _cross_checks(table, letters)
    release_freed_memory()
    return Intake(table=table, ledger=ledger)


def _cross_checks(table: pd.DataFrame, letters: dict) -> pd.DataFrame:
    """:func:`_check_duplicates` and :func:`_run_level` on a compact canonical table: they run on
    the key and run-level columns only, with placeholder cell addresses; only when they raise are
    the real addresses rebuilt (verify.sources.chunked.cell_columns) and the check repeated, so
    the message is the one the whole-file path gives."""
    from verify.sources.chunked import cell_columns

    cols = list(dict.fromkeys(("file", "sheet", "row", "cell", *MEASUREMENT_KEY, *_RUN_LEVEL)))
    sub = table[cols]
    fields = sorted({f for part in letters.values() for f in part})
    placeholder = pd.Categorical.from_codes(np.zeros(len(sub), dtype=np.int8), categories=["?"])
    keys = sub.assign(**{f"_cell_{f}": placeholder for f in ("value", *fields)})
    try:
        checked = _run_level(_check_duplicates(keys))
    except InputError:
        full = sub.assign(**cell_columns(sub, letters))
        _run_level(_check_duplicates(full))  # raises with the cell addresses
        raise
    filled = {}
    for c in _RUN_LEVEL:
        dtype = CANONICAL_COLUMNS[c][0]
        filled[c] = checked[c] if str(checked[c].dtype) == dtype else checked[c].astype(dtype)
    return table.assign(**filled)


def _key_frame(table: pd.DataFrame, cols: tuple[str, ...]) -> pd.DataFrame:
    """Integer codes of the key columns (missing is a value of its own, equal to itself)."""
    out = {}
    for c in cols:
        if c in table:
            codes, _ = pd.factorize(table[c], use_na_sentinel=False)
            out[c] = codes.astype(np.int64)
        else:
            out[c] = np.zeros(len(table), dtype=np.int64)
    return pd.DataFrame(out, index=table.index)


def _group_codes(keys: pd.DataFrame) -> np.ndarray:
    """One integer per distinct row of ``keys`` (integer columns), numbered in order of first
    appearance — what ``keys.groupby(list(keys.columns), sort=False).ngroup()`` gives."""
    group = np.zeros(len(keys), dtype=np.int64)
    for c in keys.columns:
        codes = keys[c].to_numpy(dtype=np.int64)
        width = int(codes.max()) + 2 if len(codes) else 1  # codes >= -1
        group, _ = pd.factorize(group * width + (codes + 1), sort=False)
        group = group.astype(np.int64)
    return group


def _check_duplicates(table: pd.DataFrame) -> pd.DataFrame:
    """InputError naming both cells when a measurement key occurs twice (reliability.md §4 #19)."""
    keys = _key_frame(table, MEASUREMENT_KEY)
    group = _group_codes(keys)
    dup = np.bincount(group)[group] > 1 if len(group) else np.zeros(0, dtype=bool)
    if dup.any():
        sub = keys[dup]
        first = sub.index[0]
        same = sub.index[(sub == sub.loc[first]).all(axis=1).to_numpy()]
        a, b = table.loc[same[0]], table.loc[same[1]]
        what = ", ".join(f"{c}={a[c]}" for c in MEASUREMENT_KEY if c in table and pd.notna(a[c]))
        raise InputError(
            f"duplicate measurement ({what}) in {a['_cell_value']} and {b['_cell_value']}: remove one (never last-wins)",
            Location(file=str(b["file"]), sheet=None if pd.isna(b["sheet"]) else str(b["sheet"]), row=int(b["row"]), column=str(b["cell"]).rstrip("0123456789")),
        )
    return table


def _run_level(table: pd.DataFrame) -> pd.DataFrame:
    """Check that run-level numbers agree within a run, then repeat them on every row of the run.

    Continuous readings (no ``run``) are their own run: the key then includes ``start``.
    Column-wise: the rows are sorted by run once, and each field's per-run minimum, maximum and
    first value come from ``reduceat`` over that order.
    """
    keys = _key_frame(table, (*RUN_KEY, "start"))
    keys.loc[table["run"].notna().to_numpy(), "start"] = -1
    group = _group_codes(keys)
    n_groups = int(group.max()) + 1 if len(group) else 0
    order = np.argsort(group, kind="stable")
    g_sorted = group[order]
    starts = np.flatnonzero(np.r_[True, g_sorted[1:] != g_sorted[:-1]]) if len(group) else np.zeros(0, dtype=np.int64)
    table = table.copy(deep=False)
    for field in ("flow", "o2_pct", "h2o_pct", "temp_c", "pressure_kpa", "load_pct"):
        if field not in table:
            continue
        vals = table[field].to_numpy(dtype=float)
        have = ~np.isnan(vals)
        if not have.any():
            continue
        v_sorted = vals[order]
        lo = np.fmin.reduceat(v_sorted, starts)  # NaN only where the run has no value
        hi = np.fmax.reduceat(v_sorted, starts)
        present = ~np.isnan(lo)
        differ = present & ~np.isclose(lo, hi, rtol=RUN_LEVEL_RTOL, atol=0)
        extra_cols = []
        if field == "flow":
            extra_cols = [c for c in ("flow_unit", "flow_basis", "flow_std_state") if c in table]
            big = np.iinfo(np.int64).max
            have_sorted = have[order]
            for c in extra_cols:
                c_sorted = _text_codes(table[c])[order]
                cmin = np.minimum.reduceat(np.where(have_sorted, c_sorted, big), starts)
                cmax = np.maximum.reduceat(np.where(have_sorted, c_sorted, -1), starts)
                differ |= present & (cmin != cmax)
        if differ.any():
            bad_group = int(np.flatnonzero(differ)[0])  # group ids are the positions of ``starts``
            rows = np.flatnonzero(have & (group == bad_group))
            first = rows[0]
            other = next((r for r in rows if not np.isclose(vals[r], vals[first], rtol=RUN_LEVEL_RTOL, atol=0)
                          or any(str(table[c].iloc[r]) != str(table[c].iloc[first]) for c in extra_cols)), rows[-1])
            a, b = table.iloc[first], table.iloc[other]
            run_desc = ", ".join(f"{c}={a[c]}" for c in RUN_KEY if pd.notna(a[c]))
            raise InputError(
                f"{field} disagrees within one run ({run_desc}): {vals[first]:g} in {a[f'_cell_{field}']} "
                f"and {vals[other]:g} in {b[f'_cell_{field}']}",
                Location(file=str(b["file"]), sheet=None if pd.isna(b["sheet"]) else str(b["sheet"]), row=int(b["row"])),
            )
        # repeat the run's value on the rows of the run that lack it
        table[field] = np.where(have, vals, hi[group])
        for c in extra_cols:  # the unit, basis and state of the flow follow the run's first flow
            col = table[c]
            missing = col.isna().to_numpy()
            if not missing.any():
                continue
            known = have & ~missing
            pos = np.arange(len(order))
            first_pos = np.minimum.reduceat(np.where(known[order], pos, len(order)), starts)
            source = np.full(n_groups, -1, dtype=np.int64)  # per run: the row whose text fills the gaps
            ok = first_pos < len(order)
            source[ok] = order[first_pos[ok]]
            rows = np.where(missing & (source[group] >= 0), source[group], np.arange(len(table)))
            table[c] = pd.Series(col.array.take(rows), index=table.index)  # keeps the column's dtype
    return table


def _text_codes(col: pd.Series) -> np.ndarray:
    """Integer codes of a text column, equal where the texts are equal; a missing text counts as
    the empty one (what ``fillna("")`` gave), without converting the column to Python objects."""
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    codes = codes.astype(np.int64)
    empty = np.flatnonzero(np.asarray(uniques, dtype=object) == "")
    codes[codes < 0] = empty[0] if len(empty) else len(uniques)
    return codes
