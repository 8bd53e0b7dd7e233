"""Helpers for the reliability tests: a small case folder in tmp_path, the CLI as a user runs it,
and the intake ledger read back from ``verify check --ledger FILE``.

Every test here goes through ``verify.cli.app`` (typer.testing.CliRunner) so that what is checked is
what a user sees: the exit code, the one- or two-line message, and the ledger CSV.
"""

from __future__ import annotations

import csv
import re
import textwrap
from pathlib import Path

from typer.testing import CliRunner

from verify.cli import app

CASE_TOML = """\
[case]
id = "rel-demo"
title = {{ ja = "信頼性テスト", zh = "可靠性测试" }}
factory = {factory}
timezone = "Asia/Shanghai"
conditions = "CN"
concentration_basis = "standard-dry"
{case_extra}

[[source]]
id = "S1"
kind = "stack"
aliases = ["1#排气筒", "1#排気筒"]
{source_extra}

{files}
"""

LONG_HEADER = "source,phase,run,pollutant,value,unit"


def long_csv(*rows: str, header: str = LONG_HEADER) -> str:
    """A long CSV: ``header`` then ``rows`` (each a CSV line)."""
    return "\n".join((header, *rows)) + "\n"


# three before and three after runs of NMHC, a clean and valid long file (data rows 2..7)
CLEAN_ROWS = (
    "S1,before,1,NMHC,30.1,mg/m3",
    "S1,before,2,NMHC,32.4,mg/m3",
    "S1,before,3,NMHC,29.8,mg/m3",
    "S1,after,1,NMHC,12.0,mg/m3",
    "S1,after,2,NMHC,11.5,mg/m3",
    "S1,after,3,NMHC,12.6,mg/m3",
)


def make_case(
    root: Path,
    files: dict[str, bytes | str],
    specs: str | None = None,
    *,
    factory: str = '"demo"',
    case_extra: str = "",
    source_extra: str = "",
) -> Path:
    """Write ``root/case.toml`` and ``root/data/<name>`` for each of ``files``.

    ``specs`` are the ``[[file]]`` tables; by default one long-layout entry per file.
    ``factory`` is TOML (a string or an inline table).
    """
    (root / "data").mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (root / "data" / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    if specs is None:
        specs = "\n".join(f'[[file]]\npath = "data/{name}"\nlayout = "long"\n' for name in files)
    (root / "case.toml").write_text(
        CASE_TOML.format(
            factory=factory, case_extra=case_extra, source_extra=source_extra, files=textwrap.dedent(specs)
        ),
        encoding="utf-8",
    )
    return root


_runner = CliRunner()


def cli(*args):
    """Run ``verify ARGS`` in-process; the result has .exit_code, .output (stdout+stderr), .stderr."""
    return _runner.invoke(app, [str(a) for a in args])


def read_ledger(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def check(case: Path, *extra):
    """``verify check CASE --ledger CASE/../ledger.csv`` → (result, ledger rows or None)."""
    ledger = case.parent / f"{case.name}-ledger.csv"
    ledger.unlink(missing_ok=True)
    result = cli("check", case, "--ledger", ledger, *extra)
    return result, (read_ledger(ledger) if ledger.exists() else None)


def entry(ledger: list[dict[str, str]], cell: str, field: str | None = None) -> dict[str, str]:
    """The one ledger entry for ``cell`` (e.g. "E4"), optionally of ``field``."""
    found = [e for e in ledger if e["cell"] == cell and (field is None or e["field"] == field)]
    assert len(found) == 1, (cell, found)
    return found[0]


def row_entries(ledger: list[dict[str, str]], row: int) -> list[dict[str, str]]:
    return [e for e in ledger if e["row"] == str(row) and e["field"] == "row"]


def assert_clean_error(result, *needles: str, code: int = 2) -> None:
    """Exit ``code``, no traceback, one or two lines on stderr naming every one of ``needles``."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("error:")]
    assert len(starts) == 1, result.stderr  # progress lines of `run` may come before
    text = "\n".join(lines[starts[0]:])
    assert len(text.strip().splitlines()) <= 2, text
    for needle in needles:
        assert needle in text, (needle, text)


ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def stand_in_pdf(html: str = "", results: dict | None = None) -> bytes:
    """A blank one-page PDF: the stand-in for WeasyPrint (``verify.report.pdf.html_to_pdf``) where a
    test does not look at the PDF's content. A real PDF, because the report's language halves are
    joined with pypdf (``verify.report.merge``)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
