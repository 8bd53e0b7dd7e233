"""One benchmark task, run by ``benchmarks/run.py`` in a fresh interpreter.

``python benchmarks/_child.py TASK ARGS_JSON`` runs TASK and prints one JSON object as the last line
of stdout::

    {"status": "ok" | "not available" | "error", "import_s": …, "work_s": …, "stages": {…}, "info": {…}}

* ``import_s``: time to import what the task needs (reported separately, as the issue asks);
* ``work_s``: the timed work, after imports;
* ``stages``: a breakdown of ``work_s`` (seconds per stage function), where the task has one;
* ``info``: sizes (rows, table bytes), RSS after imports, peak RSS (``ru_maxrss``), ledger counts.

"not available" means the stage is not in the package yet (ImportError/AttributeError on import);
"error" means it ran and raised (the message is kept). The parent never crashes on either.

Only this file and the stage functions it calls run in the child; timings use
``time.perf_counter``. Stage breakdowns wrap module attributes *before* the callers import them,
so the code measured is exactly the code the CLI runs.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path

T_START = time.perf_counter()


class NotAvailable(Exception):
    """The stage does not exist (yet) in the package."""


def _rss_bytes() -> int:
    """Current resident set size (Linux /proc), 0 where unknown."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _maxrss_bytes() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB


class StageTimer:
    """Wraps functions so that each call adds its wall time to ``stages[name]``."""

    def __init__(self) -> None:
        self.stages: dict[str, float] = {}
        self.stages_cpu: dict[str, float] = {}  # CPU seconds (process_time) per stage
        self.peak_after: dict[str, int] = {}  # ru_maxrss (bytes) when the stage returned: where the peak is reached
        self.rss_after: dict[str, int] = {}  # RSS (bytes) when the stage returned: what it keeps
        self.results: dict[str, object] = {}

    def wrap(self, module, attr: str, name: str, keep_result: bool = False, summarize=None) -> None:
        """``keep_result``: keep the last result in ``results[name]``; ``summarize``: keep only
        ``summarize(result, previous summary or None)`` there, so the result itself is not held."""
        original = getattr(module, attr)

        def timed(*args, **kwargs):
            t0, c0 = time.perf_counter(), time.process_time()
            try:
                result = original(*args, **kwargs)
            finally:
                self.stages[name] = self.stages.get(name, 0.0) + time.perf_counter() - t0
                self.stages_cpu[name] = self.stages_cpu.get(name, 0.0) + time.process_time() - c0
                self.peak_after[name] = _maxrss_bytes()
                self.rss_after[name] = _rss_bytes()
            if summarize is not None:
                self.results[name] = summarize(result, self.results.get(name))
            elif keep_result:
                self.results[name] = result
            return result

        timed.__wrapped__ = original  # type: ignore[attr-defined]
        setattr(module, attr, timed)

    def try_wrap(self, module_name: str, attr: str, name: str, keep_result: bool = False, summarize=None) -> bool:
        import importlib

        try:
            module = importlib.import_module(module_name)
            getattr(module, attr)
        except (ImportError, AttributeError):
            return False
        self.wrap(module, attr, name, keep_result, summarize)
        return True


def _call(fn):
    """Call ``fn()``; under ``VERIFY_BENCH_PROFILE=path`` profile just that call (benchmarks/profile_task.py)."""
    path = os.environ.get("VERIFY_BENCH_PROFILE")
    if not path:
        return fn()
    import cProfile

    prof = cProfile.Profile()
    try:
        return prof.runcall(fn)
    finally:
        prof.dump_stats(path)


def _import(names: list[str]) -> None:
    import importlib

    for name in names:
        try:
            importlib.import_module(name)
        except ImportError as exc:
            raise NotAvailable(f"cannot import {name}: {exc}") from None


