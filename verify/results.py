"""Assemble and write ``results.json`` (contract and extensions: docs/results.md).

:func:`assemble_results` puts a case's analysis (:class:`verify.stats.analysis.CaseAnalysis`), its
case.toml, its ledger and its run values together, with the ja/zh sentences of
:mod:`verify.sentences`; it computes no statistic. The dict is built in the contract's key order,
endpoints sorted by (source, position, pollutant, metric), numbers as plain floats with NaN → null
(:func:`verify.jsonvalues.clean`), and serialised by :func:`dumps` in one fixed format, so that the
same inputs give a byte-identical file (docs/reliability.md#promises, promise 4).
"""

from __future__ import annotations

import hashlib
import json
import shlex
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd

from verify import __version__
from verify.case import Case
from verify.fsutil import atomic_write_text
from verify.jsonvalues import clean
from verify.sentences import caveat_text, claim_statement, load_statement, qa_detail
from verify.measure.constants import reporting_state
from verify.measure.endpoints import key_text, natural_key

SCHEMA = "verify.results/1"
DEPENDENCIES = (
    "numpy", "pandas", "scipy", "statsmodels", "pint", "openpyxl", "python-calamine", "defusedxml",
    "pydantic", "jinja2", "weasyprint", "matplotlib", "typer",
)


def tool_block() -> dict:
    deps = {}
    for name in DEPENDENCIES:
        try:
            deps[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            deps[name] = None
    return {"name": "verify", "version": __version__, "dependencies": deps}


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
        "load_definition": text(info.load_definition),
        "reporting_state": reporting_state(info.conditions),
        "pollutants": pollutants_block(case),
    }


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
            {"role": sig.role, "name": {"ja": sig.name.ja, "zh": sig.name.zh},
             "title": None if sig.title is None else {"ja": sig.title.ja, "zh": sig.title.zh},
             "date": sig.date.isoformat() if sig.date else None}
            for sig in v.signature
        ],
        "prevailing_language": v.prevailing_language,
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
        "unread_sheets": [{"file": f, "sheet": s} for f, s in ledger.unread_sheets],
        "allowed_rejected": bool(allowed_rejected and ledger.has_rejections),
    }


#: The normalized columns that :func:`build_results` reads (the analysis, :func:`verify.stats.analysis.analyse_case`:
#: endpoints, QA, loads, campaign; and :func:`runs_block`, :func:`ledger_block`). The others (``cell``, ``end``, ``range``,
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
    from verify.stats.labcheck import reported_values

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
            **reported_values(g),
            "censored": bool(g["censored"].any()), "flagged": bool((g["status"] == "flagged").any()),
            "method": method_of(clean(g["method"].dropna().iloc[0]), key[4], aliases)
            if "method" in g and g["method"].notna().any() else None,
        })
    phase_order = {"before": 0, "after": 1}
    out.sort(key=lambda r: (r["source"], r["position"] or "", r["pollutant"], phase_order.get(r["phase"], 2),
                            natural_key(r["run"])))
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


def reproduce_command(case_root: Path) -> str:
    """``verify run <case folder name> -o OUT``: the command that re-creates these results, with no
    machine path in it (``OUT`` stands for any output folder), so that results.json is byte-identical
    wherever the case and the outputs are."""
    name = Path(case_root).resolve().name
    return f"verify run {shlex.quote(name)} -o OUT"




# --------------------------------------------------------------------------------------------
# Assembly


def caveats_block(caveats) -> list[dict]:
    """Caveats (codes and values) as results.json writes them: ``{code, text: {ja, zh}}``."""
    out = []
    for c in caveats:
        item = c.to_dict() if hasattr(c, "to_dict") else c
        out.append({"code": item["code"], "text": caveat_text(item["code"], item["params"])})
    return out


def qa_block(items: list[dict]) -> list[dict]:
    """QA findings (:func:`verify.measure.qa.run_checks`) as results.json ``qa``: each with its ja/zh
    ``detail`` in place of its outcome and values."""
    keys = ("check", "source", "position", "pollutant", "phase", "passed")
    return [{**{k: i[k] for k in keys}, "detail": qa_detail(i["check"], i["outcome"], i["values"]),
             **({"disclosed": i["disclosed"]} if "disclosed" in i else {})} for i in items]


def comparability_block(comparability: dict) -> dict:
    """``comparability`` with each source's ja/zh ``statement`` and its caveats in words."""
    by_source = []
    for entry in comparability["load_by_source"]:
        item = {k: v for k, v in entry.items() if k != "caveats"}
        item["statement"] = load_statement(entry)
        item["caveats"] = caveats_block(entry["caveats"])
        by_source.append(item)
    return {"load_tost": comparability["load_tost"], "load_by_source": by_source}


def continuous_methods(endpoints: list[dict], normalized: pd.DataFrame, aliases: dict[str, str]) -> None:
    """Add ``method`` and ``method_from`` (``data`` or ``default``) to each continuous endpoint: the
    method cells of its readings, else the CEMS default of its pollutant
    (:func:`verify.measure.methods.continuous_method`); run-based endpoints name theirs per run."""
    from verify.measure.methods import continuous_method

    continuous = [ep for ep in endpoints if ep.get("design") == "continuous"]
    if not continuous:
        return
    readings = normalized[normalized["run"].isna()] if "run" in normalized else normalized
    source, pollutant, position = (key_text(readings[k]) for k in ("source", "pollutant", "position"))
    no_cells = pd.Series([], dtype=object)
    for ep in continuous:
        mine = (source == ep["source"]) & (pollutant == ep["pollutant"]) & (position == (ep.get("position") or ""))
        cells = readings.loc[mine, "method"] if "method" in readings else no_cells
        ep["method"], ep["method_from"] = continuous_method(cells, ep["pollutant"], aliases)


