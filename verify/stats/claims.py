"""Judging a case.toml claim against an endpoint's statistics (``docs/results.md``, Claims).

* ``reduction`` (before–after, run-based): ``estimate = reduction_pct``; ``p_value`` is the one-sided
  Welch test of H0 ``μ_after − ρ0·μ_before ≥ 0`` at ``ρ0 = 1 − claimed/100`` and ``lower_bound =
  100(1 − ρ_U)`` with ρ_U the largest ρ not rejected at α (:mod:`verify.stats.ratio`). With
  non-detects the Kaplan–Meier estimate is given without test (p and bound null).
  Continuous endpoints use the HAC regression instead: ``estimate = 100(1 − e^β)``,
  ``p = F((β − ln ρ0)/se)`` and ``lower_bound = 100(1 − e^{β + q_{1−α}·se})`` with F, q the normal
  (or t) distribution the HAC fit used: a load-adjusted ratio of geometric means.
* ``efficiency`` (inlet–outlet): the paired analysis of the log ratios of the claim's phase
  (``phase`` in case.toml, default ``after``; never another phase),
  :func:`verify.stats.paired.efficiency_claim`; ``estimate`` is the geometric-mean efficiency
  ``100(1 − e^m)``; fewer than two complete pairs in that phase → ``insufficient_data``. A pair
  whose outlet is below its detection limit enters with the detection limit as outlet value: its
  efficiency, and so the estimate and the bound, are then lower bounds (conservative); the
  statement says so and ``censored_pairs`` lists them.
* ``level``: the after phase only (the before phase is not needed); ``estimate`` = after mean,
  ``upper_bound`` = one-sided (1 − α) upper confidence bound ``x̄ + t_{1−α,n−1}·s/√n``, ``p`` =
  one-sided t-test of H0 ``μ ≥ value``; ``lower_bound`` is null; fewer than two after runs →
  ``insufficient_data``. Continuous and censored after data get no test (hourly means are
  autocorrelated; non-detects would need substitution).
* ``verdict``: ``verified`` if p < α; ``supported`` if the estimate reaches the claim (reduction and
  efficiency: ≥ claimed; level: ≤ value) but p ≥ α or p is null; ``not_verified`` otherwise;
  ``insufficient_data`` as above, and for reductions when the endpoint has that status.
* ``phase`` and ``n`` say which phase the verdict rests on and how many runs (pairs, hours) it used.
* ``load_comparable``: the verdict of the claim's source in ``comparability.load_by_source``; when
  it is ``not_shown_comparable`` the statement names the source.

The ja/zh ``statement`` is written from these values when the results are assembled
(:func:`verify.sentences.claim_statement`); ``to_dict()`` leaves it null.

The claim's ``conditions`` (e.g. ``load_pct_min``) are not applied here: runs outside the envelope
must be left out when the endpoint data are built.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

from verify.case import Claim
from verify.errors import InputError
from verify.stats import paired as pair
from verify.stats import ratio as rt
from verify.jsonvalues import clean
from verify.stats.endpoint import EndpointStats

VERDICTS = ("verified", "supported", "not_verified", "insufficient_data")


@dataclass(frozen=True)
class ClaimResult:
    id: str
    source: str
    position: str | None
    pollutant: str
    metric: str
    kind: str
    claimed: float
    estimate: float | None
    lower_bound: float | None
    p_value: float | None
    verdict: str
    upper_bound: float | None = None
    method: str | None = None
    phase: str | None = None
    n: int | None = None
    censored_pairs: tuple[str, ...] = ()
    load_comparable: str | None = None
    unit: str = ""  # the endpoint's unit (the statement's level values are in it)

    @property
    def verified(self) -> bool:
        return self.verdict == "verified"

    def to_dict(self) -> dict:
        return clean({
            "id": self.id, "source": self.source, "position": self.position, "pollutant": self.pollutant,
            "metric": self.metric, "kind": self.kind, "claimed": self.claimed, "estimate": self.estimate,
            "lower_bound": self.lower_bound, "p_value": self.p_value, "verdict": self.verdict,
            "verified": self.verified, "statement": None,
            "upper_bound": self.upper_bound, "method": self.method, "phase": self.phase, "n": self.n,
            "censored_pairs": list(self.censored_pairs), "load_comparable": self.load_comparable,
        })


def _check_match(claim: Claim, stats: EndpointStats) -> None:
    same = (claim.source, claim.pollutant, claim.metric) == (stats.source, stats.pollutant, stats.metric)
    if not same or (stats.position is not None and claim.position != stats.position):
        raise InputError(f"claim {claim.id!r} ({claim.source}, {claim.position}, {claim.pollutant}, {claim.metric}) "
                         f"does not match endpoint {stats.key}")


def _reduction(claim: Claim, stats: EndpointStats, alpha: float) -> tuple:
    rho0 = 1 - claim.value / 100
    if stats.design == "continuous":
        hac = stats.tests.get("hac_ols")
        if hac is None:
            return stats.reduction_pct, None, None, None, "hac_ols"
        beta, se = hac["beta"], hac["se"]
        dist = sps.norm if hac["distribution"] == "normal" else sps.t(hac["n_hours"] - 2 - len(hac["covariates"]))
        p = float(dist.cdf((beta - math.log(rho0)) / se))
        lower = 100 * (1 - math.exp(beta + dist.ppf(1 - alpha) * se))
        return 100 * (1 - math.exp(beta)), lower, p, None, "hac_ols"
    if stats.design != "before-after":
        raise InputError(f"claim {claim.id!r}: a reduction claim needs a before-after or continuous endpoint, not {stats.design!r}")
    if stats.any_censored:
        return stats.reduction_pct, None, None, None, "kaplan-meier"
    m = rt.TwoMeans.from_values(stats.before.values, stats.after.values)
    if not m.usable:
        return stats.reduction_pct, None, None, None, "fieller-welch"
    rho_u = rt.one_sided_upper(m, alpha)
    lower = None if rho_u is None else 100 * (1 - rho_u)
    return stats.reduction_pct, lower, m.p_one_sided(rho0), None, "fieller-welch"


def _efficiency(claim: Claim, stats: EndpointStats, alpha: float) -> tuple:
    if stats.design != "inlet-outlet":
        raise InputError(f"claim {claim.id!r}: an efficiency claim needs an inlet-outlet endpoint, not {stats.design!r}")
    d = np.asarray(stats.log_ratios[claim_phase(claim)])
    p, lower = pair.efficiency_claim(d, claim.value, alpha)
    method = f"paired log ratios ({claim_phase(claim)})"
    if censored_outlets(claim, stats):
        method += "; outlets below the detection limit at the detection limit (conservative)"
    return 100 * (1 - math.exp(float(d.mean()))), lower, p, None, method


def _level(claim: Claim, stats: EndpointStats, alpha: float) -> tuple:
    after = stats.after
    if stats.design == "continuous" or any(after.censored):
        return after.mean, None, None, None, "no test"
    v = np.asarray(after.values, float)
    n, mean, s = len(v), float(v.mean()), float(v.std(ddof=1))
    if s == 0:
        return mean, None, None, None, "no test (constant values)"
    se = s / math.sqrt(n)
    upper = mean + sps.t.ppf(1 - alpha, n - 1) * se
    p = float(sps.t.cdf((mean - claim.value) / se, n - 1))
    return mean, None, p, upper, "one-sided t (after phase)"


def claim_phase(claim: Claim) -> str | None:
    """The phase a claim's verdict rests on: an efficiency claim's ``phase`` (default after), the
    after phase of a level claim; None for a reduction (both phases)."""
    if claim.kind == "efficiency":
        return claim.phase or "after"
    return "after" if claim.kind == "level" else None


def claim_n(claim: Claim, stats: EndpointStats) -> int | None:
    """How many runs (pairs, hours) of :func:`claim_phase` the verdict can use."""
    if claim.kind == "efficiency":
        return len(stats.log_ratios.get(claim_phase(claim), ()))
    if claim.kind == "level":
        return 0 if stats.after is None else stats.after.n
    return None


def censored_outlets(claim: Claim, stats: EndpointStats) -> tuple[str, ...]:
    """Run ids of the claim phase's pairs whose outlet is below its detection limit (efficiency claims)."""
    if claim.kind != "efficiency" or claim_phase(claim) not in stats.log_ratios:
        return ()
    runs = getattr(stats, claim_phase(claim))
    return tuple(r for r, c in zip(runs.runs, runs.censored) if c) if runs is not None else ()


