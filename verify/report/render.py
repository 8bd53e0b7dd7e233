"""Render the bilingual verification report from a results dict (the parsed results.json) alone.

Layout choice: the whole report in Japanese, then the whole report in Chinese (not side by side).
An official reads one language from start to end; each language keeps its own one-page
verification statement that can be published on its own; wide run tables keep the full page
width; and the page header/footer fonts follow the language of the page. Numbers are formatted
once, language-neutrally (:mod:`verify.report.fmt`), so both halves carry the same digits.

This module reads no data file and recomputes nothing: it only selects, labels and formats what
results.json holds. It imports nothing from ``verify.sources``, ``verify.measure`` or
``verify.stats`` (docs/architecture.md).
"""

from __future__ import annotations

import os
from collections import Counter, OrderedDict
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from verify.fsutil import atomic_write_bytes
from verify.errors import RenderError
from verify.report.fmt import (DASH, fmt_chem, fmt_date, fmt_int, fmt_interval, fmt_num, fmt_p,
                               fmt_pct, fmt_plain, fmt_ratio_interval, fmt_unit)
from verify.report.i18n import HTML_LANG, load_catalogue, parse_langs
from verify.resources import templates_dir

_PHASES = ("before", "after")


# --------------------------------------------------------------------------------------------
# Language helper: every language-dependent lookup the template needs
# --------------------------------------------------------------------------------------------
class Lang:
    """Catalogue lookups for one language; plain strings out (Jinja escapes them)."""

    def __init__(self, code: str, results: dict):
        self.code = code
        self.html = HTML_LANG[code]
        self.T = load_catalogue(code)
        self._sources = {s.get("id"): s for s in results.get("sources") or [] if isinstance(s, dict)}

    def t(self, path: str) -> str:
        section, _, key = path.partition(".")
        try:
            return self.T[section][key]
        except KeyError as exc:
            raise RenderError(f"catalogue {self.code}.toml has no key {path!r}") from exc

    def f(self, path: str, **values) -> str:
        return self.t(path).format(**values)

    def code_label(self, section: str, code) -> str:
        """Translation of a code (pollutant, reason, rule, …) or the code itself when unknown."""
        if code is None:
            return DASH
        return self.T.get(section, {}).get(str(code), fmt_chem(code))

    def text(self, obj) -> str:
        """A ``{ja, zh}`` text in this language (the other language if only that one exists)."""
        if obj is None:
            return DASH
        if isinstance(obj, dict):
            other = "zh" if self.code == "ja" else "ja"
            value = obj.get(self.code) or obj.get(other)
            return str(value) if value else DASH
        return str(obj)

    def poll(self, code, as_=None) -> str:
        name = self.code_label("pollutant", code)
        if as_:
            name += f"（{self.code_label('as', as_)}）"
        return name

    def source(self, sid) -> str:
        src = self._sources.get(sid)
        if src and src.get("name"):
            return self.text(src["name"])
        if sid in self.T.get("point", {}):
            return self.T["point"][sid]
        return DASH if sid is None else str(sid)

    def source_full(self, sid) -> str:
        name = self.source(sid)
        return name if name == str(sid) else f"{sid} {name}"

    def what(self, ep: dict) -> str:
        parts = [self.source(ep.get("source"))]
        if ep.get("position"):
            parts.append(self.code_label("position", ep["position"]))
        parts.append(self.poll(ep.get("pollutant"), ep.get("as")))
        parts.append(self.code_label("metric", ep.get("metric")))
        return " ".join(parts)

    def yesno(self, value) -> str:
        if value is None:
            return DASH
        return self.t("doc.yes") if value else self.t("doc.no")

    def verdict(self, code) -> str:
        return self.code_label("verdict", code)

    def reason(self, code, detail=None) -> str:
        known = self.T["reason"].get(str(code))
        if known:
            return known
        # unknown code: show the code and the English detail as they are
        return f"{code} {self.t('quality.unknown_reason')}" + (f": {detail}" if detail else "")

    def cob_label(self, key) -> str:
        return self.T["cob"].get(str(key), str(key))


# --------------------------------------------------------------------------------------------
# Language-neutral view model (formatted numbers)
# --------------------------------------------------------------------------------------------
def _get(d, *keys, default=None):
    for key in keys:
        if not isinstance(d, dict):
            return default
        d = d.get(key)
        if d is None:
            return default
    return d


