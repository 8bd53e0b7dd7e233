"""The stages strung together: what each CLI command does, without any printing.

sources → measure → stats → results → report. Every function takes paths or loaded objects and
returns data; the CLI prints (messages for the user go through the ``notify`` callbacks). Output
paths are checked before any input is read, and written atomically: ``run`` as one generation of
its output folder, the other commands one file each (verify.outputs).
"""

from __future__ import annotations

import collections
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from verify.case import Case, load_case
from verify.errors import InputError, Location
from verify.fsutil import atomic_write
from verify.i18n import N_, Joined, Msg

#: Where the pipeline tells the user something (a warning, a note): an English string or a message
#: (verify.i18n) that the command line shows in the user's language.
Notify = Callable[[Msg | str], None]


def _quiet(_: Msg | str) -> None:
    return None

if TYPE_CHECKING:
    from verify.measure.consistency import CaseProblems
    from verify.sources import Intake

LANGS = ("ja", "zh")


@dataclass(frozen=True)
class CheckOutcome:
    case: Case
    intake: Intake
    qa: list[dict]  # as results.json ``qa``
    problems: CaseProblems  # case.toml against the data: what analyze would refuse (errors), and warnings


def _intake(case: Case, chunk_rows: int | None = None):
    from verify.sources import read_inputs

    return read_inputs(case, chunk_rows=chunk_rows)


#: The normalized table is computed this many rows at a time (``normalize`` is row-local: every derived
#: value depends on its own row only); its temporaries then stay small for a large table.
NORMALIZE_ROWS = 200_000


def _normalized_slices(table: pd.DataFrame, case: Case):
    """``verify.measure.normalize.normalize`` of ``table`` in slices of :data:`NORMALIZE_ROWS` rows,
    yielded one at a time (together the table one call gives: tests/sources/test_chunked.py). On an
    error the whole table is normalized once more, so that the message (which counts the rows
    concerned) is the whole table's."""
    from verify.errors import VerifyError
    from verify.measure.normalize import normalize

    if len(table) <= NORMALIZE_ROWS:
        yield normalize(table, case)
        return
    for i in range(0, len(table), NORMALIZE_ROWS):
        try:
            frame = normalize(table.iloc[i : i + NORMALIZE_ROWS], case)
        except VerifyError:
            normalize(table, case)  # raises the whole table's message
            raise
        frame.index = table.index[i : i + NORMALIZE_ROWS]
        yield frame


def _normalize(table: pd.DataFrame, case: Case, for_results: bool = False, write_csv: Path | None = None) -> pd.DataFrame | None:
    """The normalized table of ``table``, made slice by slice (:func:`_normalized_slices`).

    ``for_results``: each slice is cut down to :func:`verify.results.results_table` (the columns the
    results read, text as categoricals) as soon as it is normalized, so that a large case never holds
    the whole normalized table; the result is ``results_table(normalize(table, case))``.
    ``write_csv``: each slice is also written to this CSV file as it is made (verify.measure.export);
    without ``for_results`` nothing is kept then (None is returned)."""
    from verify.measure.export import write_csv_slices
    from verify.results import concat_results_tables, results_table

    kept: list[pd.DataFrame] = []

    def slices():
        for frame in _normalized_slices(table, case):
            if for_results or write_csv is None:
                kept.append(results_table(frame) if for_results else frame)
            yield frame

    if write_csv is not None:
        write_csv_slices(slices(), write_csv)
    else:
        collections.deque(slices(), maxlen=0)  # run the generator: it keeps each slice in `kept`
    if not kept:
        return None
    if len(kept) == 1:
        return kept[0]
    if for_results:
        return concat_results_tables(kept, table.index)
    out = pd.concat(kept)
    del kept
    return out


def _ledger_only(intake):
    """The intake without its canonical table, once the normalized table (which holds every
    canonical column) exists: the results need only the ledger, and a large case's table is freed."""
    from verify.sources import Intake
    from verify.sources.canonical import empty_canonical

    return Intake(table=empty_canonical(), ledger=intake.ledger)


