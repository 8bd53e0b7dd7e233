"""The canonical tables the intake makes pass the pandera schema derived from CANONICAL_COLUMNS,
labels.csv and the range table (verify.sources.schema); a table that breaks a promise fails it."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.engines.pandas_engine
import pandera.errors
import pytest

from verify.case import load_case
from verify.cli import app
from verify.sources import read_inputs, schema
from verify.sources.canonical import CANONICAL_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import generate  # noqa: E402


@pytest.mark.parametrize("name", ["jiangsu-textile-dyeing", "hebei-coating-cems"])
def test_case_studies_pass_the_schema(name):
    table = read_inputs(load_case(ROOT / "case_studies" / name)).table
    assert len(table) and schema.validate(table) is not None


@pytest.mark.parametrize("layout, fmt", [("long", "csv"), ("wide", "xlsx")])
def test_benchmark_data_passes_the_schema(tmp_path, layout, fmt):
    case = generate.generate_case(tmp_path / "c", generate.Spec(rows=3000, layout=layout, fmt=fmt))
    schema.validate(read_inputs(load_case(case), chunk_rows=700 if fmt == "csv" else None).table)


def _table():
    return read_inputs(load_case(ROOT / "case_studies" / "jiangsu-textile-dyeing")).table


@pytest.mark.parametrize("column, bad", [
    ("phase", "during"),        # not a canonical phase
    ("o2_pct", 21.0),           # O2 at 21 % is rejected by the range table
    ("h2o_pct", -1.0),
    ("status", "rejected"),     # rejected rows never reach the table
    ("row", 0),
    ("lod", 0.0),
])
def test_a_broken_promise_fails(column, bad):
    table = _table()
    table.loc[table.index[0], column] = bad
    with pytest.raises(pandera.errors.SchemaErrors):
        schema.validate(table)


def test_the_schema_follows_the_one_declaration():
    columns = schema.canonical_schema().columns
    assert list(columns) == list(CANONICAL_COLUMNS)
    for name, (dtype, *_) in CANONICAL_COLUMNS.items():
        assert columns[name].dtype.check(pandera.engines.pandas_engine.Engine.dtype(dtype)), name
    table = _table()
    with pytest.raises(pandera.errors.SchemaErrors):  # a value above the pure gas for its unit
        schema.validate(table.assign(value=np.where(table["unit"] == "mg/m3", 3e7, table["value"])))
    with pytest.raises(pandera.errors.SchemaErrors):  # a column too many
        schema.validate(table.assign(extra=1))
    with pytest.raises(pandera.errors.SchemaErrors):  # a wrong dtype
        schema.validate(table.assign(row=table["row"].astype(float)))


def test_debug_checks_the_table_and_changes_no_output(monkeypatch, tmp_path):
    from typer.testing import CliRunner

    calls = []
    real = schema.validate
    monkeypatch.setattr(schema, "validate", lambda t: calls.append(len(t)) or real(t))
    monkeypatch.setattr(schema, "_enabled", False)
    case = ROOT / "case_studies" / "jiangsu-textile-dyeing"
    plain = CliRunner().invoke(app, ["check", str(case)])
    assert calls == []
    debug = CliRunner().invoke(app, ["check", str(case), "--debug"])
    assert calls and debug.exit_code == plain.exit_code
    schema.enable(False)
    assert "pandera" not in pd.__name__  # (pandas itself never imports it)
