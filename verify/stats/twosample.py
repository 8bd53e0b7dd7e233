"""Two-sample tests on run values, exactly as ``docs/results.md`` defines them.

Conventions (all one-sided for "after < before"):

* Welch's t (Welch 1947; Satterthwaite 1946 df): ``statistic = (mean_before - mean_after) / SE``,
  ``SE² = s_b²/n_b + s_a²/n_a``; ``p_value = P(T_df ≥ statistic)``, ``p_two_sided = 2 P(T_df ≥ |statistic|)``.
* Permutation test of the difference in means: over all C(n_b + n_a, n_a) relabelings when there are
  at most 10 000, ``p = share of relabelings with mean(after) - mean(before) ≤ observed``; otherwise
  100 000 relabelings drawn with numpy's PCG64 from ``seed`` and ``p = (k + 1)/(m + 1)`` (Phipson &
  Smyth 2010, Stat. Appl. Genet. Mol. Biol. 9(1):39).
* Mann–Whitney: ``statistic = U of before`` (pairs with before > after, ties ½); exact by enumerating
  the relabelings with mid-ranks, ``p = share with U ≥ observed``; above 10 000 relabelings the
  normal approximation with tie correction and continuity correction 0.5 (Lehmann, Nonparametrics
  1975, §1.4), ``z = (U - n_b n_a/2 - 0.5)/σ``.

Comparisons "≤ observed" and "≥ observed" accept differences of up to 1e-10 × n × the largest
|value| (1e-9 for rank sums) so that floating-point noise does not split exact ties.

Why the permutation and Mann–Whitney tests are written here and not called from scipy (1.17):
``mannwhitneyu(method="exact")`` makes "no correction for ties" and ``"auto"`` then switches to the
normal approximation, while run values tie often (values written to one decimal); scipy's
``permutation_test`` can enumerate every relabeling (``n_resamples=np.inf``, the oracle of the tests)
but calls the statistic once per relabeling and judges ties within ``100·eps·|observed|`` (no
tolerance at all when the observed difference is 0), where run means that tie up to rounding must
fall on the same side. Here both tests enumerate the relabelings at once as sums of per-value scores
(:func:`linear_statistic_p`; mid-ranks for ties) with a tolerance on the data's scale. Oracles:
``tests/stats/test_twosample.py`` (scipy without ties, scipy's full enumeration with ties, by hand).
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
from scipy import stats as sps

from verify.stats.spread import common_scale, sample_var, unscale

MAX_EXACT = 10_000
DRAWS = 100_000
DEFAULT_SEED = 20_261_123


def welch_df(var_a: float, n_a: int, var_b: float, n_b: int) -> float:
    """Welch–Satterthwaite df for the variances of the means ``var/n`` (NaN when both are 0)."""
    va, vb = var_a / n_a, var_b / n_b
    den = va**2 / (n_a - 1) + vb**2 / (n_b - 1)
    return (va + vb) ** 2 / den if den > 0 else math.nan


def welch_t(before: np.ndarray, after: np.ndarray) -> dict | None:
    """Welch's t-test; None when n < 2 in a phase or both phases are constant (SE = 0)."""
    (b, a), _ = common_scale(before, after)  # t, df and p do not depend on the scale
    if len(b) < 2 or len(a) < 2:
        return None
    vb, va = sample_var(b), sample_var(a)  # rounding noise is no spread (verify.stats.spread)
    se = math.sqrt(vb / len(b) + va / len(a))
    if se == 0:
        return None
    stat = (b.mean() - a.mean()) / se
    df = welch_df(va, len(a), vb, len(b))
    return {
        "statistic": float(stat),
        "df": float(df),
        "p_value": float(sps.t.sf(stat, df)),
        "p_two_sided": float(min(1.0, 2 * sps.t.sf(abs(stat), df))),
    }


def relabelings(n: int, k: int) -> np.ndarray:
    """All C(n, k) ways to choose the k 'after' positions among n pooled values (rows of indices)."""
    return np.array(list(combinations(range(n), k)), dtype=np.intp).reshape(-1, k)


#: Random relabelings are drawn and scored this many values (relabelings × pooled values) at a
#: time: 2**21 values are 16 MB per float block, whatever the number of runs.
BLOCK_VALUES = 1 << 21


