"""``verify plan``: how many runs per phase a claim needs, and the minimum detectable reduction.

Power of the one-sided claim test is approximated by the t-test on log run values
(:mod:`verify.stats.power`; lognormal runs, Aitchison & Brown 1957):
with ``σ_log = sqrt(ln(1 + cv²))`` the claim test at the *expected* true reduction r_e has the
standardised effect ``d = (ln(1 − r_c) − ln(1 − r_e))/σ_log`` (r_c the claimed reduction), and the
power for n runs per phase is the one-sided Welch power of :func:`verify.stats.power.power_for`
(with equal CVs and n the pooled t-test power, statsmodels ``TTestIndPower().power(d, n, α,
ratio=1, alternative="larger")``). If r_e ≤ r_c then d ≤ 0 and the power never exceeds α, whatever n: a claim
whose true value equals the claim is verified with probability α (issue "verify plan").
The claim test actually applied (:mod:`verify.stats.claims`) is the Fieller–Welch test on arithmetic
means; for lognormal runs with equal CV both test the same ratio, so this is the planning
approximation, not the analysis.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from verify.i18n import N_
from verify.stats import power as pw


@dataclass(frozen=True)
class PlanResult:
    cv: float
    expected_reduction_pct: float
    claimed_reduction_pct: float
    power: float
    alpha: float
    max_runs: int
    runs_per_phase: int | None  # None: not reachable (see reason)
    achieved_power: float | None
    reason: str  # "reachable" | "never" | "max_runs"
    mdr_pct: float | None  # one-sided MDR against zero at runs_per_phase (or max_runs)
    min_runs: int = 2  # the floor on runs_per_phase (verify plan: the QA minimum runs per phase)
    runs_for_power: int | None = None  # what the power alone needs (runs_per_phase unless the floor raised it)

    def to_dict(self) -> dict:
        return asdict(self)


def _check(cv: float, power: float, alpha: float) -> None:
    if not (cv > 0 and math.isfinite(cv)):
        raise ValueError(N_("cv must be a positive number, got {cv!r}", cv=cv))
    if not (0 < alpha < 1 and 0 < power < 1):
        raise ValueError(N_("alpha and power must lie in (0, 1)"))


def plan_runs(cv: float, expected_reduction_pct: float, claimed_reduction_pct: float = 0.0, power: float = 0.8,
              alpha: float = 0.05, max_runs: int = 50, min_runs: int = 2) -> PlanResult:
    """Smallest equal number of runs per phase (2..max_runs) giving ``power`` for the claim test, but
    never fewer than ``min_runs`` (``verify plan`` passes the QA minimum): ``runs_for_power`` keeps
    what the statistics alone need (:func:`verify.sentences.plan_statement` says why the plan asks for
    more)."""
    _check(cv, power, alpha)
    if not 0 <= expected_reduction_pct < 100:
        raise ValueError(N_("the expected reduction must lie in [0, 100) %, got {value!r}", value=expected_reduction_pct))
    if not 0 <= claimed_reduction_pct < 100:
        raise ValueError(N_("the claimed reduction must lie in [0, 100) %, got {value!r}", value=claimed_reduction_pct))
    d = (math.log1p(-claimed_reduction_pct / 100) - math.log1p(-expected_reduction_pct / 100)) / pw.sigma_log(cv)
    runs = achieved = None
    if d <= 0:
        reason = "never"
    else:
        reason = "max_runs"
        for n in range(2, max_runs + 1):
            achieved_n = pw.power_for(cv, n, n, d, alpha, "one")
            if achieved_n >= power:
                runs, achieved, reason = n, achieved_n, "reachable"
                break
    runs_for_power = runs
    if runs is not None and runs < min_runs:
        runs = min_runs
        achieved = pw.power_for(cv, runs, runs, d, alpha, "one")
    n_mdr = runs or max_runs
    mdr = pw.mdr_pct(cv, n_mdr, n_mdr, alpha=alpha, power=power, sided="one")
    return PlanResult(cv, expected_reduction_pct, claimed_reduction_pct, power, alpha, max_runs, runs, achieved,
                      reason, mdr, min_runs, runs_for_power)


def mdr_table(cv: float | Iterable[float], n_per_phase: int | Iterable[int], sided: str = "one", power: float = 0.8,
              alpha: float = 0.05) -> list[dict]:
    """MDR (percent) for every combination of ``cv`` and ``n_per_phase`` (equal runs per phase)."""
    cvs = [cv] if isinstance(cv, (int, float)) else list(cv)
    ns = [n_per_phase] if isinstance(n_per_phase, int) else list(n_per_phase)
    if sided not in pw.SIDED:
        raise ValueError(N_("sided must be 'one' or 'two', got {sided!r}", sided=sided))
    rows = []
    for c in cvs:
        _check(c, power, alpha)
        for n in ns:
            rows.append({"cv": float(c), "n_per_phase": int(n), "sided": sided, "power": power, "alpha": alpha,
                         "mdr_pct": pw.mdr_pct(c, n, n, alpha=alpha, power=power, sided=sided)})
    return rows
