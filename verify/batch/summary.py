"""The programme summary's numbers, taken from each case's ``results.json`` and nothing else.

Pure functions on results dicts (contract: ``docs/results.md``);
optional keys may be absent or null and are then shown as missing, never as zero.

Definitions (also in docs/scale.md):
- **Claims**: every item of ``claims`` with its ``verdict``; counted per verdict.
- **Main reductions**: the endpoints named by the case's ``reduction`` claims, or, in a case
  without such claims, its ``mass_rate`` endpoints. For run-based designs the reduction is
  ``reduction_pct`` with ``reduction_ci95`` (Fieller–Welch, results.md); for ``continuous``
  endpoints it is −``tests.hac_ols.effect_pct`` with the sign-flipped ``ci95`` (HAC OLS step
  effect; a fall of 30 % is a reduction of 30 %), and the method column says which.
- **Compliance**: over every (endpoint, limit) pair of ``endpoints[].limits[]`` that binds the
  plant in the phase (``binding[phase]`` true: a mandatory standard of the plant's jurisdiction in
  force and first in precedence, docs/results.md "Binding limits"), per phase, the number judged
  (``complies[phase]`` not null) and the number complying. Benchmark comparisons (recommended or
  informative standards, campaign targets, other jurisdictions, superseded limits) are not
  compliance and are not counted; ``benchmarks_missed_after`` lists them separately.
- **Tonnes per year reduced**: ``cobenefits.pollutants[].reduction_t_a.value`` (t/a, =
  (E_before − E_after) × operating hours ÷ 1000, verify.measure.cobenefits) summed per pollutant
  within a case (over its sources); **CO2**: ``cobenefits.net_co2_change_t_a.value``, the net
  change in t CO2/a (fuel CO2 after − before + added electricity; negative = a saving).
- **Data quality**: ``inputs[]`` tallies summed, ``qa[]`` checks that did not pass,
  ``ledger.allowed_rejected``, ``case.illustrative``, and ``verification`` null (a draft).
- **Programme totals** are plain sums (``math.fsum``) of the case values over the cases that
  have the value; each total says how many cases contributed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

VERDICTS = ("verified", "supported", "not_verified", "insufficient_data")
INPUT_TALLIES = ("rows", "accepted", "flagged", "rejected", "values", "values_flagged", "values_rejected")


def _num(value) -> float | None:
    """A finite JSON number as float, else None (booleans are not numbers here)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


@dataclass(frozen=True)
class Reduction:
    """One main reduction of a case: estimate and 95 % interval in percent (positive = less)."""

    case_id: str
    claim_id: str | None
    source: str
    position: str | None
    pollutant: str
    metric: str
    design: str
    reduction_pct: float | None
    ci_low: float | None
    ci_high: float | None
    method: str

    @property
    def label(self) -> str:
        where = self.source if not self.position else f"{self.source}/{self.position}"
        return f"{where} {self.pollutant} {self.metric}"


@dataclass(frozen=True)
class CaseSummary:
    """The programme row of one case that ran (everything from its results.json)."""

    case_id: str
    title: dict
    factory: dict
    illustrative: bool
    statement_id: str | None
    claims: list[dict]
    verdict_counts: dict[str, int]
    reductions: list[Reduction]
    limits_judged: dict[str, int]
    limits_complied: dict[str, int]
    exceeded_after: list[str]
    benchmarks_missed_after: list[str]
    t_per_a: dict[str, float]
    co2_net_change_t_a: float | None
    inputs: dict[str, int]
    qa_failed: list[str]
    qa_checks: int
    allowed_rejected: bool
    results_path: str | None = None
    flags: list[str] = field(default_factory=list)
    case_dir: str | None = None  # from the batch record (where the case folder is), not from results


def _endpoint_key(item: dict) -> tuple:
    return (item.get("source"), item.get("position"), item.get("pollutant"), item.get("metric"))


