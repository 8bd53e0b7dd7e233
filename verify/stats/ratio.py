"""The ratio ρ = μ_after / μ_before: Fieller–Welch intervals and the one-sided claim test.

Definitions (``docs/results.md``; Fieller 1954, J. R. Stat. Soc. B 16:175; with Welch's
unequal variances and Welch–Satterthwaite df, docs/references.md#fieller1954):

* For a given ρ the Welch statistic of ``μ_a − ρ·μ_b = 0`` is
  ``T(ρ) = (ā − ρ·b̄)/SE(ρ)`` with ``SE(ρ)² = s_a²/n_a + ρ²·s_b²/n_b`` and the Welch–Satterthwaite
  ``df(ρ)`` of those two variance terms.
* Two-sided interval: ``{ρ : |T(ρ)| ≤ t_{1−α/2, df(ρ)}}``. With df held fixed this is the classic
  Fieller quadratic ``(b̄² − t²v_b)ρ² − 2āb̄ρ + (ā² − t²v_a) ≤ 0``; here df moves with ρ, so the
  quadratic's roots are only the starting point and each bound is the root of
  ``|T(ρ)| − t_{1−α/2, df(ρ)}`` (Brent's method). The set is unbounded when, as ρ → ±∞,
  ``|T| → b̄/(s_b/√n_b)`` does not exceed ``t_{1−α/2, n_b−1}`` (the before mean is not clearly
  non-zero); then the interval is None.
* One-sided claim test of H0: ``μ_a − ρ0·μ_b ≥ 0``: ``p = P(T_df(ρ0) ≤ T(ρ0))``. ``ρ_U`` is the largest
  ρ that is not rejected at α, the root of ``T(ρ) + t_{1−α, df(ρ)} = 0`` above ā/b̄ (T decreases in ρ
  for ā, b̄ > 0); None when not rejected even as ρ → ∞.
* Ratio of geometric means: ``exp(mean ln a − mean ln b)`` with the Welch interval on the logs.

Why written here: neither scipy nor statsmodels has a Fieller interval, and the textbook one holds
df fixed; with Welch's df moving with ρ each bound is a root that only a solver finds, the fixed-df
quadratic being its starting point. Oracles: ``tests/stats/test_ratio.py`` (a grid search of
``|T(ρ)| ≤ t``, the claim test's p = α at each bound, scipy's Welch t on the scaled sample).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy import stats as sps

from verify.stats.spread import common_scale, sample_var


@dataclass(frozen=True)
class TwoMeans:
    """Summary of two phases: means, sample variances (ddof 1) and sizes."""

    mean_b: float
    var_b: float
    n_b: int
    mean_a: float
    var_a: float
    n_a: int

    @classmethod
    def from_values(cls, before, after) -> "TwoMeans":
        """Both phases in one common scale (:func:`~verify.stats.spread.common_scale`): only the ratio
        ρ and the Welch statistics are used, and they do not depend on it."""
        (b, a), _ = common_scale(before, after)
        return cls(float(b.mean()), sample_var(b), len(b), float(a.mean()), sample_var(a), len(a))

    def t_df(self, rho: float) -> tuple[float, float]:
        """Welch statistic T(ρ) of μ_a − ρ μ_b = 0 and its df(ρ) (NaN where SE = 0)."""
        va = self.var_a / self.n_a
        vb = rho * rho * self.var_b / self.n_b
        se2 = va + vb
        num = self.mean_a - rho * self.mean_b
        if se2 <= 0:  # only at ρ = 0 with s_a = 0: T = ±∞ unless ā = 0, where ρ = 0 is the estimate itself
            # (ā − ρ·b̄ = 0 exactly): T = 0 there, the limit of the numerator, so that the Fieller
            # set {ρ : (ā − ρb̄)² ≤ t²·SE(ρ)²} keeps its point ρ = 0 and a root finder never sees NaN
            return (math.copysign(math.inf, num) if num != 0 else 0.0), float(self.n_a - 1)
        den = va * va / (self.n_a - 1) + vb * vb / (self.n_b - 1)
        return num / math.sqrt(se2), se2 * se2 / den

    def p_one_sided(self, rho: float) -> float:
        """p of H0: μ_a − ρ μ_b ≥ 0 against μ_a < ρ μ_b."""
        t, df = self.t_df(rho)
        return float(sps.t.cdf(t, df))

    @property
    def usable(self) -> bool:
        return self.n_a >= 2 and self.n_b >= 2 and self.mean_b > 0 and (self.var_a > 0 or self.var_b > 0)


def _limit_t(m: TwoMeans) -> float:
    """lim |T(ρ)| as ρ → ±∞ = b̄ / (s_b/√n_b) (infinite when s_b = 0)."""
    return math.inf if m.var_b == 0 else m.mean_b / math.sqrt(m.var_b / m.n_b)


def _outward_root(f, start: float, direction: float, step: float) -> float | None:
    """First sign change of f (from ≤ 0 to > 0) going from ``start`` in ``direction``, refined by brentq."""
    inner = start
    for k in range(200):
        outer = start + direction * step * 2.0**k
        if f(outer) > 0:
            return optimize.brentq(f, min(inner, outer), max(inner, outer), xtol=1e-14, rtol=1e-13, maxiter=500)
        inner = outer
    return None


def _step(m: TwoMeans) -> float:
    rho = m.mean_a / m.mean_b
    se = math.sqrt(m.var_a / m.n_a + rho * rho * m.var_b / m.n_b) / m.mean_b
    return max(se, 1e-12 * max(1.0, abs(rho))) / 4


def fieller_interval(m: TwoMeans, level: float = 0.95) -> tuple[float, float] | None:
    """Two-sided Fieller–Welch interval for ρ, or None when the set is unbounded or undefined."""
    if not m.usable:
        return None
    q = 1 - (1 - level) / 2
    if _limit_t(m) <= sps.t.ppf(q, m.n_b - 1):
        return None

    def g(rho: float) -> float:
        t, df = m.t_df(rho)
        return abs(t) - sps.t.ppf(q, df)

    rho_hat = m.mean_a / m.mean_b
    step = _step(m)
    hi = _outward_root(g, rho_hat, +1.0, step)
    lo = _outward_root(g, rho_hat, -1.0, step)
    if hi is None or lo is None:
        return None
    return float(lo), float(hi)


def one_sided_upper(m: TwoMeans, alpha: float = 0.05) -> float | None:
    """ρ_U: the largest ρ not rejected by the one-sided test of H0 μ_a − ρ μ_b ≥ 0 (None: unbounded)."""
    if not m.usable:
        return None
    if -_limit_t(m) >= -sps.t.ppf(1 - alpha, m.n_b - 1):
        return None

    def h(rho: float) -> float:
        t, df = m.t_df(rho)
        return -(t + sps.t.ppf(1 - alpha, df))

    return _outward_root(h, m.mean_a / m.mean_b, +1.0, _step(m))


def gm_ratio(before, after, level: float = 0.95) -> tuple[float | None, tuple[float, float] | None]:
    """Ratio of geometric means after/before and its log-scale Welch interval.

    Returns (None, None) when a value is ≤ 0; the interval is None when n < 2 in a phase or both
    phases are constant on the log scale. Computed on logs, so values up to 1.8e308 never overflow; a
    ratio beyond a float64 is +inf (null in results.json).
    """
    b, a = np.asarray(before, float), np.asarray(after, float)
    if len(b) == 0 or len(a) == 0 or (b <= 0).any() or (a <= 0).any():
        return None, None
    lb, la = np.log(b), np.log(a)
    diff = la.mean() - lb.mean()
    ratio = _exp(diff)
    if len(b) < 2 or len(a) < 2:
        return ratio, None
    vb, va = lb.var(ddof=1) / len(b), la.var(ddof=1) / len(a)
    if vb + va == 0:
        return ratio, None
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = sps.t.ppf(1 - (1 - level) / 2, df) * math.sqrt(va + vb)
    return ratio, (_exp(diff - half), _exp(diff + half))


def _exp(x: float) -> float:
    """exp(x) on the log scale's way back: +inf (reported as null) beyond a float64, never an
    OverflowError (a ratio of 1e300 to 1e-300 is not a number JSON can hold)."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf
