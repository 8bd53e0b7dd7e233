"""QA checks on the normalized table: the findings of the results.json ``qa`` list.

Each item is ``{"check", "source", "position", "pollutant", "phase", "passed", "outcome",
"values"}`` (keys that do not apply are null). ``passed`` is True or False, or null when the check
cannot be evaluated because the data needed are not recorded (e.g. no production load).
``outcome`` (``pass``, ``fail``, ``missing``: what is missing; ``disclosed`` for a prescribed method
change; ``evaluated``, ``not_declared``, ``no_readings`` for ``cems_drift``) and ``values`` (the numbers, runs and
methods found) are what :func:`verify.sentences.qa_detail` writes the item's ja/zh ``detail`` from
(``verify/data/qa_text.toml``), when the results are assembled.

Checks and their sources
------------------------
* ``min_runs`` — at least 3 runs per source, position, pollutant and phase (40 CFR 60.8(f);
  HJ/T 397-2007 3–4 samples per monitoring value [K]). Runs with ``run`` ids only (continuous data
  are judged by capture in the statistics).
* ``load`` — every stack run at ≥ 75 % of design load (HJ/T 397-2007, acceptance monitoring [K]).
* ``o2_range`` — 0 ≤ O2 < the source's ambient O2 (21 or 20.9); ``moisture`` — 0 ≤ H2O < 100 %;
  ``flow_positive`` — flow > 0 (docs/reliability.md#bad-inputs rows 16–18).
* ``same_method`` — the same set of methods before and after (per source, position, pollutant). A
  change a standard prescribes (``data/method_changes.toml``: low-concentration particulate from
  GB/T 16157-1996 to HJ 836-2017) is a disclosed change: ``passed`` null, ``disclosed`` "method_change".
* ``same_basis`` — the same input unit, basis, standard state and "as" species before and after.
* ``detection_limits`` — detection limits (``lod``, or the value of non-detects) of the two phases
  within a factor :data:`LOD_RATIO_MAX` of each other. This factor is a convention of this tool
  (no standard sets it): a lower detection limit after than before can make a reduction look
  larger where values are censored.
* ``derived_values`` — every value could be taken to the reporting state, dry gas (and O2, flow):
  fails listing the reasons from ``normalize``'s ``missing`` column (no H2O for a wet value, …).
* ``lab_o2ref``, ``lab_rate`` — lab-reported O2-corrected concentrations and rates agree with the
  recomputed ones within 1 % (from ``normalize``'s ``o2ref_mismatch``/``rate_mismatch``).
* ``cems_drift`` — continuous monitoring: the 24-h zero and span drift of the analyser from its daily
  check readings (HJ 212 flag C), :mod:`verify.measure.cems`. Never passed (no acceptance criterion
  is encoded): ``passed`` null, the detail gives the figures or says why drift was not evaluated.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from verify.case import Case
from verify.measure.endpoints import key_text

MIN_RUNS = 3
MIN_LOAD_PCT = 75.0
LOD_RATIO_MAX = 2.0
PHASES = ("before", "after")
#: ``missing`` reasons that make a value unusable (others, such as "no mass rate for ppmC", are notes)
BLOCKING_PREFIXES = ("conc:", "conc_o2:", "flow:")


def _finding(outcome: str, **values) -> tuple[str, dict]:
    """A check's outcome (pass, fail, missing) and the values its sentence names."""
    return outcome, values


def _fmt(x: float) -> str:
    """A number in a QA text: three significant figures (the texts explain; the data keep every digit)."""
    return f"{x:.3g}"


@lru_cache(maxsize=1)
def method_changes() -> tuple[dict, ...]:
    """The method changes a standard prescribes (``data/method_changes.toml``)."""
    raw = resources.files("verify.measure").joinpath("data/method_changes.toml").read_bytes()
    return tuple(tomllib.loads(raw.decode("utf-8"))["change"])


def _method_key(text: str) -> str:
    return "".join(str(text).split()).casefold()


def prescribed_change(pollutant, before: set[str], after: set[str]) -> dict | None:
    """The entry of :func:`method_changes` that explains the phases' methods: the before phase used
    its ``before`` method and the after phase its ``after`` one (other methods the same), or None."""
    b, a = {_method_key(m) for m in before}, {_method_key(m) for m in after}
    for change in method_changes():
        old, new = _method_key(change["before"]), _method_key(change["after"])
        if change["pollutant"] == pollutant and old in b and new in a and b - {old} == a - {new}:
            return change
    return None


def _item(check, source, position, pollutant, phase, passed, finding: tuple[str, dict]) -> dict:
    outcome, values = finding
    return {"check": check, "source": source, "position": position, "pollutant": pollutant, "phase": phase,
            "passed": passed, "outcome": outcome, "values": values}


def _pos(v) -> str | None:
    return None if pd.isna(v) or v == "" else str(v)


