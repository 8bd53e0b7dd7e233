"""docs/architecture.md names every module of the package (issue 19 item 6), so that a newcomer
finds each one's job and place in the flow there; a new module without a line there fails here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _modules() -> list[str]:
    """Every importable module of ``verify/`` by its dotted name (packages by the package's name)."""
    out = []
    for path in sorted((ROOT / "verify").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out.append(".".join(parts))
    return out


def test_the_module_list_is_the_package():
    modules = _modules()
    # a few known ones: a stage package, a module, a private one, a data package
    assert {"verify", "verify.stats", "verify.stats.analysis", "verify.report._worker",
            "verify.scaffold_data"} <= set(modules)
    assert len(modules) > 80


def test_architecture_names_every_module():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    # `verify.sources.xlsx` is not named by `verify.sources.xlsx_zip`, a package is by its submodules
    missing = [m for m in _modules() if m != "verify" and not re.search(f"`{re.escape(m)}(?!\\w)", text)]
    assert missing == [], f"docs/architecture.md does not name: {', '.join(missing)}"
