"""A warning raised while testing a source's load (results.json ``comparability.load_by_source[].caveats``,
issue 19: turned into caveats instead of silenced) is printed in the report under that source's load
comparison, in each language; a source without caveats prints none."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from verify.report.render import render_html

ROOT = Path(__file__).resolve().parents[2]
TEXTILE = ROOT / "case_studies" / "jiangsu-textile-dyeing" / "expected" / "results.json"


def test_a_load_test_warning_is_printed_under_its_source():
    results = json.loads(TEXTILE.read_text(encoding="utf-8"))
    plain = render_html(results, charts=False)
    warned = copy.deepcopy(results)
    text = {"ja": "計算中の警告：RuntimeWarning: divide by zero（負荷の検定）",
            "zh": "计算中的警告：RuntimeWarning: divide by zero（负荷检验）"}
    warned["comparability"]["load_by_source"][0]["caveats"] = [{"code": "warning", "text": text}]
    html = render_html(warned, charts=False)
    for lang in ("ja", "zh"):
        assert text[lang] not in plain
        assert html.count(text[lang]) == 1, lang
