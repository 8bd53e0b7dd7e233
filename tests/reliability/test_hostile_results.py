"""Issue 17 item 6: ``verify report --results FILE`` refuses a results.json that breaks the contract,
naming the first bad key; the contract's JSON Schema ships in the package."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from relhelp import assert_clean_error, cli
from verify.contract import first_problem, results_schema

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = ROOT / "case_studies" / "jiangsu-textile-dyeing" / "expected" / "results.json"


@pytest.fixture(scope="module")
def published() -> dict:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


def _write(tmp_path, data) -> Path:
    path = tmp_path / "results.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("case", ["jiangsu-textile-dyeing", "hebei-coating-cems"])
def test_item6_the_published_results_keep_the_contract(case):
    data = json.loads((ROOT / "case_studies" / case / "expected" / "results.json").read_text(encoding="utf-8"))
    assert first_problem(data) is None


def test_item6_the_schema_ships_in_the_package_and_allows_added_keys(published):
    assert results_schema()["properties"]["schema"] == {"const": "verify.results/1"}
    data = copy.deepcopy(published)
    data["added_by_a_later_version"] = {"x": 1}
    data["endpoints"][0]["another_key"] = [1, 2]
    assert first_problem(data) is None


@pytest.mark.parametrize(("edit", "where"), [
    (lambda d: d["claims"][0].pop("verdict"), "claims[0].verdict: missing"),
    (lambda d: d["claims"][0].update(verdict="supported", verified=True), "claims[0].verified"),
    (lambda d: d["endpoints"][2]["before"].update(n="3"), "endpoints[2].before"),
    (lambda d: d["endpoints"][0].update(status="fine"), "endpoints[0].status"),
    (lambda d: d["inputs"][0].update(rows=-1), "inputs[0].rows"),
    (lambda d: d.pop("fingerprints"), "fingerprints: missing"),
    # keys issue 19 added: the reporting state's name, the pollutant names, the load test's caveats
    (lambda d: d["case"]["reporting_state"].update(name="273.15 K"), "case.reporting_state.name"),
    (lambda d: d["pollutant_names"]["NMHC"].pop("en"), "pollutant_names.NMHC.en: missing"),
    (lambda d: d["comparability"]["load_by_source"][0].update(caveats=[{"code": "warning"}]),
     "comparability.load_by_source[0].caveats[0].text: missing"),
])
def test_item6_report_refuses_a_results_file_naming_the_first_bad_key(tmp_path, published, edit, where):
    data = copy.deepcopy(published)
    edit(data)
    path = _write(tmp_path, data)
    result = cli("report", "--results", path, "-o", tmp_path / "r.html")
    assert_clean_error(result, str(path), "not a valid results.json", where)
    assert not (tmp_path / "r.html").exists()


def test_item6_a_valid_results_file_renders(tmp_path, published):
    path = _write(tmp_path, published)
    result = cli("report", "--results", path, "-o", tmp_path / "r.html")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("edit", "where"), [
    (lambda d: d["claims"][2]["lab_check"].update(verdict_changes="no"), "claims[2].lab_check"),
    (lambda d: d["claims"][2]["lab_check"]["runs"][0].pop("reported"), "claims[2].lab_check"),
    (lambda d: d["claims"][2]["lab_check"]["with_reported"].update(verdict="fine"), "claims[2].lab_check"),
    (lambda d: next(r for r in d["runs"] if r["conc_o2_reported"] is not None).update(conc_o2_reported="98.7"), "runs["),
    (lambda d: d["runs"][0].update(mass_rate_mismatch=None), "runs[0].mass_rate_mismatch"),
])
def test_the_lab_cross_check_keys_are_typed_by_the_schema(published, edit, where):
    """claims[].lab_check and runs[].conc_o2_reported / conc_o2_mismatch / mass_rate_reported /
    mass_rate_mismatch (docs/results.md) are in the schema: a wrong type is refused."""
    assert published["claims"][2]["lab_check"]["runs"][0]["reported"] == 98.7  # the published C3 check
    assert first_problem(published) is None
    data = copy.deepcopy(published)
    edit(data)
    problem = first_problem(data)
    assert problem is not None and problem[0].startswith(where), problem


def test_results_of_earlier_versions_without_the_lab_check_keys_keep_the_contract(published):
    data = copy.deepcopy(published)
    for claim in data["claims"]:
        claim.pop("lab_check")
    for run in data["runs"]:
        for key in ("conc_o2_reported", "conc_o2_mismatch", "mass_rate_reported", "mass_rate_mismatch"):
            run.pop(key)
    assert first_problem(data) is None
