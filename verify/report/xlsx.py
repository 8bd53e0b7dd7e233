"""``summary.xlsx``: the results tables for officials who work in Excel.

Sheets ``claims``, ``endpoints``, ``limits``, ``qa``, ``inputs``, ``runs`` (every run's raw
readings and normalised values: the PDF of ``verify run`` points here instead of printing them); each starts with a Japanese and a
Chinese header row (from the report catalogues) above a machine header row (the results.json key).
Numbers stay real numbers, unrounded (results.json values); every text cell is made inert against
formula injection (OWASP "CSV Injection"; docs/platform.md#csv-injection: openpyxl stores any str starting with
``=`` as a formula): it is written with ``data_type = "s"`` and, when it starts with ``= + - @``,
tab or CR, also prefixed with ``'`` so that a re-save by a spreadsheet cannot revive it.
The file is written atomically (temp file in the same folder, then ``os.replace``).
"""

from __future__ import annotations

import io
import re
import os
from pathlib import Path

from verify.report.i18n import load_catalogue
from verify.inert import inert_cell


# (machine key, catalogue path for the ja/zh header) per sheet
_CLAIMS = [("id", "claim.id"), ("source", "col.source"), ("pollutant", "col.pollutant"),
           ("metric", "col.metric"), ("kind", "col.method"), ("claimed", "sheet.claimed"),
           ("estimate", "claim.estimate"), ("lower_bound", "sheet.lower_bound"),
           ("p_value", "sheet.p_value"), ("verdict", "claim.verdict"),
           ("statement_ja", "sheet.statement"), ("statement_zh", "sheet.statement")]
_ENDPOINTS = [("source", "col.source"), ("position", "sheet.position"), ("pollutant", "col.pollutant"),
              ("metric", "col.metric"), ("design", "col.design"), ("unit", "col.unit"),
              ("as", "sheet.basis"), ("status", "col.result"), ("n_before", "sheet.before"),
              ("mean_before", "col.mean"), ("sd_before", "col.sd"), ("n_after", "sheet.after"),
              ("mean_after", "col.mean"), ("sd_after", "col.sd"), ("reduction_pct", "sheet.reduction"),
              ("ci95_low", "col.ci95"), ("ci95_high", "col.ci95"), ("gm_ratio", "col.gm_ratio"),
              ("welch_p", "col.welch"), ("permutation_p", "col.perm"), ("mann_whitney_p", "col.mw"),
              ("p_adjusted", "col.holm"), ("mdr_pct", "col.mdr")]
_LIMITS = [("source", "col.source"), ("pollutant", "col.pollutant"), ("metric", "col.metric"),
           ("id", "sheet.limit_id"), ("standard", "col.standard"), ("clause", "col.standard"),
           ("value", "sheet.limit"), ("unit", "col.unit"), ("averaging", "sheet.averaging"),
           ("rule", "col.rule"), ("complies_before", "sheet.before"), ("complies_after", "sheet.after"),
           ("exceedances_before", "sheet.exceedances"), ("exceedances_after", "sheet.exceedances"),
           ("confidence", "sheet.confidence")]
_QA = [("check", "col.check"), ("source", "col.source"), ("phase", "col.phase"),
       ("passed", "col.result"), ("detail_ja", "col.detail"), ("detail_zh", "col.detail")]
_INPUTS = [("file", "col.file"), ("sheet", "col.sheet"), ("sha256", "sheet.sha256"),
           ("rows", "col.rows"), ("accepted", "col.accepted"), ("flagged", "col.flagged"),
           ("rejected", "col.rejected"), ("values", "col.values"),
           ("values_flagged", "col.values_flagged"), ("values_rejected", "col.values_rejected"),
           ("layout", "sheet.layout"), ("encoding", "sheet.encoding")]


_RUNS = [("source", "col.source"), ("position", "sheet.position"), ("pollutant", "col.pollutant"),
         ("phase", "col.phase"), ("run", "col.run"), ("n_samples", "col.samples"), ("raw", "col.raw"),
         ("value", "col.value"), ("unit", "col.unit"), ("basis", "sheet.basis"), ("conc", "sheet.conc"),
         ("conc_unit", "col.unit"), ("conc_as", "sheet.basis"), ("o2_pct", "sheet.o2"),
         ("conc_o2", "sheet.conc_o2"), ("flow", "sheet.flow_measured"), ("flow_unit", "sheet.flow_unit"),
         ("flow_basis", "sheet.flow_basis"), ("temp_c", "sheet.temp"), ("h2o_pct", "sheet.h2o"),
         ("pressure_kpa", "sheet.pressure"), ("flow_sd_m3_h", "sheet.flow"), ("mass_rate_kg_h", "sheet.mass_rate"),
         ("load_pct", "col.load"), ("method", "col.method"), ("censored", "sheet.censored"),
         ("flagged", "word.flagged")]


def _label(path: str, lang: str) -> str:
    section, _, key = path.partition(".")
    return load_catalogue(lang)[section][key]