def _ledger_info(intake) -> dict:
    info: dict = {}
    try:
        table = intake.table
        info["table_rows"] = int(len(table))
        info["table_bytes"] = int(table.memory_usage(deep=True).sum())
    except Exception:  # noqa: BLE001 - informative only
        pass
    try:
        frame = intake.ledger.to_frame()
        info["ledger_entries"] = int(len(frame))
        info["has_rejections"] = bool(intake.ledger.has_rejections)
        if "outcome" in frame.columns:
            info["ledger_outcomes"] = {str(k): int(v) for k, v in frame["outcome"].value_counts().items()}
    except Exception:  # noqa: BLE001
        pass
    return info


# --------------------------------------------------------------------------- tasks


def task_noop(args: dict) -> dict:
    """Does nothing: checks the parent/child protocol (used by the smoke test)."""
    t0 = time.perf_counter()
    total = sum(range(int(args.get("n", 1000))))
    return {"work_s": time.perf_counter() - t0, "info": {"sum": total}}


def _verify_timer(extra: list[tuple[str, str, str]] = (), hold_results: bool = True) -> StageTimer:
    """Import the stage modules and wrap the functions the pipeline calls, before it imports them.

    ``hold_results=False`` (task ``analyze``, whose peak RSS is measured): the intake and the
    normalized slices are summarized when returned (sizes, ledger counts) and not held, so that the
    harness does not keep alive what the pipeline frees."""
    timer = StageTimer()
    intake_summary = None if hold_results else (lambda intake, _: _ledger_info(intake))
    if not timer.try_wrap("verify.sources", "read_inputs", "read_inputs", keep_result=True, summarize=intake_summary):
        raise NotAvailable("verify.sources.read_inputs does not exist yet")
    # the intake's own steps, where they exist: the checks across rows (verify.sources.agreement)
    for attr in ("check_duplicates", "run_level"):
        timer.try_wrap("verify.sources.agreement", attr, f"read_inputs:{attr}")
    for module, attr, name in extra:
        summary = None
        if name == "normalize" and not hold_results:  # bytes summed over the slices pipeline._normalize makes
            summary = lambda frame, prev: (prev or 0) + int(frame.memory_usage(deep=True).sum())  # noqa: E731
        timer.try_wrap(module, attr, name, keep_result=(name == "normalize"), summarize=summary)
    return timer


def task_normalize(args: dict) -> dict:
    """``verify normalize CASE -o OUT.csv`` through :func:`verify.pipeline.normalize_to_file`."""
    timer = _verify_timer([("verify.measure.normalize", "normalize", "normalize"),
                           ("verify.measure.export", "write_csv_slices", "write_csv"),
                           ("verify.measure.export", "arrow_csv_table", "write_csv:arrow_csv_table"),
                           ("verify.pipeline", "load_case", "load_case")], hold_results=False)
    _import(["verify.cli", "verify.pipeline", "pandas", "numpy"])
    from verify import pipeline
    import_s = time.perf_counter() - T_START
    cpus = _set_cpu_count(args)
    rss_after_import = _rss_bytes()
    t0, c0 = time.perf_counter(), time.process_time()
    _call(lambda: pipeline.normalize_to_file(Path(args["case"]), Path(args["out"]), allow_rejected=True))
    work_s, work_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    info = {"rss_after_import": rss_after_import, "peak_after": timer.peak_after, "rss_after": timer.rss_after,
            "cpu_count": cpus}
    if "read_inputs" in timer.results:
        info.update(timer.results["read_inputs"])  # _ledger_info, taken when read_inputs returned
    if "normalize" in timer.results:
        info["normalized_bytes"] = timer.results["normalize"]  # summed over the slices written one by one
    return {"import_s": import_s, "work_s": work_s, "work_cpu_s": work_cpu_s, "stages": timer.stages,
            "stages_cpu": timer.stages_cpu, "info": info}


def _set_cpu_count(args: dict) -> int:
    """``pyarrow.set_cpu_count`` from the harness (the same on both sides of a comparison)."""
    import pyarrow as pa

    n = int(args.get("cpu_count") or pa.cpu_count())
    pa.set_cpu_count(n)
    return n


