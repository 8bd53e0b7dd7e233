"""Write the programme summary: summary.csv, summary.xlsx, programme.html and programme.pdf.

Input: the batch's :class:`~verify.batch.task.CaseRecord` list (which case ran, where its
results.json is, which failed and why); every number comes from the cases' results.json files
(:mod:`verify.batch.summary`). ``batch.json`` (the records) is written beside, so that
:func:`write_programme_from_outdir` can re-render the summary from the files alone.

Exports are inert against formula injection (OWASP "CSV Injection", docs/platform.md#csv-injection), with the
single-case summary.xlsx's rule (:func:`verify.inert.inert_cell`): a text cell starting with
``= + - @``, tab or CR is prefixed with ``'``, and in the xlsx every text cell is a string cell
(``data_type = "s"``); real numbers stay numbers. The xlsx has fixed document dates.
"""

from __future__ import annotations

import json
import math
import tomllib
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import pandas as pd

from verify.batch.summary import (INPUT_TALLIES, VERDICTS, CaseSummary, Reduction, Totals, programme_totals,
                                  summarise_case)
from verify.batch.task import EXIT_INPUT, CaseRecord
from verify.errors import InputError, RenderError
from verify.i18n import N_
from verify.inert import inert_cell, inert_text
from verify.report.i18n import HTML_LANG, text_in
from verify.fsutil import atomic_write, atomic_write_bytes, atomic_write_text

DATA = Path(__file__).parent / "data"
TEMPLATE = "programme.html.j2"
CHART_ROWS_PER_PANEL = 50


@lru_cache(maxsize=None)
def labels() -> dict[str, dict[str, str]]:
    """The ja/zh label tables of ``verify/batch/data/labels.toml``."""
    with (DATA / "labels.toml").open("rb") as fh:
        return tomllib.load(fh)


# ---------------------------------------------------------------------------------------------
# Reading the cases


def load_summaries(records: list[CaseRecord]) -> tuple[list[CaseSummary], list[CaseRecord]]:
    """Summaries of the cases that ran, and the failed records (a results.json that cannot be
    read turns its case into a failure with exit 2 and the reason)."""
    from verify.results import read_results

    summaries, failed = [], []
    for record in records:
        if not record.ok or not record.results_path:
            failed.append(record)
            continue
        try:
            results = read_results(record.results_path, check_contract=False)  # written by this batch's own runs
        except InputError as exc:
            failed.append(CaseRecord(**{**record.to_dict(), "exit_status": EXIT_INPUT,
                                        "error": exc.render(), "results_path": None, "message": exc.text()}))
            continue
        summaries.append(replace(summarise_case(results, record.results_path), case_dir=record.case_dir))
    return summaries, failed


# ---------------------------------------------------------------------------------------------
# Tables


def _claims_text(summary: CaseSummary) -> str:
    parts = []
    for claim in summary.claims:
        where = claim.get("source") if not claim.get("position") else f"{claim.get('source')}/{claim.get('position')}"
        parts.append(f"{claim.get('id')} {where} {claim.get('pollutant')} {claim.get('metric')} "
                     f"{claim.get('kind')} {_plain(claim.get('claimed'))}: {claim.get('verdict')}")
    return "; ".join(parts)


def _plain(x) -> str:
    return "" if x is None else (f"{x:.6g}" if isinstance(x, float) else str(x))


def _reductions_text(summary: CaseSummary) -> str:
    return "; ".join(f"{r.label} {_plain(r.reduction_pct)} [{_plain(r.ci_low)}, {_plain(r.ci_high)}] ({r.method})"
                     for r in summary.reductions)


def summary_frame(summaries: list[CaseSummary], failed: list[CaseRecord]) -> pd.DataFrame:
    """One row per case (ran or failed), machine-readable column names (docs/scale.md)."""
    pollutants = sorted({p for s in summaries for p in s.t_per_a})
    rows = []
    for s in summaries:
        row = {
            "case_id": s.case_id, "status": "ok", "exit_status": 0, "error": "",
            "title_ja": text_in(s.title, "ja"), "title_zh": text_in(s.title, "zh"),
            "factory_ja": text_in(s.factory, "ja"), "factory_zh": text_in(s.factory, "zh"),
            "statement_id": s.statement_id or "", "flags": " ".join(s.flags),
            "claims_n": len(s.claims),
            **{f"claims_{v}": s.verdict_counts[v] for v in VERDICTS},
            "claims": _claims_text(s), "main_reductions": _reductions_text(s),
            "limits_judged_before": s.limits_judged["before"], "limits_complied_before": s.limits_complied["before"],
            "limits_judged_after": s.limits_judged["after"], "limits_complied_after": s.limits_complied["after"],
            "limits_exceeded_after": "; ".join(s.exceeded_after),
            "benchmarks_missed_after": "; ".join(s.benchmarks_missed_after),
            **{f"reduction_t_a_{p}": s.t_per_a.get(p, math.nan) for p in pollutants},
            "co2_net_change_t_a": math.nan if s.co2_net_change_t_a is None else s.co2_net_change_t_a,
            **{f"inputs_{k}": s.inputs[k] for k in INPUT_TALLIES},
            "qa_checks": s.qa_checks, "qa_failed": len(s.qa_failed), "qa_failed_checks": "; ".join(s.qa_failed),
            "allowed_rejected": s.allowed_rejected, "results_json": s.results_path or "",
            "case_dir": s.case_dir or "",
        }
        rows.append(row)
    for r in failed:
        rows.append({"case_id": r.case_id, "status": "failed", "exit_status": r.exit_status,
                     "error": r.error or "", "case_dir": r.case_dir})
    frame = pd.DataFrame(rows)
    counts = ["exit_status", "claims_n", *(f"claims_{v}" for v in VERDICTS), "limits_judged_before",
              "limits_complied_before", "limits_judged_after", "limits_complied_after",
              *(f"inputs_{k}" for k in INPUT_TALLIES), "qa_checks", "qa_failed"]
    for column in counts:
        if column in frame:
            frame[column] = frame[column].astype("Int64")  # counts stay integers beside failed rows
    return frame.sort_values(["status", "case_id"], kind="stable", ignore_index=True)


