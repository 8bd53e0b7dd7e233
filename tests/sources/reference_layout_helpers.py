"""Frozen copy of ``verify/sources/layout.py`` as it was before the intake became named steps (issue 19):
the private helpers that ``reference_layout.py`` used from it (``_slot_species``, ``_Column``,
``_check_ranges``, ``_deciding_cells``, ``_formula_labels``, ``_unread_columns``), kept here so that the
equivalence oracle does not change with the code it checks. Only the import of the header text
function, now public (``headers.cell_text``), is adapted. Not part of the package."""
# ruff: noqa


from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from verify.case import Case, FileSpec, normalise_label
from verify.errors import EMPTY_FILE_HINT, InputError, Location
from verify.sources.aliases import (UnitInfo, case_pollutant_aliases, labels, lookup_unit, norm, particulate_pollutants,
                                    pollutant_aliases, units_agree)
from verify.sources.canonical import TEXT_COLUMNS, arrow_text_array
from verify.sources.cells import arrow_text, cell_types, parse_datetime_series, parse_number_array
from verify.sources.grid import SheetGrid, column_letter
from verify.sources.headers import FILE_COLUMNS, NUMERIC_FIELDS, ColumnRole, read_headers
from verify.sources.ledger import FileTally, entries_frame
from verify.sources.species import known_species, label_species, resolve_species
from verify.sources.ranges import ranges_for

ACCEPTED, FLAGGED, REJECTED, BLANK = 0, 1, 2, -1
#: Below this many rows the per-cell Python path is faster than setting up vectorised pandas/arrow work.
SMALL = 2000
LABEL_DEFAULTS = ("source", "phase", "position", "run", "sample", "pollutant", "unit", "method", "basis", "flow_unit", "flag", "as")
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
    pollutants: dict[str, str] | None = None  # normalised name → key, with the case's [[pollutant]]s (None: the package's)
    particulate: frozenset[str] | None = None  # pollutant keys that are particles (None: the package's)

    @property
    def pollutant_table(self) -> dict[str, str]:
        return pollutant_aliases() if self.pollutants is None else self.pollutants

    @property
    def particles(self) -> frozenset[str]:
        return particulate_pollutants() if self.particulate is None else self.particulate

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
        particulate = particulate_pollutants() | {p.key for p in m.pollutant if p.state == "particle"}
        return cls(sources, tz, tuple(periods), m.case.concentration_basis, "epa" if cond == "US-EPA" else "normal",
                   case_pollutant_aliases(m.pollutant), frozenset(particulate))

#: The ledger detail of a value in an example row that was edited in place (verify.sources.examples).
EDITED_EXAMPLE_DETAIL = ("an example row of the verify new workbook with its values changed: read as a measurement; "
                         "delete the example rows you do not use")


@dataclass
class ParsedSheet:
    table: pd.DataFrame  # canonical columns plus internal "_cell_*" columns (cell addresses)
    entries: pd.DataFrame
    tally: FileTally


class _Cells:
    """Status, reason and detail of the cells of one quantity column."""

    def __init__(self, role: ColumnRole, nf: dict[str, np.ndarray], field: str):
        """``nf``: the arrays of :func:`verify.sources.cells.parse_number_array` (owned from now on)."""
        self.role, self.field = role, field
        kind = nf["kind"]
        self.value = nf["value"]
        self.censored = nf["censored"]
        self.limit = nf["limit"]
        self.kind = kind
        self.status = np.select(
            [kind == "blank", kind == "number", (kind == "nondetect") | (kind == "missing_marker")],
            [BLANK, ACCEPTED, FLAGGED],
            REJECTED,
        ).astype(np.int8)
        self.reason = nf["reason"]
        self.detail = nf["detail"]
        self.notes = nf["notes"]

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


def _omap(series: pd.Series, fn, text: pa.Array | None = None) -> pd.Series:
    """``fn`` over an object column, memoised per distinct cell; keeps ``None`` as ``None``
    (``Series.map`` may infer a string dtype and turn ``None`` into NaN). ``text``: the column in
    Arrow when every cell is text (:attr:`_Column.text`), dictionary-encoded there."""
    if text is not None and len(text) == len(series):
        encoded = pc.dictionary_encode(text)
        mapped = np.empty(len(encoded.dictionary), dtype=object)
        for i, u in enumerate(encoded.dictionary.to_pylist()):
            mapped[i] = fn(u)
        return pd.Series(mapped[encoded.indices.to_numpy(zero_copy_only=False)], index=series.index, dtype=object)
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
    return _blank_array(arr, cell_types(arr))


def _is_blank_cell(v: object) -> bool:
    return v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip())


