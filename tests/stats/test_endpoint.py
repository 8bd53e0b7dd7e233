"""analyse_endpoint: dispatch, results.md keys, tiny-sample edges, caveats."""

import json
import re

import numpy as np
import pytest
from scipy import stats as sps

from verify.errors import InputError
from verify.measure.series import EndpointData, PairedRuns, PhaseRuns
from verify.results import caveats_block
from verify.sentences import catalogue
from verify.stats.endpoint import analyse_endpoint

ENDPOINT_KEYS = {"status", "before", "after", "reduction_pct", "reduction_ci95", "gm_ratio", "gm_ratio_ci95",
                 "mdr_pct", "mdr_basis", "tests", "caveats"}
PHASE_KEYS = {"n", "runs", "values", "censored", "mean", "sd", "mean_method"}


def runs(values, censored=None, flagged=()):
    ids = tuple(str(i + 1) for i in range(len(values)))
    return PhaseRuns(ids, tuple(values), tuple(censored or [False] * len(values)), flagged=tuple(flagged))


def ba(before, after, **kw):
    return EndpointData("S1", None, "NMHC", "mass_rate", "before-after", "kg/h", "C",
                        before=runs(before, kw.get("bc"), kw.get("bf", ())) if before is not None else None,
                        after=runs(after, kw.get("ac")) if after is not None else None)


def _no_nan(obj):
    text = json.dumps(obj, allow_nan=False, ensure_ascii=False)
    return text


def codes(d):
    return [c["code"] for c in d["caveats"]]


def worded(caveats):
    """The caveats as results.json writes them (with their ja/zh text)."""
    return caveats_block(caveats)


def test_spec_example_keys_and_values():
    out = analyse_endpoint(ba([1.2, 1.4, 1.3], [0.5, 0.6, 0.55])).to_dict()
    assert set(out) == ENDPOINT_KEYS and set(out["before"]) == PHASE_KEYS
    assert set(out["tests"]) == {"welch_t", "permutation", "mann_whitney"}
    _no_nan(out)
    assert out["status"] == "ok" and out["before"]["mean_method"] == "arithmetic"
    assert out["reduction_pct"] == pytest.approx(100 * (1 - 0.55 / 1.3))
    assert out["before"]["sd"] == pytest.approx(0.1) and out["after"]["sd"] == pytest.approx(0.05)
    assert out["tests"]["permutation"] == {"p_value": 0.05, "relabelings": 20, "seed": None, "exact": True,
                                           "statistic": pytest.approx(-0.75)}
    assert out["tests"]["mann_whitney"] == {"statistic": 9.0, "p_value": 0.05, "method": "exact"}
    lo, hi = out["reduction_ci95"]
    assert lo < out["reduction_pct"] < hi
    assert out["mdr_basis"]["sided"] == "one" and out["mdr_basis"]["power"] == 0.8
    assert "exact_min_p" in codes(out)
    assert all(isinstance(v, float) for v in (out["reduction_pct"], out["gm_ratio"], out["mdr_pct"]))


def test_n1_is_insufficient_data():
    out = analyse_endpoint(ba([1.2], [0.5, 0.6, 0.55])).to_dict()
    assert out["status"] == "insufficient_data"
    assert out["tests"] == {"welch_t": None, "permutation": None, "mann_whitney": None}
    assert out["reduction_ci95"] is None and out["gm_ratio_ci95"] is None and out["mdr_pct"] is None
    assert out["before"]["sd"] is None and out["before"]["mean"] == 1.2
    assert out["reduction_pct"] == pytest.approx(100 * (1 - 0.55 / 1.2))
    assert codes(out)[0] == "insufficient_data"
    first = worded(out["caveats"])[0]
    assert "対策前" in first["text"]["ja"] and "治理前" in first["text"]["zh"]
    _no_nan(out)


def test_missing_phase():
    out = analyse_endpoint(ba([1.0, 2.0], None)).to_dict()
    assert out["status"] == "insufficient_data" and out["after"] is None and out["reduction_pct"] is None


def test_n2_works_with_small_n_caveat():
    out = analyse_endpoint(ba([1.2, 1.4], [0.5, 0.6])).to_dict()
    ref = sps.ttest_ind([1.2, 1.4], [0.5, 0.6], equal_var=False, alternative="greater")
    assert out["status"] == "ok" and out["tests"]["welch_t"]["p_value"] == pytest.approx(ref.pvalue)
    assert "small_n" in codes(out) and "exact_min_p" in codes(out)