def reductions_frame(summaries: list[CaseSummary]) -> pd.DataFrame:
    """One row per main reduction (numbers, for the chart and the xlsx)."""
    columns = ["case_id", "claim_id", "source", "position", "pollutant", "metric", "design",
               "reduction_pct", "ci95_low", "ci95_high", "method"]
    rows = [[r.case_id, r.claim_id, r.source, r.position, r.pollutant, r.metric, r.design,
             r.reduction_pct, r.ci_low, r.ci_high, r.method] for s in summaries for r in s.reductions]
    return pd.DataFrame(rows, columns=columns)


def totals_frame(totals: Totals) -> pd.DataFrame:
    rows = [("cases", totals.cases, totals.cases), ("cases_ok", totals.cases_ok, totals.cases),
            ("cases_failed", totals.cases_failed, totals.cases), ("claims", totals.claims, totals.cases_ok)]
    rows += [(f"claims_{v}", totals.verdict_counts[v], totals.cases_ok) for v in VERDICTS]
    for phase in ("before", "after"):
        rows += [(f"limits_judged_{phase}", totals.limits_judged[phase], totals.cases_ok),
                 (f"limits_complied_{phase}", totals.limits_complied[phase], totals.cases_ok)]
    rows += [(f"reduction_t_a_{p}", v, totals.t_per_a_cases[p]) for p, v in totals.t_per_a.items()]
    rows += [("co2_net_change_t_a", math.nan if totals.co2_net_change_t_a is None else totals.co2_net_change_t_a,
              totals.co2_cases)]
    rows += [(f"inputs_{k}", v, totals.cases_ok) for k, v in totals.inputs.items()]
    rows += [("qa_failed", totals.qa_failed, totals.cases_ok)]
    return pd.DataFrame(rows, columns=["item", "total", "cases_contributing"])


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """UTF-8 with BOM (Excel opens CJK text), text cells inert."""
    safe = frame.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):  # text (and mixed) columns only
            safe[column] = safe[column].map(lambda v: v if not isinstance(v, str) else inert_text(v))
    return atomic_write(path, lambda tmp: safe.to_csv(tmp, index=False, encoding="utf-8-sig", lineterminator="\n"))


def write_xlsx(sheets: dict[str, pd.DataFrame], path: Path) -> Path:
    """One sheet per frame; every text cell is a string cell, so nothing becomes a formula."""
    from datetime import datetime

    from openpyxl import Workbook

    def writer(tmp: Path) -> None:
        book = Workbook()
        book.remove(book.active)
        for name, frame in sheets.items():
            sheet = book.create_sheet(name)
            sheet.append([str(c) for c in frame.columns])
            for r, values in enumerate(frame.itertuples(index=False), start=2):
                for c, value in enumerate(values, start=1):
                    cell = sheet.cell(row=r, column=c)
                    cell.value = inert_cell(value)
                    if isinstance(cell.value, str):
                        cell.data_type = "s"  # openpyxl would store "=…" as a formula (docs/platform.md#csv-injection)
            sheet.freeze_panes = "B2"
        fixed = datetime(1980, 1, 1)  # no wall-clock time in the file
        book.properties.created = fixed
        book.properties.modified = fixed
        book.properties.creator = "verify"
        book.save(tmp)

    return atomic_write(path, writer)


# ---------------------------------------------------------------------------------------------
# Chart


