"""Continuous monitoring (CEMS/online) data: valid hourly means, HAC regression and SARIMAX.

* **Hourly means** (HJ 75-2017 and HJ 76-2017, App. B: an hour is valid with at least 45 valid
  minutes; readings flagged invalid under HJ 212-2017 are counted, never used). Hours are clock hours
  in the case's time zone (``EndpointData.timezone``, UTC when unset), reported by their start in UTC.
  Each reading stands for the typical reading interval Δ (median spacing of the distinct reading
  times, capped at 60 min), so an hour's valid minutes are ``(number of distinct valid reading
  times) × Δ``. The hourly value is the mean of its valid readings. ``capture_pct`` is the share of
  valid hours among the clock hours from the phase's first to its last reading.
* **HAC OLS**: ``ln(hourly mean) = β0 + β_step·[after] (+ β_load·load)`` fitted with statsmodels OLS
  and Newey–West (HAC, Bartlett kernel) errors, ``maxlags = ⌊4(n/100)^{2/9}⌋`` (Newey & West 1994,
  Rev. Econ. Stud. 61:631, the plug-in rule of thumb). ``effect_pct = 100(exp β_step − 1)`` with its
  95 % interval transformed the same way. Load enters only when every valid hour has a load value.
* **SARIMAX(1,0,0)** sensitivity model (regression with AR(1) errors) on the same log hourly means,
  ``exog = add_constant(step[, load])`` and no ``trend`` (``shared/platform.md`` §5: ``trend="c"``
  with exog fails to converge). Each phase is laid on its own complete hourly grid (missing hours are
  NaN, handled by the Kalman filter); the phases are joined end to end, so the gap between campaigns
  is not modelled. Exog values of missing hours do not enter the likelihood and are set to 0.
  ``converged`` is ``mle_retvals["converged"]``; a ConvergenceWarning becomes a caveat.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from verify.errors import InputError

VALID_MINUTES = 45  # HJ 75-2017 / HJ 76-2017 App. B


@dataclass(frozen=True)
class HourlyTable:
    """Hourly aggregation of one endpoint's readings (all clock hours that have any reading)."""

    frame: pd.DataFrame  # columns: hour (UTC), phase, value, valid_minutes, n_readings, n_invalid, load, valid
    interval_min: float
    span_hours: dict[str, int]  # clock hours from first to last reading, per phase
    invalid_readings: dict[str, int]


def _require_columns(readings: pd.DataFrame) -> None:
    missing = {"start", "phase", "value", "valid"} - set(readings.columns)
    if missing:
        raise InputError(f"continuous readings lack column(s) {sorted(missing)}")


def hourly_table(data) -> HourlyTable:
    """Aggregate ``data.readings`` to clock hours with the 45-valid-minute rule (see module docstring)."""
    readings = data.readings
    if readings is None or len(readings) == 0:
        raise InputError(f"endpoint {data.key}: design 'continuous' but no readings")
    _require_columns(readings)
    df = readings.copy()
    start = pd.to_datetime(df["start"], utc=True)
    tz = data.timezone or "UTC"
    local = start.dt.tz_convert(tz)
    # start of the local clock hour, computed in UTC (no DST ambiguity: offsets are whole minutes)
    into_hour = (pd.to_timedelta(local.dt.minute * 60 + local.dt.second, unit="s")
                 + pd.to_timedelta(local.dt.microsecond, unit="us") + pd.to_timedelta(local.dt.nanosecond, unit="ns"))
    df["hour"] = start - into_hour
    value = pd.to_numeric(df["value"], errors="coerce")
    df["ok"] = df["valid"].astype(bool) & value.notna() & np.isfinite(value)
    df["value"] = value
    load = pd.to_numeric(df["load_pct"], errors="coerce") if "load_pct" in df else pd.Series(np.nan, index=df.index)
    df["load"] = load.where(df["ok"])
    df["start_utc"] = start
    gaps = start.drop_duplicates().sort_values().diff().dt.total_seconds().to_numpy() / 60
    gaps = gaps[np.isfinite(gaps) & (gaps > 0)]
    interval = float(min(60.0, np.median(gaps))) if len(gaps) else 60.0
    df["ok_value"] = df["value"].where(df["ok"])
    df["ok_start"] = df["start_utc"].where(df["ok"])
    df["bad"] = ~df["ok"]
    df["phase"] = df["phase"].astype(str)
    agg = df.groupby(["phase", "hour"], sort=True).agg(
        value=("ok_value", "mean"), valid_times=("ok_start", "nunique"), n_readings=("ok", "size"),
        n_invalid=("bad", "sum"), load=("load", "mean"),
    ).reset_index()
    agg["valid_minutes"] = np.minimum(60.0, agg["valid_times"].to_numpy(float) * interval)
    agg["valid"] = agg["valid_minutes"] >= VALID_MINUTES
    agg["n_invalid"] = agg["n_invalid"].astype(int)
    frame = agg[["hour", "phase", "value", "valid_minutes", "n_readings", "n_invalid", "load", "valid"]]
    frame = frame.sort_values(["hour", "phase"], kind="stable").reset_index(drop=True)
    span, invalid = {}, {}
    for phase, g in df.groupby("phase"):
        span[str(phase)] = int((g["hour"].max() - g["hour"].min()) / pd.Timedelta(hours=1)) + 1
        invalid[str(phase)] = int((~g["ok"]).sum())
    return HourlyTable(frame, interval, span, invalid)


