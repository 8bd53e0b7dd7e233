"""End to end through the CLI, as a user runs it: run, check, analyze, normalize, report, replicate, plan.

These tests use the bundled case studies; the expected numbers come from their committed
``expected/results.json`` (published results) and from the hand checks in each case README.
"""

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from verify.cli import app

ROOT = Path(__file__).resolve().parents[2]
TEXTILE = ROOT / "case_studies" / "jiangsu-textile-dyeing"
CEMS = ROOT / "case_studies" / "hebei-coating-cems"
OUTPUTS = ["ledger.csv", "normalized.csv", "results.json", "report.pdf", "report.html", "summary.xlsx"]

runner = CliRunner()


def invoke(*args):
    result = runner.invoke(app, [str(a) for a in args])
    return result


@pytest.fixture(scope="module")
def textile_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    result = invoke("run", TEXTILE, "-o", out)
    assert result.exit_code == 0, result.output
    return out, result


@pytest.mark.slow
def test_run_writes_every_output(textile_run):
    out, result = textile_run
    for name in OUTPUTS:
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert not list(out.glob(".*")), "no temporary files are left behind"
    assert (out / "report.pdf").stat().st_mode & 0o044, "outputs are readable like any file the user writes"
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["schema"] == "verify.results/1"
    assert {c["id"] for c in results["claims"]} == {"C1", "C2", "C3"}
    assert "C1" in result.output  # the claims table is printed