def task_normalize_baseline(args: dict) -> dict:
    """The pyarrow I/O floor of ``verify normalize``: ``pyarrow.csv.read_csv`` of the input, plus
    ``pyarrow.csv.write_csv`` of verify's own normalized table with the options verify writes it
    with (UTF-8 BOM, ``quoting_style="needed"``, ``\n``), the same ``pyarrow.set_cpu_count``.

    The normalized table is verify's output ``normalized.csv`` read back by pyarrow (text columns,
    time stamps as text, numbers and booleans typed: the table verify hands to the same writer);
    reading it back is timed apart (``build_s``) and not counted in ``work_s``.
    """
    _import(["pyarrow", "pyarrow.csv"])
    import codecs

    import pyarrow as pa
    import pyarrow.csv as pcsv

    import_s = time.perf_counter() - T_START
    cpus = _set_cpu_count(args)
    stages, stages_cpu = {}, {}
    t0, c0 = time.perf_counter(), time.process_time()
    table_in = pcsv.read_csv(args["input"])
    stages["read_csv"], stages_cpu["read_csv"] = time.perf_counter() - t0, time.process_time() - c0
    t1 = time.perf_counter()
    out = _verify_output_table(args.get("sample"), table_in)
    build_s = time.perf_counter() - t1
    t2, c2 = time.perf_counter(), time.process_time()
    with open(args["out"], "wb") as fh:
        fh.write(codecs.BOM_UTF8)
        pcsv.write_csv(out, fh, pcsv.WriteOptions(quoting_style="needed", eol="\n"))
    stages["write_csv"], stages_cpu["write_csv"] = time.perf_counter() - t2, time.process_time() - c2
    return {"import_s": import_s, "work_s": stages["read_csv"] + stages["write_csv"],
            "work_cpu_s": stages_cpu["read_csv"] + stages_cpu["write_csv"], "stages": stages, "stages_cpu": stages_cpu,
            "info": {"build_s": build_s, "rows_in": table_in.num_rows, "rows_out": out.num_rows, "columns_out": out.num_columns,
                     "cpu_count": cpus, "pyarrow": pa.__version__,
                     "shape": "verify output" if args.get("sample") else "input (verify output unknown)"}}