def _phase_view(ph: dict | None) -> dict:
    ph = ph or {}
    values = ph.get("values") or []
    censored = ph.get("censored") or [False] * len(values)
    shown = []
    for v, c in zip(values, censored + [False] * (len(values) - len(censored))):
        shown.append(("<" if c else "") + fmt_num(v))
    return {"n": fmt_int(ph.get("n")), "mean": fmt_num(ph.get("mean")), "sd": fmt_num(ph.get("sd")),
            "values": shown, "method": ph.get("mean_method") or ""}


def _limit_view(lim: dict) -> dict:
    exc = lim.get("exceedances") or {}
    comp = lim.get("complies") or {}
    return {
        "id": lim.get("id") or DASH,
        "value": fmt_plain(lim.get("value")),
        "unit": fmt_unit(lim.get("unit")),
        "averaging": lim.get("averaging") or DASH,
        "rule": lim.get("rule"),
        "standard": " ".join(x for x in (lim.get("standard"), lim.get("clause")) if x) or DASH,
        "citation": lim.get("source") or "",
        "confidence": lim.get("confidence"),
        "complies": {ph: comp.get(ph) for ph in _PHASES},
        "exceedances": {ph: fmt_int(exc.get(ph)) for ph in _PHASES},
        "undetermined": {ph: fmt_int(_get(lim, "undetermined", ph)) if _get(lim, "undetermined", ph) else None
                         for ph in _PHASES},
        "raw_value": lim.get("value"),
        "binding": {ph: _get(lim, "binding", ph) is True for ph in _PHASES},
        "notes": _binding_notes(lim),
    }


def _binding_notes(lim: dict) -> list[dict]:
    """Why a limit binds or is only a benchmark (catalogue section ``binding``), once per distinct
    reason over the phases, from results.json ``binding_reason`` (docs/results.md)."""
    notes: list[dict] = []
    effective = lim.get("effective") or {}
    for ph in _PHASES:
        reason = _get(lim, "binding_reason", ph)
        if reason in (None, "no_data"):
            continue
        key, params = reason, {}
        if reason == "not_mandatory":
            key = f"force_{lim.get('force')}"
        elif reason == "other_jurisdiction":
            params = {"code": _get(lim, "jurisdiction", "code") or DASH}
        elif reason in ("not_in_force", "straddles_effective_date"):
            key = reason if "all" in effective else f"{reason}_regime"
            params = {"date": effective.get("all", DASH), "new": effective.get("new", DASH),
                      "existing": effective.get("existing", DASH)}
        elif reason == "superseded":
            params = {"id": _get(lim, "superseded_by", ph) or DASH}
        note = {"key": key, "params": params}
        if note not in notes:
            notes.append(note)
    return notes


def _endpoint_view(ep: dict) -> dict:
    tests = ep.get("tests") or {}
    hac, sar = tests.get("hac_ols"), tests.get("sarimax")
    ci = ep.get("reduction_ci95")
    return {
        "raw": _with(ep, ("source", "position", "pollutant", "metric", "as", "design", "unit")),
        "key": (ep.get("source"), ep.get("position"), ep.get("pollutant"), ep.get("metric")),
        "raw_tests": tests,
        "design": ep.get("design"),
        "status": ep.get("status"),
        "unit": fmt_unit(ep.get("unit")),
        "before": _phase_view(ep.get("before")),
        "after": _phase_view(ep.get("after")),
        "reduction": fmt_pct(ep.get("reduction_pct")),
        "ci": fmt_interval(ci),
        "ci_excludes_zero": bool(ci and ci[0] is not None and ci[0] > 0),
        "gm_ratio": fmt_num(ep.get("gm_ratio")),
        "gm_ci": fmt_ratio_interval(ep.get("gm_ratio_ci95")),
        "welch": fmt_p(_get(tests, "welch_t", "p_value")),
        "perm": fmt_p(_get(tests, "permutation", "p_value")),
        "mw": fmt_p(_get(tests, "mann_whitney", "p_value")),
        "censored_p": fmt_p(_get(tests, "censored", "p_value")),
        "holm": fmt_p(ep.get("p_adjusted")),
        "mdr": fmt_pct(ep.get("mdr_pct")),
        "has_mdr": ep.get("mdr_pct") is not None,
        "limits": [_limit_view(lim) for lim in ep.get("limits") or []],
        "caveats": ep.get("caveats") or [],
        "hac": None if not hac else {
            "eff": fmt_pct(hac.get("effect_pct")), "ci": fmt_interval(hac.get("ci95")),
            "maxlags": fmt_int(hac.get("maxlags")), "n_hours": fmt_int(hac.get("n_hours")),
            "covariates": ", ".join(hac.get("covariates") or []) or DASH,
            "excludes_zero": _excludes_zero(hac.get("ci95"))},
        "sarimax": None if not sar else {
            "eff": fmt_pct(sar.get("effect_pct")), "ci": fmt_interval(sar.get("ci95")),
            "order": ",".join(str(o) for o in sar.get("order") or []) or DASH,
            "converged": sar.get("converged")},
        "capture": {ph: fmt_pct(_get(ep, ph, "capture_pct")) for ph in _PHASES},
    }


