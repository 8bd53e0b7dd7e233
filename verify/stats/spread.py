"""Run-to-run spread that floating-point noise cannot fake.

Values that differ only in their last digits (0.5 and 0.5000000000000001, e.g. after a unit factor
was applied to equal readings) are equal measurements: a sample variance of ~1e-33 built from them
would make a t statistic, a p-value and an interval out of rounding error (and scipy's own variance
loses its precision there). A phase whose range is at most :data:`REL_NOISE` of its largest
magnitude is therefore treated as constant (variance 0), the case of docs/reliability.md#bad-inputs row 39
("constant series": insufficient data). 1e-9 is a numerical tolerance, not a measurement
property: no emission measurement resolves nine significant digits (field instruments report three
or four), while the rounding of a few float64 operations stays below 1e-13.
"""

from __future__ import annotations

import math

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


#: Magnitudes above this are scaled before sums and squares (:func:`common_scale`): 2**500 ≈ 3e150,
#: whose square and sums of a million squares still fit in a float64 (max ≈ 1.8e308).
SCALE_ABOVE = 2.0**500


def common_scale(*arrays) -> tuple[list[np.ndarray], int]:
    """``arrays`` (as float arrays) multiplied by one power of two, 2**-e, and ``e``.

    Only when the largest finite magnitude exceeds :data:`SCALE_ABOVE`; then it is brought into
    [0.5, 1), so that sums and squares of values up to 1.8e308 never overflow. Multiplying by a power
    of two is exact in binary floating point, so means, variances, ratios, t statistics and p-values
    computed from the scaled values are those of the values themselves (or their finite
    counterparts), and a mean or standard deviation comes back with :func:`unscale`. Below the
    threshold nothing changes (e = 0), bit for bit."""
    xs = [np.asarray(a, dtype=float) for a in arrays]
    sizes = [np.abs(x[np.isfinite(x)]) for x in xs]
    big = max((float(a.max()) for a in sizes if a.size), default=0.0)
    if big <= SCALE_ABOVE:
        return xs, 0
    e = math.frexp(big)[1]
    return [np.ldexp(x, -e) for x in xs], e


def unscale(value: float | None, e: int) -> float | None:
    """``value × 2**e`` (the inverse of :func:`common_scale`); ±inf when it exceeds a float64
    (reported as null, never an OverflowError or a numpy warning)."""
    if value is None or e == 0 or not math.isfinite(value):
        return value
    try:
        return math.ldexp(value, e)
    except OverflowError:
        return math.copysign(math.inf, value)
