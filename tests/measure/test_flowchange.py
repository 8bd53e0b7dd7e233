"""The change of a stack's dry standard flow between the phases (verify/measure/flowchange.py), worked
by hand on the textile case's heater S2 (boiler_S2.csv; case README "Hand check" 3 for the first run).

Qsn = Qs × 273.15/(273.15 + t) × P/101.325 × (1 − Xsw) (GB/T 16157-1996), per run:
  before  15 906.779, 16 287.384, 15 603.892 m³/h → mean 47 798.055/3 = 15 932.685
  after   18 636.375, 19 222.248, 18 211.794 m³/h → mean 56 070.417/3 = 18 690.139
  change  100 × (18 690.139 − 15 932.685)/15 932.685 = 100 × 2 757.454/15 932.685 = +17.307 %
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from verify.measure.flowchange import FLOW_CHANGE_THRESHOLD_PCT, flow_change, phase_flow_means

ROOT = Path(__file__).resolve().parents[2]


def _rows(flows: dict[tuple[str, str], list[float]], source="S2", position=None) -> pd.DataFrame:
    """One row per (phase, run, pollutant): three pollutants share each run's flow, as in a lab report."""
    rows = [{"source": source, "position": position, "phase": phase, "run": run, "pollutant": p, "flow_sd_m3_h": f}
            for (phase, run), fs in flows.items() for f in fs for p in ("SO2", "NOx", "PM")]
    return pd.DataFrame(rows)


S2 = {("before", "1"): [15906.779], ("before", "2"): [16287.384], ("before", "3"): [15603.892],
      ("after", "1"): [18636.375], ("after", "2"): [19222.248], ("after", "3"): [18211.794]}


def test_textile_heater_flow_rose_by_17_3_percent():
    means = phase_flow_means(_rows(S2), "S2", None)
    assert means == pytest.approx({"before": 47798.055 / 3, "after": 56070.417 / 3}, rel=1e-9)
    change = flow_change(means)
    assert change["change_pct"] == pytest.approx(100 * 2757.454 / 15932.685, abs=1e-4)  # +17.307 %
    assert change["exceeds"] and change["threshold_pct"] == FLOW_CHANGE_THRESHOLD_PCT == 10


def test_a_run_counts_once_whatever_its_samples_and_other_stacks_are_apart():
    # run 1 before has two samples (16 000 and 18 000 → run mean 17 000); S9 and a fugitive row are not S2's
    flows = {("before", "1"): [16000, 18000], ("before", "2"): [15000], ("after", "1"): [17600], ("after", "2"): [17600]}
    frame = pd.concat([_rows(flows), _rows({("before", "1"): [1.0]}, source="S9"),
                       pd.DataFrame([{"source": "S2", "position": None, "phase": "after", "run": None,
                                      "pollutant": "SO2", "flow_sd_m3_h": 99999.0}])])
    means = phase_flow_means(frame, "S2", None)
    assert means == {"before": (17000 + 15000) / 2, "after": 17600.0}
    assert flow_change(means)["change_pct"] == pytest.approx(100 * (17600 - 16000) / 16000)  # exactly +10 %
    assert not flow_change(means)["exceeds"]  # the threshold itself is not "above" it


def test_no_change_without_both_phases():
    assert flow_change({"before": 16000.0}) is None and flow_change({}) is None
    assert flow_change({"before": 0.0, "after": 10.0}) is None
    assert phase_flow_means(pd.DataFrame({"source": ["S1"], "run": ["1"]}), "S1", None) == {}


def test_bundled_textile_states_the_heater_flow_change_beside_its_mass_rates():
    results = json.loads((ROOT / "case_studies/jiangsu-textile-dyeing/expected/results.json").read_text(encoding="utf-8"))
    for ep in results["endpoints"]:
        if ep["metric"] != "mass_rate":
            continue
        codes = [c["code"] for c in ep["caveats"]]
        if ep["source"] == "S2":
            assert ep["flow_change"]["change_pct"] == pytest.approx(17.3069, abs=1e-3)
            assert "flow_change_cause_not_stated" in codes
            text = next(c["text"] for c in ep["caveats"] if c["code"] == "flow_change_cause_not_stated")
            assert "+17.3%" in text["ja"] and "15,933 → 18,690 m³N/h" in text["ja"] and "原因は記載されていない" in text["ja"]
            assert "+17.3%" in text["zh"] and "15,933 → 18,690 m³/h（标干）" in text["zh"] and "变化原因未说明" in text["zh"]
        else:  # S1: 16 083 → 15 407 m³/h, −4.2 %: below the threshold, stated in flow_change only
            assert ep["flow_change"]["change_pct"] == pytest.approx(100 * (46220 / 3 - 48250 / 3) / (48250 / 3))
            assert not any(c.startswith("flow_change") for c in codes)


def test_a_cause_given_in_case_toml_is_stated(textile_analysed):
    """[[source]] flow_change_cause replaces "cause not stated" (docs/case-format.md)."""
    anchor = 'outlet_id = "DA002"\n'
    results = textile_analysed(anchor, anchor + 'flow_change_cause = { ja = "誘引ファン更新（例）", zh = "更换引风机（示例）" }\n')
    s2 = [ep for ep in results["endpoints"] if ep["source"] == "S2" and ep["metric"] == "mass_rate"]
    assert len(s2) == 3
    for ep in s2:
        assert ep["flow_change"]["cause"] == {"ja": "誘引ファン更新（例）", "zh": "更换引风机（示例）"}
        note = next(c for c in ep["caveats"] if c["code"] == "flow_change")
        assert "変化の原因：誘引ファン更新（例）。" in note["text"]["ja"] and "变化原因：更换引风机（示例）。" in note["text"]["zh"]
        assert not any(c["code"] == "flow_change_cause_not_stated" for c in ep["caveats"])
