"""Holm's step-down adjustment (Holm 1979, Scand. J. Statist. 6:65) within a family of p-values.

Sorted ascending p_(1) ≤ … ≤ p_(m): ``adj_(i) = max_{j ≤ i} min(1, (m − j + 1)·p_(j))``; missing
p-values (None/NaN) are left out of the family and stay None. Equal p-values keep their input order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def holm(pvalues: Sequence[float | None]) -> list[float | None]:
    """Holm-adjusted p-values in the input order."""
    idx = [i for i, p in enumerate(pvalues) if p is not None and not math.isnan(p)]
    for i in idx:
        if not 0 <= pvalues[i] <= 1:
            raise ValueError(f"p-value {pvalues[i]!r} is outside [0, 1]")
    order = sorted(idx, key=lambda i: pvalues[i])
    m = len(order)
    out: list[float | None] = [None] * len(pvalues)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * float(pvalues[i])))
        out[i] = running
    return out
