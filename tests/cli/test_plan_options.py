"""`verify plan` agrees with the QA rules and reads the CV either way (issue 16 item 7)."""

from typer.testing import CliRunner

from verify.cli import app

runner = CliRunner()


def plan(*args):
    return runner.invoke(app, ["plan", *map(str, args)])


def test_never_fewer_runs_than_the_qa_minimum_and_says_why():
    result = plan("--cv", "0.1", "--expected-reduction", "70", "--claimed-reduction", "30")
    assert result.exit_code == 0, result.output
    assert "runs per phase needed: 3" in result.stdout
    assert "the power alone needs 2, but the QA checks ask for at least 3 runs per phase" in result.stdout
    mdr_rows = [line for line in result.stdout.splitlines() if line.startswith(("│ 2 ", "│ 3 "))]
    assert [r.split()[1] for r in mdr_rows] == ["3"]  # the MDR table starts at the QA minimum


def test_cv_as_a_fraction_or_in_percent_give_the_same_plan():
    a = plan("--cv", "0.2", "--expected-reduction", "60", "--claimed-reduction", "50")
    b = plan("--cv-pct", "20", "--expected-reduction", "60", "--claimed-reduction", "50")
    assert a.exit_code == b.exit_code == 0
    assert a.stdout == b.stdout and "runs per phase needed: 11" in a.stdout


def test_a_cv_that_cannot_be_a_fraction_asks_for_cv_pct():
    for value in ("20", "1", "1.5"):
        result = plan("--cv", value)
        assert result.exit_code == 2 and "Traceback" not in result.output
        assert f"--cv is a fraction between 0 and 1 (0.2 = 20 %), not {value}" in result.stderr
        assert f"write --cv-pct {value}" in result.stderr
    for args in (("--cv", "0"), ("--cv", "-0.2"), ("--cv-pct", "0"), ("--cv-pct", "nan")):
        assert plan(*args).exit_code == 2
    both = plan("--cv", "0.2", "--cv-pct", "20")
    assert both.exit_code == 2 and "not --cv and --cv-pct" in both.stderr
    assert plan().exit_code == 2