def _excludes_zero(ci) -> bool:
    return bool(ci and None not in ci and (ci[0] > 0 or ci[1] < 0))


def _run_view(run: dict) -> dict:
    flags = []
    if run.get("censored"):
        flags.append("censored")
    if run.get("flagged"):
        flags.append("flagged")
    raw = run.get("raw")
    raw_text = "; ".join(str(r) for r in raw) if isinstance(raw, list) else (raw or DASH)
    return {
        "phase": run.get("phase"),
        "run": str(run.get("run", DASH)),
        "n_samples": fmt_int(run.get("n_samples")),
        "raw": raw_text,
        "value": ("<" if run.get("censored") else "") + fmt_num(run.get("value")),
        "unit": fmt_unit(run.get("unit")),
        "conc": fmt_num(run.get("conc")),
        "conc_o2": fmt_num(run.get("conc_o2")),
        "o2": fmt_num(run.get("o2_pct"), decimals=1) if run.get("o2_pct") is not None else DASH,
        "flow": fmt_num(run.get("flow_sd_m3_h"), decimals=0) if run.get("flow_sd_m3_h") is not None else DASH,
        "rate": fmt_num(run.get("mass_rate_kg_h")),
        "load": fmt_num(run.get("load_pct"), decimals=0) if run.get("load_pct") is not None else DASH,
        "flags": flags,
        "method": run.get("method") or DASH,
    }


def _claim_view(c: dict) -> dict:
    pct = c.get("kind") in ("reduction", "efficiency", None)
    num = fmt_pct if pct else fmt_num
    return {
        "raw": _with(c, ("source", "position", "pollutant", "metric", "statement", "claimed")),
        "id": c.get("id") or DASH,
        "kind": c.get("kind") or "reduction",
        "claimed": num(c.get("claimed")),
        "estimate": num(c.get("estimate")),
        # reduction/efficiency claims: one-sided lower bound; level claims: one-sided upper bound
        "lower_bound": num(c.get("upper_bound") if c.get("kind") == "level" and c.get("upper_bound") is not None
                           else c.get("lower_bound")),
        "p": fmt_p(c.get("p_value")),
        "verdict": c.get("verdict") or "insufficient_data",
        "method": c.get("method"),  # e.g. "fieller-welch", "hac_ols" (continuous data), "one-sided t"
        "other_conditions": [(str(k), fmt_plain(val) if isinstance(val, (int, float)) else str(val))
                             for k, val in (c.get("conditions") or {}).items() if k != "load_pct_min"]
        if isinstance(c.get("conditions"), dict) else [],
        "load_min": fmt_plain(_get(c, "conditions", "load_pct_min"))
        if _get(c, "conditions", "load_pct_min") is not None else None,
    }


def _with_declared(claim: dict, results: dict) -> dict:
    """A claim without ``conditions`` takes ``load_pct_min`` from ``claims_declared`` (same id)."""
    if isinstance(claim.get("conditions"), dict):
        return claim
    declared = next((d for d in results.get("claims_declared") or []
                     if isinstance(d, dict) and d.get("id") == claim.get("id")), None)
    if declared and declared.get("load_pct_min") is not None:
        return {**claim, "conditions": {"load_pct_min": declared["load_pct_min"]}}
    return claim


#: At most this many ledger entries are listed one by one (rejected first); all of them are
#: counted by file, reason and outcome, and all are in ledger.csv (``verify run``).
MAX_LEDGER_ROWS = 60
#: In ``verify run``'s PDF, which sits next to ledger.csv, the listing stops at this many entries.
PDF_LEDGER_ROWS = 20


def _ledger_view(ledger: dict) -> dict:
    entries = [_with(e, _ENTRY_KEYS) for e in ledger.get("entries") or [] if isinstance(e, dict)]
    ordered = sorted(entries, key=lambda e: 0 if e.get("outcome") == "rejected" else 1)  # stable
    counts: "OrderedDict[tuple, int]" = OrderedDict()
    for e in entries:
        key = (e.get("file"), e.get("sheet"), e.get("outcome"), e.get("reason"))
        counts[key] = counts.get(key, 0) + 1
    return {
        "ledger_entries": ordered[:MAX_LEDGER_ROWS],
        "ledger_total": fmt_int(len(entries)),
        "ledger_shown": fmt_int(min(len(entries), MAX_LEDGER_ROWS)),
        "ledger_truncated": len(entries) > MAX_LEDGER_ROWS,
        "ledger_counts": [{"file": f, "sheet": sh, "outcome": o, "reason": r, "n": fmt_int(n)}
                          for (f, sh, o, r), n in counts.items()],
    }


