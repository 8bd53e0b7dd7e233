"""Find case folders: every folder under the given paths that holds a ``case.toml``.

Rules (docs/scale.md):
- Sorted and de-duplicated by real path, so the same batch always lists the cases in the same order.
- Symbolic links are never followed out of the given roots: directories are walked without following
  links (``os.walk(followlinks=False)``), and a ``case.toml`` that is itself a link pointing outside
  every root is ignored. A folder reached only through a link inside a root is found at its real path.
- Hidden folders (``.git``, ``.venv``, ...) and ``__pycache__`` are not searched.
"""

from __future__ import annotations

import os
from pathlib import Path

from verify.case import CASE_FILE
from verify.errors import InputError, Location
from verify.i18n import N_

SKIP_DIRS = {"__pycache__", "node_modules"}


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def discover_cases(paths: list[Path] | tuple[Path, ...]) -> list[Path]:
    """Return the real paths of all case folders under ``paths``, sorted and without duplicates.

    A path may itself be a case folder (or its ``case.toml``). Raises :class:`InputError` when a path
    does not exist or when no case folder is found at all.
    """
    if not paths:
        raise InputError(N_("give at least one folder to search for cases"))
    roots: list[Path] = []
    for given in paths:
        path = Path(given)
        if path.is_file() and path.name == CASE_FILE:
            path = path.parent
        if not path.is_dir():
            raise InputError(N_("not a folder"), Location(file=str(given)),
                             hint=N_("give case folders or folders that contain case folders"))
        roots.append(path.resolve())
    found: set[Path] = set()
    for root in roots:
        for current, dirs, files in os.walk(root, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in SKIP_DIRS)
            if CASE_FILE not in files:
                continue
            folder = Path(current)
            toml = folder / CASE_FILE
            if toml.is_symlink() and not any(_inside(toml.resolve(), r) for r in roots):
                continue  # a link pointing out of the given roots is never followed
            if not toml.is_file():
                continue  # dangling link
            found.add(folder.resolve())
    if not found:
        raise InputError(N_("no {file} found under {paths}", file=CASE_FILE, paths=", ".join(str(p) for p in paths)),
                         hint=N_("a case folder holds case.toml and data/ (docs/case-format.md)"))
    return sorted(found, key=lambda p: p.as_posix())
