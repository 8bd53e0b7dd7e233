"""Issue 17 item 13: the PDF does not depend on the locale.

The same results.json is rendered by ``verify report --results`` in fresh processes under
``LANG``/``LC_ALL`` = C.UTF-8, ja_JP.UTF-8 and zh_CN.GB18030 (the last one embedded another CJK face
and drew other chart glyphs before the pin in verify.report.fonts). The two CJK locales are
generated into a private ``LOCPATH`` with ``localedef`` when it and the locale sources are installed
(a bare Debian root has neither); without them LANG and LC_ALL are still set, which is what
fontconfig reads, and the children run in the C locale.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "case_studies" / "jiangsu-textile-dyeing" / "expected" / "results.json"
LOCALES = {"C.UTF-8": None, "ja_JP.UTF-8": ("ja_JP", "UTF-8"), "zh_CN.GB18030": ("zh_CN", "GB18030")}


def _locpath(tmp_path: Path) -> Path | None:
    localedef = shutil.which("localedef")
    if localedef is None:
        return None
    root = tmp_path / "locales"
    root.mkdir()
    for name, spec in LOCALES.items():
        if spec is not None:
            made = subprocess.run([localedef, "-i", spec[0], "-f", spec[1], str(root / name)],
                                  capture_output=True, timeout=120)
            if made.returncode != 0:  # no locale sources (Debian package `locales`) on this machine
                return None
    return root


def _render(tmp_path: Path, name: str, locpath: Path | None) -> tuple[bytes, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "FC_"))}
    env.update(LANG=name, LC_ALL=name, SOURCE_DATE_EPOCH="1700000000", PYTHONIOENCODING="utf-8")
    if locpath is not None:
        env["LOCPATH"] = str(locpath)
    out = tmp_path / f"{name}.pdf"
    code = ("import locale, sys\ntry: print(locale.setlocale(locale.LC_ALL, ''), file=sys.stderr)\n"
            "except locale.Error: print('unsupported', file=sys.stderr)\n"
            "from verify.cli import main; sys.argv = ['verify', 'report', '--results', sys.argv[1], '-o', sys.argv[2]]; main()")
    proc = subprocess.run([sys.executable, "-c", code, str(RESULTS), str(out)], env=env, capture_output=True, timeout=600)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")[-2000:]
    return out.read_bytes(), proc.stderr.decode("utf-8", "replace").splitlines()[0]


@pytest.mark.slow
def test_item13_the_same_pdf_bytes_under_three_locales(tmp_path):
    locpath = _locpath(tmp_path)
    pdfs = {name: _render(tmp_path, name, locpath) for name in LOCALES}
    if locpath is not None:  # the locales really were in effect in the children
        assert pdfs["zh_CN.GB18030"][1] == "zh_CN.GB18030" and pdfs["ja_JP.UTF-8"][1] == "ja_JP.UTF-8"
    reference = pdfs["C.UTF-8"][0]
    assert reference.startswith(b"%PDF")
    for name, (data, _) in pdfs.items():
        assert data == reference, f"the PDF rendered under {name} differs from the one under C.UTF-8"
