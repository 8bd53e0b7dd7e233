"""Assemble and write ``results.json`` (contract: ``shared/spec/results.md``; extensions: docs/results.md).

The dict is built in the contract's key order, endpoints sorted by (source, position, pollutant,
metric), numbers as plain floats with NaN → null, and serialised by :func:`dumps` in one fixed
format, so that the same inputs give a byte-identical file (reliability.md promise 4).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import shlex
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from verify import __version__
from verify.case import Case
from verify.fsutil import atomic_write_text
from verify.measure.endpoints import key_text

SCHEMA = "verify.results/1"
DEPENDENCIES = (
    "numpy", "pandas", "scipy", "statsmodels", "pint", "openpyxl", "python-calamine", "defusedxml",
    "pydantic", "jinja2", "weasyprint", "matplotlib", "typer",
)
REPORTING_STATES = {
    "CN": {"temperature_k": 273.15, "pressure_kpa": 101.325, "dry": True},
    "JP": {"temperature_k": 273.15, "pressure_kpa": 101.325, "dry": True},
    "US-EPA": {"temperature_k": 293.15, "pressure_kpa": 101.325, "dry": True},
}


def tool_block() -> dict:
    deps = {}
    for name in DEPENDENCIES:
        try:
            deps[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            deps[name] = None
    return {"name": "verify", "version": __version__, "dependencies": deps}


def sha256_files(paths: list[Path]) -> str:
    """One SHA-256 over several files (sorted by name; each name and content length-prefixed)."""
    h = hashlib.sha256()
    for path in sorted(paths, key=lambda p: p.name):
        data = path.read_bytes()
        h.update(path.name.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return h.hexdigest()


def clean(value: Any) -> Any:
    """Convert numpy/pandas scalars and containers to plain JSON values; NaN/inf/NA → None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        return [clean(v) for v in list(value)]
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, Path):
        return value.as_posix()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    raise TypeError(f"cannot put {type(value).__name__} into results.json")