def _blank_strings(strs: np.ndarray, text: pa.Array | None = None) -> np.ndarray:
    """Whitespace-only test of an array of ``str`` (Arrow's trim for long arrays: it strips exactly the
    characters ``str.strip`` does, checked over all of Unicode); ``text``: ``strs`` in Arrow, if at hand."""
    if len(strs) > SMALL:
        text = arrow_text(strs) if text is None else text
        return pc.equal(pc.utf8_trim_whitespace(text), "").to_numpy(zero_copy_only=False)
    return np.fromiter((not v.strip() for v in strs), dtype=bool, count=len(strs))


#: Cell types whose blank test is known without looking at the value (besides str, float, None).
_NEVER_BLANK_TYPES = (int, bool, dt.datetime, dt.date, dt.time, dt.timedelta)


#: ``infer_dtype`` kinds (skipna=False) of columns with no text cell: only None/NaN can be blank there.
_NO_TEXT_KINDS = frozenset({"floating", "integer", "boolean", "datetime", "date", "time", "timedelta", "mixed-integer-float"})


def _blank_array(arr: np.ndarray, types: tuple[str, np.ndarray | None], text: pa.Array | None = None) -> np.ndarray:
    """:func:`_is_blank_cell` of every cell of ``arr`` (``types`` from :func:`cell_types`), column-wise."""
    n = len(arr)
    kind, tarr = types
    if not n:
        return np.zeros(0, dtype=bool)
    if kind == "string":
        return _blank_strings(arr, text)
    # None and NaN: pandas' C isna finds the candidates, the exact test confirms them
    cand = np.flatnonzero(pd.isna(arr))
    out = np.zeros(n, dtype=bool)
    if len(cand):
        out[cand] = np.fromiter((_is_blank_cell(v) for v in arr[cand]), dtype=bool, count=len(cand))
    if kind in _NO_TEXT_KINDS:
        return out
    if tarr is None:
        tarr = np.fromiter(map(type, arr), dtype=object, count=n)
    codes, uniq = pd.factorize(tarr)
    is_str_t = np.array([t is str for t in uniq] + [False])
    other_t = np.array([not (t is str or t is float or t is type(None) or t in _NEVER_BLANK_TYPES) for t in uniq] + [True])
    is_str = is_str_t[codes]
    if is_str.any():
        out[is_str] = _blank_strings(arr[is_str])
    other = other_t[codes]
    if other.any():  # str or float subclasses, anything else: cell by cell
        idx = np.flatnonzero(other)
        out[idx] = np.fromiter((_is_blank_cell(v) for v in arr[idx]), dtype=bool, count=len(idx))
    return out


