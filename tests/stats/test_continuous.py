"""Continuous data: HJ 75/76 hourly validity, HAC regression and SARIMAX on simulated AR(1) data."""

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.statespace.sarimax import SARIMAX

from verify.measure.series import EndpointData
from verify.stats import continuous as cont
from verify.stats.endpoint import analyse_endpoint


def _endpoint(frame, tz="Asia/Shanghai"):
    return EndpointData("S1", None, "NMHC", "concentration", "continuous", "mg/m3", None, readings=frame, timezone=tz)


def _readings(hour_values, phase, start, per_hour=12, invalid=None):
    """Readings every 60/per_hour minutes; invalid = {hour index: number of invalid readings at its end}."""
    rows = []
    step = 60 // per_hour
    for k, v in enumerate(hour_values):
        for m in range(per_hour):
            bad = invalid and k in invalid and m >= per_hour - invalid[k]
            t = pd.Timestamp(start) + pd.Timedelta(hours=k, minutes=m * step)
            rows.append((t, phase, float(v), not bad, "D" if bad else "N", np.nan))
    return pd.DataFrame(rows, columns=["start", "phase", "value", "valid", "flag", "load_pct"])


def test_45_minute_rule():
    # 5-minute readings: 3 invalid → 45 valid minutes (valid hour); 4 invalid → 40 (invalid hour)
    before = _readings([10, 11, 12], "before", "2026-01-01T00:00Z", invalid={1: 3, 2: 4})
    table = cont.hourly_table(_endpoint(before))
    assert table.interval_min == 5
    assert list(table.frame["valid_minutes"]) == [60, 45, 40]
    assert list(table.frame["valid"]) == [True, True, False]
    assert table.invalid_readings["before"] == 7
    hours, values, phase = cont.hourly_values(_endpoint(before))
    assert list(values) == [10, 11] and list(phase) == ["before", "before"]
    assert hours[0] == pd.Timestamp("2026-01-01T00:00Z")


def test_invalid_reading_values_not_used():
    frame = _readings([10, 10], "before", "2026-01-01T00:00Z", invalid={0: 2})
    frame.loc[10:11, "value"] = 1000.0  # the two flagged readings of hour 0: counted, never averaged
    _, values, _ = cont.hourly_values(_endpoint(frame))
    assert list(values) == [10, 10]


def test_hours_follow_local_clock():
    # India (UTC+5:30): a local clock hour starts at :30 UTC
    frame = _readings([10, 20], "before", "2026-01-01T00:30Z")
    hours, values, _ = cont.hourly_values(_endpoint(frame, tz="Asia/Kolkata"))
    assert list(hours) == [pd.Timestamp("2026-01-01T00:30Z"), pd.Timestamp("2026-01-01T01:30Z")]
    # the same readings hour-binned in UTC straddle the hours: 00:00 has 30 min → invalid
    hours_utc, _, _ = cont.hourly_values(_endpoint(frame, tz="UTC"))
    assert pd.Timestamp("2026-01-01T00:00Z") not in list(hours_utc)


def _simulated(seed=11, hours=240, phi=0.6, effect=0.7, load=False):
    rng = np.random.default_rng(seed)
    n = 2 * hours
    e = np.zeros(n)
    for i in range(1, n):
        e[i] = phi * e[i - 1] + rng.normal(0, 0.1)
    step = np.r_[np.zeros(hours), np.ones(hours)]
    lo = rng.uniform(70, 100, n)
    logy = math.log(50) + math.log(effect) * step + e + (0.01 * (lo - 85) if load else 0)
    start = pd.date_range("2026-01-01T00:00Z", periods=hours, freq="h").append(
        pd.date_range("2026-06-01T00:00Z", periods=hours, freq="h"))
    per = 4  # 15-minute readings
    times = np.repeat(start.tz_convert(None).to_numpy(), per) + np.tile(np.arange(per) * np.timedelta64(15, "m"), n)
    return pd.DataFrame({
        "start": pd.DatetimeIndex(times).tz_localize("UTC"),
        "phase": np.repeat(np.where(step == 1, "after", "before"), per),
        "value": np.exp(np.repeat(logy, per) + rng.normal(0, 0.01, n * per)),
        "valid": True, "flag": "N",
        "load_pct": np.repeat(lo, per) if load else np.nan,
    })


@pytest.fixture(scope="module")
def simulated_stats():
    return analyse_endpoint(_endpoint(_simulated()))


