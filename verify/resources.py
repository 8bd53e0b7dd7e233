"""Where the package's bundled files are: the one place that names the templates folder.

The report templates and ``report.css`` live in the repository's top-level ``templates/`` folder,
which ``pyproject.toml`` ships as the package ``verify.templates`` (``[tool.setuptools.package-dir]``).
They are found through :mod:`importlib.resources`, so an editable install, a wheel and ``pip install
.`` all find them; a path relative to this file would work only inside the repository.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from verify.errors import RenderError

_TEMPLATES_PACKAGE = "verify.templates"
REPORT_TEMPLATE = "report.html.j2"


def templates_dir() -> Path:
    """The folder holding ``report.html.j2``, ``programme.html.j2`` and ``report.css``.

    Raises RenderError when the installation lacks them (a build that left the package data out).
    """
    try:
        folder = Path(str(resources.files(_TEMPLATES_PACKAGE)))
    except (ModuleNotFoundError, TypeError) as exc:
        raise RenderError("the report templates are not installed (package verify.templates is "
                          "missing)", hint="reinstall verify from a wheel or with `pip install .`") from exc
    if not (folder / REPORT_TEMPLATE).is_file():
        raise RenderError(f"report templates not found in {folder}",
                          hint="reinstall verify from a wheel or with `pip install .`")
    return folder
