"""Continuous monitoring (CEMS/online) data: valid hourly means, HAC regression and SARIMAX.

* **Hourly means** (HJ 75-2017 / HJ 76-2017 [K]: an hour is valid with at least 45 valid
  minutes; readings flagged invalid under HJ 212-2017 are counted, never used). Hours are clock hours
  in the case's time zone (``EndpointData.timezone``, UTC when unset), reported by their start in UTC.
  Each reading stands for the typical reading interval Δ (median spacing of the distinct reading
  times, capped at 60 min), so an hour's valid minutes are ``(number of distinct valid reading
  times) × Δ``. The hourly value is the mean of its valid readings. ``capture_pct`` is the share of
  valid hours among the clock hours from the phase's first to its last reading.
* **HAC OLS**: ``ln(hourly mean) = β0 + β_step·[after] (+ β_load·load)`` fitted by OLS. The standard
  error of the step (:func:`step_standard_error`) is the larger of two: the AR(1)-prewhitened
  Bartlett HAC of Andrews & Monahan (1992, Econometrica 60:953) with Andrews' (1991, Econometrica
  59:817, §6) automatic bandwidth (:func:`prewhitened_hac`, computed on the standardised design so
  that it does not depend on the units of the load; lags counted in hours on the hourly grid, gaps
  included), and the cluster-robust error with the local calendar days as clusters
  (:func:`day_cluster_cov`) scaled to the t distribution with G − 1 degrees of freedom (Bester,
  Conley & Hansen 2011). The first covers autocorrelation from hour to hour, the second a level
  shared by the hours of a day (product mix, shifts). ``effect_pct = 100(exp β_step − 1)`` with its
  95 % interval (normal quantiles) transformed the same way. Load enters only when every valid hour
  has a load value. (The earlier fixed rule ⌊4(n/100)^{2/9}⌋ lags, Newey & West 1994, gave ~24 % too
  small a standard error at hourly autocorrelation ~0.8; the simulation tests in
  ``tests/stats/test_hac_coverage.py`` hold this estimator to ≥ 93 % coverage at φ = 0.8, ≥ 94 % at
  φ = 0.5, and ≥ 93 % on the Hebei case's model with and without its day effect.)
* **SARIMAX(1,0,0)** sensitivity model (regression with AR(1) errors) on the same log hourly means,
  ``exog = add_constant(step[, load])`` and no ``trend`` (docs/platform.md#statsmodels: ``trend="c"``
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
from scipy import stats as sps
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from verify.errors import InputError

VALID_MINUTES = 45  # HJ 75-2017 / HJ 76-2017 [K] (docs/references.md#hj75-2017)


@dataclass(frozen=True)
class HourlyTable:
    """Hourly aggregation of one endpoint's readings (all clock hours that have any reading)."""

    frame: pd.DataFrame  # columns: hour (UTC), phase, value, valid_minutes, n_readings, n_invalid, load, valid, day
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
    return hourly_means(readings, data.timezone)


def hourly_means(readings: pd.DataFrame, timezone: str | None) -> HourlyTable:
    """Valid hourly means of readings (columns start, phase, value, valid[, load_pct]) in local clock
    hours of ``timezone`` (UTC when None), by the 45-valid-minute rule of the module docstring."""
    df = readings.copy()
    start = pd.to_datetime(df["start"], utc=True)
    tz = timezone or "UTC"
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
    agg["day"] = local_day(agg["hour"], tz)
    frame = agg[["hour", "phase", "value", "valid_minutes", "n_readings", "n_invalid", "load", "valid", "day"]]
    frame = frame.sort_values(["hour", "phase"], kind="stable").reset_index(drop=True)
    span, invalid = {}, {}
    for phase, g in df.groupby("phase"):
        span[str(phase)] = int((g["hour"].max() - g["hour"].min()) / pd.Timedelta(hours=1)) + 1
        invalid[str(phase)] = int((~g["ok"]).sum())
    return HourlyTable(frame, interval, span, invalid)


def local_day(hours: pd.Series, timezone: str | None) -> pd.Series:
    """The local calendar day of each hour start (in ``timezone``, UTC when None) as a day number
    (days since 1970-01-01): the clusters of :func:`day_cluster_cov`."""
    local = pd.to_datetime(hours, utc=True).dt.tz_convert(timezone or "UTC").dt.tz_localize(None)
    return (local.dt.normalize() - pd.Timestamp("1970-01-01")).dt.days.astype(np.int64)


def hourly_values(data) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """Valid hourly means of a continuous endpoint: (hour starts in UTC, values, phase labels).

    Reusable for hourly limit exceedance counts (``docs/results.md``, Limits).
    """
    t = hourly_table(data).frame
    t = t[t["valid"]]
    return pd.DatetimeIndex(t["hour"]), t["value"].to_numpy(float), t["phase"].to_numpy(str)


