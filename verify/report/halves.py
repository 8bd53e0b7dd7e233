"""The PDF as one document per language half, the halves rendered side by side where the platform
forks, then joined (:mod:`verify.report.merge`).

Each half (its figures, its HTML and its WeasyPrint layout and PDF) depends on the results and its
language only, so the halves are independent work: on Linux the first half is rendered in this
process while each further half is rendered in a child forked after the libraries are imported
(the child shares them; nothing is imported twice). Elsewhere (Windows has no fork; on macOS a fork
after system frameworks are loaded is unsafe), on one CPU, or with ``parallel=False``, the halves
are rendered one after the other by the same function, so the bytes are the same either way.

Because each half is its own document, its pages are numbered on their own ("3 / 20" within the
Japanese version) and its contents list refers to those numbers; see
:mod:`verify.report.render`. Measured: docs/performance.md (e).

A child is a fork, not a new interpreter: it inherits the process's limits (the address-space
limit of :func:`verify.report.pdf.render_pdf_isolated` applies to it as to its parent), its
output travels back through a pipe, and an error in it is raised again here with its type
(a :class:`~verify.errors.VerifyError` with its message and hint, Ctrl-C as KeyboardInterrupt).
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from dataclasses import dataclass

from verify.errors import RenderError, VerifyError
from verify.i18n import N_
from verify.report.i18n import parse_langs


@dataclass(frozen=True)
class Half:
    """One language half: its HTML body (report.html joins them), its PDF, and what its fetcher
    served and refused (kept only when asked, for tests)."""

    lang: str
    body: str
    pdf: bytes
    fetched: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()


def render_half(results: dict, lang: str, langs: tuple[str, ...], log_fetches: bool = False) -> Half:
    """Figures, HTML and PDF of one language half, as its own document."""
    from verify.report import pdf
    from verify.report.render import render_body, render_document

    body = render_body(results, lang, langs)
    html = render_document(results, [body], lang)
    if not log_fetches:
        return Half(lang, str(body), pdf.html_to_pdf(html, results))
    fetcher = pdf.make_fetcher()
    data = pdf.html_to_pdf(html, results, fetcher=fetcher)
    return Half(lang, str(body), data, tuple(fetcher.calls), tuple(fetcher.refused))


def can_fork() -> bool:
    """Render halves in parallel here: Linux (fork after imports is safe there) with 2+ CPUs."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    return len(os.sched_getaffinity(0)) > 1


def render_halves(results: dict, langs: tuple[str, ...] = ("ja", "zh"), *, parallel: bool | None = None,
                  log_fetches: bool = False) -> list[Half]:
    """Every language half, in the order of ``langs``; in parallel when ``parallel`` (default:
    :func:`can_fork`) and there is more than one half."""
    langs = parse_langs(langs)
    if parallel is None:
        parallel = can_fork()
    if not parallel or len(langs) == 1:
        return [render_half(results, lang, langs, log_fetches) for lang in langs]
    _import_renderers()
    children = [_Child(render_half, results, lang, langs, log_fetches) for lang in langs[1:]]
    try:
        first = render_half(results, langs[0], langs, log_fetches)
        return [first] + [child.result() for child in children]
    finally:
        for child in children:
            child.stop()


def merged_pdf(halves: list[Half], results: dict) -> bytes:
    """The halves' PDFs as one file (a single half as WeasyPrint wrote it)."""
    if len(halves) == 1:
        return halves[0].pdf
    from verify.report.merge import merge_pdfs

    return merge_pdfs([h.pdf for h in halves])


def _import_renderers() -> None:
    """Import WeasyPrint and matplotlib before forking, so the children share them."""
    from verify.report import charts  # noqa: F401 (matplotlib)
    from verify.report.pdf import load_weasyprint

    load_weasyprint()


class _Child:
    """``fn(*args)`` in a forked child; :meth:`result` returns its value or raises its error."""

    def __init__(self, fn, *args):
        read, write = os.pipe()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns into the caller's stack
            status = 1
            try:
                os.close(read)
                outcome = _outcome(fn, args)
                with os.fdopen(write, "wb") as pipe:
                    pipe.write(outcome)
                status = 0
            finally:
                os._exit(status)
        os.close(write)
        self.read = read

    def result(self):
        with os.fdopen(self.read, "rb") as pipe:
            data = pipe.read()
        self.read = None
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        if not data:  # killed (a negative status: the signal), e.g. by the address-space limit
            raise RenderError(N_("PDF rendering failed in the child process (exit {status}): {error}",
                                 status=os.waitstatus_to_exitcode(status),
                                 error="a language half ended without a result (out of memory?)"))
        kind, value = pickle.loads(data)
        if kind == "ok":
            return value
        if kind == "verify":
            cls, message, location, hint = value
            raise cls(message, location, hint)
        raise value

    def stop(self) -> None:
        """Kill and reap the child if :meth:`result` was not reached (the parent's half failed)."""
        if self.pid is not None:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pid = None
        if self.read is not None:
            os.close(self.read)
            self.read = None


def _outcome(fn, args) -> bytes:
    """The pickled outcome of ``fn(*args)``: ("ok", value), ("verify", its parts) or ("error", exc)."""
    try:
        return pickle.dumps(("ok", fn(*args)))
    except VerifyError as exc:
        return pickle.dumps(("verify", (type(exc), exc.message, exc.location, exc.hint)))
    except BaseException as exc:  # noqa: BLE001 (raised again in the parent: a bug stays a bug, Ctrl-C stays Ctrl-C)
        try:
            return pickle.dumps(("error", exc))
        except Exception:  # noqa: BLE001 (an exception that does not pickle)
            return pickle.dumps(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