class _Column:
    """One grid column as an object array, with its cell types and blank mask computed once."""

    def __init__(self, arr: np.ndarray):
        self.arr = arr
        self._types: tuple[str, np.ndarray | None] | None = None
        self._blank: np.ndarray | None = None
        self._text: pa.Array | None = None

    @property
    def text(self) -> pa.Array | None:
        """The column in Arrow when every cell is text and it is long enough to be worth it."""
        if self._text is None and self.types[0] == "string" and len(self.arr) > SMALL:
            self._text = arrow_text(self.arr)
        return self._text

    @property
    def types(self) -> tuple[str, np.ndarray | None]:
        if self._types is None:
            self._types = cell_types(self.arr)
        return self._types

    @property
    def blank(self) -> np.ndarray:
        if self._blank is None:
            self._blank = _blank_array(self.arr, self.types, self.text)
        return self._blank

    def take(self, mask: np.ndarray) -> "_Column":
        out = _Column(self.arr[mask])
        if self._types is not None:
            kind, tarr = self._types
            out._types = (kind, None) if kind == "string" else cell_types(out.arr)
        if self._text is not None and len(out.arr) > SMALL:
            out._text = self._text.filter(pa.array(mask))
        if self._blank is not None:
            out._blank = self._blank[mask]
        return out


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
    hdr = read_headers(grid, spec, ctx.pollutant_table)
    loc = Location(file=grid.file, sheet=sheet)
    bad_defaults = sorted({FILE_COLUMNS.get(k, k) for k in spec.defaults} - set(LABEL_DEFAULTS))
    if bad_defaults:
        raise InputError(f"[[file]] defaults: {', '.join(bad_defaults)} cannot be defaulted (only {', '.join(LABEL_DEFAULTS)})", loc)
    defaults = {FILE_COLUMNS.get(k, k): str(v) for k, v in spec.defaults.items()}
    generic: dict[str, ColumnRole] = {}
    per_pol: dict[str, dict[str, ColumnRole]] = {}
    for role in hdr.roles:
        if role.field is None:
            continue
        if role.pollutant:
            per_pol.setdefault(role.pollutant, {})[role.field] = role
        else:
            generic[role.field] = role
    for field in LABEL_DEFAULTS:
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
    all_rows = np.arange(hdr.data_start, hdr.data_start + len(frame))
    columns = [_Column(frame[c].to_numpy(dtype=object)) for c in range(ncols)]
    del frame, raw_rows
    nonblank = np.zeros(len(all_rows), dtype=bool)
    for column in columns:
        nonblank |= ~column.blank
    formula_rows = {r for (r, _c) in grid.formulas_without_value if r >= hdr.data_start}
    if formula_rows:
        nonblank |= np.isin(all_rows, list(formula_rows))
    if not nonblank.any():
        raise InputError("no data rows", Location(file=grid.file, sheet=sheet, row=hdr.data_start), hint=EMPTY_FILE_HINT)
    if not nonblank.all():
        columns = [column.take(nonblank) for column in columns]
    grid_rows = all_rows[nonblank]
    n = len(grid_rows)
    index = pd.Index(grid_rows)
    row1 = grid_rows + 1

    def cells_of(col: int) -> pd.Series:
        return pd.Series(columns[col].arr, index=index, dtype=object)

    def text_col(field: str) -> pd.Series | None:
        if field in generic:
            col = generic[field].col
            return _omap(cells_of(col), _text, columns[col].text)
        if field in defaults:
            return pd.Series([defaults[field]] * n, index=index, dtype=object)
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
    row_col = np.full(n, -1, dtype=np.int64)  # the cell that decided a row's rejection (-1: none)

    def reject_rows(mask: np.ndarray, code: str, detail: str | np.ndarray = "", col: int | None = None) -> None:
        mask = mask & (row_reason == "")
        row_reason[mask] = code
        row_detail[mask] = detail[mask] if isinstance(detail, np.ndarray) else detail
        if col is not None:
            row_col[mask] = col

    def col_of(field: str) -> int | None:
        return generic[field].col if field in generic else None

    # a row without any quantity cell (a footnote, a sub-heading) is rejected before its labels are read,
    # so that "注：ND表示未检出" under the table is not an unknown phase label
    quantity_cols = {r.col for r in hdr.roles if r.field in NUMERIC_FIELDS}
    has_value = np.zeros(n, dtype=bool)
    for c in quantity_cols:
        has_value |= ~columns[c].blank
    fwv_rows = [r for (r, c) in grid.formulas_without_value if c in quantity_cols]
    if fwv_rows:
        has_value |= np.isin(grid_rows, fwv_rows)
    if layout == "long":
        vcol = generic["value"].col
        value_blank = columns[vcol].blank & ~np.isin(grid_rows, [r for (r, c) in grid.formulas_without_value if c == vcol])
        reject_rows(value_blank, "blank_value", "blank value cell in a long file", vcol)
    reject_rows(~has_value, "no_usable_value", "the row has no measured value")
    for field, mask in _formula_labels(grid, generic, grid_rows):
        reject_rows(mask, "formula_no_value", f"{field}: a formula without a saved value (open and save the file in Excel)", col_of(field))

    # start / end
    starts = ends = None
    for field in ("start", "end"):
        if field in generic:
            df = parse_datetime_series(cells_of(generic[field].col), tz=ctx.tz, date_format=spec.date_format, date1904=grid.date1904,
                                       text=columns[generic[field].col].text)
            bad = (df["kind"] == "invalid").to_numpy()
            amb = bad & (df["reason"] == "ambiguous_date").to_numpy()
            why = df["detail"].to_numpy(dtype=object)
            why = np.where(why != "", f"{field}: " + why.astype(str), f"{field}: invalid date/time").astype(object)
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
        source = pd.Series([None] * n, index=index, dtype=object)
    else:
        source, unknown = _resolve(src_text, ctx.sources, has_value)
        if unknown:
            unknown_error("source", unknown, src_text, f"known sources and aliases: {', '.join(sorted(set(ctx.sources.values())))}")
    reject_rows(source.isna().to_numpy(), "no_source", "source cannot be determined", col_of("source"))
    # phase
    ph_text = text_col("phase")
    if ph_text is not None:
        phase, unknown = _resolve(ph_text, labels("phase"), has_value)
        if unknown:
            unknown_error("phase", unknown, ph_text, "use before/after, 対策前/対策後, 治理前/治理后, 前/後/后")
        reject_rows(phase.isna().to_numpy(), "no_phase", "phase cannot be determined", col_of("phase"))
    elif ctx.periods and starts is not None:
        phase_a = np.full(n, None, dtype=object)
        stv = pd.DatetimeIndex(starts.array)
        for a, b, ph in ctx.periods:
            phase_a[np.asarray((stv >= a) & (stv < b))] = ph
        phase = pd.Series(phase_a, index=index, dtype=object)
        has_start = ~np.asarray(stv.isna())
        reject_rows(has_start & phase.isna().to_numpy(), "outside_period", "start is outside every [[period]]", col_of("start"))
        reject_rows(phase.isna().to_numpy(), "no_phase", "no phase column and no start to place it in a [[period]]")
    else:
        phase = pd.Series([None] * n, index=index, dtype=object)
        reject_rows(np.ones(n, dtype=bool), "no_phase", "no phase column, no defaults.phase and no [[period]]")
    # position, basis
    def labelled(field: str, hint: str) -> pd.Series:
        """A label column (position, basis) resolved through labels.csv; unknown labels are an error."""
        text = text_col(field)
        if text is None:
            return pd.Series([None] * n, index=index, dtype=object)
        resolved, unknown = _resolve(text, labels(field), has_value)
        if unknown:
            unknown_error(field, unknown, text, hint)
        return resolved

    position = labelled("position", "use inlet/outlet, 入口/出口, 进口/出口")
    basis_row = labelled("basis", "use standard-dry, standard-wet or actual-wet")
    # run, sample
    run = text_col("run")
    run = pd.Series([None] * n, index=index, dtype=object) if run is None else run
    sample = text_col("sample")
    sample = pd.Series([None] * n, index=index, dtype=object) if sample is None else sample
    for s, sfield in ((run, "run"), (sample, "sample")):
        summary = _omap(s, lambda v: v is not None and norm(v) in SUMMARY_LABELS).to_numpy(dtype=bool)
        reject_rows(summary, "summary_row", "a mean/max/total row is not a measurement", col_of(sfield))
    no_start = np.ones(n, dtype=bool) if starts is None else starts.isna().to_numpy()
    reject_rows(run.isna().to_numpy() & no_start, "no_run", "neither run nor start identifies the reading", col_of("run"))
    method = text_col("method")
    flag = text_col("flag")
    flag_up = None if flag is None else _omap(flag, lambda v: None if v is None else str(v).upper())
    as_text = text_col("as")  # the reporting species (as C, as propane): verify.sources.species
    as_keys = None
    if as_text is not None:
        as_keys, unknown = label_species(as_text.to_numpy(dtype=object), has_value)
        if unknown:
            unknown_error("as", unknown, as_text, f"name a reporting species: {', '.join(known_species())} (or 以丙烷计, プロパン換算, as C3H8)")

    # ---------------------------------------------------------------- quantity columns
    def numbers(role: ColumnRole, field: str) -> _Cells:
        column = columns[role.col]
        cells = _Cells(role, parse_number_array(column.arr, decimal=spec.decimal, thousands=spec.thousands, types=column.types, text=column.text), field)
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
                unit_cache[text] = exc.message
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
            _check_ranges(cells, field, v, ok)
        elif field in ("o2_pct", "h2o_pct", "temp_c", "load_pct"):
            _check_ranges(cells, field, v, ok)
        elif field == "flow":
            _check_ranges(cells, field, v, ok)
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
            flow_state = np.where(ustate != None, ustate, np.where(_map_codes(np.asarray(flow_basis, dtype=object), _is_standard).astype(bool), ctx.input_std_state, None))  # noqa: E711
        run_vals[field] = np.where(cells.usable, v, np.nan)
        run_cells[field] = cells
        all_cells.append(cells)

    # pollutant slots
    slots: list[tuple] = []  # (value cells, pollutant keys, aux cells, unit keys, unit infos)
    pol_table = ctx.pollutant_table
    if layout == "long":
        groups = [(None, {"value": generic["value"], **{f: generic[f] for f in _AUX_FIELDS if f in generic}})]
    else:
        groups = list(per_pol.items())
    unit_col = text_col("unit")
    if flag_up is not None:  # the same for every pollutant slot: classified once per distinct flag
        fa = flag_up.to_numpy(dtype=object)
        flag_present = fa != None  # noqa: E711
        flag_known = _map_codes(fa, lambda v: v in HJ212_VALID | HJ212_KEPT | HJ212_INVALID).astype(bool)
        flag_kept = _map_codes(fa, lambda v: v in HJ212_KEPT).astype(bool)
        flag_invalid = {f: _map_codes(fa, lambda v, f=f: v == f).astype(bool) for f in sorted(HJ212_INVALID)}
    particulate = set(ctx.particles)
    for pol, roles in groups:
        vcells = numbers(roles["value"], "value" if pol is None else f"value[{pol}]")
        if pol is None:
            ptext = text_col("pollutant")
            pkeys = _omap(ptext, lambda v: None if v is None else pol_table.get(norm(v))).to_numpy(dtype=object)
            unknown_p = (ptext.to_numpy(dtype=object) != None) & (pkeys == None)  # noqa: E711
            vcells.mark(unknown_p, REJECTED, "unknown_pollutant", _omap(ptext, lambda v: f"unknown pollutant {v!r}" if v else "").to_numpy(dtype=object))
            reject_rows((ptext.to_numpy(dtype=object) == None) & (vcells.status != BLANK), "no_pollutant", "blank pollutant cell", col_of("pollutant"))  # noqa: E711
            reject_rows(vcells.status == BLANK, "blank_value", "blank value cell in a long file", col_of("value"))
        else:
            pkeys = np.full(n, pol, dtype=object)
        # units
        vrole = roles["value"]
        if vrole.unit is not None or vrole.unit_error:
            units = _Units.constant(n, vrole.unit or vrole.unit_error)
            if vrole.unit is not None and "unit" in generic:
                # a unit column that says otherwise than the header: which one is right?
                col_units = _Units.from_texts(unit_col, unit_of)
                differs = col_units.attr(lambda u: isinstance(u, UnitInfo) and not units_agree(u, vrole.unit)).astype(bool)
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
        vcells.mark(is_info & ~units.attr(lambda u: isinstance(u, UnitInfo) and u.kind in VALUE_UNIT_KINDS).astype(bool), REJECTED, "not_a_concentration_unit",
                    units.attr(lambda u: f"unit {u.key!r} is not a concentration or mixing-ratio unit" if isinstance(u, UnitInfo) else "").astype(object))
        # ppm/ppb of particulate matter cannot become mg/m³ (no molar mass): rejected, never
        # converted or guessed (reliability.md §4 #7)
        particles = _map_codes(pkeys.astype(object), lambda v: v in particulate).astype(bool)
        vcells.mark(is_info & (ukind == "mixing_ratio") & particles, REJECTED, "mixing_ratio_of_particles",
                    "a gas mixing ratio (ppm/ppb) of particulate matter cannot be converted to a mass concentration")
        ukey = units.attr(lambda u: u.key if isinstance(u, UnitInfo) else None).astype(object)
        species = _slot_species(vcells, vrole, units, ukind, pkeys, as_keys, layout == "long" and "as" in generic)
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
        _check_ranges(vcells, "value", vcells.value, vcells.usable, ukey)
        over = vcells.usable & ~np.isnan(rng) & (vcells.value > rng)
        vcells.mark(over, FLAGGED, "over_range", "value above the instrument range (HJ 212 flag T)")
        flag_out = np.full(n, None, dtype=object) if flag_up is None else flag_up.to_numpy(dtype=object).copy()
        flag_out[over & (flag_out == None)] = "T"  # noqa: E711
        if flag_up is not None:
            vcells.mark(flag_present & flag_kept, FLAGGED, "flag_T", "HJ 212 flag T (over range)")
            # invalid-data flags (stopped, maintenance, calibration, fault, …) are normal in CEMS
            # exports: the reading is kept and flagged, counted as invalid and never averaged
            # (HJ 75-2017 / HJ 212-2017); only an unknown flag is rejected.
            for f in sorted(HJ212_INVALID):
                vcells.mark(flag_present & flag_invalid[f], FLAGGED, f"flag_{f}", f"HJ 212 flag {f}: invalid data, counted and not used")
            vcells.mark(flag_present & ~flag_known, REJECTED, "unknown_flag", "flag is not an HJ 212-2017 data flag")
        slots.append((vcells, pkeys, aux, ukey, units, species))
        all_cells.append(vcells)
    unread_cells, unread_notes = _unread_columns(hdr.roles, columns, grid, grid_rows, spec)
    all_cells.extend(unread_cells)

    # hidden rows: every value in them flagged
    if grid.hidden_rows:
        hidden = np.isin(grid_rows, list(grid.hidden_rows))
        for cells in all_cells:
            cells.mark(hidden, FLAGGED, "hidden_row", "row is hidden in the workbook")
    # example rows of a `verify new` workbook edited in place: read, every value flagged (sources.examples)
    if grid.edited_example_rows:
        edited = np.isin(grid_rows, list(grid.edited_example_rows))
        for cells in all_cells:
            cells.mark(edited, FLAGGED, "example_row_edited", EDITED_EXAMPLE_DETAIL)

    # ---------------------------------------------------------------- rows
    usable = np.zeros(n, dtype=bool)
    for vcells, *_ in slots:
        usable |= vcells.usable
    reject_rows(~usable, "no_usable_value", "the row yields no usable value")
    rejected_row = row_reason != ""
    demote_detail = np.full(n, "", dtype=object)
    if rejected_row.any():
        demote_detail[rejected_row] = "row rejected: " + row_reason[rejected_row]
    for cells in all_cells:
        demote = rejected_row & cells.usable
        cells.mark(demote, REJECTED, "row_rejected", demote_detail)
    any_bad = np.zeros(n, dtype=bool)
    for cells in all_cells:
        any_bad |= (cells.status == FLAGGED) | (cells.status == REJECTED)
    flagged_row = ~rejected_row & any_bad

    tally = FileTally(file=grid.file, sheet=sheet, sha256=sha256, layout=layout, encoding=grid.encoding,
                      header_map={f"{r.letter}: {r.header}": r.label for r in hdr.roles}, notes=[*grid.notes, *hdr.notes],
                      lines=grid.lines)
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
                "raw": _raw_texts(columns[col].arr[idx]),
                "outcome": np.where(cells.status[idx] == REJECTED, "rejected", "flagged") if outcome is None else "note",
                "reason": cells.reason[idx] if outcome is None else cells.notes[idx],
                "detail": cells.detail[idx] if outcome is None else "normalised",
            }))
    if rejected_row.any():
        idx = np.flatnonzero(rejected_row)
        column, cell, raw = _deciding_cells(row_col[idx], idx, columns, grid_rows)
        parts.append(entries_frame({"file": grid.file, "sheet": sheet, "row": row1[idx], "column": column, "cell": cell,
                                    "field": "row", "raw": raw, "outcome": "rejected", "reason": row_reason[idx],
                                    "detail": row_detail[idx]}))
    if grid.line_spans:
        parts.append(_line_span_notes(grid, grid_rows))
    parts.extend(unread_notes)
    entries = pd.concat(parts, ignore_index=True) if parts else entries_frame({})

    # ---------------------------------------------------------------- canonical rows
    row_text = row1.astype(str).astype(object)  # '7' for grid row 6
    ref_prefix = f"{grid.file}" + (f" [{sheet}]" if sheet else "") + " "

    def cell_ref(col: int, idx: np.ndarray) -> np.ndarray:
        """'file [sheet] D7' of column ``col`` at the rows ``idx`` (messages of the cross-row checks)."""
        return (ref_prefix + column_letter(col)) + row_text[idx]

    run_refs: dict[str, np.ndarray] = {}  # a run-level cell is the same for every pollutant slot of its row

    def run_ref(field: str, idx: np.ndarray) -> np.ndarray:
        if field not in run_refs:
            run_refs[field] = cell_ref(run_cells[field].role.col, np.arange(n)) if len(slots) > 1 else None
        return cell_ref(run_cells[field].role.col, idx) if run_refs[field] is None else run_refs[field][idx]

    run_reasons = np.full(n, "", dtype=object)
    for cells in run_cells.values():
        _tag(run_reasons, cells, np.ones(n, dtype=bool))
    tables = []
    src_a, ph_a, pos_a = source.to_numpy(dtype=object), phase.to_numpy(dtype=object), position.to_numpy(dtype=object)
    run_a, sam_a = run.to_numpy(dtype=object), sample.to_numpy(dtype=object)
    basis_a = basis_row.to_numpy(dtype=object)
    method_a = method.to_numpy(dtype=object) if method is not None else None
    columns_out: dict[str, list] = {}
    for vcells, pkeys, aux, ukey, units, species in slots:
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
                             np.where(_map_codes(basis, _is_standard).astype(bool), ctx.input_std_state, None))
        pol = pkeys[idx]
        as_sp = species[idx]
        reasons_own = vcells.reason[idx]
        other = np.full(n, "", dtype=object)
        for ac in aux.values():
            _tag(other, ac, keep)
        other = _join(other, run_reasons)[idx]
        allr = _join(reasons_own.copy(), other)
        status = np.full(len(idx), "accepted", dtype=object)
        status[allr != ""] = "flagged"
        t = {
            "file": None, "sheet": None, "row": row1[idx], "cell": column_letter(col) + row_text[idx],
            "source": src_a[idx], "position": pos_a[idx], "phase": ph_a[idx], "run": run_a[idx], "sample": sam_a[idx],
            "start": starts.array[idx] if starts is not None else None,
            "end": ends.array[idx] if ends is not None else None,
            "pollutant": pol, "as_species": as_sp, "value": vcells.value[idx], "censored": vcells.censored[idx],
            "lod": (np.where(aux["lod"].usable, aux["lod"].value, np.nan) if "lod" in aux else np.full(n, np.nan))[idx],
            "range": (np.where(aux["range"].usable, aux["range"].value, np.nan) if "range" in aux else np.full(n, np.nan))[idx],
            "unit": ukey[idx], "basis": basis, "std_state": std_state,
            "method": method_a[idx] if method_a is not None else None,
            "flag": flag_out[idx],
            "value_o2ref": (np.where(aux["value_o2ref"].usable, aux["value_o2ref"].value, np.nan) if "value_o2ref" in aux else np.full(n, np.nan))[idx],
            "rate_reported": (np.where(aux["rate_reported"].usable, aux["rate_reported"].value, np.nan) if "rate_reported" in aux else np.full(n, np.nan))[idx],
            "raw": _raw_texts(columns[col].arr[idx]),
            "status": status,
            "reasons": np.where(allr != "", allr, None),
        }
        for field in _RUN_FIELDS:
            if field in run_vals:
                t[field] = run_vals[field][idx]
                t[f"_cell_{field}"] = run_ref(field, idx)
        if flow_unit_key is not None:
            fl_ok = ~np.isnan(run_vals["flow"][idx])
            t["flow_unit"] = np.where(fl_ok, flow_unit_key[idx], None)
            t["flow_basis"] = np.where(fl_ok, flow_basis[idx], None)
            t["flow_std_state"] = np.where(fl_ok, flow_state[idx], None)
        t["_cell_value"] = cell_ref(col, idx)
        for k, v in t.items():
            columns_out.setdefault(k, []).append(v)
    table = _table(columns_out, grid.file, sheet)
    return ParsedSheet(table, entries, tally)