#: Andrews & Monahan (1992) bound the prewhitening VAR(1) so that recolouring by (I − A)⁻¹ cannot
#: explode near a unit root: here singular values of A above 0.97 are set to 0.97 (the same bound caps
#: the AR(1) coefficients of the bandwidth rule). The paper's own clause was not available to check;
#: Sul, Phillips & Choi (2005, Oxford Bull. Econ. Stat. 67:517, abstract) describe the rule in common
#: use as AR coefficients "or largest eigenvalues" above 0.97 replaced by 0.97. Singular values,
#: unlike eigenvalues, depend on the units of the score columns: the cap is applied to the VAR of
#: the scores of the standardised design (:func:`standardising`), where no units are left.
AR_CAP = 0.97
#: Andrews (1991) eq. (6.2), Bartlett kernel: S = 1.1447 (α(1) n)^{1/3}.
BARTLETT_BANDWIDTH = 1.1447


@dataclass(frozen=True)
class HacFit:
    """The HAC covariance of OLS coefficients and how it was obtained."""

    cov: np.ndarray  # k × k covariance of the coefficients
    bandwidth_h: float  # Bartlett bandwidth S in hours: lag j has weight 1 − j/S
    maxlags: int  # the largest lag (hours) with a positive weight
    ar: np.ndarray  # the prewhitening VAR(1) matrix A of the standardised scores (after the 0.97 cap)


def hour_index(hours: pd.Series | pd.DatetimeIndex) -> np.ndarray:
    """Whole hours since the first hour (the position on the hourly grid; gaps keep their length)."""
    t = pd.DatetimeIndex(hours)
    return np.rint((t - t[0]) / pd.Timedelta(hours=1)).astype(np.int64)


def _capped(a: np.ndarray) -> np.ndarray:
    u, s, vt = np.linalg.svd(a)
    return (u * np.minimum(s, AR_CAP)) @ vt


def _ar1(z: np.ndarray, adjacent: np.ndarray) -> tuple[float, float]:
    """AR(1) coefficient and innovation variance of one series, from its hour-adjacent pairs (OLS)."""
    z1, z0 = z[1:][adjacent], z[:-1][adjacent]
    ss = float(z0 @ z0)
    rho = float(z0 @ z1) / ss if ss > 0 else 0.0
    rho = max(-AR_CAP, min(AR_CAP, rho))
    return rho, float(np.mean((z1 - rho * z0) ** 2)) if len(z1) else 0.0


def andrews_bandwidth(e: np.ndarray, adjacent: np.ndarray, weights: np.ndarray) -> float:
    """Andrews (1991) eq. (6.4) with AR(1) approximations, Bartlett kernel: S = 1.1447 (α(1) n)^{1/3},
    α(1) = Σ w 4ρ²σ⁴/((1−ρ)⁶(1+ρ)²) / Σ w σ⁴/(1−ρ)⁴ over the columns of ``e``."""
    num = den = 0.0
    for col, w in zip(e.T, weights):
        if w == 0:
            continue
        rho, sig2 = _ar1(col, adjacent)
        num += w * 4 * rho**2 * sig2**2 / ((1 - rho) ** 6 * (1 + rho) ** 2)
        den += w * sig2**2 / (1 - rho) ** 4
    if den <= 0:
        return 0.0
    return BARTLETT_BANDWIDTH * (num / den * len(e)) ** (1 / 3)


def bartlett_meat(e: np.ndarray, hours: np.ndarray, bandwidth: float) -> np.ndarray:
    """Σ_j k(j/S) Σ_t e_t e_{t−j}' over lags j in hours (Bartlett k(x) = 1 − |x|), both signs of j.

    The series is laid on its hourly grid with zeros in the missing hours, so that a lag is a
    distance in hours, not in rows (the amplitude-modulated series of Parzen 1963)."""
    grid = np.zeros((int(hours[-1]) + 1, e.shape[1]))
    grid[hours] = e
    meat = grid.T @ grid
    for j in range(1, min(int(math.ceil(bandwidth)) - 1, len(grid) - 1) + 1):
        c = grid[j:].T @ grid[:-j]
        meat += (1 - j / bandwidth) * (c + c.T)
    return meat


def standardising(x: np.ndarray) -> np.ndarray:
    """The k × k matrix T with ``x T = [1, (x_j − mean_j)/sd_j]``: every column but the constant (column 0)
    centred and scaled to unit standard deviation (a constant column other than column 0 is left as it is).

    The covariance is computed on ``x T`` and mapped back (``cov = T cov~ Tᵀ``, as ``β = T β~``), so that
    it does not depend on the units or the origin of a covariate: without this, the VAR's singular-value
    cap and the bandwidth's column weights depended on them (load in % against load/100 changed the
    bandwidth from 20 h to 1 h on the Hebei case)."""
    k = x.shape[1]
    t = np.eye(k)
    mean, sd = x[:, 1:].mean(axis=0), x[:, 1:].std(axis=0)
    scaled = sd > 0
    t[0, 1:][scaled] = -mean[scaled] / sd[scaled]
    t[1:, 1:][np.diag(scaled)] = 1 / sd[scaled]
    return t