def _verify_output_table(sample: str | None, fallback):
    """verify's normalized table as pyarrow reads it back from ``normalized.csv``: text columns as
    text (the time stamps too, as verify writes them), numbers and booleans typed."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    if not sample or not Path(sample).is_file():
        return fallback
    head = pcsv.read_csv(sample, read_options=pcsv.ReadOptions(block_size=1 << 20)).schema
    text = {f.name: pa.large_string() for f in head if not (pa.types.is_floating(f.type) or pa.types.is_integer(f.type)
                                                            or pa.types.is_boolean(f.type) or pa.types.is_null(f.type))}
    convert = pcsv.ConvertOptions(column_types=text, strings_can_be_null=True, quoted_strings_can_be_null=False)
    return pcsv.read_csv(sample, convert_options=convert)


def task_intake(args: dict) -> dict:
    """Excel (or any) intake: ``load_case`` then ``verify.sources.read_inputs`` (ledger included)."""
    _import(["verify.case", "pandas"])
    try:
        from verify.sources import read_inputs
    except ImportError as exc:
        raise NotAvailable(f"verify.sources.read_inputs: {exc}") from None
    from verify.case import load_case

    import_s = time.perf_counter() - T_START
    rss_after_import = _rss_bytes()
    t0, c0 = time.perf_counter(), time.process_time()
    case = load_case(Path(args["case"]))
    t1, c1 = time.perf_counter(), time.process_time()
    intake = _call(lambda: read_inputs(case))
    t2, c2 = time.perf_counter(), time.process_time()
    info = {"rss_after_import": rss_after_import, **_ledger_info(intake)}
    return {"import_s": import_s, "work_s": t2 - t0, "work_cpu_s": c2 - c0, "stages": {"load_case": t1 - t0, "read_inputs": t2 - t1},
            "stages_cpu": {"load_case": c1 - c0, "read_inputs": c2 - c1},
            "info": info}


def _sheet_part(zf, sheet: str | None) -> str:
    """The zip member of a sheet (workbook.xml + its relationships), first sheet if ``sheet`` is None."""
    from defusedxml import ElementTree as DET

    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    wb = DET.fromstring(zf.read("xl/workbook.xml"))
    rels = DET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels}
    for s in wb.iter(f"{ns_main}sheet"):
        if sheet is None or s.get("name") == sheet:
            target = targets[s.get(f"{ns_rel}id")]
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise KeyError(sheet)


def task_intake_baseline(args: dict) -> dict:
    """``pandas.read_excel(engine="calamine")`` plus one streaming scan of the sheet XML.

    The scan is the fastest safe streaming pass the standard library offers: expat with one Python
    start-element handler, entity declarations and external entities refused (what defusedxml does
    for expat), fed in 1 MiB chunks; it counts formula cells (``<f>``) and merged ranges
    (``<mergeCell>``), the information the formula and merged-cell checks need (docs/platform.md#calamine-hostile).
    (``defusedxml.ElementTree.iterparse`` would be about 4× slower, verify/sources/xlsx_scan.py
    measured, and so a softer baseline.) For a CSV input the baseline is
    ``pandas.read_csv(dtype=str, keep_default_na=False)`` alone.
    """
    _import(["pandas", "python_calamine", "defusedxml"])
    import pyexpat
    import zipfile

    import pandas as pd

    import_s = time.perf_counter() - T_START
    path = args["input"]
    stages, stages_cpu = {}, {}
    info: dict = {}
    t0, c0 = time.perf_counter(), time.process_time()
    if path.endswith(".xlsx"):
        frame = pd.read_excel(path, sheet_name=args.get("sheet") or 0, engine="calamine")
        stages["read_excel_calamine"] = time.perf_counter() - t0
        stages_cpu["read_excel_calamine"] = time.process_time() - c0
        t1, c1 = time.perf_counter(), time.process_time()
        counts = {"c": 0, "f": 0, "mergeCell": 0}

        def start(name, _attrs):
            local = name.rpartition(":")[2]
            if local in counts:
                counts[local] += 1

        def refuse(*_args):
            raise ValueError("entity declarations and external entities are refused")

        with zipfile.ZipFile(path) as zf:
            part = _sheet_part(zf, args.get("sheet"))
            parser = pyexpat.ParserCreate()
            parser.StartElementHandler = start
            parser.EntityDeclHandler = refuse
            parser.UnparsedEntityDeclHandler = refuse
            parser.ExternalEntityRefHandler = refuse
            parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
            with zf.open(part) as fh:
                while chunk := fh.read(1 << 20):
                    parser.Parse(chunk, False)
                parser.Parse(b"", True)
        cells, formulas, merged = counts["c"], counts["f"], counts["mergeCell"]
        stages["xml_scan"] = time.perf_counter() - t1
        stages_cpu["xml_scan"] = time.process_time() - c1
        info.update(cells=cells, formulas=formulas, merged=merged)
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        stages["read_csv"] = time.perf_counter() - t0
    info["rows"] = int(len(frame))
    return {"import_s": import_s, "work_s": sum(stages.values()), "work_cpu_s": time.process_time() - c0,
            "stages": stages, "stages_cpu": stages_cpu, "info": info}


def _median_time(func, loops: int) -> float:
    times = []
    for _ in range(loops):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2]


def task_units(args: dict) -> dict:
    """Unit normalisation of ``n`` values with verify's functions vs the equivalent numpy multiplication.

    Pairs (each timed as the median of ``loops`` calls, same input array, results compared):

    * ``ppmv_to_mg_m3``: NO2 ppmv → mg/m3 at 273.15 K (M = 46.0055 g/mol,
      :func:`verify.measure.conversions.ppmv_to_mg_m3`) vs ``x * (M / Vm)``;
    * ``factor``: ``x * units.factor("ug/m3", "mg/m3")`` with the factor cache cleared before every
      call (so pint's one factor per unit group is paid each time) vs ``x * 1e-3``;
    * ``wet_to_dry``: :func:`verify.measure.conversions.wet_to_dry` vs the same numpy expression
      with the same guard (NaN where H2O is outside [0, 100) %): ``x / (1 - where(valid, b, nan))``;
    * ``change_state``: mg/m3 at 293.15 K → 273.15 K (:func:`verify.measure.conversions.change_state`)
      vs ``x * (293.15 / 273.15)``.
    """
    _import(["numpy"])
    try:
        from verify.measure import conversions as cv
        from verify.measure import units
        from verify.measure.constants import molar_volume_l_per_mol
    except ImportError as exc:
        raise NotAvailable(str(exc)) from None
    import numpy as np

    import_s = time.perf_counter() - T_START
    n, loops = int(args.get("n", 1_000_000)), int(args.get("loops", 15))
    rng = np.random.default_rng(1)
    x = rng.uniform(0.1, 200.0, n)
    h2o = rng.uniform(2.0, 12.0, n)
    def _guarded(b):
        return np.where((b >= 0) & (b < 1), b, np.nan)

    m_no2 = 46.0055  # g/mol, from IUPAC atomic weights (N 14.007, O 15.999)
    # (docs/platform.md#unit-conversion-speed)
    vm = molar_volume_l_per_mol("normal")
    t0 = time.perf_counter()
    pairs = {
        "ppmv_to_mg_m3": (lambda: cv.ppmv_to_mg_m3(x, m_no2, "normal"), lambda: x * (m_no2 / vm)),
        "factor": (lambda: (units.factor.cache_clear(), x * units.factor("ug/m3", "mg/m3"))[1], lambda: x * 1e-3),
        "wet_to_dry": (lambda: cv.wet_to_dry(x, h2o), lambda: x / (1.0 - _guarded(h2o / 100.0))),
        "change_state": (lambda: cv.change_state(x, "epa", "normal"), lambda: x * (293.15 / 273.15)),
    }
    stages, info = {}, {"n": n, "loops": loops}
    for name, (ours, bare) in pairs.items():
        a, b = ours(), bare()
        info[f"{name}_max_rel_diff"] = float(np.max(np.abs(a / b - 1.0)))
        ours(), bare()  # warm
        stages[f"{name}:verify"] = _median_time(ours, loops)
        stages[f"{name}:numpy"] = _median_time(bare, loops)
        info[f"{name}_ratio"] = stages[f"{name}:verify"] / stages[f"{name}:numpy"]
    return {"import_s": import_s, "work_s": time.perf_counter() - t0, "stages": stages, "info": info}


def _import_all_verify() -> None:
    """Import every verify module, so that "RSS after imports" holds code, not data."""
    import importlib
    import pkgutil

    import verify

    for mod in pkgutil.walk_packages(verify.__path__, "verify."):
        try:
            importlib.import_module(mod.name)
        except Exception:  # noqa: BLE001 - a module not finished yet is simply not imported
            pass


def task_analyze(args: dict) -> dict:
    """``verify analyze CASE -o results.json`` through :func:`verify.pipeline.analyze_to_file`.

    Every verify module (and statsmodels) is imported before the RSS baseline, so the memory ratio
    (peak RSS − RSS after imports) / loaded table measures data, not code. The loaded table's size
    (``table_bytes``, ``memory_usage(deep=True)``) is taken when ``read_inputs`` returns, and the
    harness then holds neither the intake nor the normalized slices (``hold_results=False``): the
    peak is the pipeline's, which drops the canonical table once normalized. (Before 2026-11-23 the
    harness held the intake to the end, so the peak also counted a table the pipeline had freed.)
    """
    timer = _verify_timer([
        ("verify.measure.normalize", "normalize", "normalize"),
        ("verify.measure.endpoints", "build_endpoints", "build_endpoints"),
        ("verify.stats.continuous", "hourly_table", "hourly_table"),
        ("verify.stats.continuous", "hac_ols", "hac_ols"),
        ("verify.stats.continuous", "sarimax_effect", "sarimax_effect"),
    ], hold_results=False)
    _import(["verify.cli", "verify.pipeline", "verify.results", "pandas", "numpy", "statsmodels.api",
             "statsmodels.tsa.statespace.sarimax"])
    _import_all_verify()
    from verify import pipeline

    timer.try_wrap("verify.pipeline", "load_case", "load_case")
    import_s = time.perf_counter() - T_START
    _set_cpu_count(args)
    rss_after_import = _rss_bytes()
    t0, c0 = time.perf_counter(), time.process_time()
    _call(lambda: pipeline.analyze_to_file(Path(args["case"]), Path(args["out"]), allow_rejected=True))
    work_s, work_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    info = {"rss_after_import": rss_after_import, "peak_after": timer.peak_after, "rss_after": timer.rss_after}
    if "read_inputs" in timer.results:
        info.update(timer.results["read_inputs"])  # _ledger_info, taken when read_inputs returned
    if "normalize" in timer.results:
        info["normalized_bytes"] = timer.results["normalize"]  # the full normalized table, summed over slices
    return {"import_s": import_s, "work_s": work_s, "work_cpu_s": work_cpu_s, "stages": timer.stages,
            "stages_cpu": timer.stages_cpu, "info": info}


def task_run(args: dict) -> dict:
    """``verify run CASE -o OUTDIR`` through :func:`verify.pipeline.run`, timed per step."""
    _import(["verify.cli", "verify.pipeline"])
    from verify import pipeline

    import_s = time.perf_counter() - T_START
    stages: dict[str, float] = {}
    state = {"name": None, "t": time.perf_counter()}

    def step(name) -> None:  # the pipeline names its steps as messages (verify.i18n.Msg): keyed by their English
        now = time.perf_counter()
        if state["name"] is not None:
            stages[state["name"]] = now - state["t"]
        state.update(name=name.render() if hasattr(name, "render") else str(name), t=now)

    t0, c0 = time.perf_counter(), time.process_time()
    _call(lambda: pipeline.run(Path(args["case"]), Path(args["out"]), allow_rejected=bool(args.get("allow_rejected")),
                               step=step))
    step("")
    work_s, work_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    stages.pop("", None)
    outputs = sorted(p.name for p in Path(args["out"]).iterdir())
    return {"import_s": import_s, "work_s": work_s, "work_cpu_s": work_cpu_s, "stages": stages,
            "info": {"outputs": outputs}}


TASKS = {
    "noop": task_noop,
    "normalize": task_normalize,
    "normalize-baseline": task_normalize_baseline,
    "intake": task_intake,
    "intake-baseline": task_intake_baseline,
    "units": task_units,
    "analyze": task_analyze,
    "run": task_run,
}


def main(argv: list[str]) -> int:
    task, args = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    result: dict
    try:
        result = {"status": "ok", **TASKS[task](args)}
    except NotAvailable as exc:
        result = {"status": "not available", "reason": str(exc)}
    except Exception as exc:  # noqa: BLE001 - the parent reports it and goes on
        name = type(exc).__name__
        not_there = isinstance(exc, (ImportError, NotImplementedError))  # a lazy import of a stage not written yet
        result = {"status": "not available" if not_there else "error", "reason": f"{name}: {exc}",
                  "traceback": traceback.format_exc(limit=8)}
    result.setdefault("info", {})
    result["info"]["maxrss"] = _maxrss_bytes()
    sys.stdout.write("\n" + json.dumps(result, default=str) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("NO_COLOR", "1")
    raise SystemExit(main(sys.argv[1:]))
