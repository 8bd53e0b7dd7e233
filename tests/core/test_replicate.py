"""The replication diff: exact for counts/strings/hashes, relative tolerance for floats."""

from verify.replicate import compare_results

BASE = {
    "schema": "verify.results/1",
    "tool": {"version": "0.1.0"},
    "inputs": [{"file": "data/a.csv", "sheet": None, "sha256": "ab" * 32, "rows": 24}],
    "endpoints": [{"source": "S1", "position": None, "pollutant": "NMHC", "metric": "mass_rate",
                   "reduction_pct": 57.69, "before": {"n": 3, "values": [1.2, 1.4, 1.3]}}],
}


def copy(obj):
    import json

    return json.loads(json.dumps(obj))


def test_identical_results_replicate():
    assert compare_results(BASE, copy(BASE)).ok


def test_float_noise_within_tolerance_replicates():
    other = copy(BASE)
    other["endpoints"][0]["reduction_pct"] = 57.69 * (1 + 1e-12)
    assert compare_results(BASE, other).ok


def test_a_30_percent_change_is_a_mismatch_with_a_readable_path():
    other = copy(BASE)
    other["endpoints"][0]["before"]["values"][1] = 1.4 * 1.3
    rep = compare_results(BASE, other)
    assert not rep.ok
    assert rep.differences[0].path == "endpoints[S1,,NMHC,mass_rate].before.values[1]"


def test_counts_and_hashes_are_exact():
    other = copy(BASE)
    other["inputs"][0]["rows"] = 25
    other["inputs"][0]["sha256"] = "cd" * 32
    paths = {d.path for d in compare_results(BASE, other).differences}
    assert paths == {"inputs[data/a.csv,].rows", "inputs[data/a.csv,].sha256"}


def test_tool_versions_are_notes_not_mismatches():
    other = copy(BASE)
    other["tool"]["version"] = "0.2.0"
    rep = compare_results(BASE, other)
    assert rep.ok and len(rep.notes) == 1


def test_missing_and_extra_keys_and_null_vs_number():
    other = copy(BASE)
    del other["endpoints"][0]["reduction_pct"]
    other["endpoints"][0]["new_key"] = 1
    other["inputs"][0]["sheet"] = "S1"
    kinds = sorted(d.kind for d in compare_results(BASE, other).differences)
    assert kinds == ["extra", "missing", "value"]