def _runs_checks(t: pd.DataFrame) -> list[dict]:
    out = []
    runs = t[t["run"].notna()]
    for (src, pos, pol), rows in runs.groupby(["source", "_pos", "pollutant"], sort=True):
        for phase in PHASES:
            n = rows.loc[rows["phase"] == phase, "run"].nunique()
            ok = n >= MIN_RUNS
            out.append(_item("min_runs", src, _pos(pos), pol, phase, ok, _finding("pass" if ok else "fail", phase=phase, n=n)))
    return out


def _blocking(missing: pd.Series) -> tuple[int, list[str]]:
    """Rows with a blocking ``missing`` reason (:data:`BLOCKING_PREFIXES`), and the distinct blocking
    reasons, sorted. Each distinct ``missing`` text is split once (few distinct texts, many rows)."""
    codes, uniques = pd.factorize(missing)
    blocking = [[r for r in str(text).split("; ") if r.startswith(BLOCKING_PREFIXES)] for text in uniques]
    present = np.unique(codes[codes >= 0])
    has = np.array([bool(b) for b in blocking], dtype=bool)
    k = int(has[codes[codes >= 0]].sum())
    return k, sorted({r for i in present for r in blocking[i]})


def _run_level_checks(t: pd.DataFrame, case: Case) -> list[dict]:
    out = []
    for (src, pos), rows in t.groupby(["source", "_pos"], sort=True):
        source = case.sources.get(str(src))
        for phase in PHASES:
            pr = rows[rows["phase"] == phase]
            if pr.empty:
                continue
            # production load, per run (stacks only: HJ/T 397 is about stationary-source monitoring;
            # fugitive points rarely log the load, the stack of the same campaign does)
            runs = pr[pr["run"].notna()].groupby("run")["load_pct"].mean()
            if len(runs) and source is not None and source.kind == "stack":
                if runs.isna().all():
                    out.append(_item("load", src, _pos(pos), None, phase, None, _finding("missing", phase=phase)))
                else:
                    low = runs[runs < MIN_LOAD_PCT]
                    ok = low.empty and not runs.isna().any()
                    outcome = "pass" if ok else ("fail" if not low.empty else "missing")
                    passed = True if ok else (False if not low.empty else None)
                    out.append(_item("load", src, _pos(pos), None, phase, passed,
                                     _finding(outcome, phase=phase, min=_fmt(runs.min()),
                                             runs=", ".join(str(r) for r in low.index))))
            ambient = source.o2_ambient_pct if source is not None else 21.0
            for check, column, lo, hi in (("o2_range", "o2_pct", 0.0, ambient), ("moisture", "h2o_pct", 0.0, 100.0)):
                vals = pr[column].dropna().to_numpy(dtype=float)
                if len(vals):
                    bad = vals[(vals < lo) | (vals >= hi)]
                    out.append(_item(check, src, _pos(pos), None, phase, bool(len(bad) == 0),
                                     _finding("pass" if len(bad) == 0 else "fail", phase=phase,
                                             limit=_fmt(hi), values=", ".join(_fmt(v) for v in np.unique(bad)))))
            flows = pr["flow"].dropna().to_numpy(dtype=float)
            if len(flows):
                bad = flows[flows <= 0]
                out.append(_item("flow_positive", src, _pos(pos), None, phase, bool(len(bad) == 0),
                                 _finding("pass" if len(bad) == 0 else "fail", phase=phase,
                                         values=", ".join(_fmt(v) for v in np.unique(bad)))))
            if "missing" in pr.columns:
                k, distinct = _blocking(pr["missing"])
                out.append(_item("derived_values", src, _pos(pos), None, phase, k == 0,
                                 _finding("pass" if k == 0 else "fail", phase=phase,
                                         n=len(pr), k=k, reasons="; ".join(distinct))))
            for check, column in (("lab_o2ref", "o2ref_mismatch"), ("lab_rate", "rate_mismatch")):
                if column not in pr.columns:
                    continue
                flags = pr[column].dropna()
                if len(flags):
                    diff = pr.loc[flags.index, column.replace("mismatch", "check")].abs().max()
                    k = int(flags.astype(bool).sum())
                    out.append(_item(check, src, _pos(pos), None, phase, k == 0,
                                     _finding("pass" if k == 0 else "fail", phase=phase, n=len(flags), k=k,
                                             max=_fmt(100 * float(diff)))))
    return out


def _signature(rows: pd.DataFrame) -> tuple:
    """The distinct (unit, basis, standard state, reporting species) of some rows (compared as is)."""
    keys = set()
    for _, r in rows[["unit", "basis", "std_state", "as_species"]].drop_duplicates().iterrows():
        state = r["std_state"] if pd.notna(r["std_state"]) and str(r["basis"]).startswith("standard") else None
        keys.add(tuple(None if pd.isna(v) else str(v) for v in (r["unit"], r["basis"], state, r["as_species"])))
    return tuple(sorted(keys, key=lambda k: tuple(x or "" for x in k)))


