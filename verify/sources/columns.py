"""Whole grid columns and the state of their cells: what every step of the intake works on.

* :class:`GridColumn`: one column of a grid's data rows as an object array, with its cell types,
  blank mask and (for long all-text columns) its Arrow text, each computed once.
* :class:`CellStates`: the status (blank, accepted, flagged, rejected), reason codes and details of
  the cells of one quantity column; steps raise cells with :meth:`CellStates.mark`, never lower them.
* :class:`RowVerdicts`: the rejection reason of each data row (the first reason wins) and the cell
  that decided it.
* Column-wise helpers: a function over the distinct values of a column (:func:`map_distinct`,
  :func:`map_codes`), spreadsheet addresses, raw cell texts, '; '-joined reason strings.

Everything is computed column-wise (NumPy, pandas' C factorisation or Arrow compute); only unusual
cells take a per-cell path. Below :data:`verify.sources.cells.SMALL` rows a Python loop is used,
which is faster than setting up Arrow arrays.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from verify.sources.cells import SMALL, arrow_text, cell_types
from verify.sources.grid import column_letter
from verify.sources.headers import ColumnRole, cell_text

ACCEPTED, FLAGGED, REJECTED, BLANK = 0, 1, 2, -1


class CellStates:
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

    def recode(self, mask: np.ndarray, old: str, new: str) -> None:
        """Replace reason ``old`` by the more specific ``new`` (its first occurrence) in the cells of ``mask``."""
        if mask.any():
            self.reason[mask] = np.array([r.replace(old, new, 1) for r in self.reason[mask]], dtype=object)

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

    @property
    def not_accepted(self) -> np.ndarray:
        return (self.status == FLAGGED) | (self.status == REJECTED)

    def usable_values(self) -> np.ndarray:
        """The values of the usable cells, NaN elsewhere."""
        return np.where(self.usable, self.value, np.nan)


class RowVerdicts:
    """Why each data row is rejected ("" = not rejected): the first reason given wins."""

    def __init__(self, n: int):
        self.reason = np.full(n, "", dtype=object)
        self.detail = np.full(n, "", dtype=object)
        self.col = np.full(n, -1, dtype=np.int64)  # the cell that decided a row's rejection (-1: none)

    def reject(self, mask: np.ndarray, code: str, detail: str | np.ndarray = "", col: int | None = None) -> None:
        mask = mask & (self.reason == "")
        self.reason[mask] = code
        self.detail[mask] = detail[mask] if isinstance(detail, np.ndarray) else detail
        if col is not None:
            self.col[mask] = col

    @property
    def rejected(self) -> np.ndarray:
        return self.reason != ""


class CodedLabels:
    """A label column as one code per row into its distinct cleaned texts (None: blank): every
    function of a label is computed once per distinct text and spread by the codes."""

    def __init__(self, codes: np.ndarray, uniques: list):
        self.codes, self.uniques = codes, uniques

    @classmethod
    def constant(cls, n: int, text: object) -> "CodedLabels":
        return cls(np.zeros(n, dtype=np.intp), [text])

    @classmethod
    def of_column(cls, column: "GridColumn") -> "CodedLabels":
        """The cleaned label texts (:func:`label_text`) of a grid column, once per distinct cell."""
        if column.text is not None:  # a long all-text column: Arrow's dictionary encoding
            encoded = pc.dictionary_encode(column.text)
            uniques = [label_text(u) for u in encoded.dictionary.to_pylist()]
            return cls(encoded.indices.to_numpy(zero_copy_only=False).astype(np.intp), uniques)
        texts = map_distinct(pd.Series(column.arr, dtype=object), label_text).to_numpy(dtype=object)
        codes, uniq = pd.factorize(texts, use_na_sentinel=True)
        return cls(np.where(codes < 0, len(uniq), codes).astype(np.intp), [*uniq, None])

    def map(self, fn) -> np.ndarray:
        """``fn`` of each row's text (an object array), called once per distinct text."""
        table = np.empty(len(self.uniques), dtype=object)
        for i, u in enumerate(self.uniques):
            table[i] = fn(u)
        return table[self.codes]

    def values(self) -> np.ndarray:
        return self.map(lambda u: u)

    def where(self, predicate, rows: np.ndarray | None = None) -> list:
        """The distinct texts for which ``predicate(text)`` holds, among the rows ``rows`` (a mask) if given."""
        present = np.ones(len(self.uniques), dtype=bool) if rows is None else \
            np.bincount(self.codes[rows], minlength=len(self.uniques)) > 0
        return [u for i, u in enumerate(self.uniques) if present[i] and predicate(u)]

    def rows_with(self, texts) -> np.ndarray:
        """Mask of the rows whose text is one of ``texts``."""
        hit = np.array([u in texts for u in self.uniques], dtype=bool)
        return hit[self.codes]


