"""docs/architecture.md names every module of the package (issue 19 item 6), so that a newcomer
finds each one's job and place in the flow there; a new module without a line there fails here.

A module is named by its dotted name (`verify.stats.analysis`) anywhere, or by its short name
(`analysis`) in the section of its package (the section whose heading names `verify.stats`)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"


def _modules() -> list[str]:
    """Every importable module of ``verify/`` by its dotted name (packages by the package's name)."""
    out = []
    for path in sorted((ROOT / "verify").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out.append(".".join(parts))
    return out


def _named(name: str, text: str) -> bool:
    # `verify.sources.xlsx` is not named by `verify.sources.xlsx_zip`; a package is by its modules
    return re.search(f"`{re.escape(name)}(?!\\w)", text) is not None


def _sections(text: str) -> dict[str, str]:
    """Heading's first backticked name → the section's text (``### `verify.sources` — …``)."""
    out = {}
    for part in re.split(r"\n(?=#+ )", text):
        m = re.match(r"#+ `([\w.]+)`", part)
        if m:
            out[m.group(1)] = part
    return out


def undocumented(text: str) -> list[str]:
    sections = _sections(text)
    missing = []
    for module in _modules():
        package, _, short = module.rpartition(".")
        if module == "verify" or _named(module, text) or _named(short, sections.get(package, "")):
            continue
        missing.append(module)
    return missing


def test_the_module_list_is_the_package():
    modules = _modules()
    # a few known ones: a stage package, a module, a private one, a data package
    assert {"verify", "verify.stats", "verify.stats.analysis", "verify.report._worker",
            "verify.scaffold_data"} <= set(modules)
    assert len(modules) > 80


def test_architecture_names_every_module():
    missing = undocumented(DOC.read_text(encoding="utf-8"))
    assert missing == [], f"docs/architecture.md does not name: {', '.join(missing)}"


def test_a_module_left_out_is_found():
    text = DOC.read_text(encoding="utf-8")
    assert undocumented(text.replace("`verify.sources.fingerprint`", "the fingerprint module")) == ["verify.sources.fingerprint"]
    # a short name counts in its package's section only
    stats = _sections(text)["verify.stats"]
    without = text.replace("`verify.stats.ratio`", "`ratio`")
    assert undocumented(without) == []
    moved = without.replace(stats.replace("`verify.stats.ratio`", "`ratio`"), stats.replace("`verify.stats.ratio`", ""))
    assert undocumented(moved + "\n`ratio`\n") == ["verify.stats.ratio"]