def dumps(results: dict) -> str:
    """The one serialisation of results.json: UTF-8, 2-space indent, no NaN, trailing newline."""
    return json.dumps(clean(results), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def write_results(results: dict, path: str | Path) -> Path:
    return atomic_write_text(path, dumps(results))


def read_results(path: str | Path, *, check_contract: bool = True) -> dict:
    """A results.json file, refused (InputError naming the first bad key) unless it keeps the
    contract (:mod:`verify.contract`); ``check_contract=False`` only checks that it is JSON of this
    schema, for files the caller has just written itself."""
    from verify.errors import InputError, Location
    from verify.i18n import N_

    from verify.case import MAX_NESTING, not_a_file, too_deep

    p = Path(path)
    problem = not_a_file(p, in_case=False)
    if problem:
        raise InputError(N_("results file {problem}", problem=problem), Location(file=str(p)))
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(N_("not a valid results.json ({error})", error=str(exc)), Location(file=str(p))) from None
    except RecursionError:
        raise InputError(N_("not a valid results.json (arrays or objects nested too deeply)"),
                         Location(file=str(p))) from None
    if too_deep(data, MAX_NESTING):
        raise InputError(N_("not a valid results.json (arrays or objects nested more than {n} levels deep)",
                            n=MAX_NESTING), Location(file=str(p)))
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise InputError(N_("not a verify results file (schema is not {schema!r})", schema=SCHEMA),
                         Location(file=str(p)))
    if check_contract:
        from verify.contract import check_results

        check_results(data, str(p))
    return data


def case_block(case: Case) -> dict:
    info = case.manifest.case
    text = lambda t: None if t is None else {"ja": t.ja, "zh": t.zh}  # noqa: E731
    return {
        "id": info.id,
        "conditions": info.conditions,
        "concentration_basis": info.concentration_basis,
        "input_conditions": info.input_conditions or info.conditions,
        "timezone": info.timezone,
        "title": text(info.title),
        "factory": text(info.factory),
        "location": text(info.location),
        "location_code": info.location_code,
        "process": text(info.process),
        "measures": [text(m) for m in info.measures],
        "illustrative": info.illustrative,
        "reporting_state": REPORTING_STATES[info.conditions],
        "pollutants": pollutants_block(case),
    }


def declared_names(case: Case) -> dict[str, dict[str, str]]:
    """lang → key → name of the case's ``[[pollutant]]`` declarations (claim statements)."""
    return {lang: {p.key: getattr(p, lang) for p in case.manifest.pollutant} for lang in ("ja", "zh")}


def pollutants_block(case: Case) -> list[dict]:
    """The case's ``[[pollutant]]`` declarations as written (docs/results.md ``case.pollutants``)."""
    return [{"key": p.key, "ja": p.ja, "zh": p.zh, "en": p.en, "state": p.state, "molar_mass_g_mol": p.molar_mass_g_mol,
             "n_carbon": p.n_carbon, "source": p.source} for p in case.manifest.pollutant]


def verification_block(case: Case) -> dict | None:
    v = case.manifest.verification
    if v is None:
        return None
    return {
        "statement_id": v.statement_id,
        "verifier": {"ja": v.verifier.ja, "zh": v.verifier.zh},
        "technology": {"ja": v.technology.ja, "zh": v.technology.zh},
        "issued": v.issued.isoformat(),
        "valid_until": v.valid_until.isoformat() if v.valid_until else None,
        "supersedes": v.supersedes,
        "supersedes_statement_id": v.supersedes_statement_id,
        "laboratory": None if v.laboratory is None else {
            "name": {"ja": v.laboratory.name.ja, "zh": v.laboratory.name.zh},
            "cma_certificate": v.laboratory.cma_certificate,
            "keiryo_registration": v.laboratory.keiryo_registration,
            "report_numbers": list(v.laboratory.report_numbers),
            "kind": v.laboratory.kind,
            "cems_acceptance_reports": list(v.laboratory.cems_acceptance_reports),
            "comparison_reports": list(v.laboratory.comparison_reports),
        },
        "signature": [
            {"role": sig.role, "name": sig.name,
             "title": None if sig.title is None else {"ja": sig.title.ja, "zh": sig.title.zh},
             "date": sig.date.isoformat() if sig.date else None}
            for sig in v.signature
        ],
    }


def sources_block(case: Case) -> list[dict]:
    out = []
    for s in case.manifest.source:
        out.append({
            "id": s.id, "kind": s.kind, "role": s.role,
            "name": None if s.name is None else {"ja": s.name.ja, "zh": s.name.zh},
            "height_m": s.height_m, "regime": s.regime, "special_limits": s.special_limits,
            "reference_o2_pct": s.reference_o2_pct, "o2_ambient_pct": s.o2_ambient_pct,
            "o2_cap_pct": s.o2_cap_pct, "limits": list(s.limits),
            "permit_id": s.permit_id, "outlet_id": s.outlet_id,
            "regime_basis": None if s.regime_basis is None else {"ja": s.regime_basis.ja, "zh": s.regime_basis.zh},
            "cems_calibration": None if s.cems_calibration is None else s.cems_calibration.model_dump(),
        })
    return out


def claims_config_block(case: Case) -> list[dict]:
    """The claims as declared in case.toml (the report prints them even when a verdict is missing)."""
    return [
        {"id": c.id, "source": c.source, "position": c.position, "pollutant": c.pollutant, "metric": c.metric,
         "kind": c.kind, "value": c.value, "phase": c.phase, "load_pct_min": c.conditions.load_pct_min,
         "description": None if c.description is None else {"ja": c.description.ja, "zh": c.description.zh}}
        for c in case.manifest.claim
    ]


# --------------------------------------------------------------------------------------------
# Assembly
# --------------------------------------------------------------------------------------------

ENDPOINT_HEAD = ("source", "position", "pollutant", "metric", "design", "unit", "as")


def endpoint_key(source: str, position: str | None, pollutant: str, metric: str) -> tuple[str, str, str, str]:
    return (source, position or "", pollutant, metric)


def inputs_block(ledger) -> list[dict]:
    out = []
    for t in ledger.tallies:
        out.append({
            "file": t.file, "sheet": t.sheet, "sha256": t.sha256,
            "rows": t.rows, "accepted": t.accepted, "flagged": t.flagged, "rejected": t.rejected,
            "values": t.values, "values_flagged": t.values_flagged, "values_rejected": t.values_rejected,
            "layout": t.layout or None, "encoding": t.encoding, "lines": t.lines,
            "notes": [str(note) for note in t.notes],  # English; e.g. "contains macros (not executed)", encoding chosen among candidates
        })
    return out


#: What each ledger entry of results.json adds to the ledger's columns: the run its row belongs to
#: (null for a rejected row, which has no canonical row), so that the report can tell which claims a
#: flagged or rejected value touches.
ENTRY_RUN_KEYS = ("source", "position", "phase", "run")


def _entry_runs(frame: pd.DataFrame, normalized: pd.DataFrame | None) -> pd.DataFrame:
    """``frame`` with :data:`ENTRY_RUN_KEYS` from the canonical row of the same file, sheet and row."""
    if normalized is None or not len(frame) or not len(normalized):
        return frame.assign(**{k: None for k in ENTRY_RUN_KEYS})
    keys = ["file", "sheet", "row"]
    rows = pd.DataFrame({k: normalized[k].astype(object) for k in (*keys, *ENTRY_RUN_KEYS)})
    rows["sheet"] = rows["sheet"].where(rows["sheet"].notna(), "")
    rows["row"] = pd.to_numeric(rows["row"], errors="coerce")
    rows = rows.drop_duplicates(keys)
    left = frame.assign(sheet=frame["sheet"].astype(object).where(frame["sheet"].notna(), ""),
                        row=pd.to_numeric(frame["row"], errors="coerce"))
    merged = left.merge(rows, on=keys, how="left", sort=False)
    merged["sheet"] = frame["sheet"].to_numpy()
    merged["row"] = frame["row"].to_numpy()
    return merged


def ledger_block(ledger, allowed_rejected: bool, normalized: pd.DataFrame | None = None) -> dict:
    frame = ledger.to_frame()
    if len(frame):
        frame = frame[frame["outcome"].isin(["flagged", "rejected"])].reset_index(drop=True)
    frame = _entry_runs(frame, normalized)
    columns = ["file", "sheet", "row", "column", "cell", "field", "raw", "outcome", "reason", "detail",
               *ENTRY_RUN_KEYS]
    entries = [{c: clean(rec.get(c)) for c in columns} for rec in frame.to_dict("records")]
    return {
        "entries": entries,
        "unread_sheets": [{"file": f, "sheet": s} for f, s in getattr(ledger, "unread_sheets", [])],
        "allowed_rejected": bool(allowed_rejected and ledger.has_rejections),
    }


#: The normalized columns that :func:`build_results` reads (``build_endpoints``, ``run_checks``,
#: :func:`runs_block`, :func:`run_loads`). The others (``cell``, ``end``, ``range``,
#: ``flow_std_state``, ``value_o2ref``,
#: ``rate_reported``, ``reasons``, ``conc_state``, ``o2_ref_pct``, ``derivation``) are in
#: normalized.csv; no result depends on them.
RESULT_COLUMNS = (
    "file", "sheet", "row", "source", "position", "phase", "run", "sample", "start", "pollutant", "as_species",
    "value", "censored", "lod", "unit", "basis", "std_state", "method", "flag", "o2_pct", "h2o_pct", "flow",
    "flow_unit", "flow_basis", "temp_c", "pressure_kpa", "load_pct", "raw", "status", "conc", "conc_unit", "conc_as",
    "conc_ppmc", "conc_o2", "flow_sd_m3_h", "mass_rate_kg_h",
    "o2ref_check", "o2ref_mismatch", "rate_check", "rate_mismatch", "missing",
)


def _categorical(col: pd.Series) -> pd.Series:
    """A text column as a categorical of its distinct values (sorted, so that a ``groupby(sort=True)``
    on it gives the order of the text column); one small code per row instead of the text."""
    categories = pd.Index(sorted(str(v) for v in col.dropna().unique()), dtype=object)
    return col.astype(pd.CategoricalDtype(categories))


def results_table(normalized: pd.DataFrame) -> pd.DataFrame:
    """The normalized table as :func:`build_results` reads it, small enough to keep for a large case:
    only :data:`RESULT_COLUMNS`, each text column a categorical, and ``raw`` only on rows with a
    ``run`` (:func:`runs_block` lists the raw cells of runs; continuous readings have none listed).
    The results are those of the whole normalized table (tests/core/test_results_table.py)."""
    out = {}
    for name in RESULT_COLUMNS:
        col = normalized[name]
        if name == "raw":
            col = col.where(normalized["run"].notna())
        if pd.api.types.is_string_dtype(col.dtype) and not isinstance(col.dtype, pd.CategoricalDtype):
            col = _categorical(col)
        out[name] = col
    return pd.DataFrame(out, index=normalized.index, copy=False)


def concat_results_tables(parts: list[pd.DataFrame], index: pd.Index) -> pd.DataFrame:
    """Row-wise concatenation of :func:`results_table` frames, with ``index``; each categorical column
    gets the union of the parts' categories, sorted (the frame :func:`results_table` gives for the
    whole table). The parts are emptied column by column on the way, so that the peak holds about
    one copy of the table, not two."""
    out = {}
    for name in parts[0].columns:
        cols = [p[name] for p in parts]
        if isinstance(cols[0].dtype, pd.CategoricalDtype):
            dtype = pd.CategoricalDtype(pd.Index(sorted({v for c in cols for v in c.cat.categories}), dtype=object))
            codes = np.concatenate([c.cat.set_categories(dtype.categories).cat.codes.to_numpy() for c in cols])
            out[name] = pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), index=index, name=name, copy=False)
        else:
            out[name] = pd.Series(pd.concat(cols, ignore_index=True).array, index=index, name=name, copy=False)
        for p in parts:  # release each part's column as soon as it is copied
            del p[name]
    return pd.DataFrame(out, index=index, copy=False)


