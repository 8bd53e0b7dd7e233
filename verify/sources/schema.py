"""A pandera schema of the canonical table, derived from its one declaration (issue 19 item 4).

:func:`canonical_schema` builds, from :data:`verify.sources.canonical.CANONICAL_COLUMNS`, the
``labels.csv`` canonical labels and the range table ``data/ranges.csv``:

* every canonical column, in order, with its dtype (nothing more, nothing less);
* enums: ``phase`` (before, after), ``position`` (inlet, outlet), ``basis`` and ``flow_basis``
  (the canonical bases of ``labels.csv``), ``std_state`` and ``flow_std_state`` (normal, epa),
  ``status`` (accepted, flagged); missing where the column may be missing;
* ranges: each ``reject`` row of the range table for its quantity (o2_pct, h2o_pct, temp_c,
  pressure_kpa, flow, load_pct, lod, range, value_o2ref, rate_reported, and ``value`` per unit key);
  ``row`` ≥ 1; a censored value's ``value`` is its limit (or missing).

It checks what the intake promises, so a failure is a bug of the intake, never of the input. It runs
in the tests (tests/sources/test_schema.py) and, with ``--debug``, on every canonical table
:func:`verify.sources.read_inputs` returns (:func:`enable`); pandera is imported only then, so its
import never counts against the normal run.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

from verify.sources.canonical import CANONICAL_COLUMNS

#: Standard states of a ``standard-*`` basis (verify.sources.canonical: normal 273.15 K, epa 293.15 K).
STD_STATES = ("normal", "epa")
STATUSES = ("accepted", "flagged")
_enabled = False


def enable(on: bool = True) -> None:
    """Check every canonical table the intake returns from now on (the CLI's ``--debug``)."""
    global _enabled
    _enabled = on


def enabled() -> bool:
    return _enabled


def _enums() -> dict[str, tuple[str, ...]]:
    from verify.sources.aliases import labels

    bases = tuple(sorted(set(labels("basis").values())))
    return {"phase": tuple(sorted(set(labels("phase").values()))), "position": tuple(sorted(set(labels("position").values()))),
            "basis": bases, "flow_basis": bases, "std_state": STD_STATES, "flow_std_state": STD_STATES, "status": STATUSES}


def _range_checks(pa, quantity: str) -> list:
    """One pandera check per ``reject`` row of the range table for a quantity without a unit."""
    from verify.sources.ranges import ranges_for

    checks = []
    for r in ranges_for(quantity):
        if r.action != "reject" or r.unit not in ("", "%", "degC", "kPa"):
            continue
        checks.append(pa.Check(lambda s, r=r: pd.Series(~r.outside(s.to_numpy(dtype=float)), index=s.index),
                               error=f"{quantity}: {r.reason} ({r.detail})", ignore_na=True))
    return checks


def _value_within_unit_bounds(frame: pd.DataFrame) -> pd.Series:
    """The measured ``value`` inside every ``reject`` row of its unit key."""
    from verify.sources.ranges import ranges_for

    ok = np.ones(len(frame), dtype=bool)
    unit = frame["unit"].to_numpy(dtype=object)
    for r in ranges_for("value"):
        if r.action == "reject":
            ok &= ~((unit == r.unit) & r.outside(frame["value"].to_numpy(dtype=float)))
    return pd.Series(ok, index=frame.index)


def _censored_value_is_its_limit(frame: pd.DataFrame) -> pd.Series:
    """A non-detect's value is positive (its limit) or missing, except a negative value kept
    unclipped below the lod (plausibility.value_rules)."""
    value = frame["value"].to_numpy(dtype=float)
    negative_below_lod = frame["reasons"].fillna("").str.contains("negative_below_lod", regex=False).to_numpy(dtype=bool)
    with np.errstate(invalid="ignore"):
        bad = frame["censored"].to_numpy(dtype=bool) & (value <= 0) & ~negative_below_lod
    return pd.Series(~bad, index=frame.index)


@functools.cache
def canonical_schema():
    """The pandera ``DataFrameSchema`` of the canonical table (module docstring)."""
    import pandera.pandas as pa

    enums = _enums()
    columns = {}
    for name, (dtype, meaning, _roles) in CANONICAL_COLUMNS.items():
        checks = []
        if name in enums:
            checks.append(pa.Check.isin(enums[name]))
        checks += _range_checks(pa, name)
        if name == "row":
            checks.append(pa.Check.ge(1))
        nullable = name not in ("file", "row", "cell", "source", "phase", "pollutant", "censored", "unit", "basis", "raw", "status")
        columns[name] = pa.Column(dtype, checks=checks, nullable=nullable, description=meaning)
    return pa.DataFrameSchema(
        columns, strict=True, ordered=True, coerce=False,
        checks=[pa.Check(_value_within_unit_bounds, error="value outside the range table for its unit"),
                pa.Check(_censored_value_is_its_limit, error="a censored value that is neither its limit nor missing")],
    )


def validate(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` checked against :func:`canonical_schema` (all failures at once: pandera's
    ``SchemaErrors``, an internal error)."""
    return canonical_schema().validate(table, lazy=True)
