"""The ``verify`` command line: a thin Typer shell over :mod:`verify.pipeline`.

Contract: ``shared/spec/cli.md``. Exit status 0 = done (whatever the verdict), 1 = ``replicate``
mismatch or ``--strict`` with a failed QA check, 2 = the input cannot be used, 3 = an internal
error (a bug: please report it). Errors print one or two lines naming file, sheet, row and column;
a traceback only with ``--debug``.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from verify import __version__
from verify.errors import VerifyError, os_error_to_user_error

app = typer.Typer(
    name="verify",
    help=(
        "Verify, with numbers, whether an air-pollution measure at a pilot factory worked.\n\n"
        "A case is a folder with case.toml and data/ (see docs/case-format.md).\n\n"
        "\b\nTypical use:\n"
        "  verify new cases/my-plant          scaffold a case and a bilingual entry workbook\n"
        "  verify check cases/my-plant        what was read, flagged and rejected\n"
        "  verify run cases/my-plant -o out/  results.json, report.pdf/.html, tables"
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

err = Console(stderr=True, highlight=False, soft_wrap=True, legacy_windows=False)
out = Console(highlight=False, soft_wrap=True, legacy_windows=False)
_state = {"debug": False}

CaseArg = Annotated[Path, typer.Argument(help="The case folder (holds case.toml and data/).", show_default=False, metavar="CASE")]
AllowRejected = Annotated[
    bool, typer.Option("--allow-rejected", help="Go on although values or rows were rejected; the report shows it.")
]
Strict = Annotated[bool, typer.Option("--strict", help="Exit 1 when a QA check fails.")]
ChunkRows = Annotated[
    Optional[int],
    typer.Option(
        "--chunk-rows", min=0, metavar="N",
        help="Read CSV inputs N data rows at a time (0: every file whole). Default: CSV files over 32 MiB "
             "in chunks of 100000 rows. The results are the same either way; see docs/scale.md.",
    ),
]
Force = Annotated[
    bool,
    typer.Option("--force", help="Write the file although its folder holds the outputs of a `verify run` "
                                 "(that run's outputs.json is then marked stale)."),
]


def _set_debug(value: bool) -> None:
    if value:
        _state["debug"] = True


DEBUG_HELP = "Show Python tracebacks on errors (may print data); the exit status stays the same."
Debug = Annotated[
    bool, typer.Option("--debug", help=DEBUG_HELP, callback=_set_debug, is_eager=True, expose_value=False)
]


def _version(value: bool) -> None:
    if value:
        out.print(f"verify {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help=DEBUG_HELP)] = False,
) -> None:
    _state["debug"] = debug


def _fail(exc: BaseException) -> None:
    """Turn an exception into a short message and an exit status (tracebacks only with --debug,
    which changes nothing else: the exit status is the same)."""
    if _state["debug"]:
        sys.stderr.write("".join(traceback.format_exception(exc)))  # Python's own: source lines, no locals
        sys.stderr.flush()
    if isinstance(exc, OSError):
        exc = os_error_to_user_error(exc) or exc  # a full disk or a forbidden folder is the user's to fix
    if isinstance(exc, VerifyError):
        err.print(f"error: {exc.render()}", markup=False)
        raise typer.Exit(code=exc.exit_code) from None
    err.print(f"internal error: {type(exc).__name__}: {exc}", markup=False)
    if not _state["debug"]:
        err.print("This is a bug in verify. Run again with --debug for the traceback and report it.", markup=False)
    raise typer.Exit(code=3) from None


def _warn(message: str) -> None:
    err.print(f"warning: {message}", markup=False)


def _guard(func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        err.print("interrupted", markup=False)
        raise typer.Exit(code=130) from None
    except Exception as exc:  # noqa: BLE001 - the one place that turns errors into exit codes
        _fail(exc)


def _finish(results: dict, message: str, strict: bool, context: bool = False) -> None:
    """Print the claims (``context``: with the data quality beside each verdict) and what was
    written; with --strict, exit 1 when a QA check failed."""
    from verify.console import print_claims

    print_claims(out, results, context=context)
    out.print(message, markup=False)
    if strict and any(q["passed"] is False for q in results["qa"]):
        err.print("error: a QA check failed (--strict)", markup=False)
        raise typer.Exit(code=1)


@app.command()
def new(
    case: Annotated[Path, typer.Argument(help="Folder to create (must not exist).", show_default=False, metavar="CASE")],
    case_id: Annotated[Optional[str], typer.Option("--id", help="Case id ([a-z0-9-]); default: the folder name.")] = None,
    _debug: Debug = False,
) -> None:
    """Scaffold a case folder: a commented case.toml and a bilingual (ja/zh) data-entry workbook.

    Example: verify new cases/suzhou-dyeing
    """
    from verify import pipeline

    created = _guard(pipeline.new_case, case, case_id)
    for path in created:
        out.print(f"created {path}", markup=False)
    out.print(f"Fill in {case}/data/field_entry.xlsx on site, then run: verify check {case}", markup=False)


@app.command()
def check(
    case: CaseArg,
    ledger: Annotated[Optional[Path], typer.Option("--ledger", help="Also write the intake ledger to this CSV file.")] = None,
    allow_rejected: AllowRejected = False,
    strict: Strict = False,
    chunk_rows: ChunkRows = None,
    force: Force = False,
    _debug: Debug = False,
) -> None:
    """Read every input file and print the intake ledger (read = accepted + flagged + rejected), the QA
    checks, and every problem of case.toml against the data that `verify analyze` would refuse.

    Exits 2 when anything was rejected (unless --allow-rejected) or analyze would refuse the case.
    Example: verify check case_studies/jiangsu-textile-dyeing
    """
    from verify import pipeline
    from verify.console import print_check

    outcome = _guard(pipeline.check, case, ledger_path=ledger, chunk_rows=chunk_rows, force=force, notify=_warn)
    _guard(print_check, out, outcome)
    for warning in outcome.problems.warnings:
        _warn(warning)
    failed = False
    if outcome.intake.ledger.has_rejections and not allow_rejected:
        err.print("error: values or rows were rejected (see above); fix the data or pass --allow-rejected", markup=False)
        failed = True
    if outcome.problems.errors:
        err.print(f"error: {len(outcome.problems.errors)} problem(s) with the claims, limits and sources "
                  "(listed above): `verify analyze` and `verify run` would refuse this case", markup=False)
        failed = True
    if failed:
        raise typer.Exit(code=2)
    if strict and any(q["passed"] is False for q in outcome.qa):
        raise typer.Exit(code=1)


@app.command()
def normalize(
    case: CaseArg,
    output: Annotated[Path, typer.Option("-o", "--output", help="Output file: .csv, .xlsx or .parquet.", show_default=False)],
    allow_rejected: AllowRejected = False,
    chunk_rows: ChunkRows = None,
    force: Force = False,
    _debug: Debug = False,
) -> None:
    """Write the canonical long table with every derived value, its unit and reference state.

    Example: verify normalize case_studies/jiangsu-textile-dyeing -o normalized.csv
    """
    from verify import pipeline

    path = _guard(pipeline.normalize_to_file, case, output, allow_rejected=allow_rejected, chunk_rows=chunk_rows,
                  force=force, notify=_warn)
    out.print(f"wrote {path}", markup=False)


@app.command()
def analyze(
    case: CaseArg,
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write results.json.")] = Path("results.json"),
    allow_rejected: AllowRejected = False,
    strict: Strict = False,
    chunk_rows: ChunkRows = None,
    force: Force = False,
    _debug: Debug = False,
) -> None:
    """Compute all endpoints, tests, limits and claims and write results.json.

    Example: verify analyze case_studies/jiangsu-textile-dyeing -o results.json
    """
    from verify import pipeline

    results = _guard(pipeline.analyze_to_file, case, output, allow_rejected=allow_rejected, chunk_rows=chunk_rows,
                     force=force, notify=_warn)
    _finish(results, f"wrote {output}", strict)


@app.command()
def report(
    case: Annotated[Optional[Path], typer.Argument(help="The case folder (not needed with --results).", show_default=False, metavar="[CASE]")] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="report.pdf or report.html.")] = Path("report.pdf"),
    lang: Annotated[str, typer.Option("--lang", help="ja,zh (both, default), ja or zh.")] = "ja,zh",
    results: Annotated[Optional[Path], typer.Option("--results", help="Render this results.json without recomputing.")] = None,
    allow_rejected: AllowRejected = False,
    force: Force = False,
    _debug: Debug = False,
) -> None:
    """Render the bilingual verification report (PDF or HTML by the suffix of -o).

    Example: verify report case_studies/jiangsu-textile-dyeing -o report.pdf --lang ja,zh
    """
    from verify import pipeline

    langs = _guard(pipeline.parse_langs, lang)
    path = _guard(pipeline.report_to_file, case, output, langs=langs, results_path=results, allow_rejected=allow_rejected,
                  force=force, notify=_warn)
    out.print(f"wrote {path}", markup=False)


@app.command()
def plan(
    cv: Annotated[Optional[float], typer.Option("--cv", help="Run-to-run coefficient of variation as a fraction, e.g. 0.2 for 20 %.")] = None,
    cv_pct: Annotated[Optional[float], typer.Option("--cv-pct", help="The same in percent, e.g. 20 (give --cv or --cv-pct).")] = None,
    expected_reduction: Annotated[float, typer.Option("--expected-reduction", help="The true reduction you expect, %.")] = 60.0,
    claimed_reduction: Annotated[float, typer.Option("--claimed-reduction", help="The reduction the claim states, %.")] = 0.0,
    power: Annotated[float, typer.Option("--power", help="Wanted probability that the claim is verified.")] = 0.8,
    alpha: Annotated[float, typer.Option("--alpha", help="Significance level (one-sided for the claim).")] = 0.05,
    pilot: Annotated[Optional[Path], typer.Option("--pilot", help="Take the CV from this case's before-phase runs.")] = None,
    _debug: Debug = False,
) -> None:
    """How many runs per phase are needed so that a reduction claim is verified with the chosen power
    (never fewer than the QA minimum of 3 runs per phase).

    Example: verify plan --cv 0.2 --expected-reduction 60 --claimed-reduction 50 (or --cv-pct 20)
    """
    from verify import pipeline
    from verify.console import print_plan

    result = _guard(pipeline.plan, cv=cv, expected=expected_reduction, claimed=claimed_reduction, power=power, alpha=alpha,
                    pilot=pilot, cv_pct=cv_pct)
    print_plan(out, result)


@app.command()
def run(
    case: CaseArg,
    output: Annotated[Path, typer.Option("-o", "--output", help="Output folder.")] = Path("out"),
    lang: Annotated[str, typer.Option("--lang", help="ja,zh (both, default), ja or zh.")] = "ja,zh",
    allow_rejected: AllowRejected = False,
    strict: Strict = False,
    chunk_rows: ChunkRows = None,
    _debug: Debug = False,
) -> None:
    """Everything in one go: ledger.csv, normalized.csv, results.json, report.pdf, report.html, summary.xlsx.

    OUTDIR changes only when every output is complete (written into OUTDIR.part, then swapped in, with
    outputs.json listing each file and its SHA-256); a failed run leaves it as it was and puts its
    ledger.csv in OUTDIR.failed. Prints the SHA-256 of each output (a re-issued report cites the one it
    supersedes by it), and beside each claim's verdict the QA checks that failed on its data.

    Example: verify run case_studies/jiangsu-textile-dyeing -o out/
    """
    from verify import pipeline
    from verify.console import print_digests, progress

    langs = _guard(pipeline.parse_langs, lang)
    with progress(err) as step:
        outcome = _guard(pipeline.run, case, output, langs=langs, allow_rejected=allow_rejected, step=step,
                         chunk_rows=chunk_rows, notify=_warn)
    print_digests(out, output, outcome.outputs)
    _finish(outcome.results, f"wrote {output}/ (the list above is its outputs.json)", strict, context=True)


@app.command()
def replicate(
    case: CaseArg,
    expected: Annotated[Optional[Path], typer.Option("--expected", help="Published results.json (default: CASE/expected/results.json).")] = None,
    rtol: Annotated[float, typer.Option("--rtol", help="Relative tolerance for numbers.")] = 1e-6,
    _debug: Debug = False,
) -> None:
    """Re-run a case and compare with its published results.json; exit 1 and show the differences on a mismatch.

    Example: verify replicate case_studies/jiangsu-textile-dyeing
    """
    from verify import pipeline
    from verify.console import print_replication

    outcome = _guard(pipeline.replicate, case, expected_path=expected, rtol=rtol)
    print_replication(out, outcome)
    if not outcome.ok:
        raise typer.Exit(code=1)


@app.command()
def batch(
    paths: Annotated[list[Path], typer.Argument(help="Case folders, or folders to search for case folders (each holds case.toml).", show_default=False, metavar="PATH")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Output folder: cases/<case-id>/ per case, summary.csv, summary.xlsx, programme.html, programme.pdf.")] = Path("out-batch"),
    workers: Annotated[Optional[int], typer.Option("--workers", help="Worker processes of the local Dask cluster (default 2).", min=1)] = None,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Use an existing Dask cluster instead, e.g. tcp://10.0.0.5:8786 (workers must see the same paths).", metavar="tcp://HOST:PORT")] = None,
    lang: Annotated[str, typer.Option("--lang", help="ja,zh (both, default), ja or zh.")] = "ja,zh",
    allow_rejected: AllowRejected = False,
    _debug: Debug = False,
) -> None:
    """Run many cases on Dask, one task per case, and write a programme summary.

    Each case runs exactly as `verify run`; a case that fails is listed with its exit status and
    error and the others go on. Exit status: 0 when every case ran, else the highest among the
    failed cases. Example: verify batch cases/ -o out-batch/ --workers 2
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from verify import pipeline
    from verify.batch.command import batch_command

    langs = _guard(pipeline.parse_langs, lang)
    with Progress(TextColumn("cases"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err) as bar:
        task = bar.add_task("cases", total=None)

        def progress(record, done, total):
            bar.update(task, completed=done, total=total)
            if not record.ok:
                first = (record.error or "").splitlines()[0] if record.error else ""
                bar.console.print(f"failed: {record.case_id} (exit {record.exit_status}) {first}", markup=False)

        summary = _guard(batch_command, paths, output, workers=workers, scheduler=scheduler, langs=langs,
                         allow_rejected=allow_rejected, progress=progress)
    out.print(f"{summary.n_ok} of {len(summary.records)} cases ran; wrote {output}/ "
              "(summary.csv, summary.xlsx, programme.html, programme.pdf)", markup=False)
    if summary.exit_code:
        raise typer.Exit(code=summary.exit_code)


def main() -> None:
    """Console-script entry point."""
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")  # cp936/cp932 consoles never crash (rich#3388)
        except (AttributeError, ValueError):
            pass
    app()