def _g(d, *keys):
    for key in keys:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def _text(obj, lang):
    return obj.get(lang) if isinstance(obj, dict) else obj


def _rows(results: dict) -> dict[str, tuple[list, list[dict]]]:
    claims = [{**c, "statement_ja": _text(c.get("statement"), "ja"),
               "statement_zh": _text(c.get("statement"), "zh")} for c in results.get("claims") or []]
    endpoints, limits = [], []
    for ep in results.get("endpoints") or []:
        ci = ep.get("reduction_ci95") or [None, None]
        endpoints.append({
            **{k: ep.get(k) for k in ("source", "position", "pollutant", "metric", "design", "unit",
                                      "as", "status", "reduction_pct", "gm_ratio", "p_adjusted",
                                      "mdr_pct")},
            "n_before": _g(ep, "before", "n"), "mean_before": _g(ep, "before", "mean"),
            "sd_before": _g(ep, "before", "sd"), "n_after": _g(ep, "after", "n"),
            "mean_after": _g(ep, "after", "mean"), "sd_after": _g(ep, "after", "sd"),
            "ci95_low": ci[0], "ci95_high": ci[1],
            "welch_p": _g(ep, "tests", "welch_t", "p_value"),
            "permutation_p": _g(ep, "tests", "permutation", "p_value"),
            "mann_whitney_p": _g(ep, "tests", "mann_whitney", "p_value")})
        for lim in ep.get("limits") or []:
            limits.append({
                "source": ep.get("source"), "pollutant": ep.get("pollutant"), "metric": ep.get("metric"),
                **{k: lim.get(k) for k in ("id", "standard", "clause", "value", "unit", "averaging",
                                           "rule", "confidence")},
                "complies_before": _g(lim, "complies", "before"),
                "complies_after": _g(lim, "complies", "after"),
                "exceedances_before": _g(lim, "exceedances", "before"),
                "exceedances_after": _g(lim, "exceedances", "after")})
    qa = [{**q, "detail_ja": _text(q.get("detail"), "ja"), "detail_zh": _text(q.get("detail"), "zh")}
          for q in results.get("qa") or []]
    # every run, as results.json has it (the PDF written by `verify run` points here instead of
    # printing the per-run tables); raw readings of a multi-sample run joined with "; "
    runs = [{**r, "raw": "; ".join(str(x) for x in r["raw"]) if isinstance(r.get("raw"), list) else r.get("raw")}
            for r in results.get("runs") or [] if isinstance(r, dict)]
    return {"claims": (_CLAIMS, claims), "endpoints": (_ENDPOINTS, endpoints),
            "limits": (_LIMITS, limits), "qa": (_QA, qa), "inputs": (_INPUTS, results.get("inputs") or []),
            "runs": (_RUNS, runs)}


def _set(ws, row: int, col: int, value) -> None:
    value = inert_cell(value)
    cell = ws.cell(row=row, column=col)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # never "f": openpyxl would otherwise store '=…' as a formula


def summary_workbook_bytes(results: dict) -> bytes:
    """The summary workbook as bytes (deterministic content; see :func:`write_summary_xlsx`)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    for name, (columns, rows) in _rows(results).items():
        ws = wb.create_sheet(name)
        for col, (key, path) in enumerate(columns, start=1):
            _set(ws, 1, col, _label(path, "ja"))
            _set(ws, 2, col, _label(path, "zh"))
            _set(ws, 3, col, key)
            for r in (1, 2, 3):
                ws.cell(row=r, column=col).font = bold
        for r, item in enumerate(rows, start=4):
            for col, (key, _) in enumerate(columns, start=1):
                value = item.get(key) if isinstance(item, dict) else None
                if isinstance(value, (dict, list)):
                    value = str(value)
                _set(ws, r, col, value)
        ws.freeze_panes = "A4"
    # fixed document properties: no wall-clock time in the file
    from datetime import datetime

    fixed = datetime(1980, 1, 1)
    wb.properties.created = fixed
    wb.properties.modified = fixed
    wb.properties.creator = "verify"
    buf = io.BytesIO()
    wb.save(buf)
    return _fixed_zip_times(buf.getvalue())


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _fixed_zip_times(data: bytes) -> bytes:
    """Rewrite the xlsx zip with every entry dated 1980-01-01 and the document's "modified" time
    fixed (openpyxl's save stamps the wall clock into both, whatever the properties say), so that
    the same results give the same bytes."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED.sub(rb"\g<1>1980-01-01T00:00:00Z\g<2>", content)
            dst.writestr(fixed, content)
    return out.getvalue()


def write_summary_xlsx(results: dict, path: str | os.PathLike) -> Path:
    """Write ``summary.xlsx`` atomically; returns the path."""
    from verify.fsutil import atomic_write_bytes

    out = Path(path)
    atomic_write_bytes(out, summary_workbook_bytes(results))
    return out
