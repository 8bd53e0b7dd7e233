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
    assert "実証は認証ではありません" in ja and "验证不等于认证" in zh
    assert "対策前" in ja and "対策後" in ja and "治理前" in zh and "治理后" in zh
    assert "治理前" not in ja and "対策前" not in zh


def test_lang_attribute_on_every_text_element(html_nocharts):
    for lang, block in _blocks(html_nocharts).items():
        code = {"ja": "ja", "zh": "zh-CN"}[lang]
        for tag in re.findall(r"<(?:p|h1|h2|h3|table|ul|ol|section|figure|figcaption)\b[^>]*>", block):
            assert f'lang="{code}"' in tag, tag
    assert 'lang="zh"' not in html_nocharts  # always zh-CN (platform.md §2)


def test_same_numbers_in_both_languages(html_nocharts):
    blocks = _blocks(html_nocharts)
    nums = {k: re.findall(r'<td class="num[^"]*">(.*?)</td>', v, flags=re.S) for k, v in blocks.items()}
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
    assert "このデータでは削減を統計的に示せません" in ja
    assert "本数据无法在统计上证明存在削减" in zh
    assert "効果がない" not in ja.replace("これは「効果がない」という意味ではありません", "")
    assert "没有效果" not in zh.replace("这并不表示“没有效果”", "")


def _compliance_row(html, lang, limit_id):
    block = _blocks(html)[lang]
    block = block[block.index(f'id="{lang}-compliance"'):]
    return re.search(re.escape(limit_id) + r".*?</tr>", block, flags=re.S).group(0)


def test_binding_exceedance_worded_as_exceedance(html_nocharts):
    # S1 NMHC before 62.4, 71.8, 55.3 mg/m3 vs DB32/4041-2021 60 (binding in the fixture): 2 runs above
    ja = _compliance_row(html_nocharts, "ja", "DB32-4041-2021:NMHC:conc")
    zh = _compliance_row(html_nocharts, "zh", "DB32-4041-2021:NMHC:conc")
    assert '<span class="bad">超過</span>（超過回数 2）' in ja and "法的拘束力あり" in ja
    assert '<span class="bad">超标</span>（超标次数 2）' in zh and "具有法律约束力" in zh


def test_benchmark_is_never_worded_as_exceedance(html_nocharts):
    # F1 in-plant NMHC before: 6.8 > 6 mg/m3, but GB 37822-2019 Appendix A is informative → a benchmark
    ja = _compliance_row(html_nocharts, "ja", "GB37822-2019:NMHC:inplant_1h:special")
    zh = _compliance_row(html_nocharts, "zh", "GB37822-2019:NMHC:inplant_1h:special")
    assert "参考値を満たさない（参考値を満たさない回数 1）" in ja and "参考附属書" in ja
    assert "未满足参照值（未满足参照值次数 1）" in zh and "资料性附录" in zh
    # S1 PM before 38.5, 45.1, 33.0 vs the Shaoxing /T standard 30: three above, still no 超标/超過
    for lang, words in (("ja", ("超過", "適合")), ("zh", ("超标", "达标"))):
        row = _compliance_row(html_nocharts, lang, "DB330621-T001-2013:PM:conc")
        assert not any(word in row for word in words), row
    # GB 16297 is superseded by DB32/4041 and says so
    assert "DB32-4041-2021:NMHC:conc が優先" in _compliance_row(html_nocharts, "ja", "GB16297-1996:NMHC:conc:new")
    assert "优先执行 DB32-4041-2021:NMHC:conc" in _compliance_row(html_nocharts, "zh", "GB16297-1996:NMHC:conc:new")


def test_draft_marking_every_language(results):
    html = render_html(results, charts=False)
    for lang, word in (("ja", "草案"), ("zh", "草稿")):
        block = _blocks(html)[lang]
        assert f'<span class="hdr-status" lang="{"ja" if lang == "ja" else "zh-CN"}">{word} DRAFT</span>' in block
        assert 'class="banner draft"' in block


