"""Comparable operating conditions: was production load the same in both campaigns, source by source?

Each source is compared with itself (a case's stacks may run at different loads; pooling them would
compare a mixture). The equivalence margin ``margin_pct`` (case.toml
``load_equivalence_margin_pct``) is read as a percentage of the source's before-phase mean load, so
the bounds are ``∓Δ`` with ``Δ = margin_pct/100 × mean(before)`` (load percentage points).
Equivalence is shown when the difference ``D = mean(after) − mean(before)`` is supported to lie
inside (−Δ, Δ) by two one-sided tests at α (TOST; Schuirmann 1987, J. Pharmacokin. Biopharm.
15:657); equivalently, when the two-sided 1 − 2α (90 %) interval of D lies inside the bounds.
``p_value`` is the larger of the two one-sided p-values.

* **Runs** (:func:`run_equivalence`): one load per run (inlet and outlet of one run are one run);
  Welch TOST with statsmodels ``ttost_ind(after, before, −Δ, Δ, usevar="unequal")``; the 90 %
  interval is ``D ± t_{1−α, df}·SE`` with ``SE² = s_a²/n_a + s_b²/n_b`` and Welch–Satterthwaite df.
* **Continuous monitoring** (:func:`hourly_equivalence`): hourly loads are autocorrelated, so a
  t-test on hours would claim far more certainty than the data hold. D is the step coefficient of
  the OLS of the valid hourly mean load on a constant and the after-phase step, with the standard
  error of :func:`verify.stats.continuous.step_regression` (the larger of the AR(1)-prewhitened HAC
  and the day-clustered error, as for the emission endpoints); the two
  one-sided tests use the normal distribution: ``p_low = 1 − Φ((D + Δ)/SE)``,
  ``p_high = Φ((D − Δ)/SE)``; the 90 % interval is ``D ± z_{0.95}·SE``.
* **Summary** (:func:`summary`, the contract's ``comparability.load_tost``): load is comparable for
  the case when it is for every source with a test (intersection–union test, Berger 1982,
  Technometrics 24:295: its p-value is the largest per-source p-value).

A failed test is worded "not shown comparable" (with few runs the test has little power: it is not
evidence that the loads differ); the sentence is written by :func:`verify.sentences.load_statement`.
A warning raised by statsmodels or numpy in a test becomes a ``warning`` caveat of that source
(``caveats``), never silenced.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.weightstats import ttost_ind

from verify.stats.caveats import Caveat, warnings_as_caveats

RUNS_METHOD = "TOST, Welch (statsmodels ttost_ind); one load per run"
HOURLY_METHOD = ("TOST on the step of hourly mean load; standard error the larger of the AR(1)-prewhitened HAC "
                 "and the day-clustered (normal)")


def _clean(values: Iterable[float | None]) -> np.ndarray:
    out = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return np.asarray(out, float)


def _base(b: np.ndarray, a: np.ndarray, margin_pct: float, alpha: float, method: str, unit_of_n: str) -> dict:
    out = {"margin_pct": float(margin_pct), "p_value": None, "equivalent": None, "alpha": alpha,
           "n_before": len(b), "n_after": len(a), "unit_of_n": unit_of_n,
           "mean_before": float(b.mean()) if len(b) else None, "mean_after": float(a.mean()) if len(a) else None,
           "difference": None, "difference_pct": None, "ci90": None, "bounds": None, "method": method, "caveats": [],
           # the loads' range per phase (runs, or valid hourly means): what the report prints beside the mean
           "range_before": [float(b.min()), float(b.max())] if len(b) else None,
           "range_after": [float(a.min()), float(a.max())] if len(a) else None}
    if len(b) and len(a):
        out["difference"] = float(a.mean() - b.mean())
        if b.mean() != 0:
            out["difference_pct"] = 100 * out["difference"] / float(b.mean())
    return out


def load_tost(before_loads: Iterable[float | None], after_loads: Iterable[float | None], margin_pct: float,
              *, alpha: float = 0.05) -> dict:
    """Welch TOST of one source's run loads (see module docstring); p and interval null with fewer
    than two loads per phase, constant loads or a before mean ≤ 0."""
    b, a = _clean(before_loads), _clean(after_loads)
    out = _base(b, a, margin_pct, alpha, RUNS_METHOD, "runs")
    if len(b) < 2 or len(a) < 2 or (b.var() == 0 and a.var() == 0) or b.mean() <= 0:
        return out
    delta = margin_pct / 100 * float(b.mean())
    with warnings_as_caveats(out["caveats"]):
        p, _, _ = ttost_ind(a, b, -delta, delta, usevar="unequal")
    p = float(p)
    if not math.isfinite(p):
        return out
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
    half = float(sps.t.ppf(1 - alpha, df)) * math.sqrt(va + vb)
    d = out["difference"]
    out.update(p_value=p, equivalent=p < alpha, bounds=[-delta, delta], ci90=[d - half, d + half], df=float(df))
    return out


def hourly_equivalence(hourly: pd.DataFrame, margin_pct: float, *, alpha: float = 0.05) -> dict:
    """HAC equivalence of hourly mean loads (columns hour, phase, value; valid hours only)."""
    from verify.stats.continuous import step_regression

    hourly = hourly.sort_values("hour", kind="stable")
    b = hourly.loc[hourly["phase"] == "before", "value"].to_numpy(float)
    a = hourly.loc[hourly["phase"] == "after", "value"].to_numpy(float)
    out = _base(b, a, margin_pct, alpha, HOURLY_METHOD, "hours")
    if len(b) < 2 or len(a) < 2 or b.mean() <= 0 or (b.var() == 0 and a.var() == 0):
        return out
    with warnings_as_caveats(out["caveats"]):
        fit = step_regression(hourly["value"].to_numpy(float), hourly, use_load=False, level=1 - 2 * alpha)
    d, se = fit["beta"], fit["se"]
    delta = margin_pct / 100 * float(b.mean())
    if not se > 0:
        return out
    p = max(float(sps.norm.sf((d + delta) / se)), float(sps.norm.cdf((d - delta) / se)))
    out.update(difference=d, p_value=p, equivalent=p < alpha, bounds=[-delta, delta], ci90=fit["ci"], se=se,
               **{key: fit[key] for key in ("bandwidth_h", "maxlags", "se_hac", "se_day", "n_days", "se_basis")})
    return out


def verdict(result: Mapping) -> str:
    """``comparable`` / ``not_shown_comparable`` / ``no_test`` (too few loads for a test)."""
    if result.get("equivalent") is None:
        return "no_test"
    return "comparable" if result["equivalent"] else "not_shown_comparable"


def describe(source: str, result: dict) -> dict:
    """The per-source block: the test result plus ``source`` and ``verdict``, its ``caveats`` last
    (:class:`~verify.stats.caveats.Caveat` objects; the sentences are written with the results)."""
    caveats: list[Caveat] = result.get("caveats", [])
    rest = {k: v for k, v in result.items() if k != "caveats"}
    return {"source": source, **rest, "verdict": verdict(result), "caveats": caveats}


def summary(per_source: list[dict], margin_pct: float, *, alpha: float = 0.05) -> dict:
    """The contract's ``load_tost``: intersection–union over the sources (see module docstring)."""
    tested = [r for r in per_source if r["p_value"] is not None]
    failed = [r["source"] for r in per_source if r["verdict"] == "not_shown_comparable"]
    untested = [r["source"] for r in per_source if r["verdict"] == "no_test"]
    equivalent = None
    if failed:
        equivalent = False
    elif tested and not untested:
        equivalent = True
    return {"margin_pct": float(margin_pct), "p_value": max((r["p_value"] for r in tested), default=None),
            "equivalent": equivalent, "alpha": alpha, "sources": [r["source"] for r in tested],
            "not_shown_comparable": failed, "not_tested": untested,
            "method": "per source; intersection-union (largest per-source p)"}
