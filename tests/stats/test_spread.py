"""Rounding noise is no run-to-run spread (verify.stats.spread); the hypothesis case that found it."""

import numpy as np
import pytest

from verify.stats import ratio as rt
from verify.stats import twosample as ts
from verify.stats.spread import sample_var


def test_last_bit_differences_are_no_spread():
    assert sample_var([0.5, 0.5000000000000001]) == 0.0
    assert sample_var([120.0, 120.0 * (1 + 5e-10)]) == 0.0
    # a real difference in the 4th significant digit is spread, computed as numpy does
    assert sample_var([120.0, 120.1, 119.9]) == pytest.approx(np.var([120.0, 120.1, 119.9], ddof=1), rel=1e-15)


def test_constant_before_and_noise_after_is_insufficient_not_a_p_value():
    # found by hypothesis in test_fieller_interval_properties: scipy gave p = 1.0 at the "bound"
    before, after = [0.5, 0.5], [0.5, 0.5000000000000001]
    assert ts.welch_t(np.array(before), np.array(after)) is None
    m = rt.TwoMeans.from_values(before, after)
    assert not m.usable and rt.fieller_interval(m) is None