def _slot_species(vcells: _Cells, vrole: ColumnRole, units: _Units, ukind: np.ndarray, pkeys: np.ndarray,
                  as_keys: np.ndarray | None, as_for_all: bool) -> np.ndarray:
    """The reporting species of one pollutant slot's rows (:func:`verify.sources.species.resolve_species`
    from the unit, the header and the ``as`` column or default); the values it cannot accept are rejected."""
    n = len(pkeys)
    if vrole.species_error:
        vcells.mark(np.ones(n, dtype=bool), REJECTED, "unknown_reporting_species", vrole.species_error)
        return np.full(n, None, dtype=object)
    from_unit = units.attr(lambda u: u.as_species if isinstance(u, UnitInfo) else None).astype(object)
    from_header = np.full(n, vrole.species, dtype=object)
    species, code, detail = resolve_species([from_unit, from_header], pkeys, ukind == "mixing_ratio", as_keys, as_for_all)
    for c in sorted(set(code[code != ""])):
        vcells.mark(code == c, REJECTED, c, detail)
    return species


def _check_ranges(cells: _Cells, field: str, values: np.ndarray, where: np.ndarray, units: np.ndarray | None = None) -> None:
    """Reject or flag (the row's action) the cells in ``where`` outside a row of the range table
    (:mod:`verify.sources.ranges`) for ``field``; ``units``: the unit key of each cell, for the rows
    that bound one unit (the measured ``value``)."""
    for r in ranges_for(field):
        mask = where & r.outside(values)
        if units is not None:
            mask &= units == r.unit
        cells.mark(mask, REJECTED if r.action == "reject" else FLAGGED, r.reason, r.detail)


