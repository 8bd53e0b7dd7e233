"""Shared fixtures for the report tests: the hand-made textile results and renders of it.

Renders are session-scoped because a bilingual render draws ~16 matplotlib charts; tests that need
their own input render a trimmed copy (``small_results``) instead.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

FIXTURE = Path(__file__).parent / "fixtures" / "results_textile.json"


def load_results() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture
def results() -> dict:
    return load_results()


def trim(results: dict, keep: int = 2) -> dict:
    """A copy with only the claims' first ``keep`` endpoints (few charts: fast to render)."""
    r = copy.deepcopy(results)
    wanted = {(c["source"], c["pollutant"], c["metric"]) for c in r["claims"][:keep]}
    r["endpoints"] = [e for e in r["endpoints"] if (e["source"], e["pollutant"], e["metric"]) in wanted]
    r["claims"] = r["claims"][:keep]
    r["runs"] = [x for x in r["runs"] if (x["source"], x["pollutant"]) in {(s, p) for s, p, _ in wanted}]
    return r


@pytest.fixture
def small_results() -> dict:
    return trim(load_results())


@pytest.fixture(scope="session")
def full_html() -> str:
    from verify.report.render import render_html

    return render_html(load_results())


@pytest.fixture(scope="session")
def html_nocharts() -> str:
    from verify.report.render import render_html

    return render_html(load_results(), charts=False)
