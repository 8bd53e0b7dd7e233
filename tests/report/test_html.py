"""The report HTML: both languages, lang attributes, escaping, parity, DRAFT marking, robustness.

Most tests render without charts (``charts=False``: fast); chart rendering is covered in
test_charts.py and in the slow PDF tests.
"""

from __future__ import annotations

import copy
import re

import pytest

from verify.errors import RenderError
from verify.report.render import render_html

HOSTILE = {
    "script": "<script>alert(1)</script>",
    "img": '<img src="file:///etc/passwd">',
    "meta": "http://169.254.169.254/latest/meta-data/",
}


def _blocks(html: str) -> dict[str, str]:
    parts = re.split(r'(?=<div class="lang-block lang-(?:ja|zh)")', html)
    return {re.match(r'<div class="lang-block lang-(ja|zh)"', p).group(1): p
            for p in parts if p.startswith('<div class="lang-block')}


def test_both_languages_in_order(html_nocharts):
    blocks = _blocks(html_nocharts)
    assert list(blocks) == ["ja", "zh"]
    assert html_nocharts.index("lang-ja") < html_nocharts.index("lang-zh")
    ja, zh = blocks["ja"], blocks["zh"]
    assert "実証は認証ではない" in ja and "验证不等于认证" in zh
    assert "対策前" in ja and "対策後" in ja and "治理前" in zh and "治理后" in zh
    assert "治理前" not in ja and "対策前" not in zh


def test_lang_attribute_on_every_text_element(html_nocharts):
    for lang, block in _blocks(html_nocharts).items():
        code = {"ja": "ja", "zh": "zh-CN"}[lang]
        for tag in re.findall(r"<(?:p|h1|h2|h3|table|ul|ol|section|figure|figcaption)\b[^>]*>", block):
            assert f'lang="{code}"' in tag, tag
    assert 'lang="zh"' not in html_nocharts  # always zh-CN (docs/platform.md#cjk-fonts)


def _numbers(block: str) -> list[str]:
    """The numbers of every numeric cell, in order (units differ by language: mg/m³N, m³/h（标干）)."""
    cells = re.findall(r'<td class="num[^"]*">(.*?)</td>', block, flags=re.S)
    text = " | ".join(re.sub(r"<[^>]+>", " ", c) for c in cells)
    return re.findall(r"(?:&lt;|<)?[\u2212-]?\d[\d,]*(?:\.\d+)?%?", text)


def test_same_numbers_in_both_languages(html_nocharts):
    blocks = _blocks(html_nocharts)
    nums = {k: _numbers(v) for k, v in blocks.items()}
    assert len(nums["ja"]) > 200
    assert nums["ja"] == nums["zh"]


def test_headline_numbers_hand_checked(html_nocharts):
    # C2 oil mist: before mean (48.2+61.5+39.7)/3 = 49.8, after (6.1+8.4+5.2)/3 = 6.5667,
    # reduction 100(1 − 6.5667/49.8) = 86.81 % → "86.8%" (fixture run values, by hand)
    # C1 NMHC mass rate: before (62.4·0.0148 + 71.8·0.0156 + 55.3·0.0151)/3 = 0.9602 kg/h,
    # after (31.6·0.0153 + 27.9·0.0149 + 36.2·0.0158)/3 = 0.4904 kg/h → 48.9 %
    for block in _blocks(html_nocharts).values():
        assert "86.8%" in block and "48.9%" in block
        assert "0.960" in block and "0.490" in block


def test_undeclared_reason_code_is_shown_as_it_is(html_nocharts):
    """A results.json from elsewhere may carry a code verify/data/reasons.csv does not declare (the
    fixture's ``hj212_invalid``): the report shows the code itself rather than hide the entry."""
    for block in _blocks(html_nocharts).values():
        assert "hj212_invalid" in block


def test_cannot_show_phrasing_never_no_effect(html_nocharts):
    ja, zh = _blocks(html_nocharts).values()
    # S2 SO2 concentration: CI [−17.4, 19.7]% includes zero → "cannot show", with the MDR
    assert "このデータでは削減は統計的に有意ではない" in ja
    assert "根据本数据，削减在统计学上不显著" in zh
    assert "効果がない" not in ja.replace("効果がないことを意味するものではない", "")
    assert "没有效果" not in zh.replace("这并不表示没有效果", "")


