"""The per-case task and the job plan, in-process (no cluster): failures become records."""

from __future__ import annotations

from pathlib import Path

import pytest

from verify.batch.orchestrate import plan_jobs
from verify.batch.task import EXIT_INTERNAL, declared_case_id, fallback_key, run_case
from verify.errors import InputError


def _case(folder: Path, case_id: str | None = None, body: str | None = None) -> Path:
    folder.mkdir(parents=True)
    text = body if body is not None else f'[case]\nid = "{case_id}"\n'
    (folder / "case.toml").write_text(text, encoding="utf-8")
    return folder


def test_declared_id_and_fallback_key(tmp_path):
    assert declared_case_id(_case(tmp_path / "a", "plant-a")) == "plant-a"
    assert declared_case_id(_case(tmp_path / "b", body='[case]\nid = "  plant-b "\n')) == "plant-b"
    assert declared_case_id(_case(tmp_path / "c", body="[case\n")) is None
    assert declared_case_id(_case(tmp_path / "d", "../../etc")) is None
    assert fallback_key(Path("/x/My Plant_2")) == "_my-plant-2"


def test_duplicate_ids_both_fail_before_running(tmp_path):
    a = _case(tmp_path / "a", "same")
    b = _case(tmp_path / "b", "same")
    c = _case(tmp_path / "c", "other")
    bad = _case(tmp_path / "other", body="not toml [")
    jobs = plan_jobs([a, b, c, bad], tmp_path / "out")
    by_dir = {j.case_dir: j for j in jobs}
    error = str(by_dir[a].error)  # a message (verify.i18n); str() is its English text
    assert "also declared by" in error and str(b) in error
    assert by_dir[b].error and by_dir[c].error is None and by_dir[bad].error is None
    assert by_dir[c].outdir == (tmp_path / "out").absolute() / "cases" / "other"
    assert by_dir[bad].key == "_other"  # never collides with the valid id "other"
    assert len({j.key for j in jobs}) == 4


def test_outdir_overlapping_a_case_folder_is_refused(tmp_path):
    a = _case(tmp_path / "cases" / "plant-a", "plant-a")
    with pytest.raises(InputError, match="overlaps"):
        plan_jobs([a], tmp_path)  # OUTDIR/cases/... would be written into the inputs
    with pytest.raises(InputError, match="overlaps"):
        plan_jobs([a], a / "out")


def test_internal_error_is_exit_3_with_traceback_file(tmp_path, monkeypatch):
    from verify import pipeline

    def boom(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(pipeline, "run", boom)
    out = tmp_path / "out" / "cases" / "x"
    out.mkdir(parents=True)
    (out / "results.json").write_text("{}", encoding="utf-8")  # from an earlier batch: left as it was
    record = run_case(str(_case(tmp_path / "x", "x")), str(out), "x")
    assert (record.exit_status, record.error) == (EXIT_INTERNAL, "ZeroDivisionError: boom")
    assert record.results_path is None  # so the programme never reads the earlier results
    assert (out / "results.json").read_text(encoding="utf-8") == "{}" and not (out / "error.txt").exists()
    assert "ZeroDivisionError" in (out.parent / "x.failed" / "error.txt").read_text(encoding="utf-8")
    assert record.peak_rss_mb and record.peak_rss_mb > 1


def test_verify_error_keeps_its_exit_code_and_message(tmp_path, monkeypatch):
    from verify import pipeline
    from verify.errors import CaseError, Location

    def bad_input(*args, **kwargs):
        raise CaseError("title: Field required", Location(file="case.toml"))

    monkeypatch.setattr(pipeline, "run", bad_input)
    record = run_case(str(_case(tmp_path / "x", "x")), str(tmp_path / "out"), "x")
    assert (record.exit_status, record.error) == (2, "case.toml: title: Field required")


def test_success_without_results_json_is_not_a_success(tmp_path, monkeypatch):
    from verify import pipeline

    monkeypatch.setattr(pipeline, "run", lambda *a, **k: {})
    record = run_case(str(_case(tmp_path / "x", "x")), str(tmp_path / "out"), "x")
    assert record.exit_status == EXIT_INTERNAL and "without writing results.json" in record.error


def test_success_points_at_results_json(tmp_path, monkeypatch):
    from verify import pipeline

    def fake_run(case_dir, outdir, langs, allow_rejected):
        assert (langs, allow_rejected) == (("ja",), True)
        outdir.mkdir(parents=True, exist_ok=True)
        (outdir / "results.json").write_text("{}", encoding="utf-8")
        return {}

    monkeypatch.setattr(pipeline, "run", fake_run)
    record = run_case(str(_case(tmp_path / "x", "x")), str(tmp_path / "out"), "x", ("ja",), True)
    assert record.ok and record.results_path == str(tmp_path / "out" / "results.json")


def test_broken_case_toml_through_the_real_pipeline_is_exit_2(tmp_path):
    bad = _case(tmp_path / "bad", body='[case]\nid = "bad"\ntitle = \n')
    record = run_case(str(bad), str(tmp_path / "out"), "bad")
    assert record.exit_status == 2 and "case.toml" in record.error


def test_unreachable_scheduler_is_an_input_error(tmp_path, monkeypatch, helpers):
    from verify.batch import orchestrate

    monkeypatch.setattr(orchestrate, "CONNECT_TIMEOUT_S", 2)
    case = _case(tmp_path / "a", "plant-a")
    address = f"tcp://127.0.0.1:{helpers.free_port()}"  # nothing listens there
    with pytest.raises(InputError, match="cannot connect to the Dask scheduler"):
        orchestrate.run_batch([case], tmp_path / "out", scheduler=address)


def test_workers_must_be_positive(tmp_path):
    from verify.batch import orchestrate

    with pytest.raises(InputError, match="--workers"):
        orchestrate.run_batch([_case(tmp_path / "a", "plant-a")], tmp_path / "out", workers=0)