def runs_block(normalized: pd.DataFrame, aliases: dict[str, str] | None = None) -> list[dict]:
    """One item per (source, position, phase, run, pollutant) of run-based data, for the report's run
    tables. ``method``: the pollutant's part of a method cell that names several
    (:func:`verify.measure.methods.method_of`, pollutant names from ``aliases``)."""
    from verify.measure.methods import method_of
    from verify.sources.aliases import pollutant_aliases

    aliases = pollutant_aliases() if aliases is None else aliases
    runs = normalized[normalized["run"].notna()]
    if runs.empty:
        return []
    keys = ["source", "position", "phase", "run", "pollutant"]
    out = []
    grouped = runs.groupby([key_text(runs[k]) for k in keys], sort=False)
    for key, g in grouped:
        first = g.iloc[0]
        mean = lambda col: clean(g[col].mean()) if col in g and g[col].notna().any() else None  # noqa: E731
        raw = [clean(r) for r in g["raw"]]
        out.append({
            "source": key[0], "position": key[1] or None, "phase": key[2], "run": key[3], "pollutant": key[4],
            "n_samples": int(len(g)), "raw": raw,
            "value": mean("value"), "decimals": _run_decimals(raw), "unit": clean(first["unit"]),
            "basis": clean(first["basis"]),
            "conc": mean("conc"), "conc_unit": clean(first.get("conc_unit")), "conc_as": clean(first.get("conc_as")),
            "conc_o2": mean("conc_o2"), "o2_pct": mean("o2_pct"),
            "flow": mean("flow"), "flow_unit": clean(first.get("flow_unit")), "flow_basis": clean(first.get("flow_basis")),
            "temp_c": mean("temp_c"), "h2o_pct": mean("h2o_pct"), "pressure_kpa": mean("pressure_kpa"),
            "flow_sd_m3_h": mean("flow_sd_m3_h"),
            "mass_rate_kg_h": mean("mass_rate_kg_h"), "load_pct": mean("load_pct"),
            **_reported(g),
            "censored": bool(g["censored"].any()), "flagged": bool((g["status"] == "flagged").any()),
            "method": method_of(clean(g["method"].dropna().iloc[0]), key[4], aliases)
            if "method" in g and g["method"].notna().any() else None,
        })
    phase_order = {"before": 0, "after": 1}
    out.sort(key=lambda r: (r["source"], r["position"] or "", r["pollutant"], phase_order.get(r["phase"], 2),
                            _natural(r["run"])))
    return out


