"""QA checks: pass and fail cases, bilingual details with identical keys and placeholders."""

import string


from verify.measure.normalize import normalize
from verify.measure.qa import run_checks
from verify.results import qa_block
from verify.sentences import catalogue


def qa_items(normalized, case):
    """The QA items as results.json writes them (each with its ja/zh detail)."""
    return qa_block(run_checks(normalized, case))


def _find(items, check, **kw):
    out = [i for i in items if i["check"] == check and all(i.get(k) == v for k, v in kw.items())]
    assert len(out) == 1, (check, kw, out)
    return out[0]


def _rows(n_before=3, n_after=3, load_after=80.0, method_after="HJ 38-2017", lod_after=0.07, o2_after=12.0, flow_after=1000.0):
    rows = []
    for phase, n in (("before", n_before), ("after", n_after)):
        for r in range(1, n + 1):
            rows.append(dict(source="S1", phase=phase, run=str(r), pollutant="NMHC", value=10.0, as_species="C",
                             method="HJ 38-2017" if phase == "before" else method_after,
                             lod=0.07 if phase == "before" else lod_after,
                             load_pct=90.0 if phase == "before" else load_after,
                             o2_pct=12.0 if phase == "before" else o2_after,
                             h2o_pct=5.0, flow=1000.0 if phase == "before" else flow_after, flow_unit="m3/h",
                             flow_basis="standard-dry", flow_std_state="normal"))
    return rows


def test_all_pass(make_case, canon):
    case = make_case()
    items = qa_items(normalize(canon(_rows()), case), case)
    assert items and all(i["passed"] is True for i in items), [i for i in items if i["passed"] is not True]
    checks = {i["check"] for i in items}
    assert {"min_runs", "load", "o2_range", "moisture", "flow_positive", "same_method", "same_basis", "detection_limits"} <= checks
    assert all(set(i["detail"]) == {"ja", "zh"} and i["detail"]["ja"] and i["detail"]["zh"] for i in items)


def test_failures(make_case, canon):
    case = make_case()
    rows = _rows(n_after=2, load_after=70.0, method_after="HJ 604-2017", lod_after=0.2, flow_after=-5.0)
    items = qa_items(normalize(canon(rows), case), case)
    mr = _find(items, "min_runs", phase="after")
    assert mr["passed"] is False and "2" in mr["detail"]["zh"]
    assert _find(items, "min_runs", phase="before")["passed"] is True
    ld = _find(items, "load", phase="after")
    assert ld["passed"] is False and "70" in ld["detail"]["ja"]
    assert _find(items, "flow_positive", phase="after")["passed"] is False
    assert _find(items, "same_method")["passed"] is False
    dl = _find(items, "detection_limits")  # 0.2/0.07 = 2.86 > 2
    assert dl["passed"] is False and "2.86倍" in dl["detail"]["ja"]  # 0.2 / 0.07 = 2.857…, three significant figures


def test_o2_and_missing_load(make_case, canon):
    case = make_case()
    rows = _rows(o2_after=21.5, load_after=None)
    items = qa_items(normalize(canon(rows), case), case)
    assert _find(items, "o2_range", phase="after")["passed"] is False
    ld = _find(items, "load", phase="after")
    assert ld["passed"] is None and "HJ/T 397" in ld["detail"]["zh"]


def test_same_basis_fails_on_different_state(make_case, canon):
    case = make_case()
    rows = _rows()
    for r in rows:
        if r["phase"] == "after":
            r["std_state"] = "epa"
    items = qa_items(normalize(canon(rows), case), case)
    sb = _find(items, "same_basis")
    assert sb["passed"] is False and "20 ℃" in sb["detail"]["ja"] and "0 ℃" in sb["detail"]["ja"]


def test_lab_cross_check_item(make_case, canon):
    case = make_case()
    rows = _rows()
    rows[0]["rate_reported"] = 0.0105  # computed 10 mg/m3 × 1000 m3/h × 1e-6 = 0.01 kg/h → 5 % off
    items = qa_items(normalize(canon(rows), case), case)
    lab = _find(items, "lab_rate", phase="before")
    assert lab["passed"] is False and "5" in lab["detail"]["zh"]


def test_text_catalogue_parity():
    cat = catalogue("qa_text")
    fmt = string.Formatter()
    for check, outcomes in cat.items():
        if check == "phase":
            assert all(set(v) == {"ja", "zh"} for v in outcomes.values())
            continue
        for outcome, langs in outcomes.items():
            assert set(langs) == {"ja", "zh"}, (check, outcome)
            names = [{f for _, f, _, _ in fmt.parse(langs[l]) if f} for l in ("ja", "zh")]
            assert names[0] == names[1], (check, outcome)


def test_no_load_check_for_fugitive_points(make_case, canon):
    case = make_case(sources=[{"id": "D1", "kind": "fugitive", "role": "downwind"}])
    rows = [dict(source="D1", phase=p, run=str(r), pollutant="NMHC", value=1.0) for p in ("before", "after") for r in (1, 2, 3)]
    items = qa_items(normalize(canon(rows), case), case)
    assert not [i for i in items if i["check"] == "load"]
    assert all(i["passed"] for i in items if i["check"] == "min_runs")


def test_derived_values_reports_unusable_rows(make_case, canon):
    case = make_case()
    rows = _rows()
    rows[0]["basis"] = "standard-wet"
    rows[0]["h2o_pct"] = None  # wet value without moisture: cannot be made dry
    items = qa_items(normalize(canon(rows), case), case)
    d = _find(items, "derived_values", phase="before")
    assert d["passed"] is False and "h2o_pct" in d["detail"]["ja"] and "1" in d["detail"]["zh"]
    assert _find(items, "derived_values", phase="after")["passed"] is True
