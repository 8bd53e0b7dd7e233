"""results_table(): the cut-down normalized table the results are built from (pipeline.analyze/run)
gives the same results as the whole normalized table; sliced, it is the whole table's cut-down."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from verify import pipeline
from verify.case import load_case
from verify.measure.normalize import normalize
from verify.results import RESULT_COLUMNS, build_results, results_table
from verify.sources import read_inputs

ROOT = Path(__file__).resolve().parents[2]
CASES = ("jiangsu-textile-dyeing", "hebei-coating-cems")


def _results(case, intake, table) -> dict:
    out = build_results(case, intake, table, allow_rejected=True, command="x")
    out.get("provenance", {}).pop("generated_at", None)
    return out


@pytest.mark.parametrize("name", CASES)
def test_same_results_as_the_whole_normalized_table(name):
    case = load_case(ROOT / "case_studies" / name)
    intake = read_inputs(case)
    full = normalize(intake.table, case)
    small = results_table(full)
    assert tuple(small.columns) == RESULT_COLUMNS
    for col in small.columns:
        if pd.api.types.is_string_dtype(full[col].dtype):
            assert isinstance(small[col].dtype, pd.CategoricalDtype), col
            cats = list(small[col].cat.categories)
            assert cats == sorted(cats), col  # groupby(sort=True) orders as on the text
    # raw is kept for run rows only (runs_block lists them)
    assert small["raw"].isna().all() if full["run"].isna().all() else small["raw"].notna().any()
    # at most about half the memory (0.28 of it on the 80,640-row CEMS case; the 24-row textile case is
    # mostly per-column overhead, and the run tables' measured gas state adds four columns)
    assert small.memory_usage(deep=True).sum() < 0.55 * full.memory_usage(deep=True).sum()
    assert _results(case, intake, small) == _results(case, intake, full)


@pytest.mark.parametrize("name,rows", [("jiangsu-textile-dyeing", 7), ("hebei-coating-cems", 9001)])
def test_sliced_equals_whole(monkeypatch, name, rows):
    case = load_case(ROOT / "case_studies" / name)
    table = read_inputs(case).table
    whole = results_table(normalize(table, case))
    monkeypatch.setattr(pipeline, "NORMALIZE_ROWS", rows)
    sliced = pipeline._normalize(table, case, for_results=True)  # noqa: SLF001
    pd.testing.assert_frame_equal(sliced, whole, check_exact=True)
    assert any(isinstance(sliced[c].dtype, pd.CategoricalDtype) for c in sliced.columns)


def test_check_qa_is_the_whole_tables_qa():
    """`verify check` runs the QA on the cut-down table: the same items as on the whole normalized table."""
    from verify.measure.qa import run_checks
    from verify.results import qa_block

    folder = ROOT / "case_studies" / "jiangsu-textile-dyeing"
    case = load_case(folder)
    assert pipeline.check(folder).qa == qa_block(run_checks(normalize(read_inputs(case).table, case), case))
