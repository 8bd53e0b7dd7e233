"""The intake speaks the user's language (issue 14 item 2): ``verify check`` on a case whose data
file has an unknown phase label (an error: exit 2) or a cell that is not a number (a rejected value:
exit 2 with the ledger) prints no English sentence under LANG=zh_CN.UTF-8 or ja_JP.UTF-8; the file,
row, column and the raw cell text appear exactly as read."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CASE = ROOT / "case_studies" / "jiangsu-textile-dyeing"
DATA = "data/boiler_S2.csv"  # GBK; columns: stack, phase (B), run, pollutant, value (E), …

#: Two or more English words in a row: a sentence (or part of one) left untranslated. Codes and
#: field names (row_rejected, o2_pct, value[PM]), file names, cells and standards do not match.
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?: [A-Za-z]+)+\b")


def _case(tmp_path_factory, name: str, row: int, column: int, text: str) -> Path:
    """The textile case with the cell (1-based data file ``row``, 0-based ``column``) of boiler_S2.csv set to ``text``."""
    folder = tmp_path_factory.mktemp(name) / "case"
    shutil.copytree(CASE, folder, ignore=shutil.ignore_patterns("expected"))
    path = folder / DATA
    lines = path.read_text(encoding="gbk").split("\n")
    cells = lines[row - 1].split(",")
    cells[column] = text
    lines[row - 1] = ",".join(cells)
    path.write_text("\n".join(lines), encoding="gbk")
    return folder


@pytest.fixture(scope="module")
def bad_phase(tmp_path_factory):
    return _case(tmp_path_factory, "phase", 2, 1, "中途")


@pytest.fixture(scope="module")
def bad_number(tmp_path_factory):
    return _case(tmp_path_factory, "number", 3, 4, "2x46")


def _check(case: Path, lang: str, cwd: Path) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "VERIFY_LANG")}
    env.update({"LANG": lang, "COLUMNS": "80"})  # as piped: a paragraph for each row of a table
    done = subprocess.run([sys.executable, "-m", "verify", "check", str(case)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=600)
    return done.returncode, done.stdout + done.stderr


def _english(text: str, *raw: str) -> list[str]:
    for value in raw:  # raw cell text is shown as read
        text = text.replace(value, "")
    return ENGLISH.findall(text)


@pytest.mark.slow
@pytest.mark.parametrize(("case", "lang", "expected", "raw"), [
    ("bad_phase", "zh_CN.UTF-8", ["错误：data/boiler_S2.csv，第 2 行，列 B：", "无法识别的治理前后标签：'中途'",
                                  "提示：请使用 before/after"], "before/after"),
    ("bad_phase", "ja_JP.UTF-8", ["エラー：data/boiler_S2.csv、2 行目、列 B：", "対策前後の表記が読めません：'中途'",
                                  "対処：before/after"], "before/after"),
    ("bad_number", "zh_CN.UTF-8", ["单元格：E3", "原始值：2x46", "无法识别为数值", "错误：有数值或行被剔除"], "2x46"),
    ("bad_number", "ja_JP.UTF-8", ["セル：E3", "元の値：2x46", "数値として読めない", "エラー：値または行が除外されました"], "2x46"),
])
def test_intake_problems_in_the_users_language(request, tmp_path, case, lang, expected, raw):
    """``raw``: a value shown as read (the raw cell text; the hint's label examples before/after,
    対策前/対策後, … are values too, not a sentence)."""
    code, text = _check(request.getfixturevalue(case), lang, tmp_path)
    assert code == 2, text
    for part in expected:
        assert part in text, (part, text)
    assert _english(text, raw) == [], text
    assert "Traceback" not in text


@pytest.mark.slow
def test_the_english_detector_finds_the_english_messages(bad_phase, bad_number, tmp_path):
    """The same runs in English: the check above would see every untranslated sentence."""
    code, text = _check(bad_phase, "C.UTF-8", tmp_path)
    assert code == 2 and "unknown phase label(s): '中途'" in text
    assert "unknown phase label" in _english(text, "before/after")
    code, text = _check(bad_number, "C.UTF-8", tmp_path)
    assert code == 2 and "'2x46' is not a number" in text
    assert any("is not a number" in found for found in _english(text, "2x46"))