def endpoint_block(e) -> dict:
    """One results.json endpoint of an :class:`~verify.stats.analysis.AnalysedEndpoint`."""
    data, summary = e.data, dict(e.summary)
    caveats = summary.pop("caveats", [])
    return {"source": data.source, "position": data.position, "pollutant": data.pollutant, "metric": data.metric,
            "design": data.design, "unit": data.unit, "as": data.as_species, **summary,
            "p_adjusted": e.p_adjusted, "p_family": e.family, "limits": e.limits, "caveats": caveats_block(caveats)}


def claims_block(claims, names: dict) -> list[dict]:
    """results.json ``claims``: each verdict with its ja/zh statement and, when its endpoint has
    data, its operating ``envelope``."""
    out = []
    for judged in claims:
        claim = judged.result.to_dict()
        claim["statement"] = claim_statement(claim, judged.result.unit, names)
        if judged.envelope is not None:
            claim["envelope"] = judged.envelope
            claim["lab_check"] = judged.lab_check
        out.append(claim)
    return out


def pollutant_names_block(case: Case, keys) -> dict[str, dict[str, str]]:
    """results.json ``pollutant_names``: key → {ja, zh, en} of every pollutant in ``keys``: the case's
    ``[[pollutant]]`` declaration, else the first name of the language in
    ``verify/sources/data/pollutants.csv``, else the key."""
    from verify.sources.aliases import pollutant_names

    declared = {p.key: p for p in case.manifest.pollutant}
    out = {}
    for key in sorted({str(k) for k in keys}):
        out[key] = {lang: getattr(declared.get(key), lang, None) or pollutant_names(lang).get(key, key)
                    for lang in ("ja", "zh", "en")}
    return out


def _pollutant_keys(case: Case, normalized: pd.DataFrame, ledger) -> set[str]:
    """The pollutants results.json names: those of the data, the claims, the declarations and the
    ledger's value fields (``value[PM]``)."""
    keys = {str(k) for k in normalized["pollutant"].dropna().unique()} if len(normalized) else set()
    keys |= {c.pollutant for c in case.manifest.claim} | {p.key for p in case.manifest.pollutant}
    frame = ledger.to_frame()
    fields = frame["field"].dropna().astype(str) if len(frame) else []
    keys |= {f[6:-1] for f in fields if f.startswith("value[") and f.endswith("]")}
    return keys


def fingerprints_block(case: Case, intake, catalogue) -> dict:
    from verify.sources.fingerprint import alias_tables_sha256

    return {
        "case_toml": case.case_toml_sha256,
        "aliases": alias_tables_sha256(),
        "limits": {"version": catalogue.version, "sha256": catalogue.sha256},
        "inputs_sha256": hashlib.sha256("".join(t.sha256 for t in intake.ledger.tallies).encode()).hexdigest(),
    }


def assemble_results(case: Case, intake, normalized: pd.DataFrame, analysis, *, allow_rejected: bool = False,
                     command: str | None = None) -> dict:
    """The results dict of one case from its :class:`~verify.stats.analysis.CaseAnalysis`, in the
    contract's key order (docs/results.md and docs/results.md)."""
    from verify.measure.limits import load_catalogue
    from verify.sources.aliases import case_pollutant_aliases

    names = pollutant_names_block(case, _pollutant_keys(case, normalized, intake.ledger))
    aliases = case_pollutant_aliases(case.manifest.pollutant)
    runs = runs_block(normalized, aliases)
    endpoints = [endpoint_block(e) for e in analysis.endpoints]
    for entry in endpoints:
        endpoint_decimals(entry, runs)
    continuous_methods(endpoints, normalized, aliases)
    results = {
        "schema": SCHEMA,
        "tool": tool_block(),
        "case": case_block(case),
        "pollutant_names": names,
        "fingerprints": fingerprints_block(case, intake, load_catalogue()),
        "inputs": inputs_block(intake.ledger),
        "qa": qa_block(analysis.qa),
        "comparability": comparability_block(analysis.comparability),
        "endpoints": endpoints,
        "limits_not_weighed": analysis.limits_not_weighed,
        "claims": claims_block(analysis.claims, names),
        "cobenefits": analysis.cobenefits,
        "verification": verification_block(case),
        "sources": sources_block(case),
        "claims_declared": claims_config_block(case),
        "ledger": ledger_block(intake.ledger, allow_rejected, normalized),
        "runs": runs,
        "campaign": analysis.campaign,
        "reproduce": {"command": command or reproduce_command(case.root)},
    }
    return clean(results)


def build_results(case: Case, intake, normalized: pd.DataFrame, *, allow_rejected: bool = False,
                  command: str | None = None) -> dict:
    """The whole results dict of one case: the analysis stage (:func:`verify.stats.analysis.analyse_case`)
    assembled by :func:`assemble_results`."""
    from verify.stats.analysis import analyse_case

    return assemble_results(case, intake, normalized, analyse_case(case, normalized),
                            allow_rejected=allow_rejected, command=command)