def test_known_minus_30_percent_recovered(simulated_stats):
    out = simulated_stats.to_dict()
    hac, sar = out["tests"]["hac_ols"], out["tests"]["sarimax"]
    assert hac["ci95"][0] < -30 < hac["ci95"][1]
    assert hac["maxlags"] == math.ceil(hac["bandwidth_h"]) - 1 and hac["n_hours"] == 480 and hac["covariates"] == []
    # the two phases lie 3,624 hours apart (2026-01-01 and 2026-06-01): the grid counts them
    assert hac["grid_hours"] == (pd.Timestamp("2026-06-01") - pd.Timestamp("2026-01-01")) / pd.Timedelta(hours=1) + 240
    assert sar["converged"] is True and sar["ci95"][0] < -30 < sar["ci95"][1]
    assert out["tests"]["welch_t"] is None and out["tests"]["permutation"] is None
    assert out["before"]["capture_pct"] == 100 and len(out["before"]["hours"]) == 240
    assert out["reduction_ci95"] is None and out["status"] == "ok"


def test_hac_interval_is_wider_than_naive_under_autocorrelation():
    frame = _simulated(phi=0.8)
    table = cont.hourly_table(_endpoint(frame)).frame
    hac = cont.hac_ols(table, use_load=False)
    import statsmodels.api as sm

    x = sm.add_constant((table["phase"] == "after").to_numpy(float))
    naive = sm.OLS(np.log(table["value"].to_numpy(float)), x).fit()
    assert hac["se"] > 1.5 * naive.bse[1]
    assert hac["effect_pct"] == pytest.approx(100 * math.expm1(naive.params[1]))  # same point estimate


def test_load_covariate_used():
    stats = analyse_endpoint(_endpoint(_simulated(load=True, hours=100)))
    hac = stats.tests["hac_ols"]
    assert hac["covariates"] == ["load"]
    assert hac["ci95"][0] < -30 < hac["ci95"][1]


def test_too_few_valid_hours():
    frame = pd.concat([_readings([10, 11, 12], "before", "2026-01-01T00:00Z"),
                       _readings([5], "after", "2026-02-01T00:00Z")])
    out = analyse_endpoint(_endpoint(frame)).to_dict()
    assert out["status"] == "insufficient_data" and out["tests"]["hac_ols"] is None
    assert out["caveats"][0]["code"] == "insufficient_data"


def test_sarimax_convergence_warning_becomes_caveat(monkeypatch):
    original = SARIMAX.fit

    def failing_fit(self, *args, **kwargs):
        res = original(self, *args, **kwargs)
        res.mle_retvals["converged"] = False
        warnings.warn("Maximum Likelihood optimization failed to converge.", ConvergenceWarning)
        return res

    monkeypatch.setattr(SARIMAX, "fit", failing_fit)
    rng = np.random.default_rng(2)
    frame = _readings(list(rng.uniform(9, 11, 30)), "before", "2026-01-01T00:00Z")
    frame = pd.concat([frame, _readings(list(rng.uniform(6, 8, 30)), "after", "2026-02-01T00:00Z")], ignore_index=True)
    out = analyse_endpoint(_endpoint(frame)).to_dict()  # the suite turns ConvergenceWarning into an error
    assert out["tests"]["sarimax"]["converged"] is False
    assert "sarimax_not_converged" in [c["code"] for c in out["caveats"]]


def test_dst_zone_hours():
    # Europe/Berlin falls back on 2026-10-25 03:00 → 02:00 local: the two local "02:00" hours are
    # distinct UTC hours (00:00Z and 01:00Z) and must stay separate.
    frame = _readings([10, 20, 30], "before", "2026-10-25T00:00Z")
    hours, values, _ = cont.hourly_values(_endpoint(frame, tz="Europe/Berlin"))
    assert list(hours) == list(pd.date_range("2026-10-25T00:00Z", periods=3, freq="h"))
    assert list(values) == [10, 20, 30]


def test_sarimax_converges_on_small_log_variances_and_agrees_with_glsar():
    # Log hourly means of real CEMS data vary by ~0.1 (σ² ~ 0.01): unscaled, statsmodels' L-BFGS
    # stops at its OLS start values without converging (seen on the bundled CEMS case). The
    # standardised fit must converge and agree with an independent estimator of the same
    # regression-with-AR(1)-errors model: feasible GLS by iterated Cochrane–Orcutt (statsmodels GLSAR).
    frame = _simulated(seed=5, hours=400, phi=0.7, effect=0.62, load=True)
    out = analyse_endpoint(_endpoint(frame)).to_dict()["tests"]["sarimax"]
    assert out["converged"] is True
    hourly = cont.hourly_table(_endpoint(frame)).frame
    grid = cont._grid(hourly[hourly["valid"]])
    y = np.log(grid["value"].to_numpy(float))
    x, _ = cont._design(grid, True)
    import statsmodels.api as sm

    gls = sm.GLSAR(y, sm.add_constant(x, has_constant="add"), rho=1).iterative_fit(maxiter=50)
    assert math.isclose(out["effect_pct"], 100 * math.expm1(gls.params[1]), abs_tol=0.5)
    assert math.isclose(out["ar1"], gls.model.rho[0], abs_tol=0.05)
