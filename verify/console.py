"""Terminal output of the CLI: tables for the ledger, QA, claims, plans and replication diffs.

Only the CLI imports this module. Text is in the language of the command line (verify.uilang:
English, Japanese or Chinese; ``_()`` looks each sentence up when it is printed); file and sheet
names, cells and raw text are printed exactly as read, never translated or interpreted as markup.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pandas as pd
from rich.cells import cell_len
from rich.console import Console
from rich.measure import Measurement
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from verify import uilang
from verify.i18n import N_, Joined, Msg, _, shown
from verify.reasons import reason_text
from verify.verdicts import PHASES, qa_counts

MAX_LISTED = 200


class _Listing:
    """A table that is never cut: drawn as a table when it fits the console's width (80 columns when
    the output is piped), else one wrapped paragraph per row (``column: value; …``), so no column is
    dropped and no file name, hash or number is cut short."""

    def __init__(self, title: str, *columns: str):
        self.title, self.columns, self.rows = title, columns, []

    def add_row(self, *cells) -> None:
        self.rows.append([c if isinstance(c, Text) else Text(str(c)) for c in cells])

    def table(self) -> Table:
        table = Table(title=self.title, title_justify="left", show_lines=False, header_style="bold")
        for col in self.columns:
            table.add_column(col, no_wrap=True, min_width=cell_len(col))
        for row in self.rows:
            table.add_row(*row)
        return table

    def __rich_console__(self, console: Console, options):
        table = self.table()
        natural = Measurement.get(console, options.update_width(1 << 16), table).maximum
        if natural <= options.max_width:
            yield table
            return
        yield Text(self.title)
        for row in self.rows:
            cells = [_("{column}: {value}", column=col, value=cell.plain) for col, cell in zip(self.columns, row)
                     if cell.plain]
            yield Padding(Text("- " + _("; ").join(cells), overflow="fold", no_wrap=False), (0, 0, 0, 2))


def _table(title: str, *columns: str) -> _Listing:
    return _Listing(title, *columns)


def _s(value) -> Text:
    """A cell for the terminal: missing (None, NaN, pd.NA) is blank, never '<NA>' or 'nan'; a message in
    the language of the command line."""
    if isinstance(value, (Msg, Joined)):
        return Text(shown(value))
    missing = value is None or (not isinstance(value, (str, bytes, list, dict, tuple)) and bool(pd.isna(value)))
    return Text("" if missing else str(value))


def _reason(code) -> Text:
    """A reason code (ledger, QA check; several joined by ``; ``) as its name in reasons.csv, in the
    language of the command line."""
    return _s(code if pd.isna(code) else reason_text(str(code), uilang.current()))


def print_check(console: Console, outcome) -> None:
    """The intake ledger: per-file totals (rows and values), then every non-accepted value, then QA."""
    ledger = outcome.intake.ledger
    totals = _table(_("Intake ledger: read = accepted + flagged + rejected"), _("file"), _("sheet"), _("layout"),
                    _("lines"), _("rows"), _("accepted"), _("flagged"), _("rejected"), _("values"), _("v.flagged"),
                    _("v.rejected"))
    for t in ledger.tallies:
        totals.add_row(_s(t.file), _s(t.sheet), _s(t.layout), _s(t.lines), _s(t.rows), _s(t.accepted),
                       _s(t.flagged), _s(t.rejected), _s(t.values), _s(t.values_flagged), _s(t.values_rejected))
    console.print(totals)
    entries = ledger.to_frame()
    listed = entries[entries["outcome"].isin(["flagged", "rejected"])] if len(entries) else entries
    if len(listed):
        keys = ["file", "sheet", "field", "outcome", "reason"]
        grouped = listed.fillna({"sheet": ""}).groupby(keys, sort=True, dropna=False)
        summary = _table(_("Not accepted, by reason"), _("file"), _("sheet"), _("field"), _("outcome"), _("reason"),
                         _("count"), _("first cell"), _("detail"))
        for key, g in grouped:
            first = g.iloc[0]
            file, sheet, field, kind, reason = key
            summary.add_row(_s(file), _s(sheet), _s(field), _s(OUTCOMES.get(kind, kind)), _reason(reason), _s(len(g)),
                            _s(first["cell"]), _s(ledger_detail(first["detail"])))
        console.print(summary)
        rejected = listed[listed["outcome"] == "rejected"]
        if len(rejected):
            table = _table(_("Rejected ({n}): fix these or pass --allow-rejected", n=len(rejected)), _("file"),
                           _("sheet"), _("row"), _("cell"), _("field"), _("raw"), _("reason"), _("detail"))
            for rec in rejected.head(MAX_LISTED).itertuples(index=False):
                table.add_row(_s(rec.file), _s(rec.sheet), _s(rec.row), _s(rec.cell), _s(rec.field), _s(rec.raw),
                              _reason(rec.reason), _s(ledger_detail(rec.detail)))
            console.print(table)
            if len(rejected) > MAX_LISTED:
                console.print(_("… and {n} more (write them all with --ledger FILE)", n=len(rejected) - MAX_LISTED),
                              markup=False)
    for file, sheet in ledger.unread_sheets:
        console.print(_("not read: {file}, sheet {sheet!r} (no [[file]] entry for it)", file=file, sheet=sheet),
                      markup=False)
    for t in ledger.tallies:  # file notes: macros not executed, hidden sheet read, error values shown as text
        for note in t.notes:
            where = t.file if t.sheet is None else _("{file}, sheet {sheet!r}", file=t.file, sheet=t.sheet)
            console.print(_("note: {where}: {note}", where=where, note=shown(note)), markup=False)
    _print_problems(console, outcome.problems.errors)
    failed = [q for q in outcome.qa if q["passed"] is False]
    n = qa_counts(outcome.qa)
    # a paragraph (wraps at the console's width: a narrow console cuts nothing)
    console.print(_("QA checks: {passed} passed, {failed} failed, {unknown} could not be judged, {disclosed} disclosed "
                    "method change(s)", passed=n.passed, failed=n.failed, unknown=n.unknown, disclosed=n.disclosed),
                  markup=False, soft_wrap=False)
    if failed:
        qa = _table(_("Failed QA checks"), _("check"), _("source"), _("pollutant"), _("phase"), _("detail"))
        for q in failed:
            qa.add_row(_reason(q["check"]), _s(q.get("source")), _s(q.get("pollutant")),
                       _s(PHASES.get(q.get("phase"), q.get("phase"))), _s(qa_detail(q)))
        console.print(qa)


def ledger_detail(detail) -> str:
    """A ledger entry's detail for the command line: the ledger's detail is English data (written to
    files as it is), so it is shown in English only; in Japanese and Chinese the reason column
    names the finding (verify/data/reasons.csv) and the raw text and the cell have their own columns."""
    if uilang.current() in ("ja", "zh") or not isinstance(detail, str):
        return ""
    return detail


def qa_detail(q: dict) -> str:
    """A QA check's finding in the language of the command line: results.json holds it in Japanese
    and Chinese only, so in English it is blank (the check's name, source and phase are in their own
    columns)."""
    return (q.get("detail") or {}).get(uilang.current(), "")


OUTCOMES = {"flagged": N_("flagged"), "rejected": N_("rejected"), "accepted": N_("accepted")}
#: The kinds of a difference from the published results (verify.replicate).
DIFFERENCES = {"value": N_("value"), "missing": N_("missing"), "extra": N_("extra"), "length": N_("length"),
               "type": N_("type")}
VERDICTS = {
    # TRANSLATORS: the verdict of a claim, in capitals in English; never "pass"/"fail" (合格/不合格)
    "verified": N_("VERIFIED"),
    "supported": N_("SUPPORTED (estimate meets the claim, not statistically confirmed)"),
    "not_verified": N_("NOT VERIFIED"),
    "insufficient_data": N_("INSUFFICIENT DATA (no verdict)"),
}


def _print_problems(console: Console, errors: list) -> None:
    """What `verify analyze` would refuse, every item (fix case.toml or the data)."""
    if errors:
        console.print(_("Problems with the claims, limits and sources ({n}): `verify analyze` would refuse the case",
                        n=len(errors)), markup=False)
        for problem in errors:
            console.print(f"  - {shown(problem)}", markup=False)


def print_claims(console: Console, results: dict, context: bool = False) -> None:
    """One line per claim: what was claimed, the estimate, the bound, p and the verdict; with
    ``context`` (after ``verify run``) also the run's data quality and, under each claim, the failed
    QA checks that touch its data and its flagged runs (verify.verdicts)."""
    from verify.verdicts import claim_contexts, data_quality

    if context:
        q = data_quality(results)
        console.print(_("Data quality: QA checks {passed} passed, {failed} failed, {unknown} could not be judged, "
                        "{disclosed} disclosed method change(s); values {rejected} rejected, {flagged} flagged "
                        "(ledger.csv lists them)", passed=q.qa_passed, failed=q.qa_failed, unknown=q.qa_unknown,
                        disclosed=q.qa_disclosed, rejected=q.values_rejected, flagged=q.values_flagged),
                      markup=False)
    if not results.get("claims"):
        return
    name = lambda code: reason_text(code, uilang.current())  # noqa: E731
    contexts = {c.claim_id: c for c in claim_contexts(results, name)} if context else {}
    console.print(_("Claims:"), markup=False)
    for c in results["claims"]:
        verdict = shown(VERDICTS.get(c["verdict"], c["verdict"]))
        console.print(f"  {c['id']}  {_endpoint_text(c)}  {_claim_text(c)}  ->  {verdict}", markup=False)
        if c["id"] in contexts:
            console.print(f"      {_context_text(contexts[c['id']])}", markup=False)


def _fmt(value, spec: str = ".1f", unit: str = "") -> str:
    return "—" if value is None else f"{format(value, spec)}{unit}"


def _endpoint_text(c: dict) -> str:
    return "/".join(str(x) for x in (c["source"], c.get("position"), c["pollutant"], c["metric"]) if x)


def _claim_text(c: dict) -> str:
    p = _fmt(c.get("p_value"), ".3g")
    if c["kind"] == "level":
        return _("level <= {claimed:g}: after-phase mean {estimate}, upper bound (one-sided, 95 %) {bound}, p = {p}",
                 claimed=c["claimed"], estimate=_fmt(c.get("estimate"), ".4g"),
                 bound=_fmt(c.get("upper_bound"), ".4g"), p=p)
    template = (N_("reduction >= {claimed:g} %: estimate {estimate}, lower bound (one-sided, 95 %) {bound}, p = {p}")
                if c["kind"] == "reduction" else
                N_("efficiency >= {claimed:g} %: estimate {estimate}, lower bound (one-sided, 95 %) {bound}, p = {p}"))
    return shown(template.fill(claimed=c["claimed"], estimate=_fmt(c.get("estimate"), ".1f", " %"),
                               bound=_fmt(c.get("lower_bound"), ".1f", " %"), p=p))


def _context_text(ctx) -> str:
    runs = (_("{n} run value(s), {flagged} flagged", n=ctx.runs, flagged=ctx.runs_flagged) if ctx.runs
            else _("continuous readings"))
    qa = (_("failed QA checks on these data: {checks}", checks=", ".join(map(shown, ctx.failed_qa))) if ctx.failed_qa
          else _("no failed QA check on these data"))
    text = _("{runs}; {qa}", runs=runs, qa=qa)
    if ctx.cems_reports_missing:
        reports = Joined(N_(", "), (CEMS_REPORT_NAMES[key] for key in ctx.cems_reports_missing))
        text += "\n      " + _("conditional: CEMS reports not given: {reports} (HJ 75-2017); the verdict holds only "
                                "if the CEMS data are accurate, which this verification did not evaluate", reports=reports)
    return text


#: The CEMS reports of verify.verdicts.CEMS_REPORTS, named on the console.
CEMS_REPORT_NAMES = {"cems_acceptance_reports": N_("acceptance"), "comparison_reports": N_("comparison monitoring")}


def print_plan(console: Console, result: dict) -> None:
    """The plan: runs per phase for the claim, then the MDR against zero for 2–10 runs per phase."""
    p = result["plan"]
    source = _(" (from the pilot case {case})", case=result["pilot"]) if result.get("pilot") else ""
    console.print(_("run-to-run CV {cv:.1f} %{source}; expected reduction {expected:g} %, claimed {claimed:g} %; "
                    "power {power:g} %, one-sided alpha {alpha:g}", cv=100 * p["cv"], source=source,
                    expected=p["expected_reduction_pct"], claimed=p["claimed_reduction_pct"], power=100 * p["power"],
                    alpha=p["alpha"]), markup=False)
    if p["reason"] == "reachable":
        console.print(_("runs per phase needed: {n} (power {power:.1f} %)", n=p["runs_per_phase"],
                        power=100 * p["achieved_power"]), markup=False)
        if p.get("runs_for_power") is not None and p["runs_for_power"] < p["runs_per_phase"]:
            console.print(_("  the power alone needs {n}, but the QA checks ask for at least {min} runs per phase "
                            "(40 CFR 60.8(f), HJ/T 397-2007)", n=p["runs_for_power"], min=p["min_runs"]), markup=False)
    elif p["reason"] == "never":
        console.print(_("runs per phase needed: none suffices - when the true reduction is not larger than the claim, "
                        "the claim is verified with probability alpha at most, whatever the number of runs"),
                      markup=False)
    else:
        console.print(_("runs per phase needed: more than {n}", n=p["max_runs"]), markup=False)
    langs = [uilang.current()] if uilang.current() in p["statement"] else ["ja", "zh"]
    for lang in langs:
        console.print(f"{lang}: {p['statement'][lang]}", markup=False)
    table = _table(_("Minimum detectable reduction against zero (log-scale Welch test, %)"), _("runs per phase"),
                   _("one-sided"), _("two-sided"))
    for row in result["mdr"]:
        fmt = lambda v: "—" if v is None else f"{v:.1f}"  # noqa: E731
        table.add_row(str(row["n_per_phase"]), fmt(row["one_sided"]), fmt(row["two_sided"]))
    console.print(table)


def print_digests(console: Console, outdir, digests: list[tuple[str, str]]) -> None:
    """The SHA-256 of every output written (what a re-issue cites in ``supersedes``), one line per
    file as ``sha256sum`` prints them (``sha256sum -c`` checks them): never cut, whatever the width."""
    console.print(_("outputs in {folder} (SHA-256):", folder=str(outdir)), markup=False)
    for name, digest in digests:
        console.print(f"{digest}  {name}", markup=False, crop=False, overflow="ignore")


def print_replication(console: Console, outcome) -> None:
    if outcome.ok:
        console.print(_("replicates: every count, hash and number matches (numbers within rtol {rtol:g})",
                        rtol=outcome.rtol), markup=False)
    else:
        table = _table(_("Differences from the published results ({n})", n=len(outcome.differences)), _("where"),
                       _("published"), _("now"), _("kind"))
        for d in outcome.differences[:MAX_LISTED]:
            table.add_row(_s(d.path), _s(d.expected), _s(d.actual), _s(DIFFERENCES.get(d.kind, d.kind)))
        console.print(table)
        console.print(_("does NOT replicate"), markup=False)
    if outcome.notes:
        console.print(_("note: {n} difference(s) in tool versions (not a mismatch)", n=len(outcome.notes)),
                      markup=False)


@contextlib.contextmanager
def progress(console: Console) -> Iterator:
    """A status line on stderr showing the current stage (plain lines when stderr is not a terminal)."""
    if not console.is_terminal:
        yield lambda message: console.print(f"… {shown(message)}", markup=False)
        return
    with console.status(_("starting")) as status:
        yield lambda message: status.update(shown(message))
