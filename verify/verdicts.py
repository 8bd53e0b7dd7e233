"""What stands beside each verdict on the console after ``verify run`` (issue 16 item 6), read from a
results dict alone: the data quality of the whole run, and per claim the failed QA checks that touch
the claim's data, the claim's runs that were flagged, and the condition a claim on CEMS data rests on
(:func:`cems_conditions`; the report's statement words the same rule).

A QA check touches a claim when it concerns the claim's source (for the fugitive group
``boundary``: any upwind or downwind point), and its position and pollutant where the check names
them (a check without a pollutant, e.g. ``load`` or ``lab_o2ref``, concerns every pollutant of its
source).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from verify.i18n import N_, Joined, Msg


@dataclass(frozen=True)
class QaCounts:
    """The QA checks by outcome, as the report's data-quality section counts them: a method change a
    standard prescribes (``disclosed``, ``passed`` null) is its own kind, neither failed nor undecided."""
    passed: int
    failed: int
    unknown: int
    disclosed: int


@dataclass(frozen=True)
class DataQuality:
    qa_passed: int
    qa_failed: int
    qa_unknown: int
    qa_disclosed: int
    values_rejected: int
    values_flagged: int


def qa_counts(qa: list) -> QaCounts:
    """Count QA findings (results.json ``qa``) by outcome (:class:`QaCounts`)."""
    disclosed = [bool(q.get("disclosed")) for q in qa]
    return QaCounts(
        passed=sum(q.get("passed") is True for q in qa),
        failed=sum(q.get("passed") is False for q in qa),
        unknown=sum(q.get("passed") is None and not d for q, d in zip(qa, disclosed)),
        disclosed=sum(disclosed),
    )


@dataclass(frozen=True)
class ClaimContext:
    claim_id: str
    failed_qa: list  # "check (source, phase)" (a message) of each failed QA check touching the claim's data
    runs: int  # run values of the claim's data (run-based designs; 0 for continuous data)
    runs_flagged: int
    cems_reports_missing: tuple = ()  # :func:`cems_conditions`: the CEMS reports not given, if the claim rests on CEMS data


def data_quality(results: dict) -> DataQuality:
    qa = qa_counts(results.get("qa") or [])
    inputs = results.get("inputs") or []
    return DataQuality(
        qa_passed=qa.passed,
        qa_failed=qa.failed,
        qa_unknown=qa.unknown,
        qa_disclosed=qa.disclosed,
        values_rejected=sum(int(i.get("values_rejected") or 0) for i in inputs),
        values_flagged=sum(int(i.get("values_flagged") or 0) for i in inputs),
    )


def _claim_sources(claim: dict, results: dict) -> set[str]:
    if claim["source"] != "boundary":
        return {claim["source"]}
    return {s["id"] for s in results.get("sources") or [] if s.get("role") in ("upwind", "downwind")}


def _touches(item: dict, claim: dict, sources: set[str]) -> bool:
    if item.get("source") not in sources:
        return False
    if item.get("pollutant") not in (None, claim["pollutant"]):
        return False
    return item.get("position") in (None, claim.get("position")) or claim.get("position") is None


#: The phases in words (the console prints them in the user's language).
PHASES = {"before": N_("before"), "after": N_("after")}


def _qa_label(item: dict, check_name: Callable[[str], str]) -> Msg | str:
    where = [str(v) for v in (item.get("source"), item.get("position")) if v]
    if item.get("phase"):
        where.append(PHASES.get(item["phase"], item["phase"]))
    check = check_name(item["check"])
    # TRANSLATORS: a QA check's name and where it failed, e.g. "at least 3 runs per phase (S2, after)"
    return N_("{check} ({where})", check=check, where=Joined(", ", where)) if where else check


#: The reports that show a CEMS's data are accurate (results.json ``verification.laboratory`` keys):
#: the technical acceptance (技术验收) and the periodic comparison monitoring (比对监测, relative
#: accuracy) of HJ 75-2017 (for an NMHC-CEMS, HJ 1286-2023), as docs/case-format.md names them.
CEMS_REPORTS = ("cems_acceptance_reports", "comparison_reports")


def _continuous(claim: dict, results: dict) -> bool:
    keys = ("source", "position", "pollutant", "metric")
    return any(all(e.get(k) == claim.get(k) for k in keys) and e.get("design") == "continuous"
               for e in results.get("endpoints") or [])


def cems_conditions(results: dict) -> dict[str, tuple[str, ...]]:
    """Claim id → the CEMS reports (:data:`CEMS_REPORTS` keys) not given, for each claim that rests on
    continuous (CEMS) data while some of them are missing. Such a verdict holds only on condition
    that the CEMS data are accurate, which this tool does not evaluate (it computes the daily drift
    only): the console and the statement say so beside the verdict."""
    lab = (results.get("verification") or {}).get("laboratory") or {}
    missing = tuple(key for key in CEMS_REPORTS if not lab.get(key))
    if not missing:
        return {}
    return {c["id"]: missing for c in results.get("claims") or [] if _continuous(c, results)}


def claim_contexts(results: dict, check_name: Callable[[str], str] = str) -> list[ClaimContext]:
    """One :class:`ClaimContext` per claim, in the order of ``results["claims"]``; ``check_name`` names
    a QA check from its code (the console: :func:`verify.reasons.reason_text` in its language)."""
    out = []
    conditions = cems_conditions(results)
    for claim in results.get("claims") or []:
        sources = _claim_sources(claim, results)
        failed = [_qa_label(q, check_name) for q in results.get("qa") or [] if q.get("passed") is False and _touches(q, claim, sources)]
        runs = [r for r in results.get("runs") or [] if r.get("source") in sources
                and r.get("pollutant") == claim["pollutant"]
                and (claim.get("position") is None or r.get("position") == claim.get("position"))]
        out.append(ClaimContext(claim_id=claim["id"], failed_qa=failed, runs=len(runs),
                                runs_flagged=sum(bool(r.get("flagged")) for r in runs),
                                cems_reports_missing=conditions.get(claim["id"], ())))
    return out