def _require_clean(intake, allow_rejected: bool) -> None:
    """Stop (exit 2) when anything was rejected, naming the first rejected cell, unless allowed."""
    if not intake.ledger.has_rejections or allow_rejected:
        return
    entries = intake.ledger.to_frame()
    rejected = entries[entries["outcome"] == "rejected"]
    rejected = rejected.sort_values("column", key=lambda c: c.isna(), kind="stable")  # a cell before its row
    n_values = sum(t.values_rejected for t in intake.ledger.tallies)
    n_rows = sum(t.rejected for t in intake.ledger.tallies)
    hint = N_("run `verify check CASE` to see them all; fix the data or pass --allow-rejected")
    if not len(rejected):
        raise InputError(N_("{values} value(s) and {rows} row(s) rejected", values=n_values, rows=n_rows), hint=hint)
    rec = {k: (None if pd.isna(v) else v) for k, v in rejected.iloc[0].items()}
    where = Location(file=rec["file"], sheet=rec["sheet"], row=None if rec["row"] is None else int(rec["row"]),
                     column=rec["column"])
    raise InputError(N_("{values} value(s) and {rows} row(s) rejected; first: {where}: {raw!r} ({why})",
                        values=n_values, rows=n_rows, where=where.message(), raw=rec["raw"] or "",
                        why=rec["detail"] or rec["reason"]), hint=hint)


def _output_file(path: Path, case: Case | None, force: bool):
    from verify.outputs import plan_output_file

    return plan_output_file(path, case, force=force)


def _command(name: str, case_dir: Path | None, output) -> str:
    """The command that wrote a single output, for a run manifest marked stale (no machine paths)."""
    from verify.outputs import OUT_PLACEHOLDER

    case = "" if case_dir is None else f" {Path(case_dir).resolve().name}"
    return f"verify {name}{case} -o {OUT_PLACEHOLDER}/{output.path.name} --force"


def check(case_dir: Path, ledger_path: Path | None = None, chunk_rows: int | None = None, *,
          force: bool = False, notify: Notify = _quiet) -> CheckOutcome:
    from verify.measure.qa import run_checks
    from verify.results import qa_block

    case = load_case(case_dir)
    target = None if ledger_path is None else _output_file(ledger_path, case, force)
    intake = _intake(case, chunk_rows)
    if target is not None:
        with target.writing(_command("check", case_dir, target), notify) as path:
            atomic_write(path, intake.ledger.write_csv)
    normalized = _normalize(intake.table, case, for_results=True)  # the QA reads the results' columns
    return CheckOutcome(case=case, intake=intake, qa=qa_block(run_checks(normalized, case)),
                        problems=_problems(case, normalized))


def _problems(case: Case, normalized: pd.DataFrame) -> CaseProblems:
    from verify.measure.consistency import case_problems

    return case_problems(case, normalized)


def _refuse_problems(case: Case, intake, normalized: pd.DataFrame, notify: Notify) -> None:
    """Stop (exit 2) listing every problem of case.toml against the data; pass the warnings on
    (sources without data, sheets of a `verify new` workbook not filled yet)."""
    from verify.sources.examples import empty_sheet_warnings

    for warning in empty_sheet_warnings(intake.ledger.tallies):
        notify(warning)
    problems = _problems(case, normalized)
    for warning in problems.warnings:
        notify(warning)
    problems.raise_errors()


def normalized_table(case: Case, allow_rejected: bool = False, chunk_rows: int | None = None,
                     for_results: bool = False):
    intake = _intake(case, chunk_rows)
    _require_clean(intake, allow_rejected)
    return intake, _normalize(intake.table, case, for_results)


def clean_intake(case: Case, allow_rejected: bool = False, chunk_rows: int | None = None):
    """The intake of ``case``, refused (exit 2) when something was rejected unless allowed."""
    intake = _intake(case, chunk_rows)
    _require_clean(intake, allow_rejected)
    return intake


def normalize_to_file(case_dir: Path, output: Path, allow_rejected: bool = False, chunk_rows: int | None = None, *,
                      force: bool = False, notify: Notify = _quiet) -> Path:
    from verify.measure.export import check_suffix, write_table

    case = load_case(case_dir)
    suffix = check_suffix(output)
    target = _output_file(output, case, force)
    intake = clean_intake(case, allow_rejected, chunk_rows)
    if suffix == ".csv":  # written slice by slice as normalized: the whole normalized table is never held
        with target.writing(_command("normalize", case_dir, target), notify) as path:
            _normalize(intake.table, case, write_csv=path)
        return output
    normalized = _normalize(intake.table, case)
    with target.writing(_command("normalize", case_dir, target), notify) as path:
        write_table(normalized, path)
    return output


