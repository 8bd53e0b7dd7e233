"""The console tells the truth in one screen (issue 16 item 6): docs/reliability.md "Console".

After `verify run`, beside each verdict: the run's data quality and the failed QA checks that touch
the claim's data. At 80 columns or when piped, nothing is cut: SHA-256 values and file names are
printed whole and tables wrap instead of dropping columns. ``--debug`` works after the subcommand
too, and never changes the exit status.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from relhelp import CLEAN_ROWS, cli, long_csv, make_case, stand_in_pdf
from verify.verdicts import claim_contexts, data_quality

ROOT = Path(__file__).resolve().parents[2]
TEXTILE = ROOT / "case_studies" / "jiangsu-textile-dyeing"
LONG_NAME = "measurements_of_the_stenter_exhaust_before_and_after_the_wet_esp.csv"


def _case(root: Path) -> Path:
    # two runs before (a failed min_runs QA check), three after with one non-detect (a flagged value)
    make_case(root, {LONG_NAME: long_csv(*CLEAN_ROWS[:2], *CLEAN_ROWS[3:5], "S1,after,3,NMHC,<0.5,mg/m3")})
    toml = root / "case.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[[claim]]\nid = "C1"\nsource = "S1"\npollutant = "NMHC"\n'
                    'metric = "concentration"\nkind = "reduction"\nvalue = 30\n', encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def columns_80(monkeypatch):
    """The CLI's consoles at 80 columns (what a piped or small terminal gets)."""
    import verify.cli

    monkeypatch.setattr(verify.cli, "out", verify.cli.Console(highlight=False, soft_wrap=True, width=80))
    monkeypatch.setattr(verify.cli, "err", verify.cli.Console(stderr=True, highlight=False, soft_wrap=True, width=80))


@pytest.fixture
def fast_pdf(monkeypatch):
    import verify.report.pdf

    monkeypatch.setattr(verify.report.pdf, "html_to_pdf", stand_in_pdf)


def test_run_prints_hashes_and_the_context_of_each_verdict_uncut(tmp_path, fast_pdf):
    out = tmp_path / "out"
    result = cli("run", _case(tmp_path / "case"), "-o", out)
    assert result.exit_code == 0, result.output
    assert "…" not in result.stdout
    for entry in json.loads((out / "outputs.json").read_text(encoding="utf-8"))["files"]:
        assert f"{entry['sha256']}  {entry['name']}" in result.stdout.splitlines()
        assert hashlib.sha256((out / entry["name"]).read_bytes()).hexdigest() == entry["sha256"]
    lines = result.stdout.splitlines()
    assert ("Data quality: QA checks" in result.stdout and "failed" in result.stdout
            and "values 0 rejected, 1 flagged (ledger.csv lists them)" in result.stdout)
    claim = next(i for i, line in enumerate(lines) if line.startswith("  C1  S1/NMHC/concentration"))
    assert "->  " in lines[claim]
    # the failed check by its name in reasons.csv (min_runs), not its code
    assert lines[claim + 1].strip() == ("5 run value(s), 1 flagged; failed QA checks on these data: "
                                        "at least 3 runs per phase (S1, before)")


def test_check_at_80_columns_cuts_nothing(tmp_path):
    case = _case(tmp_path / "case")
    (case / "data" / LONG_NAME).write_text(long_csv(*CLEAN_ROWS, "S1,after,4,NMHC,12.x,mg/m3"), encoding="utf-8")
    result = cli("check", case)
    assert result.exit_code == 2
    assert "…" not in result.output and max(map(len, result.stdout.splitlines())) <= 80
    text = " ".join(result.stdout.split())  # paragraphs may wrap; no word is cut
    for needle in (f"data/{LONG_NAME}", "v.rejected: 1", "raw: 12.x", "row: 8", "cell: E8"):
        assert needle in text, (needle, result.stdout)


def test_a_wide_console_gets_tables(tmp_path, monkeypatch):
    import verify.cli

    monkeypatch.setattr(verify.cli, "out", verify.cli.Console(highlight=False, soft_wrap=True, width=250))
    result = cli("check", _case(tmp_path / "case"))
    assert result.exit_code == 0
    assert "┃ file" in result.stdout and f"data/{LONG_NAME}" in result.stdout


