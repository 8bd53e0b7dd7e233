"""``--help`` fits 80 columns in English, Japanese and Chinese (issue 14 item 5): no line is wider
than 80 terminal cells (a CJK character takes two, measured with rich's ``cell_len``), the command
list is not cut short with "…" or "...", and usage lines name required arguments plainly (CASE, not
Typer's {CASE}).

Each language is rendered in its own process, because the help texts are fixed when verify.cli
is imported (the console script chooses the language first, verify/__main__.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from rich.cells import cell_len

from verify.helpformat import wrap

COMMANDS = ["new", "check", "normalize", "analyze", "report", "plan", "run", "replicate", "batch"]
RENDER = """
import json, sys
from verify import uilang
uilang.use(sys.argv[1])
from typer.testing import CliRunner
from verify.cli import app
runner = CliRunner()
pages = {}
for command in [[], *[[c] for c in sys.argv[2:]]]:
    result = runner.invoke(app, [*command, "--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    pages[" ".join(command) or "verify"] = result.output
print(json.dumps(pages))
"""


def _pages(lang: str) -> dict[str, str]:
    env = {**os.environ, "COLUMNS": "80"}
    done = subprocess.run([sys.executable, "-c", RENDER, lang, *COMMANDS], capture_output=True, text=True,
                          env=env, timeout=300, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("lang", ["en", "ja", "zh"])
def test_help_fits_80_columns(lang):
    pages = _pages(lang)
    assert set(pages) == {"verify", *COMMANDS}
    for name, page in pages.items():
        wide = [line for line in page.splitlines() if cell_len(line) > 80]
        assert not wide, f"{lang} `{name} --help`: lines over 80 cells: {wide}"
        assert "…" not in page, f"{lang} `{name} --help` is cut short"
        assert "{" not in page.splitlines()[0], f"{lang} `{name} --help` usage: {page.splitlines()[0]}"
    listing = pages["verify"].split("\n\n")[-1]
    for command in COMMANDS:
        assert any(line.split()[:1] == [command] for line in listing.splitlines()), (lang, command)
    assert not [line for line in listing.splitlines() if line.rstrip().endswith("...")], listing
    if lang != "en":  # the help really is in that language
        assert ("使い方:" if lang == "ja" else "用法:") in pages["check"]


def test_wrap_measures_cells_and_breaks_cjk_text_between_characters():
    text = "すべての入力ファイルを読み、取込み台帳（読込 = 採用 + フラグ付き + 除外）を表示します。"
    lines = wrap(text, 30, "  ", "  ")
    assert all(cell_len(line) <= 30 for line in lines) and len(lines) > 2
    assert "".join(line.strip() for line in lines).replace(" ", "") == text.replace(" ", "")
    assert not any(line.strip()[0] in "、。）" for line in lines)  # no closing mark starts a line
    assert wrap("a-very-long-path/that/does/not/fit/anywhere", 12) == \
        ["a-very-long-", "path/that/do", "es/not/fit/a", "nywhere"]
    assert wrap("two words", 80, "> ") == ["> two words"]