def _formula_labels(grid: SheetGrid, generic: dict[str, ColumnRole], grid_rows: np.ndarray):
    """(field, rows) of the label columns (source, phase, run, …) whose cells are formulas without
    a saved value: calamine reads them as blank, so the row would be rejected without naming why."""
    if not grid.formulas_without_value:
        return
    for field in LABEL_DEFAULTS + ("start", "end"):
        if field in generic:
            col = generic[field].col
            rows = [r for (r, c) in grid.formulas_without_value if c == col]
            if rows:
                yield field, np.isin(grid_rows, rows)


def _deciding_cells(cols: np.ndarray, idx: np.ndarray, columns: list[_Column], grid_rows: np.ndarray):
    """(column letter, cell address, raw text) of the cell that decided each rejected row, None
    where no one cell did (``cols`` -1)."""
    column = np.full(len(idx), None, dtype=object)
    cell = np.full(len(idx), None, dtype=object)
    raw = np.full(len(idx), None, dtype=object)
    for c in np.unique(cols[cols >= 0]).tolist():
        m = cols == c
        column[m] = column_letter(c)
        cell[m] = _addresses(c, grid_rows[idx[m]])
        raw[m] = _raw_texts(columns[c].arr[idx[m]])
    return column, cell, raw


def _unread_columns(roles: list[ColumnRole], columns: list[_Column], grid: SheetGrid, grid_rows: np.ndarray,
                    spec: FileSpec) -> tuple[list[_Cells], list[pd.DataFrame]]:
    """The non-blank cells of the columns no header alias names, so that every cell of a data row is
    read, rejected or noted (issue 17). Under a header whose unit the unit table knows
    (``乙酸乙酯(mg/m³)``), a column holding a number or non-detect is a quantity nobody declared:
    each of its non-blank cells is a rejected value (``unknown_column``). Every other non-blank cell,
    and a formula without a saved value, is noted (``column_not_read``)."""
    rejected: list[_Cells] = []
    notes: list[pd.DataFrame] = []
    for role in roles:
        if role.field is not None:
            continue
        column = columns[role.col]
        formula = np.isin(grid_rows, [r for (r, c) in grid.formulas_without_value if c == role.col])
        present = ~column.blank | formula
        if not present.any():
            continue
        if role.unit is not None:
            nf = parse_number_array(column.arr, decimal=spec.decimal, thousands=spec.thousands, types=column.types, text=column.text)
            if np.isin(nf["kind"], ["number", "nondetect"]).any():
                cells = _Cells(role, nf, "unknown_column")
                cells.status = np.where(present, REJECTED, BLANK).astype(np.int8)
                cells.reason = np.where(present, "unknown_column", "").astype(object)
                cells.detail = np.full(len(present), f"header {role.header!r} has a unit ({role.unit_text}) but names no known "
                                       "pollutant or quantity: declare it with [[pollutant]] in case.toml, or map it with "
                                       "[[file]] columns", dtype=object)
                cells.notes = np.full(len(present), "", dtype=object)
                rejected.append(cells)
                continue
        idx = np.flatnonzero(present)
        notes.append(entries_frame({
            "file": grid.file, "sheet": grid.sheet, "row": grid_rows[idx] + 1, "column": role.letter,
            "cell": _addresses(role.col, grid_rows[idx]), "field": "unknown_column", "raw": _raw_texts(column.arr[idx]),
            "outcome": "note", "reason": "column_not_read",
            "detail": f"column {role.header!r} is not a known header: not read (map it with [[file]] columns if it matters)",
        }))
    return rejected, notes


