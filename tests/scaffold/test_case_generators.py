"""The committed case-study data files are exactly what the committed generators write.

Each generator runs as a script (as a reviewer would run it) into a temporary folder; the output must
be byte-identical to the committed file (for .xlsx: the same zip entries, in the same order, with
the same uncompressed bytes, since the deflate output may differ between zlib builds), so the data can be regenerated and reviewed and nobody can
hand-edit a data file without the generator showing it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import zipfile

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "tools" / "make_case_data"

CASES = [
    ("make_textile_case.py", "jiangsu-textile-dyeing", ["stenter_S1.xlsx", "boiler_S2.csv", "fugitive_JP.xlsx"]),
    ("make_cems_case.py", "hebei-coating-cems", ["cems_S1_minute.csv"]),
]


def content(path: Path) -> bytes | list[tuple[str, bytes]]:
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as zf:
            return [(info.filename, zf.read(info)) for info in zf.infolist()]
    return path.read_bytes()


@pytest.mark.parametrize("script, case, files", CASES, ids=[c[1] for c in CASES])
def test_generator_reproduces_committed_files(tmp_path, script, case, files):
    subprocess.run([sys.executable, str(TOOLS / script), str(tmp_path)], check=True, capture_output=True)
    for name in files:
        committed = content(REPO / "case_studies" / case / "data" / name)
        regenerated = content(tmp_path / "data" / name)
        assert regenerated == committed, f"{case}/data/{name} differs from what {script} writes"
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == sorted(files)