def reduction_of(endpoint: dict, case_id: str, claim_id: str | None = None) -> Reduction:
    """The reduction estimate of one endpoint (see the module docstring for the two methods)."""
    design = endpoint.get("design") or ""
    estimate = low = high = None
    if design == "continuous":
        hac = (endpoint.get("tests") or {}).get("hac_ols") or {}
        effect = _num(hac.get("effect_pct"))
        ci = hac.get("ci95") or [None, None]
        estimate = None if effect is None else -effect
        lo, hi = (_num(ci[0]), _num(ci[1])) if len(ci) == 2 else (None, None)
        low = None if hi is None else -hi
        high = None if lo is None else -lo
        method = "hac_ols"
    else:
        estimate = _num(endpoint.get("reduction_pct"))
        ci = endpoint.get("reduction_ci95") or [None, None]
        low, high = (_num(ci[0]), _num(ci[1])) if len(ci) == 2 else (None, None)
        method = "fieller_welch"
    return Reduction(case_id=case_id, claim_id=claim_id, source=str(endpoint.get("source")),
                     position=endpoint.get("position"), pollutant=str(endpoint.get("pollutant")),
                     metric=str(endpoint.get("metric")), design=design, reduction_pct=estimate,
                     ci_low=low, ci_high=high, method=method)


def main_reductions(results: dict) -> list[Reduction]:
    case_id = str((results.get("case") or {}).get("id"))
    endpoints = results.get("endpoints") or []
    by_key = {_endpoint_key(e): e for e in endpoints}
    out = []
    for claim in results.get("claims") or []:
        if claim.get("kind") == "reduction" and _endpoint_key(claim) in by_key:
            out.append(reduction_of(by_key[_endpoint_key(claim)], case_id, claim.get("id")))
    if not out:
        out = [reduction_of(e, case_id) for e in endpoints if e.get("metric") == "mass_rate"]
    return out


def _binds(limit: dict, phase: str) -> bool:
    """Whether the limit binds the plant in the phase (results.json ``binding``)."""
    return (limit.get("binding") or {}).get(phase) is True


def compliance(results: dict) -> tuple[dict[str, int], dict[str, int], list[str], list[str]]:
    """(judged per phase, complying per phase, 'endpoint: limit id' of binding limits not complied
    after, the same for benchmark comparisons missed after), binding limits only in the counts."""
    judged = {"before": 0, "after": 0}
    complied = {"before": 0, "after": 0}
    exceeded, missed = [], []
    for endpoint in results.get("endpoints") or []:
        for limit in endpoint.get("limits") or []:
            verdicts = limit.get("complies") or {}
            for phase in ("before", "after"):
                value = verdicts.get(phase)
                if isinstance(value, bool) and _binds(limit, phase):
                    judged[phase] += 1
                    complied[phase] += value
            if verdicts.get("after") is False:
                label = f"{endpoint.get('source')} {endpoint.get('pollutant')}: {limit.get('id')}"
                (exceeded if _binds(limit, "after") else missed).append(label)
    return judged, complied, exceeded, missed


def _value(item) -> float | None:
    """The number of a co-benefit quantity ``{"value": …, "unit": …, …}`` (or a bare number)."""
    return _num(item.get("value")) if isinstance(item, dict) else _num(item)


def annual_reductions(results: dict) -> dict[str, float]:
    """t/a reduced per pollutant (sum over the case's sources); pollutants without a number absent."""
    items = ((results.get("cobenefits") or {}).get("pollutants")) or []
    sums: dict[str, list[float]] = {}
    for item in items:
        if not isinstance(item, dict):
            continue
        value = _value(item.get("reduction_t_a"))
        if value is not None and item.get("pollutant"):
            sums.setdefault(str(item["pollutant"]), []).append(value)
    return {pollutant: math.fsum(values) for pollutant, values in sorted(sums.items())}


def co2_net_change(results: dict) -> float | None:
    """Net CO2 change of the measure, t CO2/a (negative = a saving); None when not computed."""
    return _value(((results.get("cobenefits") or {}).get("net_co2_change_t_a")))


