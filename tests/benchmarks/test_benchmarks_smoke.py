"""Smoke tests of benchmarks/: the generator writes valid case folders and the harness runs.

Tiny sizes only, no timed assertions (timings are what the benchmarks report, not what tests check).
"""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import pytest

from verify.case import load_case, normalise_label

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str, file: str):
    """Import a benchmarks/ script under a unique module name (no sys.path change for other tests)."""
    spec = importlib.util.spec_from_file_location(name, BENCH / file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


generate = _load("bench_generate", "generate.py")
bench_run = _load("bench_run", "run.py")
bench_child = _load("bench_child", "_child.py")


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_long_csv_case_loads_and_has_exact_rows(tmp_path):
    spec = generate.Spec(rows=203, layout="long", fmt="csv")
    folder = generate.generate_case(tmp_path / "long", spec)
    case = load_case(folder)
    assert [f.path for f in case.manifest.file] == ["data/cems_long.csv"]
    assert case.sources["S1"].aliases == [generate.SOURCE_ALIAS]
    rows = _csv_rows(folder / "data" / "cems_long.csv")
    assert rows[0] == generate.LONG_HEADER
    assert len(rows) - 1 == 203  # exactly the rows asked for, header apart
    # every reading lies inside a [[period]] of its case (nothing "outside period")
    periods = [(p.start, p.end) for p in case.manifest.period]
    assert [p.phase for p in case.manifest.period] == ["before", "after"]
    import datetime as dt

    for row in rows[1:]:
        t = dt.datetime.strptime(row[0], "%Y-%m-%d %H:%M:%S")
        assert any(a <= t < b for a, b in periods), t
    flags = {row[5] for row in rows[1:]}
    assert flags <= set(generate.FLAG_SEVERITY)  # HJ 212-2017 flags only


def test_generator_is_deterministic(tmp_path):
    spec = generate.Spec(rows=120, layout="wide", fmt="csv")
    a = generate.generate_case(tmp_path / "a", spec)
    b = generate.generate_case(tmp_path / "b", spec)
    assert (a / spec.data_file).read_bytes() == (b / spec.data_file).read_bytes()
    c = generate.generate_case(tmp_path / "c", generate.Spec(rows=120, layout="wide", fmt="csv", seed=7))
    assert (a / spec.data_file).read_bytes() != (c / spec.data_file).read_bytes()


def test_wide_xlsx_case_loads(tmp_path):
    from openpyxl import load_workbook

    spec = generate.Spec(rows=40, layout="wide", fmt="xlsx")
    folder = generate.generate_case(tmp_path / "wide", spec)
    case = load_case(folder)
    assert case.manifest.file[0].sheet == "CEMS"
    ws = load_workbook(folder / spec.data_file, read_only=True)["CEMS"]
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 41
    assert rows[0][0] == "监测时间" and rows[0][2] == "非甲烷总烃(mg/m3)"
    assert hasattr(rows[1][0], "year")  # a real datetime cell, not text


def test_headers_and_pollutants_are_known_to_the_intake():
    """The generated files use only headers and pollutant names the alias tables know."""
    from verify.sources import aliases

    headers = aliases.header_aliases()
    known = {normalise_label(k) for k in headers} | {aliases.norm(k) for k in headers}
    for header in generate.LONG_HEADER:
        assert aliases.norm(header) in known or normalise_label(header) in known, header
    pollutants = aliases.pollutant_aliases()
    for ch in generate.CHANNELS:
        key = pollutants.get(aliases.norm(ch.label), pollutants.get(ch.label))
        assert key == ch.key, (ch.label, key)


def test_harness_runs_a_child_and_reports():
    sample = bench_run.run_job(bench_run.Job("noop", "noop", {"n": 10}))
    assert sample.status == "ok", sample.reason
    assert sample.info["sum"] == 45
    assert sample.maxrss > 0 and sample.work_s is not None
    missing = bench_run.run_job(bench_run.Job("gone", "", cmd=["/nonexistent/verify", "run"]))
    assert missing.status == "not available"
    med = {"noop": bench_run.median_sample([sample, sample]), "gone": bench_run.median_sample([missing])}
    assert med["noop"]["n"] == 2 and med["gone"]["status"] == "not available"


def test_peak_memory_is_the_childs_own_not_the_parents():
    """The harness spawns from a large parent (it generates the data in-process). Linux carries
    the spawning image's RSS high-water mark into the child's ru_maxrss, so without
    benchmarks/_launch.py a 20 MiB child reported the parent's ~800 MiB (the 2026-12-02 run)."""
    ballast = bytearray(400 * 1024 * 1024)  # the parent holds 400 MiB, touched
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    sample = bench_run.run_job(bench_run.Job("noop", "noop", {"n": 10}))
    assert sample.status == "ok", sample.reason
    assert 0 < sample.maxrss < 200 * 1024 * 1024, sample.maxrss  # a bare child is tens of MiB
    assert sample.cpu_s is not None and sample.cpu_s > 0
    del ballast


def test_comparisons_ratios_and_missing_stages():
    def ok(work, **extra):
        return {"status": "ok", "work_s": work, "work_cpu_s": work, "work_cpu_s_min": work, "import_s": 1.0, "wall_s": work + 1,
                "maxrss": 400 * 2**20, "stages": {}, "info": extra}

    med = {
        "normalize": ok(6.0), "normalize-baseline": ok(2.0),
        "intake": {"status": "not available", "reason": "no xlsx reader"}, "intake-baseline": ok(1.0),
        "analyze": ok(20.0, table_bytes=100 * 2**20, rss_after_import=200 * 2**20),
    }
    comps = {c["what"].split(",")[0]: c for c in bench_run.comparisons(med)}
    a = comps["verify normalize"]
    assert a["ratio"] == pytest.approx(3.0) and a["met"] is True  # 6/2 = 3, target <= 5
    assert a["met_stretch"] is True  # stretch <= 3
    d = comps["verify analyze"]
    assert d["ratio"] == pytest.approx(10.0) and d["met"] is False  # 20/2 = 10 against the same floor, target <= 5
    b = comps["Excel intake"]
    assert b["ratio"] is None and b["met"] is None and "not available" in b["status"]
    mem = comps["verify analyze: (peak RSS - RSS after imports) / loaded table"]
    assert mem["ratio"] == pytest.approx(2.0) and mem["met"] is True  # (400-200)/100
    text = bench_run.format_tables(med, bench_run.comparisons(med))
    assert "not available" in text and "3.00" in text


def test_best_of_repeats_is_judged_beside_the_median():
    """Medians of 3: verify 11.7 s vs 7.9 s (1.48, met); minima 11.2 vs 5.7 (1.97, missed). The
    2026-12-02 run of (b) looked like this: the verdict must show the disagreement."""
    def sample(name, work):
        return bench_run.Sample(name, "ok", work + 1, 100 * 2**20, import_s=0.5, work_s=work, work_cpu_s=work, cpu_s=work + 1)

    med = {"intake": bench_run.median_sample([sample("intake", w) for w in (11.7, 11.2, 14.8)]),
           "intake-baseline": bench_run.median_sample([sample("intake-baseline", w) for w in (8.1, 7.9, 5.7)])}
    b = next(c for c in bench_run.comparisons(med) if c["id"] == "b")
    assert b["cpu_ratio"] == pytest.approx(11.7 / 7.9) and b["met_cpu"] is True
    assert b["best"] == pytest.approx(11.2 / 5.7) and b["met_best"] is False
    assert "yes/yes/NO" in bench_run.format_tables(med, [b])


def test_shuffle_keeps_the_baseline_after_the_first_normalize():
    jobs = [bench_run.Job(n, n) for n in ("normalize", "normalize-baseline", "units", "intake")]
    for seed in range(20):
        names = [j.name for j in bench_run.shuffled(jobs, 3, seed)]
        assert sorted(names) == sorted([j.name for j in jobs] * 3)
        assert names.index("normalize") < names.index("normalize-baseline"), seed
    # the order does change with the seed (it is a shuffle, not a fixed order)
    assert len({tuple(j.name for j in bench_run.shuffled(jobs, 3, s)) for s in range(5)}) > 1


def test_excel_baseline_scan_counts_formulas_and_merged_cells(tmp_path):
    """The baseline's streaming scan sees what calamine hides (docs/platform.md#calamine-hostile): formulas, merges."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "S"
    ws.append(["a", "b", "c"])
    ws.append([1, 2, "=A2+B2"])
    ws.append([3, 4, 5])
    ws.merge_cells("A3:B3")
    path = tmp_path / "t.xlsx"
    wb.save(path)
    out = bench_child.task_intake_baseline({"input": str(path), "sheet": "S"})
    assert out["info"]["formulas"] == 1
    assert out["info"]["merged"] == 1
    assert out["info"]["rows"] == 2  # data rows under the header, as pandas reads them
    assert set(out["stages"]) == {"read_excel_calamine", "xml_scan"}