def _line_span_notes(grid: SheetGrid, grid_rows: np.ndarray) -> pd.DataFrame:
    """Ledger notes for the data rows of a CSV file that span several physical lines (a quoted cell
    with a line break): read as one row, with their line span, so that a merge of records shows."""
    multi = np.array(sorted(grid.line_spans), dtype=np.int64)
    idx = grid_rows[np.isin(grid_rows, multi)]
    spans = [grid.line_spans[r] for r in idx.tolist()]
    return entries_frame({
        "file": grid.file, "sheet": grid.sheet, "row": idx + 1, "column": None, "cell": None, "field": "row", "raw": None,
        "outcome": "note", "reason": "multiline_record",
        "detail": np.array([f"one record over lines {a}–{b} (a quoted cell with a line break)" for a, b in spans], dtype=object),
    })


def _is_standard(basis: object) -> bool:
    return isinstance(basis, str) and basis.startswith("standard")


def _arrow_text_column(pieces: list) -> pd.Series | None:
    """Object arrays of ``str`` and missing values, one per pollutant slot, as one canonical
    ``"string"`` column (Arrow chunks, no concatenation of object arrays, no conversion left
    for ``conform``); ``None`` when a piece holds anything else (the caller keeps the objects)."""
    if not all(isinstance(p, np.ndarray) and p.dtype == object for p in pieces):
        return None
    try:
        chunks = [arrow_text_array(p) for p in pieces]
    except (pa.ArrowInvalid, pa.ArrowTypeError):
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
        elif isinstance(pieces[0], np.ndarray):
            text = _arrow_text_column(pieces) if k in TEXT_COLUMNS else None
            if text is not None:  # already what conform() makes of it
                data[k] = text
                continue
            arr = np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
            data[k] = pd.Series(arr, dtype=object, copy=False) if arr.dtype == object else arr
        else:  # tz-aware DatetimeArray
            data[k] = pd.concat([pd.Series(p) for p in pieces], ignore_index=True) if len(pieces) > 1 else pd.Series(pieces[0])
    return pd.DataFrame(data, index=pd.RangeIndex(n), copy=False)


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
    """:func:`_raw_text` of every cell; Python floats (``str(x) == repr(x)``) and text column-wise."""
    if len(values) and pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return values
    types = np.fromiter(map(type, values), dtype=object, count=len(values))
    out = np.empty(len(values), dtype=object)
    is_float = types == float
    if is_float.any():
        # a logger repeats few distinct readings: repr once per distinct bit pattern (so -0.0 stays '-0.0')
        floats = values[is_float].astype(np.float64)
        codes, uniques = pd.factorize(floats.view(np.int64))
        texts = np.array([float.__repr__(x) for x in np.asarray(uniques, dtype=np.int64).view(np.float64).tolist()], dtype=object)
        out[is_float] = texts[codes]
    is_str = types == str
    out[is_str] = values[is_str]
    rest = np.flatnonzero(~(is_float | is_str))
    if len(rest):
        out[rest] = [_raw_text(v) for v in values[rest]]
    return out


def _map_codes(values: np.ndarray, fn) -> np.ndarray:
    """``fn`` over an object array, called once per distinct value (missing values → ``fn(None)``)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=object)
    for i, u in enumerate(uniques):
        table[i] = fn(u)
    table[-1] = fn(None)
    return table[codes]


def _raw_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    return str(value)
