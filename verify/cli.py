"""The ``verify`` command line: a thin Typer shell over :mod:`verify.pipeline`.

Contract: README.md#commands. Exit status 0 = done (whatever the verdict), 1 = ``replicate``
mismatch or ``--strict`` with a failed QA check, 2 = the input cannot be used, 3 = an internal
error (a bug: please report it). Errors print one or two lines naming file, sheet, row and column;
a traceback only with ``--debug``.

Every text here is in the language of :mod:`verify.uilang`, which the console script's ``main``
(``verify/__main__.py``) chooses before it imports this module: the ``--help`` texts are fixed when
Typer builds the commands, the messages are looked up when they are printed.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from verify import __version__, uilang
from verify.errors import VerifyError, os_error_to_user_error
from verify.helpformat import CellCommand, CellGroup
from verify.i18n import _, shown

uilang.route_click_messages()

app = typer.Typer(
    name="verify",
    cls=CellGroup,
    help="\n\n".join([
        _("Verify, with numbers, whether an air-pollution measure at a pilot factory worked."),
        _("A case is a folder with case.toml and data/ (see docs/case-format.md)."),
        "\b\n" + _("Typical use:") + "\n"
        + "  verify new cases/my-plant\n      " + _("scaffold a case and a bilingual entry workbook") + "\n"
        + "  verify check cases/my-plant\n      " + _("what was read, flagged and rejected") + "\n"
        + "  verify run cases/my-plant -o out/\n      " + _("results.json, report.pdf/.html, tables"),
        _("Messages are in Japanese, Chinese or English as LANG (or LANGUAGE, LC_ALL, LC_MESSAGES) says; "
          "--ui or VERIFY_LANG chooses."),
    ]),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# emoji=False: a limit id such as "GB16297-1996:NMHC:conc:new" must not print as "…conc🆕" (rich's :new:)
err = Console(stderr=True, highlight=False, soft_wrap=True, legacy_windows=False, emoji=False)
out = Console(highlight=False, soft_wrap=True, legacy_windows=False, emoji=False)
_state = {"debug": False}


def _command(short_help: str, help: str, example: str):
    """Register a command with its help in the current language and help formatted to the
    terminal's width in cells (CJK characters are two columns wide: verify.helpformat)."""
    text = help + "\n\n" + _("Example: {command}", command=example)
    return app.command(cls=CellCommand, short_help=short_help, help=text)


CaseArg = Annotated[Path, typer.Argument(help=_("The case folder (holds case.toml and data/)."), show_default=False,
                                         metavar="CASE")]
AllowRejected = Annotated[
    bool, typer.Option("--allow-rejected", help=_("Go on although values or rows were rejected; the report shows it."))
]
Strict = Annotated[bool, typer.Option("--strict", help=_("Exit 1 when a QA check fails."))]
ChunkRows = Annotated[
    Optional[int],
    typer.Option(
        "--chunk-rows", min=0, metavar="N",
        help=_("Read CSV inputs N data rows at a time (0: every file whole). Default: CSV files over 32 MiB "
               "in chunks of 100000 rows. The results are the same either way; see docs/scale.md."),
    ),
]
Force = Annotated[
    bool,
    typer.Option("--force", help=_("Write the file although its folder holds the outputs of a `verify run` "
                                   "(that run's outputs.json is then marked stale).")),
]
Lang = Annotated[str, typer.Option("--lang", help=_("Report language: ja,zh (both, default), ja or zh."))]


def _set_debug(value: bool) -> None:
    if value:
        _state["debug"] = True
        from verify.sources import schema

        schema.enable()  # the canonical table is checked against its pandera schema


DEBUG_HELP = _("Show Python tracebacks on errors (may print data); the exit status stays the same.")
Debug = Annotated[
    bool, typer.Option("--debug", help=DEBUG_HELP, callback=_set_debug, is_eager=True, expose_value=False)
]


def _version(value: bool) -> None:
    if value:
        out.print(f"verify {__version__}")
        raise typer.Exit()


def _ui(value: str | None) -> str | None:
    """``--ui``: the language of every message from now on (``verify.__main__`` has already read it
    to build the --help texts in it)."""
    if value is not None:
        if value not in uilang.LANGS:
            raise typer.BadParameter(_("{value!r} is not one of en, ja, zh.", value=value))
        uilang.use(value)
    return value


@app.callback()
def _main(
    version: Annotated[
        Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help=_("Print the version and exit."))
    ] = None,
    debug: Annotated[bool, typer.Option("--debug", help=DEBUG_HELP)] = False,
    ui: Annotated[
        Optional[str],
        typer.Option("--ui", metavar="en|ja|zh", callback=_ui, is_eager=True,
                     help=_("Language of the messages (default: VERIFY_LANG, else LANGUAGE, LC_ALL, LC_MESSAGES "
                            "or LANG; English when none is ja or zh).")),
    ] = None,
) -> None:
    _state["debug"] = debug
    _set_debug(debug)