def _groups(results: dict, endpoints: list[dict]) -> list[dict]:
    """Stack endpoints grouped by (source, position, pollutant) with their run rows."""
    runs = [r for r in results.get("runs") or [] if isinstance(r, dict)]
    groups: "OrderedDict[tuple, dict]" = OrderedDict()
    for ev in endpoints:
        ep = ev["raw"]
        if ep.get("metric") == "fugitive":
            continue
        key = (ep.get("source"), ep.get("position"), ep.get("pollutant"))
        g = groups.setdefault(key, {"source": key[0], "position": key[1], "pollutant": key[2],
                                    "as": ep.get("as"), "endpoints": [], "runs": []})
        g["endpoints"].append(ev)
    for key, g in groups.items():
        rows = [r for r in runs if (r.get("source"), r.get("position"), r.get("pollutant")) == key]
        rows.sort(key=lambda r: (_PHASES.index(r["phase"]) if r.get("phase") in _PHASES else 9,
                                 _run_sort(r.get("run"))))
        g["runs"] = [_run_view(r) for r in rows]
        g["has_o2"] = any(r.get("conc_o2") is not None for r in rows)
        g["has_method"] = any(r.get("method") for r in rows)
        g["continuous"] = any(ev["design"] == "continuous" for ev in g["endpoints"])
        g["run_cols"] = _run_columns(g["has_o2"], g["has_method"])
    return list(groups.values())


#: Relative widths of the per-run table's columns (fixed table layout; scaled to 100 %).
_RUN_COLS = (("phase", 9), ("run", 5), ("samples", 6), ("raw", 12), ("value", 12), ("conc", 9),
             ("o2", 6), ("conc_o2", 10), ("flow", 11), ("rate", 10), ("load", 8), ("method", 11),
             ("flags", 10))


def _run_columns(has_o2: bool, has_method: bool) -> list[float]:
    keep = [w for key, w in _RUN_COLS if (has_o2 or key not in ("o2", "conc_o2"))
            and (has_method or key != "method")]
    total = sum(keep)
    return [round(100 * w / total, 1) for w in keep]


def _caveat_groups(endpoints: list[dict]) -> list[dict]:
    """Identical caveats (same code and text) listed once with the endpoints they apply to."""
    groups: "OrderedDict[str, dict]" = OrderedDict()
    for ev in endpoints:
        for cav in ev["caveats"]:
            if not isinstance(cav, dict):
                continue
            text = cav.get("text")
            key = repr((cav.get("code"), sorted(text.items()) if isinstance(text, dict) else text))
            g = groups.setdefault(key, {"code": cav.get("code"), "text": text if text else cav.get("code"),
                                        "endpoints": []})
            g["endpoints"].append(ev["raw"])
    return list(groups.values())


def _run_sort(run):
    text = str(run)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def _with(d, keys: tuple[str, ...], default=None) -> dict:
    """``d`` with every key of ``keys`` present (optional results keys become None)."""
    d = d if isinstance(d, dict) else {}
    return {**{k: default for k in keys}, **d}


_CASE_KEYS = ("id", "title", "factory", "location", "process", "timezone", "conditions",
              "input_conditions", "concentration_basis", "illustrative", "reporting_state")
_VERIFICATION_KEYS = ("statement_id", "verifier", "technology", "issued", "valid_until", "supersedes",
                      "supersedes_statement_id")
_SOURCE_KEYS = ("id", "kind", "role", "name", "height_m", "regime", "reference_o2_pct")
_ENTRY_KEYS = ("file", "sheet", "row", "column", "cell", "field", "raw", "outcome", "reason", "detail")
_INPUT_KEYS = ("file", "sheet", "sha256", "rows", "accepted", "flagged", "rejected", "values",
               "values_flagged", "values_rejected", "layout", "encoding", "notes")
_QA_KEYS = ("check", "source", "position", "pollutant", "phase", "passed", "detail")


