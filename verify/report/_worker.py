"""Subprocess entry point for :func:`verify.report.pdf.render_pdf_isolated`.

Reads ``{"results": …, "langs": […]}`` as JSON on stdin, writes the PDF bytes to stdout. On a
:class:`~verify.errors.VerifyError` it writes the message to stderr and exits 2. Run as
``python -m verify.report._worker``; not a public interface.
"""

from __future__ import annotations

import json
import sys


def main() -> int:
    from verify.errors import VerifyError
    from verify.report.render import render_pdf

    try:
        payload = json.loads(sys.stdin.buffer.read().decode("utf-8"))
        data = render_pdf(payload["results"], tuple(payload["langs"]))
    except VerifyError as exc:
        sys.stderr.write(exc.render() + "\n")
        return 2
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
