"""Run many cases on Dask distributed: one task per case, failures isolated, progress by callback.

By default a :class:`distributed.LocalCluster` is created and closed here
(``n_workers=workers or 2, threads_per_worker=1, processes=True``: one process per case at a
time, so the GIL, matplotlib and WeasyPrint never share a process between two running cases).
With ``scheduler="tcp://HOST:PORT"`` the batch is submitted to an existing cluster; its workers
must see the case folders and OUTDIR at the same absolute paths (a shared filesystem,
docs/scale.md). Nothing is printed: progress goes to the ``on_done`` callback.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from verify.batch.task import (EXIT_INPUT, EXIT_INTERNAL, CaseRecord, declared_case_id,
                               fallback_key, run_case)
from verify.errors import InputError, Location
from verify.i18n import N_, Msg

ProgressCallback = Callable[[CaseRecord, int, int], None]
CONNECT_TIMEOUT_S = 30


@dataclass(frozen=True)
class CaseJob:
    """One discovered case: where it is, the name of its output folder, and a pre-flight error."""

    case_dir: Path
    key: str
    outdir: Path
    error: Msg | None = None


def plan_jobs(case_dirs: list[Path], outdir: Path) -> list[CaseJob]:
    """Name each case's output folder ``OUTDIR/cases/<case-id>``.

    A case whose id cannot be read gets ``_<folder-name>`` (it still runs, so that ``load_case``
    reports what is wrong). Two folders declaring the same id both fail with exit 2 before
    running: which of them the programme means is for a person to decide, not for sort order.
    Raises :class:`InputError` if OUTDIR/cases would overlap a case folder (outputs must never be
    written into, or over, the inputs).
    """
    root = Path(outdir).absolute() / "cases"
    for case_dir in case_dirs:
        real_root = root.resolve()
        if case_dir == real_root or real_root in case_dir.parents or case_dir in real_root.parents:
            raise InputError(N_("the output folder overlaps the case folder {folder}", folder=str(case_dir)),
                             Location(file=str(outdir)), hint=N_("choose an -o OUTDIR outside the case folders"))
    declared = {d: declared_case_id(d) for d in case_dirs}
    counts = Counter(v for v in declared.values() if v is not None)
    used: set[str] = set()
    jobs = []
    for case_dir in case_dirs:
        case_id = declared[case_dir]
        error = None
        if case_id is None:
            base = fallback_key(case_dir)
        elif counts[case_id] > 1:
            others = [str(d) for d, v in declared.items() if v == case_id and d != case_dir]
            error = N_("case id {id!r} is also declared by {others}; case ids must be unique in a batch", id=case_id,
                       others=", ".join(others))
            base = fallback_key(case_dir)
        else:
            base = case_id
        key, n = base, 1
        while key in used:
            n += 1
            key = f"{base}-{n}"
        used.add(key)
        jobs.append(CaseJob(case_dir=case_dir, key=key, outdir=root / key, error=error))
    return jobs


def _failed_record(job: CaseJob, status: int, error: Msg) -> CaseRecord:
    return CaseRecord(case_dir=str(job.case_dir), case_id=job.key, outdir=str(job.outdir),
                      exit_status=status, error=str(error), results_path=None, seconds=0.0,
                      peak_rss_mb=None, worker="", message=error)


def _connect(workers: int | None, scheduler: str | None):
    """A (client, cluster-or-None) pair; the caller closes both."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout=CONNECT_TIMEOUT_S), None
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(N_("cannot connect to the Dask scheduler {scheduler!r}: {error}", scheduler=scheduler,
                                error=str(exc)),
                             hint=N_("start one with `dask scheduler` and `dask worker` (docs/scale.md)")) from None
    n = 2 if workers is None else int(workers)
    if n < 1:
        raise InputError(N_("--workers must be 1 or more (got {n})", n=workers))
    cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.ERROR)
    try:
        return Client(cluster), cluster
    except BaseException:
        cluster.close()
        raise


def run_batch(case_dirs: list[Path], outdir: Path, *, workers: int | None = None,
              scheduler: str | None = None, langs: tuple[str, ...] = ("ja", "zh"),
              allow_rejected: bool = False, on_done: ProgressCallback | None = None) -> list[CaseRecord]:
    """Run every case as one Dask task; return one record per case in ``case_dirs`` order.

    ``on_done(record, done, total)`` is called as each case finishes (from
    :func:`distributed.as_completed`). A task that dies with its worker (``KilledWorker``) or
    cannot be deserialised is recorded as exit 3 with the reason; it never stops the batch.
    """
    from distributed import as_completed

    outdir = Path(outdir).absolute()
    jobs = plan_jobs([Path(d).absolute() for d in case_dirs], outdir)
    total = len(jobs)
    records: dict[str, CaseRecord] = {}
    done = 0

    def finish(job: CaseJob, record: CaseRecord) -> None:
        nonlocal done
        done += 1
        records[job.key] = record
        if on_done is not None:
            on_done(record, done, total)

    for job in jobs:
        if job.error is not None:
            finish(job, _failed_record(job, EXIT_INPUT, job.error))
    runnable = [job for job in jobs if job.error is None]
    if runnable:
        client, cluster = _connect(workers, scheduler)
        try:
            token = uuid.uuid4().hex[:8]
            futures = {}
            for job in runnable:
                future = client.submit(run_case, str(job.case_dir), str(job.outdir), job.key,
                                       tuple(langs), bool(allow_rejected),
                                       key=f"verify-case-{job.key}-{token}", pure=False)
                futures[future] = job
            for future in as_completed(list(futures)):
                job = futures[future]
                try:
                    record = future.result()
                except Exception as exc:  # noqa: BLE001 - KilledWorker, CancelledError, ...
                    record = _failed_record(job, EXIT_INTERNAL, N_("the Dask task failed: {kind}: {error}",
                                                                   kind=type(exc).__name__, error=str(exc)))
                finish(job, record)
                future.release()
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    return [records[job.key] for job in jobs]