def label_text(value: object) -> object:
    """A label cell → cleaned text, or None when blank."""
    if value is None:
        return None
    t = cell_text(value)
    return t or None


def _hashable(v: object) -> bool:
    try:
        hash(v)
        return True
    except TypeError:
        return False


def map_distinct(series: pd.Series, fn, text: pa.Array | None = None) -> pd.Series:
    """``fn`` over an object column, memoised per distinct cell; keeps ``None`` as ``None``
    (``Series.map`` may infer a string dtype and turn ``None`` into NaN). ``text``: the column in
    Arrow when every cell is text (:attr:`GridColumn.text`), dictionary-encoded there."""
    if text is not None and len(text) == len(series):
        encoded = pc.dictionary_encode(text)
        mapped = np.empty(len(encoded.dictionary), dtype=object)
        for i, u in enumerate(encoded.dictionary.to_pylist()):
            mapped[i] = fn(u)
        return pd.Series(mapped[encoded.indices.to_numpy(zero_copy_only=False)], index=series.index, dtype=object)
    arr = series.to_numpy(dtype=object)
    if len(arr) and pd.api.types.infer_dtype(arr, skipna=True) in ("string", "empty"):
        return pd.Series(map_codes(arr, fn), index=series.index, dtype=object)  # factorised in C
    cache: dict = {}
    out = np.empty(len(arr), dtype=object)
    for i, v in enumerate(arr):
        if _hashable(v):
            key = (type(v), v)
            if key not in cache:
                cache[key] = fn(v)
            out[i] = cache[key]
        else:
            out[i] = fn(v)
    return pd.Series(out, index=series.index, dtype=object)