def test_the_context_of_each_verdict_from_the_textile_results():
    results = json.loads((TEXTILE / "expected" / "results.json").read_text(encoding="utf-8"))
    q = data_quality(results)
    # one failed check (lab_o2ref, S2 after); S2 PM's method change GB/T 16157-1996 → HJ 836-2017 is a
    # disclosed change a standard prescribes (qa[].disclosed, passed null), no longer a failure
    assert (q.qa_failed, q.values_rejected, q.values_flagged) == (1, 0, 2)
    # 75 checks = 72 passed + 1 failed (lab_o2ref) + 1 undecided (same_lod, S1 PM) + 1 disclosed method
    # change (same_method, S2 PM): the disclosed change is counted under its own heading, as in the report
    assert (q.qa_passed, q.qa_failed, q.qa_unknown, q.qa_disclosed) == (72, 1, 1, 1)
    by_id = {c.claim_id: c for c in claim_contexts(results)}
    # C3 (S2 SO2 O2-corrected level): the lab's O2-corrected concentration of one after run disagrees
    # (failed lab_o2ref, S2 after, any pollutant); the PM method check of S2 does not touch SO2
    assert [str(label) for label in by_id["C3"].failed_qa] == ["lab_o2ref (S2, after)"]  # messages, English by str()
    assert by_id["C1"].failed_qa == [] and (by_id["C1"].runs, by_id["C1"].runs_flagged) == (6, 1)
    assert all(c.cems_reports_missing == () for c in by_id.values())  # run-based claims: no CEMS condition


def test_a_cems_verdict_without_its_reports_is_printed_as_conditional():
    """The Hebei CEMS case gives neither the acceptance nor the comparison report: C1 stays VERIFIED
    and the console says on which condition (verify.verdicts.cems_conditions); with both given, no
    condition is printed."""
    import copy
    import json

    from verify.console import _context_text

    results = json.loads((ROOT / "case_studies" / "hebei-coating-cems" / "expected" / "results.json").read_text(encoding="utf-8"))
    c1 = claim_contexts(results)[0]
    assert c1.cems_reports_missing == ("cems_acceptance_reports", "comparison_reports")
    assert "conditional: CEMS reports not given: acceptance, comparison monitoring (HJ 75-2017)" in _context_text(c1)
    given = copy.deepcopy(results)
    given["verification"]["laboratory"].update(cems_acceptance_reports=["YS-1"], comparison_reports=["BD-1"])
    c1 = claim_contexts(given)[0]
    assert c1.cems_reports_missing == () and "conditional" not in _context_text(c1)


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_before_or_after_the_subcommand_keeps_the_exit_status(tmp_path, monkeypatch, where):
    import verify.pipeline

    case = _case(tmp_path / "case")

    def boom(*args, **kwargs):
        raise RuntimeError("stage failed")

    monkeypatch.setattr(verify.pipeline, "_intake", boom)
    args = ["--debug", "check", case] if where == "before" else ["check", case, "--debug"]
    result = cli(*args)
    assert result.exit_code == 3, result.output
    assert "Traceback" in result.stderr and "RuntimeError: stage failed" in result.stderr
    monkeypatch.undo()
    missing = cli(*(["--debug", "check", tmp_path / "nowhere"] if where == "before" else ["check", tmp_path / "nowhere", "--debug"]))
    assert missing.exit_code == 2 and "Traceback" in missing.stderr and "does not exist" in missing.stderr
    plain = cli("check", tmp_path / "nowhere")
    assert plain.exit_code == 2 and "Traceback" not in plain.output  # --debug does not stick


@pytest.mark.parametrize("lang", ["en", "ja", "zh"])
def test_check_names_reasons_and_qa_checks_in_the_language_of_the_command_line(tmp_path, request, lang):
    from verify import uilang
    from verify.reasons import catalogue

    request.addfinalizer(lambda before=uilang.current(): uilang.use(before))  # --ui sets the language for good

    case = _case(tmp_path / "case")
    (case / "data" / LONG_NAME).write_text(long_csv(*CLEAN_ROWS[:2], *CLEAN_ROWS[3:5], "S1,after,3,NMHC,<0.5,mg/m3",
                                                    "S1,after,4,NMHC,12.x,mg/m3"), encoding="utf-8")
    result = cli("--ui", lang, "check", case)
    assert result.exit_code == 2
    text = "".join(result.stdout.split())  # tables wrap at 80 columns, CJK text without spaces
    names = catalogue()
    # ledger reasons (a flag and a rejection) and the failed QA check, each by its reasons.csv name
    for code in ("nondetect", "invalid_number", "min_runs"):
        assert "".join(getattr(names[code], lang).split()) in text, (code, result.stdout)
    for code in ("nondetect", "invalid_number", "min_runs"):
        assert code not in result.stdout


def test_run_counts_a_disclosed_method_change_under_its_own_heading():
    """`verify run`'s data-quality line names the disclosed method change apart from the checks that
    could not be judged (textile: S2 PM GB/T 16157-1996 → HJ 836-2017), so its parts add up to the
    report's count (72 + 1 + 1 + 1 = 75)."""
    import io

    from rich.console import Console

    from verify.console import print_claims

    results = json.loads((TEXTILE / "expected" / "results.json").read_text(encoding="utf-8"))
    assert len(results["qa"]) == 75
    buf = io.StringIO()
    print_claims(Console(file=buf, width=250, highlight=False), results, context=True)
    assert ("Data quality: QA checks 72 passed, 1 failed, 1 could not be judged, 1 disclosed method change(s); "
            "values 0 rejected, 2 flagged") in buf.getvalue()
