"""Issue 17 item 5: a level claim `value = inf` was VERIFIED with `claimed: null`, then a traceback;
a level claim was `insufficient_data` when only the before phase was short.

Through the CLI, as a user meets it: `verify check` refuses a non-finite or implausible claim value
(exit 2 naming the claim and the key, no traceback), and a level claim is judged on the after phase.
"""

from __future__ import annotations

import json

import pytest

from relhelp import assert_clean_error, check, cli, long_csv, make_case

SPEC = '[[file]]\npath = "data/m.csv"\nlayout = "long"\n'
LEVEL = '\n[[claim]]\nid = "L1"\nsource = "S1"\npollutant = "NMHC"\nmetric = "concentration"\nkind = "level"\nvalue = {value}\n'
ROWS = ["S1,before,1,NMHC,30,mg/m3", "S1,after,1,NMHC,12,mg/m3", "S1,after,2,NMHC,13,mg/m3", "S1,after,3,NMHC,11,mg/m3"]


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "0", "-20"])
def test_a_level_claim_value_that_cannot_be_met_or_read_stops_check(case_dir, value):
    make_case(case_dir, {"m.csv": long_csv(*ROWS)}, SPEC + LEVEL.format(value=value))
    result, _ = check(case_dir)
    assert_clean_error(result, "L1", "value")


def test_a_level_claim_needs_only_the_after_phase(case_dir, tmp_path):
    # one before run, three after runs (12, 13, 11 mg/m³: mean 12, s = 1): the endpoint has
    # insufficient data for a before/after comparison, the level claim "≤ 20" does not.
    # By hand: t = (12 − 20)/(1/√3) = −13.856 with 2 df → p = 0.00258; UCL = 12 + 2.91999·0.57735 = 13.686
    make_case(case_dir, {"m.csv": long_csv(*ROWS)}, SPEC + LEVEL.format(value=20))
    out = tmp_path / "results.json"
    assert cli("analyze", case_dir, "-o", out).exit_code == 0
    res = json.loads(out.read_text(encoding="utf-8"))
    (claim,) = res["claims"]
    assert res["endpoints"][0]["status"] == "insufficient_data"
    assert claim["verdict"] == "verified" and claim["phase"] == "after" and claim["n"] == 3
    assert claim["claimed"] == 20 and claim["upper_bound"] == pytest.approx(13.686, abs=1e-3)
    assert claim["p_value"] == pytest.approx(0.00258, abs=1e-5)
