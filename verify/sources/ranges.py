"""The one table of possible and plausible ranges (``data/ranges.csv``), each row with its source.

A row bounds one quantity — a run-level field (``o2_pct``, ``h2o_pct``, ``temp_c``, ``pressure_kpa``,
``flow``, ``load_pct``) or the measured ``value`` in one canonical unit key — by ``lower`` and/or
``upper`` (blank = none; ``*_inclusive`` says whether the bound itself is allowed). ``action`` is
``reject`` for the physically impossible (the value is not used; docs/reliability.md, bad inputs 14–18) and
``flag`` for the implausible (kept, flagged with ``reason``). The intake applies every row to every
cell of its quantity (:func:`Range.outside`, verify.sources.plausibility); the conversions of
verify.measure take the domain of their formulas from the same rows (:func:`impossible`); nothing
else in the package holds a bound of its own. The per-value columns are bounded too: a detection
limit and an instrument range above zero, a lab-reported O2-corrected value or emission rate not
below zero.

Concentrations: a mixing ratio above the pure gas (10⁶ ppmv) and a mass concentration above 20 kg/m³
(denser than any pure gas at 0 °C and 101.325 kPa) are impossible. ``ppmC`` has no upper row: a
carbon mixing ratio of a mixture of unknown carbon numbers has no bound to state.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from importlib import resources

import numpy as np

ACTIONS = ("reject", "flag")


@dataclass(frozen=True)
class Range:
    quantity: str
    unit: str
    lower: float | None
    lower_inclusive: bool
    upper: float | None
    upper_inclusive: bool
    action: str
    reason: str
    detail: str
    source: str

    def outside(self, values: np.ndarray) -> np.ndarray:
        """True where a value lies outside the range (NaN is never outside)."""
        v = np.asarray(values, dtype=float)
        out = np.zeros(v.shape, dtype=bool)
        with np.errstate(invalid="ignore"):
            if self.lower is not None:
                out |= (v < self.lower) if self.lower_inclusive else (v <= self.lower)
            if self.upper is not None:
                out |= (v > self.upper) if self.upper_inclusive else (v >= self.upper)
        return out


def _bound(text: str) -> float | None:
    return float(text) if text.strip() else None


@functools.cache
def ranges() -> tuple[Range, ...]:
    """Every row of ``data/ranges.csv``; a row without a source or with an unknown action is a bug."""
    with resources.files("verify.sources").joinpath("data", "ranges.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for row in rows:
        r = Range(row["quantity"], row["unit"], _bound(row["lower"]), row["lower_inclusive"] == "yes",
                  _bound(row["upper"]), row["upper_inclusive"] == "yes", row["action"], row["reason"], row["detail"], row["source"])
        if r.action not in ACTIONS or not r.source or not r.reason or (r.lower is None and r.upper is None):
            raise RuntimeError(f"ranges.csv: incomplete row {row}")
        out.append(r)
    return tuple(out)


def ranges_for(quantity: str) -> tuple[Range, ...]:
    """The rows for one quantity (``value`` rows differ by unit key)."""
    return tuple(r for r in ranges() if r.quantity == quantity)


def impossible(quantity: str, values) -> np.ndarray:
    """True where a value of a run-level ``quantity`` is outside a ``reject`` row of the table (NaN
    never is): the domain of the formulas that use it (verify.measure.conversions)."""
    v = np.asarray(values, dtype=float)
    out = np.zeros(v.shape, dtype=bool)
    for r in ranges_for(quantity):
        if r.action == "reject":
            out |= r.outside(v)
    return out