def _sampled_sums(scores: np.ndarray, k: int, draws: int, seed: int) -> np.ndarray:
    """The statistic (sum of ``scores`` over the k 'after' positions) of ``draws`` random
    relabelings from PCG64(seed), drawn and scored in blocks of rows (:data:`BLOCK_VALUES`).

    Each relabeling takes the k smallest of n uniform draws as 'after'. The uniforms are consumed
    row after row, so the relabelings do not depend on the block size (numpy fills
    ``rng.random((rows, n))`` in order), and each is scored as an indicator row times ``scores``,
    as the one-block engine did: same seed, same p."""
    n = len(scores)
    rng = np.random.Generator(np.random.PCG64(seed))
    rows = max(1, BLOCK_VALUES // n)
    sums = np.empty(draws)
    for start in range(0, draws, rows):
        stop = min(draws, start + rows)
        after = np.argpartition(rng.random((stop - start, n)), k - 1, axis=1)[:, :k]  # the k smallest, as a set
        ind = np.zeros((stop - start, n))
        np.put_along_axis(ind, after, 1.0, axis=1)
        sums[start:stop] = ind @ scores
    return sums


def linear_statistic_p(scores: np.ndarray, k: int, observed: float, *, side: str, tol: float, seed: int) -> dict:
    """p-value of a statistic that is a sum of per-value scores over the 'after' group.

    ``side == "le"``: share of relabelings with statistic ≤ observed (+tol); ``"ge"``: ≥ observed (−tol).
    """
    n = len(scores)
    total = math.comb(n, k)
    if total <= MAX_EXACT:
        sums = scores[relabelings(n, k)].sum(axis=1)
        hits = np.count_nonzero(sums <= observed + tol) if side == "le" else np.count_nonzero(sums >= observed - tol)
        return {"p_value": float(hits / total), "relabelings": total, "seed": None, "exact": True}
    sums = _sampled_sums(scores, k, DRAWS, seed)
    hits = np.count_nonzero(sums <= observed + tol) if side == "le" else np.count_nonzero(sums >= observed - tol)
    return {"p_value": float((hits + 1) / (DRAWS + 1)), "relabelings": total, "seed": seed, "exact": False, "draws": DRAWS}


def permutation_test(before: np.ndarray, after: np.ndarray, *, seed: int = DEFAULT_SEED) -> dict | None:
    """Permutation test of mean(after) − mean(before); None when n < 2 in a phase."""
    (b, a), e = common_scale(before, after)  # p does not depend on the scale; the statistic is scaled back
    nb, na = len(b), len(a)
    if nb < 2 or na < 2:
        return None
    pooled = np.concatenate([b, a])
    # mean(after) - mean(before) = S_a (1/na + 1/nb) - T/nb: monotone in S_a, the sum over 'after'.
    scores = pooled * (1 / na + 1 / nb)
    observed = float(scores[nb:].sum())
    tol = 1e-10 * max(1.0, float(np.abs(pooled).max())) * (1 / na + 1 / nb) * (nb + na)
    res = linear_statistic_p(scores, na, observed, side="le", tol=tol, seed=seed)
    res["statistic"] = unscale(float(a.mean() - b.mean()), e)
    return res


def midranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n with ties given their average rank."""
    return sps.rankdata(values, method="average")


def u_before(before: np.ndarray, after: np.ndarray) -> float:
    """Mann–Whitney U of ``before``: pairs with before > after, ties counting ½ (direct count)."""
    b, a = np.asarray(before, float)[:, None], np.asarray(after, float)[None, :]
    return float((b > a).sum() + 0.5 * (b == a).sum())


def min_exact_p(n_before: int, n_after: int) -> float:
    """Smallest p-value an exact relabeling test can give: 1 / C(n_b + n_a, n_a)."""
    return 1 / math.comb(n_before + n_after, n_after)


def mann_whitney(before: np.ndarray, after: np.ndarray) -> dict | None:
    """One-sided Mann–Whitney test ("after < before"); None when n < 2 in a phase."""
    b, a = np.asarray(before, float), np.asarray(after, float)
    nb, na = len(b), len(a)
    if nb < 2 or na < 2:
        return None
    pooled = np.concatenate([b, a])
    ranks = midranks(pooled)
    u_obs = u_before(b, a)
    n = nb + na
    total = math.comb(n, na)
    if total <= MAX_EXACT:
        # U_before = R_before - nb(nb+1)/2 = (sum of all ranks - R_after) - nb(nb+1)/2
        r_after = ranks[relabelings(n, na)].sum(axis=1)
        u = n * (n + 1) / 2 - r_after - nb * (nb + 1) / 2
        p = np.count_nonzero(u >= u_obs - 1e-9) / total
        return {"statistic": u_obs, "p_value": float(p), "method": "exact"}
    _, counts = np.unique(pooled, return_counts=True)
    tie = float((counts**3 - counts).sum())
    var = nb * na / 12 * ((n + 1) - tie / (n * (n - 1)))
    if var <= 0:
        return {"statistic": u_obs, "p_value": None, "method": "normal"}
    z = (u_obs - nb * na / 2 - 0.5) / math.sqrt(var)
    return {"statistic": u_obs, "p_value": float(sps.norm.sf(z)), "method": "normal"}