def _fail(exc: BaseException) -> None:
    """Turn an exception into a short message and an exit status (tracebacks only with --debug,
    which changes nothing else: the exit status is the same)."""
    if _state["debug"]:
        sys.stderr.write("".join(traceback.format_exception(exc)))  # Python's own: source lines, no locals
        sys.stderr.flush()
    if isinstance(exc, OSError):
        exc = os_error_to_user_error(exc) or exc  # a full disk or a forbidden folder is the user's to fix
    if isinstance(exc, VerifyError):
        _error(_("error: {message}", message=exc.render(uilang.gettext)))
        raise typer.Exit(code=exc.exit_code) from None
    _error(_("internal error: {kind}: {message}", kind=type(exc).__name__, message=str(exc)))
    if not _state["debug"]:
        _error(_("This is a bug in verify. Run again with --debug for the traceback and report it."))
    raise typer.Exit(code=3) from None


def _error(text: str) -> None:
    err.print(text, markup=False)


def _warn(message) -> None:
    """The ``notify`` callback of the pipeline: a warning (an English string or a message)."""
    _error(_("warning: {message}", message=shown(message)))


def _guard(func, *args, **kwargs):
    try:
        return func(*args, **kwargs)
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        _error(_("interrupted"))
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
        _error(_("error: a QA check failed (--strict)"))
        raise typer.Exit(code=1)


@_command(_("Scaffold a case folder and a bilingual data-entry workbook."),
          _("Scaffold a case folder: a commented case.toml and a bilingual (ja/zh) data-entry workbook."),
          "verify new cases/suzhou-dyeing")
def new(
    case: Annotated[Path, typer.Argument(help=_("Folder to create (must not exist)."), show_default=False, metavar="CASE")],
    case_id: Annotated[Optional[str], typer.Option("--id", help=_("Case id ([a-z0-9-]); default: the folder name."))] = None,
    _debug: Debug = False,
) -> None:
    from verify import pipeline

    created = _guard(pipeline.new_case, case, case_id)
    for path in created:
        out.print(_("created {path}", path=str(path)), markup=False)
    out.print(_("Fill in {workbook} on site, then run: {command}", workbook=str(case) + "/data/field_entry.xlsx",
                command="verify check " + str(case)), markup=False)


@_command(_("What was read, flagged and rejected; what analyze would refuse."),
          _("Read every input file and print the intake ledger (read = accepted + flagged + rejected), the QA "
            "checks, and every problem of case.toml against the data that `verify analyze` would refuse.") + "\n\n"
          + _("Exits 2 when anything was rejected (unless --allow-rejected) or analyze would refuse the case."),
          "verify check case_studies/jiangsu-textile-dyeing")
def check(
    case: CaseArg,
    ledger: Annotated[Optional[Path], typer.Option("--ledger", help=_("Also write the intake ledger to this CSV file."))] = None,
    allow_rejected: AllowRejected = False,
    strict: Strict = False,
    chunk_rows: ChunkRows = None,
    force: Force = False,
    _debug: Debug = False,
) -> None:
    from verify import pipeline
    from verify.console import print_check

    outcome = _guard(pipeline.check, case, ledger_path=ledger, chunk_rows=chunk_rows, force=force, notify=_warn)
    _guard(print_check, out, outcome)
    for warning in outcome.problems.warnings:
        _warn(warning)
    failed = False
    if outcome.intake.ledger.has_rejections and not allow_rejected:
        _error(_("error: values or rows were rejected (see above); fix the data or pass --allow-rejected"))
        failed = True
    if outcome.problems.errors:
        _error(_("error: {n} problem(s) with the claims, limits and sources (listed above): `verify analyze` and "
                 "`verify run` would refuse this case", n=len(outcome.problems.errors)))
        failed = True
    if failed:
        raise typer.Exit(code=2)
    if strict and any(q["passed"] is False for q in outcome.qa):
        raise typer.Exit(code=1)


@_command(_("The canonical table with every derived value (.csv/.xlsx/.parquet)."),
          _("Write the canonical long table with every derived value, its unit and reference state."),
          "verify normalize case_studies/jiangsu-textile-dyeing -o normalized.csv")
