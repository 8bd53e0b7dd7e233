"""Normalized table → one :class:`~verify.measure.series.EndpointData` per endpoint.

``build_endpoints(normalized, case)`` returns endpoints sorted by (source, position or "",
pollutant, metric), the contract of ``verify/measure/series.py`` and ``docs/results.md``.

Rules
-----
* **Run value** = arithmetic mean of the run's samples (HJ/T 397-2007: 3–4 samples within the hour
  are averaged into one value; 40 CFR 60.8(f) runs).
* **Censored run**: a run is censored if *any* of its samples is a non-detect; its value is then the
  mean with each non-detect at its detection limit, i.e. an upper bound. (A conservative rule: the
  statistics treat the whole run as "< value".)
* **Excluded run**: a run with a sample whose derived value is NaN (e.g. a wet value without
  moisture) is left out and listed in ``PhaseRuns.excluded``; the reason is in the normalized
  table's ``missing`` column.
* Metrics of stacks: ``concentration`` (``conc``), ``concentration_o2`` (``conc_o2``, only where
  the source sets ``reference_o2_pct``), ``mass_rate`` (``mass_rate_kg_h``, where any run has one),
  ``concentration_ppmc`` (``conc_ppmc``, in ppmC, only where the source sets ``report_ppmc`` and
  the pollutant is as carbon). Values measured in ppmC are carbon mass (mgC/m3, ``as`` C) in
  ``concentration``. One endpoint never mixes units or bases (an error).
* ``removal_efficiency``: per phase, inlet and outlet mass-rate runs paired by equal run id,
  100·(1 − out/in); a pair with a non-detect outlet is censored (η is then a lower bound); a pair
  with a non-detect or zero inlet has no meaningful η and is left out: non-detect inlets are listed
  in ``censored_inlet`` as ``"<phase>/<run>"``; runs without their partner (or with a zero inlet)
  in ``unmatched`` as ``"<phase>/<position>/<run>"``.
* ``fugitive``: the upwind/downwind points form the group ``boundary``. Rule from the limits the
  points list (:func:`verify.measure.limits.fugitive_rule`, default ``max_downwind``): per run
  the highest downwind point value (censored if that point's run is censored), minus the upwind
  value of that run (mean over upwind points) for ``downwind_minus_upwind``; a difference is
  censored if either side is; negative differences are kept and marked in ``flagged``. Downwind
  runs without an upwind run are ``unmatched``. Each in-plant point is its own endpoint with rule
  ``inplant_1h`` (run value = 1-h mean).
* ``samples``: for stack and in-plant endpoints, each phase's individual samples
  (:class:`~verify.measure.series.Readings`), which ``each_reading`` limits (GB 37822 "any single
  value") must be judged on.
* Rows with ``start`` but no ``run`` are continuous monitoring: design ``continuous``, with a
  ``readings`` frame (``valid`` = HJ 212 flag N or T, or no flag given, and a finite value).
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd

from verify.case import Case, Source
from verify.errors import InputError, Location
from verify.i18n import N_
from verify.measure.conversions import removal_efficiency
from verify.measure.limits import fugitive_rule
from verify.measure.series import EndpointData, PairedRuns, PhaseRuns, Readings

PHASES = ("before", "after")
VALID_FLAGS = ("N", "T")


def natural_key(text: str) -> tuple:
    """Sort key so that '2' < '10' and 'R2' < 'R10'."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", str(text)))


#: The normalized columns the endpoints read (the rows of each endpoint are copied with these only).
ENDPOINT_COLUMNS = ("file", "sheet", "row", "source", "position", "pollutant", "run", "sample", "start", "phase",
                    "flag", "status", "censored", "load_pct", "conc", "conc_o2", "mass_rate_kg_h", "conc_unit",
                    "conc_as", "conc_ppmc")


def key_text(col: pd.Series) -> pd.Series:
    """``col.fillna("")`` for a text or a categorical column (a categorical gets "" among its categories,
    kept sorted so that ``groupby(sort=True)`` orders as on text)."""
    if isinstance(col.dtype, pd.CategoricalDtype) and "" not in col.cat.categories:
        col = col.cat.set_categories(pd.Index(sorted(["", *col.cat.categories]), dtype=object))
    return col.fillna("")


