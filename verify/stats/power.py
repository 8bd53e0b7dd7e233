"""Minimum detectable reduction (MDR) for a one- or two-sided t-test on log run values.

Convention (reproduces ``shared/domain/field-guide.md`` §6: two-sided 26/46/59/77 % at CV
10/20/30/50 % with 3 + 3 runs, 16/30/41/57 % with 6 + 6, one-sided 3 + 3 21.9/38.8/51.7/69.0 %):

* run values are lognormal with coefficient of variation ``cv``, so the sd of ln(value) is
  ``σ_log = sqrt(ln(1 + cv²))`` (lognormal moments, e.g. Aitchison & Brown 1957);
* a reduction r is the log effect ``δ = −ln(1 − r)``; the standardised effect ``d = δ/σ_log`` at the
  requested power and α comes from statsmodels ``TTestIndPower.solve_power`` (the two-sample t-test
  with df = n_b + n_a − 2, noncentral t; equal to Welch for equal n and equal variances);
* ``MDR = 1 − exp(−d·σ_log)``, reported in percent.

Observed CV of an endpoint (:func:`pooled_cv`): per phase ``cv_i = s_i / mean_i``, turned into
``σ²_log,i = ln(1 + cv_i²)``, pooled with weights ``n_i − 1`` and turned back,
``cv = sqrt(exp(σ²_log) − 1)``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from statsmodels.stats.power import TTestIndPower

SIDED = {"one": "larger", "two": "two-sided"}


def sigma_log(cv: float) -> float:
    """sd of ln(X) for a lognormal X with coefficient of variation ``cv``."""
    return math.sqrt(math.log1p(cv * cv))


def effect_size(cv: float, reduction: float) -> float:
    """Standardised log effect d = −ln(1 − reduction)/σ_log (reduction as a fraction)."""
    return -math.log1p(-reduction) / sigma_log(cv)


def power_for(cv: float, n_before: int, n_after: int, effect: float, alpha: float, sided: str = "one") -> float:
    """Power of the t-test on logs for a standardised effect ``effect`` (may be ≤ 0)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(
            TTestIndPower().power(effect_size=effect, nobs1=n_before, alpha=alpha, ratio=n_after / n_before, alternative=SIDED[sided])
        )


def mdr_pct(cv: float, n_before: int, n_after: int, *, alpha: float = 0.05, power: float = 0.8, sided: str = "one") -> float | None:
    """Minimum detectable reduction in percent.

    None when cv ≤ 0, a phase has fewer than 2 runs, or statsmodels' root finder warns or fails.
    """
    if cv is None or not math.isfinite(cv) or cv <= 0 or n_before < 2 or n_after < 2:
        return None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        d = TTestIndPower().solve_power(
            effect_size=None, nobs1=n_before, alpha=alpha, power=power, ratio=n_after / n_before, alternative=SIDED[sided]
        )
    d = float(np.asarray(d).item())
    if caught or not math.isfinite(d) or d <= 0:  # the root finder did not succeed: no MDR rather than a wrong one
        return None
    return 100 * (1 - math.exp(-d * sigma_log(cv)))


def pooled_cv(before, after) -> float | None:
    """Observed CV pooled over phases on the log scale (see module docstring); None if undefined."""
    num = den = 0.0
    for values in (before, after):
        v = np.asarray(values, float)
        if len(v) < 2:
            return None
        mean = v.mean()
        if mean <= 0:
            return None
        cv = v.std(ddof=1) / mean
        num += (len(v) - 1) * math.log1p(cv * cv)
        den += len(v) - 1
    return math.sqrt(math.expm1(num / den))