def _comparison_checks(t: pd.DataFrame) -> list[dict]:
    out = []
    for (src, pos, pol), rows in t.groupby(["source", "_pos", "pollutant"], sort=True):
        b, a = rows[rows["phase"] == "before"], rows[rows["phase"] == "after"]
        if b.empty or a.empty:
            continue
        mb, ma = set(b["method"].dropna().astype(str)), set(a["method"].dropna().astype(str))
        if mb and ma:
            ok = mb == ma
            change = None if ok else prescribed_change(pol, mb, ma)
            before, after = ", ".join(sorted(mb)), ", ".join(sorted(ma))
            if change is not None:  # a change the standard prescribes: disclosed, never a failure
                item = _item("same_method", src, _pos(pos), pol, None, None,
                             _finding("disclosed", before=before, after=after, reason=change["reason"]))
                out.append({**item, "disclosed": "method_change"})
            else:
                out.append(_item("same_method", src, _pos(pos), pol, None, ok,
                                 _finding("pass" if ok else "fail", before=before, after=after)))
        else:
            out.append(_item("same_method", src, _pos(pos), pol, None, None, _finding("missing")))
        sb, sa = _signature(b), _signature(a)
        ok = sb == sa
        out.append(_item("same_basis", src, _pos(pos), pol, None, ok, _finding("pass" if ok else "fail",
                                                                              before=sb, after=sa)))
        lods = []
        for rows_p in (b, a):
            vals = rows_p["lod"].dropna().to_numpy(dtype=float)
            cens = rows_p.loc[rows_p["censored"].fillna(False).astype(bool) & rows_p["lod"].isna(), "value"].dropna().to_numpy(dtype=float)
            lods.append(np.concatenate([vals, cens]))
        lb, la = lods
        if len(lb) == 0 and len(la) == 0:
            continue
        text_b = ", ".join(_fmt(v) for v in np.unique(lb)) or "—"
        text_a = ", ".join(_fmt(v) for v in np.unique(la)) or "—"
        if len(lb) == 0 or len(la) == 0:
            phase, given, unit_rows = ("after", text_a, a) if len(lb) == 0 else ("before", text_b, b)
            unit = str(unit_rows["unit"].dropna().iloc[0]).replace("m3", "m³") if unit_rows["unit"].notna().any() else ""
            out.append(_item("detection_limits", src, _pos(pos), pol, None, None,
                             _finding("missing", phase=phase, values=f"{given} {unit}".strip())))
            continue
        hi, lo = max(lb.max(), la.max()), min(lb.min(), la.min())
        ratio = hi / lo if lo > 0 else float("inf")
        ok = ratio <= LOD_RATIO_MAX
        out.append(_item("detection_limits", src, _pos(pos), pol, None, bool(ok),
                         _finding("pass" if ok else "fail", before=text_b, after=text_a, ratio=_fmt(ratio))))
    return out


def _cems_checks(t: pd.DataFrame, case: Case) -> list[dict]:
    """``cems_drift`` per continuous source, pollutant and phase (verify.measure.cems)."""
    from verify.measure import cems

    out = []
    readings = t[t["run"].isna() & t["start"].notna() & t["flag"].notna()]
    for (src, pos, pol), rows in readings.groupby(["source", "_pos", "pollutant"], sort=True):
        source = case.sources.get(str(src))
        calibration = None if source is None else source.cems_calibration
        for phase in PHASES:
            pr = rows[rows["phase"] == phase]
            if pr.empty:
                continue
            checks = pr[pr["flag"].astype(str) == cems.CALIBRATION_FLAG]
            fields = {"phase": phase, "n": f"{len(checks):,}"}
            if calibration is None:
                outcome = "not_declared"
            elif checks.empty:
                outcome = "no_readings"
            else:
                outcome = "evaluated"
                summary = cems.drift_summary(cems.daily_checks(checks, calibration.zero, calibration.span,
                                                               case.manifest.case.timezone), calibration)
                fields.update({key: "—" if value is None else _fmt(value) for key, value in summary.items()},
                              range=_fmt(calibration.range), zero=_fmt(calibration.zero), span=_fmt(calibration.span),
                              unit=str(pr["unit"].dropna().iloc[0]).replace("m3", "m³") if pr["unit"].notna().any() else "")
            out.append(_item("cems_drift", src, _pos(pos), pol, phase, None, _finding(outcome, **fields)))
    return out


def run_checks(normalized: pd.DataFrame, case: Case) -> list[dict]:
    """All QA checks (module docstring), in a stable order: check group, then source, position,
    pollutant, phase."""
    if normalized.empty:
        return []
    t = normalized.assign(_pos=key_text(normalized["position"]))
    return _runs_checks(t) + _run_level_checks(t, case) + _comparison_checks(t) + _cems_checks(t, case)