def normalize(
    case: CaseArg,
    output: Annotated[Path, typer.Option("-o", "--output", help=_("Output file: .csv, .xlsx or .parquet."),
                                         show_default=False)],
    allow_rejected: AllowRejected = False,
    chunk_rows: ChunkRows = None,
    force: Force = False,
    _debug: Debug = False,
) -> None:
    from verify import pipeline

    path = _guard(pipeline.normalize_to_file, case, output, allow_rejected=allow_rejected, chunk_rows=chunk_rows,
                  force=force, notify=_warn)
    out.print(_("wrote {path}", path=str(path)), markup=False)


@_command(_("Endpoints, tests, limits and claims: results.json."),
          _("Compute all endpoints, tests, limits and claims and write results.json."),
          "verify analyze case_studies/jiangsu-textile-dyeing -o results.json")
def analyze(
    case: CaseArg,
    output: Annotated[Path, typer.Option("-o", "--output", help=_("Where to write results.json."))] = Path("results.json"),
    allow_rejected: AllowRejected = False,
    strict: Strict = False,
    chunk_rows: ChunkRows = None,
    force: Force = False,
    _debug: Debug = False,
) -> None:
    from verify import pipeline

    results = _guard(pipeline.analyze_to_file, case, output, allow_rejected=allow_rejected, chunk_rows=chunk_rows,
                     force=force, notify=_warn)
    _finish(results, _("wrote {path}", path=str(output)), strict)


@_command(_("The bilingual report (PDF or HTML)."),
          _("Render the bilingual verification report (PDF or HTML by the suffix of -o)."),
          "verify report case_studies/jiangsu-textile-dyeing -o report.pdf --lang ja,zh")
def report(
    case: Annotated[Optional[Path], typer.Argument(help=_("The case folder (not needed with --results)."),
                                                   show_default=False, metavar="[CASE]")] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help=_("report.pdf or report.html."))] = Path("report.pdf"),
    lang: Lang = "ja,zh",
    results: Annotated[Optional[Path], typer.Option("--results", help=_("Render this results.json without recomputing."))] = None,
    allow_rejected: AllowRejected = False,
    force: Force = False,
    _debug: Debug = False,
) -> None:
    from verify import pipeline

    langs = _guard(pipeline.parse_langs, lang)
    path = _guard(pipeline.report_to_file, case, output, langs=langs, results_path=results, allow_rejected=allow_rejected,
                  force=force, notify=_warn)
    out.print(_("wrote {path}", path=str(path)), markup=False)


@_command(_("Runs per phase needed to verify a reduction claim."),
          _("How many runs per phase are needed so that a reduction claim is verified with the chosen power "
            "(never fewer than the QA minimum of 3 runs per phase)."),
          "verify plan --cv 0.2 --expected-reduction 60 --claimed-reduction 50")
def plan(
    cv: Annotated[Optional[float], typer.Option("--cv", help=_("Run-to-run coefficient of variation as a fraction, e.g. 0.2 for 20 %."))] = None,
    cv_pct: Annotated[Optional[float], typer.Option("--cv-pct", help=_("The same in percent, e.g. 20 (give --cv or --cv-pct)."))] = None,
    expected_reduction: Annotated[float, typer.Option("--expected-reduction", help=_("The true reduction you expect, %."))] = 60.0,
    claimed_reduction: Annotated[float, typer.Option("--claimed-reduction", help=_("The reduction the claim states, %."))] = 0.0,
    power: Annotated[float, typer.Option("--power", help=_("Wanted probability that the claim is verified."))] = 0.8,
    alpha: Annotated[float, typer.Option("--alpha", help=_("Significance level (one-sided for the claim)."))] = 0.05,
    pilot: Annotated[Optional[Path], typer.Option("--pilot", help=_("Take the CV from this case's before-phase runs."))] = None,
    _debug: Debug = False,
) -> None:
    from verify import pipeline
    from verify.console import print_plan

    result = _guard(pipeline.plan, cv=cv, expected=expected_reduction, claimed=claimed_reduction, power=power, alpha=alpha,
                    pilot=pilot, cv_pct=cv_pct)
    print_plan(out, result)


@_command(_("Everything at once into OUTDIR, with its manifest outputs.json."),
          _("Everything in one go: ledger.csv, normalized.csv, results.json, report.pdf, report.html, summary.xlsx.")
          + "\n\n"
          + _("OUTDIR changes only when every output is complete (written into OUTDIR.part, then swapped in, with "
              "outputs.json listing each file and its SHA-256); a failed run leaves it as it was and puts its "
              "ledger.csv in OUTDIR.failed. Prints the SHA-256 of each output (a re-issued report cites the one it "
              "supersedes by it), and beside each claim's verdict the QA checks that failed on its data."),
          "verify run case_studies/jiangsu-textile-dyeing -o out/")
