"""Minimum detectable reduction (MDR) of the one- or two-sided Welch test on log run values.

Definition (docs/results.md, ``mdr_pct``: "the smallest reduction a one-sided Welch test on log
values would detect with the stated power at the observed variability"):

* each phase keeps its own variance of the log run values, ``s_b²`` and ``s_a²`` (sample variances,
  ddof 1, of ln(value)); ``SE = sqrt(s_b²/n_b + s_a²/n_a)`` and the Welch–Satterthwaite
  ``df = SE⁴ / ((s_b²/n_b)²/(n_b − 1) + (s_a²/n_a)²/(n_a − 1))`` (Welch 1947, Biometrika 34:28);
* a true log effect δ = −ln(1 − r) gives the Welch statistic a noncentral t distribution with df
  and noncentrality ``δ/SE`` (the usual approximation of Welch-test power, e.g. Moser, Stevens &
  Watts 1989, Commun. Stat. Theory Methods 18:3963); power = ``P(T' > t_{1−α, df})`` one-sided,
  ``P(T' > t_{1−α/2, df}) + P(T' < −t_{1−α/2, df})`` two-sided;
* MDR = ``100(1 − e^{−δ*})`` with δ* the effect whose power is the stated power (Brent's method).

With equal variances and equal n this is the pooled two-sample t-test power that statsmodels
``TTestIndPower`` computes (df = 2n − 2), which reproduces the figures of docs/references.md
"Small-sample facts" (two-sided 26/46/59/77 % at CV 10/20/30/50 % with 3 + 3 runs, 16/30/41/57 % with 6 + 6; one-sided
3 + 3 21.9/38.8/51.7/69.0 %). Planning (``verify plan``) gives a CV, read as lognormal:
``σ_log² = ln(1 + cv²)`` in both phases (Aitchison & Brown 1957). An observed log variance is
reported as the lognormal CV ``sqrt(e^{s²} − 1)``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize
from scipy import stats as sps

SIDED = ("one", "two")


def sigma_log(cv: float) -> float:
    """sd of ln(X) for a lognormal X with coefficient of variation ``cv``."""
    return math.sqrt(math.log1p(cv * cv))


def cv_of_log_variance(var_log: float) -> float:
    """The lognormal coefficient of variation whose log variance is ``var_log``."""
    return math.sqrt(math.expm1(var_log))


def welch_se_df(var_b: float, n_b: int, var_a: float, n_a: int) -> tuple[float, float]:
    """Welch standard error of the difference of means and its Welch–Satterthwaite df."""
    vb, va = var_b / n_b, var_a / n_a
    return math.sqrt(vb + va), (vb + va) ** 2 / (vb**2 / (n_b - 1) + va**2 / (n_a - 1))


def welch_power(delta: float, se: float, df: float, alpha: float, sided: str = "one") -> float:
    """Power of the Welch test for a true difference ``delta`` (noncentral t, see module docstring)."""
    nc = delta / se
    if sided == "one":
        return float(sps.nct.sf(sps.t.ppf(1 - alpha, df), df, nc))
    crit = sps.t.ppf(1 - alpha / 2, df)
    return float(sps.nct.sf(crit, df, nc) + sps.nct.cdf(-crit, df, nc))


def welch_mdr(var_b: float, n_b: int, var_a: float, n_a: int, *, alpha: float = 0.05, power: float = 0.8,
              sided: str = "one") -> float | None:
    """MDR in percent for per-phase log variances; None when undefined (n < 2, no variance)."""
    if sided not in SIDED:
        raise ValueError(f"sided must be 'one' or 'two', got {sided!r}")
    if n_b < 2 or n_a < 2 or not (var_b >= 0 and var_a >= 0) or var_b + var_a <= 0:
        return None
    se, df = welch_se_df(var_b, n_b, var_a, n_a)
    gap = lambda delta: welch_power(delta, se, df, alpha, sided) - power  # noqa: E731
    upper = se
    while gap(upper) < 0:
        upper *= 2
        if upper > 1e6 * se:
            return None
    delta = optimize.brentq(gap, 0.0, upper, xtol=1e-14, rtol=1e-12)
    return 100 * -math.expm1(-delta)


def power_for(cv: float, n_before: int, n_after: int, effect: float, alpha: float, sided: str = "one") -> float:
    """Power for a standardised log effect ``effect`` (δ/σ_log; may be ≤ 0) at a planning CV."""
    var = sigma_log(cv) ** 2
    se, df = welch_se_df(var, n_before, var, n_after)
    return welch_power(effect * sigma_log(cv), se, df, alpha, sided)


def mdr_pct(cv: float, n_before: int, n_after: int, *, alpha: float = 0.05, power: float = 0.8, sided: str = "one") -> float | None:
    """MDR in percent at a planning CV (both phases ``σ_log² = ln(1 + cv²)``); None for cv ≤ 0 or n < 2."""
    if cv is None or not math.isfinite(cv) or cv <= 0:
        return None
    var = sigma_log(cv) ** 2
    return welch_mdr(var, n_before, var, n_after, alpha=alpha, power=power, sided=sided)


def log_variances(before, after) -> tuple[float, float] | None:
    """Sample variances (ddof 1) of ln(value) per phase; None with n < 2 or a value ≤ 0."""
    out = []
    for values in (before, after):
        v = np.asarray(values, float)
        if len(v) < 2 or (v <= 0).any():
            return None
        out.append(float(np.log(v).var(ddof=1)))
    return out[0], out[1]


def observed_mdr(before, after, *, alpha: float = 0.05, power: float = 0.8) -> tuple[float, dict] | None:
    """One-sided MDR of an endpoint's run values and its ``mdr_basis``; None when undefined."""
    variances = log_variances(before, after)
    if variances is None:
        return None
    var_b, var_a = variances
    n_b, n_a = len(before), len(after)
    mdr = welch_mdr(var_b, n_b, var_a, n_a, alpha=alpha, power=power, sided="one")
    if mdr is None:
        return None
    pooled = ((n_b - 1) * var_b + (n_a - 1) * var_a) / (n_b + n_a - 2)
    basis = {"alpha": alpha, "sided": "one", "power": power, "cv": cv_of_log_variance(pooled),
             "cv_before": cv_of_log_variance(var_b), "cv_after": cv_of_log_variance(var_a),
             "df": welch_se_df(var_b, n_b, var_a, n_a)[1], "method": "Welch t on log values, noncentral t"}
    return mdr, basis
