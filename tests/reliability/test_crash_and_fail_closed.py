"""No data in crash output (issue item 5), defusedxml in force on the xlsx path (item 2), and fail
closed (docs/reliability.md#promises, promise 11): an error during ``verify run`` leaves no incomplete file under a
final output name and no temporary file behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import openpyxl
import pytest

from relhelp import CLEAN_ROWS, cli, long_csv, make_case
from verify.cli import app

SECRET = "SECRET-4711-confidential-emission-data"
ROOT = Path(__file__).resolve().parents[2]


def _boom(case, *_):  # stands in for a pipeline stage that hits a bug
    confidential = f"{SECRET} {case}"  # a local variable a pretty traceback would print
    raise RuntimeError("stage failed" if confidential else "")


def test_internal_error_is_one_line_without_traceback_or_locals(case_dir, monkeypatch):
    import verify.pipeline

    make_case(case_dir, {"m.csv": long_csv(*CLEAN_ROWS)})
    monkeypatch.setattr(verify.pipeline, "_intake", _boom)
    result = cli("check", case_dir)
    assert result.exit_code == 3
    assert "Traceback" not in result.output and SECRET not in result.output and "confidential" not in result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "internal error: RuntimeError: stage failed"
    assert len(lines) == 2 and "--debug" in lines[1]


def test_typer_never_shows_locals():
    assert app.pretty_exceptions_show_locals is False


@pytest.mark.slow
def test_debug_shows_the_traceback_but_still_no_locals(case_dir):
    # a real process, as the console script runs: the traceback is Python's own, printed on stderr
    make_case(case_dir, {"m.csv": long_csv(*CLEAN_ROWS)})
    script = textwrap.dedent(f"""
        import sys
        import verify.pipeline
        def _boom(case, *_):
            confidential = {SECRET!r} + str(case)
            raise RuntimeError("stage failed" if confidential else "")
        verify.pipeline._intake = _boom
        sys.argv = ["verify", "--debug", "check", {str(case_dir)!r}]
        from verify.cli import main
        main()
    """)
    env = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr and "_boom" in proc.stderr and "RuntimeError: stage failed" in proc.stderr
    assert SECRET not in proc.stderr + proc.stdout  # source lines are shown, local values are not


# ----------------------------------------------------------------------------------- defusedxml


def _xlsx_case(case_dir: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["source", "phase", "run", "pollutant", "value", "unit"])
    for row in CLEAN_ROWS:
        ws.append(row.split(","))
    (case_dir / "data").mkdir(parents=True)
    wb.save(case_dir / "data" / "m.xlsx")
    return make_case(case_dir, {}, '[[file]]\npath = "data/m.xlsx"\nlayout = "long"\n')


def test_the_xlsx_path_checks_defusedxml_first(case_dir, monkeypatch):
    import verify.sources.xlsx as xlsx

    case = _xlsx_case(case_dir)
    calls = []
    real = xlsx.ensure_defusedxml
    monkeypatch.setattr(xlsx, "ensure_defusedxml", lambda: (calls.append(1), real())[1])
    result = cli("check", case)
    assert result.exit_code == 0, result.output
    assert calls, "ensure_defusedxml was not called while reading an .xlsx input"


def test_without_defusedxml_an_xlsx_case_is_refused(case_dir, monkeypatch):
    case = _xlsx_case(case_dir)
    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    result = cli("check", case)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "without defusedxml" in result.stderr


# ----------------------------------------------------------------------------------- fail closed


def _leftovers(outdir: Path) -> list[str]:
    return sorted(p.name for p in outdir.iterdir() if p.name.startswith(".") or ".part-" in p.name)


def test_a_write_that_fails_half_way_leaves_no_final_named_file(case_dir, tmp_path, monkeypatch):
    make_case(case_dir, {"m.csv": long_csv(*CLEAN_ROWS)})
    from verify.measure.export import CsvTableWriter

    def half_then_fail(self, frame):
        self.fh.write(b"source,phase\nS1,bef")  # a torn write of normalized.csv
        raise OSError("disk full")

    monkeypatch.setattr(CsvTableWriter, "write", half_then_fail)
    out = tmp_path / "out"
    result = cli("run", case_dir, "-o", out)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert not out.exists()  # a first run that fails writes no output folder at all (test_outputs.py)
    failed = tmp_path / "out.failed"
    assert sorted(p.name for p in failed.iterdir()) == ["FAILED.txt", "ledger.csv"]
    assert (failed / "ledger.csv").read_text(encoding="utf-8-sig").startswith("file,sheet,row")  # complete
    assert not (tmp_path / "out.part").exists() and not (tmp_path / "out.lock").exists()


def test_a_failing_report_stage_leaves_no_report_and_no_temporary_file(case_dir, tmp_path, monkeypatch):
    import verify.report.pdf

    make_case(case_dir, {"m.csv": long_csv(*CLEAN_ROWS)})

    def pdf_fails(html, results):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(verify.report.pdf, "html_to_pdf", pdf_fails)
    out = tmp_path / "out"
    result = cli("run", case_dir, "-o", out)
    assert result.exit_code == 3 and "Traceback" not in result.output
    assert "renderer crashed" in result.stderr
    # nothing under a final name: not even the results finished before the failure (one generation)
    assert not out.exists() and not (tmp_path / "out.part").exists()
    assert sorted(p.name for p in (tmp_path / "out.failed").iterdir()) == ["FAILED.txt", "ledger.csv"]