def _reported(g: pd.DataFrame) -> dict:
    """The laboratory's own O2-corrected concentration and emission rate of a run, at the tool's
    reporting state (the lab's cell put through the same conversion as the value: recomputed ×
    (1 + relative difference), verify.measure.normalize step 11), and whether any sample of the run
    differs from the tool's recomputation by more than the 1 % cross-check tolerance."""
    out = {}
    for key, column, check, flag in (("conc_o2_reported", "conc_o2", "o2ref_check", "o2ref_mismatch"),
                                     ("mass_rate_reported", "mass_rate_kg_h", "rate_check", "rate_mismatch")):
        known = g[check].notna() if check in g else pd.Series(False, index=g.index)
        out[key] = clean((g.loc[known, column] * (1 + g.loc[known, check])).mean()) if known.any() else None
        out[key.replace("_reported", "_mismatch")] = bool(g[flag].fillna(False).astype(bool).any()) if flag in g else False
    return out


def _run_decimals(raw: list) -> int | None:
    """The decimals a run's value was measured with: those of its sample cells (the most of them,
    a mean of samples being reported to the samples' precision); None unless every cell is a
    plainly written number (:func:`verify.sources.cells.measured_decimals`)."""
    from verify.sources.cells import measured_decimals

    places = [measured_decimals(r) for r in raw]
    return None if not places or None in places else max(places)