def reductions_chart(reductions: list[Reduction]) -> list[str]:
    """Main reductions with their 95 % intervals across plants, as SVG strings (one panel per
    50 rows). Deterministic: fixed ``svg.hashsalt``, no date, text drawn as paths, comments
    stripped (:func:`verify.report.charts.clean_svg`). Labels are case ids and pollutant codes
    (ASCII), so one chart serves both languages."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    from verify.report.charts import clean_svg

    shown = [r for r in reductions if r.reduction_pct is not None]
    panels = []
    rc = {"svg.hashsalt": "verify-programme", "svg.fonttype": "path", "font.size": 7,
          "font.family": ["DejaVu Sans"], "axes.spines.top": False, "axes.spines.right": False,
          "axes.unicode_minus": True}
    for start in range(0, len(shown), CHART_ROWS_PER_PANEL):
        chunk = shown[start:start + CHART_ROWS_PER_PANEL]
        with rc_context(rc):
            fig = Figure(figsize=(7.0, 0.8 + 0.2 * len(chunk)))
            ax = fig.subplots()
            ys = list(range(len(chunk)))[::-1]
            for y, r in zip(ys, chunk):
                if r.ci_low is not None and r.ci_high is not None:
                    ax.plot([r.ci_low, r.ci_high], [y, y], color="#2f6f9f", linewidth=1.2)
                ax.plot([r.reduction_pct], [y], marker="o", markersize=3.5, color="#b5523b", linestyle="none")
            ax.axvline(0, color="#333333", linewidth=0.6)
            ax.set_yticks(ys)
            ax.set_yticklabels([f"{r.case_id}  {r.label}" for r in chunk])
            ax.set_ylim(-0.8, len(chunk) - 0.2)
            ax.set_xlabel("%")
            ax.grid(axis="x", linewidth=0.3, color="#cccccc")
            buf = io.StringIO()
            fig.savefig(buf, format="svg", metadata={"Date": None}, bbox_inches="tight")
        panels.append(clean_svg(buf.getvalue()))
    return panels


# ---------------------------------------------------------------------------------------------
# HTML and PDF


def _environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    from verify.report import fmt
    from verify.resources import templates_dir

    env = Environment(loader=FileSystemLoader(str(templates_dir())), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(num=fmt.fmt_num, pct=fmt.fmt_pct, interval=fmt.fmt_interval, chem=fmt.fmt_chem,
                       int=fmt.fmt_int, text=text_in)
    return env


def render_html(summaries: list[CaseSummary], failed: list[CaseRecord], totals: Totals,
                langs: tuple[str, ...] = ("ja", "zh")) -> str:
    """The bilingual programme page (one section per language, same numbers in each)."""
    from markupsafe import Markup

    table = labels()
    unknown = [lang for lang in langs if lang not in table]
    if unknown or not langs:
        raise RenderError(N_("unknown programme language(s) {langs}", langs=str(unknown)), hint=N_("use ja, zh or ja,zh"))
    charts = [Markup(svg) for svg in reductions_chart([r for s in summaries for r in s.reductions])]
    ordered = sorted(summaries, key=lambda s: s.case_id)
    return _environment().get_template(TEMPLATE).render(
        langs=[{"code": lang, "html": HTML_LANG[lang], "t": table[lang]} for lang in langs],
        cases=ordered, failed=sorted(failed, key=lambda r: r.case_id), totals=totals, charts=charts,
        verdicts=VERDICTS,
    )


def write_pdf(html: str, path: Path) -> Path:
    """programme.pdf through the report's writer (deny-all fetcher, CJK font check, fixed date)."""
    from verify.report.pdf import html_to_pdf

    return atomic_write_bytes(path, html_to_pdf(html, {"verification": None}))


# ---------------------------------------------------------------------------------------------
# Everything


@dataclass(frozen=True)
class Programme:
    """What :func:`write_programme` wrote and the numbers it wrote."""

    files: dict[str, Path]
    summaries: list[CaseSummary]
    failed: list[CaseRecord]
    totals: Totals


def write_programme(records: list[CaseRecord], outdir: Path, langs: tuple[str, ...] = ("ja", "zh"),
                    pdf: bool = True) -> Programme:
    """Write batch.json, summary.csv, summary.xlsx, programme.html (and programme.pdf)."""
    outdir = Path(outdir)
    written = {"batch.json": atomic_write_text(
        outdir / "batch.json",
        json.dumps([r.to_dict() for r in records], ensure_ascii=False, indent=2) + "\n")}
    summaries, failed = load_summaries(records)
    totals = programme_totals(summaries, failed=len(failed))
    frame = summary_frame(summaries, failed)
    written["summary.csv"] = write_csv(frame, outdir / "summary.csv")
    written["summary.xlsx"] = write_xlsx({"summary": frame, "reductions": reductions_frame(summaries),
                                          "totals": totals_frame(totals)}, outdir / "summary.xlsx")
    html = render_html(summaries, failed, totals, langs)
    written["programme.html"] = atomic_write_text(outdir / "programme.html", html)
    if pdf:
        written["programme.pdf"] = write_pdf(html, outdir / "programme.pdf")
    return Programme(files=written, summaries=summaries, failed=failed, totals=totals)


def read_batch_json(outdir: Path) -> list[CaseRecord]:
    path = Path(outdir) / "batch.json"
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
        return [CaseRecord(**item) for item in items]
    except (OSError, ValueError, TypeError) as exc:
        raise InputError(N_("not a batch record file ({error})", error=str(exc)), hint=N_("run `verify batch` first")) from None


def write_programme_from_outdir(outdir: Path, langs: tuple[str, ...] = ("ja", "zh"), pdf: bool = True) -> Programme:
    """Re-render the programme summary from OUTDIR/batch.json and the cases' results.json files."""
    return write_programme(read_batch_json(outdir), outdir, langs, pdf=pdf)
