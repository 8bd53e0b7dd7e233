"""Fixtures for the measure tests: a Case built in memory and canonical frames built by hand."""

from pathlib import Path

import pandas as pd
import pytest

from verify.case import Case, CaseManifest
from verify.sources.canonical import conform


def _case(conditions="CN", sources=None, basis="standard-dry", input_conditions=None, cobenefits=None):
    data = {
        "case": {
            "id": "test-case", "title": "t", "factory": "f", "timezone": "Asia/Shanghai",
            "conditions": conditions, "concentration_basis": basis,
        },
        "source": sources or [{"id": "S1", "kind": "stack"}],
        "file": [{"path": "data/x.csv"}],
    }
    if input_conditions:
        data["case"]["input_conditions"] = input_conditions
    if cobenefits is not None:
        data["cobenefits"] = cobenefits
    return Case(root=Path("/nonexistent"), manifest=CaseManifest.model_validate(data), case_toml_sha256="0" * 64)


def _canon(rows, **defaults):
    base = {"file": "data/x.csv", "status": "accepted", "censored": False, "basis": "standard-dry",
            "std_state": "normal", "unit": "mg/m3"}
    base.update(defaults)
    recs = []
    for i, r in enumerate(rows, start=2):
        rec = dict(base)
        rec["row"] = i
        rec.update(r)
        recs.append(rec)
    return conform(pd.DataFrame(recs))


@pytest.fixture
def make_case():
    return _case


@pytest.fixture
def canon():
    return _canon


@pytest.fixture
def textile_analysed(tmp_path):
    """``analyse(old, new)``: the results of a copy of the bundled textile case whose case.toml has the
    one line ``old`` replaced by ``new`` (verify.pipeline.analyze, as `verify analyze` runs it)."""
    import shutil

    from verify.pipeline import analyze

    root = Path(__file__).resolve().parents[2] / "case_studies" / "jiangsu-textile-dyeing"

    def analyse(old: str, new: str) -> dict:
        case = tmp_path / "textile"
        shutil.copytree(root, case, ignore=shutil.ignore_patterns("expected"))
        toml = case / "case.toml"
        text = toml.read_text(encoding="utf-8")
        assert text.count(old) == 1, old
        toml.write_text(text.replace(old, new), encoding="utf-8")
        return analyze(case)

    return analyse