def map_codes(values: np.ndarray, fn) -> np.ndarray:
    """``fn`` over an object array, called once per distinct value (missing values → ``fn(None)``)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.empty(len(uniques) + 1, dtype=object)
    for i, u in enumerate(uniques):
        table[i] = fn(u)
    table[-1] = fn(None)
    return table[codes]


def _is_blank_cell(v: object) -> bool:
    return v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip())


def _blank_strings(strs: np.ndarray | None, text: pa.Array | None = None) -> np.ndarray:
    """Whitespace-only test of an array of ``str`` (Arrow's trim for long arrays: it strips exactly the
    characters ``str.strip`` does, checked over all of Unicode); ``text``: ``strs`` in Arrow, if at hand
    (``strs`` may then be None)."""
    if len(text if strs is None else strs) > SMALL:
        text = arrow_text(strs) if text is None else text
        return pc.equal(pc.utf8_trim_whitespace(text), "").to_numpy(zero_copy_only=False)
    return np.fromiter((not v.strip() for v in strs), dtype=bool, count=len(strs))


#: Cell types whose blank test is known without looking at the value (besides str, float, None).
_NEVER_BLANK_TYPES = (int, bool, dt.datetime, dt.date, dt.time, dt.timedelta)
#: ``infer_dtype`` kinds (skipna=False) of columns with no text cell: only None/NaN can be blank there.
_NO_TEXT_KINDS = frozenset({"floating", "integer", "boolean", "datetime", "date", "time", "timedelta", "mixed-integer-float"})


def blank_array(arr: np.ndarray, types: tuple[str, np.ndarray | None], text: pa.Array | None = None) -> np.ndarray:
    """Whether each cell of ``arr`` is blank (None, NaN or whitespace-only text), column-wise;
    ``types`` from :func:`verify.sources.cells.cell_types`."""
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


class GridColumn:
    """One grid column as an object array, with its cell types and blank mask computed once.
    A column read into Arrow (the CSV fast path) keeps its Arrow text; its object array is made only
    when a step asks for it."""

    def __init__(self, arr: np.ndarray | None, arrow: pa.Array | None = None):
        self._arr = arr
        self._arrow = arrow  # all-text column as read (CSV fast path), any length
        self._types: tuple[str, np.ndarray | None] | None = None
        self._blank: np.ndarray | None = None
        self._text: pa.Array | None = None

    @classmethod
    def from_arrow(cls, text: pa.Array) -> "GridColumn":
        """A column of text cells read into Arrow (the CSV fast path): no conversion back and forth."""
        out = cls(None, text)
        out._types = ("string", None) if len(text) else ("empty", None)
        if len(text) > SMALL:
            out._text = text
        return out

    @property
    def arr(self) -> np.ndarray:
        if self._arr is None:
            self._arr = self._arrow.to_numpy(zero_copy_only=False)
        return self._arr

    def __len__(self) -> int:
        return len(self._arrow) if self._arr is None else len(self._arr)

    @property
    def text(self) -> pa.Array | None:
        """The column in Arrow when every cell is text and it is long enough to be worth it."""
        if self._text is None and self.types[0] == "string" and len(self) > SMALL:
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
            if self.types[0] == "string" and self.text is not None:
                self._blank = _blank_strings(None, self.text)
            else:
                self._blank = blank_array(self.arr, self.types, self.text)
        return self._blank

    def raw_at(self, idx: np.ndarray) -> np.ndarray | pa.Array:
        """The raw texts of the cells at ``idx`` (:func:`raw_texts`), in Arrow for a column read into Arrow."""
        if self._arrow is not None:
            return self._arrow.take(pa.array(idx))
        return raw_texts(self.arr[idx])

    def take(self, mask: np.ndarray) -> "GridColumn":
        if self._arr is None:
            out = GridColumn(None, self._arrow.filter(pa.array(mask)))
        else:
            out = GridColumn(self._arr[mask])
        if self._types is not None:
            kind, tarr = self._types
            out._types = (kind, None) if kind == "string" else cell_types(out.arr)
        if self._text is not None and len(out) > SMALL:
            out._text = self._text.filter(pa.array(mask)) if self._arrow is None else out._arrow
        if self._blank is not None:
            out._blank = self._blank[mask]
        return out


def addresses(col: int, rows0: np.ndarray, prefix: str = "") -> np.ndarray:
    """Spreadsheet addresses of ``col`` at 0-based ``rows0`` (vectorised), e.g. 'D7'."""
    head = prefix + column_letter(col)
    if len(rows0) <= SMALL:
        out = np.empty(len(rows0), dtype=object)
        out[:] = [f"{head}{r + 1}" for r in rows0.tolist()]
        return out
    return (head + pd.Series(rows0 + 1, dtype="int64").astype(str)).to_numpy(dtype=object)


class UnitCodes(CodedLabels):
    """Per-row unit meanings (:class:`~verify.sources.aliases.UnitInfo` or the message why a text
    names none) stored as codes into a short list: one lookup per distinct text."""

    @classmethod
    def from_labels(cls, labels: CodedLabels, lookup) -> "UnitCodes":
        return cls(labels.codes, [lookup(u) for u in labels.uniques])

    def attr(self, fn) -> np.ndarray:
        """``fn`` of each row's unit meaning, called once per distinct meaning."""
        return self.map(fn)


def tag_reasons(target: np.ndarray, cells: CellStates, where: np.ndarray) -> None:
    """Append 'field:reason' of the non-accepted cells (in ``where``) to ``target`` in place."""
    bad = where & cells.not_accepted
    if bad.any():
        tag = cells.field + ":" + cells.reason[bad]
        old = target[bad]
        target[bad] = np.where(old == "", tag, old + "; " + tag)


def join_reasons(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Element-wise '; '-join of two object arrays of reason strings ("" = none)."""
    out = a.copy()
    m = b != ""
    if m.any():
        out[m] = np.where(a[m] == "", b[m], a[m] + "; " + b[m])
    return out


def raw_texts(values: np.ndarray) -> np.ndarray:
    """:func:`raw_text` of every cell; Python floats (``str(x) == repr(x)``) and text column-wise."""
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
        out[rest] = [raw_text(v) for v in values[rest]]
    return out


def raw_text(value: object) -> str | None:
    """A cell as the ledger shows it: text as read, numbers by ``repr``/``str``, None when empty."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return repr(value)
    return str(value)