def _compliance_row(html, lang, name):
    block = _blocks(html)[lang]
    block = block[block.index(f'id="{lang}-compliance"'):block.index(f'id="{lang}-fugitive"')]
    return re.search(re.escape(name) + r".*?</tr>", block, flags=re.S).group(0)


def test_binding_exceedance_worded_as_exceedance(html_nocharts):
    # S1 NMHC before 62.4, 71.8, 55.3 mg/m3 vs DB32/4041-2021 60 (binding in the fixture): 2 runs above
    ja = _compliance_row(html_nocharts, "ja", "DB32/4041-2021（江蘇省 大気汚染物質総合排出基準）表1 非メタン炭化水素（その他） 最高許容排出濃度")
    zh = _compliance_row(html_nocharts, "zh", "DB32/4041-2021 表1 非甲烷总烃（其他） 最高允许排放浓度")
    assert '<span class="bad">基準値超過</span>' in ja and "本実証で照合した基準のうちこの工場に適用される基準" in ja
    assert '<span class="bad">超标</span>' in zh and "本案例所列限值中适用于本企业的限值" in zh
    # never a claim of precedence over standards the case does not list
    assert "優先して適用" not in ja and "优先适用" not in zh
    # the count on one line: 超過<span class="q">2／3回</span>, 超标<span class="q">2／3次</span>
    assert re.search(r'超過<span class="q">2(／\d+)?回</span>', ja) and re.search(r'超标<span class="q">2(／\d+)?次</span>', zh)


def test_benchmark_is_never_worded_as_exceedance(html_nocharts):
    # F1 in-plant NMHC before: 6.8 > 6 mg/m3, but GB 37822-2019 Appendix A is informative → a benchmark
    ja = _compliance_row(html_nocharts, "ja", "附属書A 表A.1 特別排出限度値 非メタン炭化水素 監視点の1時間平均濃度")
    zh = _compliance_row(html_nocharts, "zh", "附录A 表A.1 特别排放限值 非甲烷总烃 监控点处1 h平均浓度值")
    assert "参考値を満たさない" in ja and "参考附属書" in ja and "超過" not in ja
    assert "未满足参照值" in zh and "资料性附录" in zh and "超标" not in zh
    # S1 PM before vs the Shaoxing /T standard 30: a benchmark, never 超标/超過
    for lang, name, words in (("ja", "DB330621/T 001-2013（旧紹興県〔現 紹興市柯橋区〕の地方標準 印染業テンター排ガス排出限度値） 粒子状物質", ("基準値超過", "基準値適合")),
                              ("zh", "DB330621/T 001-2013（原绍兴县〔今绍兴市柯桥区〕地方标准 印染行业定型机废气排放限值） 颗粒物", ("超标", "达标"))):
        row = _compliance_row(html_nocharts, lang, name)
        assert not any(word in row for word in words), row
    # GB 16297 is superseded by DB32/4041 and says so, naming the standard (never its id)
    row = _compliance_row(html_nocharts, "zh", "GB 16297-1996 表2 新污染源 非甲烷总烃 最高允许排放浓度")
    assert "另有优先适用的标准（DB32/4041-2021 表1 非甲烷总烃（其他） 最高允许排放浓度）" in row and "DB32-4041-2021:" not in row


def test_unconfirmed_value_gives_no_compliance_verdict(results):
    """A limit that applies but whose value is not confirmed (binding_reason value_unconfirmed, docs/
    results.md rule 5): the row says so and compares provisionally, never 超标/达标 or 基準値超過/以下."""
    for ep in results["endpoints"]:
        for lim in ep.get("limits") or []:
            if lim["id"] == "DB32-4041-2021:NMHC:conc":
                lim.update({"legal": False, "binding": {"before": False, "after": False},
                            "binding_reason": {"before": "value_unconfirmed", "after": "value_unconfirmed"}})
    html = render_html(results, charts=False)
    ja = _compliance_row(html, "ja", "DB32/4041-2021（江蘇省 大気汚染物質総合排出基準）表1 非メタン炭化水素（その他） 最高許容排出濃度")
    zh = _compliance_row(html, "zh", "DB32/4041-2021 表1 非甲烷总烃（其他） 最高允许排放浓度")
    assert "基準値が公定文書と未照合のため参考値として比べた" in ja and "参考値を満たさない" in ja
    assert "限值尚未核实，暂不作达标判定，作参照值比较" in zh and "未满足参照值" in zh
    assert "基準値超過" not in ja and "基準値適合" not in ja
    assert "超标" not in zh and "达标<" not in zh.replace("暂不作达标判定", "")