def test_identical_values():
    # docs/reliability.md#bad-inputs row 39: a constant series gives "insufficient data" and no p-value; the point
    # estimate of the reduction is still shown
    out = analyse_endpoint(ba([2.0, 2.0, 2.0], [1.0, 1.0, 1.0])).to_dict()
    assert out["status"] == "insufficient_data" and out["tests"]["welch_t"] is None
    assert out["tests"]["permutation"] is None and out["tests"]["mann_whitney"] is None
    assert out["reduction_pct"] == pytest.approx(50.0)
    assert out["reduction_ci95"] is None and out["gm_ratio_ci95"] is None
    assert out["mdr_pct"] is None and "constant_data" in codes(out)
    _no_nan(out)


def test_same_values_both_phases():
    out = analyse_endpoint(ba([2.0, 2.0, 2.0], [2.0, 2.0, 2.0])).to_dict()
    assert out["status"] == "insufficient_data" and out["tests"]["permutation"] is None
    assert out["reduction_pct"] == 0.0 and out["tests"]["welch_t"] is None


def test_unbounded_interval_caveat():
    out = analyse_endpoint(ba([0.1, 2.0, 0.5], [0.4, 0.5, 0.6])).to_dict()
    assert out["reduction_ci95"] is None and "ci_unbounded" in codes(out)
    assert "low_power" in codes(out)


def test_nonpositive_values_and_mean():
    out = analyse_endpoint(ba([0.0, 0.2, 0.1], [0.05, 0.02, 0.0])).to_dict()
    assert out["gm_ratio"] is None and "nonpositive_values" in codes(out)
    out = analyse_endpoint(ba([-0.1, 0.05, -0.2], [0.05, 0.02, 0.01])).to_dict()
    assert out["reduction_pct"] is None and "nonpositive_mean" in codes(out)
    _no_nan(out)


def test_censored_endpoint():
    out = analyse_endpoint(ba([1.0, 2.0, 3.0, 4.0], [0.5, 1.0, 0.5], bc=[False, True, False, False],
                              ac=[True, False, True])).to_dict()
    assert out["before"]["mean_method"] == "kaplan-meier" and out["before"]["mean"] == pytest.approx(2.25)
    assert out["after"]["censored"] == [True, False, True]
    assert set(out["tests"]) == {"welch_t", "permutation", "mann_whitney", "censored"}
    assert out["tests"]["welch_t"] is None and out["reduction_ci95"] is None and out["mdr_pct"] is None
    assert out["tests"]["censored"]["relabelings"] == 35
    cav = next(c for c in worded(out["caveats"]) if c["code"] == "censored_values")
    assert "対策前第2回 <2" in cav["text"]["ja"] and "治理后第1次 <0.5" in cav["text"]["zh"]  # runs in words
    # listed with 、, each with its unit (a mass rate: three significant figures of the derived value)
    assert "対策前第2回 <2\u00a0kg/h、対策後第1回 <0.5\u00a0kg/h、対策後第3回 <0.5\u00a0kg/h" in cav["text"]["ja"]
    _no_nan(out)


def test_all_censored_endpoint():
    out = analyse_endpoint(ba([0.5, 0.5, 0.5], [0.5, 0.5, 0.5], bc=[True] * 3, ac=[True] * 3)).to_dict()
    assert out["tests"]["censored"]["p_value"] == 1.0
    assert codes(out).count("all_censored") == 2


def test_flagged_runs_caveat():
    out = analyse_endpoint(ba([1.2, 1.4, 1.3], [0.5, 0.6, 0.55], bf=[False, True, False])).to_dict()
    cav = next(c for c in worded(out["caveats"]) if c["code"] == "flagged_runs")
    assert "対策前第2回" in cav["text"]["ja"]


