"""Zero and span drift of a CEMS analyser from its daily check readings (QA check ``cems_drift``).

A CEMS checks its analyser daily with zero gas and span gas; the readings taken meanwhile carry the
HJ 212-2017 flag ``C`` (在线监控（监测）仪器仪表处于校准状态, HJ 212-2017 §6.6.4 Table 8) and are
never averaged into an hour (HJ 75-2017). When the case declares the check (``[[source]]
cems_calibration = { range, zero, span }``, in the unit of the readings), each C reading is taken as
a zero reading when it is closer to the zero gas value than to the span gas value, else as a span
reading; per check (the C readings of one local calendar day) the median zero and span readings
are the check's results, and:

* 24-h zero drift = (Z_d − Z_{d−1}) / range × 100 (% of full scale, F.S.), between consecutive checks;
* 24-h span drift = (S_d − S_{d−1}) / range × 100;
* span deviation = (S_d − span gas) / range × 100 (the check against the gas value).

These are the quantities HJ 75-2017 and HJ 1013-2018 / HJ 1286-2023 define for daily drift [K]; their
acceptance criteria are not encoded (no source reached in this session gives them), so the check
reports the numbers and is never "passed": ``passed`` is null, and the detail says the criterion
was not applied. Without ``cems_calibration`` the detail says drift was not evaluated and why.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from verify.case import Case

CALIBRATION_FLAG = "C"
PHASES = ("before", "after")


def daily_checks(readings: pd.DataFrame, zero: float, span: float, timezone: str) -> pd.DataFrame:
    """One row per local calendar day with C readings: ``zero`` and ``span`` (the medians of the
    day's zero and span readings, NaN when the day has none of that kind)."""
    days = readings["start"].dt.tz_convert(timezone).dt.date
    values = readings["value"].astype(float)
    is_zero = (values - zero).abs() < (values - span).abs()
    frame = pd.DataFrame({"day": days, "value": values, "kind": np.where(is_zero, "zero", "span")})
    table = frame.pivot_table(index="day", columns="kind", values="value", aggfunc="median")
    return table.reindex(columns=["zero", "span"]).sort_index()


def drift_summary(checks: pd.DataFrame, calibration) -> dict:
    """The phase's drift figures (module docstring), in % of full scale, three significant figures."""
    full = float(calibration.range)
    zero_drift = checks["zero"].diff().dropna() / full * 100
    span_drift = checks["span"].diff().dropna() / full * 100
    deviation = (checks["span"].dropna() - calibration.span) / full * 100

    def largest(series: pd.Series) -> float | None:
        return None if series.empty else float(series.abs().max())

    return {"checks": int(len(checks)), "zero_min": float(checks["zero"].min()), "zero_max": float(checks["zero"].max()),
            "span_min": float(checks["span"].min()), "span_max": float(checks["span"].max()),
            "zero_drift_max_pct_fs": largest(zero_drift), "span_drift_max_pct_fs": largest(span_drift),
            "span_deviation_max_pct_fs": largest(deviation)}