def test_limit_an_unweighed_standard_may_supersede_gives_no_verdict(results):
    """A limit first among the listed ones, but a standard not weighed may take precedence
    (binding_reason may_be_superseded, docs/results.md rule 6): the row names that standard in the
    reader's language and compares provisionally, never 超标/达标 or 基準値超過/以下."""
    for ep in results["endpoints"]:
        for lim in ep.get("limits") or []:
            if lim["id"] == "DB32-4041-2021:NMHC:conc":
                lim.update({"legal": False, "binding": {"before": False, "after": False},
                            "binding_reason": {"before": "may_be_superseded", "after": "may_be_superseded"},
                            "superseded_by": {"before": "DB32-4385-2022:boilers", "after": "DB32-4385-2022:boilers"}})
    html = render_html(results, charts=False)
    ja = _compliance_row(html, "ja", "DB32/4041-2021（江蘇省 大気汚染物質総合排出基準）表1 非メタン炭化水素（その他） 最高許容排出濃度")
    zh = _compliance_row(html, "zh", "DB32/4041-2021 表1 非甲烷总烃（其他） 最高允许排放浓度")
    assert "DB32/4385-2022（江蘇省 ボイラー大気汚染物質排出基準）が優先して適用される可能性" in ja
    assert "DB32/4385-2022《锅炉大气污染物排放标准》（江苏省）可能优先适用" in zh
    assert "参考値を満たさない" in ja and "未满足参照值" in zh  # a provisional comparison is worded as a benchmark
    assert "基準値超過" not in ja and "超标" not in zh and "达标<" not in zh.replace("暂不作达标判定", "")


def test_draft_marking_every_language(results):
    html = render_html(results, charts=False)
    for lang, word in (("ja", "草案（署名前）"), ("zh", "草稿（未签发）")):
        block = _blocks(html)[lang]
        assert f'<span class="hdr-status" lang="{"ja" if lang == "ja" else "zh-CN"}">{word}</span>' in block
        assert 'class="banner draft"' in block


SIGNED = [{"role": "verifier", "name": "山田太郎", "title": None, "date": "2026-11-18"},
          {"role": "approver", "name": {"ja": "李華", "zh": "李华"}, "title": None, "date": "2026-11-20"}]


def _verification(**extra) -> dict:
    return {"statement_id": "ETV-JS-2026-007", "verifier": {"ja": "検証機関A", "zh": "验证机构A"},
            "technology": {"ja": "湿式電気集じん", "zh": "湿式静电除尘"}, "issued": "2026-11-20",
            "valid_until": "2029-11-20", "supersedes": None, **extra}


def test_issued_statement_not_draft(results):
    results["verification"] = _verification(signature=SIGNED)
    html = render_html(results, charts=False)
    assert "DRAFT" not in html and "草案" not in html and "草稿" not in html
    assert "署名前の案" not in html and "待签署稿" not in html
    assert html.count("ETV-JS-2026-007") >= 4
    assert "2026年11月20日" in html and "2029年11月20日" in html
    blocks = _blocks(html)
    # a Chinese name in its Japanese kanji form in the ja half, as written in the zh half
    assert "李華" in blocks["ja"] and "李华" not in blocks["ja"] and "李华" in blocks["zh"]


@pytest.mark.parametrize("signature", [[], [{**SIGNED[0], "date": None}, SIGNED[1]]])
def test_unsigned_statement_is_a_draft_awaiting_signature_never_issued(results, signature):
    """With a sign-off line lacking its name or date, the statement is 署名前の案 / 待签署稿: in the
    running header, the statement and the cover, and no issue date is printed."""
    results["verification"] = _verification(signature=signature)
    blocks = _blocks(render_html(results, charts=False))
    for lang, word, issued, unissued in (("ja", "署名前の案", "発行日 2026年11月20日", "未発行（署名前の案）"),
                                         ("zh", "待签署稿", "签发日期 2026年11月20日", "未签发（待签署稿）")):
        block = blocks[lang]
        header = re.search(r'<span class="hdr-status"[^>]*>(.*?)</span>\s*<', block, re.S).group(1)
        assert word in header and word in block.split('class="stmt-sub"')[1].split("</p>")[0]
        assert unissued in block and issued not in block
        if not signature:  # the issue date appears nowhere (the approver's own signing date may)
            assert "2026年11月20日" not in block


