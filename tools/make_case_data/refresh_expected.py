"""Rewrite ``case_studies/*/expected/results.json`` with the current pipeline, then replicate each.

    .venv/bin/python tools/make_case_data/refresh_expected.py [CASE_FOLDER ...]

``expected/results.json`` is a case's published result: ``verify replicate`` compares a fresh run
with it, including the fingerprints of the alias table and the limits catalogue. When those or the
arithmetic change on purpose, run this, review ``git diff case_studies/*/expected`` (every changed
number should be explained by the change), and commit. Never run it to make a failing replicate pass
without reading the diff.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def refresh(case: Path) -> None:
    expected = case / "expected" / "results.json"
    expected.parent.mkdir(exist_ok=True)
    rel_case = case.relative_to(ROOT) if case.is_relative_to(ROOT) else case
    rel_out = expected.relative_to(ROOT) if expected.is_relative_to(ROOT) else expected
    # run from the repository root with relative paths, so the recorded `reproduce` command is portable
    subprocess.run([sys.executable, "-m", "verify", "analyze", str(rel_case), "-o", str(rel_out)], cwd=ROOT, check=True)
    subprocess.run([sys.executable, "-m", "verify", "replicate", str(rel_case)], cwd=ROOT, check=True)


def main(argv: list[str]) -> int:
    cases = [Path(a).resolve() for a in argv] or sorted(p.parent for p in (ROOT / "case_studies").glob("*/case.toml"))
    for case in cases:
        print(f"refreshing {case.name}", flush=True)
        refresh(case)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
