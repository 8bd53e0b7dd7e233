"""A Kaplan–Meier mean of left-censored values whose non-detects are all the smallest value is the
mean with each non-detect at its detection limit, an upper bound of the true mean (review of
2026-12-03, item 14: the textile case's PM after the measures, 2.6, 1.9, <1.0 mg/m³)."""

import numpy as np
import pytest

from verify.measure.series import EndpointData, PhaseRuns
from verify.report.view import build_view
from verify.results import caveats_block
from verify.stats import censored as cens
from verify.stats.endpoint import analyse_endpoint


def _runs(values, censored):
    return PhaseRuns(tuple(str(i + 1) for i in range(len(values))), tuple(values), tuple(censored))


@pytest.mark.parametrize(("values", "censored", "upper"), [
    ([2.6, 1.9, 1.0], [False, False, True], True),     # the textile case: the non-detect is the smallest
    ([1.0, 1.0, 3.0], [True, True, False], True),      # two non-detects at the one smallest value
    ([1.0, 1.0, 3.0], [True, False, False], True),     # "<1" tied with a detected 1.0: still substitution
    ([2.6, 1.5, 1.0], [False, True, False], False),    # a non-detect above a detected value: KM redistributes
    ([1.0, 2.0, 3.0], [True, True, False], False),     # "<2" goes to the smallest value, not to 2: not a bound
    ([2.6, 1.9, 1.0], [False, False, False], False),   # nothing censored: an estimate
])
def test_upper_bound_exactly_when_the_km_mean_is_the_substitution_mean(values, censored, upper):
    assert cens.km_mean_is_upper_bound(values, censored) is upper
    if upper:  # independent check: the KM mean is the plain mean with each "<DL" at DL
        assert cens.km_mean(values, censored)[0] == pytest.approx(np.mean(values), rel=1e-12)


def test_textile_pm_after_is_printed_as_an_upper_bound_and_the_reduction_as_a_lower_bound():
    """Before 35.7, 30.0, 30.5 (illustrative, mean 32.07); after 2.6, 1.9, <1.0: KM mean = (2.6 + 1.9
    + 1.0) / 3 = 1.8333, an upper bound; reduction 100 (1 − 1.8333 / 32.0667) = 94.28 %, a lower bound."""
    data = EndpointData("S1", None, "PM", "concentration", "before-after", "mg/m3", None,
                        before=_runs([35.7, 30.0, 30.5], [False] * 3), after=_runs([2.6, 1.9, 1.0], [False, False, True]))
    out = analyse_endpoint(data).to_dict()
    assert out["after"]["mean"] == pytest.approx(5.5 / 3) and out["after"]["mean_bound"] == "upper"
    assert out["before"].get("mean_bound") is None
    assert out["reduction_pct"] == pytest.approx(100 * (1 - (5.5 / 3) / (96.2 / 3)))
    assert out["reduction_bound"] == "lower"
    assert "censored_mean_upper" in [c["code"] for c in out["caveats"]]
    # the smallest attainable exact p for 3 + 3 runs is 1 / C(6, 3) = 0.05: said beside the Gehan result
    assert "exact_min_p" in [c["code"] for c in out["caveats"]]
    # results.json writes the caveats' texts (verify.results.caveats_block); the view reads them
    ep = {**out, "caveats": caveats_block(out["caveats"]), "source": "S1", "position": None, "pollutant": "PM",
          "metric": "concentration", "design": "before-after", "unit": "mg/m3"}
    view = build_view({"endpoints": [ep]})
    shown = view["endpoints"][0]
    # bounds are rounded outward (an independent recomputation found "<1.83" / "≥94.3%" claimed a hair
    # more than 1.8333 and 94.28 % show): 1.8333 → "<1.84", 94.28 % → "≥94.2%"
    assert shown["after"]["mean"] == "<1.84" and shown["before"]["mean"] == "32.1" and shown["reduction"] == "≥94.2%"
    assert "0.050" in shown["min_p_note"]["zh"]


def test_before_phase_upper_bound_makes_the_reduction_an_upper_bound():
    data = EndpointData("S1", None, "PM", "concentration", "before-after", "mg/m3", None,
                        before=_runs([5.0, 4.0, 2.0], [False, False, True]), after=_runs([1.5, 1.2, 1.1], [False] * 3))
    out = analyse_endpoint(data).to_dict()
    assert out["before"]["mean_bound"] == "upper" and out["reduction_bound"] == "upper"
    assert build_view({"endpoints": [{**out, "source": "S1", "pollutant": "PM", "metric": "concentration",
                                      "design": "before-after", "unit": "mg/m3"}]})["endpoints"][0]["reduction"].startswith("≤")


def test_no_bound_key_without_non_detects():
    data = EndpointData("S1", None, "PM", "concentration", "before-after", "mg/m3", None,
                        before=_runs([5.0, 4.0, 2.5], [False] * 3), after=_runs([1.5, 1.2, 1.1], [False] * 3))
    out = analyse_endpoint(data).to_dict()
    assert "reduction_bound" not in out and "mean_bound" not in out["after"]
