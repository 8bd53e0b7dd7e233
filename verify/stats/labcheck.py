"""What a failed laboratory cross-check does to a claim: results.json ``claims[].lab_check``.

The laboratory reports its own O2-corrected concentrations (折算浓度) and emission rates beside the
measured values; the tool recomputes them and flags a run whose reported value is more than 1 % off
(QA checks ``lab_o2ref`` / ``lab_rate``, verify.measure.normalize). The claim's verdict always uses
the recomputed values. A demanding reader wants to know, for each claim on such data: which run,
the reported and the recomputed value, which one the verdict used, and whether the verdict would
change had the reported values been used. This module answers the last question by judging the
claim a second time with the flagged runs' values replaced by the laboratory's (same endpoint, same
runs, same tests: :func:`verify.stats.endpoint.analyse_endpoint` and
:func:`verify.stats.claims.judge_claim`).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from verify.jsonvalues import clean
from verify.measure.endpoints import key_text, natural_key
from verify.stats.claims import judge_claim
from verify.stats.endpoint import analyse_endpoint

#: claim metric → (run key of the recomputed value, of the lab's value, of the mismatch flag, QA check)
CHECKED = {"concentration_o2": ("conc_o2", "conc_o2_reported", "conc_o2_mismatch", "lab_o2ref"),
           "mass_rate": ("mass_rate_kg_h", "mass_rate_reported", "mass_rate_mismatch", "lab_rate")}
PHASES = ("before", "after")
#: run key of the laboratory's value → (column of the recomputed value, of the relative difference, of the flag)
REPORTED = {"conc_o2_reported": ("conc_o2", "o2ref_check", "o2ref_mismatch"),
            "mass_rate_reported": ("mass_rate_kg_h", "rate_check", "rate_mismatch")}
RUN_KEYS = ("source", "position", "phase", "run", "pollutant")


def reported_values(g: pd.DataFrame) -> dict:
    """The laboratory's own O2-corrected concentration and emission rate of a run (the rows ``g``),
    at the tool's reporting state (the lab's cell put through the same conversion as the value:
    recomputed × (1 + relative difference), verify.measure.normalize step 11), and whether any sample
    of the run differs from the tool's recomputation by more than the 1 % cross-check tolerance."""
    out = {}
    for key, (column, check, flag) in REPORTED.items():
        known = g[check].notna() if check in g else pd.Series(False, index=g.index)
        out[key] = clean((g.loc[known, column] * (1 + g.loc[known, check])).mean()) if known.any() else None
        out[key.replace("_reported", "_mismatch")] = bool(g[flag].fillna(False).astype(bool).any()) if flag in g else False
    return out


def lab_runs(normalized: pd.DataFrame) -> list[dict]:
    """The runs (source, position, phase, run, pollutant) of which a sample failed the cross-check:
    the recomputed run means (``conc_o2``, ``mass_rate_kg_h``) and :func:`reported_values`, in the
    order of results.json ``runs`` (phase, then run number)."""
    flags = [flag for _, _, flag in REPORTED.values() if flag in normalized]
    rows = normalized[normalized["run"].notna()]
    if not flags or rows.empty:
        return []
    out = []
    for key, g in rows.groupby([key_text(rows[k]) for k in RUN_KEYS], sort=False):
        if not any(g[flag].fillna(False).astype(bool).any() for flag in flags):
            continue
        means = {column: clean(g[column].mean()) if column in g and g[column].notna().any() else None
                 for column, _, _ in REPORTED.values()}
        out.append({**dict(zip(RUN_KEYS, key)), "position": key[1] or None, **means, **reported_values(g)})
    out.sort(key=lambda r: (r["source"], r["position"] or "", r["pollutant"], PHASES.index(r["phase"])
                            if r["phase"] in PHASES else 2, natural_key(r["run"])))
    return out


def _mismatched(claim, runs: list[dict]) -> list[dict]:
    recomputed, reported, flag, _ = CHECKED[claim.metric]
    position = claim.position or None
    phases = ("after",) if claim.kind == "level" else PHASES
    return [{"phase": r["phase"], "run": r["run"], "reported": r[reported], "recomputed": r[recomputed],
             "difference_pct": 100 * (r[reported] / r[recomputed] - 1)}
            for r in runs if r.get(flag) and r["source"] == claim.source and (r.get("position") or None) == position
            and r["pollutant"] == claim.pollutant and r["phase"] in phases
            and r.get(reported) is not None and r.get(recomputed)]


def _substituted(data, found: list[dict]):
    """``data`` with the flagged runs' values replaced by the laboratory's."""
    changes = {}
    for phase in PHASES:
        runs = getattr(data, phase)
        swap = {f["run"]: f["reported"] for f in found if f["phase"] == phase}
        if runs is not None and swap:
            changes[phase] = replace(runs, values=tuple(swap.get(r, v) for r, v in zip(runs.runs, runs.values)))
    return replace(data, **changes)


def lab_check(claim, data, runs: list[dict], *, load: dict | None = None) -> dict | None:
    """``claims[].lab_check`` for a claim on run-based data whose runs failed the cross-check, or
    None (no such run, or a metric without a laboratory value). ``data``: the claim's endpoint data
    as the verdict used them (within its operating envelope); ``runs``: :func:`lab_runs` (or results.json
    ``runs``)."""
    if claim.metric not in CHECKED or data is None or data.design != "before-after":
        return None
    found = _mismatched(claim, runs)
    used = {(p, r) for p in PHASES for r in (getattr(data, p).runs if getattr(data, p) is not None else ())}
    found = [f for f in found if (f["phase"], f["run"]) in used]
    if not found:
        return None
    base = judge_claim(claim, analyse_endpoint(data), load=load)
    alt = judge_claim(claim, analyse_endpoint(_substituted(data, found)), load=load)
    bound = "upper_bound" if claim.kind == "level" else "lower_bound"
    return {"check": CHECKED[claim.metric][3], "runs": found, "used": "recomputed",
            "with_reported": {"estimate": alt.estimate, bound: getattr(alt, bound), "p_value": alt.p_value,
                              "verdict": alt.verdict},
            "verdict_changes": alt.verdict != base.verdict}
