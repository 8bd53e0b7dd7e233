"""Shared helpers for the intake tests: a case context and a grid parser; this folder on ``sys.path``
for the generated grids of ``intake_grids.py``."""

from __future__ import annotations

import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from verify.case import FileSpec
from verify.sources.grid import SheetGrid
from verify.sources.layout import CaseContext, parse_grid

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def ctx() -> CaseContext:
    return CaseContext(
        sources={"s1": "S1", "1#定型机排气筒": "S1", "s2": "S2"},
        tz=ZoneInfo("Asia/Shanghai"),
        periods=(),
        concentration_basis="standard-dry",
        input_std_state="normal",
    )


@pytest.fixture
def parse(ctx):
    """parse(rows, grid_kw=..., **filespec_kw) → ParsedSheet, with the tally identity checked."""

    def _parse(rows, grid_kw=None, context=None, **spec_kw):
        width = max(len(r) for r in rows)
        rows = [list(r) + [None] * (width - len(r)) for r in rows]
        grid = SheetGrid(file="data/t.csv", sheet=None, rows=rows, **(grid_kw or {}))
        spec = FileSpec(path="data/t.csv", **spec_kw)
        parsed = parse_grid(grid, spec, context or ctx, sha256="0" * 64)
        parsed.tally.check()
        return parsed

    return _parse

