# TEST-ONLY frozen copy of verify/sources/layout.py at commit 36686a1 (before the intake speed-up).
# 
# Used by tests/sources/test_parse_grid_equivalence.py as the reference the faster parse_grid must
# equal cell for cell. Do not edit except to keep it importable, or to follow a later intentional
# change of the rules; it uses reference_cells.py (the frozen cells.py of the same commit).
#
# Edited since, for intended changes of outcome that parse_grid made after the freeze (marked
# "issue 15"): the reporting species (the 'as' column and defaults, header and unit species, the
# rejection of an organic-carbon sum in ppm without one) goes through the same
# verify.sources.layout._slot_species and verify.sources.species functions as parse_grid, and a
# header unit and a unit column agree when only one states a species (aliases.units_agree).
# Issue 17 changes are marked "# issue 17" (written the simple way, or calling the same helper).
# 

"""A grid (CSV or sheet) → canonical rows + ledger entries + tally, for long and wide layouts.

* **long**: one measured value per row (``pollutant``, ``value``, ``unit`` columns, or the unit in
  the value header or in ``defaults``); **wide**: one run per row and a column per pollutant with
  its unit in the header (``NMHC (mg/m³)``), plus pollutant-specific 折算/排放速率/检出限 columns.
  Detected when ``layout`` is not declared; a file with both kinds of column must declare it.
* Identity: ``source`` (case source ids and ``aliases``, compared by
  :func:`verify.case.normalise_label`), ``phase`` (``labels.csv``; else ``[[period]]`` by
  ``start``), ``position``, ``run``, ``sample``, ``start``/``end``. Unknown source, phase, position
  or basis labels are an error listing them; a blank one rejects the row.
* Values follow case-format.md "What every row becomes" and docs/reliability.md#bad-inputs (see
  :mod:`verify.sources.ledger` for the counting rules). Reason codes are stable strings.
* Summary rows (a run or sample called 均值/平均値/mean/max …) are rejected: a mean is not a run.
* Impossible values are rejected (docs/reliability.md#bad-inputs rows 14–18): O2 outside [0, 21) % — the O2
  correction ρ·(21−O2ref)/(21−O2) (GB 13271-2014; docs/references.md#unit-conversions) divides by 21 − O2; moisture
  outside [0, 100) % — the dry-basis division by 1 − Bws (docs/references.md#unit-conversions); flow ≤ 0; absolute
  pressure ≤ 0; temperature below −273.15 °C; a negative concentration without a detection limit
  (with one: flagged, kept unclipped, censored). A value above ``range`` is flagged and gets the
  HJ 212-2017 flag ``T``; rows flagged F/M/S/D/C/B by HJ 212-2017 are invalid data (rejected).
* A non-detect in a run-level column, ``lod`` or ``range`` is rejected (a limit is not a
  measurement of flow or O2).

Everything is computed column-wise (pandas/NumPy); only unusual cells take a per-cell path.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from verify.case import Case, FileSpec, normalise_label
from verify.errors import InputError, Location
from verify.sources.aliases import (UnitInfo, labels, lookup_unit, norm, particulate_pollutants, pollutant_aliases,
                                    pollutant_species)
import importlib.util as _ilu
import sys as _sys
from pathlib import Path as _Path

if "_verify_reference_cells" not in _sys.modules:
    _spec = _ilu.spec_from_file_location("_verify_reference_cells", _Path(__file__).with_name("reference_cells.py"))
    _mod = _ilu.module_from_spec(_spec)
    _sys.modules["_verify_reference_cells"] = _mod
    _spec.loader.exec_module(_mod)
parse_datetime_series = _sys.modules["_verify_reference_cells"].parse_datetime_series
parse_number_series = _sys.modules["_verify_reference_cells"].parse_number_series
from verify.sources.grid import SheetGrid, column_letter
from verify.sources.headers import FILE_COLUMNS, NUMERIC_FIELDS, ColumnRole, read_headers
from verify.sources.aliases import units_agree  # issue 15
from verify.sources.classify import _slot_species  # issue 15
from verify.sources.species import known_species, label_species  # issue 15
# issue 17 helpers, from the live intake (issue 19 moved them into its step modules; thin adapters keep
# the call signatures this frozen copy was written against)
from types import SimpleNamespace as _NS

from verify.sources import classify as _classify, emit as _emit, identity as _identity
from verify.sources.columns import GridColumn as _Column
from verify.sources.detect import DataRows as _DataRows
from verify.sources.plausibility import check_ranges as _check_ranges


def _formula_labels(grid, generic, grid_rows):
    return _identity.formula_labels(_DataRows(grid, [], grid_rows), generic)


def _deciding_cells(cols, idx, columns, grid_rows):
    return _emit._deciding_cells(cols, idx, _DataRows(None, columns, grid_rows))


def _unread_columns(roles, columns, grid, grid_rows, spec):
    return _classify.unread_columns(_classify.Reader(_NS(roles=roles), _DataRows(grid, columns, grid_rows), spec, None))
from verify.sources.ledger import FileTally, entries_frame

ACCEPTED, FLAGGED, REJECTED, BLANK = 0, 1, 2, -1
#: Below this many rows the per-cell Python path is faster than setting up vectorised pandas/arrow work.
SMALL = 2000
LABEL_DEFAULTS = ("source", "phase", "position", "run", "sample", "pollutant", "unit", "method", "basis", "flow_unit", "flag", "as")  # issue 15: "as"
VALUE_UNIT_KINDS = ("mass_conc", "mixing_ratio")
#: HJ 212-2017 data flags: N valid; T over range (kept, flagged); the others mark invalid data.
HJ212_VALID, HJ212_KEPT, HJ212_INVALID = {"N"}, {"T"}, {"F", "M", "S", "D", "C", "B"}
SUMMARY_LABELS = frozenset(
    norm(x) for x in ("均值", "平均值", "平均", "平均値", "mean", "average", "avg", "最大值", "最大値", "最小值", "最小値",
                      "max", "min", "合计", "合計", "total", "小计", "小計", "標準偏差", "标准偏差")
)
_AUX_FIELDS = ("lod", "range", "value_o2ref", "rate_reported")
_RUN_FIELDS = ("o2_pct", "h2o_pct", "temp_c", "pressure_kpa", "flow", "load_pct")


@dataclass(frozen=True)
class CaseContext:
    """What layout parsing needs from the case."""

    sources: dict[str, str]  # normalised id/alias → source id
    tz: ZoneInfo
    periods: tuple[tuple[pd.Timestamp, pd.Timestamp, str], ...]  # UTC start, end, phase
    concentration_basis: str
    input_std_state: str  # normal | epa

    @classmethod
    def from_case(cls, case: Case) -> "CaseContext":
        m = case.manifest
        sources = {}
        for s in m.source:
            for name in (s.id, *s.aliases):
                sources[normalise_label(name)] = s.id
        tz = case.tz
        periods = []
        for p in m.period:
            a, b = pd.Timestamp(p.start), pd.Timestamp(p.end)
            a = a.tz_localize(tz) if a.tzinfo is None else a
            b = b.tz_localize(tz) if b.tzinfo is None else b
            periods.append((a.tz_convert("UTC"), b.tz_convert("UTC"), p.phase))
        cond = m.case.input_conditions or m.case.conditions
        return cls(sources, tz, tuple(periods), m.case.concentration_basis, "epa" if cond == "US-EPA" else "normal")


@dataclass
class ParsedSheet:
    table: pd.DataFrame  # canonical columns plus internal "_cell_*" columns (cell addresses)
    entries: pd.DataFrame
    tally: FileTally


class _Cells:
    """Status, reason and detail of the cells of one quantity column."""

    def __init__(self, role: ColumnRole, nf: pd.DataFrame, field: str):
        self.role, self.field = role, field
        self.nf = nf
        kind = nf["kind"].to_numpy()
        self.value = nf["value"].to_numpy(dtype=float).copy()
        self.censored = nf["censored"].to_numpy(dtype=bool).copy()
        self.limit = nf["limit"].to_numpy(dtype=float).copy()
        self.kind = kind
        self.status = np.select(
            [kind == "blank", kind == "number", (kind == "nondetect") | (kind == "missing_marker")],
            [BLANK, ACCEPTED, FLAGGED],
            REJECTED,
        ).astype(np.int8)
        self.reason = nf["reason"].to_numpy(dtype=object).copy()
        self.detail = nf["detail"].to_numpy(dtype=object).copy()
        self.notes = nf["notes"].to_numpy(dtype=object)

    def mark(self, mask: np.ndarray, status: int, code: str, detail: str | np.ndarray = "") -> None:
        """Raise cells in ``mask`` (non-blank only) to ``status`` and append reason ``code``."""
        mask = mask & (self.status != BLANK)
        if not mask.any():
            return
        self.status[mask] = np.maximum(self.status[mask], status)
        old = self.reason[mask]
        self.reason[mask] = np.where(old == "", code, old + "; " + code)
        if isinstance(detail, np.ndarray):
            d = detail[mask]
        else:
            d = np.full(mask.sum(), detail, dtype=object)
        oldd = self.detail[mask]
        self.detail[mask] = np.where(oldd == "", d, np.where(d == "", oldd, oldd + "; " + d))

    @property
    def usable(self) -> np.ndarray:
        return (self.status == ACCEPTED) | (self.status == FLAGGED)


def _text(value: object) -> object:
    """A label cell → cleaned text, or None when blank."""
    from verify.sources.headers import cell_text as _cell_text

    if value is None:
        return None
    t = _cell_text(value)
    return t or None


def _omap(series: pd.Series, fn) -> pd.Series:
    """``fn`` over an object column, memoised per distinct cell; keeps ``None`` as ``None``
    (``Series.map`` may infer a string dtype and turn ``None`` into NaN)."""
    arr = series.to_numpy(dtype=object)
    if len(arr) and pd.api.types.infer_dtype(arr, skipna=True) in ("string", "empty"):
        # all text or missing: factorise in C, call fn once per distinct text
        codes, uniques = pd.factorize(arr, use_na_sentinel=True)
        mapped = np.empty(len(uniques) + 1, dtype=object)
        for i, u in enumerate(uniques):
            mapped[i] = fn(u)
        mapped[-1] = fn(None)
        return pd.Series(mapped[codes], index=series.index, dtype=object)
    cache: dict = {}
    out = []
    for v in arr:
        if _hashable(v):
            key = (type(v), v)
            if key not in cache:
                cache[key] = fn(v)
            out.append(cache[key])
        else:
            out.append(fn(v))
    arr = np.empty(len(out), dtype=object)
    arr[:] = out
    return pd.Series(arr, index=series.index, dtype=object)


def _blank_mask(series: pd.Series) -> np.ndarray:
    """True where a cell is None/NaN or whitespace-only text (vectorised for text columns)."""
    arr = series.to_numpy(dtype=object)
    if not len(arr):
        return np.zeros(0, dtype=bool)
    if len(arr) > SMALL and pd.api.types.infer_dtype(arr, skipna=True) in ("string", "empty"):
        stripped = pd.Series(arr, dtype="string[pyarrow]").str.strip()
        return (stripped.isna() | (stripped == "")).to_numpy(dtype=bool, na_value=True)
    return np.fromiter((v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip()) for v in arr), dtype=bool, count=len(arr))


def _addresses(col: int, rows0: np.ndarray, prefix: str = "") -> np.ndarray:
    """Spreadsheet addresses of ``col`` at 0-based ``rows0`` (vectorised), e.g. 'D7'."""
    head = prefix + column_letter(col)
    if len(rows0) <= SMALL:
        out = np.empty(len(rows0), dtype=object)
        out[:] = [f"{head}{r + 1}" for r in rows0.tolist()]
        return out
    return (head + pd.Series(rows0 + 1, dtype="int64").astype(str)).to_numpy(dtype=object)


class _Units:
    """Per-row unit meanings stored as codes into a short list (one lookup per distinct text)."""

    def __init__(self, codes: np.ndarray, infos: list):
        self.codes, self.infos = codes, infos

    @classmethod
    def constant(cls, n: int, info: object) -> "_Units":
        return cls(np.zeros(n, dtype=np.intp), [info])

    @classmethod
    def from_texts(cls, texts: pd.Series, lookup) -> "_Units":
        codes, uniques = pd.factorize(texts.to_numpy(dtype=object), use_na_sentinel=True)
        infos = [lookup(u) for u in uniques] + [lookup(None)]
        return cls(np.where(codes < 0, len(infos) - 1, codes), infos)

    def attr(self, fn) -> np.ndarray:
        table = np.empty(len(self.infos), dtype=object)
        for i, info in enumerate(self.infos):
            table[i] = fn(info)
        return table[self.codes]


def _labels_series(series: pd.Series) -> pd.Series:
    return _omap(series, _text)


def _hashable(v: object) -> bool:
    try:
        hash(v)
        return True
    except TypeError:
        return False


def _resolve(texts: pd.Series, table: dict[str, str], where: np.ndarray) -> tuple[pd.Series, list[str]]:
    """Map label texts through ``table`` (normalised keys); return the resolved series and the
    unknown labels among the rows in ``where``."""
    resolved = _omap(texts, lambda v: None if v is None else table.get(norm(v)))
    t_arr, r_arr = texts.to_numpy(dtype=object), resolved.to_numpy(dtype=object)
    unknown = sorted(set(t_arr[(t_arr != None) & (r_arr == None) & where]))  # noqa: E711
    return resolved, unknown


def parse_grid(grid: SheetGrid, spec: FileSpec, ctx: CaseContext, sha256: str = "") -> ParsedSheet:
    """Parse one grid into canonical rows (accepted/flagged), ledger entries and the file tally."""
    sheet = grid.sheet
    hdr = read_headers(grid, spec)
    loc = Location(file=grid.file, sheet=sheet)
    bad_defaults = sorted({FILE_COLUMNS.get(k, k) for k in spec.defaults} - set(LABEL_DEFAULTS))  # issue 15
    if bad_defaults:
        raise InputError(f"[[file]] defaults: {', '.join(bad_defaults)} cannot be defaulted (only {', '.join(LABEL_DEFAULTS)})", loc)
    defaults = {FILE_COLUMNS.get(k, k): str(v) for k, v in spec.defaults.items()}  # issue 15
    generic: dict[str, ColumnRole] = {}
    per_pol: dict[str, dict[str, ColumnRole]] = {}
    for role in hdr.roles:
        if role.field is None:
            continue
        if role.pollutant:
            per_pol.setdefault(role.pollutant, {})[role.field] = role
        else:
            generic[role.field] = role
    for field in LABEL_DEFAULTS:  # issue 15: includes "as"
        if field in generic and field in defaults:
            defaults.pop(field)  # defaults fill only columns the file lacks
    long_ok = "value" in generic and ("pollutant" in generic or "pollutant" in defaults)
    wide_ok = any("value" in d for d in per_pol.values())
    layout = spec.layout
    headers_seen = ", ".join(repr(r.header) for r in hdr.roles) or "none"
    if layout is None:
        if long_ok and wide_ok:
            raise InputError("the file has both long (pollutant/value) and wide (pollutant-named) columns: declare layout", loc)
        if not (long_ok or wide_ok):
            raise InputError(
                f"no measured-value column found (headers: {headers_seen})", loc,
                hint="a long file needs pollutant, value and unit columns; a wide file pollutant-named columns with units",
            )
        layout = "long" if long_ok else "wide"
    elif layout == "long" and not long_ok:
        raise InputError(f"layout = 'long' but no pollutant and value columns (headers: {headers_seen})", loc)
    elif layout == "wide" and not wide_ok:
        raise InputError(f"layout = 'wide' but no pollutant-named value column (headers: {headers_seen})", loc)
    if layout == "long" and per_pol:
        role = next(iter(next(iter(per_pol.values())).values()))
        raise InputError(f"column {role.letter} ({role.header!r}) names a pollutant in a long file", loc)
    if layout == "wide":
        if "value" in generic or "pollutant" in generic:
            role = generic.get("value") or generic["pollutant"]
            raise InputError(f"column {role.letter} ({role.header!r}) is a long-layout column in a wide file", loc)
        for f in _AUX_FIELDS:
            if f in generic:
                with_value = [p for p, d in per_pol.items() if "value" in d]
                if len(with_value) != 1:
                    raise InputError(f"column {generic[f].letter} ({generic[f].header!r}): which pollutant? Name it in the header", loc)
                per_pol[with_value[0]].setdefault(f, generic.pop(f))
        for pol, d in per_pol.items():
            if "value" not in d:
                role = next(iter(d.values()))
                raise InputError(f"column {role.letter} ({role.header!r}) has no measured-value column for {pol}", loc)

    # ---------------------------------------------------------------- data rows
    ncols = grid.n_cols
    raw_rows = grid.rows[hdr.data_start:]
    frame = pd.DataFrame(raw_rows, columns=range(ncols), dtype=object) if raw_rows else pd.DataFrame(columns=range(ncols), dtype=object)
    frame.index = np.arange(hdr.data_start, hdr.data_start + len(frame))
    nonblank = np.zeros(len(frame), dtype=bool)
    for c in range(ncols):
        nonblank |= ~_blank_mask(frame[c])
    formula_rows = {r for (r, _c) in grid.formulas_without_value if r >= hdr.data_start}
    if formula_rows:
        nonblank |= np.isin(frame.index.to_numpy(), list(formula_rows))
    frame = frame[nonblank]
    if frame.empty:
        raise InputError("no data rows", Location(file=grid.file, sheet=sheet, row=hdr.data_start))
    n = len(frame)
    grid_rows = frame.index.to_numpy()
    row1 = grid_rows + 1

    def text_col(field: str) -> pd.Series | None:
        if field in generic:
            return _labels_series(frame[generic[field].col])
        if field in defaults:
            return pd.Series([defaults[field]] * n, index=frame.index, dtype=object)
        return None

    def first_row_with(series: pd.Series, labels_: list[str]) -> int:
        return int(row1[np.flatnonzero(np.isin(series.to_numpy(dtype=object), labels_) & has_value)[0]])

    def unknown_error(field: str, unknown: list[str], texts: pd.Series, known: str) -> None:
        col = generic[field].letter if field in generic else None
        raise InputError(
            f"unknown {field} label(s): {', '.join(repr(u) for u in unknown[:10])}" + (" …" if len(unknown) > 10 else ""),
            Location(file=grid.file, sheet=sheet, row=first_row_with(texts, unknown), column=col),
            hint=known,
        )

    row_reason = np.full(n, "", dtype=object)
    row_detail = np.full(n, "", dtype=object)
    row_col = np.full(n, -1, dtype=np.int64)  # issue 17: the cell that decided a row's rejection

    def reject_rows(mask: np.ndarray, code: str, detail="", col=None) -> None:
        mask = mask & (row_reason == "")
        row_reason[mask] = code
        row_detail[mask] = detail[mask] if isinstance(detail, np.ndarray) else detail
        if col is not None:
            row_col[mask] = col

    def col_of(field):  # issue 17
        return generic[field].col if field in generic else None

    # a row without any quantity cell (a footnote, a sub-heading) is rejected before its labels are read,
    # so that "注：ND表示未检出" under the table is not an unknown phase label
    quantity_cols = {r.col for r in hdr.roles if r.field in NUMERIC_FIELDS}
    has_value = np.zeros(n, dtype=bool)
    for c in quantity_cols:
        has_value |= ~_blank_mask(frame[c])
    fwv_rows = [r for (r, c) in grid.formulas_without_value if c in quantity_cols]
    if fwv_rows:
        has_value |= np.isin(grid_rows, fwv_rows)
    if layout == "long":
        vcol = generic["value"].col
        value_blank = _blank_mask(frame[vcol]) & ~np.isin(grid_rows, [r for (r, c) in grid.formulas_without_value if c == vcol])
        reject_rows(value_blank, "blank_value", "blank value cell in a long file", vcol)  # issue 17: the deciding cell
    reject_rows(~has_value, "no_usable_value", "the row has no measured value")
    for field, mask in _formula_labels(grid, generic, grid_rows):  # issue 17
        reject_rows(mask, "formula_no_value", f"{field}: a formula without a saved value (open and save the file in Excel)", col_of(field))

    # start / end
    starts = ends = None
    for field in ("start", "end"):
        if field in generic:
            df = parse_datetime_series(frame[generic[field].col], tz=ctx.tz, date_format=spec.date_format, date1904=grid.date1904)
            bad = (df["kind"] == "invalid").to_numpy()
            amb = bad & (df["reason"] == "ambiguous_date").to_numpy()
            why = df["detail"].to_numpy(dtype=object)  # issue 17: the cell's own detail
            why = np.array([f"{field}: {w}" if w else f"{field}: invalid date/time" for w in why], dtype=object)
            reject_rows(amb, "ambiguous_date", why, col_of(field))
            reject_rows(bad, "bad_date", why, col_of(field))
            vals = df["value"]
            if field == "start":
                starts = vals
            else:
                ends = vals
    # source
    src_text = text_col("source")
    if src_text is None:
        source = pd.Series([None] * n, index=frame.index, dtype=object)
    else:
        source, unknown = _resolve(src_text, ctx.sources, has_value)
        if unknown:
            unknown_error("source", unknown, src_text, f"known sources and aliases: {', '.join(sorted(set(ctx.sources.values())))}")
    reject_rows(source.isna().to_numpy(), "no_source", "source cannot be determined", col_of("source"))  # issue 17: the deciding cell
    # phase
    ph_text = text_col("phase")
    if ph_text is not None:
        phase, unknown = _resolve(ph_text, labels("phase"), has_value)
        if unknown:
            unknown_error("phase", unknown, ph_text, "use before/after, 対策前/対策後, 治理前/治理后, 前/後/后")
        reject_rows(phase.isna().to_numpy(), "no_phase", "phase cannot be determined", col_of("phase"))  # issue 17: the deciding cell
    elif ctx.periods and starts is not None:
        phase_a = np.full(n, None, dtype=object)
        stv = pd.DatetimeIndex(starts.to_numpy())
        for a, b, ph in ctx.periods:
            phase_a[np.asarray((stv >= a) & (stv < b))] = ph
        phase = pd.Series(phase_a, index=frame.index, dtype=object)
        has_start = ~np.asarray(stv.isna())
        reject_rows(has_start & phase.isna().to_numpy(), "outside_period", "start is outside every [[period]]", col_of("start"))  # issue 17: the deciding cell
        reject_rows(phase.isna().to_numpy(), "no_phase", "no phase column and no start to place it in a [[period]]")
    else:
        phase = pd.Series([None] * n, index=frame.index, dtype=object)
        reject_rows(np.ones(n, dtype=bool), "no_phase", "no phase column, no defaults.phase and no [[period]]")
    # position, basis
    def labelled(field: str, hint: str) -> pd.Series:
        """A label column (position, basis) resolved through labels.csv; unknown labels are an error."""
        text = text_col(field)
        if text is None:
            return pd.Series([None] * n, index=frame.index, dtype=object)
        resolved, unknown = _resolve(text, labels(field), has_value)
        if unknown:
            unknown_error(field, unknown, text, hint)
        return resolved

    position = labelled("position", "use inlet/outlet, 入口/出口, 进口/出口")
    basis_row = labelled("basis", "use standard-dry, standard-wet or actual-wet")
    # run, sample
    run = text_col("run")
    run = pd.Series([None] * n, index=frame.index, dtype=object) if run is None else run
    sample = text_col("sample")
    sample = pd.Series([None] * n, index=frame.index, dtype=object) if sample is None else sample
    for s, sfield in ((run, "run"), (sample, "sample")):
        summary = _omap(s, lambda v: v is not None and norm(v) in SUMMARY_LABELS).to_numpy(dtype=bool)
        reject_rows(summary, "summary_row", "a mean/max/total row is not a measurement", col_of(sfield))  # issue 17: the deciding cell
    no_start = np.ones(n, dtype=bool) if starts is None else starts.isna().to_numpy()
    reject_rows(run.isna().to_numpy() & no_start, "no_run", "neither run nor start identifies the reading", col_of("run"))  # issue 17: the deciding cell
    method = text_col("method")
    flag = text_col("flag")
    flag_up = None if flag is None else _omap(flag, lambda v: None if v is None else str(v).upper())
    as_text = text_col("as")  # issue 15: the reporting species
    as_keys = None
    if as_text is not None:
        as_keys, unknown = label_species(as_text.to_numpy(dtype=object), has_value)
        if unknown:
            unknown_error("as", unknown, as_text, f"name a reporting species: {', '.join(known_species())} (or 以丙烷计, プロパン換算, as C3H8)")

    # ---------------------------------------------------------------- quantity columns
    def numbers(role: ColumnRole, field: str) -> _Cells:
        cells = _Cells(role, parse_number_series(frame[role.col], decimal=spec.decimal, thousands=spec.thousands), field)
        col = role.col
        fwv = {r: f for (r, c), f in grid.formulas_without_value.items() if c == col}
        if fwv:
            m = np.isin(grid_rows, list(fwv))
            cells.status[m & (cells.status == BLANK)] = ACCEPTED  # a formula cell is not blank
            cells.mark(m, REJECTED, "formula_no_value", "formula without a saved value")
        fw = [r for (r, c) in grid.formulas_with_value if c == col]
        if fw:
            cells.mark(np.isin(grid_rows, fw), FLAGGED, "formula_derived", "derived by supplier formula")
        if role.unit_error:
            cells.mark(np.ones(n, dtype=bool), REJECTED, "unknown_unit", role.unit_error)
        return cells

    all_cells: list[_Cells] = []
    unit_cache: dict[object, UnitInfo | str] = {}

    def unit_of(text: object) -> UnitInfo | str:
        if text is None:
            return "no unit"
        if text not in unit_cache:
            try:
                unit_cache[text] = lookup_unit(text)
            except InputError as exc:
                unit_cache[text] = str(exc.message)
        return unit_cache[text]

    # run-level
    run_vals: dict[str, np.ndarray] = {}
    run_cells: dict[str, _Cells] = {}
    flow_unit_key = flow_basis = flow_state = None
    for field in _RUN_FIELDS:
        if field not in generic:
            continue
        role = generic[field]
        cells = numbers(role, field)
        cells.mark(cells.kind == "nondetect", REJECTED, "nondetect_not_allowed", f"a non-detect is not a {field}")
        v = cells.value
        ok = cells.usable & ~np.isnan(v)
        if field == "pressure_kpa":
            factor = role.unit.factor if role.unit else (1.0 if norm(role.header) == "pressure_kpa" else None)
            if factor is None:
                cells.mark(np.ones(n, dtype=bool), REJECTED, "no_unit", "pressure without a unit (kPa, hPa, Pa)")
            else:
                v = v * factor
            _check_ranges(cells, field, v, ok)  # issue 17: the range table
        elif field in ("o2_pct", "h2o_pct", "temp_c", "load_pct"):
            _check_ranges(cells, field, v, ok)  # issue 17: the range table
        elif field == "flow":
            _check_ranges(cells, field, v, ok)  # issue 17: the range table
            implied = dict(role.implies).get("flow_basis")
            if role.unit is not None:
                units = _Units.constant(n, role.unit)
            else:
                fu = text_col("flow_unit")
                units = _Units.constant(n, "no unit") if fu is None else _Units.from_texts(fu, unit_of)
            is_info = units.attr(lambda u: isinstance(u, UnitInfo)).astype(bool)
            cells.mark(~is_info, REJECTED, "no_unit" if role.unit is None and "flow_unit" not in generic and "flow_unit" not in defaults else "unknown_unit",
                       units.attr(lambda u: u if isinstance(u, str) else "").astype(object))
            kinds = units.attr(lambda u: u.kind if isinstance(u, UnitInfo) else "").astype(object)
            cells.mark(is_info & (kinds != "flow"), REJECTED, "wrong_unit", "flow unit is not a volume flow")
            flow_unit_key = units.attr(lambda u: u.key if isinstance(u, UnitInfo) else None).astype(object)
            ustate = units.attr(lambda u: u.std_state if isinstance(u, UnitInfo) else None).astype(object)
            ubasis = units.attr(lambda u: u.basis if isinstance(u, UnitInfo) else None).astype(object)
            if implied == "actual-wet":
                cells.mark(ustate != None, REJECTED, "flow_basis_contradiction", "header says actual (工况/实际) but the unit is a standard-state unit")  # noqa: E711
                flow_basis = np.full(n, "actual-wet", dtype=object)
            elif implied:
                flow_basis = np.where(ubasis != None, ubasis, implied)  # noqa: E711
            else:
                flow_basis = np.where(ubasis != None, ubasis, np.where(ustate != None, "standard-dry", "actual-wet"))  # noqa: E711
            flow_state = np.where(ustate != None, ustate, np.where(pd.Series(flow_basis).str.startswith("standard").to_numpy(dtype=bool), ctx.input_std_state, None))  # noqa: E711
        run_vals[field] = np.where(cells.usable, v, np.nan)
        run_cells[field] = cells
        all_cells.append(cells)

    # pollutant slots
    slots: list[tuple] = []  # (value cells, pollutant keys, aux cells, unit keys, unit infos)
    pol_table = pollutant_aliases()
    if layout == "long":
        groups = [(None, {"value": generic["value"], **{f: generic[f] for f in _AUX_FIELDS if f in generic}})]
    else:
        groups = list(per_pol.items())
    unit_col = text_col("unit")
    for pol, roles in groups:
        vcells = numbers(roles["value"], "value" if pol is None else f"value[{pol}]")
        if pol is None:
            ptext = text_col("pollutant")
            pkeys = _omap(ptext, lambda v: None if v is None else pol_table.get(norm(v))).to_numpy(dtype=object)
            unknown_p = (ptext.to_numpy(dtype=object) != None) & (pkeys == None)  # noqa: E711
            vcells.mark(unknown_p, REJECTED, "unknown_pollutant", _omap(ptext, lambda v: f"unknown pollutant {v!r}" if v else "").to_numpy(dtype=object))
            reject_rows((ptext.to_numpy(dtype=object) == None) & (vcells.status != BLANK), "no_pollutant", "blank pollutant cell", col_of("pollutant"))  # noqa: E711
            reject_rows(vcells.status == BLANK, "blank_value", "blank value cell in a long file", col_of("value"))  # issue 17
        else:
            pkeys = np.full(n, pol, dtype=object)
        # units
        vrole = roles["value"]
        if vrole.unit is not None or vrole.unit_error:
            units = _Units.constant(n, vrole.unit or vrole.unit_error)
            if vrole.unit is not None and "unit" in generic:
                # a unit column that says otherwise than the header: which one is right?
                col_units = _Units.from_texts(unit_col, unit_of)
                differs = col_units.attr(lambda u: isinstance(u, UnitInfo) and not units_agree(u, vrole.unit)).astype(bool)  # issue 15
                vcells.mark(differs, REJECTED, "unit_conflict", f"the unit column disagrees with the header unit {vrole.unit_text!r}")
        elif unit_col is not None:
            units = _Units.from_texts(unit_col, unit_of)
        else:
            units = _Units.constant(n, "no unit")
        is_info = units.attr(lambda u: isinstance(u, UnitInfo)).astype(bool)
        msg = units.attr(lambda u: u if isinstance(u, str) else "").astype(object)
        vcells.mark(~is_info & (msg == "no unit"), REJECTED, "no_unit", "no unit for the value (no default unit is assumed)")
        vcells.mark(~is_info & (msg != "no unit"), REJECTED, "unknown_unit", msg)
        ukind = units.attr(lambda u: u.kind if isinstance(u, UnitInfo) else "").astype(object)
        vcells.mark(is_info & ~np.isin(ukind, VALUE_UNIT_KINDS), REJECTED, "not_a_concentration_unit",
                    units.attr(lambda u: f"unit {u.key!r} is not a concentration or mixing-ratio unit" if isinstance(u, UnitInfo) else "").astype(object))
        # ppm/ppb of particulate matter cannot become mg/m³ (no molar mass): rejected, never
        # converted or guessed (docs/reliability.md#bad-inputs row 7)
        particles = np.isin(pkeys.astype(object), list(particulate_pollutants()))
        vcells.mark(is_info & (ukind == "mixing_ratio") & particles, REJECTED, "mixing_ratio_of_particles",
                    "a gas mixing ratio (ppm/ppb) of particulate matter cannot be converted to a mass concentration")
        ukey = units.attr(lambda u: u.key if isinstance(u, UnitInfo) else None).astype(object)
        species_of_slot = _slot_species(vcells, vrole, units, ukind, pkeys, as_keys, layout == "long" and "as" in generic)  # issue 15
        aux: dict[str, _Cells] = {}
        for f in _AUX_FIELDS:
            if f not in roles:
                continue
            ac = numbers(roles[f], f if pol is None else f"{f}[{pol}]")
            arole = roles[f]
            if f == "rate_reported":
                factor = arole.unit.factor if arole.unit else (1.0 if norm(arole.header) == "rate_reported" else None)
                if arole.unit is None and factor is None and not arole.unit_error:
                    ac.mark(np.ones(n, dtype=bool), REJECTED, "no_unit", "emission rate without a unit (kg/h, g/h, g/s)")
                elif arole.unit is not None and factor is None:
                    ac.mark(np.ones(n, dtype=bool), REJECTED, "unit_not_convertible", f"{arole.unit.key} cannot be read as kg/h")
                else:
                    ac.value = ac.value * (factor or 1.0)
            elif arole.unit is not None:
                ac.mark(ukey != arole.unit.key, REJECTED, "unit_differs", f"{f} unit {arole.unit.key} differs from the value unit")
            if f in ("lod", "range"):
                ac.mark(ac.kind == "nondetect", REJECTED, "nondetect_not_allowed", f"a non-detect is not a {f}")
                ac.mark(ac.usable & (ac.value <= 0), REJECTED, "not_positive", f"{f} must be positive")
            else:
                ac.mark(ac.usable & (ac.value < 0), REJECTED, "negative", f"a negative {f}")
                ac.value = np.where(ac.kind == "nondetect", np.nan, ac.value)
            aux[f] = ac
            all_cells.append(ac)
        lod = np.where(aux["lod"].usable, aux["lod"].value, np.nan) if "lod" in aux else np.full(n, np.nan)
        rng = np.where(aux["range"].usable, aux["range"].value, np.nan) if "range" in aux else np.full(n, np.nan)
        has_lod = ~np.isnan(lod)
        # non-detects: a limit from the cell, else the row's lod, else flagged without limit
        nd = (vcells.kind == "nondetect") & (vcells.status == FLAGGED)
        take_lod = nd & np.isnan(vcells.limit) & has_lod
        vcells.value[take_lod] = lod[take_lod]
        vcells.limit[take_lod] = lod[take_lod]
        vcells.detail[take_lod] = "non-detect; limit from the lod column"
        no_limit = nd & np.isnan(vcells.limit)
        vcells.reason[no_limit] = np.array([r.replace("nondetect", "nondetect_no_limit", 1) for r in vcells.reason[no_limit]], dtype=object)
        vcells.detail[no_limit] = "non-detect without a limit and no lod in the row"
        num = (vcells.kind == "number") & vcells.usable
        neg = num & (vcells.value < 0)
        vcells.mark(neg & has_lod, FLAGGED, "negative_below_lod", "negative value kept unclipped and treated as < lod")
        vcells.censored[neg & has_lod] = True
        vcells.mark(neg & ~has_lod, REJECTED, "negative_no_lod", "a negative concentration without a detection limit")
        _check_ranges(vcells, "value", vcells.value, vcells.usable, ukey)  # issue 17
        over = vcells.usable & ~np.isnan(rng) & (vcells.value > rng)
        vcells.mark(over, FLAGGED, "over_range", "value above the instrument range (HJ 212 flag T)")
        flag_out = np.full(n, None, dtype=object) if flag_up is None else flag_up.to_numpy(dtype=object).copy()
        flag_out[over & (flag_out == None)] = "T"  # noqa: E711
        if flag_up is not None:
            fa = flag_up.to_numpy(dtype=object)
            present = fa != None  # noqa: E711
            known = np.isin(fa, list(HJ212_VALID | HJ212_KEPT | HJ212_INVALID))
            vcells.mark(present & np.isin(fa, list(HJ212_KEPT)), FLAGGED, "flag_T", "HJ 212 flag T (over range)")
            # invalid-data flags (instrument stopped, maintenance, calibration, fault, …) are normal in CEMS
            # exports: the reading is kept and flagged, counted as invalid and never averaged
            # (HJ 75-2017 / HJ 212-2017); only an unknown flag is rejected.
            for f in sorted(HJ212_INVALID):
                vcells.mark(present & (fa == f), FLAGGED, f"flag_{f}", f"HJ 212 flag {f}: invalid data, counted and not used")
            vcells.mark(present & ~known, REJECTED, "unknown_flag", "flag is not an HJ 212-2017 data flag")
        slots.append((vcells, pkeys, aux, ukey, units, species_of_slot))
        all_cells.append(vcells)
    # issue 17: the columns no alias names (the helper of the new code; tested end to end on its own)
    unread_cells, unread_notes = _unread_columns(hdr.roles, [_Column(frame[c].to_numpy(dtype=object)) for c in range(ncols)],
                                                 grid, grid_rows, spec)
    all_cells.extend(unread_cells)

    # hidden rows: every value in them flagged
    if grid.hidden_rows:
        hidden = np.isin(grid_rows, list(grid.hidden_rows))
        for cells in all_cells:
            cells.mark(hidden, FLAGGED, "hidden_row", "row is hidden in the workbook")

    # ---------------------------------------------------------------- rows
    usable = np.zeros(n, dtype=bool)
    for vcells, *_ in slots:
        usable |= vcells.usable
    reject_rows(~usable, "no_usable_value", "the row yields no usable value")
    rejected_row = row_reason != ""
    for cells in all_cells:
        demote = rejected_row & cells.usable
        cells.mark(demote, REJECTED, "row_rejected", np.array([f"row rejected: {r}" for r in row_reason], dtype=object))
    any_bad = np.zeros(n, dtype=bool)
    for cells in all_cells:
        any_bad |= (cells.status == FLAGGED) | (cells.status == REJECTED)
    flagged_row = ~rejected_row & any_bad

    tally = FileTally(file=grid.file, sheet=sheet, sha256=sha256, layout=layout, encoding=grid.encoding,
                      header_map={f"{r.letter}: {r.header}": r.label for r in hdr.roles}, notes=[*grid.notes, *hdr.notes])
    tally.lines = grid.lines  # issue 17: a CSV file's physical lines
    tally.rows = n
    tally.rejected = int(rejected_row.sum())
    tally.flagged = int(flagged_row.sum())
    tally.accepted = n - tally.rejected - tally.flagged
    for cells in all_cells:
        tally.values += int((cells.status != BLANK).sum())
        tally.values_accepted += int((cells.status == ACCEPTED).sum())
        tally.values_flagged += int((cells.status == FLAGGED).sum())
        tally.values_rejected += int((cells.status == REJECTED).sum())

    # ---------------------------------------------------------------- entries
    parts = []
    for cells in all_cells:
        bad = (cells.status == FLAGGED) | (cells.status == REJECTED)
        note = (cells.status == ACCEPTED) & (cells.notes != "")
        for mask, outcome in ((bad, None), (note, "note")):
            if not mask.any():
                continue
            col = cells.role.col
            idx = np.flatnonzero(mask)
            parts.append(entries_frame({
                "file": grid.file, "sheet": sheet, "row": row1[idx], "column": column_letter(col),
                "cell": _addresses(col, grid_rows[idx]), "field": cells.field,
                "raw": _raw_texts(frame[col].to_numpy(dtype=object)[idx]),
                "outcome": np.where(cells.status[idx] == REJECTED, "rejected", "flagged") if outcome is None else "note",
                "reason": cells.reason[idx] if outcome is None else cells.notes[idx],
                "detail": cells.detail[idx] if outcome is None else "normalised",
            }))
    if rejected_row.any():
        idx = np.flatnonzero(rejected_row)
        column, cell, raw = _deciding_cells(row_col[idx], idx, [_Column(frame[c].to_numpy(dtype=object)) for c in range(ncols)],
                                            grid_rows)  # issue 17
        parts.append(entries_frame({"file": grid.file, "sheet": sheet, "row": row1[idx], "column": column, "cell": cell,
                                    "field": "row", "raw": raw, "outcome": "rejected", "reason": row_reason[idx],
                                    "detail": row_detail[idx]}))
    spanned = [i for i, r in enumerate(grid_rows) if r in grid.line_spans]  # issue 17: multi-line records noted
    if spanned:
        parts.append(entries_frame({
            "file": grid.file, "sheet": sheet, "row": row1[spanned], "column": None, "cell": None, "field": "row", "raw": None,
            "outcome": "note", "reason": "multiline_record",
            "detail": np.array([f"one record over lines {grid.line_spans[grid_rows[i]][0]}–{grid.line_spans[grid_rows[i]][1]} "
                                "(a quoted cell with a line break)" for i in spanned], dtype=object)}))
    parts.extend(unread_notes)  # issue 17
    entries = pd.concat(parts, ignore_index=True) if parts else entries_frame({})

    # ---------------------------------------------------------------- canonical rows
    def cell_ref(col: int, idx: np.ndarray) -> list[str]:
        prefix = f"{grid.file}" + (f" [{sheet}]" if sheet else "") + " "
        return _addresses(col, grid_rows[idx], prefix)

    run_reasons = np.full(n, "", dtype=object)
    for cells in run_cells.values():
        _tag(run_reasons, cells, np.ones(n, dtype=bool))
    tables = []
    src_a, ph_a, pos_a = source.to_numpy(dtype=object), phase.to_numpy(dtype=object), position.to_numpy(dtype=object)
    run_a, sam_a = run.to_numpy(dtype=object), sample.to_numpy(dtype=object)
    basis_a = basis_row.to_numpy(dtype=object)
    for vcells, pkeys, aux, ukey, units, species_of_slot in slots:
        keep = vcells.usable & ~rejected_row
        if not keep.any():
            continue
        idx = np.flatnonzero(keep)
        col = vcells.role.col
        u_basis = units.attr(lambda u: getattr(u, "basis", None))[idx]
        u_state = units.attr(lambda u: getattr(u, "std_state", None))[idx]
        wet = ctx.concentration_basis == "standard-wet"
        basis = np.where(basis_a[idx] != None, basis_a[idx],  # noqa: E711
                         np.where(u_basis != None, u_basis,  # noqa: E711
                                  np.where(u_state != None, "standard-wet" if wet else "standard-dry", ctx.concentration_basis)))  # noqa: E711
        # "mg/Nm3 is standard and dry unless the row's basis says wet": a row basis keeps the unit's state
        std_state = np.where(u_state != None, u_state,  # noqa: E711
                             np.where(pd.Series(basis).str.startswith("standard").to_numpy(dtype=bool), ctx.input_std_state, None))
        pol = pkeys[idx]
        as_sp = species_of_slot[idx]  # issue 15
        reasons_own = vcells.reason[idx]
        other = np.full(n, "", dtype=object)
        for ac in aux.values():
            _tag(other, ac, keep)
        other = _join(other, run_reasons)[idx]
        allr = _join(reasons_own.copy(), other)
        t = {
            "file": grid.file, "sheet": sheet, "row": row1[idx], "cell": _addresses(col, grid_rows[idx]),
            "source": src_a[idx], "position": pos_a[idx], "phase": ph_a[idx], "run": run_a[idx], "sample": sam_a[idx],
            "start": starts.array[idx] if starts is not None else None,
            "end": ends.array[idx] if ends is not None else None,
            "pollutant": pol, "as_species": as_sp, "value": vcells.value[idx], "censored": vcells.censored[idx],
            "lod": (np.where(aux["lod"].usable, aux["lod"].value, np.nan) if "lod" in aux else np.full(n, np.nan))[idx],
            "range": (np.where(aux["range"].usable, aux["range"].value, np.nan) if "range" in aux else np.full(n, np.nan))[idx],
            "unit": ukey[idx], "basis": basis, "std_state": std_state,
            "method": method.to_numpy(dtype=object)[idx] if method is not None else None,
            "flag": flag_out[idx],
            "value_o2ref": (np.where(aux["value_o2ref"].usable, aux["value_o2ref"].value, np.nan) if "value_o2ref" in aux else np.full(n, np.nan))[idx],
            "rate_reported": (np.where(aux["rate_reported"].usable, aux["rate_reported"].value, np.nan) if "rate_reported" in aux else np.full(n, np.nan))[idx],
            "raw": _raw_texts(frame[col].to_numpy(dtype=object)[idx]),
            "status": np.where(allr != "", "flagged", "accepted"),
            "reasons": np.where(allr != "", allr, None),
        }
        for field in _RUN_FIELDS:
            if field in run_vals:
                t[field] = run_vals[field][idx]
                t[f"_cell_{field}"] = cell_ref(run_cells[field].role.col, idx)
        if flow_unit_key is not None:
            fl_ok = ~np.isnan(run_vals["flow"][idx])
            t["flow_unit"] = np.where(fl_ok, flow_unit_key[idx], None)
            t["flow_basis"] = np.where(fl_ok, flow_basis[idx], None)
            t["flow_std_state"] = np.where(fl_ok, flow_state[idx], None)
        t["_cell_value"] = cell_ref(col, idx)
        tables.append(pd.DataFrame({k: (pd.Series(v, dtype=object) if isinstance(v, np.ndarray) and v.dtype == object else v) for k, v in t.items()}))
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    return ParsedSheet(table, entries, tally)


def _tag(target: np.ndarray, cells: _Cells, where: np.ndarray) -> None:
    """Append 'field:reason' of the non-accepted cells (in ``where``) to ``target`` in place."""
    bad = where & ((cells.status == FLAGGED) | (cells.status == REJECTED))
    if bad.any():
        tag = cells.field + ":" + cells.reason[bad]
        old = target[bad]
        target[bad] = np.where(old == "", tag, old + "; " + tag)


def _join(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise '; '-join of two object arrays of reason strings ("" = none)."""
    out = a.copy()
    m = b != ""
    if m.any():
        out[m] = np.where(a[m] == "", b[m], a[m] + "; " + b[m])
    return out


def _raw_texts(values: np.ndarray) -> np.ndarray:
    if len(values) and pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return values
    return np.array([_raw_text(v) for v in values], dtype=object)


def _raw_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    return str(value)
