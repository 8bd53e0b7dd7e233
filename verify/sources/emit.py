"""Step 6 of the intake: each row's outcome, the file's tally, its ledger entries and its canonical rows.

* A row is rejected when a step gave it a reason (:class:`~verify.sources.columns.RowVerdicts`) or
  it yields no usable value; every usable value of a rejected row is then rejected too
  (``row_rejected``). A row that is not rejected is flagged when any of its values is flagged or
  rejected, else accepted (the counting rules of :mod:`verify.sources.ledger`).
* Ledger entries: every flagged or rejected value (with its cell, raw text, reasons and details),
  every normalisation note of an accepted value (``nfkc``, ``zero-width removed``), every rejected
  row (naming the cell that decided it), CSV records over several lines, unread columns.
* Canonical rows: one per usable value of every pollutant slot, with the row's labels and run-level
  values, ``status``/``reasons`` (the row's flags and rejections, ``field:reason``), the raw text,
  and internal ``_cell_*`` columns (the cell addresses the checks across rows name).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from verify.sources.canonical import RUN_LEVEL_NUMBERS, TEXT_COLUMNS, arrow_text_array
from verify.sources.classify import RunLevel, Slot, is_standard
from verify.sources.columns import (ACCEPTED, BLANK, FLAGGED, REJECTED, CellStates, RowVerdicts, addresses, join_reasons,
                                    map_codes, raw_texts, tag_reasons)
from verify.sources.detect import DataRows, Layout
from verify.sources.grid import column_letter
from verify.sources.identity import Identity
from verify.sources.ledger import FileTally, entries_frame


def row_outcomes(slots: list[Slot], all_cells: list[CellStates], verdicts: RowVerdicts) -> tuple[np.ndarray, np.ndarray]:
    """(rejected, flagged) per row; the usable values of rejected rows are rejected (``row_rejected``)."""
    usable = np.zeros(len(verdicts.reason), dtype=bool)
    for slot in slots:
        usable |= slot.cells.usable
    verdicts.reject(~usable, "no_usable_value", "the row yields no usable value")
    rejected = verdicts.rejected
    demote_detail = np.full(len(rejected), "", dtype=object)
    if rejected.any():
        demote_detail[rejected] = "row rejected: " + verdicts.reason[rejected]
    for cells in all_cells:
        cells.mark(rejected & cells.usable, REJECTED, "row_rejected", demote_detail)
    any_bad = np.zeros(len(rejected), dtype=bool)
    for cells in all_cells:
        any_bad |= cells.not_accepted
    return rejected, ~rejected & any_bad


def file_tally(layout: Layout, rows: DataRows, all_cells: list[CellStates], rejected: np.ndarray, flagged: np.ndarray,
               sha256: str) -> FileTally:
    """The counts of one grid: rows and values, read = accepted + flagged + rejected."""
    grid = rows.grid
    tally = FileTally(file=grid.file, sheet=grid.sheet, sha256=sha256, layout=layout.name, encoding=grid.encoding,
                      header_map={f"{r.letter}: {r.header}": r.label for r in layout.roles}, notes=[*grid.notes, *layout.notes],
                      lines=grid.lines)
    tally.rows = rows.n
    tally.rejected = int(rejected.sum())
    tally.flagged = int(flagged.sum())
    tally.accepted = rows.n - tally.rejected - tally.flagged
    for cells in all_cells:
        tally.values += int((cells.status != BLANK).sum())
        tally.values_accepted += int((cells.status == ACCEPTED).sum())
        tally.values_flagged += int((cells.status == FLAGGED).sum())
        tally.values_rejected += int((cells.status == REJECTED).sum())
    return tally


def ledger_entries(rows: DataRows, all_cells: list[CellStates], verdicts: RowVerdicts, extra: list[pd.DataFrame]) -> pd.DataFrame:
    """The ledger entries of one grid (module docstring), cells first, then rows, then ``extra`` notes."""
    grid = rows.grid
    parts = []
    for cells in all_cells:
        parts.extend(_cell_entries(rows, cells))
    if verdicts.rejected.any():
        idx = np.flatnonzero(verdicts.rejected)
        column, cell, raw = _deciding_cells(verdicts.col[idx], idx, rows)
        parts.append(entries_frame({"file": grid.file, "sheet": grid.sheet, "row": rows.row1[idx], "column": column, "cell": cell,
                                    "field": "row", "raw": raw, "outcome": "rejected", "reason": verdicts.reason[idx],
                                    "detail": verdicts.detail[idx]}))
    if grid.line_spans:
        parts.append(_line_span_notes(rows))
    parts.extend(extra)
    return pd.concat(parts, ignore_index=True) if parts else entries_frame({})


def _cell_entries(rows: DataRows, cells: CellStates):
    """The flagged and rejected cells of one column, then its accepted cells with a normalisation note."""
    bad = cells.not_accepted
    note = (cells.status == ACCEPTED) & (cells.notes != "")
    col = cells.role.col
    for mask, is_note in ((bad, False), (note, True)):
        if not mask.any():
            continue
        idx = np.flatnonzero(mask)
        yield entries_frame({
            "file": rows.grid.file, "sheet": rows.grid.sheet, "row": rows.row1[idx], "column": column_letter(col),
            "cell": addresses(col, rows.grid_rows[idx]), "field": cells.field, "raw": raw_texts(rows.columns[col].arr[idx]),
            "outcome": "note" if is_note else np.where(cells.status[idx] == REJECTED, "rejected", "flagged"),
            "reason": cells.notes[idx] if is_note else cells.reason[idx],
            "detail": "normalised" if is_note else cells.detail[idx],
        })


def _deciding_cells(cols: np.ndarray, idx: np.ndarray, rows: DataRows):
    """(column letter, cell address, raw text) of the cell that decided each rejected row, None
    where no one cell did (``cols`` -1)."""
    column = np.full(len(idx), None, dtype=object)
    cell = np.full(len(idx), None, dtype=object)
    raw = np.full(len(idx), None, dtype=object)
    for c in np.unique(cols[cols >= 0]).tolist():
        m = cols == c
        column[m] = column_letter(c)
        cell[m] = addresses(c, rows.grid_rows[idx[m]])
        raw[m] = raw_texts(rows.columns[c].arr[idx[m]])
    return column, cell, raw


def _line_span_notes(rows: DataRows) -> pd.DataFrame:
    """Ledger notes for the data rows of a CSV file that span several physical lines (a quoted cell
    with a line break): read as one row, with their line span, so that a merge of records shows."""
    grid = rows.grid
    multi = np.array(sorted(grid.line_spans), dtype=np.int64)
    idx = rows.grid_rows[np.isin(rows.grid_rows, multi)]
    spans = [grid.line_spans[r] for r in idx.tolist()]
    return entries_frame({
        "file": grid.file, "sheet": grid.sheet, "row": idx + 1, "column": None, "cell": None, "field": "row", "raw": None,
        "outcome": "note", "reason": "multiline_record",
        "detail": np.array([f"one record over lines {a}–{b} (a quoted cell with a line break)" for a, b in spans], dtype=object),
    })


# ---------------------------------------------------------------- canonical rows


class _CellRefs:
    """'file [sheet] D7' addresses of a grid's cells, for the messages of the checks across rows."""

    def __init__(self, rows: DataRows, run: RunLevel, many_slots: bool, wanted: bool = True):
        grid = rows.grid
        self.rows = rows
        self.prefix = f"{grid.file}" + (f" [{grid.sheet}]" if grid.sheet else "") + " "
        self.run, self.many_slots, self.wanted = run, many_slots, wanted
        self._row_text: np.ndarray | None = None
        self._run_refs: dict[str, np.ndarray | None] = {}  # a run-level cell is the same for every slot of its row

    @property
    def row_text(self) -> np.ndarray:
        """'7' for grid row 6 (made only when an address is asked for)."""
        if self._row_text is None:
            self._row_text = self.rows.row1.astype(str).astype(object)
        return self._row_text

    def at(self, col: int, idx: np.ndarray) -> np.ndarray:
        return (self.prefix + column_letter(col)) + self.row_text[idx]

    def run_level(self, field: str, idx: np.ndarray) -> np.ndarray:
        col = self.run.cells[field].role.col
        if field not in self._run_refs:
            self._run_refs[field] = self.at(col, np.arange(len(self.row_text))) if self.many_slots else None
        whole = self._run_refs[field]
        return self.at(col, idx) if whole is None else whole[idx]


