"""Reader findings on the report's wording (issue 18, B/C level): sentences and table cells that a
Chinese official and a Japanese expert found confusing, checked in the rendered HTML of both halves."""

from __future__ import annotations

import copy
import re

from verify.report.render import render_html


def _blocks(html: str) -> dict[str, str]:
    parts = re.split(r'(?=<div class="lang-block lang-(?:ja|zh)")', html)
    return {re.match(r'<div class="lang-block lang-(ja|zh)"', p).group(1): p
            for p in parts if p.startswith('<div class="lang-block')}


def _with_qa_kinds(results: dict) -> dict:
    """The fixture's 6 checks (5 passed, 1 failed) plus one that could not be judged and one disclosed
    method change: 8 checks = 5 + 1 + 1 + 1."""
    r = copy.deepcopy(results)
    base = {"source": "S2", "position": None, "pollutant": "PM", "phase": None, "detail": None}
    r["qa"] += [{**base, "check": "same_lod", "passed": None},
                {**base, "check": "same_method", "passed": None, "disclosed": "method_change"}]
    return r


def test_check_count_sentence_names_every_part_and_adds_up(results):
    blocks = _blocks(render_html(_with_qa_kinds(results), charts=False))
    # 8 = 5 passed + 1 failed + 1 could not be judged + 1 disclosed method change, each part named
    assert ("品質管理チェックは計8件で、内訳は満たしたもの5件、満たさないもの1件、判定できないもの1件、"
            "開示済みの方法変更1件である（方法変更は満たさないものに数えていない）。") in blocks["ja"]
    assert ("质量控制检查共8项：符合5项，不符合1项，无法判定1项，已披露的方法变更1项（方法变更不计为不符合）。"
            in blocks["zh"])
    assert "満たさない・判定できないチェックと開示済みの方法変更" in blocks["ja"]
    assert "不符合或无法判定的检查及已披露的方法变更" in blocks["zh"]


def test_check_count_sentence_without_method_change(results):
    blocks = _blocks(render_html(results, charts=False))
    # the fixture: 6 checks = 5 passed + 1 failed + 0 could not be judged; no method change to mention
    assert "品質管理チェックは計6件で、内訳は満たしたもの5件、満たさないもの1件、判定できないもの0件である。" in blocks["ja"]
    assert "质量控制检查共6项：符合5项，不符合1项，无法判定0项。" in blocks["zh"]
    assert "方法変更" not in blocks["ja"].split('id="ja-quality"')[1].split("</section>")[0]