def hourly_values(data) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """Valid hourly means of a continuous endpoint: (hour starts in UTC, values, phase labels).

    Reusable for hourly limit exceedance counts (``shared/spec/results.md``, Limits).
    """
    t = hourly_table(data).frame
    t = t[t["valid"]]
    return pd.DatetimeIndex(t["hour"]), t["value"].to_numpy(float), t["phase"].to_numpy(str)


def newey_west_maxlags(n: int) -> int:
    """⌊4(n/100)^{2/9}⌋, Newey & West (1994)."""
    return int(math.floor(4 * (n / 100) ** (2 / 9)))


def _design(frame: pd.DataFrame, use_load: bool) -> tuple[np.ndarray, list[str]]:
    cols = [(frame["phase"] == "after").to_numpy(float)]
    names = ["step"]
    if use_load:
        cols.append(frame["load"].to_numpy(float))
        names.append("load")
    return np.column_stack(cols), names


def hac_ols(frame: pd.DataFrame, use_load: bool, level: float = 0.95) -> tuple[dict, object]:
    """HAC OLS of log hourly means on the step (and load); returns (result dict, fitted results)."""
    y = np.log(frame["value"].to_numpy(float))
    x, names = _design(frame, use_load)
    n = len(y)
    lags = newey_west_maxlags(n)
    res = sm.OLS(y, sm.add_constant(x, has_constant="add")).fit(cov_type="HAC", cov_kwds={"maxlags": lags})
    beta = float(res.params[1])
    lo, hi = (float(v) for v in res.conf_int(alpha=1 - level)[1])
    out = {
        "effect_pct": 100 * math.expm1(beta), "ci95": [100 * math.expm1(lo), 100 * math.expm1(hi)],
        "maxlags": lags, "n_hours": n, "covariates": names[1:],
        "beta": beta, "se": float(res.bse[1]), "distribution": "t" if res.use_t else "normal",
    }
    return out, res


def _grid(frame: pd.DataFrame) -> pd.DataFrame:
    """Each phase on its complete hourly grid (missing hours NaN), phases joined end to end."""
    parts = []
    for phase in ("before", "after"):
        g = frame[frame["phase"] == phase].set_index("hour")
        if len(g) == 0:
            continue
        full = pd.date_range(g.index.min(), g.index.max(), freq="h")
        g = g.reindex(full)
        g["phase"] = phase
        parts.append(g.reset_index(drop=True))
    return pd.concat(parts, ignore_index=True)


def sarimax_effect(frame: pd.DataFrame, use_load: bool, level: float = 0.95) -> tuple[dict, list[str]]:
    """SARIMAX(1,0,0) with exog = add_constant(step[, load]); returns (result dict, warning messages)."""
    grid = _grid(frame)
    y = np.log(grid["value"].to_numpy(float))
    x, names = _design(grid, use_load)
    x = np.nan_to_num(x, nan=0.0)  # exog of missing hours: no likelihood contribution
    exog = sm.add_constant(x, has_constant="add")
    messages: list[str] = []
    converged = False
    # Fit on standardised log values: with the small variances of log hourly means (~0.01) the
    # default L-BFGS stops at its start values (OLS) without converging; on the unit scale it
    # converges. The step coefficient and its interval are scaled back by the standard deviation.
    centre, scale = float(np.nanmean(y)), float(np.nanstd(y))
    if not scale > 0:
        scale = 1.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = sm.tsa.SARIMAX((y - centre) / scale, exog=exog, order=(1, 0, 0))
        res = model.fit(disp=False)
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            messages.append("convergence")
        else:
            messages.append(f"{w.category.__name__}: {w.message}")
    converged = bool(res.mle_retvals.get("converged", False)) if res.mle_retvals else False
    beta = float(res.params[1]) * scale
    lo, hi = (float(v) * scale for v in np.asarray(res.conf_int(alpha=1 - level))[1])
    out = {
        "effect_pct": 100 * math.expm1(beta), "ci95": [100 * math.expm1(lo), 100 * math.expm1(hi)],
        "order": [1, 0, 0], "converged": converged and "convergence" not in messages,
        "ar1": float(res.params[len(names) + 1]), "n_hours": int(np.isfinite(y).sum()),
    }
    return out, messages
