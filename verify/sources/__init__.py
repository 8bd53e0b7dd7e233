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

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from verify.case import Case, FileSpec
from verify.errors import HostileFileError, InputError, Location
from verify.sources.canonical import MEASUREMENT_KEY, RUN_KEY, conform, empty_canonical
from verify.sources.csv_reader import read_csv_grid
from verify.sources.grid import SheetGrid
from verify.sources.layout import CaseContext, parse_grid
from verify.sources.ledger import Ledger

__all__ = ["Intake", "read_inputs", "read_grid"]

CSV_SUFFIXES = (".csv", ".txt", ".tsv")
XLSX_SUFFIXES = (".xlsx", ".xlsm")
#: Relative tolerance for "the same run-level number" written twice (text → float is exact for
#: equal text; this only absorbs binary noise of values computed by a spreadsheet).
RUN_LEVEL_RTOL = 1e-9


@dataclass(frozen=True)
class Intake:
    table: pd.DataFrame  # canonical (verify.sources.canonical.CANONICAL_COLUMNS)
    ledger: Ledger


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


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


def read_inputs(case: Case) -> Intake:
    """Read every ``[[file]]`` of ``case`` → :class:`Intake` (canonical table + ledger)."""
    ctx = CaseContext.from_case(case)
    ledger = Ledger()
    tables = []
    read_sheets: dict[str, set[str | None]] = {}
    for spec in case.manifest.file:
        path = case.resolve(spec.path)
        sha = file_sha256(path)
        grid = read_grid(path, spec)
        parsed = parse_grid(grid, spec, ctx, sha)
        ledger.add(parsed.tally, parsed.entries)
        read_sheets.setdefault(spec.path, set()).add(grid.sheet)
        if len(parsed.table):
            tables.append(parsed.table)
    for spec_path, sheets in read_sheets.items():
        path = case.resolve(spec_path)
        if path.suffix.lower() in XLSX_SUFFIXES:
            for name in _workbook_sheets(path, spec_path):
                if name not in sheets:
                    ledger.unread_sheets.append((spec_path, name))
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    if len(table):
        table = _check_duplicates(table)
        table = _run_level(table)
    internal = [c for c in table.columns if c.startswith("_")]
    table = conform(table.drop(columns=internal)) if len(table) else empty_canonical()
    return Intake(table=table, ledger=ledger)


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


def _check_duplicates(table: pd.DataFrame) -> pd.DataFrame:
    """InputError naming both cells when a measurement key occurs twice (reliability.md §4 #19)."""
    keys = _key_frame(table, MEASUREMENT_KEY)
    dup = keys.duplicated(keep=False).to_numpy()
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
    """
    keys = _key_frame(table, (*RUN_KEY, "start"))
    keys.loc[table["run"].notna().to_numpy(), "start"] = -1
    group = keys.groupby(list(keys.columns), sort=False).ngroup().to_numpy()
    table = table.copy()
    for field in ("flow", "o2_pct", "h2o_pct", "temp_c", "pressure_kpa", "load_pct"):
        if field not in table:
            continue
        vals = table[field].to_numpy(dtype=float)
        have = ~np.isnan(vals)
        if not have.any():
            continue
        g, v = group[have], vals[have]
        order = np.lexsort((v, g))
        gs, vs = g[order], v[order]
        lo = pd.Series(vs).groupby(gs).min()
        hi = pd.Series(vs).groupby(gs).max()
        differ = ~np.isclose(lo.to_numpy(), hi.to_numpy(), rtol=RUN_LEVEL_RTOL, atol=0)
        extra_cols = []
        if field == "flow":
            extra_cols = [c for c in ("flow_unit", "flow_basis", "flow_std_state") if c in table]
            for c in extra_cols:
                n_unique = table.loc[have, c].astype(object).fillna("").groupby(group[have]).nunique()
                differ |= (n_unique.reindex(lo.index).to_numpy() > 1)
        if differ.any():
            bad_group = lo.index[np.flatnonzero(differ)[0]]
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
        fill = pd.Series(vals).groupby(group).transform("max").to_numpy()
        table[field] = np.where(have, vals, fill)
        for c in extra_cols:
            s = table[c].astype(object)
            firsts = s.where(pd.Series(have, index=table.index)).groupby(group).transform("first")
            table[c] = s.where(s.notna(), firsts)
    return table