@pytest.mark.slow
def test_results_json_is_byte_identical_across_runs(textile_run, tmp_path):
    out, _ = textile_run
    result = invoke("analyze", TEXTILE, "-o", tmp_path / "again.json")
    assert result.exit_code == 0, result.output
    # the recorded command names the case folder and OUT, never a machine path (issue 16 item 8):
    # `run` and `analyze`, wherever they write, give the same bytes
    assert (out / "results.json").read_bytes() == (tmp_path / "again.json").read_bytes()
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["reproduce"]["command"] == "verify run jiangsu-textile-dyeing -o OUT"
    copy = tmp_path / "elsewhere" / "jiangsu-textile-dyeing"
    shutil.copytree(TEXTILE, copy)
    result2 = invoke("analyze", copy, "-o", tmp_path / "third.json")
    assert result2.exit_code == 0
    assert (tmp_path / "again.json").read_bytes() == (tmp_path / "third.json").read_bytes()
    assert str(tmp_path) not in (tmp_path / "third.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("case", [TEXTILE, CEMS], ids=["textile", "cems"])
def test_case_studies_replicate(case):
    result = invoke("replicate", case)
    assert result.exit_code == 0, result.output
    assert "replicates" in result.output


def _copy_case(tmp_path: Path) -> Path:
    target = tmp_path / "case"
    shutil.copytree(TEXTILE, target)
    return target


def test_replicate_fails_when_an_input_value_changes_by_30_percent(tmp_path):
    case = _copy_case(tmp_path)
    csv_path = case / "data" / "boiler_S2.csv"
    raw = csv_path.read_bytes().decode("gbk")
    lines = raw.splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(",")
    # find the value column by its header text as written in the file (Chinese "实测浓度" or similar)
    value_col = next(i for i, h in enumerate(header) if re.search(r"实测|value|测定值", h))
    cells = lines[1].rstrip("\r\n").split(",")
    cells[value_col] = f"{float(cells[value_col]) * 1.3:.6g}"
    lines[1] = ",".join(cells) + "\n"
    csv_path.write_bytes("".join(lines).encode("gbk"))
    result = invoke("replicate", case)
    assert result.exit_code == 1, result.output
    assert "does NOT replicate" in result.output
    assert "endpoints[S2" in result.output


def test_check_prints_ledger_totals():
    result = invoke("check", TEXTILE)
    assert result.exit_code == 0, result.output
    assert "read = accepted + flagged + rejected" in result.output
    assert "stenter_S1.xlsx" in result.output
    assert "说明" in result.output  # the unread sheet is named


def test_bad_case_is_one_or_two_lines_and_exit_2(tmp_path):
    case = _copy_case(tmp_path)
    toml = (case / "case.toml").read_text(encoding="utf-8").replace('conditions = "CN"', 'conditions = "CHINA"')
    (case / "case.toml").write_text(toml, encoding="utf-8")
    result = invoke("check", case)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "case.conditions" in result.output
    assert len(result.output.strip().splitlines()) <= 2


def test_unknown_unit_is_rejected_with_location_and_exit_2(tmp_path):
    case = _copy_case(tmp_path)
    csv_path = case / "data" / "boiler_S2.csv"
    text = csv_path.read_bytes().decode("gbk").replace("mg/m3", "ppmm", 1)
    csv_path.write_bytes(text.encode("gbk"))
    result = invoke("check", case)
    assert result.exit_code == 2, result.output
    assert "boiler_S2.csv" in result.output and "ppmm" in result.output
    assert "Traceback" not in result.output


def test_check_lists_rejected_rows_with_their_row_number_and_no_na_markers(tmp_path):
    """A row-level rejection has no cell: the listing still names its row, and blanks stay blank."""
    case = _copy_case(tmp_path)
    csv_path = case / "data" / "boiler_S2.csv"
    lines = csv_path.read_bytes().decode("gbk").splitlines(keepends=True)
    lines[1] = lines[1].replace("mg/m3", "ppmm", 1)
    csv_path.write_bytes("".join(lines).encode("gbk"))
    result = invoke("check", case)
    assert result.exit_code == 2, result.output
    rejected = result.output[result.output.index("Rejected ("):]
    assert re.search(r"boiler_S2\.csv\s*│\s*│\s*2\s*│", rejected), rejected  # file, (no sheet), row 2
    assert "<NA>" not in result.output and " nan " not in result.output


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_normalize_writes_each_format(tmp_path, suffix):
    target = tmp_path / f"normalized{suffix}"
    result = invoke("normalize", TEXTILE, "-o", target)
    assert result.exit_code == 0, result.output
    assert target.stat().st_size > 0


def test_normalize_refuses_unknown_format(tmp_path):
    result = invoke("normalize", TEXTILE, "-o", tmp_path / "x.json")
    assert result.exit_code == 2
    assert ".csv, .xlsx, .parquet" in result.output


@pytest.mark.slow
def test_report_from_results_only(textile_run, tmp_path):
    out, _ = textile_run
    target = tmp_path / "r.html"
    result = invoke("report", "--results", out / "results.json", "-o", target, "--lang", "zh")
    assert result.exit_code == 0, result.output
    html = target.read_text(encoding="utf-8")
    assert 'lang="zh-CN"' in html


def test_report_rejects_bad_language():
    result = invoke("report", "--results", "x.json", "--lang", "en")
    assert result.exit_code == 2
    assert "--lang" in result.output


def test_plan_reproduces_the_one_sided_3_plus_3_figure():
    # docs/references.md#small-sample-facts / issue 4: with 3 + 3 runs at CV 20 % the one-sided MDR is 38.8 %
    result = invoke("plan", "--cv", "0.2", "--expected-reduction", "60", "--claimed-reduction", "0")
    assert result.exit_code == 0, result.output
    assert "38.8" in result.output


def test_new_scaffolds_and_check_reads_it_back(tmp_path):
    case = tmp_path / "suzhou-dyeing"
    result = invoke("new", case)
    assert result.exit_code == 0, result.output
    assert (case / "case.toml").is_file() and (case / "data" / "field_entry.xlsx").is_file()
    result = invoke("check", case)  # the grey example rows are not data (tests/reliability/test_example_rows.py)
    assert result.exit_code == 2 and "no measurements yet" in result.output, result.output
    again = invoke("new", case)
    assert again.exit_code == 2


def test_batch_without_any_case_is_a_clean_error(tmp_path):
    (tmp_path / "empty").mkdir()
    result = invoke("batch", tmp_path / "empty", "-o", tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


@pytest.mark.slow
def test_run_prints_the_sha256_of_every_output(textile_run):
    """A re-issue cites the superseded report's SHA-256 (promise 9): `verify run` prints it."""
    import hashlib

    out, result = textile_run
    lines = result.stdout.splitlines()
    for name in OUTPUTS:
        digest = hashlib.sha256((out / name).read_bytes()).hexdigest()
        assert f"{digest}  {name}" in lines, name  # whole, one line each, as sha256sum prints them


@pytest.mark.slow
def test_reissue_cites_the_superseded_report(textile_run, tmp_path):
    """Promise 9: a re-issue gets a new statement id and cites the superseded report by id and hash."""
    import hashlib

    out, _ = textile_run
    old = json.loads((out / "results.json").read_text(encoding="utf-8"))["verification"]
    digest = hashlib.sha256((out / "report.pdf").read_bytes()).hexdigest()
    case = tmp_path / "case"
    shutil.copytree(TEXTILE, case)
    toml = (case / "case.toml").read_text(encoding="utf-8")
    old_line = f'statement_id = "{old["statement_id"]}"'
    assert old_line in toml
    toml = toml.replace(old_line, f'statement_id = "{old["statement_id"]}-R1"\nsupersedes = "{digest}"\n'
                                  f'supersedes_statement_id = "{old["statement_id"]}"', 1)
    (case / "case.toml").write_text(toml, encoding="utf-8")
    result = invoke("report", case, "-o", tmp_path / "report.html")
    assert result.exit_code == 0, result.output
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.count(digest) == 2 and html.count(f'{old["statement_id"]}-R1') >= 2  # ja and zh halves
    assert html.count(f'{old["statement_id"]}<br>SHA-256 {digest}') == 2  # the statement names the superseded report
    same = toml.replace(f'statement_id = "{old["statement_id"]}-R1"', f'statement_id = "{old["statement_id"]}"', 1)
    (case / "case.toml").write_text(same, encoding="utf-8")
    result = invoke("report", case, "-o", tmp_path / "again.html")
    assert result.exit_code == 2 and "new statement_id" in result.output
