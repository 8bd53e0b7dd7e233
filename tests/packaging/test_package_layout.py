"""The package lists every folder it must ship, and finds its templates through the package.

A wheel carries only the packages pyproject.toml lists (the list is explicit because the top-level
``templates/`` folder ships as ``verify.templates``), so a new data folder that is not listed
would work in the repository and be missing from every install.
"""

import tomllib
from pathlib import Path

from verify.resources import templates_dir

ROOT = Path(__file__).resolve().parents[2]


def _listed_packages() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return set(project["tool"]["setuptools"]["packages"])


def _folders_with_files(top: Path, dotted: str) -> set[str]:
    found = set()
    for folder in [top, *(p for p in top.rglob("*") if p.is_dir())]:
        if folder.name == "__pycache__" or "__pycache__" in folder.parts:
            continue
        if any(f.is_file() for f in folder.iterdir()):
            rel = folder.relative_to(top).parts
            found.add(".".join((dotted, *rel)))
    return found


def test_every_folder_of_the_package_is_listed_in_pyproject():
    needed = _folders_with_files(ROOT / "verify", "verify") | {"verify.templates"}
    missing = needed - _listed_packages()
    assert not missing, f"add these to [tool.setuptools] packages in pyproject.toml: {sorted(missing)}"


def test_templates_map_to_the_top_level_folder():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["tool"]["setuptools"]["package-dir"] == {"verify.templates": "templates"}
    assert templates_dir().resolve() == (ROOT / "templates").resolve()


def test_package_data_patterns_cover_every_data_file():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = project["tool"]["setuptools"]["package-data"]["*"]
    suffixes = {p.removeprefix("*") for p in patterns}
    files = [p for top in (ROOT / "verify", ROOT / "templates") for p in top.rglob("*")
             if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".py", ".pyc")]
    uncovered = sorted(str(p.relative_to(ROOT)) for p in files if p.suffix not in suffixes)
    assert not uncovered, f"add their suffixes to package-data in pyproject.toml: {uncovered}"