def run(
    case: CaseArg,
    output: Annotated[Path, typer.Option("-o", "--output", help=_("Output folder."), metavar="OUTDIR")] = Path("out"),
    lang: Lang = "ja,zh",
    allow_rejected: AllowRejected = False,
    strict: Strict = False,
    chunk_rows: ChunkRows = None,
    _debug: Debug = False,
) -> None:
    from verify import pipeline
    from verify.console import print_digests, progress

    langs = _guard(pipeline.parse_langs, lang)
    with progress(err) as step:
        outcome = _guard(pipeline.run, case, output, langs=langs, allow_rejected=allow_rejected, step=step,
                         chunk_rows=chunk_rows, notify=_warn)
    print_digests(out, output, outcome.outputs)
    _finish(outcome.results, _("wrote {path}/ (the list above is its outputs.json)", path=str(output)), strict,
            context=True)


@_command(_("Re-run a case and compare with its published results.json."),
          _("Re-run a case and compare with its published results.json; exit 1 and show the differences on a mismatch."),
          "verify replicate case_studies/jiangsu-textile-dyeing")
def replicate(
    case: CaseArg,
    expected: Annotated[Optional[Path], typer.Option("--expected", help=_("Published results.json (default: CASE/expected/results.json)."))] = None,
    rtol: Annotated[float, typer.Option("--rtol", help=_("Relative tolerance for numbers."))] = 1e-6,
    _debug: Debug = False,
) -> None:
    from verify import pipeline
    from verify.console import print_replication

    outcome = _guard(pipeline.replicate, case, expected_path=expected, rtol=rtol)
    print_replication(out, outcome)
    if not outcome.ok:
        raise typer.Exit(code=1)


@_command(_("Many cases on Dask, and a programme summary."),
          _("Run many cases on Dask, one task per case, and write a programme summary.") + "\n\n"
          + _("Each case runs exactly as `verify run`; a case that fails is listed with its exit status and "
              "error and the others go on. Exit status: 0 when every case ran, else the highest among the "
              "failed cases."),
          "verify batch cases/ -o out-batch/ --workers 2")
def batch(
    paths: Annotated[list[Path], typer.Argument(help=_("Case folders, or folders to search for case folders (each holds case.toml)."), show_default=False, metavar="PATH")],
    output: Annotated[Path, typer.Option("-o", "--output", help=_("Output folder: cases/<case-id>/ per case, summary.csv, summary.xlsx, programme.html, programme.pdf."), metavar="OUTDIR")] = Path("out-batch"),
    workers: Annotated[Optional[int], typer.Option("--workers", help=_("Worker processes of the local Dask cluster (default 2)."), min=1)] = None,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help=_("Use an existing Dask cluster instead, e.g. tcp://10.0.0.5:8786 (workers must see the same paths)."), metavar="tcp://HOST:PORT")] = None,
    lang: Lang = "ja,zh",
    allow_rejected: AllowRejected = False,
    _debug: Debug = False,
) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from verify import pipeline
    from verify.batch.command import batch_command

    langs = _guard(pipeline.parse_langs, lang)
    with Progress(TextColumn(_("cases")), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err) as bar:
        task = bar.add_task("cases", total=None)

        def progress(record, done, total):
            bar.update(task, completed=done, total=total)
            if not record.ok:
                text = shown(record.message) if record.message is not None else (record.error or "")
                bar.console.print(_("failed: {case} (exit {status}) {error}", case=record.case_id,
                                    status=record.exit_status, error=text.splitlines()[0] if text else ""),
                                  markup=False)

        summary = _guard(batch_command, paths, output, workers=workers, scheduler=scheduler, langs=langs,
                         allow_rejected=allow_rejected, progress=progress)
    out.print(_("{ok} of {total} cases ran; wrote {path}/ (summary.csv, summary.xlsx, programme.html, programme.pdf)",
                ok=summary.n_ok, total=len(summary.records), path=str(output)), markup=False)
    if summary.exit_code:
        raise typer.Exit(code=summary.exit_code)


def main() -> None:
    """Console-script entry point (the same as ``verify.__main__.main``)."""
    from verify.__main__ import main as entry

    entry()


def run_app() -> None:
    """Run the Typer app (called by ``verify.__main__.main`` once the language is chosen); usage
    errors are shown in the user's language (verify.helpformat), with Click's exit statuses."""
    from typer.core import _click

    from verify.helpformat import show_usage_error

    try:
        status = app(standalone_mode=False)
    except _click.exceptions.ClickException as exc:
        show_usage_error(exc, _error)
        sys.exit(exc.exit_code)
    except _click.exceptions.Abort:
        _error(_("Aborted!"))
        sys.exit(1)
    sys.exit(status if isinstance(status, int) else 0)
