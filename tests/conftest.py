"""Test-wide settings: a private matplotlib cache (docs/platform.md#cjk-fonts), no colour, fixed width."""

import os
import tempfile

os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp(prefix="verify-mpl-"))
os.environ["NO_COLOR"] = "1"
os.environ["COLUMNS"] = "200"
os.environ.setdefault("TERM", "dumb")


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _every_written_results_json_keeps_the_contract(monkeypatch):
    """Every results.json the tool writes in a test is checked against the contract's JSON Schema
    (verify/results.schema.json, issue 17 item 6) before it is written."""
    import verify.results as results_module
    from verify.contract import first_problem

    write = results_module.write_results

    def checked(results, path):
        problem = first_problem(results)
        assert problem is None, f"results.json breaks the contract at {problem}"
        return write(results, path)

    monkeypatch.setattr(results_module, "write_results", checked)
