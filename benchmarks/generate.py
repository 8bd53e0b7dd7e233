"""Deterministic generator of large, realistic continuous-monitoring case folders for the benchmarks.

A generated case is one stenter exhaust stack (``S1``, written in the files by its Chinese alias
``1#定型机排气筒``) with a CEMS / data logger reading four channels once a minute — NMHC (as C),
SO2, NOx (as NO2) and PM — plus the run-level quantities a logger exports beside them: production
load, dry standard flow and O2. The case folder follows the contract of ``docs/case-format.md``
(``case.toml`` + ``data/``) and is validated by :func:`verify.case.load_case`.

What the readings look like (all synthetic; magnitudes from docs/references.md#stenter-magnitudes,
which tags them **[K]**, i.e. typical, not measured):

* outlet NMHC ~40 mgC/m3 before and ~18 after the measure; PM ~15 → ~6; NOx ~30 (unchanged but for
  a 5 % load-related drift); SO2 ~6 (a direct-fired gas stenter, unchanged);
* dry standard flow ~15,000 m3/h scaled with load; O2 ~19.5 % (stenter exhaust is mostly air);
* production load: a three-shift plant, 70–100 % with a diurnal cycle and AR(1) wander, and one
  shutdown day per phase (load 0, HJ 212 flag ``F``);
* every channel: a diurnal cycle, log-normal AR(1) noise (φ = 0.98 per minute), rare spikes that
  exceed the instrument range (flag ``T``), a 10-minute daily calibration (``C``), maintenance
  blocks (``M``), channel faults (``D``), communication faults (``B``), and logger drop-outs where
  no row is written at all (so some hours fall below the 45 valid minutes of HJ 75/76);
* HJ 212-2017 data flags (docs/references.md#hj212-2017): N valid, T over the upper measuring limit,
  F instrument stopped (missing data), M maintenance,
  D fault, C calibration, B communication fault;
* a ``[[period]]`` before and a ``[[period]]`` after with a gap between them (the measure being
  installed, logger offline), so no reading falls outside a period.

Layouts and formats:

* ``long``: one row per channel reading (``监测时间, 监测点位, 污染物, 实测值, 单位, 数据标记, 量程,
  检测方法, 标干流量, 流量单位, 含氧量, 生产负荷``) — the shape a CEMS platform export has;
* ``wide``: one row per minute, one column per channel with its unit in the header
  (``非甲烷总烃(mg/m3)``); the row carries the worst flag of its channels (wide exports have one
  status column), and the method comes from the ``[[file]]`` ``defaults``;
* ``csv`` (UTF-8) or ``xlsx`` (openpyxl ``write_only=True``, real datetime and number cells).

The same arguments always give byte-identical CSV files (``numpy.random.default_rng(seed)``; xlsx
files differ only in the zip timestamps openpyxl writes). Large files are slow to write, so
:func:`cached_case` keeps them under ``benchmarks/.cache/`` keyed by the arguments and this file's
hash.

Command line::

    .venv/bin/python benchmarks/generate.py OUT_DIR --rows 1000000 --layout long --format csv
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
CACHE_DIR = HERE / ".cache"
DEFAULT_SEED = 20261123
START = dt.datetime(2026, 3, 1, 0, 0)
GAP_DAYS = 7  # installation of the measure: logger offline, no readings
SOURCE_ID = "S1"
SOURCE_ALIAS = "1#定型机排气筒"


@dataclass(frozen=True)
class Channel:
    """One CEMS channel. ``before``/``after`` are typical outlet levels (docs/references.md#stenter-magnitudes, [K])."""

    key: str  # canonical pollutant key
    label: str  # how the export names it (Chinese, as on a CEMS platform)
    unit: str
    method: str
    before: float
    after: float
    range_: float  # instrument upper range, same unit
    decimals: int


CHANNELS: tuple[Channel, ...] = (
    # HJ 1013-2018: NMHC CEMS; HJ 75-2017: CEMS for SO2/NOx/PM. Levels: docs/references.md#stenter-magnitudes [K].
    Channel("NMHC", "非甲烷总烃", "mg/m3", "HJ 1013-2018", 40.0, 18.0, 100.0, 2),
    Channel("SO2", "二氧化硫", "mg/m3", "HJ 75-2017", 6.0, 6.0, 100.0, 1),
    Channel("NOx", "氮氧化物", "mg/m3", "HJ 75-2017", 30.0, 28.5, 200.0, 1),
    Channel("PM", "颗粒物", "mg/m3", "HJ 75-2017", 15.0, 6.0, 50.0, 2),
)

LONG_HEADER = ["监测时间", "监测点位", "污染物", "实测值", "单位", "数据标记", "量程", "检测方法",
               "标干流量", "流量单位", "含氧量", "生产负荷"]
WIDE_META = ["监测时间", "监测点位"]
WIDE_TAIL = ["数据标记", "标干流量(m3/h)", "含氧量(%)", "生产负荷(%)"]
# Severity used to pick the one flag of a wide row (invalid flags outrank T, T outranks N).
FLAG_SEVERITY = {"N": 0, "T": 1, "C": 2, "B": 3, "D": 4, "M": 5, "F": 6}


@dataclass(frozen=True)
class Spec:
    """What to generate. ``rows`` counts data rows of the file (long: channel readings; wide: minutes)."""

    rows: int
    layout: str = "long"  # long | wide
    fmt: str = "csv"  # csv | xlsx
    seed: int = DEFAULT_SEED

    def __post_init__(self) -> None:
        if self.rows < 8:
            raise ValueError("rows must be at least 8")
        if self.layout not in ("long", "wide"):
            raise ValueError("layout must be 'long' or 'wide'")
        if self.fmt not in ("csv", "xlsx"):
            raise ValueError("format must be 'csv' or 'xlsx'")

    @property
    def name(self) -> str:
        return f"cems-{self.layout}-{self.fmt}-{self.rows}-s{self.seed}"

    @property
    def data_file(self) -> str:
        return f"data/cems_{self.layout}.{self.fmt}"


# --------------------------------------------------------------------------- the signal


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    """A stationary AR(1) series with marginal standard deviation ``sd``.

    A plain loop (about 0.1 s per 250,000 points) rather than ``scipy.signal.lfilter``, whose
    import alone takes seconds on a busy machine.
    """
    eps = (rng.standard_normal(n) * (sd * np.sqrt(1.0 - phi * phi))).tolist()
    if n:
        eps[0] = float(rng.standard_normal()) * sd
    y = eps
    prev = 0.0
    for i, e in enumerate(eps):
        prev = phi * prev + e
        y[i] = prev
    return np.asarray(y, dtype=float)


def _blocks(rng: np.random.Generator, n: int, count: int, min_len: int, max_len: int) -> np.ndarray:
    """A boolean mask with ``count`` random blocks of ``min_len``..``max_len`` minutes."""
    mask = np.zeros(n, dtype=bool)
    if n <= 0 or count <= 0:
        return mask
    starts = rng.integers(0, n, size=count)
    lengths = rng.integers(min_len, max_len + 1, size=count)
    for s, ln in zip(starts, lengths):
        mask[s:s + ln] = True
    return mask


@dataclass(frozen=True)
class Timeline:
    minutes: pd.DatetimeIndex  # naive local times (case timezone) of every minute slot
    phase: np.ndarray  # "before" | "after"
    before: tuple[dt.datetime, dt.datetime]
    after: tuple[dt.datetime, dt.datetime]


def timeline(slots: int) -> Timeline:
    """``slots`` minutes split evenly into before and after, with a ``GAP_DAYS`` gap between."""
    n_before = slots // 2
    n_after = slots - n_before
    before_idx = pd.date_range(START, periods=n_before, freq="min")
    after_start = START + dt.timedelta(minutes=n_before) + dt.timedelta(days=GAP_DAYS)
    # the after phase starts at a whole hour so that its hours are complete
    after_start = after_start.replace(minute=0) + dt.timedelta(hours=1)
    after_idx = pd.date_range(after_start, periods=n_after, freq="min")
    minutes = before_idx.append(after_idx)
    phase = np.array(["before"] * n_before + ["after"] * n_after, dtype=object)
    return Timeline(
        minutes=minutes,
        phase=phase,
        before=(START, START + dt.timedelta(minutes=n_before)),
        after=(after_start, after_start + dt.timedelta(minutes=n_after)),
    )


def simulate(slots: int, seed: int) -> dict[str, np.ndarray | pd.DatetimeIndex]:
    """Every minute slot with all channels, run-level quantities and flags, before drop-outs.

    Returns arrays of length ``slots`` (per channel: ``value:<key>``, ``flag:<key>``) plus a
    ``present`` mask (False where the logger wrote nothing).
    """
    rng = np.random.default_rng(seed)
    tl = timeline(slots)
    n = slots
    hours = (tl.minutes.hour + tl.minutes.minute / 60.0).to_numpy()
    after = tl.phase == "after"
    day = ((tl.minutes - pd.Timestamp(START)) // pd.Timedelta(days=1)).to_numpy()

    # production load, % of design: diurnal cycle (night shift lighter) + AR(1) wander
    load = 88.0 + 6.0 * np.sin(2 * np.pi * (hours - 9.0) / 24.0) + _ar1(rng, n, 0.995, 4.0)
    load = np.clip(load, 60.0, 100.0)
    # one shutdown day per phase: load 0, flag F on every channel
    shutdown = np.zeros(n, dtype=bool)
    for mask in (~after, after):
        days = np.unique(day[mask])
        if len(days) > 3:
            shutdown |= mask & (day == rng.choice(days[1:-1]))
    load[shutdown] = 0.0
    flow = 15000.0 * (0.4 + 0.6 * load / 100.0) * np.exp(_ar1(rng, n, 0.99, 0.03))
    o2 = np.clip(19.5 + _ar1(rng, n, 0.98, 0.25), 17.0, 20.8)
    o2[shutdown] = 20.9

    out: dict[str, np.ndarray | pd.DatetimeIndex] = {
        "start": tl.minutes, "phase": tl.phase, "load": load, "flow": flow, "o2": o2,
    }
    # logger drop-outs: about 0.6 % of minutes, in blocks, no row at all
    present = ~_blocks(rng, n, n // 2000, 1, 12)
    comms = _blocks(rng, n, n // 10000, 5, 40)  # B: logger up, channels say comms fault
    maintenance = _blocks(rng, n, n // 40000, 60, 240)  # M: all channels
    calibration = np.asarray(tl.minutes.hour == 2) & np.asarray(tl.minutes.minute < 10)  # C daily
    load_effect = (np.where(load > 0, load, 80.0) / 85.0) ** 0.8
    diurnal = 1.0 + 0.12 * np.sin(2 * np.pi * (hours - 14.0) / 24.0)
    for ch in CHANNELS:
        level = np.where(after, ch.after, ch.before)
        noise = np.exp(_ar1(rng, n, 0.98, 0.18) - 0.5 * 0.18 ** 2)
        value = level * load_effect * diurnal * noise
        spikes = rng.random(n) < 0.0005
        value[spikes] *= rng.uniform(2.5, 6.0, size=int(spikes.sum()))
        value[shutdown] *= 0.05
        flag = np.full(n, "N", dtype=object)
        flag[value > ch.range_] = "T"
        value = np.minimum(value, ch.range_ * 1.05)  # analysers saturate a little above range
        flag[calibration] = "C"
        flag[comms] = "B"
        flag[_blocks(rng, n, n // 60000, 30, 180)] = "D"  # this channel's analyser fault
        flag[maintenance] = "M"
        flag[shutdown] = "F"
        out[f"value:{ch.key}"] = np.round(value, ch.decimals)
        out[f"flag:{ch.key}"] = flag
    out["present"] = present
    out["load"] = np.round(load, 1)
    out["flow"] = np.round(flow, 0)
    out["o2"] = np.round(o2, 2)
    out["timeline"] = tl  # type: ignore[assignment]
    return out


# --------------------------------------------------------------------------- tables


def _slots_for(spec: Spec) -> int:
    per_slot = len(CHANNELS) if spec.layout == "long" else 1
    # 1.5 % head-room for drop-outs; trimmed to exactly spec.rows afterwards
    return int(np.ceil(spec.rows / per_slot * 1.015)) + 4


def long_table(spec: Spec) -> tuple[pd.DataFrame, Timeline]:
    """The long file as text columns, exactly ``spec.rows`` rows."""
    sim = simulate(_slots_for(spec), spec.seed)
    keep = sim["present"]
    start = pd.DatetimeIndex(sim["start"])[keep]
    stamp = start.strftime("%Y-%m-%d %H:%M:%S").to_numpy()
    m = len(stamp)
    k = len(CHANNELS)
    cols: dict[str, np.ndarray] = {
        "监测时间": np.repeat(stamp, k),
        "监测点位": np.full(m * k, SOURCE_ALIAS, dtype=object),
        "污染物": np.tile(np.array([c.label for c in CHANNELS], dtype=object), m),
        "实测值": np.column_stack([_fmt(sim[f"value:{c.key}"][keep], c.decimals) for c in CHANNELS]).ravel(),
        "单位": np.tile(np.array([c.unit for c in CHANNELS], dtype=object), m),
        "数据标记": np.column_stack([sim[f"flag:{c.key}"][keep] for c in CHANNELS]).ravel(),
        "量程": np.tile(np.array([f"{c.range_:g}" for c in CHANNELS], dtype=object), m),
        "检测方法": np.tile(np.array([c.method for c in CHANNELS], dtype=object), m),
        "标干流量": np.repeat(_fmt(sim["flow"][keep], 0), k),
        "流量单位": np.full(m * k, "m3/h", dtype=object),
        "含氧量": np.repeat(_fmt(sim["o2"][keep], 2), k),
        "生产负荷": np.repeat(_fmt(sim["load"][keep], 1), k),
    }
    frame = pd.DataFrame(cols, columns=LONG_HEADER)
    if len(frame) < spec.rows:  # cannot happen with the head-room above; guard anyway
        raise RuntimeError(f"generated {len(frame)} rows, fewer than {spec.rows}")
    return frame.iloc[: spec.rows].reset_index(drop=True), sim["timeline"]  # type: ignore[return-value]


def wide_table(spec: Spec) -> tuple[pd.DataFrame, Timeline]:
    """The wide table (typed: datetime, floats, strings), exactly ``spec.rows`` rows."""
    sim = simulate(_slots_for(spec), spec.seed)
    keep = sim["present"]
    severity = np.column_stack([np.vectorize(FLAG_SEVERITY.__getitem__, otypes=[int])(sim[f"flag:{c.key}"][keep])
                                for c in CHANNELS]).max(axis=1)
    by_severity = np.array(sorted(FLAG_SEVERITY, key=FLAG_SEVERITY.__getitem__), dtype=object)
    cols: dict[str, object] = {
        "监测时间": pd.DatetimeIndex(sim["start"])[keep],
        "监测点位": np.full(int(keep.sum()), SOURCE_ALIAS, dtype=object),
    }
    for c in CHANNELS:
        cols[f"{c.label}({c.unit})"] = sim[f"value:{c.key}"][keep]
    cols["数据标记"] = by_severity[severity]
    cols["标干流量(m3/h)"] = sim["flow"][keep]
    cols["含氧量(%)"] = sim["o2"][keep]
    cols["生产负荷(%)"] = sim["load"][keep]
    frame = pd.DataFrame(cols)
    if len(frame) < spec.rows:
        raise RuntimeError(f"generated {len(frame)} rows, fewer than {spec.rows}")
    return frame.iloc[: spec.rows].reset_index(drop=True), sim["timeline"]  # type: ignore[return-value]


def _fmt(values: np.ndarray, decimals: int) -> np.ndarray:
    """Fixed-decimal text, as a logger writes it (``12.30``, never ``12.3000000001``)."""
    return np.char.mod(f"%.{decimals}f", np.asarray(values, dtype=float)).astype(object)


# --------------------------------------------------------------------------- writers


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def write_xlsx(frame: pd.DataFrame, path: Path, sheet: str = "CEMS") -> None:
    """Write with openpyxl ``write_only=True`` (streaming); datetimes and numbers as typed cells."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.append(list(frame.columns))
    columns = []
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            columns.append(col.dt.to_pydatetime().tolist())
        elif pd.api.types.is_float_dtype(col):
            columns.append(col.astype(float).tolist())
        else:
            columns.append(col.astype(object).tolist())
    for row in zip(*columns):
        ws.append(row)
    wb.save(path)


def manifest(comment: str, case_id: str, title_ja: str, title_zh: str, tl: Timeline, sources: str, files: str) -> str:
    """case.toml of a synthetic benchmark case: the case, claim C1 (NMHC concentration −40 % at S1),
    ``sources``, the two periods of ``tl`` and ``files`` (also used by benchmarks/large_case.py)."""
    def t(x: dt.datetime) -> str:
        return x.strftime("%Y-%m-%dT%H:%M:%S")

    return f'''# {comment}
[case]
id = "{case_id}"
title = {{ ja = "{title_ja}", zh = "{title_zh}" }}
factory = {{ ja = "合成データ工場", zh = "合成数据工厂" }}
timezone = "Asia/Shanghai"
conditions = "CN"
concentration_basis = "standard-dry"
illustrative = true

[[claim]]
id = "C1"
source = "{SOURCE_ID}"
pollutant = "NMHC"
metric = "concentration"
kind = "reduction"
value = 40

{sources}
[[period]]
phase = "before"
start = {t(tl.before[0])}
end = {t(tl.before[1])}

[[period]]
phase = "after"
start = {t(tl.after[0])}
end = {t(tl.after[1])}

{files}'''


def case_toml(spec: Spec, tl: Timeline) -> str:
    """The manifest: one stack source with its alias, the two periods, one file."""
    file_lines = [f'path = "{spec.data_file}"', f'layout = "{spec.layout}"']
    if spec.fmt == "xlsx":
        file_lines.append('sheet = "CEMS"')
    if spec.layout == "wide":
        file_lines.append('defaults = { method = "HJ 75-2017; HJ 1013-2018 (CEMS)" }')
    source = (f'[[source]]\nid = "{SOURCE_ID}"\nkind = "stack"\nname = {{ ja = "1号テンター排気筒", zh = "1#定型机排气筒" }}\n'
              f'aliases = ["{SOURCE_ALIAS}"]\nheight_m = 15\n')
    return manifest(f"Generated by benchmarks/generate.py ({spec.name}); synthetic data for speed benchmarks.",
                    f"bench-{spec.layout}-{spec.fmt}-{spec.rows}", "ベンチマーク用連続測定（合成データ）",
                    "基准测试用在线监测数据（合成）", tl, source, "[[file]]\n" + "\n".join(file_lines) + "\n")


def generate_case(folder: str | Path, spec: Spec) -> Path:
    """Write a complete case folder for ``spec`` into ``folder`` (created; must be empty or absent)."""
    folder = Path(folder)
    (folder / "data").mkdir(parents=True, exist_ok=True)
    if spec.layout == "long":
        frame, tl = long_table(spec)
    else:
        frame, tl = wide_table(spec)
        if spec.fmt == "csv":
            frame = frame.assign(**{"监测时间": frame["监测时间"].dt.strftime("%Y-%m-%d %H:%M:%S")})
            for c in CHANNELS:
                frame[f"{c.label}({c.unit})"] = _fmt(frame[f"{c.label}({c.unit})"].to_numpy(), c.decimals)
            frame["标干流量(m3/h)"] = _fmt(frame["标干流量(m3/h)"].to_numpy(), 0)
            frame["含氧量(%)"] = _fmt(frame["含氧量(%)"].to_numpy(), 2)
            frame["生产负荷(%)"] = _fmt(frame["生产负荷(%)"].to_numpy(), 1)
    path = folder / spec.data_file
    if spec.fmt == "csv":
        write_csv(frame, path)
    else:
        write_xlsx(frame, path)
    (folder / "case.toml").write_text(case_toml(spec, tl), encoding="utf-8")
    (folder / "generated.json").write_text(json.dumps({**asdict(spec), "name": spec.name, "data_rows": len(frame),
                                                       "generator_sha256": _self_hash()}, indent=2) + "\n")
    return folder


def _self_hash() -> str:
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def cached_case(spec: Spec, cache_dir: Path = CACHE_DIR) -> Path:
    """The case folder for ``spec`` under ``cache_dir``, generating it only when missing or stale.

    The key is the spec plus the hash of this file, so editing the generator regenerates.
    """
    key = hashlib.sha256(f"{spec}|{_self_hash()}".encode()).hexdigest()[:12]
    folder = cache_dir / f"{spec.name}-{key}"
    if (folder / "generated.json").is_file():
        return folder
    tmp = cache_dir / f".{folder.name}.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    generate_case(tmp, spec)
    tmp.rename(folder)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="case folder to create")
    parser.add_argument("--rows", type=int, default=1_000_000, help="data rows (long: channel readings; wide: minutes)")
    parser.add_argument("--layout", choices=("long", "wide"), default="long")
    parser.add_argument("--format", dest="fmt", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        parser.error(f"{args.out} exists and is not empty")
    spec = Spec(rows=args.rows, layout=args.layout, fmt=args.fmt, seed=args.seed)
    folder = generate_case(args.out, spec)
    print(f"wrote {folder} ({spec.rows} rows, {spec.layout} {spec.fmt})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
