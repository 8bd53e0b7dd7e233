"""The ``verify`` console script and ``python -m verify``.

:func:`main` chooses the language of the messages (``--ui``, ``VERIFY_LANG``, the locale variables:
:mod:`verify.uilang`) before it imports :mod:`verify.cli`, whose ``--help`` texts are fixed when
Typer builds the commands.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    """Console-script entry point."""
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="replace")  # cp936/cp932 consoles never crash (rich#3388)
        except (AttributeError, ValueError):
            pass
    from verify import uilang

    uilang.use(uilang.choose(uilang.ui_from_argv(sys.argv[1:])))
    from verify.cli import run_app

    run_app()


if __name__ == "__main__":
    main()