def build_view(results: dict) -> dict:
    """The language-neutral part of the report: formatted numbers, grouped rows."""
    if not isinstance(results, dict):
        raise RenderError("results must be a dict (the parsed results.json)")
    case = _with(results.get("case"), _CASE_KEYS)
    case["measures"] = [m for m in (case.get("measures") or [])]
    endpoints = [_endpoint_view(ep) for ep in results.get("endpoints") or [] if isinstance(ep, dict)]
    state = case.get("reporting_state") or {}
    inputs = [_with(i, _INPUT_KEYS) for i in results.get("inputs") or [] if isinstance(i, dict)]
    ledger = results.get("ledger") or {}
    totals = {k: fmt_int(sum((i.get(k) or 0) for i in inputs))
              for k in ("rows", "accepted", "flagged", "rejected")}
    load_tost = _get(results, "comparability", "load_tost")
    runs = results.get("runs") or []
    loads: dict[str, list[float]] = {}
    for r in runs:
        if r.get("load_pct") is not None:
            loads.setdefault(r.get("source"), []).append(r["load_pct"])
    verification = results.get("verification")
    if verification:
        verification = _with(verification, _VERIFICATION_KEYS)
    tool = results.get("tool") or {}
    qa_items = [q for q in results.get("qa") or [] if isinstance(q, dict)]
    return {
        "case": case,
        "case_id": case.get("id") or DASH,
        "illustrative": bool(case.get("illustrative")),
        "verification": verification,
        "draft": not verification,
        "issued": fmt_date(_get(verification, "issued")),
        "valid_until": fmt_date(_get(verification, "valid_until")) if _get(verification, "valid_until") else None,
        "state": {"t": fmt_num(state.get("temperature_k"), decimals=2),
                  "p": fmt_num(state.get("pressure_kpa"), decimals=3),
                  "dry": state.get("dry", True)},
        "claims": [_claim_view(_with_declared(c, results)) for c in results.get("claims") or []
                   if isinstance(c, dict)],
        "endpoints": endpoints,
        "run_endpoints": [e for e in endpoints if e["design"] != "continuous" and e["raw"].get("metric") != "fugitive"],
        "continuous": [e for e in endpoints if e["design"] == "continuous"],
        "fugitive": [e for e in endpoints if e["raw"].get("metric") == "fugitive"],
        "limited": [e for e in endpoints if e["limits"]],
        "caveat_groups": _caveat_groups(endpoints),
        "has_gehan": any(_get(e["raw_tests"], "censored") for e in endpoints),
        "groups": _groups(results, endpoints),
        "sources": [{**_with(s, _SOURCE_KEYS), "limits": s.get("limits") or []}
                    for s in results.get("sources") or [] if isinstance(s, dict)],
        "loads": {sid: {"min": fmt_num(min(v), decimals=0), "max": fmt_num(max(v), decimals=0)}
                  for sid, v in loads.items()},
        "load_tost": None if not load_tost else {
            "margin": fmt_plain(load_tost.get("margin_pct")),
            "p": fmt_p(load_tost.get("p_value")), "equivalent": load_tost.get("equivalent")},
        "inputs": inputs,
        "input_rows": [{**i, "f": {k: fmt_int(i.get(k)) for k in (
            "rows", "accepted", "flagged", "rejected", "values", "values_flagged", "values_rejected")}}
            for i in inputs],
        "totals": totals,
        **_ledger_view(ledger),
        "unread": [_with(u, ("file", "sheet")) for u in ledger.get("unread_sheets") or []],
        "allowed_rejected": bool(ledger.get("allowed_rejected")),
        "deviations": results.get("deviations") if isinstance(results.get("deviations"), list) else None,
        # failed and undecidable checks in full; passed ones counted by check (a long list of
        # passes hides the failures and doubles the length of the data-quality section)
        "qa": [_with(q, _QA_KEYS) for q in qa_items if q.get("passed") is not True],
        "qa_passed": [{"check": k, "n": fmt_int(n)} for k, n in sorted(Counter(
            str(q.get("check")) for q in qa_items if q.get("passed") is True).items())],
        "qa_failed": fmt_int(sum(1 for q in qa_items if q.get("passed") is False)),
        "qa_unknown": fmt_int(sum(1 for q in qa_items if q.get("passed") is None)),
        "qa_n": fmt_int(len(qa_items)),
        "cobenefits": results.get("cobenefits") or {},
        "fingerprints": _with(results.get("fingerprints"), ("case_toml", "aliases", "limits")),
        "tool": _with(tool, ("name", "version")),
        "deps": sorted((tool.get("dependencies") or {}).items()),
        "reproduce": _get(results, "reproduce", "command"),
        "schema": results.get("schema") or DASH,
    }


# --------------------------------------------------------------------------------------------
# Co-benefits: generic, robust rendering of whatever is present
# --------------------------------------------------------------------------------------------
def _is_text(value) -> bool:
    return isinstance(value, dict) and bool(value) and set(value) <= {"ja", "zh"}