def canonical_rows(rows: DataRows, ident: Identity, run: RunLevel, slots: list[Slot], rejected: np.ndarray,
                   bases: tuple[str, str], addresses: bool = True) -> pd.DataFrame:
    """The canonical rows of all pollutant slots as one frame (module docstring); ``bases``: the
    case's concentration basis and input standard state; ``addresses``: with the ``_cell_*`` columns."""
    n = rows.n
    run_reasons = np.full(n, "", dtype=object)
    for cells in run.cells.values():
        tag_reasons(run_reasons, cells, np.ones(n, dtype=bool))
    refs = _CellRefs(rows, run, len(slots) > 1, addresses)
    columns_out: dict[str, list] = {}
    for slot in slots:
        keep = slot.cells.usable & ~rejected
        if not keep.any():
            continue
        t = _slot_rows(rows, ident, run, slot, keep, run_reasons, refs, bases)
        for k, v in t.items():
            columns_out.setdefault(k, []).append(v)
    return _table(columns_out, rows.grid.file, rows.grid.sheet)


def _slot_rows(rows: DataRows, ident: Identity, run: RunLevel, slot: Slot, keep: np.ndarray, run_reasons: np.ndarray,
               refs: _CellRefs, bases: tuple[str, str]) -> dict[str, object]:
    """The canonical columns of one slot's kept rows (``keep``), with the internal cell addresses;
    ``bases``: the case's concentration basis and input standard state."""
    n = rows.n
    idx = np.flatnonzero(keep)
    vcells = slot.cells
    basis, std_state = _value_basis(ident.basis[idx], slot, idx, *bases)
    other = np.full(n, "", dtype=object)
    for ac in slot.aux.values():
        tag_reasons(other, ac, keep)
    allr = join_reasons(vcells.reason[idx].copy(), join_reasons(other, run_reasons)[idx])
    status = np.full(len(idx), "accepted", dtype=object)
    status[allr != ""] = "flagged"
    t = {
        "file": None, "sheet": None, "row": rows.row1[idx], "cell": _addresses_arrow(vcells.role.col, rows.row1[idx]),
        "source": ident.source[idx], "position": ident.position[idx], "phase": ident.phase[idx], "run": ident.run[idx],
        "sample": ident.sample[idx],
        "start": ident.starts.array[idx] if ident.starts is not None else None,
        "end": ident.ends.array[idx] if ident.ends is not None else None,
        "pollutant": slot.pollutant[idx], "as_species": slot.species[idx], "value": vcells.value[idx], "censored": vcells.censored[idx],
        "lod": slot.aux_values("lod", n)[idx], "range": slot.aux_values("range", n)[idx],
        "unit": slot.unit[idx], "basis": basis, "std_state": std_state,
        "method": ident.method[idx] if ident.method is not None else None,
        "flag": slot.flag[idx],
        "value_o2ref": slot.aux_values("value_o2ref", n)[idx], "rate_reported": slot.aux_values("rate_reported", n)[idx],
        "raw": rows.columns[vcells.role.col].raw_at(idx),
        "status": status,
        "reasons": np.where(allr != "", allr, None),
    }
    for field in RUN_LEVEL_NUMBERS:
        if field in run.values:
            t[field] = run.values[field][idx]
            if refs.wanted:
                t[f"_cell_{field}"] = refs.run_level(field, idx)
    if run.flow_unit is not None:
        fl_ok = ~np.isnan(run.values["flow"][idx])
        t["flow_unit"] = np.where(fl_ok, run.flow_unit[idx], None)
        t["flow_basis"] = np.where(fl_ok, run.flow_basis[idx], None)
        t["flow_std_state"] = np.where(fl_ok, run.flow_state[idx], None)
    if refs.wanted:
        t["_cell_value"] = refs.at(vcells.role.col, idx)
    return t


