"""Paired inlet/outlet runs: removal efficiency of a control device.

For each matched run the log ratio ``d = ln(outlet/inlet)`` (mass rates) is formed; the per-run
efficiency is ``100(1 − outlet/inlet)`` (``docs/results.md``, metric ``removal_efficiency``).

* Mean efficiency and interval from the log ratios: with ``m``, ``s`` the mean and sd of d over
  n pairs, the geometric-mean efficiency is ``100(1 − e^m)`` and its two-sided 95 % interval
  ``100(1 − e^{m ± t_{0.975,n−1}·s/√n})`` (the paired t interval on the log scale).
* Paired t-test on the log ratios, one-sided for "outlet < inlet": ``statistic = −m/(s/√n)``,
  ``p_value = P(T_{n−1} ≥ statistic)``, ``p_two_sided`` two-sided.
* Exact Wilcoxon signed-rank test (Wilcoxon 1945) on ``−d = ln(inlet/outlet)``: zero differences
  dropped (Wilcoxon's convention), mid-ranks of |d|, ``statistic = W+`` (sum of ranks of positive
  −d, i.e. runs where the outlet is below the inlet), ``p = share of the 2^n sign assignments with
  W+ ≥ observed``; exact up to n = 16 (65 536 assignments), normal approximation with tie correction
  and continuity correction above.
* Efficiency claims (:func:`efficiency_claim`): H0 ``ratio ≥ ρ0 = 1 − claimed/100``,
  ``T = (m − ln ρ0)/(s/√n)``, ``p = P(T_{n−1} ≤ T)``; lower bound ``100(1 − e^{m + t_{0.95,n−1}s/√n})``.
"""

from __future__ import annotations

import math
from itertools import product

import numpy as np
from scipy import stats as sps

MAX_EXACT_PAIRS = 16


def log_ratios(inlet, outlet) -> np.ndarray | None:
    """ln(outlet/inlet) per pair; None when any rate is ≤ 0."""
    i, o = np.asarray(inlet, float), np.asarray(outlet, float)
    if (i <= 0).any() or (o <= 0).any():
        return None
    return np.log(o / i)


def efficiency_summary(d: np.ndarray, level: float = 0.95) -> dict:
    """Geometric-mean efficiency (percent) and its interval from the log ratios d."""
    n = len(d)
    m = float(d.mean())
    out = {"n": n, "mean_log_ratio": m, "efficiency_pct": 100 * (1 - math.exp(m)), "ci95": None}
    if n >= 2:
        s = float(d.std(ddof=1))
        if s > 0:
            half = sps.t.ppf(1 - (1 - level) / 2, n - 1) * s / math.sqrt(n)
            out["ci95"] = [100 * (1 - math.exp(m + half)), 100 * (1 - math.exp(m - half))]
    return out


def paired_t(d: np.ndarray) -> dict | None:
    """Paired t-test on log ratios (one-sided outlet < inlet); None for n < 2 or constant ratios."""
    n = len(d)
    if n < 2:
        return None
    s = float(d.std(ddof=1))
    if s == 0:
        return None
    stat = -float(d.mean()) / (s / math.sqrt(n))
    return {"statistic": stat, "df": float(n - 1), "p_value": float(sps.t.sf(stat, n - 1)),
            "p_two_sided": float(min(1.0, 2 * sps.t.sf(abs(stat), n - 1)))}


def signed_rank(d: np.ndarray) -> dict | None:
    """Exact one-sided signed-rank test that ln(inlet/outlet) > 0; None with fewer than 2 non-zero pairs."""
    x = -np.asarray(d, float)
    x = x[x != 0]
    n = len(x)
    if n < 2:
        return None
    ranks = sps.rankdata(np.abs(x), method="average")
    w_obs = float(ranks[x > 0].sum())
    if n <= MAX_EXACT_PAIRS:
        signs = np.array(list(product((0, 1), repeat=n)), dtype=float)
        w = signs @ ranks
        p = np.count_nonzero(w >= w_obs - 1e-9) / len(w)
        return {"statistic": w_obs, "p_value": float(p), "method": "exact", "n": n}
    _, counts = np.unique(np.abs(x), return_counts=True)
    var = n * (n + 1) * (2 * n + 1) / 24 - float((counts**3 - counts).sum()) / 48
    z = (w_obs - n * (n + 1) / 4 - 0.5) / math.sqrt(var)
    return {"statistic": w_obs, "p_value": float(sps.norm.sf(z)), "method": "normal", "n": n}


def efficiency_claim(d: np.ndarray, claimed_pct: float, alpha: float = 0.05) -> tuple[float | None, float | None]:
    """(p-value, lower bound in percent) of the one-sided efficiency claim test; (None, None) if undefined."""
    n = len(d)
    if n < 2:
        return None, None
    s = float(d.std(ddof=1))
    if s == 0:
        return None, None
    m = float(d.mean())
    se = s / math.sqrt(n)
    rho0 = 1 - claimed_pct / 100
    p = float(sps.t.cdf((m - math.log(rho0)) / se, n - 1))
    lower = 100 * (1 - math.exp(m + sps.t.ppf(1 - alpha, n - 1) * se))
    return p, lower