def test_issued_statement_not_draft(results):
    results["verification"] = {"statement_id": "ETV-JS-2026-007",
                               "verifier": {"ja": "検証機関A", "zh": "验证机构A"},
                               "technology": {"ja": "湿式電気集じん", "zh": "湿式静电除尘"},
                               "issued": "2026-11-20", "valid_until": "2029-11-20", "supersedes": None}
    html = render_html(results, charts=False)
    assert "DRAFT" not in html and "草案" not in html and "草稿" not in html
    assert html.count("ETV-JS-2026-007") >= 4
    assert "2026-11-20" in html and "2029-11-20" in html


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
    assert "Gehan 検定 p" in html and "0.014" in html
    assert "&lt;42.1" in html  # S1 NMHC after run 1: 31.6 mgC/m3 reported as 42.1 mg/m3 as CH4
    assert "検出下限未満" in html


@pytest.mark.parametrize("key", ["position", "as", "before", "after", "reduction_pct", "reduction_ci95",
                                 "gm_ratio", "gm_ratio_ci95", "mdr_pct", "tests", "p_adjusted",
                                 "limits", "caveats", "status", "design", "unit"])
def test_endpoint_without_optional_key_renders(results, key):
    for ep in results["endpoints"]:
        ep.pop(key, None)
    html = render_html(results, ("ja",), charts=False)
    assert "実証は認証ではありません" in html


def test_level_claim_and_extra_conditions(results):
    c = results["claims"][3]
    c.update(kind="level", claimed=60, estimate=31.9, lower_bound=38.1,
             conditions={"load_pct_min": 75, "fuel": "<b>coal</b>"})
    html = render_html(results, ("ja",), charts=False)
    assert "片側 95 % 上限" in html
    assert "C4: fuel = &lt;b&gt;coal&lt;/b&gt;" in html
    assert "38.1" in html and "38.1%" not in html  # a level is in the metric's unit, not a percent


def test_cobenefits_with_quantities_and_provenance(results):
    # the shape verify.measure's co-benefit stage writes: {value, unit, formula, inputs, source}
    q = lambda v, u, f, s: {"value": v, "unit": u, "formula": f, "inputs": {}, "source": s}  # noqa: E731
    results["cobenefits"] = {
        "available": True, "operating_hours_per_year": 7200.0,
        "pollutants": [{"source": "S1", "pollutant": "NMHC",
                        "reduction_kg_h": q(0.7113, "kg/h", "E_before − E_after", "mass_rate means"),
                        "reduction_t_a": q(5.12136, "t/a", "(E_before − E_after) × hours ÷ 1000", "case.toml"),
                        "intensity_kg_per_t": {"before": q(2.183, "kg/t", "E ÷ production", "case.toml"),
                                               "after": q(1.0034, "kg/t", "E ÷ production", "case.toml")}}],
        "fuels": [{"kind": "bituminous coal", "co2_kg_per_tj": 94600.0,
                   "co2_source": "IPCC 2006 GL Vol. 2 Ch. 2 Table 2.2: other bituminous coal [K]",
                   "ncv_gj_per_t": 20.908}],
        "net_co2_change_t_a": q(-2412.5, "t CO2/a", "fuel CO2 change + electricity CO2", "sum"),
    }
    html = render_html(results, ("ja",), charts=False)
    sec = html[html.index('id="ja-cobenefits"'):html.index('id="ja-appendix"')]
    assert "0.711 kg/h" in sec and "5.12 t/a" in sec          # computed: 3 significant figures
    assert "対策前 2.18 kg/t / 対策後 1.00 kg/t" in sec
    assert "20.908" in sec and "94,600" in sec and "7,200" in sec   # declared inputs as given
    assert "\u22122,412 t CO₂/a" in sec    # −2412.5: integer digits kept, half-to-even, typographic minus
    assert "計算式と出典" in sec and "E_before − E_after — mass_rate means" in sec
    results["cobenefits"] = {"available": False}
    assert "コベネフィットの計算はありません" in render_html(results, ("ja",), charts=False)


