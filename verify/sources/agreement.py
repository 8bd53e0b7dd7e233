"""Step 5 of the intake, across the rows of all files: run-level agreement and duplicate measurements.

* :func:`run_level`: run-level quantities (:data:`verify.sources.canonical.RUN_LEVEL`: flow with
  its unit, basis and state, O2, moisture, temperature, pressure, load) agree within
  (source, position, phase, run) — else :class:`InputError` naming both cells — and are repeated on
  every row of their run. Continuous readings (no ``run``) are their own run: the key then includes
  ``start``.
* :func:`check_duplicates`: no measurement appears twice (same source, position, phase, run,
  sample, pollutant, start) — else :class:`InputError` naming both cells; never last-wins.
* :func:`cross_checks`: both on a compact canonical table (chunked intake, verify.sources.chunked).

Column-wise: the rows are grouped by integer codes of the key columns once, and each field's
per-run minimum, maximum and first value come from ``reduceat`` over that order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from verify.errors import InputError, Location
from verify.i18n import N_
from verify.sources.canonical import CANONICAL_COLUMNS, MEASUREMENT_KEY, RUN_KEY, RUN_LEVEL, RUN_LEVEL_NUMBERS

#: Relative tolerance for "the same run-level number" written twice (text → float is exact for
#: equal text; this only absorbs binary noise of values computed by a spreadsheet).
RUN_LEVEL_RTOL = 1e-9
#: The texts that follow the flow within a run (its unit, basis and state).
FLOW_TEXTS = tuple(c for c in RUN_LEVEL if c.startswith("flow_"))


def cross_checks(table: pd.DataFrame, letters: dict) -> pd.DataFrame:
    """:func:`check_duplicates` and :func:`run_level` on a compact canonical table: they run on
    the key and run-level columns only, with placeholder cell addresses; only when they raise are
    the real addresses rebuilt (verify.sources.chunked.cell_columns) and the check repeated, so
    the message is the one the whole-file path gives."""
    from verify.sources.chunked import cell_columns

    cols = list(dict.fromkeys(("file", "sheet", "row", "cell", *MEASUREMENT_KEY, *RUN_LEVEL)))
    sub = table[cols]
    fields = sorted({f for part in letters.values() for f in part})
    placeholder = pd.Categorical.from_codes(np.zeros(len(sub), dtype=np.int8), categories=["?"])
    keys = sub.assign(**{f"_cell_{f}": placeholder for f in ("value", *fields)})
    try:
        checked = run_level(check_duplicates(keys))
    except InputError:
        full = sub.assign(**cell_columns(sub, letters))
        run_level(check_duplicates(full))  # raises with the cell addresses
        raise
    filled = {}
    for c in RUN_LEVEL:
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


def check_duplicates(table: pd.DataFrame) -> pd.DataFrame:
    """InputError naming both cells when a measurement key occurs twice (docs/reliability.md#bad-inputs row 19)."""
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
            N_("duplicate measurement ({what}) in {cell} and {other}: remove one (never last-wins)", what=what,
               cell=a["_cell_value"], other=b["_cell_value"]),
            Location(file=str(b["file"]), sheet=None if pd.isna(b["sheet"]) else str(b["sheet"]), row=int(b["row"]), column=str(b["cell"]).rstrip("0123456789")),
        )
    return table


def run_level(table: pd.DataFrame) -> pd.DataFrame:
    """Check that run-level numbers agree within a run, then repeat them on every row of the run
    (module docstring)."""
    keys = _key_frame(table, (*RUN_KEY, "start"))
    keys.loc[table["run"].notna().to_numpy(), "start"] = -1
    group = _group_codes(keys)
    n_groups = int(group.max()) + 1 if len(group) else 0
    order = np.argsort(group, kind="stable")
    g_sorted = group[order]
    starts = np.flatnonzero(np.r_[True, g_sorted[1:] != g_sorted[:-1]]) if len(group) else np.zeros(0, dtype=np.int64)
    table = table.copy(deep=False)
    for field in RUN_LEVEL_NUMBERS:
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
            extra_cols = [c for c in FLOW_TEXTS if c in table]
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
                N_("{field} disagrees within one run ({run}): {value:g} in {cell} and {other_value:g} in {other}",
                   field=field, run=run_desc, value=vals[first], cell=a[f"_cell_{field}"], other_value=vals[other],
                   other=b[f"_cell_{field}"]),
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