def _insufficient(claim: Claim, stats: EndpointStats) -> bool:
    if claim.kind in ("efficiency", "level"):
        return (claim_n(claim, stats) or 0) < 2
    return stats.status == "insufficient_data"


def judge_claim(claim: Claim, stats: EndpointStats, *, alpha: float = 0.05, load: dict | None = None) -> ClaimResult:
    """The verdict on one claim; a verdict is a result, never an error. ``load``: the claim source's
    entry of ``comparability.load_by_source`` (or None)."""
    _check_match(claim, stats)
    if not math.isfinite(claim.value):  # case.toml validation refuses it; a programmatic caller too
        raise InputError(f"claim {claim.id!r}: value must be a finite number, got {claim.value!r}")
    estimate = lower = p = upper = None
    method = None
    if _insufficient(claim, stats):
        verdict = "insufficient_data"
        if claim.kind == "reduction":
            estimate = stats.reduction_pct
    else:
        judge = {"reduction": _reduction, "efficiency": _efficiency, "level": _level}[claim.kind]
        estimate, lower, p, upper, method = judge(claim, stats, alpha)
        if p is not None and p < alpha:
            verdict = "verified"
        elif estimate is not None and (estimate <= claim.value if claim.kind == "level" else estimate >= claim.value):
            verdict = "supported"
        else:
            verdict = "not_verified"
    load_verdict = None if load is None else load.get("verdict")
    return ClaimResult(claim.id, claim.source, claim.position, claim.pollutant, claim.metric, claim.kind,
                       float(claim.value), estimate, lower, p, verdict, upper, method, claim_phase(claim),
                       claim_n(claim, stats), censored_outlets(claim, stats), load_verdict, stats.unit)