def test_deviations_and_methods_when_present(results):
    results["deviations"] = [{"text": {"ja": "対策後第 3 回は降雨のため翌日に実施", "zh": "治理后第 3 次因降雨顺延一天"}},
                             "<i>plain</i>"]
    for run in results["runs"]:
        run["method"] = "HJ 38-2017"
    html = render_html(results, charts=False)
    ja, zh = _blocks(html).values()
    assert "計画からの逸脱" in ja and "降雨のため翌日に実施" in ja and "&lt;i&gt;plain&lt;/i&gt;" in ja
    assert "偏离测试方案的情况" in zh and "因降雨顺延一天" in zh
    assert ja.count("HJ 38-2017") == len(results["runs"]) == 30  # one method cell per run row
    results["deviations"] = []
    assert "計画からの逸脱は記録されていません" in render_html(results, ("ja",), charts=False)


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
    assert "全 3,001 件" in html
    assert "HJ 212 フラグ M：保守点検（不使用）" in html and '<td class="num">1,500</td>' in html
    assert html.index('<td class="mono">Z1</td>') < html.index('<td class="mono">B')  # rejected first
    # verify run's PDF (next to ledger.csv) lists fewer, still rejected first, and says so
    from verify.report.render import PDF_LEDGER_ROWS

    pdf_html = render_html(results, ("ja",), charts=False, beside_run_outputs=True)
    listed = pdf_html.count('<td class="mono">B') + pdf_html.count('<td class="mono">Z1</td>')
    assert listed == PDF_LEDGER_ROWS < MAX_LEDGER_ROWS
    assert f"先頭 {PDF_LEDGER_ROWS} 件" in pdf_html and "全 3,001 件は ledger.csv" in pdf_html
    assert '<td class="num">1,500</td>' in pdf_html  # the counts by reason stay complete
    assert pdf_html.index('<td class="mono">Z1</td>') < pdf_html.index('<td class="mono">B')


def test_continuous_only_results_have_no_empty_test_table(results):
    results["endpoints"] = [e for e in results["endpoints"] if e["design"] == "continuous"]
    results["claims"], results["runs"] = [], []
    html = render_html(results, ("ja",), charts=False)
    assert "効果の推定と検定" not in html and "連続監視の解析" in html
    assert "HAC 回帰（Andrews–Monahan）" in html


def test_statement_names_the_test_that_judged_the_claims(small_results):
    # continuous-data claims are judged by the HAC step regression, run-based ones by the Welch-type
    # (Fieller) test: the statement's conditions must say which, never a test that was not used
    from verify.report.render import render_html

    def conditions(results):
        html = render_html(results, ("zh",), charts=False)
        return "阶跃回归" in html, "Welch 型检验" in html

    for claim in small_results["claims"]:
        claim["method"] = "fieller-welch"
    assert conditions(small_results) == (False, True)
    for claim in small_results["claims"]:
        claim["method"] = "hac_ols"
    assert conditions(small_results) == (True, False)


def test_run_pdf_html_leaves_per_run_tables_to_summary_xlsx(results):
    """`verify run`: report.html keeps every per-run table; the PDF's HTML replaces them by one
    note per language naming summary.xlsx (sheet runs) and report.html; the summaries stay."""
    from verify.report.render import _render

    full, for_pdf = _render(results, ("ja", "zh"), charts=False, variants=(False, True))
    assert full == render_html(results, charts=False)
    n_groups = full.count('class="grid small runs')
    assert n_groups >= 2 and 'class="grid small runs' not in for_pdf
    ja, zh = _blocks(for_pdf).values()
    assert "summary.xlsx の「runs」シート" in ja and "report.html" in ja
    assert "summary.xlsx“runs”工作表" in zh and "report.html" in zh
    # the per-endpoint summaries (n, mean, SD, reduction) are still printed, as many as before
    assert for_pdf.count("<h3") == full.count("<h3")
    for block in (full, for_pdf):
        assert block.count(">n</th>") == full.count(">n</th>")