def _value_basis(row_basis: np.ndarray, slot: Slot, idx: np.ndarray, concentration_basis: str,
                 input_state: str) -> tuple[np.ndarray, np.ndarray]:
    """(basis, standard state) of each value: the row's basis, else the unit's, else standard (wet or dry
    as the case's concentration basis) for a standard-state unit, else the case's basis. "mg/Nm3 is
    standard and dry unless the row's basis says wet": a row basis keeps the unit's state."""
    u_basis = slot.units.attr(lambda u: getattr(u, "basis", None))[idx]
    u_state = slot.units.attr(lambda u: getattr(u, "std_state", None))[idx]
    std = "standard-wet" if concentration_basis == "standard-wet" else "standard-dry"
    basis = np.where(row_basis != None, row_basis,  # noqa: E711
                     np.where(u_basis != None, u_basis, np.where(u_state != None, std, concentration_basis)))  # noqa: E711
    std_state = np.where(u_state != None, u_state,  # noqa: E711
                         np.where(map_codes(basis, is_standard).astype(bool), input_state, None))
    return basis, std_state


def _addresses_arrow(col: int, row1: np.ndarray) -> pa.Array:
    """'D7' … of column ``col`` at the 1-based rows ``row1``, in Arrow."""
    letter, empty = pa.scalar(column_letter(col), pa.large_string()), pa.scalar("", pa.large_string())
    return pc.binary_join_element_wise(letter, pc.cast(pa.array(row1, type=pa.int64()), pa.large_string()), empty)


