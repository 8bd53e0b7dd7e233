"""Run-to-run spread that floating-point noise cannot fake.

Values that differ only in their last digits (0.5 and 0.5000000000000001, e.g. after a unit factor
was applied to equal readings) are equal measurements: a sample variance of ~1e-33 built from them
would make a t statistic, a p-value and an interval out of rounding error (and scipy's own variance
loses its precision there). A phase whose range is at most :data:`REL_NOISE` of its largest
magnitude is therefore treated as constant (variance 0), the case of reliability.md §4 #39
("constant series": insufficient data). 1e-9 is a numerical tolerance, not a measurement
property: no emission measurement resolves nine significant digits (field instruments report three
or four), while the rounding of a few float64 operations stays below 1e-13.
"""

from __future__ import annotations

import numpy as np

#: Relative spread (max − min) / max |value| at or below which a sample counts as constant.
REL_NOISE = 1e-9


def sample_var(values) -> float:
    """Sample variance (ddof 1) of ``values``; 0.0 when their spread is rounding noise."""
    x = np.asarray(values, dtype=float)
    if len(x) < 2:
        return float("nan")
    if np.ptp(x) <= REL_NOISE * np.max(np.abs(x)):
        return 0.0
    return float(x.var(ddof=1))
