"""Profile one benchmark task with cProfile, in a fresh process, on the benchmark's own data.

    .venv/bin/python benchmarks/profile_task.py normalize            # 1,000,000-row long CSV case
    .venv/bin/python benchmarks/profile_task.py intake --rows 50000  # wide xlsx case of 50,000 rows
    .venv/bin/python benchmarks/profile_task.py analyze | run

Only the work is profiled (the child's ``VERIFY_BENCH_PROFILE``), not the imports. Prints the
functions with the most own time (tottime), then own time summed per module, so a
missed target can be traced to the module (and so the engineer) that owns the hot code. The
profile file is kept under benchmarks/.cache/ for ``python -m pstats``.
"""

from __future__ import annotations

import argparse
import json
import pstats
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
import run  # noqa: E402


def task_args(task: str, rows: int | None, work: Path) -> dict:
    if task in ("normalize", "analyze"):
        case = generate.cached_case(generate.Spec(rows=rows or run.FULL["long_rows"]))
        return {"case": str(case), "out": str(work / ("normalized.csv" if task == "normalize" else "results.json"))}
    if task == "intake":
        return {"case": str(generate.cached_case(generate.Spec(rows=rows or run.FULL["xlsx_rows"], layout="wide", fmt="xlsx")))}
    if task == "run":
        return {"case": str(run.TEXTILE_CASE), "out": str(work / "run-out")}
    raise SystemExit(f"unknown task {task!r}")


def module_of(filename: str) -> str:
    """``…/verify/sources/cells.py`` → ``verify.sources.cells``; library files by top package."""
    parts = Path(filename).with_suffix("").parts
    for anchor in ("verify", "site-packages"):
        if anchor in parts:
            i = len(parts) - 1 - parts[::-1].index(anchor)
            rest = parts[i:] if anchor == "verify" else parts[i + 1:i + 4]
            return ".".join(rest)
    return filename if filename.startswith("~") or filename.startswith("<") else Path(filename).name


def summarise(prof: Path, top: int = 25) -> str:
    stats = pstats.Stats(str(prof))
    rows = []
    per_module: dict[str, float] = defaultdict(float)
    for (filename, line, func), (cc, nc, tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        mod = module_of(filename)
        rows.append((tt, ct, nc, f"{mod}:{line}({func})"))
        per_module[mod] += tt
    total = sum(r[0] for r in rows)
    out = [f"total own time {total:.2f} s", "", f"{'tottime':>8} {'cumtime':>8} {'calls':>10}  function"]
    for tt, ct, nc, name in sorted(rows, reverse=True)[:top]:
        out.append(f"{tt:8.3f} {ct:8.3f} {nc:10d}  {name}")
    out += ["", "verify functions by cumulative time (what calls the library code above)", "",
            f"{'cumtime':>8} {'tottime':>8} {'calls':>10}  function"]
    ours = [r for r in rows if r[3].startswith("verify.")]
    for tt, ct, nc, name in sorted(ours, key=lambda r: -r[1])[:top]:
        out.append(f"{ct:8.3f} {tt:8.3f} {nc:10d}  {name}")
    out += ["", f"{'own time':>8} {'share':>6}  module"]
    for mod, tt in sorted(per_module.items(), key=lambda kv: -kv[1])[:top]:
        out.append(f"{tt:8.3f} {tt / total:6.1%}  {mod}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="cProfile one benchmark task in a fresh process.")
    parser.add_argument("task", choices=("normalize", "intake", "analyze", "run"))
    parser.add_argument("--rows", type=int, help="size of the generated case (default: the full benchmark size)")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    work = HERE / ".cache" / "profile"
    work.mkdir(parents=True, exist_ok=True)
    prof = work / f"{args.task}.prof"
    child_args = task_args(args.task, args.rows, work)
    if prof.exists():
        prof.unlink()
    cmd = [sys.executable, str(run.CHILD), args.task, json.dumps(child_args)]
    env = {**run.child_env(), "VERIFY_BENCH_PROFILE": str(prof)}  # the child profiles only the work, not imports
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=run.ROOT)
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    print(f"child: {last[:600]}")
    if proc.returncode != 0 or not prof.is_file():
        print(proc.stderr[-2000:], file=sys.stderr)
        return 1
    print(summarise(prof, args.top))
    print(f"\nprofile: {prof}  (python -m pstats {prof})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
