"""One run, one generation of outputs (issue 16 item 1, issue 17 items 3 and 4): docs/reliability.md "Outputs".

A ``verify run`` writes into ``OUT.part`` beside ``OUT`` and swaps it in only when every output and
the manifest ``outputs.json`` are complete. Every test here checks the folder afterwards: the
previous generation byte for byte, the failed run's ledger in ``OUT.failed/``, nothing else beside.

The PDF renderer is replaced by a stand-in (``_fast_pdf``) wherever the PDF's content does not
matter, so that each test runs the pipeline in about a second.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from relhelp import CLEAN_ROWS, cli, long_csv, make_case, stand_in_pdf
from verify.outputs import FolderLock, MANIFEST

ROOT = Path(__file__).resolve().parents[2]
#: the same case with other after-phase values: a run of it would change every output
CHANGED_ROWS = (*CLEAN_ROWS[:3], "S1,after,1,NMHC,22.0,mg/m3", "S1,after,2,NMHC,21.5,mg/m3", "S1,after,3,NMHC,22.6,mg/m3")
SIBLINGS = (".part", ".prev", ".lock", ".failed")


def _fast_pdf(monkeypatch) -> None:
    import verify.report.pdf

    monkeypatch.setattr(verify.report.pdf, "html_to_pdf", stand_in_pdf)


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _beside(out: Path) -> list[str]:
    """The folders and files beside ``out`` that a run may leave (only ``.failed`` after a failure)."""
    return sorted(s for s in SIBLINGS if out.with_name(out.name + s).exists())


def _assert_one_generation(out: Path) -> dict:
    """``out`` holds exactly the files its manifest lists, each with the SHA-256 listed."""
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    listed = {f["name"]: f["sha256"] for f in manifest["files"]}
    assert set(_snapshot(out)) == {*listed, MANIFEST}
    for name, digest in listed.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
    return manifest


@pytest.fixture
def runs(tmp_path, monkeypatch):
    """A case, and an output folder holding one complete generation of it (the previous run)."""
    _fast_pdf(monkeypatch)
    case = make_case(tmp_path / "plant-a", {"m.csv": long_csv(*CLEAN_ROWS)})
    out = tmp_path / "out"
    first = cli("run", case, "-o", out)
    assert first.exit_code == 0, first.output
    (case / "data" / "m.csv").write_text(long_csv(*CHANGED_ROWS), encoding="utf-8")
    return case, out, _snapshot(out)


def test_a_run_writes_one_generation_with_its_manifest(runs):
    case, out, _ = runs
    manifest = _assert_one_generation(out)
    assert [f["name"] for f in manifest["files"]] == [
        "ledger.csv", "normalized.csv", "results.json", "summary.xlsx", "report.html", "report.pdf"]
    assert manifest["command"] == "verify run plant-a -o OUT" and manifest["case"] == "rel-demo"
    assert manifest["statement_id"] is None and manifest["stale"] is None
    assert _beside(out) == []


def test_a_second_run_replaces_the_whole_generation(runs):
    case, out, before = runs
    result = cli("run", case, "-o", out)
    assert result.exit_code == 0, result.output
    after = _snapshot(out)
    assert after["results.json"] != before["results.json"] and after["ledger.csv"] == before["ledger.csv"]
    _assert_one_generation(out)
    assert _beside(out) == []
    for entry in json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]:
        assert f"{entry['sha256']}  {entry['name']}" in result.stdout  # printed whole, as sha256sum does


# ------------------------------------------------------------------ a failure at every stage


def _raise(exc: BaseException):
    def writer(*args, **kwargs):
        raise exc
    return writer


def _stage_writers():
    """(stage, module, attribute): the writer of each output, in the order ``verify run`` calls them."""
    return [
        ("ledger", "verify.sources.ledger", "Ledger.write_csv"),
        ("normalized", "verify.measure.export", "write_csv_slices"),
        ("results", "verify.results", "write_results"),
        ("summary", "verify.report.xlsx", "write_summary_xlsx"),
        ("html", "verify.report.render", "render_document"),
        ("pdf", "verify.report.pdf", "html_to_pdf"),
    ]


def _patch(monkeypatch, module: str, attribute: str, value) -> None:
    import importlib

    target = importlib.import_module(module)
    owner, _, name = attribute.rpartition(".")
    monkeypatch.setattr(getattr(target, owner) if owner else target, name, value)


FAILURES = {
    "bug": (RuntimeError("stage failed"), 3),
    "disk full": (OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "results.json"), 2),
    "Ctrl-C": (KeyboardInterrupt(), 130),
}


@pytest.mark.parametrize("failure", FAILURES, ids=list(FAILURES))
@pytest.mark.parametrize("stage, module, attribute", _stage_writers(), ids=[s[0] for s in _stage_writers()])
def test_a_failure_at_any_stage_leaves_the_previous_generation(runs, monkeypatch, stage, module, attribute, failure):
    case, out, before = runs
    exc, code = FAILURES[failure]
    _patch(monkeypatch, module, attribute, _raise(exc))
    result = cli("run", case, "-o", out)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert _snapshot(out) == before  # byte for byte the previous run
    assert f"{out} was not changed" in result.stderr
    failed = out.with_name("out.failed")
    if stage == "ledger":  # nothing to keep for diagnosis: no .failed folder
        assert _beside(out) == [] and "out.failed" not in result.stderr
        return
    assert _beside(out) == [".failed"]
    assert sorted(p.name for p in failed.iterdir()) == ["FAILED.txt", "ledger.csv"]
    assert "These are not results" in (failed / "FAILED.txt").read_text(encoding="utf-8")
    assert f"ledger.csv is in {out}.failed" in result.stderr
    if failure == "disk full":
        assert "the disk is full" in result.stderr and "free some space" in result.stderr


def test_rejected_values_leave_the_previous_generation_and_say_where_the_ledger_is(runs):
    case, out, before = runs
    (case / "data" / "m.csv").write_text(long_csv(*CLEAN_ROWS, "S1,after,4,NMHC,12.x,mg/m3"), encoding="utf-8")
    result = cli("run", case, "-o", out)
    assert result.exit_code == 2 and "rejected" in result.stderr
    assert _snapshot(out) == before
    ledger = (out.with_name("out.failed") / "ledger.csv").read_text(encoding="utf-8-sig")
    assert "12.x" in ledger
    assert f"this run's ledger.csv is in {out}.failed" in result.stderr


def test_a_first_run_that_fails_leaves_no_output_folder(tmp_path, monkeypatch):
    case = make_case(tmp_path / "case", {"m.csv": long_csv(*CLEAN_ROWS)})
    _patch(monkeypatch, "verify.results", "write_results", _raise(RuntimeError("stage failed")))
    out = tmp_path / "new" / "out"
    result = cli("run", case, "-o", out)
    assert result.exit_code == 3
    assert not out.exists() and _beside(out) == [".failed"]
    assert f"nothing was written to {out}" in result.stderr


def test_a_later_successful_run_removes_the_failed_runs_diagnosis(runs, monkeypatch):
    case, out, _ = runs
    _patch(monkeypatch, "verify.results", "write_results", _raise(RuntimeError("stage failed")))
    assert cli("run", case, "-o", out).exit_code == 3
    monkeypatch.undo()
    _fast_pdf(monkeypatch)
    assert cli("run", case, "-o", out).exit_code == 0
    assert _beside(out) == []


def _subprocess_run(script: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


PRELUDE = """
    import io, os, signal, sys, time
    import verify.report.pdf
    from pypdf import PdfWriter
    _writer, _blank = PdfWriter(), io.BytesIO()
    _writer.add_blank_page(595, 842)
    _writer.write(_blank)
    verify.report.pdf.html_to_pdf = lambda html, results: _blank.getvalue()