def _is_quantity(value) -> bool:
    """A computed quantity as the co-benefit stage writes it: ``{value, unit, formula, inputs, source}``."""
    return isinstance(value, dict) and "value" in value and not _is_text(value)


def _is_scalar_cell(value) -> bool:
    """True when a value fits in one cell: a scalar, a text, a quantity, or a flat phase pair."""
    if value is None or isinstance(value, (str, int, float, bool)) or _is_text(value) or _is_quantity(value):
        return True
    if isinstance(value, dict):
        return len(value) <= 3 and all(_is_scalar_cell(v) and not isinstance(v, dict) or _is_quantity(v)
                                       or _is_text(v) for v in value.values())
    return False


def _cell(key, value, L: Lang) -> str:
    if _is_text(value):
        return L.text(value)
    if _is_quantity(value):
        number = value.get("value")
        text = fmt_num(number) if not isinstance(number, (dict, list)) else DASH  # computed value
        unit = fmt_unit(value.get("unit")) if value.get("unit") else ""
        return f"{text} {unit}".strip()
    if isinstance(value, dict):
        # a phase pair {before, after} inherits the parent key (so declared inputs stay declared)
        return " / ".join(f"{L.cob_label(k)} {_cell(key if k in _PHASES else k, v, L)}"
                          for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_cell(key, v, L) for v in value)
    if key == "source" and isinstance(value, str) and len(value) <= 20:
        return L.source_full(value)
    if key == "pollutant":
        return L.poll(value)
    if isinstance(value, bool):
        return L.yesno(value)
    if isinstance(value, (int, float)):
        # declared inputs (hours, NCV, factors, kW, fuel use) as given; computed values 3 s.f.
        return fmt_plain(value) if _is_declared(key) else fmt_num(value)
    return DASH if value is None else fmt_chem(str(value))


#: Co-benefit keys that hold declared inputs (case.toml [cobenefits], emission factors), printed as
#: given; every other number there is computed and printed with three significant figures.
_DECLARED_SUFFIXES = ("hours_per_year", "ncv_gj_per_t", "_per_tj", "_per_mwh", "kw", "t_per_h",
                      "production_t_per_h", "margin_pct")


def _is_declared(key) -> bool:
    return isinstance(key, str) and key.endswith(_DECLARED_SUFFIXES)


def _provenance(value, label: str, out: "OrderedDict[tuple, None]") -> None:
    """Collect (label, formula, source) of every computed quantity, for the calculation notes."""
    if _is_quantity(value):
        if value.get("formula") or value.get("source"):
            out.setdefault((label, str(value.get("formula") or ""), str(value.get("source") or "")), None)
        return
    if isinstance(value, dict) and not _is_text(value):
        for k, v in value.items():
            _provenance(v, k if k not in ("before", "after") else label, out)
    elif isinstance(value, list):
        for v in value:
            _provenance(v, label, out)


def cob_blocks(value, L: Lang, key: str | None = None) -> list[dict]:
    """Turn a co-benefits (sub)structure into blocks: table, key/value list, or text list.

    Whatever keys are present are rendered; known keys get catalogue labels, unknown keys show
    as they are. Computed quantities print as value + unit; their formulas and sources are listed
    once in a "calculation notes" block at the end (top level only).
    """
    blocks = _cob_blocks(value, L, key)
    if key is None:
        notes: "OrderedDict[tuple, None]" = OrderedDict()
        _provenance(value, "", notes)
        if notes:
            blocks.append({"type": "list", "title": L.t("cob.calc_notes"),
                           "items": [f"{L.cob_label(lab)}：{fmt_chem(f)}" + (f" — {src}" if src else "")
                                     for lab, f, src in notes]})
    return blocks


