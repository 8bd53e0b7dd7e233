"""TEST-ONLY frozen copies of ``_key_frame``, ``_check_duplicates``, ``_run_level`` (verify/sources/__init__.py)
and ``conform`` (verify/sources/canonical.py) at commit 36686a1, the reference of
tests/sources/test_parse_grid_equivalence.py."""

from __future__ import annotations

import numpy as np
import pandas as pd

from verify.errors import InputError, Location
from verify.sources.canonical import CANONICAL_COLUMNS, MEASUREMENT_KEY, RUN_KEY

RUN_LEVEL_RTOL = 1e-9


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
    """InputError naming both cells when a measurement key occurs twice (docs/reliability.md#bad-inputs row 19)."""
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
            out[name] = frame[name].astype(dtype) if str(frame[name].dtype) != dtype else frame[name]
        else:
            default = False if dtype == "bool" else None
            out[name] = pd.Series([default] * n, index=frame.index, dtype=dtype)
    return pd.DataFrame(out, index=frame.index)
