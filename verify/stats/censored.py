"""Censored run values: Kaplan–Meier means (left- and right-censored) and the Gehan test.

* **Kaplan–Meier mean on flipped data** (Helsel, *Statistics for Censored Environmental Data*,
  2nd ed. 2012, ch. 6): left-censored values ``<DL`` become right-censored by flipping
  ``y = M − x`` (M above every value), statsmodels ``SurvfuncRight`` estimates the survival curve,
  and the mean is ``Σ x_k·p_k`` over the jump masses ``p_k`` flipped back. When the smallest value
  is censored the KM curve does not reach zero and the mean is undefined; as ``docs/results.md``
  prescribes, every run at the smallest value is then treated as detected (Efron's 1967
  redistribution; the mean is then an upper-biased estimate, said in the caveats). ``sd`` is the
  KM-weighted standard deviation with the ``n/(n − 1)`` correction of the sample variance.
* **Right-censored values** (:func:`km_mean_right`): a removal efficiency whose outlet is below its
  detection limit is a lower bound (η ≥ value). The Kaplan–Meier estimator is applied to these
  right-censored data directly (statsmodels ``SurvfuncRight``, detected = event). When the largest
  value is censored the curve never reaches zero; the mean is then the *restricted* mean, with the
  largest value treated as detected, itself a lower bound of the mean (labelled "≥" in results:
  ``mean_bound = "lower"``). The left-censored case is the same estimator on flipped values.
* **Gehan statistic** (Gehan 1965, Biometrika 52:203): the sum over all after × before pairs of +1
  when the after value is surely larger, −1 when surely smaller, 0 when undetermined (a censored
  value ``<DL`` is surely smaller than a detected value ≥ DL; two censored values are undetermined).
  p-value one-sided "after < before": share of relabelings whose statistic ≤ the observed, exact over
  all relabelings (≤ 10 000), otherwise 100 000 PCG64 draws with p = (k + 1)/(m + 1).
  The statistic equals Σ over the after group of each value's row sum of the pairwise score matrix
  (the matrix is antisymmetric), which makes enumeration a sum of scores.

Why the Gehan test is written here: neither scipy nor statsmodels has Gehan's test of left-censored
data with an exact permutation p-value (statsmodels' ``survdiff(weight_type="gb")`` is the
Gehan–Breslow weighted log-rank test of right-censored data with its chi-square approximation, which
three runs a phase cannot justify); the exact p enumerates the relabelings as the permutation test
does (:func:`verify.stats.twosample.linear_statistic_p`). The Kaplan–Meier curve itself is
statsmodels'. Oracles: ``tests/stats/test_censored.py`` (a brute-force enumeration of the Gehan
statistic, equality with Mann–Whitney without censoring, hand-worked Kaplan–Meier means).
"""

from __future__ import annotations

import numpy as np
from statsmodels.duration.survfunc import SurvfuncRight

from verify.stats.twosample import DEFAULT_SEED, linear_statistic_p


def km_masses_right(values, censored) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values (ascending) and their Kaplan–Meier probability masses for right-censored data
    (censored = "≥ value"); the largest value is treated as detected (restricted mean)."""
    x = np.asarray(values, float)
    c = np.asarray(censored, bool).copy()
    if len(x) == 0:
        raise ValueError("no values")
    c[x == x.max()] = False
    sf = SurvfuncRight(x, (~c).astype(int))
    times = np.asarray(sf.surv_times, float)
    surv = np.asarray(sf.surv_prob, float)
    before = np.concatenate([[1.0], surv[:-1]])
    return times, before - surv


def km_masses(values, censored) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values (descending) and their KM probability masses for left-censored data
    (censored = "< value"), by flipping ``y = M − x``; the smallest is treated as detected."""
    x = np.asarray(values, float)
    shift = float(x.max()) + 1.0 if len(x) else 0.0
    times, masses = km_masses_right(shift - x, censored)
    return shift - times, masses


def _weighted_mean_sd(xs: np.ndarray, p: np.ndarray, n: int) -> tuple[float, float | None]:
    mean = float((xs * p).sum())
    if n < 2:
        return mean, None
    var = float((p * (xs - mean) ** 2).sum()) * n / (n - 1)
    return mean, var**0.5


def km_mean(values, censored) -> tuple[float, float | None]:
    """Kaplan–Meier mean and KM-weighted sd (None for n < 2) of left-censored values."""
    return _weighted_mean_sd(*km_masses(values, censored), len(values))


def km_mean_is_upper_bound(values, censored) -> bool:
    """Whether the Kaplan–Meier mean of left-censored values is an upper bound of the true mean: every
    censored value is the smallest value (one detection limit, at or below every detected value).
    The curve then ends at that value, treated as detected (module docstring), so the KM mean is the
    mean with each non-detect set to its detection limit, and each true value lies below it: the true
    mean is smaller (printed "<"). With other censored values the KM mean redistributes their mass
    to smaller values and is an estimate, not a bound (Helsel 2012, ch. 6)."""
    x, c = np.asarray(values, float), np.asarray(censored, bool)
    return bool(c.any()) and bool((x[c] == x.min()).all())


def km_mean_right(values, censored) -> tuple[float, float | None, bool]:
    """Kaplan–Meier mean, KM-weighted sd and whether the mean is a restricted (lower-bound) mean,
    for right-censored values."""
    x, c = np.asarray(values, float), np.asarray(censored, bool)
    restricted = bool(c[x == x.max()].any()) if len(x) else False
    return (*_weighted_mean_sd(*km_masses_right(x, c), len(x)), restricted)


def surely_larger(x: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Score matrix S[i, j]: +1 if value i is surely larger than value j, −1 if surely smaller, else 0."""
    return surely_larger_rows(x, c, 0, len(x))


def gehan_scores(x: np.ndarray, c: np.ndarray, block_values: int = 1 << 21) -> np.ndarray:
    """Row sums of :func:`surely_larger` (each value's Gehan score), computed a block of rows at a
    time so that memory stays bounded (n = 10,000 runs would be a 10⁸-cell matrix at once)."""
    n = len(x)
    rows = max(1, block_values // max(n, 1))
    out = np.empty(n)
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        out[start:stop] = surely_larger_rows(x, c, start, stop).sum(axis=1)
    return out


def surely_larger_rows(x: np.ndarray, c: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Rows ``start:stop`` of :func:`surely_larger`."""
    xi, xj = x[start:stop, None], x[None, :]
    ci, cj = c[start:stop, None], c[None, :]
    larger = (~ci & ~cj & (xi > xj)) | (~ci & cj & (xi >= xj))
    smaller = (~ci & ~cj & (xi < xj)) | (ci & ~cj & (xi <= xj))
    return larger.astype(int) - smaller.astype(int)


def gehan_test(before, before_censored, after, after_censored, *, seed: int = DEFAULT_SEED) -> dict | None:
    """Gehan statistic (after vs before) and its permutation p; None when n < 2 in a phase."""
    nb, na = len(before), len(after)
    if nb < 2 or na < 2:
        return None
    x = np.concatenate([np.asarray(before, float), np.asarray(after, float)])
    c = np.concatenate([np.asarray(before_censored, bool), np.asarray(after_censored, bool)])
    scores = gehan_scores(x, c)
    observed = float(scores[nb:].sum())
    res = linear_statistic_p(scores, na, observed, side="le", tol=0.5, seed=seed)
    return {"statistic": observed, "p_value": res["p_value"], "relabelings": res["relabelings"],
            "seed": res["seed"], "method": "exact" if res["exact"] else "sampled"}