def endpoint_decimals(endpoint: dict, runs: list[dict]) -> None:
    """Add ``decimals`` to each phase of ``endpoint``: per value, the measured decimals of the run it
    is (a concentration taken as measured: same value and unit), else null (a derived value, printed
    with three significant figures)."""
    if endpoint.get("design") == "continuous" or endpoint.get("metric") not in ("concentration", "fugitive"):
        return
    fugitive = endpoint["metric"] == "fugitive"
    for phase in ("before", "after"):
        block = endpoint.get(phase)
        if not isinstance(block, dict) or not block.get("values"):
            continue
        found = []
        for run_id, value in zip(block.get("runs") or [], block["values"]):
            match = next((r["decimals"] for r in runs
                          if r["phase"] == phase and r["run"] == run_id and r["pollutant"] == endpoint["pollutant"]
                          and (fugitive or (r["source"] == endpoint["source"] and r["position"] == endpoint["position"]))
                          and r["value"] == value and r.get("conc") == value and r["unit"] == endpoint["unit"]), None)
            found.append(match)
        block["decimals"] = found


def _natural(text: str) -> tuple:
    import re

    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", str(text)))


def run_loads(normalized: pd.DataFrame) -> dict[str, dict[str, list[float]]]:
    """Production load of every run, per source and phase: one load per run (the rows of one run,
    inlet and outlet included, are one run; their mean if they differ)."""
    rows = normalized[normalized["run"].notna() & normalized["load_pct"].notna()]
    loads: dict[str, dict[str, list[float]]] = {}
    if rows.empty:
        return loads
    per_run = rows.groupby([key_text(rows["source"]), key_text(rows["phase"]), key_text(rows["run"])],
                           sort=True, observed=True)["load_pct"].mean()
    for (source, phase, _), value in per_run.items():
        if phase in ("before", "after"):
            loads.setdefault(source, {"before": [], "after": []})[phase].append(float(value))
    return loads