def analyze(case_dir: Path, allow_rejected: bool = False, command: str | None = None, chunk_rows: int | None = None,
            notify: Notify = _quiet) -> dict:
    from verify.results import build_results

    case = load_case(case_dir)
    intake, normalized = normalized_table(case, allow_rejected, chunk_rows, for_results=True)
    intake = _ledger_only(intake)
    _refuse_problems(case, intake, normalized, notify)
    return build_results(case, intake, normalized, allow_rejected=allow_rejected, command=command)


def analyze_to_file(case_dir: Path, output: Path, allow_rejected: bool = False, chunk_rows: int | None = None, *,
                    force: bool = False, notify: Notify = _quiet) -> dict:
    from verify.results import write_results

    target = _output_file(output, load_case(case_dir), force)
    results = analyze(case_dir, allow_rejected, chunk_rows=chunk_rows, notify=notify)
    with target.writing(_command("analyze", case_dir, target), notify) as path:
        write_results(results, path)
    return results


def parse_langs(text: str) -> tuple[str, ...]:
    langs = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [lang for lang in langs if lang not in LANGS]
    if not langs or unknown:
        raise InputError(N_("--lang must be ja, zh or ja,zh (got {value!r})", value=text))
    return langs


def report_to_file(case_dir: Path | None, output: Path, langs=LANGS, results_path: Path | None = None,
                   allow_rejected: bool = False, *, force: bool = False, notify: Notify = _quiet) -> Path:
    from verify.report.render import write_report
    from verify.results import read_results

    if results_path is None and case_dir is None:
        raise InputError(N_("give a case folder or --results FILE"))
    if output.suffix.lower() not in (".pdf", ".html", ".htm"):
        raise InputError(N_("report output must end in .pdf or .html (got {name!r})", name=output.name))
    case = load_case(case_dir) if results_path is None else None
    target = _output_file(output, case, force)
    results = read_results(results_path) if results_path is not None else analyze(case_dir, allow_rejected, notify=notify)
    with target.writing(_command("report", case_dir if results_path is None else None, target), notify) as path:
        write_report(results, path, langs)
    return output


@dataclass(frozen=True)
class RunOutcome:
    """What ``verify run`` made: the results, and each output's name and SHA-256 as committed."""

    results: dict
    outputs: list[tuple[str, str]]
    folder: Path


def run(case_dir: Path, outdir: Path, langs=LANGS, allow_rejected: bool = False,
        step: Callable[[Msg], None] = lambda _: None, chunk_rows: int | None = None,
        notify: Notify = _quiet) -> RunOutcome:
    """``verify run``: every output into ``outdir`` as one generation (verify.outputs): the folder
    changes only when every output is complete, and a failed run leaves it as it was."""
    from verify.outputs import generation, plan_run_folder

    step(N_("reading case.toml"))
    case = load_case(case_dir)
    folder = plan_run_folder(outdir, case.root)
    with generation(folder, notify) as gen:
        results = _run_stages(case, gen, langs, allow_rejected, step, chunk_rows, notify)
        statement = (results.get("verification") or {}).get("statement_id")
        outputs = gen.commit(command=results["reproduce"]["command"], case_id=case.id, statement_id=statement)
    return RunOutcome(results=results, outputs=outputs, folder=folder.path)


def _run_stages(case: Case, gen, langs, allow_rejected: bool, step, chunk_rows: int | None, notify: Notify) -> dict:
    from verify.report.render import render_report, write_report
    from verify.report.xlsx import write_summary_xlsx
    from verify.results import build_results, write_results

    step(N_("reading input files"))
    intake = _intake(case, chunk_rows)
    atomic_write(gen.path("ledger.csv"), intake.ledger.write_csv)
    _require_clean(intake, allow_rejected)
    step(N_("normalising to the reference state"))
    # normalized.csv is written slice by slice as the slices are normalized; only what the results
    # read (verify.results.results_table) is kept: the whole normalized table is never held
    normalized = _normalize(intake.table, case, for_results=True, write_csv=gen.path("normalized.csv"))
    intake = _ledger_only(intake)
    _refuse_problems(case, intake, normalized, notify)
    step(N_("statistics, limits and claims"))
    results = build_results(case, intake, normalized, allow_rejected=allow_rejected)
    write_results(results, gen.path("results.json"))
    step(N_("writing {file}", file="summary.xlsx"))
    write_summary_xlsx(results, gen.path("summary.xlsx"))
    step(N_("writing {file}", file="report.html"))
    html, pdf = render_report(results, langs)  # the language halves side by side; report.html holds what the PDF shows
    write_report(results, gen.path("report.html"), langs, data=html)
    step(N_("writing {file}", file="report.pdf"))
    write_report(results, gen.path("report.pdf"), langs, data=pdf)
    return results