def prewhitened_hac(x: np.ndarray, resid: np.ndarray, hours: np.ndarray) -> HacFit:
    """AR(1)-prewhitened Bartlett HAC covariance of OLS coefficients (Andrews & Monahan 1992).

    ``x`` is the n × k design (first column the constant), ``resid`` the OLS residuals, ``hours``
    the rows' whole-hour positions (:func:`hour_index`, increasing). The steps run on the
    standardised design ``x T`` (:func:`standardising`) and the result is mapped back, so the
    covariance of a coefficient is the same whatever the units and origin of the covariates.
    With scores v_t = x_t·u_t of the standardised design:

    1. VAR(1) ``v_t = A v_{t−1} + e_t`` fitted by OLS on the pairs of rows exactly one hour apart
       (a pair across a missing hour does not enter); A capped (:data:`AR_CAP`);
    2. ``e_i = v_i − A v_{i−1}`` for every row but the first (``e_0 = v_0``), with v_{i−1} the previous
       row: one hour earlier, or the last valid hour before a gap. So Σ e = (I − A) Σ v + A v_n exactly
       and the recolouring stays exact across gaps (a gap only makes the interval slightly wider:
       simulated 95.8 % coverage with 5 % of the hours missing at φ = 0.8);
    3. bandwidth S of :func:`andrews_bandwidth` on e (weights 1, the constant's column 0, as
       Andrews 1991 §6 suggests; its AR(1) fits use the same one-hour pairs; n is the number of
       rows, i.e. of valid hours, not the length of the grid), meat :func:`bartlett_meat` of e
       (lags in hours on the grid), recoloured ``Ω = (I − A)⁻¹ Ω_e (I − A)⁻ᵀ`` and scaled by
       n/(n − k) (Andrews 1991 eq. (2.3));
    4. ``cov = (X'X)⁻¹ Ω (X'X)⁻¹`` for the standardised design, then ``T cov Tᵀ``.
    """
    t = standardising(x)
    fit = _prewhitened_hac(x @ t, resid, hours)
    return HacFit(t @ fit.cov @ t.T, fit.bandwidth_h, fit.maxlags, fit.ar)


def _prewhitened_hac(x: np.ndarray, resid: np.ndarray, hours: np.ndarray) -> HacFit:
    """Steps 1–4 of :func:`prewhitened_hac` on the design as given."""
    n, k = x.shape
    v = x * resid[:, None]
    adjacent = np.diff(hours) == 1
    a, *_ = np.linalg.lstsq(v[:-1][adjacent], v[1:][adjacent], rcond=None)
    a = _capped(a.T)
    e = v.copy()
    e[1:] -= v[:-1] @ a.T
    weights = np.r_[0.0, np.ones(k - 1)] if k > 1 else np.ones(1)
    bandwidth = andrews_bandwidth(e, adjacent, weights)
    recolour = np.linalg.inv(np.eye(k) - a)
    omega = recolour @ bartlett_meat(e, hours, bandwidth) @ recolour.T * n / (n - k)
    bread = np.linalg.inv(x.T @ x)
    return HacFit(bread @ omega @ bread, bandwidth, max(int(math.ceil(bandwidth)) - 1, 0), a)


#: The day-clustered standard error is scaled by t_{G−1, 0.975}/z_{0.975} so that the normal 95 %
#: interval is as wide as the t interval with G − 1 degrees of freedom that Bester, Conley & Hansen
#: (2011, J. Econometrics 165:137) give for G clusters.
DAY_LEVEL = 0.95


def day_cluster_cov(x: np.ndarray, resid: np.ndarray, days: np.ndarray) -> tuple[np.ndarray, int]:
    """Cluster-robust covariance of OLS coefficients with the local calendar days as clusters, and G.

    ``(X'X)⁻¹ (Σ_g s_g s_gᵀ) (X'X)⁻¹ · G/(G − 1) · (n − 1)/(n − k)`` with s_g the sum of the scores
    x_t·u_t of day g (the CR1 small-sample factor of Cameron & Miller 2015, J. Human Resources 50:317;
    statsmodels' ``cov_type="cluster"`` gives the same).
    Any correlation within a day is covered (a day-level product-mix or shift effect shared by its
    hours), correlation across midnight is not: :func:`step_standard_error` takes the larger of this
    and the prewhitened HAC. None with fewer than two days."""
    n, k = x.shape
    _, cluster = np.unique(days, return_inverse=True)
    g = int(cluster.max()) + 1
    if g < 2:
        return None, g
    sums = np.zeros((g, k))
    np.add.at(sums, cluster, x * resid[:, None])
    bread = np.linalg.inv(x.T @ x)
    return bread @ (sums.T @ sums) @ bread * g / (g - 1) * (n - 1) / (n - k), g