"""


@pytest.mark.slow
@pytest.mark.parametrize("after", ["verify.results:write_results", "verify.report.xlsx:write_summary_xlsx"])
def test_a_real_sigint_between_stages_leaves_the_previous_generation(runs, after):
    case, out, before = runs
    module, name = after.split(":")
    script = PRELUDE + f"""
    import {module} as m
    real = m.{name}
    def then_interrupt(*args, **kwargs):
        real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGINT)  # as Ctrl-C in the terminal, between two stages
        time.sleep(30)
    m.{name} = then_interrupt
    sys.argv = ["verify", "run", {str(case)!r}, "-o", {str(out)!r}]
    from verify.cli import main
    main()
    """
    proc = _subprocess_run(script, case.parent)
    assert proc.returncode == 130, proc.stderr
    assert "interrupted" in proc.stderr and "Traceback" not in proc.stderr
    assert _snapshot(out) == before
    assert _beside(out) == [".failed"]
    assert "interrupted (Ctrl-C)" in (out.with_name("out.failed") / "FAILED.txt").read_text(encoding="utf-8")


# ------------------------------------------------------------------ a killed run, and the next one


def _kill_script(case: Path, out: Path, when: str) -> str:
    """A run that kills itself (SIGKILL: nothing of Python runs after it) at ``when``."""
    hooks = {
        # after results.json, before the other outputs: a stale OUT.part is left
        "mid-run": """
    import verify.results as m
    real = m.write_results
    def then_die(*args, **kwargs):
        real(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)
    m.write_results = then_die
