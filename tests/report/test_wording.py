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


def _compliance_rows(html: str, lang: str) -> list[str]:
    block = _blocks(html)[lang]
    block = block[block.index(f'id="{lang}-compliance"'):block.index(f'id="{lang}-fugitive"')]
    return re.findall(r"<tr><td>.*?</tr>", block.split("<tbody>", 1)[1], flags=re.S)


#: the words a row of each status may and may not use (glossary comply, exceed, benchmark_met/_not_met)
ROW_WORDS = {
    "ja": {"bind": ("基準値", ("基準値適合", "基準値超過", "基準値未満"), ("参考値を満たす", "参考値を満たさない")),
           "bench": ("参考値", ("参考値を満たす", "参考値を満たさない"), ("基準値適合", "基準値超過", "基準値未満"))},
    "zh": {"bind": ("排放限值", ("达标", "超标"), ("满足参照值", "未满足参照值")),
           "bench": ("参照值", ("满足参照值", "未满足参照值"), ("达标<", "超标", "未达标"))},
}


def test_limits_table_words_each_row_by_its_status(results):
    """A binding limit reads 基準値 … 適合/超過 (限值 … 达标/超标); a provisional comparison (value
    unconfirmed) and a benchmark read 参考値 … 満たす/満たさない (参照值 … 满足/未满足参照值), in the value
    cell's label and in both phase cells, never the other status's words."""
    r = copy.deepcopy(results)
    for ep in r["endpoints"]:  # one row of each status: S1 NMHC conc binding, S2 SO2 provisional, GB 37822 benchmark
        for lim in ep.get("limits") or []:
            if lim["id"].startswith("GB13271-2014:SO2"):
                lim.update({"legal": False, "binding": {"before": False, "after": False},
                            "binding_reason": {"before": "value_unconfirmed", "after": "value_unconfirmed"}})
    html = render_html(r, charts=False)
    seen = set()
    for lang, words in ROW_WORDS.items():
        head = _blocks(html)[lang].split(f'id="{lang}-compliance"')[1].split("</thead>")[0]
        assert {"ja": "基準値・<br>参考値", "zh": "排放限值／<br>参照值"}[lang] in head
        for row in _compliance_rows(html, lang):
            kind = "bind" if ("本実証で照合した基準のうち" in row or "本案例所列限值中适用于本企业" in row) else "bench"
            label, own, other = words[kind]
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
            assert f'<span class="small wrap">{label}</span>' in cells[2], (lang, kind, cells[2])
            for cell in cells[4:6]:
                assert any(w in cell for w in own) and not any(w in cell for w in other), (lang, kind, cell)
            seen.add((lang, kind, "value_unconfirmed" if ("未照合のため" in row or "尚未核实" in row) else ""))
    assert {("ja", "bind", ""), ("ja", "bench", "value_unconfirmed"), ("ja", "bench", ""),
            ("zh", "bind", ""), ("zh", "bench", "value_unconfirmed"), ("zh", "bench", "")} <= seen


def test_limit_binding_in_one_phase_only_is_labelled_per_phase(results):
    """A limit in force on the after-phase dates only (before: not_in_force): the value is labelled as
    differing by phase, the before cell compares with a benchmark, the after cell judges."""
    r = copy.deepcopy(results)
    for ep in r["endpoints"]:
        for lim in ep.get("limits") or []:
            if lim["id"] == "DB32-4041-2021:NMHC:rate":
                lim.update({"binding": {"before": False, "after": True},
                            "binding_reason": {"before": "not_in_force", "after": "binding"},
                            "effective": {"new": "2026-04-01"}})
    html = render_html(r, charts=False)
    for lang, label, before, after in (("ja", "基準値／参考値（段階別）", "参考値を満たす", "基準値適合"),
                                       ("zh", "排放限值／参照值（分阶段）", "满足参照值", "达标")):
        row = next(x for x in _compliance_rows(html, lang) if "未施行" in x or "尚未实施" in x)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        assert label in cells[2] and cells[4].startswith(before) and cells[5].startswith(after), (lang, cells)


def _section_text(page: str, lang: str, name: str) -> str:
    m = re.search(rf'<section[^>]* id="{lang}-{name}".*?</section>', page, re.S)
    assert m, f"{lang}-{name} not found"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", m.group(0)))