@dataclass(frozen=True)
class StepError:
    """The standard error of one coefficient: the larger of the two estimates below."""

    se: float
    se_hac: float  # AR(1)-prewhitened Bartlett HAC (:func:`prewhitened_hac`)
    se_day: float | None  # day-clustered (:func:`day_cluster_cov`), scaled to t_{G−1}; None under 2 days
    n_days: int  # G, local calendar days with a valid hour
    hac: HacFit

    @property
    def basis(self) -> str:
        return "day_cluster" if self.se_day is not None and self.se_day > self.se_hac else "hac"


def step_standard_error(x: np.ndarray, resid: np.ndarray, hours: np.ndarray, days: np.ndarray,
                        column: int = 1) -> StepError:
    """Standard error of coefficient ``column``: max(prewhitened HAC, day-clustered × t_{G−1}/z).

    The prewhitened HAC covers short-range (AR-like) autocorrelation but not a level shared by all
    hours of a day (product mix, shift pattern): with a day effect of sd 0.08 on log hourly means,
    as in the Hebei case, its 95 % interval covered the step in only 84 % of simulated campaigns.
    The day-clustered error covers any correlation within a day but misses the part that runs over
    midnight (91 % at AR(1) φ = 0.8 without day effect). The larger of the two held ≥ 93.5 % in
    every simulated design (``tests/stats/test_hac_coverage.py``; conservative: 95–97 % where one
    estimator alone is right)."""
    fit = prewhitened_hac(x, resid, hours)
    se_hac = float(math.sqrt(fit.cov[column, column]))
    cov, g = day_cluster_cov(x, resid, days)
    se_day = None
    if cov is not None:
        q = 1 - (1 - DAY_LEVEL) / 2
        se_day = float(math.sqrt(cov[column, column])) * float(sps.t.ppf(q, g - 1) / sps.norm.ppf(q))
    return StepError(max(se_hac, se_day or 0.0), se_hac, se_day, g, fit)


def day_numbers(frame: pd.DataFrame) -> np.ndarray:
    """The frame's ``day`` column (:func:`local_day`), or the UTC day of its ``hour`` when it has none."""
    if "day" in frame:
        return frame["day"].to_numpy(np.int64)
    return local_day(frame["hour"], None).to_numpy(np.int64)


def _design(frame: pd.DataFrame, use_load: bool) -> tuple[np.ndarray, list[str]]:
    cols = [(frame["phase"] == "after").to_numpy(float)]
    names = ["step"]
    if use_load:
        cols.append(frame["load"].to_numpy(float))
        names.append("load")
    return np.column_stack(cols), names


def step_regression(y: np.ndarray, frame: pd.DataFrame, use_load: bool, level: float = 0.95) -> dict:
    """OLS of y on a constant, the after-phase step (and load) with the :func:`step_standard_error`
    of the step: its coefficient ``beta``, ``se`` and two-sided ``level`` interval ``ci`` (normal)."""
    x, names = _design(frame, use_load)
    x = sm.add_constant(x, has_constant="add")
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    hours = hour_index(frame["hour"])
    err = step_standard_error(x, y - x @ beta, hours, day_numbers(frame))
    half = float(sps.norm.ppf(1 - (1 - level) / 2)) * err.se
    b = float(beta[1])
    return {"beta": b, "se": err.se, "ci": [b - half, b + half], "maxlags": err.hac.maxlags,
            "bandwidth_h": err.hac.bandwidth_h, "n_hours": len(y), "grid_hours": int(hours[-1]) + 1,
            "covariates": names[1:], "distribution": "normal", "method": HAC_METHOD,
            "se_hac": err.se_hac, "se_day": err.se_day, "n_days": err.n_days, "se_basis": err.basis}


HAC_METHOD = ("OLS; standard error the larger of the AR(1)-prewhitened Bartlett HAC (Andrews & Monahan 1992, "
              "Andrews (1991) bandwidth, covariates standardised, lags in hours on the hourly grid) and the "
              "day-clustered CR1 scaled to t(G-1) (local calendar days)")


def hac_ols(frame: pd.DataFrame, use_load: bool, level: float = 0.95) -> dict:
    """HAC OLS of log hourly means on the step (and load): the ``tests.hac_ols`` block."""
    fit = step_regression(np.log(frame["value"].to_numpy(float)), frame, use_load, level)
    lo, hi = fit.pop("ci")
    return {"effect_pct": 100 * math.expm1(fit["beta"]), "ci95": [100 * math.expm1(lo), 100 * math.expm1(hi)], **fit}


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
