"""Warnings become caveats (docs/platform.md#statsmodels); property checks of the interval."""

import warnings

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from verify.measure.series import EndpointData, PhaseRuns
from verify.results import caveats_block
from verify.stats import comparability, ratio as rt
from verify.stats import twosample
from verify.stats.endpoint import analyse_endpoint


def test_runtime_warning_becomes_caveat(monkeypatch):
    original = twosample.welch_t

    def noisy(b, a):
        warnings.warn("precision loss", RuntimeWarning)
        return original(b, a)

    monkeypatch.setattr(twosample, "welch_t", noisy)
    data = EndpointData("S1", None, "NMHC", "mass_rate", "before-after", "kg/h", None,
                        before=PhaseRuns(("1", "2"), (1.0, 1.2), (False, False)),
                        after=PhaseRuns(("1", "2"), (0.5, 0.7), (False, False)))
    out = analyse_endpoint(data).to_dict()
    cav = [c for c in caveats_block(out["caveats"]) if c["code"] == "warning"]
    assert len(cav) == 1 and "RuntimeWarning: precision loss" in cav[0]["text"]["ja"]


def test_tost_warning_becomes_a_caveat_of_the_source(monkeypatch):
    """A warning statsmodels raises in the load TOST is kept as a ``warning`` caveat of that source
    (once per distinct text), no longer silenced; the test's numbers are unchanged."""
    original = comparability.ttost_ind

    def noisy(*args, **kwargs):
        warnings.warn("invalid value encountered in divide", RuntimeWarning)
        warnings.warn("invalid value encountered in divide", RuntimeWarning)
        return original(*args, **kwargs)

    quiet = comparability.load_tost([88, 89, 87], [90, 89, 91], 10)
    monkeypatch.setattr(comparability, "ttost_ind", noisy)
    loud = comparability.load_tost([88, 89, 87], [90, 89, 91], 10)
    assert quiet["caveats"] == [] and loud["p_value"] == quiet["p_value"]
    block = comparability.describe("S1", loud)
    (cav,) = caveats_block(block["caveats"])
    assert cav["code"] == "warning" and "RuntimeWarning: invalid value encountered in divide" in cav["text"]["zh"]
    assert list(block)[-2:] == ["verdict", "caveats"]


positive = st.floats(min_value=0.5, max_value=100, allow_nan=False, allow_infinity=False)


@pytest.mark.filterwarnings("ignore:Precision loss:RuntimeWarning")  # scipy on near-constant samples
@settings(max_examples=40, deadline=None)
@given(st.lists(positive, min_size=2, max_size=6), st.lists(positive, min_size=2, max_size=6))
@example(before=[0.5, 0.5], after=[0.5, 0.5000000000000001])  # rounding noise is no spread (stats.spread)
def test_fieller_interval_properties(before, after):
    m = rt.TwoMeans.from_values(before, after)
    if not m.usable:
        return
    ci = rt.fieller_interval(m)
    if ci is None:
        # unbounded: the before mean is not clearly above zero at the limit df
        assert m.mean_b / np.sqrt(m.var_b / m.n_b) <= sps.t.ppf(0.975, m.n_b - 1) + 1e-9
        return
    lo, hi = ci
    assert lo <= m.mean_a / m.mean_b <= hi
    for bound in (lo, hi):
        p = sps.ttest_ind(after, bound * np.asarray(before), equal_var=False).pvalue
        assert p == pytest.approx(0.05, abs=1e-6)