def _loc(rows: pd.DataFrame) -> Location | None:
    if rows.empty:
        return None
    r = rows.iloc[0]
    return Location(
        file=None if pd.isna(r["file"]) else str(r["file"]),
        sheet=None if pd.isna(r["sheet"]) else str(r["sheet"]),
        row=None if pd.isna(r["row"]) else int(r["row"]),
    )


def _run_table(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    """One line per run: value (mean of samples), censored, load_pct, flagged, complete.

    Readings carrying an HJ 212-2017 flag other than N or T (instrument stopped, maintenance,
    calibration, fault, …) are invalid data: counted in the ledger, never averaged into a run.
    """
    if "flag" in rows and rows["flag"].notna().any():
        flag = rows["flag"].astype("string")
        rows = rows[(flag.isna() | flag.isin(VALID_FLAGS)).fillna(False).to_numpy(dtype=bool)]
    if rows.empty:
        return pd.DataFrame(columns=["run", "value", "censored", "load_pct", "flagged", "complete"])
    df = pd.DataFrame(
        {
            "run": rows["run"].astype(str).to_numpy(),
            "v": rows[column].to_numpy(dtype=float, na_value=np.nan),
            "c": rows["censored"].fillna(False).to_numpy(dtype=bool),
            "load": rows["load_pct"].to_numpy(dtype=float, na_value=np.nan),
            "f": (rows["status"].astype("string") == "flagged").fillna(False).to_numpy(dtype=bool),
        }
    )
    g = df.groupby("run", sort=False)
    out = pd.DataFrame(
        {
            "value": g["v"].mean(),
            "complete": g["v"].apply(lambda s: bool(s.notna().all())),
            "censored": g["c"].any(),
            "load_pct": g["load"].mean(),
            "flagged": g["f"].any(),
        }
    ).reset_index()
    out = out.iloc[sorted(range(len(out)), key=lambda i: natural_key(out["run"].iloc[i]))].reset_index(drop=True)
    return out


def _phase_runs(table: pd.DataFrame) -> PhaseRuns | None:
    if table is None or table.empty:
        return None
    ok = table[table["complete"]]
    return PhaseRuns(
        runs=tuple(ok["run"]),
        values=tuple(float(v) for v in ok["value"]),
        censored=tuple(bool(c) for c in ok["censored"]),
        load_pct=tuple(None if pd.isna(x) else float(x) for x in ok["load_pct"]),
        flagged=tuple(bool(f) for f in ok["flagged"]),
        excluded=tuple(table.loc[~table["complete"], "run"]),
    )


def _readings(rows: pd.DataFrame, column: str) -> Readings | None:
    """The individual samples of one phase (finite values only), in natural run/sample order."""
    if rows.empty:
        return None
    v = rows[column].to_numpy(dtype=float, na_value=np.nan)
    keep = np.isfinite(v)
    runs = rows["run"].astype("string").fillna("").to_numpy(dtype=object)[keep]
    samples = rows["sample"].astype("string").fillna("").to_numpy(dtype=object)[keep]
    cens = rows["censored"].fillna(False).to_numpy(dtype=bool)[keep]
    order = sorted(range(len(runs)), key=lambda i: (natural_key(runs[i]), natural_key(samples[i])))
    return Readings(tuple(f"{runs[i]}/{samples[i]}" for i in order), tuple(float(v[keep][i]) for i in order),
                    tuple(bool(cens[i]) for i in order))


def _samples(rows: pd.DataFrame, column: str) -> dict[str, Readings]:
    out = {}
    for p in PHASES:
        r = _readings(rows[rows["phase"] == p], column)
        if r is not None:
            out[p] = r
    return out


def _one(rows: pd.DataFrame, column: str, what: str) -> str | None:
    vals = sorted(str(v) for v in rows[column].dropna().unique())
    if len(vals) > 1:
        raise InputError(N_("{endpoint} mixes {column} values {values}; one endpoint needs one unit and basis", endpoint=what,
                            column=column, values=vals), _loc(rows))
    return vals[0] if vals else None


def _label(source: str, position: str | None, pollutant: str) -> str:
    return f"{source}{'/' + position if position else ''} {pollutant}"


def _stack_metrics(rows: pd.DataFrame, source: Source, unit: str) -> list[tuple[str, str, str]]:
    """(metric, normalized column, unit) of a stack's endpoints for one pollutant (module docstring)."""
    metrics = [("concentration", "conc", unit)]
    if source.reference_o2_pct is not None:
        metrics.append(("concentration_o2", "conc_o2", unit))
    if rows["mass_rate_kg_h"].notna().any():
        metrics.append(("mass_rate", "mass_rate_kg_h", "kg/h"))
    if source.report_ppmc and rows["conc_ppmc"].notna().any():
        metrics.append(("concentration_ppmc", "conc_ppmc", "ppmC"))
    return metrics


def _stack_endpoints(rows: pd.DataFrame, source: Source, position: str | None, pollutant: str, tz: str) -> list[EndpointData]:
    label = _label(source.id, position, pollutant)
    unit = _one(rows, "conc_unit", label) or "mg/m3"
    as_sp = _one(rows, "conc_as", label)
    out = []
    metrics = _stack_metrics(rows, source, unit)
    for metric, column, m_unit in metrics:
        phases = {p: _phase_runs(_run_table(rows[rows["phase"] == p], column)) for p in PHASES}
        out.append(EndpointData(source.id, position, pollutant, metric, "before-after", m_unit, as_sp,
                                before=phases["before"], after=phases["after"], timezone=tz,
                                samples=_samples(rows, column)))
    return out


def _efficiency(rows: pd.DataFrame, source: Source, pollutant: str, tz: str) -> EndpointData | None:
    inlet = rows[rows["position"] == "inlet"]
    outlet = rows[rows["position"] == "outlet"]
    if inlet.empty or outlet.empty or not inlet["mass_rate_kg_h"].notna().any() or not outlet["mass_rate_kg_h"].notna().any():
        return None
    as_sp = _one(rows, "conc_as", _label(source.id, None, pollutant))
    paired: dict[str, PairedRuns] = {}
    phase_runs: dict[str, PhaseRuns | None] = {}
    unmatched: list[str] = []
    censored_inlet: list[str] = []
    for p in PHASES:
        ti = _run_table(inlet[inlet["phase"] == p], "mass_rate_kg_h")
        to = _run_table(outlet[outlet["phase"] == p], "mass_rate_kg_h")
        ti = ti[ti["complete"]].set_index("run") if not ti.empty else ti
        to = to[to["complete"]].set_index("run") if not to.empty else to
        runs_i = list(ti.index) if not ti.empty else []
        runs_o = list(to.index) if not to.empty else []
        common = sorted(set(runs_i) & set(runs_o), key=natural_key)
        unmatched += [f"{p}/inlet/{r}" for r in sorted(set(runs_i) - set(common), key=natural_key)]
        unmatched += [f"{p}/outlet/{r}" for r in sorted(set(runs_o) - set(common), key=natural_key)]
        if not common:
            phase_runs[p] = None
            continue
        e_in = np.array([ti.loc[r, "value"] for r in common], dtype=float)
        e_out = np.array([to.loc[r, "value"] for r in common], dtype=float)
        c_in = tuple(bool(ti.loc[r, "censored"]) for r in common)
        c_out = tuple(bool(to.loc[r, "censored"]) for r in common)
        eff = 100.0 * removal_efficiency(e_in, e_out)  # NaN where the inlet is 0
        # an inlet non-detect makes η meaningless (neither bound): the pair is left out, listed
        inlet_nd = np.array(c_in, dtype=bool)
        keep = ~np.isnan(eff) & ~inlet_nd
        runs = tuple(r for r, k in zip(common, keep) if k)
        censored_inlet += [f"{p}/{r}" for r, nd in zip(common, inlet_nd) if nd]
        unmatched += [f"{p}/inlet/{r}" for r, k, nd in zip(common, keep, inlet_nd) if not k and not nd]  # inlet 0
        paired[p] = PairedRuns(runs, tuple(e_in[keep]), tuple(e_out[keep]),
                               outlet_censored=tuple(c for c, k in zip(c_out, keep) if k))
        phase_runs[p] = PhaseRuns(
            runs=runs,
            values=tuple(float(v) for v in eff[keep]),
            censored=tuple(a or b for a, b, k in zip(c_in, c_out, keep) if k),
            load_pct=tuple(None if pd.isna(ti.loc[r, "load_pct"]) else float(ti.loc[r, "load_pct"]) for r in runs),
            flagged=tuple(bool(ti.loc[r, "flagged"] or to.loc[r, "flagged"]) for r in runs),
        )
    return EndpointData(source.id, None, pollutant, "removal_efficiency", "inlet-outlet", "%", as_sp,
                        before=phase_runs["before"], after=phase_runs["after"], paired=paired,
                        unmatched=tuple(unmatched), censored_inlet=tuple(censored_inlet), timezone=tz)


def _boundary(rows: pd.DataFrame, case: Case, pollutant: str, tz: str) -> EndpointData | None:
    group = [s for s in case.manifest.source if s.kind == "fugitive" and s.role in ("upwind", "downwind")]
    down_ids = [s.id for s in group if s.role == "downwind"]
    up_ids = [s.id for s in group if s.role == "upwind"]
    down = rows[rows["source"].isin(down_ids)]
    if down.empty:
        return None
    rule = fugitive_rule(group, pollutant)
    label = f"boundary {pollutant}"
    unit = _one(rows, "conc_unit", label) or "mg/m3"
    as_sp = _one(rows, "conc_as", label)
    phase_runs: dict[str, PhaseRuns | None] = {}
    unmatched: list[str] = []
    for p in PHASES:
        point_tables = {}
        for sid in down_ids:
            t = _run_table(down[(down["source"] == sid) & (down["phase"] == p)], "conc")
            if not t.empty:
                point_tables[sid] = t.set_index("run")
        if not point_tables:
            phase_runs[p] = None
            continue
        up_rows = rows[rows["source"].isin(up_ids) & (rows["phase"] == p)]
        up_tables = [(_run_table(up_rows[up_rows["source"] == sid], "conc")) for sid in up_ids]
        up_tables = [t.set_index("run") for t in up_tables if not t.empty]
        runs = sorted({r for t in point_tables.values() for r in t.index}, key=natural_key)
        out_runs, vals, cens, loads, flags, excluded = [], [], [], [], [], []
        for r in runs:
            cands = [(t.loc[r, "value"], bool(t.loc[r, "censored"]), bool(t.loc[r, "flagged"]), t.loc[r, "load_pct"], bool(t.loc[r, "complete"]))
                     for t in point_tables.values() if r in t.index]
            if not all(c[4] for c in cands):
                excluded.append(r)
                continue
            best = max(cands, key=lambda c: c[0])
            value, censored, flagged = float(best[0]), best[1], any(c[2] for c in cands)
            if rule == "downwind_minus_upwind":
                ups = [t.loc[r] for t in up_tables if r in t.index]
                if not ups:
                    unmatched.append(f"{p}/downwind/{r}")
                    continue
                if not all(bool(u["complete"]) for u in ups):
                    excluded.append(r)
                    continue
                value -= float(np.mean([u["value"] for u in ups]))
                censored = censored or any(bool(u["censored"]) for u in ups)
                flagged = flagged or value < 0 or any(bool(u["flagged"]) for u in ups)
            out_runs.append(r)
            vals.append(value)
            cens.append(censored)
            loads.append(None if pd.isna(best[3]) else float(best[3]))
            flags.append(flagged)
        phase_runs[p] = PhaseRuns(tuple(out_runs), tuple(vals), tuple(cens), tuple(loads), tuple(flags), tuple(excluded))
    return EndpointData("boundary", None, pollutant, "fugitive", "before-after", unit, as_sp,
                        before=phase_runs["before"], after=phase_runs["after"], unmatched=tuple(unmatched),
                        rule=rule, timezone=tz)


def _inplant(rows: pd.DataFrame, source: Source, pollutant: str, tz: str) -> EndpointData:
    label = _label(source.id, None, pollutant)
    unit = _one(rows, "conc_unit", label) or "mg/m3"
    as_sp = _one(rows, "conc_as", label)
    rule = fugitive_rule([source], pollutant)
    phases = {p: _phase_runs(_run_table(rows[rows["phase"] == p], "conc")) for p in PHASES}
    return EndpointData(source.id, None, pollutant, "fugitive", "before-after", unit, as_sp,
                        before=phases["before"], after=phases["after"], rule=rule, timezone=tz,
                        samples=_samples(rows, "conc"))


def _continuous(rows: pd.DataFrame, source: Source, position: str | None, pollutant: str, tz: str) -> list[EndpointData]:
    label = _label(source.id, position, pollutant)
    unit = _one(rows, "conc_unit", label) or "mg/m3"
    as_sp = _one(rows, "conc_as", label)
    metrics = _stack_metrics(rows, source, unit)
    # only the columns read below are sorted (copied); start, phase, flag and load are shared by the
    # metrics' readings frames (copy=False; copy-on-write keeps them apart should one be changed)
    columns = ["start", "phase", "flag", "load_pct", *dict.fromkeys(c for _, c, _ in metrics)]
    rows = rows[columns].sort_values("start", kind="stable").reset_index(drop=True)
    flag = rows["flag"].astype("string")
    valid_flag = (flag.isna() | flag.isin(VALID_FLAGS)).fillna(False).to_numpy(dtype=bool)
    start = rows["start"].dt.tz_convert("UTC").astype("datetime64[ns, UTC]")
    phase = rows["phase"].astype("string")
    load = rows["load_pct"].astype(float)
    out = []
    for metric, column, m_unit in metrics:
        value = rows[column].to_numpy(dtype=float, na_value=np.nan)
        readings = pd.DataFrame(
            {
                "start": start,
                "phase": phase,
                "value": value,
                "valid": valid_flag & np.isfinite(value),
                "flag": flag,
                "load_pct": load,
            },
            copy=False,
        )
        out.append(EndpointData(source.id, position, pollutant, metric, "continuous", m_unit, as_sp, readings=readings, timezone=tz))
    return out


def build_endpoints(normalized: pd.DataFrame, case: Case) -> list[EndpointData]:
    """All endpoints of a normalized table (see the module docstring), sorted by key."""
    tz = case.manifest.case.timezone
    sources = case.sources
    unknown = sorted(set(normalized["source"].dropna().astype(str)) - set(sources))
    if unknown:
        rows = normalized[normalized["source"].isin(unknown)]
        raise InputError(N_("source(s) not in case.toml: {sources}", sources=", ".join(unknown)), _loc(rows))
    no_id = normalized["run"].isna() & normalized["start"].isna()
    if no_id.any():
        raise InputError(N_("{n} row(s) have neither run nor start", n=int(no_id.sum())), _loc(normalized[no_id]))
    endpoints: list[EndpointData] = []
    keyed = normalized[list(ENDPOINT_COLUMNS)].assign(_pos=key_text(normalized["position"]))
    for (sid, position, pollutant), rows in keyed.groupby(["source", "_pos", "pollutant"], sort=True):
        source = sources[str(sid)]
        position = position or None
        continuous = rows["run"].isna()
        if continuous.any() and not continuous.all():
            raise InputError(N_("{endpoint} mixes rows with run ids and continuous readings",
                                endpoint=_label(source.id, position, pollutant)), _loc(rows))
        if continuous.all():
            endpoints += _continuous(rows, source, position, str(pollutant), tz)
        elif source.kind == "stack":
            endpoints += _stack_endpoints(rows, source, position, str(pollutant), tz)
        elif source.role == "in-plant":
            endpoints.append(_inplant(rows, source, str(pollutant), tz))
    stack_ids = [s.id for s in case.manifest.source if s.kind == "stack"]
    run_rows = keyed[keyed["run"].notna()]
    for (sid, pollutant), rows in run_rows[run_rows["source"].isin(stack_ids)].groupby(["source", "pollutant"], sort=True):
        eff = _efficiency(rows, sources[str(sid)], str(pollutant), tz)
        if eff is not None:
            endpoints.append(eff)
    fug_ids = [s.id for s in case.manifest.source if s.kind == "fugitive" and s.role in ("upwind", "downwind")]
    fug = run_rows[run_rows["source"].isin(fug_ids)]
    for pollutant, rows in fug.groupby("pollutant", sort=True):
        ep = _boundary(rows, case, str(pollutant), tz)
        if ep is not None:
            endpoints.append(ep)
    normal = case.manifest.case.conditions in ("CN", "JP")  # 273.15 K, 101.325 kPa, dry (verify.results)
    endpoints = sorted((replace(e, normal_state=normal) for e in endpoints), key=lambda e: e.key)
    keys = [e.key for e in endpoints]
    if len(set(keys)) != len(keys):
        dup = sorted({k for k in keys if keys.count(k) > 1})
        raise InputError(N_("duplicate endpoint(s) {endpoints}: a source id may not be named 'boundary'", endpoints=dup))
    return endpoints
