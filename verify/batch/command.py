"""``verify batch PATH... -o OUTDIR``: what the CLI command calls (the CLI only prints).

:func:`batch_command` finds the cases, runs each one as a Dask task through
:func:`verify.pipeline.run` into ``OUTDIR/cases/<case-id>/``, and writes the programme summary
(``OUTDIR/summary.csv``, ``summary.xlsx``, ``programme.html``, ``programme.pdf``, ``batch.json``).
One bad case never stops the batch; it is listed with its exit status and error.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from verify.batch.discover import discover_cases
from verify.batch.orchestrate import run_batch
from verify.batch.programme import Programme, write_programme
from verify.batch.task import CaseRecord


@dataclass(frozen=True)
class BatchSummary:
    """The outcome of a batch: one record per case, the files written and the programme totals."""

    outdir: Path
    records: list[CaseRecord]
    programme: Programme
    seconds: float

    @property
    def failed(self) -> list[CaseRecord]:
        return self.programme.failed

    @property
    def n_ok(self) -> int:
        return len(self.programme.summaries)

    @property
    def exit_code(self) -> int:
        """0 when every case ran; otherwise the highest exit status among the failed cases
        (2: some input could not be used, 3: an internal error), as README.md#commands says."""
        return max((r.exit_status for r in self.failed), default=0)


def batch_command(paths: list[Path], outdir: Path, workers: int | None = None, scheduler: str | None = None,
                  langs: str | tuple[str, ...] = ("ja", "zh"), allow_rejected: bool = False,
                  progress: Callable[[CaseRecord, int, int], None] | None = None,
                  pdf: bool = True) -> BatchSummary:
    """Run a batch and write its programme summary; ``progress(record, done, total)`` per case.

    Raises :class:`~verify.errors.InputError` only for problems of the batch itself (no case
    found, a path that is not a folder, OUTDIR overlapping a case folder, a scheduler that cannot
    be reached); a case's own problems are in its record.
    """
    from verify.pipeline import parse_langs

    started = time.perf_counter()
    langs = parse_langs(langs) if isinstance(langs, str) else tuple(langs)
    outdir = Path(outdir).absolute()
    cases = discover_cases([Path(p) for p in paths])
    records = run_batch(cases, outdir, workers=workers, scheduler=scheduler, langs=langs,
                        allow_rejected=allow_rejected, on_done=progress)
    programme = write_programme(records, outdir, langs, pdf=pdf)
    return BatchSummary(outdir=outdir, records=records, programme=programme,
                        seconds=time.perf_counter() - started)
