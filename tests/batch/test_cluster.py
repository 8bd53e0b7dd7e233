"""Batches on Dask: a LocalCluster created by the batch, and a real `dask scheduler` + `dask worker`
started here as separate processes on 127.0.0.1.

One bad case never stops the batch: it is listed with its exit status and error, the others finish.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from verify.batch.command import batch_command

DASK = Path(sys.executable).with_name("dask")


def _check_ran_like_verify_run(folder: Path, case_dir: Path) -> None:
    """The case's outputs are those of `verify run` (pipeline.run), and results.json says so."""
    for name in ("results.json", "report.pdf", "report.html", "summary.xlsx", "ledger.csv", "normalized.csv", "outputs.json"):
        assert (folder / name).is_file(), name
    results = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    assert results["reproduce"]["command"] == f"verify run {case_dir.name} -o OUT"
    assert json.loads((folder / "outputs.json").read_text(encoding="utf-8"))["command"] == f"verify run {case_dir.name} -o OUT"


@pytest.mark.slow
def test_local_cluster_bad_cases_listed_others_complete(tmp_path, helpers):
    """Broken, unreadable and duplicate-id cases are listed with exit status and error; two real
    cases complete through pipeline.run on the workers of a LocalCluster made by the batch."""
    inp = tmp_path / "in"
    helpers.make_broken_case(inp / "zz-broken")
    for name in ("twin-1", "twin-2"):  # two folders declaring the same id: both refused up front
        (inp / name).mkdir(parents=True)
        (inp / name / "case.toml").write_text('[case]\nid = "twin"\n', encoding="utf-8")
    (inp / "garbage").mkdir()
    (inp / "garbage" / "case.toml").write_bytes(b"\xff\xfe\x00not toml")
    good = {"mini-1": helpers.make_mini_case(inp / "mini-1", "mini-1").resolve(),
            "mini-2": helpers.make_mini_case(inp / "sub" / "mini-2", "mini-2").resolve()}
    seen = []
    summary = batch_command([inp], tmp_path / "out", workers=2, langs="ja",
                            progress=lambda rec, done, total: seen.append((rec.case_id, done, total)))
    assert [d for _, d, _ in seen] == [1, 2, 3, 4, 5, 6] and {t for _, _, t in seen} == {6}
    by_id = {r.case_id: r for r in summary.records}
    assert set(by_id) == {"_zz-broken", "_twin-1", "_twin-2", "_garbage", "mini-1", "mini-2"}
    for case_id, case_dir in good.items():
        assert by_id[case_id].ok, by_id[case_id].error
        _check_ran_like_verify_run(tmp_path / "out" / "cases" / case_id, case_dir)
    assert by_id["_zz-broken"].exit_status == 2 and "case.toml" in by_id["_zz-broken"].error
    assert by_id["_garbage"].exit_status == 2
    assert ["also declared by" in by_id[k].error for k in ("_twin-1", "_twin-2")] == [True, True]
    assert summary.exit_code == 2 and summary.n_ok == 2
    totals = summary.programme.totals
    assert (totals.cases, totals.cases_ok, totals.cases_failed) == (6, 2, 4)
    assert totals.verdict_counts["verified"] == sum(
        c["verdict"] == "verified" for k in good
        for c in json.loads((tmp_path / "out" / "cases" / k / "results.json").read_text(encoding="utf-8"))["claims"])
    for name in ("summary.csv", "summary.xlsx", "programme.html", "programme.pdf", "batch.json"):
        assert (tmp_path / "out" / name).is_file(), name


def _stop(proc: subprocess.Popen) -> None:
    """Terminate a process group we started; bounded waits, then kill."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=15)


@pytest.mark.slow
def test_external_scheduler_and_worker_on_loopback(tmp_path, helpers):
    if not DASK.exists():
        pytest.skip(f"no dask command next to {sys.executable}")
    from distributed import Client

    port = helpers.free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path / "logs"
    logs.mkdir()
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "mpl")}
    procs = []
    try:
        procs.append(subprocess.Popen(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=subprocess.DEVNULL, stderr=(logs / "scheduler.log").open("wb"), cwd=tmp_path, env=env,
            start_new_session=True))
        procs.append(subprocess.Popen(
            [str(DASK), "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
             "--local-directory", str(tmp_path / "dask-worker")],
            stdout=subprocess.DEVNULL, stderr=(logs / "worker.log").open("wb"), cwd=tmp_path, env=env,
            start_new_session=True))
        deadline = time.monotonic() + 60
        client = None
        while client is None:  # the scheduler needs a moment to listen
            try:
                client = Client(address, timeout=5)
            except OSError:
                if time.monotonic() > deadline or procs[0].poll() is not None:
                    raise AssertionError((logs / "scheduler.log").read_text(errors="replace")[-2000:])
                time.sleep(0.5)
        try:
            client.wait_for_workers(1, timeout=60)
        finally:
            client.close()

        inp = tmp_path / "in"
        helpers.make_broken_case(inp / "broken")
        helpers.make_mini_case(inp / "plant-x", "plant-x")
        summary = batch_command([inp], tmp_path / "out", scheduler=address, langs="ja", pdf=False)
        by_id = {r.case_id: r for r in summary.records}
        assert by_id["_broken"].exit_status in (2, 3) and by_id["_broken"].error
        # the task ran in the external worker process, not here
        assert by_id["_broken"].worker and not by_id["_broken"].worker.endswith(f":{os.getpid()}")
        assert by_id["plant-x"].ok, by_id["plant-x"].error
        _check_ran_like_verify_run(tmp_path / "out" / "cases" / "plant-x", (inp / "plant-x").resolve())
        assert summary.programme.totals.cases_ok == 1 and summary.exit_code == 2
        assert (tmp_path / "out" / "summary.csv").is_file()
    finally:
        for proc in reversed(procs):
            _stop(proc)
    assert all(proc.poll() is not None for proc in procs)
