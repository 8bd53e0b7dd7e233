"""Holm's step-down adjustment (Holm 1979, Scand. J. Statist. 6:65) within a family of p-values.

Sorted ascending p_(1) ≤ … ≤ p_(m): ``adj_(i) = max_{j ≤ i} min(1, (m − j + 1)·p_(j))``, computed by
statsmodels ``multipletests(p, method="holm")``. Missing p-values (None/NaN) are left out of the
family and stay None (statsmodels has no missing values).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from statsmodels.stats.multitest import multipletests


def holm(pvalues: Sequence[float | None]) -> list[float | None]:
    """Holm-adjusted p-values in the input order; a p-value outside [0, 1] is a ValueError."""
    idx = [i for i, p in enumerate(pvalues) if p is not None and not math.isnan(p)]
    for i in idx:
        if not 0 <= pvalues[i] <= 1:
            raise ValueError(f"p-value {pvalues[i]!r} is outside [0, 1]")
    out: list[float | None] = [None] * len(pvalues)
    if idx:
        adjusted = multipletests([float(pvalues[i]) for i in idx], method="holm")[1]
        for i, p in zip(idx, adjusted):
            out[i] = float(p)
    return out
