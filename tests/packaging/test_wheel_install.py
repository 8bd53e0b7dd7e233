"""A wheel built from this checkout, installed into a fresh venv with no repository beside it,
runs the main job, a two-worker batch and a replication on a copied bundled case.

This is the install most users make (``pip install`` of a wheel or of the source), and the one a
Dask worker on a cluster has: only what the wheel carries is there. It needs the network (or the
machine's wheel cache) to install the dependencies, as ``scripts/setup.sh`` does.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT / "case_studies" / "jiangsu-textile-dyeing"
OUTPUTS = ["ledger.csv", "normalized.csv", "results.json", "report.pdf", "report.html", "summary.xlsx"]


def _run(cmd, cwd, timeout=900):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    assert done.returncode == 0, f"{cmd} exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(work folder, venv bin) after building the sdist and wheel and installing the wheel."""
    work = tmp_path_factory.mktemp("wheel")
    dist = work / "dist"
    # python -m build makes the sdist, then the wheel from the sdist: both must carry the templates.
    _run([sys.executable, "-m", "build", "--outdir", dist, ROOT], cwd=work)
    wheels = list(dist.glob("verify-*.whl"))
    assert len(wheels) == 1 and list(dist.glob("verify-*.tar.gz")), sorted(dist.iterdir())
    _run([sys.executable, "-m", "venv", work / "venv"], cwd=work)
    bin_dir = work / "venv" / "bin"
    _run([bin_dir / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check",
          "-c", ROOT / "requirements.lock", wheels[0]], cwd=work)
    shutil.copytree(CASE, work / "case")
    return work, bin_dir


@pytest.mark.slow
def test_the_installed_package_is_not_the_repository(installed):
    work, bin_dir = installed
    where = _run([bin_dir / "python", "-c", "import verify, verify.resources as r; "
                  "print(verify.__file__); print(r.templates_dir())"], cwd=work).stdout.split()
    assert all(str(work / "venv") in line for line in where), where
    assert not any(str(ROOT) in line for line in where), where


@pytest.mark.slow
def test_wheel_runs_the_main_job(installed):
    work, bin_dir = installed
    _run([bin_dir / "verify", "run", "case", "-o", "out"], cwd=work)
    for name in OUTPUTS:
        assert (work / "out" / name).stat().st_size > 0, name
    results = json.loads((work / "out" / "results.json").read_text(encoding="utf-8"))
    assert {c["id"] for c in results["claims"]} == {"C1", "C2", "C3"}


@pytest.mark.slow
def test_wheel_replicates_the_published_results(installed):
    work, bin_dir = installed
    done = _run([bin_dir / "verify", "replicate", "case"], cwd=work)
    assert "replicates" in done.stdout and "matches" in done.stdout, done.stdout


@pytest.mark.slow
def test_wheel_runs_a_two_worker_batch(installed):
    work, bin_dir = installed
    _run([bin_dir / "verify", "batch", "case", "-o", "batch-out", "--workers", "2"], cwd=work)
    written = {p.name for p in (work / "batch-out").rglob("*") if p.is_file()}
    assert {"report.pdf", "results.json", "summary.csv", "programme.pdf"} <= written, sorted(written)


@pytest.mark.slow
def test_wheel_carries_the_catalogues_and_speaks_chinese(installed):
    """The compiled message catalogues are in the wheel, and the installed command uses them."""
    work, bin_dir = installed
    wheel = next((work / "dist").glob("verify-*.whl"))
    import zipfile

    names = set(zipfile.ZipFile(wheel).namelist())
    for lang in ("ja", "zh"):
        for domain in ("verify", "click"):
            assert f"verify/locale/{lang}/LC_MESSAGES/{domain}.mo" in names, sorted(n for n in names if "locale" in n)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "LANGUAGE", "LC_ALL")}
    done = subprocess.run([bin_dir / "verify", "check", "no-such-case"], cwd=work, capture_output=True, text=True,
                          env={**env, "LANG": "zh_CN.UTF-8", "LC_MESSAGES": ""}, timeout=300, check=False)
    assert done.returncode == 2 and "错误：案例文件夹 'no-such-case' 不存在或不是文件夹" in done.stderr, done.stderr
