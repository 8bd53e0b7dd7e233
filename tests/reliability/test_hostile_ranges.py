"""Issue 17 item 7 (and the −273.15 °C of item 12): physically impossible values are rejected at
intake by the one range table, implausible ones flagged; the statistics never overflow."""

from __future__ import annotations

import math
import warnings
from decimal import Decimal

import numpy as np
import pytest
from scipy import stats as sps

from relhelp import CLEAN_ROWS, LONG_HEADER, check, entry, long_csv, make_case
from verify.case import Source
from verify.measure.series import EndpointData, PhaseRuns
from verify.sources.ranges import ranges, ranges_for
from verify.stats.endpoint import analyse_endpoint
from verify.stats.ratio import gm_ratio
from verify.stats.twosample import permutation_test, welch_t

C = list(CLEAN_ROWS)


def test_item7_every_row_of_the_range_table_has_a_source_and_an_action():
    rows = ranges()
    assert rows and all(r.source and r.reason and r.action in ("reject", "flag") for r in rows)
    keys = [(r.quantity, r.unit, r.action) for r in rows]
    assert len(set(keys)) == len(keys)


def test_item7_the_o2_row_agrees_with_the_case_format_o2_rule():
    (o2,) = [r for r in ranges_for("o2_pct") if r.action == "reject"]
    # case.toml's o2_ambient_pct may be at most 21 (case.py Source): O2 below every allowed ambient
    ambient = Source.model_fields["o2_ambient_pct"]
    assert (o2.lower, o2.lower_inclusive, o2.upper, o2.upper_inclusive) == (0.0, True, 21.0, False)
    assert any(getattr(m, "le", None) == o2.upper for m in ambient.metadata)


@pytest.mark.parametrize(("value", "unit", "outcome"), [
    ("1e155", "mg/m3", "rejected"),         # the overflow value
    ("2.1e7", "mg/m3", "rejected"),         # 21 kg/m3: denser than any pure gas at 0 degC
    ("2e7", "mg/m3", None),                 # the bound itself is allowed
    ("2.1e10", "ug/m3", "rejected"),
    ("1000001", "ppm", "rejected"),         # more than the pure gas
    ("1000000", "ppm", None),
    ("1.5e9", "ppb", "rejected"),
])
def test_item7_concentrations_beyond_the_pure_gas_are_rejected_at_intake(case_dir, value, unit, outcome):
    make_case(case_dir, {"m.csv": long_csv(*C[:5], f"S1,after,3,CO,{value},{unit}")})
    result, ledger = check(case_dir)
    assert "Traceback" not in result.output
    found = [e for e in ledger if e["cell"] == "E7" and e["reason"] == "above_physical_range"]
    if outcome is None:
        assert result.exit_code == 0 and not found, result.output
    else:
        assert result.exit_code == 2
        (e,) = found
        assert (e["outcome"], e["raw"]) == (outcome, value)


def test_item7_an_implausible_pressure_is_flagged_not_rejected(case_dir):
    header = LONG_HEADER + ",pressure_kpa"
    rows = [r + ",101.3" for r in C]
    rows[2] = C[2] + ",30"  # 30 kPa: hPa or a gauge pressure written as kPa?
    make_case(case_dir, {"m.csv": long_csv(*rows, header=header)})
    result, ledger = check(case_dir)
    assert result.exit_code == 0, result.output
    e = entry(ledger, "G4")
    assert (e["outcome"], e["reason"], e["raw"]) == ("flagged", "pressure_implausible", "30")


@pytest.mark.parametrize("temp", ["-273.15", "-300"])
def test_item12_absolute_zero_is_rejected_like_below_it(case_dir, temp):
    header = LONG_HEADER + ",temp_c"
    rows = [r + ",120" for r in C]
    rows[0] = C[0] + f",{temp}"
    make_case(case_dir, {"m.csv": long_csv(*rows, header=header)})
    result, ledger = check(case_dir)
    assert result.exit_code == 2
    e = entry(ledger, "G2")
    assert (e["outcome"], e["reason"], e["raw"]) == ("rejected", "temperature_impossible", temp)


# ------------------------------------------------------------------ statistics without overflow

HUGE = [([1e155, 2e155, 3e155], [1e154, 2e154, 1.5e154]),
        ([1.0e308, 1.5e308, 1.7e308], [1e307, 2e307, 3e307]),
        ([1e-300, 2e-300, 3e-300], [1e300, 2e300, 3e300])]


def _endpoint(b, a) -> EndpointData:
    runs = ("1", "2", "3")
    return EndpointData(source="S1", position=None, pollutant="NMHC", metric="mass_rate", design="before-after",
                        unit="kg/h", as_species=None, before=PhaseRuns(runs, tuple(b), (False,) * 3),
                        after=PhaseRuns(runs, tuple(a), (False,) * 3))


@pytest.mark.parametrize(("before", "after"), HUGE)
def test_item7_statistics_of_huge_values_raise_nothing_and_warn_nothing(before, after):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any numpy/scipy warning fails the test
        stats = analyse_endpoint(_endpoint(before, after))
        ratio, ci = gm_ratio(before, after)
    assert not [c for c in stats.caveats if c.code == "warning"]
    # the ratio of geometric means on logs, recomputed with Decimal (no float range at all)
    exact = (Decimal(after[0]) * Decimal(after[1]) * Decimal(after[2]) / (Decimal(before[0]) * Decimal(before[1]) * Decimal(before[2]))) ** (Decimal(1) / 3)
    if exact < Decimal("1e308"):
        assert ratio == pytest.approx(float(exact), rel=1e-12)
    else:
        assert ratio == math.inf  # beyond a float64: null in results.json
    # means: exact decimal arithmetic of the same floats
    mean_b = sum(Decimal(x) for x in before) / 3
    assert stats.before.mean == pytest.approx(float(mean_b), rel=1e-15)


def test_item7_scaling_leaves_t_and_p_as_scipy_gives_them_on_scaled_down_values():
    before, after = HUGE[1]
    got = welch_t(np.array(before), np.array(after))
    ref = sps.ttest_ind(np.array(before) / 1e300, np.array(after) / 1e300, equal_var=False, alternative="greater")
    assert got["statistic"] == pytest.approx(ref.statistic, rel=1e-12)
    assert got["p_value"] == pytest.approx(ref.pvalue, rel=1e-10)
    perm = permutation_test(np.array(before), np.array(after))
    assert perm["p_value"] == pytest.approx(1 / 20)  # the after runs are the three smallest of 20 relabelings
    assert perm["statistic"] == pytest.approx(float((sum(Decimal(x) for x in after) - sum(Decimal(x) for x in before)) / 3), rel=1e-14)


def test_item7_ordinary_values_are_computed_bit_for_bit_as_before():
    b, a = [30.1, 32.4, 29.8], [12.0, 11.5, 12.6]
    mean_b = float(np.asarray(b).mean())
    assert analyse_endpoint(_endpoint(b, a)).before.mean == mean_b