def test_cems_report_says_how_t_flagged_minutes_are_treated():
    """Hebei (continuous): wherever the HJ 212 flag counts are shown (statement, test plan, data quality),
    both halves say that T minutes (over the upper measuring limit) count as valid minutes and enter
    the hourly means at their recorded value, and that the other flags are invalid and left out; the
    test plan names the clauses (HJ 212-2017 §6.6.4 Table 8; the 45-minute rule of HJ 75-2017 / HJ 76-2017)
    and that counting T as valid is the tool's treatment, not checked against HJ 75-2017 (docs/references.md)."""
    import json
    from pathlib import Path

    results = json.loads((Path(__file__).resolve().parents[2] / "case_studies" / "hebei-coating-cems" / "expected"
                          / "results.json").read_text(encoding="utf-8"))
    page = render_html(results, charts=False)
    said = {
        "ja": {"statement": ("T（測定上限超過）は有効として記録値のまま1時間値に含め（正確さは未確認）",
                             "は無効として含めていない"),
               "design": ("N（計器正常）と T（採取値が測定上限を超過）のデータを有効なデータとした",
                          "有効なデータが45分以上、HJ 75-2017、HJ 76-2017", "HJ 212-2017 §6.6.4 表8",
                          "記録された値のまま1時間値の平均に含めた", "HJ 75-2017 の有効データの規定とは照合していない",
                          "1時間値の平均にも45分の判定にも含めていない"),
               "quality": ("HJ 212-2017 のフラグ N と T のデータを有効とした", "記録値のまま1時間値の平均に含めた")},
        "zh": {"statement": ("T（超测定上限）数据计为有效，按记录值计入小时均值（准确度未经确认）",
                             "为无效数据，不计入小时均值"),
               "design": ("N（仪器仪表工作正常）和 T（采样数值超过测量上限）数据为有效数据",
                          "有效数据不少于45分钟，HJ 75-2017、HJ 76-2017", "HJ 212-2017 第6.6.4条 表8",
                          "按记录值计入小时均值", "尚未与 HJ 75-2017 关于有效数据的规定核对",
                          "既不计入小时均值，也不计入45分钟的有效数据"),
               "quality": ("HJ 212-2017 标记为 N 和 T 的数据为有效数据", "按记录值计入小时均值")},
    }
    for lang, sections in said.items():
        for name, needles in sections.items():
            text = _section_text(page, lang, name)
            for needle in needles:
                assert needle in text, (lang, name, needle)
    # the old wording that left the treatment open, or said only N is valid while T was used
    assert "注記を付けて用いた" not in page and "标记后采用" not in page


def _published(case: str) -> dict:
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    return json.loads((root / "case_studies" / case / "expected" / "results.json").read_text(encoding="utf-8"))


def test_continuous_case_gets_its_own_annex_a_and_results_sentences():
    """Hebei (continuous only): annex A and the results section speak of hourly means from the logger's
    readings at its interval (1 min), never of per-run records in annex A; the textile case (runs)
    keeps its pointer to annex A."""
    page = render_html(_published("hebei-coating-cems"), charts=False)
    for lang, annex, results, manual in (
            ("ja", "本実証は連続測定のみで、測定回ごとの記録はない。評価には、データロガーの記録値（データ間隔1分）から求めた有効な1時間値を用いた",
             "データロガーの記録値（データ間隔1分）から求めた有効な1時間値で示す", "測定回ごとの記録（原記録"),
            ("zh", "本验证仅有连续监测数据，无监测频次记录。评价采用由数据采集仪记录值（数据间隔1分钟）计算的有效小时均值",
             "由数据采集仪记录值（数据间隔1分钟）计算的有效小时均值表示", "各监测频次的记录（含原始记录")):
        assert annex in _section_text(page, lang, "annex-runs")
        text = _section_text(page, lang, "results")
        assert results in text and manual not in text
    textile = render_html(_published("jiangsu-textile-dyeing"), charts=False)
    assert "測定回ごとの記録（原記録" in _section_text(textile, "ja", "results")
    assert "データロガー" not in textile and "数据采集仪记录值" not in textile


def test_forest_caption_explains_estimates_that_are_bounds(monkeypatch, results):
    """Textile S1 PM (after: <1.0 mg/m³, reduction ≥94.2 %): the forest plot's caption explains the open
    points in the half's language; the fixture (no bound) does not."""
    from verify.report import charts

    monkeypatch.setattr(charts, "run_values_chart", lambda *a, **k: charts.Chart(b"\x89PNG", 1.0, 1.0))
    monkeypatch.setattr(charts, "timeseries_chart", lambda *a, **k: charts.Chart(b"\x89PNG", 1.0, 1.0))
    page = render_html(_published("jiangsu-textile-dyeing"))
    assert "白抜きの点は、検出下限未満の値のため推定値そのものが下限（≥）または上限（≤）である項目" in _blocks(page)["ja"]
    assert "空心点表示因含低于检出限的数值，估计值本身即为下限（≥）或上限（≤）的指标" in _blocks(page)["zh"]
    fixture = render_html(results)
    assert "白抜きの点" not in fixture and "空心点" not in fixture