def _cob_blocks(value, L: Lang, key: str | None = None) -> list[dict]:
    title = L.cob_label(key) if key else None
    if isinstance(value, list) and value and all(isinstance(v, dict) and not _is_text(v) for v in value):
        cols: list[str] = []
        for item in value:
            cols += [k for k in item if k not in cols]
        long_text = any(isinstance(item.get(c), str) and len(item.get(c)) > 40 for item in value for c in cols)
        if long_text or len(cols) > 8:  # one key/value block per item reads better than a wide table
            return [{"type": "kv", "title": title if i == 0 else None,
                     "rows": [(L.cob_label(c), _cell(c, item.get(c), L)) for c in cols if c in item]}
                    for i, item in enumerate(value)]
        return [{"type": "table", "title": title,
                 "headers": [L.cob_label(c) for c in cols],
                 "rows": [[_cell(c, item.get(c), L) for c in cols] for item in value],
                 "numeric": [all((isinstance(item.get(c), (int, float)) and not isinstance(item.get(c), bool))
                                 or _is_quantity(item.get(c)) for item in value if item.get(c) is not None)
                             for c in cols]}]
    if isinstance(value, list):
        return [{"type": "list", "title": title, "items": [_cell(key, v, L) for v in value]}]
    if isinstance(value, dict) and not _is_text(value) and not _is_quantity(value):
        blocks, pairs = [], []
        for k, v in value.items():
            if k == "available":
                continue
            if _is_scalar_cell(v) or (isinstance(v, list) and not any(isinstance(x, dict) and not _is_text(x) for x in v)
                                      and key is not None):
                pairs.append((L.cob_label(k), _cell(k, v, L)))
            else:
                blocks += _cob_blocks(v, L, k)
        if pairs:
            blocks.insert(0, {"type": "kv", "title": title, "rows": pairs})
        return blocks
    return [{"type": "list", "title": title, "items": [_cell(key, value, L)]}]


# --------------------------------------------------------------------------------------------
# Charts per language
# --------------------------------------------------------------------------------------------
_NO_CHARTS = {"groups": {}, "fugitive": None, "reduction": None, "series": {}}


def chart_img(chart) -> Markup:
    """A :class:`verify.report.charts.Chart` as an ``<img>`` with an inline ``data:`` URL, printed at
    the size it was drawn (never wider than the text column; report.css ``img.chart``)."""
    import base64

    data = base64.b64encode(chart.png).decode("ascii")
    return Markup(f'<img class="chart" src="data:image/png;base64,{data}" alt="" '
                  f'style="width: {chart.width_in:.3f}in">')


def _shared_charts(view: dict, Ls: list[Lang]) -> dict:
    """The per-run charts, drawn once for all languages: titles and phase labels in every
    language (one line each), numbers and units shared. The same image (same ``data:`` URL) then
    appears in every half; WeasyPrint decodes and embeds it once (docs/performance.md (e))."""
    from verify.report import charts  # matplotlib is imported only when charts are drawn

    codes = tuple(L.code for L in Ls)
    labels = {k: {L.code: L.t(f"phase.{k}") for L in Ls} for k in _PHASES}
    out: dict = {"groups": {}, "fugitive": None}

    def panels_for(evs):
        panels = []
        for ev in evs:
            ep = ev["raw"]
            if ev["design"] == "continuous":
                continue
            panels.append({
                "title": {L.code: L.code_label("metric", ep.get("metric")) if ep.get("metric") != "fugitive"
                          else L.source(ep.get("source")) for L in Ls},
                "unit": ev["unit"],
                "before": _get(ep, "before", "values") or [],
                "after": _get(ep, "after", "values") or [],
                "limits": [{"value": lim["raw_value"], "label": f"{lim['value']} {lim['unit']}"}
                           for lim in ev["limits"] if isinstance(lim["raw_value"], (int, float))]})
        return panels

    for i, g in enumerate(view["groups"]):
        panels = panels_for(g["endpoints"])
        if panels:
            out["groups"][i] = chart_img(charts.run_values_chart(panels, labels, codes))
    if view["fugitive"]:
        out["fugitive"] = chart_img(charts.run_values_chart(panels_for(view["fugitive"]), labels, codes))
    return out


def _charts(view: dict, L: Lang, shared: dict) -> dict:
    """This language's charts: the shared per-run charts, and its own reduction (forest) chart
    and time series, whose labels are long phrases in one language."""
    from verify.report import charts

    labels = {"before": L.t("phase.before"), "after": L.t("phase.after"), "mean": L.t("chart.mean"),
              "limit": L.t("chart.limit")}
    out: dict = {"groups": shared["groups"], "fugitive": shared["fugitive"], "reduction": None,
                 "series": {}}
    for g in view["groups"]:
        for ev in g["endpoints"]:
            if ev["design"] == "continuous":
                ep = ev["raw"]
                lim = next((lv["raw_value"] for lv in ev["limits"]
                            if isinstance(lv["raw_value"], (int, float))), None)
                out["series"][ev["key"]] = chart_img(charts.timeseries_chart(
                    ep.get("before") or {}, ep.get("after") or {}, lim, labels, ev["unit"], L.code))
    claimed = {(c["raw"].get("source"), c["raw"].get("position"), c["raw"].get("pollutant"),
                c["raw"].get("metric")): c["raw"].get("claimed") for c in view["claims"]
               if c["kind"] == "reduction"}
    rows = [{"label": L.what(ev["raw"]), "estimate": ev["raw"].get("reduction_pct"),
             "ci": ev["raw"].get("reduction_ci95"), "claimed": claimed.get(ev["key"])}
            for ev in view["run_endpoints"] + view["fugitive"]]
    if any(r["estimate"] is not None for r in rows):
        out["reduction"] = chart_img(charts.reduction_chart(rows, L.t("chart.reduction"), L.code))
    return out


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The Jinja2 environment: autoescape on, StrictUndefined, templates from ``verify.templates``."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates_dir())), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True)
    env.filters.update(num=fmt_num, plain=fmt_plain, pct=fmt_pct, pval=fmt_p, unit=fmt_unit, chem=fmt_chem,
                       int=fmt_int, date=fmt_date, interval=fmt_interval)
    return env