def replicate(case_dir: Path, expected_path: Path | None = None, rtol: float = 1e-6):
    from verify.replicate import compare_results
    from verify.results import read_results

    expected_file = expected_path or (case_dir / "expected" / "results.json")
    if not expected_file.is_file():
        raise InputError(N_("no published results to compare with"), Location(file=str(expected_file)),
                         hint=N_("write one with `verify analyze CASE -o CASE/expected/results.json`"))
    expected = read_results(expected_file)
    actual = analyze(case_dir, allow_rejected=bool(expected.get("ledger", {}).get("allowed_rejected")))
    return compare_results(expected, actual, rtol=rtol)


def plan(cv: float | None, expected: float, claimed: float, power: float, alpha: float, pilot: Path | None,
         cv_pct: float | None = None) -> dict:
    """``verify plan``: runs per phase for the claim at the expected reduction (never fewer than the
    QA minimum runs per phase), and MDR tables from that minimum to 10 runs."""
    from verify.measure.qa import MIN_RUNS
    from verify.sentences import plan_statement
    from verify.stats.plan import mdr_table, plan_runs

    cv = plan_cv(cv, cv_pct, pilot)
    try:
        result = plan_runs(cv=cv, expected_reduction_pct=expected, claimed_reduction_pct=claimed, power=power,
                           alpha=alpha, min_runs=MIN_RUNS)
        ns = list(range(MIN_RUNS, 11))
        one = mdr_table(cv, ns, sided="one", power=power, alpha=alpha)
        two = mdr_table(cv, ns, sided="two", power=power, alpha=alpha)
    except ValueError as exc:
        raise InputError(exc.args[0] if exc.args else str(exc)) from None  # a message of verify.stats.plan
    plan = result.to_dict()
    plan["statement"] = plan_statement(plan)
    return {"plan": plan, "pilot": None if pilot is None else pilot.as_posix(),
            "mdr": [{"n_per_phase": a["n_per_phase"], "one_sided": a["mdr_pct"], "two_sided": b["mdr_pct"]}
                    for a, b in zip(one, two)]}


def plan_cv(cv: float | None, cv_pct: float | None, pilot: Path | None) -> float:
    """The run-to-run CV as a fraction, from exactly one of ``--cv`` (a fraction, below 1),
    ``--cv-pct`` (percent) or ``--pilot`` (a case's before-phase runs)."""
    given = [name for name, v in (("--cv", cv), ("--cv-pct", cv_pct), ("--pilot", pilot)) if v is not None]
    if len(given) > 1:
        raise InputError(N_("give one of --cv (e.g. 0.2), --cv-pct (e.g. 20) or --pilot CASE, not {options}",
                            options=Joined(N_(" and "), given)))
    if not given:
        raise InputError(N_("give one of --cv (e.g. 0.2), --cv-pct (e.g. 20) or --pilot CASE"))
    if pilot is not None:
        return pilot_cv(pilot)
    if cv is not None and not 0 < cv < 1:
        hint = N_("for a CV of {cv:g} %, write --cv-pct {cv:g}", cv=cv) if cv >= 1 else None
        raise InputError(N_("--cv is a fraction between 0 and 1 (0.2 = 20 %), not {cv:g}", cv=cv), hint=hint)
    if cv_pct is not None and not 0 < cv_pct < float("inf"):
        raise InputError(N_("--cv-pct is a percentage above 0 (20 = 20 %), not {cv:g}", cv=cv_pct))
    return cv if cv is not None else cv_pct / 100


def pilot_cv(case_dir: Path) -> float:
    """The pooled run-to-run CV of a pilot case's before-phase runs (median over its endpoints)."""
    import numpy as np

    results = analyze(case_dir, allow_rejected=True)
    cvs = []
    for ep in results["endpoints"]:
        before = ep.get("before") or {}
        if ep.get("design") == "before-after" and before.get("n", 0) >= 2 and before.get("mean"):
            if before.get("sd") is not None and before["mean"] > 0:
                cvs.append(before["sd"] / before["mean"])
    if not cvs:
        raise InputError(N_("the pilot case {case} has no endpoint with two or more before-phase runs",
                            case=str(case_dir)))
    return float(np.median(cvs))


def new_case(folder: Path, case_id: str | None = None) -> list[Path]:
    from verify.scaffold import scaffold_case

    return scaffold_case(folder, case_id or folder.name)