def test_time_zone_is_worded_the_same_everywhere(monkeypatch):
    """Hebei (Asia/Shanghai): the statement, the test plan, the time-series caption and the chart's time
    axis all say 中国標準時（UTC+8） / 北京时间（UTC+8）; never 現地時間 / 当地时间."""
    from verify.report import charts

    axis = {}

    def series(before, after, limit, labels, unit, lang, timezone=None):
        axis[lang] = labels["date"]
        return charts.Chart(b"\x89PNG", 1.0, 1.0)

    monkeypatch.setattr(charts, "timeseries_chart", series)
    monkeypatch.setattr(charts, "reduction_chart", lambda *a, **k: charts.Chart(b"\x89PNG", 1.0, 1.0))
    page = render_html(_published("hebei-coating-cems"))
    for lang, zone, local in (("ja", "中国標準時（UTC+8）", "現地時間"), ("zh", "北京时间（UTC+8）", "当地时间")):
        block = _blocks(page)[lang]
        assert {"ja": "日付・時刻は", "zh": "日期和时间为"}[lang] + zone in _section_text(page, lang, "statement")
        assert zone in _section_text(page, lang, "design") and zone in _section_text(page, lang, "results")
        assert local not in block
        assert axis[lang] == {"ja": "月-日、", "zh": "月-日，"}[lang] + zone


def test_permit_number_is_never_split_but_a_hostile_one_wraps(results):
    """The permit number (ILLUSTRATIVE-91320281-001P, 26 characters) and the outlet numbers are kept on
    one line (report.css .mono.id) in the statement and in table 2; an overlong text still wraps."""
    r = _published("jiangsu-textile-dyeing")
    page = render_html(r, charts=False)
    permit = r["sources"][0]["permit_id"]
    assert len(permit) == 26
    for lang in ("ja", "zh"):
        for name in ("statement", "design"):
            m = re.search(rf'<section[^>]* id="{lang}-{name}".*?</section>', page, re.S).group(0)
            assert f'<span class="mono id">{permit}</span>' in m, (lang, name)
    r["sources"][0]["permit_id"] = "X" * 40
    assert '<span class="mono">' + "X" * 40 + "</span>" in render_html(r, charts=False)


def test_coal_factor_cited_the_same_way_in_both_halves():
    """Textile co-benefits: the coal factor and the formula cite the IPCC 2006 Guidelines by the same
    full title, volume, chapter and table/equation in each half (IPCC 2006 Vol. 2 Ch. 2 Table 2.2 and
    Eq. 2.1, docs/references.md#ipcc2006-v2), and print the factor 94,600 as table 18 does."""
    page = render_html(_published("jiangsu-textile-dyeing"), charts=False)
    for lang, title, table, eq, short in (
            ("ja", "IPCC 2006年国別温室効果ガスインベントリガイドライン", "第2巻 第2章 表2.2", "第2巻 第2章 式2.1",
             "IPCC 2006年ガイドライン"),
            ("zh", "IPCC 2006年国家温室气体清单指南", "第2卷 第2章 表2.2", "第2卷 第2章 式2.1", "IPCC 2006年指南")):
        text = _section_text(page, lang, "cobenefits")
        assert f"{title} {table}" in text and f"{title} {eq}" in text and short not in text, lang
        assert "94,600" in text and "94 600" not in text, lang


def test_numbers_stay_with_their_units_in_narrow_cells():
    """No line may end with a number whose unit or counter word starts the next (各測定回の1 / 時間値,
    9件中1 / 件, 7,200 / h): the rule labels of the limits table, QA details, the co-benefit note and the
    HJ 212 flag texts keep each quantity in a no-break span."""
    from verify.report.lang import keep_quantities

    assert str(keep_quantities("各測定回の1時間値")) == '各測定回の<span class="q">1時間値</span>'
    assert str(keep_quantities("（9件中1件、最大 9.97%）")) == (
        '（<span class="q">9件</span>中<span class="q">1件</span>、最大 <span class="q">9.97%</span>）')
    assert str(keep_quantities("a <b>7,200 h</b> <x")) == 'a &lt;b&gt;<span class="q">7,200 h</span>&lt;/b&gt; &lt;x'
    page = render_html(_published("jiangsu-textile-dyeing"), charts=False)
    ja = _blocks(page)["ja"]
    assert '<td>各測定回の<span class="q">1時間値</span><br>' in ja  # the sample type follows on its own line
    assert '<span class="q">9件</span>中<span class="q">1件</span>' in ja
    assert '<span class="q">7,200 h</span>' in ja
