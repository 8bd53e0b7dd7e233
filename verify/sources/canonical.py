"""The canonical measurement table: what every reader produces, whatever the file looked like.

One row per measured pollutant value (long form). Run-level quantities (flow, O2, moisture, gas
state, load) are repeated on every row of their run. This module is the contract between
``verify.sources`` and ``verify.measure``; see docs/architecture.md.

Units are *canonical unit keys* (see ``verify/sources/data/unit_aliases.csv``): raw unit text from
a file never reaches pint. Reference state travels beside the unit:

* ``basis``: ``standard-dry`` | ``standard-wet`` | ``actual-wet`` — how the value was measured;
* ``std_state``: ``normal`` (273.15 K, 101.325 kPa: Nm3, m3N, 标m3, CN/JP) or ``epa``
  (293.15 K, 101.325 kPa: dscm, scm) — which standard state a ``standard-*`` basis refers to.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

#: column name → (pandas dtype, meaning, roles). Order is the order of the table. Roles:
#: ``label`` — a text column a file may leave out and ``[[file]] defaults`` fill (``as_species`` is
#: ``as`` in a file, verify.sources.headers.FILE_COLUMNS); ``run`` — a run-level quantity, the same on
#: every row of its run (verify.sources.agreement).
CANONICAL_COLUMNS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    # where the value came from
    "file": ("string", "file path relative to the case folder", ()),
    "sheet": ("string", "sheet name for workbooks, <NA> for CSV", ()),
    "row": ("int64", "1-based row of the value in the file/sheet", ()),
    "cell": ("string", "spreadsheet-style address of the value cell, e.g. 'D7' (CSV too)", ()),
    # identity of the measurement
    "source": ("string", "source id from case.toml (aliases resolved)", ("label",)),
    "position": ("string", "inlet | outlet | <NA>", ("label",)),
    "phase": ("string", "before | after", ("label",)),
    "run": ("string", "run id within source, position and phase (for continuous data: <NA>)", ("label",)),
    "sample": ("string", "sub-sample within a run, <NA> if none", ("label",)),
    "start": ("datetime64[ns, UTC]", "sampling start (timestamps without offset are local to the case timezone)", ()),
    "end": ("datetime64[ns, UTC]", "sampling end", ()),
    "pollutant": ("string", "canonical pollutant key (verify/sources/data/pollutants.csv)", ("label",)),
    "as_species": ("string", "basis of the concentration: C, NO2, CH4, propane, … or <NA>", ("label",)),
    # the value
    "value": ("float64", "the measured value as written (for a non-detect: the detection limit, or <NA>)", ()),
    "censored": ("bool", "True for a non-detect (<0.5, ND, 未检出); value then holds the limit", ()),
    "lod": ("float64", "detection limit in `unit`", ()),
    "range": ("float64", "instrument upper range in `unit`", ()),
    "unit": ("string", "canonical unit key of value/lod/range: mg/m3, ug/m3, ppmv, ppbv, ppmC, …", ("label",)),
    "basis": ("string", "standard-dry | standard-wet | actual-wet", ("label",)),
    "std_state": ("string", "normal (273.15 K) | epa (293.15 K), for standard-* bases", ()),
    "method": ("string", "measurement method as written, e.g. HJ 38-2017", ("label",)),
    "flag": ("string", "HJ 212-2017 data flag of continuous monitoring (N, T, F, M, S, D, C, B) or <NA>", ("label",)),
    # run-level quantities
    "o2_pct": ("float64", "measured O2, % by volume, dry", ("run",)),
    "h2o_pct": ("float64", "moisture, % by volume", ("run",)),
    "temp_c": ("float64", "gas temperature at the sampling point, °C", ("run",)),
    "pressure_kpa": ("float64", "absolute gas pressure at the sampling point, kPa", ("run",)),
    "flow": ("float64", "gas flow in `flow_unit`", ("run",)),
    "flow_unit": ("string", "canonical flow unit key: m3/h, m3/min, m3/s", ("label", "run")),
    "flow_basis": ("string", "standard-dry | standard-wet | actual-wet", ("run",)),
    "flow_std_state": ("string", "normal | epa, for standard-* flow bases", ("run",)),
    "load_pct": ("float64", "production load, % of design capacity", ("run",)),
    # cross-checks only, never inputs
    "value_o2ref": ("float64", "O2-corrected concentration as the lab reported it, in `unit`", ()),
    "rate_reported": ("float64", "emission rate as the lab reported it, in kg/h", ()),
    # audit trail
    "raw": ("string", "the value cell's text exactly as read", ()),
    "status": ("string", "accepted | flagged", ()),
    "reasons": ("string", "'; '-joined reason codes for a flagged row, <NA> otherwise", ()),
}

#: The canonical text columns (dtype ``"string"``).
TEXT_COLUMNS = frozenset(name for name, (dtype, *_) in CANONICAL_COLUMNS.items() if dtype == "string")
#: The run-level columns (role ``run``), and those of them that are numbers read from a file.
RUN_LEVEL = tuple(name for name, (_, _, roles) in CANONICAL_COLUMNS.items() if "run" in roles)
RUN_LEVEL_NUMBERS = tuple(name for name in RUN_LEVEL if CANONICAL_COLUMNS[name][0] == "float64")
#: The label columns that ``[[file]] defaults`` may fill, by their name in a file (``as``, not ``as_species``).
LABEL_FIELDS = tuple("as" if name == "as_species" else name for name, (_, _, roles) in CANONICAL_COLUMNS.items() if "label" in roles)
RUN_KEY = ("source", "position", "phase", "run")
MEASUREMENT_KEY = ("source", "position", "phase", "run", "sample", "pollutant", "start")


def empty_canonical() -> pd.DataFrame:
    """An empty table with the canonical columns and dtypes."""
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, (dtype, *_) in CANONICAL_COLUMNS.items()})


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with exactly the canonical columns, in order and with their dtypes.

    Missing columns are added empty; unknown columns are an error (a programming mistake).
    """
    unknown = set(frame.columns) - set(CANONICAL_COLUMNS)
    if unknown:
        raise ValueError(f"not canonical columns: {sorted(unknown)}")
    out = {}
    n = len(frame)
    for name, (dtype, *_) in CANONICAL_COLUMNS.items():
        if name in frame.columns:
            out[name] = _as_dtype(frame[name], dtype) if str(frame[name].dtype) != dtype else frame[name]
        else:
            default = False if dtype == "bool" else None
            out[name] = pd.Series([default] * n, index=frame.index, dtype=dtype)
    return pd.DataFrame(out, index=frame.index, copy=False)