def test_illustrative_statement_says_it_cannot_be_signed(results):
    results["verification"] = _verification(signature=SIGNED)
    blocks = _blocks(render_html(results, charts=False))
    for lang, word in (("ja", "例示（署名不可）"), ("zh", "示例（不可签署）")):
        statement = blocks[lang].split('class="cover"')[0]
        title = statement.split('class="stmt-title"')[1].split("</h1>")[0]
        assert word in title
        signoff = statement.split('class="signoff')[1]
        assert signoff.count(word) == 3  # the verifier's, the approver's and the seal's cell
    results["case"]["illustrative"] = False
    html = render_html(results, charts=False)
    assert "例示（署名不可）" not in html and "示例（不可签署）" not in html


@pytest.mark.parametrize("prevailing, ja, zh", [
    ("zh", "日本語版と中国語版に相違がある場合は、中国語版を正とする。", "日文版与中文版内容不一致时，以中文版为准。"),
    ("ja", "日本語版と中国語版に相違がある場合は、日本語版を正とする。", "日文版与中文版内容不一致时，以日文版为准。"),
    (None, "日本語版と中国語版に相違がある場合にどちらを正とするかは定めていない。", "未约定日文版与中文版内容不一致时以何版为准。")])
def test_prevailing_language_is_printed_in_the_statement_and_the_cover(results, prevailing, ja, zh):
    results["verification"] = _verification(signature=SIGNED, prevailing_language=prevailing)
    blocks = _blocks(render_html(results, charts=False))
    for lang, text in (("ja", ja), ("zh", zh)):
        statement, rest = blocks[lang].split('class="cover"', 1)
        assert text in statement and text in rest.split("</section>")[0]


def test_illustrative_marking_toggles(results):
    assert 'class="hdr-illus"' in render_html(results, charts=False)
    results["case"]["illustrative"] = False
    assert 'class="hdr-illus"' not in render_html(results, charts=False)


ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "div", "section", "span", "p", "h1",
                "h2", "h3", "table", "thead", "tbody", "tr", "th", "td", "ul", "ol", "li", "a", "b",
                "br", "figure", "figcaption", "pre", "img", "colgroup", "col"}
CHART_IMG = '<img class="chart" src="data:image/png;base64,'


