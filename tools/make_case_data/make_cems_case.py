"""Write the minute data of case_studies/hebei-coating-cems deterministically.

    .venv/bin/python tools/make_case_data/make_cems_case.py [OUT_CASE_FOLDER]

ILLUSTRATIVE DATA, simulated (numpy ``default_rng(SEED)``): an NMHC CEMS (HJ 1013-2018) on the exhaust
stack of a metal-furniture spray-coating line, four weeks before and four weeks after a switch from
solvent-borne to high-solids/waterborne coatings, with a two-week commissioning gap in between (no
readings exported). The file is what an HJ 212-2017 platform export looks like: one row per minute,
timestamps without offset (local, Asia/Shanghai), the HJ 212 data flag, production load and the
standard-dry flow of the same minute.

Model (all parameters below, in one place):

* production load: two shifts, 08:00-20:00 at about 88 %, night at about 72 %, Sundays x0.85, with
  AR(1) minute noise; the line stops (load 0) in one block per period, and the operator switches
  the analyser off meanwhile (flag F);
* log NMHC = log(BASE_MG_M3) + LOAD_ELASTICITY x log(load/80) + daily product effect (normal,
  DAY_SD) + AR(1) minute process noise (phi AR_PHI, marginal sd AR_SD) + white analyser noise
  (NOISE_SD) + log(TRUE_RATIO) after the change, i.e. a true effect of -35 %;
* flags (HJ 212-2017): N normal; C daily zero/span check 02:00-02:14 (zero gas, then span gas
  response); M weekly maintenance Wednesday 10:00-11:59; D analyser fault (the value freezes);
  F analyser stopped (HJ 212-2017: 在线监控（监测）仪器仪表停运, an instrument state, not the
  plant's: the readings written meanwhile are residual values, i.e. missing data); T over range: short solvent-changeover spikes above the
  instrument range RANGE_MG_M3, kept with their value.

The committed CSV is the product; this script documents how it was made and lets a reviewer
regenerate it byte for byte.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np

CASE_DIR = Path(__file__).resolve().parents[2] / "case_studies" / "hebei-coating-cems"
FILE_NAME = "cems_S1_minute.csv"

SEED = 20260302
BEFORE = (dt.datetime(2026, 3, 2), dt.datetime(2026, 3, 30))  # 28 days, local time
AFTER = (dt.datetime(2026, 4, 13), dt.datetime(2026, 5, 11))  # 28 days; 2026-03-30..04-13 commissioning

# NMHC as C at 80 % load before the change (docs/references.md#stenter-magnitudes: outlet range 10-50 [K])
BASE_MG_M3 = 44.0
LOAD_ELASTICITY = 1.0  # NMHC proportional to coating throughput (assumption of the simulation)
TRUE_RATIO = 0.65  # after/before: the true effect, -35 %
DAY_SD = 0.08  # day-to-day product-mix effect on log NMHC
AR_PHI = 0.98  # minute-to-minute autocorrelation of the process noise
AR_SD = 0.15  # marginal sd of the AR(1) process noise on log NMHC
NOISE_SD = 0.03  # white analyser noise on log NMHC
RANGE_MG_M3 = 100.0  # instrument upper range (declared as `range` in case.toml)
SPAN_GAS_MG_M3 = 50.0  # span gas response during the daily check
FLOW_AT_ZERO_LOAD = 12000.0  # Nm3/h dry: fans run even at low throughput
FLOW_PER_LOAD_PCT = 90.0  # Nm3/h per % load (about 19 000 Nm3/h at 80 %)

HEADER = "数据时间,监测项目,实测值,单位,数据标记,生产负荷,标干流量"

# (start, minutes) of blocks, local time
FAULT_BLOCKS = [(dt.datetime(2026, 3, 18, 14, 0), 360), (dt.datetime(2026, 4, 27, 3, 0), 180)]
STOP_BLOCKS = [(dt.datetime(2026, 3, 22, 0, 0), 360), (dt.datetime(2026, 5, 3, 0, 0), 480)]
SPIKES_BEFORE, SPIKES_AFTER = 7, 3  # solvent-changeover spikes per period


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    """Stationary AR(1) series of length n with marginal sd ``sd``."""
    eps = rng.normal(0.0, sd * np.sqrt(1 - phi**2), n)
    out = np.empty(n)
    out[0] = rng.normal(0.0, sd)
    for i in range(1, n):
        out[i] = phi * out[i - 1] + eps[i]
    return out


def _minutes(start: dt.datetime, end: dt.datetime) -> np.ndarray:
    return np.arange(np.datetime64(start, "m"), np.datetime64(end, "m"), np.timedelta64(1, "m"))


def _in_blocks(t: np.ndarray, blocks: list[tuple[dt.datetime, int]]) -> np.ndarray:
    mask = np.zeros(t.shape, bool)
    for start, minutes in blocks:
        s = np.datetime64(start, "m")
        mask |= (t >= s) & (t < s + np.timedelta64(minutes, "m"))
    return mask


def simulate_period(rng: np.random.Generator, start: dt.datetime, end: dt.datetime, after: bool, n_spikes: int):
    """One period: timestamps, NMHC values, flags, load and flow (arrays of equal length)."""
    t = _minutes(start, end)
    n = t.size
    minute_of_day = (t - t.astype("datetime64[D]")).astype(int)
    hour = minute_of_day / 60.0
    weekday = (t.astype("datetime64[D]").astype(int) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    day_index = (t.astype("datetime64[D]") - t[0].astype("datetime64[D]")).astype(int)

    # production load: smooth two-shift cycle (logistic ramps at 08:00 and 20:00)
    day_shift = 1 / (1 + np.exp(-(hour - 8) * 3)) - 1 / (1 + np.exp(-(hour - 20) * 3))
    load = 72 + 16 * day_shift
    load = np.where(weekday == 6, load * 0.85, load)
    load = np.clip(load + _ar1(rng, n, 0.95, 2.0), 40, 100)

    day_effect = rng.normal(0.0, DAY_SD, day_index.max() + 1)[day_index]
    log_c = (np.log(BASE_MG_M3) + LOAD_ELASTICITY * np.log(load / 80) + day_effect + _ar1(rng, n, AR_PHI, AR_SD)
             + rng.normal(0.0, NOISE_SD, n) + (np.log(TRUE_RATIO) if after else 0.0))
    value = np.exp(log_c)
    flow = FLOW_AT_ZERO_LOAD + FLOW_PER_LOAD_PCT * load + rng.normal(0, 250, n)
    flag = np.full(n, "N", dtype="<U1")

    # T: solvent-changeover spikes (3-8 min) during the day shift; over-range values kept and flagged
    day_minutes = np.flatnonzero((hour >= 9) & (hour < 19))
    for s in rng.choice(day_minutes, size=n_spikes, replace=False):
        length = int(rng.integers(3, 9))
        idx = np.arange(s, min(s + length, n))
        value[idx] = value[idx] * rng.uniform(2.0, 2.6) + 20
        flag[idx] = np.where(value[idx] > RANGE_MG_M3, "T", "N")

    # F: the line is stopped (load 0, flow from the fans only) and the analyser is switched off with
    # it: flag F (instrument stopped, HJ 212-2017), the values written meanwhile are residual readings
    stopped = _in_blocks(t, STOP_BLOCKS)
    load[stopped] = 0.0
    value[stopped] = rng.uniform(1.5, 3.5, stopped.sum())
    flow[stopped] = FLOW_AT_ZERO_LOAD * 0.5 + rng.normal(0, 200, stopped.sum())
    flag[stopped] = "F"

    # M: weekly maintenance (Wednesday 10:00-11:59): probe purged, readings near zero
    maintenance = (weekday == 2) & (hour >= 10) & (hour < 12)
    value[maintenance] = rng.uniform(0.0, 1.0, maintenance.sum())
    flag[maintenance] = "M"

    # C: daily zero (02:00-02:06) and span (02:07-02:14) check
    zero = (minute_of_day >= 120) & (minute_of_day < 127)
    span = (minute_of_day >= 127) & (minute_of_day < 135)
    value[zero] = rng.uniform(0.0, 0.4, zero.sum())
    value[span] = SPAN_GAS_MG_M3 + rng.normal(0.0, 0.5, span.sum())
    flag[zero | span] = "C"

    # D: analyser fault: the value freezes at the last reading before the fault
    fault = _in_blocks(t, FAULT_BLOCKS)
    for block in np.split(np.flatnonzero(fault), np.flatnonzero(np.diff(np.flatnonzero(fault)) > 1) + 1):
        if block.size:
            value[block] = value[max(block[0] - 1, 0)]
            flag[block] = "D"

    return t, value, flag, load, flow


def rows() -> list[str]:
    rng = np.random.default_rng(SEED)
    lines = [HEADER]
    for (start, end), after, spikes in ((BEFORE, False, SPIKES_BEFORE), (AFTER, True, SPIKES_AFTER)):
        t, value, flag, load, flow = simulate_period(rng, start, end, after, spikes)
        stamps = np.datetime_as_string(t, unit="m")
        for s, v, f, ld, q in zip(stamps, value, flag, load, flow):
            lines.append(f"{s.replace('T', ' ')},非甲烷总烃,{v:.2f},mg/m3,{f},{ld:.1f},{q:.0f}")
    return lines


def main(case_dir: Path = CASE_DIR) -> list[Path]:
    data = Path(case_dir) / "data"
    data.mkdir(parents=True, exist_ok=True)
    path = data / FILE_NAME
    # UTF-8 with BOM, CRLF: what platform exports opened in Excel look like
    path.write_bytes(("\r\n".join(rows()) + "\r\n").encode("utf-8-sig"))
    return [path]


if __name__ == "__main__":
    for written in main(Path(sys.argv[1]) if len(sys.argv) > 1 else CASE_DIR):
        print(written)
