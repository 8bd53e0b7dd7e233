"""The change of a stack's dry standard flow between the phases, stated beside its mass-rate results.

A mass rate is G = C × Qsn × 10⁻⁶ (GB/T 16157-1996: concentration at the standard state, dry gas,
times the dry standard flow), so a before/after reduction of the mass rate holds the change of the
flow as well as that of the concentration. A flow that changed by more than
:data:`FLOW_CHANGE_THRESHOLD_PCT` between the phases (means of the runs' dry standard flows) is
stated as a caveat of the mass-rate endpoints of that stack, with its cause from case.toml
(``[[source]] flow_change_cause``) or "cause not stated".

The threshold is a convention of this tool, not a value of a standard: no standard read for this
project sets how much a stack's flow may change between two measurement campaigns, so 10 % is a
round figure chosen to flag a change a reader should ask about; the run tables show every flow.
"""

from __future__ import annotations

import pandas as pd

from verify.measure.endpoints import key_text

#: A flow change (in % of the before mean) above which the report states it: a convention (module docstring).
FLOW_CHANGE_THRESHOLD_PCT = 10.0


def phase_flow_means(normalized: pd.DataFrame, source: str, position: str | None) -> dict[str, float]:
    """phase → mean over the runs of each run's mean dry standard flow [m³/h] at ``source``/``position``
    (run-based rows with a flow only; a phase without any is left out)."""
    if "flow_sd_m3_h" not in normalized or "run" not in normalized:
        return {}
    rows = normalized[normalized["run"].notna() & normalized["flow_sd_m3_h"].notna()
                      & (key_text(normalized["source"]) == source)
                      & (key_text(normalized["position"]) == (position or ""))]
    if rows.empty:
        return {}
    per_run = rows.groupby([key_text(rows["phase"]), key_text(rows["run"])], observed=True)["flow_sd_m3_h"].mean()
    return {str(phase): float(runs.mean()) for phase, runs in per_run.groupby(level=0)}


def flow_change(means: dict[str, float]) -> dict | None:
    """{before_m3_h, after_m3_h, change_pct, threshold_pct, exceeds} from :func:`phase_flow_means`;
    None unless both phases have a flow and the before mean is positive."""
    before, after = means.get("before"), means.get("after")
    if before is None or after is None or before <= 0:
        return None
    change = 100.0 * (after - before) / before
    return {"before_m3_h": before, "after_m3_h": after, "change_pct": change,
            "threshold_pct": FLOW_CHANGE_THRESHOLD_PCT, "exceeds": abs(change) > FLOW_CHANGE_THRESHOLD_PCT}
