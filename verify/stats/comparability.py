"""Comparable operating conditions: was production load the same in both campaigns?

Two one-sided Welch t-tests (TOST; Schuirmann 1987, J. Pharmacokin. Biopharm. 15:657) with
statsmodels ``ttost_ind(after, before, low, upp, usevar="unequal")``: equivalence is shown when
``low < mean(after) − mean(before) < upp`` is supported at α. The margin ``margin_pct`` (case.toml
``load_equivalence_margin_pct``) is read as a percentage of the before-phase mean load, so
``low, upp = ∓ margin_pct/100 × mean(before)`` (in load percentage points). ``p_value`` is the larger
of the two one-sided p-values; it is null with fewer than two loads per phase or constant loads.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable

import numpy as np
from statsmodels.stats.weightstats import ttost_ind


def _clean(values: Iterable[float | None]) -> np.ndarray:
    out = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return np.asarray(out, float)


def load_tost(before_loads: Iterable[float | None], after_loads: Iterable[float | None], margin_pct: float,
              *, alpha: float = 0.05) -> dict:
    """TOST for equal production load; keys margin_pct, p_value, equivalent and descriptive extras."""
    b, a = _clean(before_loads), _clean(after_loads)
    out = {"margin_pct": float(margin_pct), "p_value": None, "equivalent": None, "alpha": alpha,
           "n_before": len(b), "n_after": len(a),
           "mean_before": float(b.mean()) if len(b) else None, "mean_after": float(a.mean()) if len(a) else None,
           "difference_pct": None, "bounds": None, "method": "TOST, Welch (statsmodels ttost_ind)"}
    if len(b) and len(a) and b.mean() != 0:
        out["difference_pct"] = 100 * (a.mean() - b.mean()) / b.mean()
    if len(b) < 2 or len(a) < 2 or (b.var() == 0 and a.var() == 0) or b.mean() <= 0:
        return out
    delta = margin_pct / 100 * float(b.mean())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p, _, _ = ttost_ind(a, b, -delta, delta, usevar="unequal")
    p = float(p)
    if math.isfinite(p):
        out.update(p_value=p, equivalent=p < alpha, bounds=[-delta, delta])
    return out
