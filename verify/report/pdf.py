"""HTML → PDF with WeasyPrint 70, offline and reproducible.

- :class:`DenyAllFetcher` replaces WeasyPrint's ``URLFetcher`` (70.0 API, ``weasyprint/urls.py``):
  it serves ``data:`` URLs and the bundled stylesheet only and refuses everything else (http(s),
  ``file:`` outside the allow-list, cloud metadata addresses, redirects). It counts every call, so
  tests can assert that nothing was fetched (docs/platform.md#weasyprint).
- No ``presentational_hints`` (CVE-2026-49452), no attachments, no XMP from outside.
- The PDF creation/modification date comes from ``SOURCE_DATE_EPOCH`` when set
  (reproducible-builds.org spec), else from the results (``verification.issued``), else the Unix
  epoch: never the wall clock.
- :func:`check_cjk_fonts` stops with :class:`~verify.errors.RenderError` when fontconfig has no
  Noto Sans CJK face for ja or zh, because WeasyPrint would silently draw tofu (docs/platform.md#cjk-fonts).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import datetime, timezone
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote_to_bytes

from verify.errors import RenderError
from verify.i18n import N_
from verify.gcpause import gc_paused
from verify.resources import templates_dir

FONT_FIX = N_("install the fonts: {command}", command="apt-get update && apt-get install -y --no-install-recommends "
                                                        "fonts-noto-cjk libharfbuzz-subset0 fontconfig")


def load_weasyprint():
    """The weasyprint module, imported once the text language is pinned (the halves' child imports it
    before forking, :mod:`verify.report.halves`)."""
    from verify.report.fonts import pin_text_language

    pin_text_language()  # before fontconfig and Pango first run: the same faces under any locale
    import weasyprint  # imported lazily: 0.5 s, and only the PDF path needs it

    return weasyprint


def _make_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class DenyAllFetcher(URLFetcher):
        """Serve ``data:`` URLs and the exact bundled asset files; refuse everything else."""

        def __init__(self, allowed_files: tuple[Path, ...] = ()):
            super().__init__(allowed_protocols=("data", "file"), allow_redirects=False,
                             fail_on_errors=False)
            self.allowed = {p.resolve().as_uri(): p.resolve() for p in allowed_files}
            self.calls: list[str] = []
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            self.calls.append(url)
            if url.startswith("data:"):
                return _data_response(url, URLFetcherResponse)
            path = self.allowed.get(url.split("?")[0].split("#")[0])
            if path is not None:
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": "text/css"})
            self.refused.append(url)
            raise ValueError(f"refused by the report's deny-all URL fetcher: {url[:80]}")

    return DenyAllFetcher


def _data_response(url: str, response_cls):
    """Decode an RFC 2397 ``data:`` URL without any network or file access."""
    header, _, payload = url[5:].partition(",")
    parts = header.split(";")
    mime = parts[0] or "text/plain"
    if "base64" in parts[1:]:
        import base64

        body = base64.b64decode(unquote_to_bytes(payload))
    else:
        body = unquote_to_bytes(payload)
    headers = EmailMessage()
    headers["Content-Type"] = mime
    return response_cls(url, body, headers)


def make_fetcher():
    """A fresh deny-all fetcher allowing the bundled ``templates/report.css`` (counts its calls)."""
    return _make_fetcher_class()(allowed_files=(templates_dir() / "report.css",))


def pdf_date(results: dict, env: dict | None = None) -> str:
    """The W3C date written into the PDF metadata: SOURCE_DATE_EPOCH, else the issue date, else 1970."""
    env = os.environ if env is None else env
    epoch = env.get("SOURCE_DATE_EPOCH")
    if epoch not in (None, ""):
        try:
            moment = datetime.fromtimestamp(int(epoch), tz=timezone.utc)
        except (ValueError, OverflowError, OSError) as exc:
            raise RenderError(N_("SOURCE_DATE_EPOCH is not a Unix time: {value!r}", value=epoch)) from exc
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    issued = ((results.get("verification") or {}).get("issued")) or ""
    if len(issued) >= 10 and issued[4] == "-" and issued[7] == "-":
        return f"{issued[:10]}T00:00:00Z"
    return "1970-01-01T00:00:00Z"


def check_cjk_fonts() -> None:
    """Raise RenderError unless fontconfig lists Noto Sans CJK for both ``:lang=ja`` and ``:lang=zh``."""
    if shutil.which("fc-list") is None:
        raise RenderError(N_("fontconfig (fc-list) is not installed; CJK text would not render"), hint=FONT_FIX)
    for lang in ("ja", "zh"):
        try:
            out = subprocess.run(["fc-list", f":lang={lang}", "family"], capture_output=True,
                                 text=True, timeout=30, check=False).stdout
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RenderError(N_("fc-list failed: {error}", error=str(exc)), hint=FONT_FIX) from exc
        if "Noto Sans CJK" not in out:
            raise RenderError(N_("no Noto Sans CJK font for {lang} is installed; the PDF would show empty boxes "
                                 "instead of characters", lang=lang), hint=FONT_FIX)


def html_to_pdf(html: str, results: dict, fetcher=None) -> bytes:
    """Render report HTML to PDF bytes with the deny-all fetcher and a reproducible date."""
    check_cjk_fonts()
    weasyprint = load_weasyprint()
    fetcher = fetcher if fetcher is not None else make_fetcher()
    with gc_paused():  # the box tree is hundreds of thousands of objects (verify.gcpause)
        document = weasyprint.HTML(string=html, base_url=templates_dir().as_uri() + "/",
                                   url_fetcher=fetcher).render(presentational_hints=False)
        date = pdf_date(results)
        document.metadata.created = date
        document.metadata.modified = date
        document.metadata.attachments = []
        return document.write_pdf(attachments=None, pdf_identifier=False, presentational_hints=False)


def _limit_memory(megabytes: int):
    def apply():  # runs in the child between fork and exec (POSIX only)
        import resource

        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def render_pdf_isolated(results: dict, langs: tuple[str, ...] = ("ja", "zh"), *,
                        timeout: float = 600, memory_mb: int = 4096) -> bytes:
    """Render the PDF in a child process with a wall-clock timeout and an address-space limit
    (docs/platform.md#weasyprint: long renderings, memory kept). Raises RenderError on
    timeout, on a render error in the child, or when the child dies.

    The child renders the language halves side by side as :func:`verify.report.render.render_pdf`
    does: the half it forks inherits the same address-space limit (per process), and the child
    runs in its own process group, so a timeout stops the forked half too."""
    payload = json.dumps({"results": results, "langs": list(langs)}, ensure_ascii=False,
                         allow_nan=False).encode("utf-8")
    posix = os.name == "posix"
    proc = subprocess.Popen([sys.executable, "-m", "verify.report._worker"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=_limit_memory(memory_mb) if posix else None, start_new_session=posix)
    try:
        stdout, stderr = proc.communicate(payload, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        _kill_group(proc, posix)
        raise RenderError(N_("PDF rendering did not finish within {seconds:g} s and was stopped", seconds=timeout)) from exc
    except BaseException:
        _kill_group(proc, posix)
        raise
    if proc.returncode != 0 or not stdout.startswith(b"%PDF"):
        tail = stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise RenderError(N_("PDF rendering failed in the child process (exit {status}): {error}",
                             status=proc.returncode, error=" | ".join(tail)))
    return stdout


def _kill_group(proc: subprocess.Popen, posix: bool) -> None:
    """Stop the child and, on POSIX, every process of its group (the half it forked)."""
    with contextlib.suppress(ProcessLookupError):  # already gone
        if posix:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    proc.communicate()