""",
        # between the two renames of the swap: OUT is gone, OUT.prev and a complete OUT.part are left
        "mid-swap": """
    import verify.outputs as o
    real = o.os.replace
    def replace(src, dst):
        real(src, dst)
        if str(dst).endswith(".prev"):
            os.kill(os.getpid(), signal.SIGKILL)
    o.os.replace = replace
""",
    }
    return PRELUDE + hooks[when] + f"""
    sys.argv = ["verify", "run", {str(case)!r}, "-o", {str(out)!r}]
    from verify.cli import main
    main()
"""


@pytest.mark.slow
def test_a_run_killed_mid_run_leaves_a_stale_part_that_the_next_run_removes(runs, monkeypatch):
    case, out, before = runs
    proc = _subprocess_run(_kill_script(case, out, "mid-run"), case.parent)
    assert proc.returncode == -signal.SIGKILL
    assert _snapshot(out) == before and (out.with_name("out.part") / "results.json").is_file()
    # the kernel released the killed run's lock: the next run is not blocked, and cleans up
    _patch(monkeypatch, "verify.results", "write_results", _raise(RuntimeError("stage failed")))
    assert cli("run", case, "-o", out).exit_code == 3
    assert _snapshot(out) == before and _beside(out) == [".failed"]


@pytest.mark.slow
def test_a_run_killed_mid_swap_is_completed_by_the_next_run(runs, monkeypatch):
    case, out, before = runs
    proc = _subprocess_run(_kill_script(case, out, "mid-swap"), case.parent)
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists() and out.with_name("out.prev").is_dir() and out.with_name("out.part").is_dir()
    # the next run (failing here, so that what it recovered stays visible) finishes the killed swap
    _patch(monkeypatch, "verify.results", "write_results", _raise(RuntimeError("stage failed")))
    result = cli("run", case, "-o", out)
    assert result.exit_code == 3
    assert "completed the swap" in result.stderr
    _assert_one_generation(out)
    assert _snapshot(out)["results.json"] != before["results.json"]  # the killed run had finished its outputs
    assert _beside(out) == [".failed"]


def test_a_half_done_swap_without_a_complete_new_generation_is_undone(runs, monkeypatch):
    case, out, before = runs
    os.replace(out, out.with_name("out.prev"))  # as a run killed after its first rename ...
    out.with_name("out.part").mkdir()  # ... whose new generation is incomplete (no manifest)
    (out.with_name("out.part") / "results.json").write_text("{", encoding="utf-8")
    _patch(monkeypatch, "verify.results", "write_results", _raise(RuntimeError("stage failed")))
    result = cli("run", case, "-o", out)
    assert result.exit_code == 3 and "put back the previous outputs" in result.stderr
    assert _snapshot(out) == before and _beside(out) == [".failed"]


# ------------------------------------------------------------------ the lock


def test_a_second_run_into_a_busy_folder_is_refused(runs):
    case, out, before = runs
    with FolderLock(out.with_name("out.lock"), str(out)):  # another run holds the folder
        result = cli("run", case, "-o", out)
    assert result.exit_code == 2 and "another run is writing here" in result.stderr
    assert _snapshot(out) == before and not out.with_name("out.part").exists()


def test_a_single_file_written_into_a_busy_run_folder_is_refused(runs):
    case, out, before = runs
    with FolderLock(out.with_name("out.lock"), str(out)):
        result = cli("analyze", case, "-o", out / "results.json", "--force")
    assert result.exit_code == 2 and "another run is writing here" in result.stderr
    assert _snapshot(out) == before


@pytest.mark.slow
def test_two_real_runs_at_once_never_mix_their_outputs(runs):
    """Two processes started together into one folder: one wins or they run one after the other;
    the folder is always one whole generation."""
    case, out, _ = runs
    script = PRELUDE + f"""
    sys.argv = ["verify", "run", {str(case)!r}, "-o", {str(out)!r}]
    from verify.cli import main
    main()
    """
    env = {**os.environ, "NO_COLOR": "1"}
    procs = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env, cwd=case.parent) for _ in range(2)]
    outcomes = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close(), p.stderr.close()
    assert sorted(code for code, _ in outcomes)[0] == 0
    for code, stderr in outcomes:
        assert code == 0 or (code == 2 and "another run is writing here" in stderr), stderr
    _assert_one_generation(out)
    assert _beside(out) == []


# ------------------------------------------------------------------ what may not be an output folder


def _never_read_inputs(monkeypatch) -> None:
    """Checks of the output path come before any input is read."""
    import verify.pipeline

    monkeypatch.setattr(verify.pipeline, "_intake", _raise(AssertionError("inputs were read")))


@pytest.mark.parametrize("where", [".", "..", "case", "case/..", "a-file", "foreign", "mixed"])
def test_output_folders_that_a_run_must_not_replace(tmp_path, monkeypatch, where):
    case = make_case(tmp_path / "case", {"m.csv": long_csv(*CLEAN_ROWS)})
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.txt").write_text("mine", encoding="utf-8")
    (tmp_path / "mixed").mkdir()
    (tmp_path / "mixed" / MANIFEST).write_text(json.dumps({"schema": "verify.outputs/1", "files": []}), encoding="utf-8")
    (tmp_path / "mixed" / "notes.txt").write_text("mine", encoding="utf-8")
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    _never_read_inputs(monkeypatch)
    monkeypatch.chdir(tmp_path)
    result = cli("run", "case", "-o", where)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "error:" in result.stderr
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before
    assert not any(p.name.endswith(SIBLINGS) for p in tmp_path.iterdir())


def test_output_paths_that_are_case_inputs_are_refused(tmp_path, monkeypatch):
    case = make_case(tmp_path / "case", {"m.csv": long_csv(*CLEAN_ROWS)})
    data = case / "data" / "m.csv"
    before = data.read_bytes(), (case / "case.toml").read_bytes()
    _never_read_inputs(monkeypatch)
    inputs = "one of the case's inputs"
    for args, needle in ((("normalize", case, "-o", data), inputs), (("check", case, "--ledger", data), inputs),
                         (("analyze", case, "-o", case / "case.toml"), inputs),
                         (("analyze", case, "-o", case / "data" / ".." / "data" / "m.csv", "--force"), inputs),
                         (("report", case, "-o", case / "case.toml"), "must end in .pdf or .html")):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert needle in result.stderr, result.stderr
    assert (data.read_bytes(), (case / "case.toml").read_bytes()) == before


def test_writing_inside_the_case_folder_warns_and_expected_is_allowed(tmp_path):
    case = make_case(tmp_path / "case", {"m.csv": long_csv(*CLEAN_ROWS)})
    result = cli("analyze", case, "-o", case / "expected" / "results.json")
    assert result.exit_code == 0, result.output
    assert "warning:" in result.stderr and "expected/ folder" in result.stderr
    result = cli("normalize", case, "-o", case / "normalized.csv")
    assert result.exit_code == 0 and "inside the case folder" in result.stderr
    assert cli("replicate", case).exit_code == 0


def test_single_files_into_a_run_folder_need_force_and_mark_the_manifest_stale(runs):
    case, out, before = runs
    for args in (("analyze", case, "-o", out / "results.json"), ("normalize", case, "-o", out / "extra.csv"),
                 ("check", case, "--ledger", out / "ledger.csv")):
        result = cli(*args)
        assert result.exit_code == 2 and "--force" in result.stderr, result.output
    assert _snapshot(out) == before
    result = cli("analyze", case, "-o", out / "results.json", "--force")
    assert result.exit_code == 0, result.output
    assert "stale" in result.stderr
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["stale"]["writes"] == [{"file": "results.json", "command": "verify analyze plant-a -o OUT/results.json --force"}]
    # the run's record still lists what the run wrote, so the overwritten file is visibly not the run's
    listed = {f["name"]: f["sha256"] for f in manifest["files"]}
    assert listed["results.json"] == before["results.json"] != _snapshot(out)["results.json"]
    # the next run may replace the folder (every file is accounted for) and clears the mark
    assert cli("run", case, "-o", out).exit_code == 0
    assert _assert_one_generation(out)["stale"] is None


def test_a_killed_single_file_writers_part_files_are_removed_by_the_next_writer(tmp_path):
    case = make_case(tmp_path / "case", {"m.csv": long_csv(*CLEAN_ROWS)})
    stale = tmp_path / ".results.part-k1ll3d.json"
    stale.write_text("{", encoding="utf-8")
    other = tmp_path / ".summary.part-k1ll3d.json"  # another file's: not touched
    other.write_text("{", encoding="utf-8")
    assert cli("analyze", case, "-o", tmp_path / "results.json").exit_code == 0
    assert not stale.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".summary.part-k1ll3d.json", "case", "results.json"]


# ------------------------------------------------------------------ operating-system errors


def test_an_output_under_a_file_is_a_user_error_before_reading(tmp_path, monkeypatch):
    case = make_case(tmp_path / "case", {"m.csv": long_csv(*CLEAN_ROWS)})
    (tmp_path / "f").write_text("x", encoding="utf-8")
    _never_read_inputs(monkeypatch)
    for args in (("run", case, "-o", tmp_path / "f" / "out"), ("analyze", case, "-o", tmp_path / "f" / "r.json"),
                 ("analyze", case, "-o", tmp_path)):
        result = cli(*args)
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output


def test_a_folder_that_cannot_be_written_is_a_user_error_before_reading(tmp_path, monkeypatch):
    case = make_case(tmp_path / "case", {"m.csv": long_csv(*CLEAN_ROWS)})
    locked = tmp_path / "locked"
    locked.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == locked else real(p, mode, **kw))
    _never_read_inputs(monkeypatch)
    for args in (("run", case, "-o", locked / "out"), ("normalize", case, "-o", locked / "n.csv")):
        result = cli(*args)
        assert result.exit_code == 2 and "permission denied" in result.stderr, result.output
        assert "hint:" in result.stderr


@pytest.mark.parametrize("code, text", [(errno.EACCES, "permission denied"), (errno.EROFS, "read-only"),
                                        (errno.ENOSPC, "the disk is full")])
def test_os_errors_while_writing_are_exit_2_with_what_to_do(tmp_path, monkeypatch, code, text):
    case = make_case(tmp_path / "case", {"m.csv": long_csv(*CLEAN_ROWS)})
    _patch(monkeypatch, "verify.results", "write_results", _raise(OSError(code, os.strerror(code), "results.json")))
    for args in (("analyze", case, "-o", tmp_path / "r.json"), ("run", case, "-o", tmp_path / "out")):
        result = cli(*args)
        assert result.exit_code == 2, result.output
        assert text in result.stderr and "hint:" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "r.json").exists() and not (tmp_path / "out").exists()


def test_an_unreadable_input_is_exit_2_naming_it(tmp_path, monkeypatch):
    import verify.sources

    case = make_case(tmp_path / "case", {"m.csv": long_csv(*CLEAN_ROWS)})
    monkeypatch.setattr(verify.sources, "file_sha256",
                        _raise(PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(case / "data" / "m.csv"))))
    result = cli("check", case)
    assert result.exit_code == 2 and "permission denied" in result.stderr and "m.csv" in result.stderr


def test_the_lock_is_released_and_removed(tmp_path):
    lock = tmp_path / "out.lock"
    with FolderLock(lock, "out"):
        assert lock.read_text().strip() == str(os.getpid())
    assert not lock.exists()
    with FolderLock(lock, "out"):  # and can be taken again
        pass
