"""The per-case task that a Dask worker runs, and its small picklable record.

:func:`run_case` calls exactly :func:`verify.pipeline.run`, the code path of ``verify run``, and
never lets an exception escape: a :class:`~verify.errors.VerifyError` becomes its ``exit_code``
and rendered message, anything else exit 3 (an internal error, as in the CLI) with
``TypeName: message``; for an internal error the traceback is also written to ``error.txt`` in
``<case output folder>.failed/`` beside the case's output folder (which keeps its last complete run). The record says where ``results.json`` is; the programme summary reads that
file alone (it never trusts anything else the worker returns).
"""

from __future__ import annotations

import os
import re
import resource
import socket
import sys
import tempfile
import time
import tomllib
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

from verify.case import CASE_FILE, CASE_ID_PATTERN
from verify.i18n import N_

EXIT_OK = 0
EXIT_INPUT = 2  # README.md#commands: the input cannot be used
EXIT_INTERNAL = 3  # README.md#commands: an internal error (a bug)


@dataclass(frozen=True)
class CaseRecord:
    """What one case's task reports back (picklable, a few hundred bytes).

    ``exit_status`` follows README.md#commands (0 done, 2 input cannot be used, 3 internal
    error); ``peak_rss_mb`` is the peak resident set size of the worker *process* so far
    (``getrusage(RUSAGE_SELF).ru_maxrss``), not of this task alone.
    """

    case_dir: str
    case_id: str
    outdir: str
    exit_status: int
    error: str | None
    results_path: str | None
    seconds: float
    peak_rss_mb: float | None
    worker: str
    #: the error as a message (verify.i18n), for the console in the user's language; not written to
    #: batch.json (``error`` holds its English text)
    message: object = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.exit_status == EXIT_OK

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("message")
        return data


def declared_case_id(case_dir: Path) -> str | None:
    """The ``[case] id`` of a case.toml if it is readable and well formed, else None.

    Only used to name the output folder before the task runs; validation proper is
    :func:`verify.case.load_case`, inside :func:`verify.pipeline.run`.
    """
    try:
        with (case_dir / CASE_FILE).open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    value = data.get("case", {}).get("id") if isinstance(data.get("case"), dict) else None
    if isinstance(value, str):
        value = value.strip()  # as the pydantic model does (str_strip_whitespace)
        if len(value) <= 80 and re.fullmatch(CASE_ID_PATTERN, value):
            return value
    return None


def fallback_key(case_dir: Path) -> str:
    """Output-folder name for a case whose id cannot be read: ``_`` + the folder name made safe.

    The leading underscore can never occur in a valid case id, so it never collides with one.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", case_dir.name.lower()).strip("-") or "case"
    return "_" + slug[:60]


def peak_rss_mb() -> float | None:
    """Peak RSS of this process in MiB (Linux reports KiB, macOS bytes)."""
    try:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    except (OSError, ValueError):
        return None
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _ensure_mplconfigdir() -> None:
    """Give each worker process its own matplotlib cache dir unless one is set (docs/platform.md#cjk-fonts)."""
    if not os.environ.get("MPLCONFIGDIR"):
        os.environ["MPLCONFIGDIR"] = tempfile.mkdtemp(prefix="verify-mpl-")


def run_case(case_dir: str, outdir: str, case_id: str, langs: tuple[str, ...] = ("ja", "zh"),
             allow_rejected: bool = False) -> CaseRecord:
    """Run one case through :func:`verify.pipeline.run` into ``outdir``; never raises.

    Paths are strings (absolute), so the record and the arguments pickle to any worker.
    """
    from verify import pipeline
    from verify.errors import VerifyError

    _ensure_mplconfigdir()
    started = time.perf_counter()
    out = Path(outdir)
    error: str | None = None
    message = None
    status = EXIT_OK
    try:
        # one generation (verify.outputs): a case that fails leaves its folder as the last complete run
        # left it; the record then has no results_path, so the programme never reads those results
        pipeline.run(Path(case_dir), out, langs=tuple(langs), allow_rejected=allow_rejected)
    except VerifyError as exc:
        status, error, message = exc.exit_code, exc.render(), exc.text()
    except Exception as exc:  # noqa: BLE001 - one bad case never stops the batch
        status, error = EXIT_INTERNAL, f"{type(exc).__name__}: {exc}"
        failed = out.with_name(out.name + ".failed")  # beside the outputs, never among them
        try:
            failed.mkdir(parents=True, exist_ok=True)
            (failed / "error.txt").write_text(traceback.format_exc(), encoding="utf-8")
        except OSError:
            pass
    results = out / "results.json"
    if status == EXIT_OK and not results.is_file():
        message = N_("the pipeline finished without writing results.json")
        status, error = EXIT_INTERNAL, str(message)
    return CaseRecord(
        case_dir=str(case_dir), case_id=case_id, outdir=str(out), exit_status=int(status),
        error=error, results_path=str(results) if status == EXIT_OK and results.is_file() else None,
        seconds=round(time.perf_counter() - started, 3), peak_rss_mb=peak_rss_mb(),
        worker=f"{socket.gethostname()}:{os.getpid()}", message=message,
    )
