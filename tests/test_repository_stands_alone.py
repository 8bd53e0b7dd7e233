"""The repository stands alone: no tracked text file cites a file outside it.

Users of the repository have only the repository. Standards and papers are cited through
docs/references.md, platform facts through docs/platform.md, the promises and bad inputs through
docs/reliability.md, the contracts through docs/case-format.md, docs/results.md and the README.
This test lists every line that still points elsewhere: the shared folder of the development
machines (its spec, domain notes, reliability and platform notes), those notes by name, or an
absolute /work/ path.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
THIS_FILE = Path(__file__).resolve().relative_to(ROOT).as_posix()

#: Tracked files with these suffixes are scanned (plus the CI script, which has none, and the
#: results schema, whose descriptions users read).
TEXT_SUFFIXES = {".py", ".md", ".toml", ".csv", ".j2", ".sh", ".txt", ".cfg"}
EXTRA_FILES = {".ci/run", "verify/results.schema.json"}

#: (why, pattern). A markdown link target inside docs/ (``](platform.md``) and the prefixed form
#: ``docs/platform.md`` are inside the repository; a bare ``platform.md`` or ``reliability.md``
#: names the notes outside it, whose section numbers (§1…) the docs do not have.
OUTSIDE = [
    ("the shared folder", re.compile(r"\.\./shared\b|shared/(?:spec|domain|style|tools|hooks)\b"
                                     r"|shared/(?:reliability|platform|README)\.md")),
    ("the field guide", re.compile(r"field[ _-]?guide", re.IGNORECASE)),
    ("the statement and terms notes", re.compile(r"statement-and-terms", re.IGNORECASE)),
    ("the platform notes", re.compile(r"(?<!docs/)(?<!\]\()\bplatform\.md")),
    ("the reliability notes", re.compile(r"(?<!docs/)(?<!\]\()\breliability\.md|\breliability §")),
    ("an absolute /work/ path", re.compile(r"(?<![\w.~-])/work/")),
]


def tracked_text_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    names = [n for n in out.decode("utf-8").split("\0") if n]
    return sorted(n for n in names
                  if (Path(n).suffix in TEXT_SUFFIXES or n in EXTRA_FILES) and n != THIS_FILE
                  and (ROOT / n).is_file())


def outside_references(name: str, text: str) -> list[str]:
    """``name:line: why: line text`` for every line of ``text`` that points outside."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        whys = [why for why, pattern in OUTSIDE if pattern.search(line)]
        if whys:
            found.append(f"{name}:{number}: {', '.join(whys)}: {line.strip()[:160]}")
    return found


def test_patterns_catch_each_form_and_spare_the_repository_own_docs():
    # The forms in use when this test was written, and the forms that are inside the repository.
    outside = ["see shared/spec/results.md", "(field guide §5)", "field-guide §3 [K]",
               "test_values_match_field_guide", "statement-and-terms.md Part 2",
               "(platform.md §2: zh-CN)", "shared/platform.md §5", "reliability.md §4 #39",
               "reliability §2 #5", "../shared/domain", "/work/main/benchmarks/.cache"]
    inside = ["docs/platform.md#cjk-fonts", "[docs/platform.md](platform.md)",
              "docs/reliability.md#the-40-bad-inputs", "docs/references.md#hj38-2017",
              "verify batch /shared/cases -o /shared/out-batch", "docs/results.md", "a field of view"]
    assert all(outside_references("x", line) for line in outside)
    assert not [line for line in inside if outside_references("x", line)]


def test_no_tracked_file_refers_to_a_path_outside_the_repository():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    found = []
    for name in tracked_text_files():
        found += outside_references(name, (ROOT / name).read_text(encoding="utf-8", errors="replace"))
    assert not found, (f"{len(found)} lines cite files outside the repository "
                       "(point them at docs/references.md, docs/platform.md, docs/reliability.md, "
                       "docs/case-format.md, docs/results.md or README.md):\n" + "\n".join(found))