def render_html(results: dict, langs: tuple[str, ...] = ("ja", "zh"), *, charts: bool = True,
                beside_run_outputs: bool = False) -> str:
    """The complete, self-contained report HTML (CSS inline, charts inline PNG ``data:`` URLs).

    ``charts=False`` leaves the figures out (a text-only report; also the fast path in tests).
    ``beside_run_outputs=True``: the document is ``verify run``'s PDF, written next to ledger.csv,
    summary.xlsx and report.html; it then leaves the per-run tables to summary.xlsx (sheet
    ``runs``) and lists the first :data:`PDF_LEDGER_ROWS` ledger entries only (all are in
    ledger.csv), saying so in both languages.
    """
    return _render(results, langs, charts=charts, variants=(beside_run_outputs,))[0]


def render_run_reports(results: dict, langs: tuple[str, ...] = ("ja", "zh")) -> tuple[str, str]:
    """``verify run``'s two HTML documents from one view and one set of charts: report.html with
    every table, and the PDF's HTML (``beside_run_outputs``), whose per-run tables are in
    summary.xlsx and whose ledger listing is shortened (all entries are in ledger.csv), both written
    by the same run: the per-run tables were ~3 of 33 pages and ~1 s of the textile PDF's layout,
    the 60-entry listing ~6 of 17 pages of the CEMS case's (docs/performance.md (e))."""
    full, for_pdf = _render(results, langs, charts=True, variants=(False, True))
    return full, for_pdf


def _render(results: dict, langs, *, charts: bool, variants: tuple[bool, ...]) -> list[str]:
    langs = parse_langs(langs)
    view = build_view(results)
    env = environment()
    css = (templates_dir() / "report.css").read_text(encoding="utf-8")
    blocks = []
    Ls = [Lang(code, results) for code in langs]
    shared = _shared_charts(view, Ls) if charts else None
    for L in Ls:
        blocks.append({"L": L, "charts": _charts(view, L, shared) if charts else _NO_CHARTS,
                       "cob": cob_blocks({k: v for k, v in view["cobenefits"].items()}, L)
                       if view["cobenefits"] and view["cobenefits"].get("available", True) is not False else []})
    try:
        template = env.get_template("report.html.j2")
        return [template.render(v=view, blocks=blocks, css=Markup(css), root_lang=HTML_LANG[langs[0]],
                                DASH=DASH, beside_run_outputs=flag,
                                PDF_LEDGER_ROWS=PDF_LEDGER_ROWS) for flag in variants]
    except jinja2.UndefinedError as exc:
        raise RenderError(f"the results lack a key the report needs: {exc}") from exc


def render_pdf(results: dict, langs: tuple[str, ...] = ("ja", "zh"), fetcher=None) -> bytes:
    """The report as PDF bytes (WeasyPrint, deny-all fetcher, reproducible metadata date)."""
    from verify.report.pdf import html_to_pdf

    return html_to_pdf(render_html(results, langs), results, fetcher=fetcher)


def write_report(results: dict, out_path: str | os.PathLike,
                 langs: tuple[str, ...] = ("ja", "zh"), *, html: str | None = None) -> Path:
    """Render and write the report; ``.pdf`` or ``.html`` by suffix; atomic (nothing half-written).

    ``html``: an already rendered report (``render_html`` of the same results and languages), so
    that ``verify run`` builds the HTML and its charts once for both outputs.
    """
    from verify.report.pdf import html_to_pdf

    out = Path(out_path)
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".html", ".htm"):
        raise RenderError(f"report output must end in .pdf or .html, not {out.name!r}")
    if html is None:
        html = render_html(results, langs)
    data = html_to_pdf(html, results) if suffix == ".pdf" else html.encode("utf-8")
    atomic_write_bytes(out, data)
    return out
