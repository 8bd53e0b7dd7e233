"""Fixtures for the batch tests: synthetic results.json files and copies of the bundled case."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUNDLED = REPO / "case_studies" / "jiangsu-textile-dyeing"


def _endpoint(source, pollutant, metric, reduction, ci, limits=(), design="before-after", hac=None):
    ep = {"source": source, "position": None, "pollutant": pollutant, "metric": metric, "design": design,
          "unit": "kg/h", "status": "ok", "reduction_pct": reduction, "reduction_ci95": ci,
          "tests": {}, "limits": list(limits)}
    if hac is not None:
        ep["tests"] = {"hac_ols": hac, "welch_t": None}
    return ep


def _tonnes(source, pollutant, t_a):
    """A cobenefits.pollutants item as verify.measure.cobenefits writes it (value objects)."""
    return {"source": source, "pollutant": pollutant,
            "reduction_kg_h": {"value": None if t_a is None else t_a * 1000 / 7200, "unit": "kg/h"},
            "reduction_t_a": {"value": t_a, "unit": "t/a", "formula": "(E_before − E_after) × hours ÷ 1000"}}


def _limit(lid, before, after, binding=True):
    """A limit item; ``binding=False`` makes it a benchmark comparison (results.json ``binding``)."""
    return {"id": lid, "value": 1.0, "unit": "kg/h", "complies": {"before": before, "after": after},
            "exceedances": {"before": 0 if before else 1, "after": 0 if after else 1},
            "binding": {"before": binding, "after": binding}, "legal": binding}


def synthetic_programme() -> dict[str, dict]:
    """Three cases with hand-chosen numbers (the expected totals are worked out in the tests)."""
    a = {
        "schema": "verify.results/1",
        "case": {"id": "plant-a", "title": {"ja": "A 工場", "zh": "A 厂"},
                 "factory": {"ja": "<script>alert(1)</script>", "zh": "=HYPERLINK(\"http://x\")"},
                 "illustrative": True},
        "verification": {"statement_id": "ST-A-1"},
        "inputs": [{"file": "data/a.csv", "rows": 10, "accepted": 9, "flagged": 1, "rejected": 0,
                    "values": 40, "values_flagged": 1, "values_rejected": 0},
                   {"file": "data/b.xlsx", "rows": 5, "accepted": 5, "flagged": 0, "rejected": 0,
                    "values": 20, "values_flagged": 0, "values_rejected": 0}],
        "qa": [{"check": "min_runs", "source": "S1", "phase": "after", "passed": True},
               {"check": "rate_crosscheck", "source": "S1", "phase": "before", "passed": False}],
        "endpoints": [
            _endpoint("S1", "NMHC", "concentration", 30.0, [10.0, 45.0], [_limit("L:NMHC:conc", False, True)]),
            _endpoint("S1", "NMHC", "mass_rate", 57.5, [45.0, 67.5], [_limit("L:NMHC:rate", True, True)]),
            _endpoint("S2", "SO2", "concentration", 80.0, None, [_limit("L:SO2:conc", False, None)]),
        ],
        "claims": [
            {"id": "C1", "source": "S1", "position": None, "pollutant": "NMHC", "metric": "mass_rate",
             "kind": "reduction", "claimed": 40, "estimate": 57.5, "verdict": "verified", "verified": True},
            {"id": "C2", "source": "S1", "position": None, "pollutant": "NMHC", "metric": "concentration",
             "kind": "reduction", "claimed": 50, "estimate": 30.0, "verdict": "not_verified", "verified": False},
        ],
        "cobenefits": {"available": True, "pollutants": [
            _tonnes("S1", "NMHC", 3.0), _tonnes("S2", "NMHC", 1.5), _tonnes("S2", "SO2", 2.0)],
            "net_co2_change_t_a": {"value": -100.0, "unit": "t CO2/a"}},
        "ledger": {"entries": [], "unread_sheets": [], "allowed_rejected": False},
    }
    b = {
        "schema": "verify.results/1",
        "case": {"id": "plant-b", "title": "B", "factory": "B Co."},
        "verification": None,
        "inputs": [{"file": "data/s.csv", "rows": 7, "accepted": 5, "flagged": 0, "rejected": 2,
                    "values": 14, "values_flagged": 0, "values_rejected": 3}],
        "qa": [],
        "endpoints": [
            _endpoint("S1", "NMHC", "mass_rate", None, None, design="continuous",
                      hac={"effect_pct": -25.0, "ci95": [-35.0, -12.5], "maxlags": 24, "n_hours": 900}),
            _endpoint("S1", "NMHC", "concentration", 10.0, [-5.0, 20.0]),
        ],
        "claims": [],
        "cobenefits": {"available": True, "pollutants": [_tonnes("S1", "NMHC", 0.25)]},
        "ledger": {"allowed_rejected": True},
    }
    c = {  # only the keys the contract requires at the top, most optional ones absent
        "schema": "verify.results/1",
        "case": {"id": "plant-c"},
        "endpoints": [_endpoint("S9", "SO2", "mass_rate", -4.0, [-20.0, 9.0],
                                [_limit("L:SO2:rate", True, False),
                                 _limit("T:SO2:rate", False, False, binding=False)])],
        "claims": [{"id": "C1", "source": "S9", "position": None, "pollutant": "SO2", "metric": "mass_rate",
                    "kind": "reduction", "claimed": 20, "verdict": "insufficient_data"}],
        "cobenefits": {"available": True,
                       "pollutants": [_tonnes("S9", "SO2", -0.5), _tonnes("S9", "PM", None)],
                       "net_co2_change_t_a": {"value": 50.5, "unit": "t CO2/a"}},
    }
    return {"plant-a": a, "plant-b": b, "plant-c": c}


@pytest.fixture
def programme_results():
    return synthetic_programme()


@pytest.fixture
def write_results_files(tmp_path):
    """Write results dicts as OUTDIR/cases/<id>/results.json and return ok CaseRecords."""
    from verify.batch.task import CaseRecord

    def write(results_by_id: dict[str, dict], outdir: Path | None = None):
        outdir = outdir or tmp_path / "out"
        records = []
        for case_id, results in results_by_id.items():
            folder = outdir / "cases" / case_id
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / "results.json"
            path.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
            records.append(CaseRecord(case_dir=str(tmp_path / "in" / case_id), case_id=case_id,
                                      outdir=str(folder), exit_status=0, error=None, results_path=str(path),
                                      seconds=1.0, peak_rss_mb=100.0, worker="test:1"))
        return outdir, records

    return write


def make_case_copy(dest: Path, case_id: str) -> Path:
    """A copy of the bundled case under another id (only the [case] id line changes)."""
    shutil.copytree(BUNDLED, dest)
    toml = dest / "case.toml"
    text = toml.read_text(encoding="utf-8")
    old = 'id = "jiangsu-textile-dyeing"'
    assert old in text
    toml.write_text(text.replace(old, f'id = "{case_id}"', 1), encoding="utf-8")
    return dest


MINI = Path(__file__).resolve().parent / "data" / "mini-case"


def make_mini_case(dest: Path, case_id: str = "mini-boiler") -> Path:
    """tests/batch/data/mini-case (the bundled case's boiler stack alone) with its data file
    copied from the bundled case: a real case that `verify run` completes in a few seconds."""
    shutil.copytree(MINI, dest)
    (dest / "data").mkdir()
    shutil.copy2(BUNDLED / "data" / "boiler_S2.csv", dest / "data" / "boiler_S2.csv")
    if case_id != "mini-boiler":
        toml = dest / "case.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace('id = "mini-boiler"', f'id = "{case_id}"', 1),
                        encoding="utf-8")
    return dest


def make_broken_case(dest: Path) -> Path:
    dest.mkdir(parents=True)
    (dest / "case.toml").write_text('[case]\nid = "broken-case"\ntitle = \n', encoding="utf-8")
    return dest


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def helpers():
    """The module-level helpers, for test modules (importlib mode cannot import conftest)."""
    from types import SimpleNamespace

    return SimpleNamespace(free_port=free_port, make_broken_case=make_broken_case, make_case_copy=make_case_copy,
                           make_mini_case=make_mini_case)