def summarise_case(results: dict, results_path: str | None = None) -> CaseSummary:
    """One case's programme row from its results dict alone."""
    case = results.get("case") or {}
    claims = [c for c in results.get("claims") or [] if isinstance(c, dict)]
    counts = {v: 0 for v in VERDICTS}
    for claim in claims:
        if claim.get("verdict") in counts:
            counts[claim["verdict"]] += 1
    judged, complied, exceeded, missed = compliance(results)
    inputs = {key: 0 for key in INPUT_TALLIES}
    for item in results.get("inputs") or []:
        for key in INPUT_TALLIES:
            value = _num(item.get(key))
            inputs[key] += int(value) if value is not None else 0
    qa = [q for q in results.get("qa") or [] if isinstance(q, dict)]
    qa_failed = [f"{q.get('check')} {q.get('source') or ''} {q.get('phase') or ''}".strip()
                 for q in qa if q.get("passed") is False]
    verification = results.get("verification")
    allowed = bool((results.get("ledger") or {}).get("allowed_rejected"))
    flags = []
    if case.get("illustrative"):
        flags.append("illustrative")
    if not verification:
        flags.append("draft")
    if allowed:
        flags.append("allowed_rejected")
    if inputs["rejected"] or inputs["values_rejected"]:
        flags.append("rejected_input")
    if qa_failed:
        flags.append("qa_failed")
    return CaseSummary(
        case_id=str(case.get("id")), title=case.get("title") or {}, factory=case.get("factory") or {},
        illustrative=bool(case.get("illustrative")),
        statement_id=(verification or {}).get("statement_id") if isinstance(verification, dict) else None,
        claims=claims, verdict_counts=counts, reductions=main_reductions(results),
        limits_judged=judged, limits_complied=complied, exceeded_after=exceeded,
        benchmarks_missed_after=missed,
        t_per_a=annual_reductions(results), co2_net_change_t_a=co2_net_change(results), inputs=inputs,
        qa_failed=qa_failed, qa_checks=len(qa), allowed_rejected=allowed, results_path=results_path,
        flags=flags,
    )


@dataclass(frozen=True)
class Totals:
    """Programme totals: sums over the cases that ran; ``*_cases`` count the contributing cases."""

    cases: int
    cases_ok: int
    cases_failed: int
    claims: int
    verdict_counts: dict[str, int]
    limits_judged: dict[str, int]
    limits_complied: dict[str, int]
    t_per_a: dict[str, float]
    t_per_a_cases: dict[str, int]
    co2_net_change_t_a: float | None
    co2_cases: int
    inputs: dict[str, int]
    qa_failed: int


def programme_totals(summaries: list[CaseSummary], failed: int = 0) -> Totals:
    """Sum the case rows (plain sums; a pollutant's t/a over the cases that report it)."""
    verdicts = {v: sum(s.verdict_counts[v] for s in summaries) for v in VERDICTS}
    pollutants = sorted({p for s in summaries for p in s.t_per_a})
    t_per_a = {p: math.fsum(s.t_per_a[p] for s in summaries if p in s.t_per_a) for p in pollutants}
    t_cases = {p: sum(1 for s in summaries if p in s.t_per_a) for p in pollutants}
    co2 = [s.co2_net_change_t_a for s in summaries if s.co2_net_change_t_a is not None]
    return Totals(
        cases=len(summaries) + failed, cases_ok=len(summaries), cases_failed=failed,
        claims=sum(len(s.claims) for s in summaries), verdict_counts=verdicts,
        limits_judged={ph: sum(s.limits_judged[ph] for s in summaries) for ph in ("before", "after")},
        limits_complied={ph: sum(s.limits_complied[ph] for s in summaries) for ph in ("before", "after")},
        t_per_a=t_per_a, t_per_a_cases=t_cases,
        co2_net_change_t_a=math.fsum(co2) if co2 else None, co2_cases=len(co2),
        inputs={key: sum(s.inputs[key] for s in summaries) for key in INPUT_TALLIES},
        qa_failed=sum(len(s.qa_failed) for s in summaries),
    )
