"""Non-detects (left-censored run values): Kaplan–Meier mean and the Gehan test.

* **Kaplan–Meier mean on flipped data** (Helsel, *Statistics for Censored Environmental Data*,
  2nd ed. 2012, ch. 6): left-censored values ``<DL`` become right-censored by flipping
  ``y = M − x`` (M above every value), statsmodels ``SurvfuncRight`` estimates the survival curve,
  and the mean is ``Σ x_k·p_k`` over the jump masses ``p_k`` flipped back. When the smallest value
  is censored the KM curve does not reach zero and the mean is undefined; as ``shared/spec/results.md``
  prescribes, every run at the smallest value is then treated as detected (Efron's 1967
  redistribution; the mean is then an upper-biased estimate, said in the caveats). ``sd`` is the
  KM-weighted standard deviation with the ``n/(n − 1)`` correction of the sample variance.
* **Gehan statistic** (Gehan 1965, Biometrika 52:203): the sum over all after × before pairs of +1
  when the after value is surely larger, −1 when surely smaller, 0 when undetermined (a censored
  value ``<DL`` is surely smaller than a detected value ≥ DL; two censored values are undetermined).
  p-value one-sided "after < before": share of relabelings whose statistic ≤ the observed, exact over
  all relabelings (≤ 10 000), otherwise 100 000 PCG64 draws with p = (k + 1)/(m + 1).
  The statistic equals Σ over the after group of each value's row sum of the pairwise score matrix
  (the matrix is antisymmetric), which makes enumeration a sum of scores.
"""

from __future__ import annotations

import numpy as np
from statsmodels.duration.survfunc import SurvfuncRight

from verify.stats.twosample import DEFAULT_SEED, _linear_statistic_p


def km_masses(values, censored) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values (descending) and their KM probability masses; the smallest is treated as detected."""
    x = np.asarray(values, float)
    c = np.asarray(censored, bool).copy()
    if len(x) == 0:
        raise ValueError("no values")
    c[x == x.min()] = False
    shift = float(x.max()) + 1.0
    sf = SurvfuncRight(shift - x, (~c).astype(int))
    times = np.asarray(sf.surv_times, float)
    surv = np.asarray(sf.surv_prob, float)
    before = np.concatenate([[1.0], surv[:-1]])
    return shift - times, before - surv


def km_mean(values, censored) -> tuple[float, float | None]:
    """Kaplan–Meier mean and KM-weighted sd (None for n < 2) of left-censored values."""
    xs, p = km_masses(values, censored)
    mean = float((xs * p).sum())
    n = len(values)
    if n < 2:
        return mean, None
    var = float((p * (xs - mean) ** 2).sum()) * n / (n - 1)
    return mean, var**0.5


def surely_larger(x: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Score matrix S[i, j]: +1 if value i is surely larger than value j, −1 if surely smaller, else 0."""
    xi, xj = x[:, None], x[None, :]
    ci, cj = c[:, None], c[None, :]
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
    scores = surely_larger(x, c).sum(axis=1).astype(float)
    observed = float(scores[nb:].sum())
    res = _linear_statistic_p(scores, na, observed, side="le", tol=0.5, seed=seed)
    return {"statistic": observed, "p_value": res["p_value"], "relabelings": res["relabelings"],
            "seed": res["seed"], "method": "exact" if res["exact"] else "sampled"}
