"""results_table() on hand-made tables: text columns become categoricals with sorted categories, so
that every groupby of the results (runs_block, run_loads, QA, endpoints) orders as on the text; and
the QA ``missing`` reasons are read per distinct text."""

import pandas as pd

from verify.measure.endpoints import build_endpoints
from verify.measure.normalize import normalize
from verify.measure.qa import _blocking, run_checks
from verify.results import results_table, runs_block
from verify.stats.analysis import run_loads


def test_categories_sorted_not_first_seen(make_case, canon):
    """Sources and positions seen in an unsorted order: categories (and so groupby order) are sorted."""
    case = make_case(sources=[{"id": "S2", "kind": "stack"}, {"id": "S1", "kind": "stack"}])
    flow = dict(flow=1000.0, flow_unit="m3/h", flow_basis="standard-dry", flow_std_state="normal")
    rows = [dict(source=s, position=p, phase=ph, run=r, pollutant="PM", value=v, load_pct=80.0 + v, **flow)
            for s, p in (("S2", "outlet"), ("S1", None), ("S1", "inlet"))
            for ph in ("after", "before") for r, v in (("2", 5.0), ("10", 6.0), ("1", 7.0))]
    full = normalize(canon(rows), case)
    small = results_table(full)
    assert list(small["source"].cat.categories) == ["S1", "S2"]
    assert list(small["position"].cat.categories) == ["inlet", "outlet"]
    assert runs_block(small) == runs_block(full)
    assert run_loads(small) == run_loads(full)
    assert run_checks(small, case) == run_checks(full, case)
    assert [e.key for e in build_endpoints(small, case)] == [e.key for e in build_endpoints(full, case)]


def test_blocking_reasons_per_distinct_text():
    missing = pd.Series(["conc: no value; rate_check: nothing", None, "mass_rate: no flow", "conc: no value; rate_check: nothing",
                         "flow: no flow_unit; conc_o2: no o2_pct", ""], dtype="string")
    expected_k = 3  # rows 0, 3 (conc:) and 4 (flow:, conc_o2:)
    expected = sorted({"conc: no value", "flow: no flow_unit", "conc_o2: no o2_pct"})
    assert _blocking(missing) == (expected_k, expected)
    assert _blocking(missing.astype("category")) == (expected_k, expected)
    assert _blocking(pd.Series([None, None], dtype="string")) == (0, [])