def _as_dtype(col: pd.Series, dtype: str) -> pd.Series:
    """``col.astype(dtype)``, with shortcuts that give the same values and dtype faster: an object
    column of text and missing values straight into Arrow (``"string"``, :func:`arrow_text_array`),
    and an object column with nothing in it (``None``/NaN only) for the time stamps."""
    if col.dtype == object and dtype in ("string", "datetime64[ns, UTC]"):
        arr = col.to_numpy(dtype=object)
        kind = pd.api.types.infer_dtype(arr, skipna=True)
        if dtype == "string" and kind in ("string", "empty"):
            try:
                text = arrow_text_array(arr)
            except (pa.ArrowInvalid, pa.ArrowTypeError):  # e.g. pd.NA cells: pandas' own path
                return col.astype(dtype)
            return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([text])), index=col.index, name=col.name, copy=False)
        if dtype == "datetime64[ns, UTC]" and kind == "empty" and pd.isna(arr).all():
            empty = np.full(len(arr), np.datetime64("NaT"), dtype="datetime64[ns]")
            return pd.Series(empty, index=col.index, name=col.name, copy=False).dt.tz_localize("UTC")
    return col.astype(dtype)


def arrow_text_array(values: np.ndarray) -> pa.Array:
    """An object array of ``str`` and missing values (``None``/NaN) as an Arrow ``large_string``
    array: the values of ``astype("string")``. Raises ``pa.ArrowInvalid``/``pa.ArrowTypeError``
    for anything else (the caller then takes pandas' own path).

    A canonical text column often holds one value on every row (a pollutant slot's pollutant, unit
    and basis, a file-wide method, no flag): such an array is built from the one text's bytes
    (~1 ms for 190,000 rows) instead of converting cell by cell (~14 ms)."""
    n = len(values)
    first = values[0] if n else None
    if first is None and n and _all_equal(values, None):
        return pa.nulls(n, type=pa.large_string())
    if isinstance(first, str) and _all_equal(values, first):
        encoded = first.encode("utf-8")
        offsets = np.arange(n + 1, dtype=np.int64) * len(encoded)
        return pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(encoded * n))
    return pa.array(values, type=pa.large_string(), from_pandas=True)


def _all_equal(values: np.ndarray, value: object) -> bool:
    """Every cell of an object array equals ``value`` (a prefix first, so a mixed column stops
    early); ``False`` when a comparison has no truth value (``pd.NA``)."""
    try:
        return bool((values[:64] == value).all()) and bool((values == value).all())
    except TypeError:
        return False