def reading_loads(normalized: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Continuous-monitoring readings (rows with ``start`` and no ``run``) that carry a load, per
    source, as readings frames (start, phase, value = load, valid) for hourly means. Only readings
    the concentration analysis uses count (HJ 212 flag N or T, or no flag): minutes with another flag
    (F instrument stopped, M, C, D, …) are missing concentration data, and their load is left out
    with them; one load per reading time."""
    from verify.measure.endpoints import VALID_FLAGS

    flag = normalized["flag"].astype("string")
    valid = (flag.isna() | flag.isin(VALID_FLAGS)).fillna(False).to_numpy(dtype=bool)
    rows = normalized[normalized["run"].isna() & normalized["start"].notna() & normalized["load_pct"].notna()
                      & normalized["phase"].isin(["before", "after"]) & valid]
    out = {}
    for source, g in rows.groupby(key_text(rows["source"]), sort=True, observed=True):
        out[source] = pd.DataFrame({"start": g["start"], "phase": g["phase"].astype(str),
                                    "value": g["load_pct"].astype(float), "valid": True}).drop_duplicates("start")
    return out


def load_comparability(normalized: pd.DataFrame, case: Case) -> dict:
    """results.json ``comparability``: the contract's ``load_tost`` (every source) and
    ``load_by_source`` (docs/results.md), see :mod:`verify.stats.comparability`."""
    from verify.stats import comparability as comp

    margin = case.manifest.case.load_equivalence_margin_pct
    per_source = {}
    for source, phases in run_loads(normalized).items():
        per_source[source] = comp.load_tost(phases["before"], phases["after"], margin)
    readings = reading_loads(normalized)
    if readings:
        from verify.stats.continuous import hourly_means

        for source, frame in readings.items():
            hourly = hourly_means(frame, case.manifest.case.timezone).frame
            per_source[source] = comp.hourly_equivalence(hourly[hourly["valid"]], margin)
    by_source = [comp.describe(source, per_source[source]) for source in sorted(per_source)]
    return {"load_tost": comp.summary(by_source, margin), "load_by_source": by_source}


def _primary_p(stats: dict) -> float | None:
    tests = stats.get("tests") or {}
    for name in ("welch_t", "paired_t"):
        test = tests.get(name)
        if test and test.get("p_value") is not None:
            return test["p_value"]
    return None


def _limits_for(case: Case, data, catalogue) -> list[tuple]:
    """(limit, source) pairs for an endpoint: its own source's limits, or the downwind group's for ``boundary``."""
    from verify.measure.limits import applicable_limits

    sources = case.sources
    if data.source in sources:
        source = sources[data.source]
        group = source
    elif data.source == "boundary":
        source = None
        group = [s for s in case.manifest.source if s.kind == "fugitive" and s.role == "downwind"]
    else:
        return []
    limits = applicable_limits(group, data.pollutant, data.metric, catalogue, unit=data.unit, as_species=data.as_species)
    return [(limit, source) for limit in limits]


def _measured_sources(case: Case, data) -> list:
    """The sources whose sampling dates an endpoint's values come from (the boundary group: every
    upwind and downwind point)."""
    if data.source in case.sources:
        return [case.sources[data.source]]
    if data.source == "boundary":
        return [s for s in case.manifest.source if s.kind == "fugitive" and s.role in ("upwind", "downwind")]
    return []


def _limit_items(case: Case, data, stats_dict: dict, catalogue, context: tuple) -> list[dict]:
    """The ``limits`` of one endpoint: each judged (``limits.judge``), then whether it binds the
    plant in each phase (``binding.assess``: force, jurisdiction, effective date, precedence)."""
    from verify.measure import binding
    from verify.measure.limits import judge

    plant, dates_by_key = context
    pairs = _limits_for(case, data, catalogue)
    items = [judge(limit, *_phase_values(limit, data, stats_dict), src) for limit, src in pairs]
    sources = _measured_sources(case, data)
    dates = {p: binding.merge_dates(dates_by_key[k] for s in sources if (k := (s.id, data.pollutant, p)) in dates_by_key)
             for p in binding.PHASES}
    regimes = {s.regime for s in sources if s.kind == "stack" or s.role != "upwind"}
    with_values = {p for p in binding.PHASES if any(item["n"][p] for item in items)}
    verdicts = binding.assess([limit for limit, _ in pairs], plant=plant, regime=regimes.pop() if len(regimes) == 1 else None,
                              dates=dates, phases_with_values=with_values)
    for item, (limit, _) in zip(items, pairs):
        item.update(binding.to_results(verdicts[limit.id], dates))
    return items


def limits_not_weighed(case: Case, endpoint_data, catalogue) -> list[dict]:
    """results.json ``limits_not_weighed`` (:mod:`verify.measure.unweighed`): the standards known to
    the catalogue but not encoded that may apply to the sources and pollutants with data."""
    from verify.measure.unweighed import not_weighed

    return not_weighed(case, ((d.source, d.pollutant) for d in endpoint_data), catalogue)


def _binding_context(case: Case, normalized: pd.DataFrame) -> tuple:
    """(plant location as an Area or None, sampling dates per (source, pollutant, phase))."""
    from verify.measure.adminarea import parse_area
    from verify.measure.binding import phase_dates

    info = case.manifest.case
    plant = None if info.location_code is None else parse_area(info.location_code, "case.toml [case] location_code")
    return plant, phase_dates(normalized, info.timezone, case.manifest.period)


def _phase_values(limit, data, stats_dict: dict) -> tuple:
    """What a limit judges in each phase: single samples for ``each_reading`` limits (GB 37822 "any
    single value"), the runs (with their censoring) for run rules, the valid hourly means for
    continuous data (HJ 75/76 hourly averages)."""
    phases = ("before", "after")
    if limit.rule == "each_reading" and data.samples:
        return tuple(data.samples.get(p) for p in phases)
    if data.design == "continuous" or data.design == "inlet-outlet":
        return tuple((stats_dict.get(p) or {}).get("values") for p in phases)
    return (data.before, data.after)


def _within_envelope(claim, data):
    """The endpoint data restricted to the claim's operating envelope (``conditions.load_pct_min``).

    ISO 14034 claims hold within stated operating conditions: runs (or continuous readings) whose
    production load is below the claimed minimum are left out of that claim's test, and listed.
    Runs without a load record are kept (the QA ``load`` check reports them).
    """
    from dataclasses import replace

    from verify.measure.series import PhaseRuns

    minimum = claim.conditions.load_pct_min
    if minimum is None:
        return data, []
    dropped: list[str] = []

    def keep(phase: str, runs: PhaseRuns | None) -> PhaseRuns | None:
        if runs is None or not runs.load_pct:
            return runs
        idx = [i for i, load in enumerate(runs.load_pct) if load is None or load >= minimum]
        dropped.extend(f"{phase}/{runs.runs[i]}" for i in range(runs.n) if i not in idx)
        pick = lambda seq: tuple(seq[i] for i in idx) if seq else seq  # noqa: E731
        return replace(runs, runs=pick(runs.runs), values=pick(runs.values), censored=pick(runs.censored),
                       load_pct=pick(runs.load_pct), flagged=pick(runs.flagged))

    if data.design == "continuous" and data.readings is not None and "load_pct" in data.readings:
        low = data.readings["load_pct"] < minimum
        if low.any():
            dropped.append(f"{int(low.sum())} readings")
            return replace(data, readings=data.readings[~low]), dropped
        return data, dropped
    if data.design == "before-after":
        return replace(data, before=keep("before", data.before), after=keep("after", data.after)), dropped
    return data, dropped


def _claim_without_endpoint(claim, names: dict | None = None):
    """A claim whose endpoint has no data at all is judged on an empty endpoint: insufficient data."""
    from verify.measure.series import EndpointData
    from verify.stats.claims import judge_claim
    from verify.stats.endpoint import analyse_endpoint

    design = "inlet-outlet" if claim.metric == "removal_efficiency" else "before-after"
    empty = EndpointData(source=claim.source, position=claim.position, pollutant=claim.pollutant,
                         metric=claim.metric, design=design, unit="", as_species=None)
    return judge_claim(claim, analyse_endpoint(empty), names=names)


def claim_lab_check(claim, data, runs: list[dict], loads: dict, names: dict) -> dict | None:
    """results.json ``claims[].lab_check`` (:mod:`verify.stats.labcheck`): a claim on runs whose
    laboratory-reported value failed the cross-check, judged again with the reported values."""
    from verify.stats.labcheck import lab_check

    return lab_check(claim, data, runs, load=loads.get(claim.source), names=names)


def reproduce_command(case_root: Path) -> str:
    """``verify run <case folder name> -o OUT``: the command that re-creates these results, with no
    machine path in it (``OUT`` stands for any output folder), so that results.json is byte-identical
    wherever the case and the outputs are."""
    name = Path(case_root).resolve().name
    return f"verify run {shlex.quote(name)} -o OUT"


def build_results(case: Case, intake, normalized: pd.DataFrame, *, allow_rejected: bool = False,
                  command: str | None = None) -> dict:
    """The whole results dict of one case (see shared/spec/results.md and docs/results.md)."""
    from verify.measure.cobenefits import compute as compute_cobenefits
    from verify.measure.endpoints import build_endpoints
    from verify.measure.limits import load_catalogue
    from verify.measure.qa import run_checks
    from verify.stats.claims import judge_claim
    from verify.stats.endpoint import analyse_endpoint
    from verify.stats.multiplicity import holm

    catalogue = load_catalogue()
    binding_context = _binding_context(case, normalized)
    endpoint_data = sorted(build_endpoints(normalized, case), key=lambda d: d.key)
    analysed = {d.key: (d, analyse_endpoint(d)) for d in endpoint_data}

    claim_keys = {endpoint_key(c.source, c.position, c.pollutant, c.metric) for c in case.manifest.claim}
    families: dict[str, list[tuple]] = {"claim": [], "secondary": []}
    endpoint_dicts: dict[tuple, dict] = {}
    for key, (data, stats) in analysed.items():
        stats_dict = stats.to_dict()
        entry = {"source": data.source, "position": data.position, "pollutant": data.pollutant,
                 "metric": data.metric, "design": data.design, "unit": data.unit, "as": data.as_species}
        caveats = stats_dict.pop("caveats", [])
        entry.update(stats_dict)
        family = "claim" if key in claim_keys else "secondary"
        entry["p_adjusted"] = None
        entry["p_family"] = family
        p = _primary_p(stats_dict)
        if p is not None:
            families[family].append((key, p))
        entry["limits"] = _limit_items(case, data, stats_dict, catalogue, binding_context)
        entry["caveats"] = caveats
        endpoint_dicts[key] = entry
    for members in families.values():
        if members:
            adjusted = holm([p for _, p in members])
            for (key, _), p_adj in zip(members, adjusted):
                endpoint_dicts[key]["p_adjusted"] = p_adj

    comparability = load_comparability(normalized, case)
    loads = {entry["source"]: entry for entry in comparability["load_by_source"]}
    from verify.sources.aliases import case_pollutant_aliases

    runs = runs_block(normalized, case_pollutant_aliases(case.manifest.pollutant))
    claims = []
    for claim in case.manifest.claim:
        key = endpoint_key(claim.source, claim.position, claim.pollutant, claim.metric)
        if key in analysed:
            data, stats = analysed[key]
            envelope_data, dropped = _within_envelope(claim, data)
            if dropped:
                stats = analyse_endpoint(envelope_data)
            verdict = judge_claim(claim, stats, load=loads.get(claim.source), names=declared_names(case)).to_dict()
            verdict["envelope"] = {"load_pct_min": claim.conditions.load_pct_min, "excluded": dropped}
            verdict["lab_check"] = claim_lab_check(claim, envelope_data, runs, loads, declared_names(case))
            claims.append(verdict)
        else:
            claims.append(_claim_without_endpoint(claim, declared_names(case)).to_dict())


    mass_rate_means = {}
    for (source, position, pollutant, metric), entry in endpoint_dicts.items():
        if metric == "mass_rate" and position in ("", "outlet"):
            mass_rate_means[(source, pollutant)] = {
                phase: (entry.get(phase) or {}).get("mean") for phase in ("before", "after")
            }

    sources_data = Path(__file__).parent / "sources" / "data"
    fingerprints = {
        "case_toml": case.case_toml_sha256,
        "aliases": sha256_files(sorted(sources_data.glob("*.csv"))),
        "limits": {"version": catalogue.version, "sha256": catalogue.sha256},
        "inputs_sha256": hashlib.sha256("".join(t.sha256 for t in intake.ledger.tallies).encode()).hexdigest(),
    }
    from verify.measure.campaign import campaign

    for entry in endpoint_dicts.values():
        endpoint_decimals(entry, runs)
    results = {
        "schema": SCHEMA,
        "tool": tool_block(),
        "case": case_block(case),
        "fingerprints": fingerprints,
        "inputs": inputs_block(intake.ledger),
        "qa": run_checks(normalized, case),
        "comparability": comparability,
        "endpoints": [endpoint_dicts[k] for k in sorted(endpoint_dicts)],
        "limits_not_weighed": limits_not_weighed(case, endpoint_data, catalogue),
        "claims": claims,
        "cobenefits": compute_cobenefits(case, mass_rate_means),
        "verification": verification_block(case),
        "sources": sources_block(case),
        "claims_declared": claims_config_block(case),
        "ledger": ledger_block(intake.ledger, allow_rejected, normalized),
        "runs": runs,
        "campaign": campaign(normalized, case),
        "reproduce": {"command": command or reproduce_command(case.root)},
    }
    return clean(results)
