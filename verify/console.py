"""Terminal output of the CLI: tables for the ledger, QA, claims, plans and replication diffs.

Only the CLI imports this module. Text is English for the terminal (the report is bilingual);
labels such as file and sheet names are printed exactly as read, never interpreted as markup.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pandas as pd
from rich.console import Console
from rich.measure import Measurement
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

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
            table.add_column(col, no_wrap=True, min_width=len(col))
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
            cells = [f"{col}: {cell.plain}" for col, cell in zip(self.columns, row) if cell.plain]
            yield Padding(Text("- " + "; ".join(cells), overflow="fold", no_wrap=False), (0, 0, 0, 2))


def _table(title: str, *columns: str) -> _Listing:
    return _Listing(title, *columns)


def _s(value) -> Text:
    """A cell for the terminal: missing (None, NaN, pd.NA) is blank, never '<NA>' or 'nan'."""
    missing = value is None or (not isinstance(value, (str, bytes, list, dict, tuple)) and bool(pd.isna(value)))
    return Text("" if missing else str(value))


def print_check(console: Console, outcome) -> None:
    """The intake ledger: per-file totals (rows and values), then every non-accepted value, then QA."""
    ledger = outcome.intake.ledger
    totals = _table("Intake ledger: read = accepted + flagged + rejected", "file", "sheet", "layout", "lines",
                    "rows", "accepted", "flagged", "rejected", "values", "v.flagged", "v.rejected")
    for t in ledger.tallies:
        totals.add_row(_s(t.file), _s(t.sheet), _s(t.layout), _s(getattr(t, "lines", None)), _s(t.rows), _s(t.accepted),
                       _s(t.flagged), _s(t.rejected), _s(t.values), _s(t.values_flagged), _s(t.values_rejected))
    console.print(totals)
    entries = ledger.to_frame()
    listed = entries[entries["outcome"].isin(["flagged", "rejected"])] if len(entries) else entries
    if len(listed):
        keys = ["file", "sheet", "field", "outcome", "reason"]
        grouped = listed.fillna({"sheet": ""}).groupby(keys, sort=True, dropna=False)
        summary = _table("Not accepted, by reason", *keys, "count", "first cell", "detail")
        for key, g in grouped:
            first = g.iloc[0]
            summary.add_row(*(_s(k) for k in key), _s(len(g)), _s(first["cell"]), _s(first["detail"]))
        console.print(summary)
        rejected = listed[listed["outcome"] == "rejected"]
        if len(rejected):
            table = _table(f"Rejected ({len(rejected)}): fix these or pass --allow-rejected", "file", "sheet", "row",
                           "cell", "field", "raw", "reason")
            for rec in rejected.head(MAX_LISTED).itertuples(index=False):
                table.add_row(_s(rec.file), _s(rec.sheet), _s(rec.row), _s(rec.cell), _s(rec.field), _s(rec.raw),
                              _s(rec.detail if isinstance(rec.detail, str) else rec.reason))
            console.print(table)
            if len(rejected) > MAX_LISTED:
                console.print(f"… and {len(rejected) - MAX_LISTED} more (write them all with --ledger FILE)", markup=False)
    for file, sheet in getattr(ledger, "unread_sheets", []):
        console.print(f"not read: {file}, sheet {sheet!r} (no [[file]] entry for it)", markup=False)
    for t in ledger.tallies:  # file notes: macros not executed, hidden sheet read, error values shown as text
        for note in getattr(t, "notes", []):
            where = t.file if t.sheet is None else f"{t.file}, sheet {t.sheet!r}"
            console.print(f"note: {where}: {note}", markup=False)
    _print_problems(console, outcome.problems.errors)
    failed = [q for q in outcome.qa if q["passed"] is False]
    unknown = sum(q["passed"] is None for q in outcome.qa)
    passed = sum(q["passed"] is True for q in outcome.qa)
    console.print(f"QA checks: {passed} passed, {len(failed)} failed, {unknown} could not be judged", markup=False)
    if failed:
        qa = _table("Failed QA checks", "check", "source", "phase", "detail")
        for q in failed:
            detail = q.get("detail") or {}
            qa.add_row(_s(q["check"]), _s(q.get("source")), _s(q.get("phase")), _s(detail.get("ja")))
        console.print(qa)


def _print_problems(console: Console, errors: list[str]) -> None:
    """What `verify analyze` would refuse, every item (fix case.toml or the data)."""
    if errors:
        console.print(f"Problems with the claims, limits and sources ({len(errors)}): `verify analyze` would refuse the case",
                      markup=False)
        for problem in errors:
            console.print(f"  - {problem}", markup=False)


def print_claims(console: Console, results: dict, context: bool = False) -> None:
    """One line per claim: what was claimed, the estimate, the bound, p and the verdict; with
    ``context`` (after ``verify run``) also the run's data quality and, under each claim, the failed
    QA checks that touch its data and its flagged runs (verify.verdicts)."""
    from verify.verdicts import claim_contexts, data_quality

    if context:
        q = data_quality(results)
        console.print(f"Data quality: QA checks {q.qa_passed} passed, {q.qa_failed} failed, {q.qa_unknown} could not be "
                      f"judged; values {q.values_rejected} rejected, {q.values_flagged} flagged (ledger.csv lists them)",
                      markup=False)
    if not results.get("claims"):
        return
    contexts = {c.claim_id: c for c in claim_contexts(results)} if context else {}
    console.print("Claims:", markup=False)
    for c in results["claims"]:
        console.print(f"  {c['id']}  {_endpoint_text(c)}  {_claim_text(c)}  ->  {c['verdict'].upper()}", markup=False)
        if c["id"] in contexts:
            console.print(f"      {_context_text(contexts[c['id']])}", markup=False)


def _fmt(value, spec: str = ".1f", unit: str = "") -> str:
    return "—" if value is None else f"{format(value, spec)}{unit}"


def _endpoint_text(c: dict) -> str:
    return "/".join(str(x) for x in (c["source"], c.get("position"), c["pollutant"], c["metric"]) if x)


def _claim_text(c: dict) -> str:
    p = f"p = {_fmt(c.get('p_value'), '.3g')}"
    if c["kind"] == "level":
        return (f"level <= {c['claimed']:g}: after-phase mean {_fmt(c.get('estimate'), '.4g')}, "
                f"one-sided 95 % upper bound {_fmt(c.get('upper_bound'), '.4g')}, {p}")
    return (f"{c['kind']} >= {c['claimed']:g} %: estimate {_fmt(c.get('estimate'), '.1f', ' %')}, "
            f"one-sided 95 % lower bound {_fmt(c.get('lower_bound'), '.1f', ' %')}, {p}")


def _context_text(ctx) -> str:
    runs = f"{ctx.runs} run value(s), {ctx.runs_flagged} flagged" if ctx.runs else "continuous readings"
    qa = f"failed QA checks on these data: {', '.join(ctx.failed_qa)}" if ctx.failed_qa else "no failed QA check on these data"
    return f"{runs}; {qa}"


def print_plan(console: Console, result: dict) -> None:
    """The plan: runs per phase for the claim, then the MDR against zero for 2–10 runs per phase."""
    p = result["plan"]
    source = f" (from the pilot case {result['pilot']})" if result.get("pilot") else ""
    console.print(f"run-to-run CV {100 * p['cv']:.1f} %{source}; expected reduction {p['expected_reduction_pct']:g} %, "
                  f"claimed {p['claimed_reduction_pct']:g} %; power {100 * p['power']:g} %, one-sided alpha {p['alpha']:g}",
                  markup=False)
    if p["reason"] == "reachable":
        console.print(f"runs per phase needed: {p['runs_per_phase']} (power {100 * p['achieved_power']:.1f} %)", markup=False)
        if p.get("runs_for_power") is not None and p["runs_for_power"] < p["runs_per_phase"]:
            console.print(f"  the power alone needs {p['runs_for_power']}, but the QA checks ask for at least "
                          f"{p['min_runs']} runs per phase (40 CFR 60.8(f), HJ/T 397-2007)", markup=False)
    elif p["reason"] == "never":
        console.print("runs per phase needed: none suffices - when the true reduction is not larger than the claim, "
                      "the claim is verified with probability alpha at most, whatever the number of runs", markup=False)
    else:
        console.print(f"runs per phase needed: more than {p['max_runs']}", markup=False)
    for lang in ("ja", "zh"):
        console.print(f"{lang}: {p['statement'][lang]}", markup=False)
    table = _table("Minimum detectable reduction against zero (log-scale Welch test, %)", "runs per phase",
                   "one-sided", "two-sided")
    for row in result["mdr"]:
        fmt = lambda v: "—" if v is None else f"{v:.1f}"  # noqa: E731
        table.add_row(str(row["n_per_phase"]), fmt(row["one_sided"]), fmt(row["two_sided"]))
    console.print(table)


def print_digests(console: Console, outdir, digests: list[tuple[str, str]]) -> None:
    """The SHA-256 of every output written (what a re-issue cites in ``supersedes``), one line per
    file as ``sha256sum`` prints them (``sha256sum -c`` checks them): never cut, whatever the width."""
    console.print(f"outputs in {outdir} (SHA-256):", markup=False)
    for name, digest in digests:
        console.print(f"{digest}  {name}", markup=False, crop=False, overflow="ignore")


def print_replication(console: Console, outcome) -> None:
    if outcome.ok:
        console.print(f"replicates: every count, hash and number matches (numbers within rtol {outcome.rtol:g})", markup=False)
    else:
        table = _table(f"Differences from the published results ({len(outcome.differences)})", "where", "published", "now", "kind")
        for d in outcome.differences[:MAX_LISTED]:
            table.add_row(_s(d.path), _s(d.expected), _s(d.actual), _s(d.kind))
        console.print(table)
        console.print("does NOT replicate", markup=False)
    if outcome.notes:
        console.print(f"note: {len(outcome.notes)} difference(s) in tool versions (not a mismatch)", markup=False)


@contextlib.contextmanager
def progress(console: Console) -> Iterator:
    """A status line on stderr showing the current stage (plain lines when stderr is not a terminal)."""
    if not console.is_terminal:
        yield lambda message: console.print(f"… {message}", markup=False)
        return
    with console.status("starting") as status:
        yield lambda message: status.update(message)