def _arrow_text_column(pieces: list) -> pd.Series | None:
    """Object arrays of ``str`` and missing values (or Arrow text arrays), one per pollutant slot, as
    one canonical ``"string"`` column (Arrow chunks, no concatenation of object arrays, no conversion
    left for ``conform``); ``None`` when a piece holds anything else (the caller keeps the objects)."""
    if not all(isinstance(p, pa.Array) or (isinstance(p, np.ndarray) and p.dtype == object) for p in pieces):
        return None
    try:
        chunks = [p.cast(pa.large_string()) if isinstance(p, pa.Array) else arrow_text_array(p) for p in pieces]
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=pa.large_string())), copy=False)


def _table(parts: dict[str, list], file: str, sheet: str | None) -> pd.DataFrame:
    """The canonical rows of all pollutant slots as one frame, built once and without copying:
    ``parts`` maps each column to its per-slot arrays (or ``None`` for a column the file lacks)."""
    if not parts:
        return pd.DataFrame()
    n = sum(len(a) for a in parts["row"])
    data: dict[str, object] = {"file": file, "sheet": sheet}
    for k, pieces in parts.items():
        if k in data:
            continue
        if all(p is None for p in pieces):
            data[k] = None
        elif isinstance(pieces[0], (np.ndarray, pa.Array)):
            text = _arrow_text_column(pieces) if k in TEXT_COLUMNS else None
            if text is not None:  # already what conform() makes of it
                data[k] = text
                continue
            arr = np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
            data[k] = pd.Series(arr, dtype=object, copy=False) if arr.dtype == object else arr
        else:  # tz-aware DatetimeArray
            data[k] = pd.concat([pd.Series(p) for p in pieces], ignore_index=True) if len(pieces) > 1 else pd.Series(pieces[0])
    return pd.DataFrame(data, index=pd.RangeIndex(n), copy=False)