def test_inlet_outlet_endpoint():
    pr = PairedRuns(("1", "2", "3"), (10.0, 12.0, 11.0), (1.0, 1.5, 0.9))
    eff = tuple(100 * (1 - o / i) for i, o in zip(pr.inlet, pr.outlet))
    data = EndpointData("S1", None, "NMHC", "removal_efficiency", "inlet-outlet", "%", None,
                        after=runs(eff), paired={"after": pr}, unmatched=("4",))
    out = analyse_endpoint(data).to_dict()
    assert set(out) == ENDPOINT_KEYS | {"pairs", "efficiency"}
    assert set(out["tests"]) == {"paired_t", "signed_rank"}
    assert out["pairs"] == {"before": None, "after": ["1", "2", "3"]}
    d = np.log(np.array(pr.outlet) / np.array(pr.inlet))
    ref = sps.ttest_1samp(d, 0, alternative="less")
    assert out["tests"]["paired_t"]["p_value"] == pytest.approx(ref.pvalue)
    assert out["tests"]["signed_rank"]["p_value"] == pytest.approx(1 / 8)
    assert out["after"]["mean"] == pytest.approx(np.mean(eff))
    assert {"unmatched_runs", "paired_phase", "signed_rank_min_p"} <= set(codes(out))
    _no_nan(out)


def test_inlet_outlet_insufficient():
    pr = PairedRuns(("1",), (10.0,), (1.0,))
    data = EndpointData("S1", None, "NMHC", "removal_efficiency", "inlet-outlet", "%", None,
                        after=runs((90.0,)), paired={"after": pr})
    out = analyse_endpoint(data).to_dict()
    assert out["status"] == "insufficient_data" and out["tests"]["paired_t"] is None


def test_unknown_design():
    data = EndpointData("S1", None, "NMHC", "mass_rate", "bogus", "kg/h", None)
    with pytest.raises(InputError):
        analyse_endpoint(data)


def test_large_samples_use_sampling_and_normal_approximation():
    rng = np.random.default_rng(5)
    out = analyse_endpoint(ba(list(rng.normal(10, 1, 9)), list(rng.normal(9, 1, 9)))).to_dict()
    assert out["tests"]["permutation"]["seed"] is not None
    assert out["tests"]["mann_whitney"]["method"] == "normal"
    assert {"permutation_sampled", "mann_whitney_normal"} <= set(codes(out))


def test_deterministic():
    data = ba([1.2, 1.4, 1.3, 1.1], [0.5, 0.6, 0.55])
    assert json.dumps(analyse_endpoint(data).to_dict()) == json.dumps(analyse_endpoint(data).to_dict())


def test_caveat_catalogue_complete_and_bilingual():
    for code, entry in catalogue("caveats").items():
        assert set(entry) == {"ja", "zh"}, code
        placeholders = [{re.sub(r"_(ja|zh)$", "", name) for name in re.findall(r"{(\w+)}", entry[lang])} for lang in ("ja", "zh")]
        assert placeholders[0] == placeholders[1], code


def test_non_finite_run_value_is_an_input_error():
    with pytest.raises(InputError, match="run\\(s\\) 2"):
        analyse_endpoint(ba([1.0, float("nan"), 2.0], [0.5, 0.6]))


def test_excluded_runs_caveat():
    data = EndpointData("S1", None, "NMHC", "mass_rate", "before-after", "kg/h", "C",
                        before=PhaseRuns(("1", "3"), (1.2, 1.3), (False, False), excluded=("2",)),
                        after=runs([0.5, 0.6, 0.55]))
    out = analyse_endpoint(data).to_dict()
    assert out["before"]["n"] == 2
    cav = next(c for c in worded(out["caveats"]) if c["code"] == "excluded_runs")
    assert "対策前第2回" in cav["text"]["ja"] and "治理前第2次" in cav["text"]["zh"]


def test_censored_concentration_names_its_unit_per_language():
    # a concentration at the standard state: the detection limit as the lab wrote it (1.0, not 1),
    # mg/m³N in Japanese (大気汚染防止法施行規則), mg/m³ in Chinese (review item 18: "<1" → "<1.0 mg/m³")
    data = EndpointData("S1", None, "PM", "concentration", "before-after", "mg/m3", "C",
                        before=runs([32.1, 30.5, 33.0]), after=runs([4.2, 2.6, 1.0], [False, False, True]),
                        normal_state=True)
    cav = next(c for c in worded(analyse_endpoint(data).to_dict()["caveats"]) if c["code"] == "censored_values")
    assert "対策後第3回 <1.0\u00a0mg/m³N" in cav["text"]["ja"]
    assert "治理后第3次 <1.0\u00a0mg/m³" in cav["text"]["zh"] and "m³N" not in cav["text"]["zh"]