def _tags_and_urls(html: str) -> tuple[set[str], list[str]]:
    from html.parser import HTMLParser

    tags: set[str] = set()
    urls: list[str] = []

    class P(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.add(tag)
            urls.extend(v or "" for k, v in attrs if k in ("src", "href", "xlink:href", "srcset",
                                                             "data", "action", "formaction"))
            assert not any(k.startswith("on") for k, _ in attrs), (tag, attrs)

    P().feed(html)
    return tags, urls


def _inject(results: dict) -> dict:
    r = copy.deepcopy(results)
    r["case"]["factory"] = {"ja": HOSTILE["script"] + HOSTILE["img"], "zh": HOSTILE["img"]}
    r["case"]["title"] = {"ja": HOSTILE["meta"], "zh": HOSTILE["script"]}
    r["sources"][0]["name"] = {"ja": HOSTILE["img"], "zh": HOSTILE["script"]}
    r["claims"][0]["statement"] = {"ja": HOSTILE["script"], "zh": HOSTILE["img"]}
    r["ledger"]["entries"][0]["raw"] = HOSTILE["img"]
    r["ledger"]["entries"][0]["detail"] = HOSTILE["script"]
    r["ledger"]["entries"][0]["reason"] = "</td><script>x</script>"
    r["qa"][0]["detail"] = {"ja": HOSTILE["img"], "zh": HOSTILE["meta"]}
    r["reproduce"]["command"] = "verify run x; <script>alert(2)</script>"
    r["inputs"][0]["file"] = '"><img src=x onerror=alert(3)>'
    return r


@pytest.mark.parametrize("with_charts", [False, pytest.param(True, marks=pytest.mark.slow)])
def test_hostile_text_is_escaped(small_results, with_charts):
    html = render_html(_inject(small_results), charts=with_charts)
    assert "<script" not in html.lower()
    # the only images are our charts (PNG data: URLs), one per figure
    assert html.lower().count("<img") == html.count(CHART_IMG) == html.count("<figure") * with_charts
    assert "&lt;script&gt;" in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html
    # no element besides ours, and no URL in an attribute but in-document anchors and chart PNGs
    tags, urls = _tags_and_urls(html)
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    assert all(u.startswith("#") or u.startswith("data:image/png;base64,") for u in urls), urls
    assert "url(" not in html.split("</style>", 1)[1]


def test_oversized_texts_are_cut(small_results):
    """A results.json given to ``report --results`` is not bounded by case.toml's limits: a
    5,000-character name prints at most 100 characters, a text at most 500, the header 60."""
    r = copy.deepcopy(small_results)
    r["case"]["factory"] = {"ja": "甲" * 5000, "zh": "乙" * 5000}
    r["sources"][0]["name"] = {"ja": "丙" * 5000, "zh": "丁" * 5000}
    html = render_html(r, ("ja",), charts=False)
    runs = [len(m) for m in re.findall("甲+", html)]
    assert max(runs) == 499 and min(runs) == 59   # cut with "…" at 500 (statement) and 60 (header)
    assert max(len(m) for m in re.findall("丙+", html)) == 99
    assert "甲" * 500 not in html


def test_same_input_same_html(small_results):
    once = render_html(small_results, charts=False)
    assert once == render_html(copy.deepcopy(small_results), charts=False)


@pytest.mark.slow
def test_same_input_same_html_with_charts(small_results):
    assert render_html(small_results, ("zh",)) == render_html(copy.deepcopy(small_results), ("zh",))


def test_single_language(small_results):
    html = render_html(small_results, ("zh",), charts=False)
    assert list(_blocks(html)) == ["zh"] and '<html lang="zh-CN">' in html
    with pytest.raises(RenderError):
        render_html(small_results, ("en",))


def test_missing_optional_keys_still_render(results):
    for key in ("sources", "ledger", "runs", "cobenefits", "reproduce", "verification",
                "comparability", "qa", "fingerprints"):
        results.pop(key, None)
    for k in ("location", "process", "measures", "reporting_state", "illustrative"):
        results["case"].pop(k)
    html = render_html(results, charts=False)
    assert "jiangsu-dyeing-demo" in html and "86.8%" in html


def test_results_must_be_a_dict():
    with pytest.raises(RenderError):
        render_html(["not", "a", "dict"])  # type: ignore[arg-type]


def test_censored_values_and_gehan_column(results):
    ep = next(e for e in results["endpoints"] if e["source"] == "boundary")
    ep["after"]["censored"] = [True, False, False, False]
    ep["tests"]["censored"] = {"statistic": -14.0, "p_value": 0.0143, "method": "exact"}
    run = next(r for r in results["runs"] if r["phase"] == "after")
    run["censored"] = True
    html = render_html(results, ("ja",), charts=False)
    assert "<0.980" not in html and "&lt;0.980" in html       # boundary after run 1: 0.98
    assert ">Gehan</th>" in html and "0.014" in html
    assert "&lt;42.1" in html  # S1 NMHC after run 1: 31.6 mgC/m3 reported as 42.1 mg/m3 as CH4
    assert "検出下限未満" in html


@pytest.mark.parametrize("key", ["position", "as", "before", "after", "reduction_pct", "reduction_ci95",
                                 "gm_ratio", "gm_ratio_ci95", "mdr_pct", "tests", "p_adjusted",
                                 "limits", "caveats", "status", "design", "unit"])
def test_endpoint_without_optional_key_renders(results, key):
    for ep in results["endpoints"]:
        ep.pop(key, None)
    html = render_html(results, ("ja",), charts=False)
    assert "実証は認証ではない" in html


def test_level_claim_is_explained_with_its_upper_bound_and_unit(results):
    c = results["claims"][3]
    c.update(kind="level", claimed=60, estimate=31.9, upper_bound=38.1, lower_bound=None, conditions={"load_pct_min": 75})
    html = render_html(results, ("ja",), charts=False)
    claims = html[html.index('id="ja-claims"'):html.index('id="ja-design"')]
    assert "片側95%信頼上限" in claims and "対策後の平均値が" in claims
    assert "38.1\u00a0mg/m³N" in claims and "38.1%" not in claims  # a level is in the metric's unit, not a percent
    assert "≤ <span class=\"q\">60\u00a0mg/m³N</span>" in claims  # the claimed value as declared


def test_efficiency_claim_is_explained_with_its_phase_and_pairs(results):
    c = results["claims"][0]
    c.update(kind="efficiency", metric="removal_efficiency", phase="after", pairs=["1", "2", "3"])
    html = render_html(results, ("zh",), charts=False)
    claims = html[html.index('id="zh-claims"'):html.index('id="zh-design"')]
    assert "治理后进出口同步监测3对" in claims and "治理后进出口配对3对（监测频次1、2、3）" in claims
    assert "削减率不低于" not in claims.split("C2")[0]  # never explained with the reduction text


def test_cobenefits_tables_add_up_and_name_their_sources(results):
    # the shape verify.measure's co-benefit stage writes: {value, unit, formula, inputs, source}
    q = lambda v, u, inputs=None: {"value": v, "unit": u, "formula": "x", "inputs": inputs or {}, "source": "y"}  # noqa: E731
    results["cobenefits"] = {
        "available": True, "operating_hours_per_year": 7200.0,
        "production_t_per_h": {"before": 0.62, "after": 0.64}, "product": {"ja": "成品布", "zh": "成品布"},
        "pollutants": [{"source": "S1", "pollutant": "NMHC",
                        "reduction_kg_h": q(0.7113, "kg/h", {"E_before": 1.35346, "E_after": 0.64216}),
                        "reduction_t_a": q(5.12136, "t/a"),
                        "intensity_kg_per_t": {"before": q(2.183, "kg/t"), "after": q(1.0034, "kg/t")}}],
        "fuels": [{"kind": "bituminous coal", "co2_kg_per_tj": 94600.0, "co2_factor_is_default": False,
                   "co2_source": {"ja": "IPCC 2006年ガイドライン 表2.2", "zh": "IPCC 2006年指南 表2.2"},
                   "ncv_gj_per_t": 20.908, "ncv_source": {"ja": "GB/T 2589-2020 附属書A", "zh": "GB/T 2589-2020 附录A"},
                   "co2_t_h_before": q(2.472371, "t CO2/h", {"fuel_t_h": 1.25}),
                   "co2_t_h_after": q(2.452592, "t CO2/h", {"fuel_t_h": 1.24})}],
        "fuel_co2_t_a": {"before": q(17801.0712, "t CO2/a"), "after": q(17658.6626, "t CO2/a")},
        "fuel_co2_change_t_a": q(-142.4086, "t CO2/a"),
        "electricity_co2_t_a": q(262.71936, "t CO2/a", {"electricity_added_kw": 68.0, "grid_factor_t_per_mwh": 0.5366}),
        "grid_factor_source": {"ja": "生態環境部 2024年公告", "zh": "生态环境部2024年公告"},
        "net_co2_change_t_a": q(120.3108, "t CO2/a"),
    }
    html = render_html(results, ("ja",), charts=False)
    sec = html[html.index('id="ja-cobenefits"'):html.index('id="ja-annex-runs"')]
    # every figure at three significant figures, as in the results table: 1.35346 → 1.35, 0.64216 → 0.642;
    # the reduction 0.7113 (computed unrounded) to the coarsest printed term's last place (1.35: two) → 0.71
    assert ">1.35<" in sec and ">0.642<" in sec and ">0.71<" in sec and ">5.12<" in sec
    assert ">1.353<" not in sec and ">0.711<" not in sec
    assert ">2.18<" in sec and ">1.00<" in sec and "kg/t-製品" in sec
    assert "20.908" in sec and "94,600" in sec and "7,200" in sec and "瀝青炭" in sec   # declared inputs as given
    # CO₂ rests on default factors: three significant figures, integer digits included:
    # 17801.07 → 17,800; 17658.66 → 17,700; −142.41 → −142; 262.72 → 263; the net 120.31 to the
    # coarsest printed term's last place (units) → 120 (−142 + 263 = 121: the rounding note says so)
    assert ">17,800<" in sec and ">17,700<" in sec and ">\u2212142<" in sec and ">263<" in sec and ">120<" in sec
    assert "17,801" not in sec and "四捨五入の関係で" in sec
    assert "本実証で指定（出典は下記）" in sec and "IPCC 2006年ガイドライン 表2.2" in sec and "生態環境部 2024年公告" in sec
    assert "[K]" not in sec and "co2_" not in sec
    results["cobenefits"] = {"available": False}
    assert "コベネフィットの計算はない" in render_html(results, ("ja",), charts=False)


def test_deviations_and_methods_when_present(results):
    results["deviations"] = [{"text": {"ja": "対策後第 3 回は降雨のため翌日に実施", "zh": "治理后第 3 次因降雨顺延一天"}},
                             "<i>plain</i>"]
    for run in results["runs"]:
        run["method"] = "HJ 38-2017"
    html = render_html(results, charts=False)
    ja, zh = _blocks(html).values()
    assert "計画からの逸脱" in ja and "降雨のため翌日に実施" in ja and "&lt;i&gt;plain&lt;/i&gt;" in ja
    assert "偏离监测方案的情况" in zh and "因降雨顺延一天" in zh
    annex = ja[ja.index('id="ja-annex-runs"'):ja.index('id="ja-annex-trace"')]
    groups = {(r["source"], r.get("position"), r["pollutant"]) for r in results["runs"]}
    assert annex.count("HJ 38-2017") == len(groups)  # the method once above each run table
    results["deviations"] = []
    assert "計画からの逸脱は記録されていない" in render_html(results, ("ja",), charts=False)


def test_long_ledger_is_counted_and_capped(results):
    from verify.report.render import MAX_LEDGER_ROWS

    base = results["ledger"]["entries"][0]
    results["ledger"]["entries"] = [
        {**base, "row": 100 + i, "cell": f"B{100 + i}", "reason": "flag_M" if i % 2 else "flag_C",
         "outcome": "flagged", "raw": f"v{i}"} for i in range(3000)] + [{**base, "outcome": "rejected",
                                                                        "reason": "unknown_unit", "cell": "Z1"}]
    html = render_html(results, ("ja",), charts=False)
    listed = html.count('<td class="mono">B') + html.count('<td class="mono">Z1</td>')
    assert listed == MAX_LEDGER_ROWS
    assert "全 3,001 件のうち先頭の 20 件" in html.replace("全3,001件のうち先頭の20件", "全 3,001 件のうち先頭の 20 件")
    assert "HJ 212 フラグ M：計器の保守中（不使用）" in html and '<td class="num">1,500</td>' in html
    assert html.index('<td class="mono">Z1</td>') < html.index('<td class="mono">B')  # rejected first


def test_continuous_only_results_have_no_empty_test_table(results):
    results["endpoints"] = [e for e in results["endpoints"] if e["design"] == "continuous"]
    results["claims"], results["runs"] = [], []
    html = render_html(results, ("ja",), charts=False)
    assert "効果の推定と検定" not in html and "連続測定データの解析" in html
    assert "HAC 回帰（Andrews–Monahan）" in html


def test_statement_names_the_test_that_judged_the_claims(small_results):
    # continuous-data claims are judged by the HAC step regression, run-based ones by the Welch-type
    # (Fieller) test: the claims section must say which, never a test that was not used
    def methods(results):
        html = render_html(results, ("zh",), charts=False)
        claims = html[html.index('id="zh-claims"'):html.index('id="zh-design"')]
        return "（HAC 与按日聚类两者取大）" in claims, "Welch 型 Fieller 法" in claims

    for claim in small_results["claims"]:
        claim["method"] = "fieller-welch"
    assert methods(small_results) == (False, True)
    for claim in small_results["claims"]:
        claim["method"] = "hac_ols"
    assert methods(small_results) == (True, False)


def test_per_run_tables_are_in_the_annex_with_the_measured_gas_state(results):
    """`verify run` and `verify report` write one document: the per-run tables are in annex A, with
    the measured value as recorded beside the values at the standard state."""
    html = render_html(results, charts=False)
    ja, zh = _blocks(html).values()
    annex = ja[ja.index('id="ja-annex-runs"'):ja.index('id="ja-annex-trace"')]
    assert annex.count('class="grid runs fixed"') >= 2
    assert "測定値（記録どおり）" in annex and "乾き排出ガス量" in annex
    assert "監測値" not in zh and "监测值（按原记录）" in zh and "标干流量" in zh


def test_points_table_gives_the_load_range_and_its_definition(results):
    # review item 20: the load column shows each source's range (runs: 86–92 and 80–85 in the fixture,
    # LOAD of make_results_textile.py) and the note says what the load is a percentage of
    html = render_html(results, ("zh",), charts=False)
    design = html[html.index('id="zh-design"'):]
    assert ">86–92<" in design and ">80–85<" in design and "生产负荷（%）" in design
    assert "未提供生产负荷的定义" in design
    # a continuous source: the range of its valid hourly means (comparability's range_before/after)
    results["comparability"]["load_by_source"] = [
        {"source": "S1", "unit_of_n": "hours", "verdict": "comparable", "n_before": 300, "n_after": 280,
         "mean_before": 78.2, "mean_after": 77.6, "range_before": [61.4, 95.2], "range_after": [64.0, 93.9],
         "difference": -0.6, "ci90": [-1.5, 0.3], "bounds": [-7.8, 7.8], "margin_pct": 10, "p_value": 0.001}]
    results["case"]["load_definition"] = {"ja": "定格処理量に対する割合", "zh": "相对额定处理量的百分比"}
    html = render_html(results, ("zh",), charts=False)
    design = html[html.index('id="zh-design"'):]
    assert ">61–95<" in design and "生产负荷：相对额定处理量的百分比" in design
    assert "均值 78.2% → 77.6%" in design


@pytest.mark.parametrize("p, significant", [(0.05, False), (0.0143, True)])
def test_censored_endpoint_without_interval_says_why(results, p, significant):
    # review item 30 (J: "（95%置信区间—）"): with non-detects no interval is computed; the sentence says
    # so and names the Gehan test, significant only when its p is below 0.05
    ep = next(e for e in results["endpoints"] if e["source"] == "boundary")
    ep["after"]["censored"] = [True, False, False, False]
    ep.update(reduction_ci95=None, mdr_pct=None)
    ep["tests"]["censored"] = {"statistic": -14.0, "p_value": p, "method": "exact"}
    html = render_html(results, ("zh",), charts=False)
    stats = html[html.index('id="zh-stats"'):html.index('id="zh-compliance"')]
    item = next(li for li in stats.split("<li") if "因含未检出数据，未计算置信区间，改用 Gehan 检验" in li)
    assert "（95%置信区间—）" not in stats
    assert ("削减在统计学上显著" in item) is significant and ("不显著" in item) is not significant


def test_permit_and_outlet_numbers_in_the_statement_and_the_points_table(results):
    # review item 26: the statement's plant row and the table of measurement points name them
    results["sources"][0].update(permit_id="91320281MA1TEST001V", outlet_id="DA001")
    results["sources"][1].update(permit_id="91320281MA1TEST001V", outlet_id="DA002")
    html = render_html(results, ("zh",), charts=False)
    statement = html[html.index('id="zh-statement"'):html.index('id="zh-cover"')]
    assert statement.count("91320281MA1TEST001V") == 1 and "排污许可证编号" in statement  # one permit, once
    assert "排放口编号：1# 定型机排气筒 <span class=\"mono id\">DA001</span>" in statement and "DA002" in statement
    design = html[html.index('id="zh-design"'):html.index('id="zh-quality"')]
    assert "DA001" in design and "DA002" in design
    results["sources"][0].update(permit_id=None, outlet_id=None)
    results["sources"][1].update(permit_id=None, outlet_id=None)
    # without them the statement says the permit number was not given (and a limitation that its limits
    # were not checked), the points table prints nothing
    html = render_html(results, ("zh",), charts=False)
    statement = html[html.index('id="zh-statement"'):html.index('id="zh-cover"')]
    assert "排污许可证编号：未提供" in statement and "排放口编号" not in statement
    assert "本案例未提供排污许可证编号。" in statement
    design = html[html.index('id="zh-design"'):html.index('id="zh-quality"')]
    assert "排污许可证编号" not in design and "排放口编号" not in design


def test_campaign_times_in_the_reports_date_style():
    # review item 28 (H: "2026-03-02 00:00" beside "2026年3月2日"): one date style, with the clock time
    from verify.report.lang import Lang

    for code in ("ja", "zh"):
        lang = Lang(code, {})
        assert lang.date_time("2026-03-02T00:00:00+08:00") == "2026年3月2日 0:00"
        assert lang.date_time("2026-03-29T23:59:00") == "2026年3月29日 23:59"
        assert lang.date_time("2026-03-29") == "2026年3月29日" and lang.date_time(None) == "—"


def test_regime_prints_its_basis_or_says_it_is_not_stated(small_results):
    """The sources table prints the case's regime_basis beside new/existing, and says when the case
    gives none (issue 18, facts finding 4: GB 13271-2014 Table 1 or 2 hangs on it)."""
    from verify.report.render import render_html

    small_results["sources"][0]["regime_basis"] = {"ja": "2016年設置（例示）", "zh": "2016年建成（示例）"}
    small_results["sources"][1]["regime_basis"] = None
    html = render_html(small_results, charts=False)
    for row in ('<td>新設<br><span class="small">根拠：2016年設置（例示）</span></td>',
                '<td>既設<br><span class="small">新設・既設の根拠の記載なし</span></td>',
                '<td>新建<br><span class="small">依据：2016年建成（示例）</span></td>',
                '<td>现有<br><span class="small">未说明新建或现有的依据</span></td>'):
        assert html.count(row) == 1, row
