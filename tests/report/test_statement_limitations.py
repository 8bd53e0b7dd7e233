"""The statement's limitations and identifiers on the bundled cases' published results (review of
2026-12-03, items 4, 8, 10 and 26): the laboratory cross-check named run by run, the limits not
weighed, the permit and outlet numbers, the CEMS data source and what was not evaluated for it."""

from __future__ import annotations

import copy
import html as htmllib
import json
import re
from pathlib import Path

import pytest

from verify.report.render import render_html
from verify.report.statement import limitations
from verify.report.view import build_view

ROOT = Path(__file__).resolve().parents[2]


def _published(case: str) -> dict:
    return json.loads((ROOT / "case_studies" / case / "expected" / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def textile() -> dict:
    return _published("jiangsu-textile-dyeing")


@pytest.fixture(scope="module")
def cems() -> dict:
    return _published("hebei-coating-cems")


def _plain(fragment: str) -> str:
    cells = re.sub(r"</t[hd]>|<br>", " ", fragment)  # table cells and lines apart, inline markup joined
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", "", cells)).replace("\u00a0", " "))


def _section(page: str, lang: str, name: str) -> str:
    m = re.search(rf'<section class="{name}" id="{lang}-{name}".*?</section>', page, re.S)
    assert m, f"{lang}-{name} not found"
    return _plain(m.group(0))


def test_lab_check_limitation_names_the_run_both_values_and_the_verdict_with_the_reported_value(textile):
    """C3 (S2 SO2 at 9 % O2, level <= 200): after run 2 measured 74 mg/m3 at O2 12.9 %, recomputed
    74 x (21 - 9) / (21 - 12.9) = 109.63 -> "110"; the laboratory reported 98.7: difference
    100 x (98.7 / 109.63 - 1) = -9.97 %. With the reported value the after mean is
    (97.14 + 98.7 + 85.12) / 3 = 93.65 -> "93.7" (results.json claims[2].lab_check)."""
    assert abs(74 * 12 / 8.1 - 109.63) < 0.01 and abs(100 * (98.7 / (74 * 12 / 8.1) - 1) + 9.97) < 0.01
    page = render_html(textile, charts=False)
    zh, ja = _section(page, "zh", "statement"), _section(page, "ja", "statement")
    assert "治理后第2次报告值 98.7 mg/m³，重新计算值 110 mg/m³（相差 −9.97%）" in zh
    assert "判定采用重新计算值；若改用报告值，均值 93.7 mg/m³，上限 106 mg/m³，p < 0.001，判定不变（经验证成立）" in zh
    assert "対策後第2回の報告値 98.7 mg/m³N、再計算値 110 mg/m³N（差 −9.97%）" in ja
    assert "判定は変わらない（確認された）" in ja
    # the vague count of the QA check is not what the statement says about C3 any more
    assert "9个中1个" not in zh and "9件中1件" not in ja


def test_lab_check_limitation_says_when_the_verdict_would_change(textile):
    results = copy.deepcopy(textile)
    check = results["claims"][2]["lab_check"]
    check["with_reported"]["verdict"], check["verdict_changes"] = "supported", True
    page = render_html(results, charts=False)
    assert "判定变为“点估计达到声明值，但统计学上未能证实”" in _section(page, "zh", "statement")
    assert "判定は「" in _section(page, "ja", "statement")


def test_lab_check_replaces_the_qa_item_only_for_the_claim_it_explains(textile):
    kinds = [(it["kind"], it["claims"], it.get("check")) for it in limitations(build_view(textile))["items"]]
    assert ("lab_check", ["C3"], None) in kinds
    assert not any(kind == "qa" and check == "lab_o2ref" for kind, _, check in kinds)
    results = copy.deepcopy(textile)
    results["claims"][2]["lab_check"] = None  # a results.json of an earlier version: the QA item stays
    kinds = [(it["kind"], it.get("check")) for it in limitations(build_view(results))["items"]]
    assert ("qa", "lab_o2ref") in kinds and not any(k == "lab_check" for k, _ in kinds)


def test_annex_shows_the_laboratory_reported_value_beside_the_recomputed_one(textile):
    page = render_html(textile, charts=False)
    annex = page[page.index('id="zh-annex-runs"'):page.index('id="zh-annex-trace"')]
    cells = [_plain(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", annex, re.S)]
    zh = _plain(annex)
    assert "报告折算浓度 （检测机构）" in zh and "† 检测机构报告值与按实测值重新计算的值相差超过1%" in zh
    # after run 2 of S2 SO2: recomputed 110, reported 98.7 (marked); run 1: 97.1 both, unmarked
    assert ["110", "98.7†"] in [cells[i:i + 2] for i in range(len(cells) - 1)]
    assert ["97.1", "97.1"] in [cells[i:i + 2] for i in range(len(cells) - 1)]


def test_limits_not_listed_are_said_unchecked_and_known_ones_named(textile, cems):
    page = render_html(textile, charts=False)
    zh, ja = _section(page, "zh", "statement"), _section(page, "ja", "statement")
    assert "未列出的地方标准、行业标准及排污许可证许可限值未予核对" in zh
    assert "DB32/4385-2022《锅炉大气污染物排放标准》（江苏省）" in zh and "DB32/4041-2021《大气污染物综合排放标准》（江苏省） 表1 颗粒物" in zh
    assert "挙げていない地方基準・業種別基準や排出許可証（排污许可证）の許可値は照合していない" in ja
    page = render_html(cems, charts=False)
    assert "DB13/2322-2016《工业企业挥发性有机物排放控制标准》（河北省）" in _section(page, "zh", "statement")
    results = copy.deepcopy(textile)
    results["limits_not_weighed"] = []
    zh = _section(render_html(results, charts=False), "zh", "statement")
    assert "未列出的地方标准" in zh and "可能适用" not in zh  # the general sentence stays


def test_permit_and_outlet_numbers_in_the_statement(textile):
    zh = _section(render_html(textile, charts=False), "zh", "statement")
    assert "排污许可证编号：ILLUSTRATIVE-91320281-001P" in zh
    assert "排放口编号：1#定型机排气筒 DA001、2#燃煤导热油炉排气筒 DA002" in zh
    results = copy.deepcopy(textile)
    for s in results["sources"]:
        s["permit_id"] = None
    page = render_html(results, charts=False)
    zh = _section(page, "zh", "statement")
    assert "排污许可证编号：未提供" in zh and "本案例未提供排污许可证编号。" in zh


def test_cems_operator_is_a_data_source_not_a_laboratory_and_acceptance_is_said_unevaluated(cems):
    page = render_html(cems, charts=False)
    zh, ja = _section(page, "zh", "statement"), _section(page, "ja", "statement")
    assert "数据来源 自动监测数据（运维单位：河北某环境监测技术有限公司（示例））" in zh
    assert "CEMS 验收报告编号：未提供" in zh and "比对监测报告编号：未提供" in zh
    assert "检测机构 " not in zh and "测定機関 " not in ja
    assert "验收报告和比对监测（相对准确度）报告均未提供；本验证未评价自动监测数据的准确度" in zh
    results = copy.deepcopy(cems)
    results["verification"]["laboratory"]["cems_acceptance_reports"] = ["YS-2025-01"]
    zh = _section(render_html(results, charts=False), "zh", "statement")
    assert "CEMS 验收报告编号：YS-2025-01" in zh and "仅列出编号，其内容未经本验证审查" in zh


def test_run_based_case_has_no_cems_limitation(textile):
    kinds = [it["kind"] for it in limitations(build_view(textile))["case"]]
    assert kinds == ["campaign", "limits_scope"]


def test_sampling_days_and_months_are_limitations_generated_from_the_dates(textile, cems):
    """Textile: before 2026-05-12 only, after 2026-09-16 only (one day each, May vs September);
    CEMS: 2026-03-02..03-29 vs 2026-04-13..05-10 (several days, months March vs April-May)."""
    item = limitations(build_view(textile))["case"][0]
    assert item["one_day"] == ["before", "after"] and item["season"] is True
    zh = _section(render_html(textile, charts=False), "zh", "statement")
    assert "治理前（2026年5月12日）、治理后（2026年9月16日）各仅监测1天，未反映日间变化。两阶段月份不同" in zh
    item = limitations(build_view(cems))["case"][0]
    assert item["kind"] == "campaign" and item["one_day"] == [] and item["season"] is True
    zh = _section(render_html(cems, charts=False), "zh", "statement")
    assert "治理前（2026年3月2日至2026年3月29日）与治理后（2026年4月13日至2026年5月10日）处于不同月份" in zh
    results = copy.deepcopy(cems)  # overlapping months and several days: nothing to say
    results["campaign"]["phases"]["after"].update(first="2026-03-30", last="2026-04-20")
    assert [it["kind"] for it in limitations(build_view(results))["case"]] == ["limits_scope", "cems_acceptance"]


def test_a_cems_claim_without_acceptance_and_comparison_reports_is_conditional(cems):
    """The Hebei case gives neither CEMS report: C1's verdict stays 经验证成立 / 確認された, but it is
    marked conditional in the claims table, the overall sentence and the conditions list, naming the
    missing reports (verify.verdicts.cems_conditions). With both reports given, no condition; with
    one given, only the other is named."""
    page = render_html(cems, charts=False)
    zh, ja = _section(page, "zh", "statement"), _section(page, "ja", "statement")
    assert "附条件" in zh and "条件付き" in ja
    assert "但C1依据在线监测（CEMS）数据，未提供其验收报告及比对监测（相对准确度）报告，该判定以 CEMS 数据准确为前提" in zh
    assert "C1：在线监测（CEMS）数据准确。用以确认准确度的验收报告及比对监测（相对准确度）报告（HJ 75-2017" in zh
    assert "ただし、C1は自動測定装置（CEMS）のデータに基づき、その検収報告書と比較測定（相対正確度）報告書が示されていない" in ja
    results = copy.deepcopy(cems)
    results["verification"]["laboratory"]["cems_acceptance_reports"] = ["YS-2025-01"]
    zh = _section(render_html(results, charts=False), "zh", "statement")
    assert "未提供其比对监测（相对准确度）报告，该判定" in zh and "验收报告及" not in zh
    results["verification"]["laboratory"]["comparison_reports"] = ["BD-2025-07"]
    zh = _section(render_html(results, charts=False), "zh", "statement")
    assert "附条件" not in zh and "为前提" not in zh


def test_a_run_based_case_has_no_cems_condition(textile):
    assert build_view(textile)["cems_conditions"] is None


def test_continuous_endpoints_name_their_method_and_say_when_it_is_a_default(cems):
    """The Hebei CEMS endpoints printed "—" as method (no runs); results.json now names it
    (endpoints[].method: HJ 1013-2018 from the case's [[file]] defaults) and a default is said to be one."""
    assert {(e["method"], e["method_from"]) for e in cems["endpoints"]} == {("HJ 1013-2018", "data")}
    row = '<td class="small rec">HJ 1013-2018</td>'
    assert render_html(cems, charts=False).count(row) == 2  # one row for NMHC (concentration, mass rate), ja and zh
    results = copy.deepcopy(cems)
    for ep in results["endpoints"]:
        ep["method_from"] = "default"
    page = render_html(results, charts=False)
    assert page.count('HJ 1013-2018<br>（数据未注明，按连续监测标准默认）') == 1
    assert page.count('HJ 1013-2018<br>（データに記載なし。連続測定の規格による既定）') == 1


def test_a_catalogue_newer_than_the_statement_date_is_said_beside_its_version(textile, cems):
    """Textile: issued and approved 2026-11-20, limits catalogue 2026.12.x (made in December 2026):
    the results were computed again after sign-off; the annex labels the version as the one of this
    computation, says it is later than the issue and signature dates and that it needs signing again,
    and the statement's issue line says it was recomputed (issue 18, facts finding 3; both readers of
    the final review: the signatures cannot cover results of a later catalogue). Hebei is not signed
    (no signature lines filled): no date to compare, the annex asks the signers to confirm the version
    instead of naming its `issued` date as a statement date (both readers: a date the draft lacks)."""
    version = textile["fingerprints"]["limits"]["version"]
    assert version.startswith("2026.12.")
    page = _plain(render_html(textile, charts=False))
    assert f"本结果使用限值目录 {version} 计算；该版本晚于签发日期或签字日期（2026年11月20日）" in page
    assert "须重新签署后方可作为已签发的验证声明使用" in page
    assert f"この結果は基準値カタログ {version} を用いて計算した。この版は発行日・署名日（2026年11月20日）より後" in page
    assert "签署后重新计算（见附录）" in page and "署名後に再計算（付属書参照）" in page
    assert page.count("この計算に用いた基準値カタログ") == 1 and page.count("本次计算所用限值目录") == 1
    # a signature in the catalogue's month (or later), or a version of another form: nothing to say
    for change in ({"signature": [{"role": "approver", "name": "李华", "date": "2026-12-01"}]},
                   {"issued": "2027-01-05"}):
        results = copy.deepcopy(textile)
        results["verification"].update(change)
        page = render_html(results, charts=False)
        assert "晚于签发日期" not in page and "签署后重新计算" not in page
    results = copy.deepcopy(textile)
    results["fingerprints"]["limits"]["version"] = "test"
    assert "晚于签发日期" not in render_html(results, charts=False)
    hebei = _plain(render_html(cems, charts=False))
    assert "晚于" not in hebei and "より後に作られた" not in hebei and "签署后重新计算" not in hebei
    assert "签署时须确认该版本为签署时有效的版本" in hebei and "署名の際は、この版が署名の時点で有効な版であることを確認すること" in hebei


def test_limits_on_hourly_means_state_the_sample_type_and_grab_samples_are_indicative(textile):
    """Textile: S1 and S2 runs are 1 h of continuous sampling, the fugitive points 4 samples at equal
    intervals within 1 h; a grab sample against a 1-h limit is compared for reference only, without
    a verdict (issue 18, facts finding 5)."""
    page = _plain(render_html(textile, charts=False))
    assert "試料：1時間の連続採取（1時間平均）" in page and "样品：连续采样1 h（小时均值）" in page
    assert "試料：1時間内に等間隔で採取して平均" in page and "样品：1 h内等时间间隔采样并计平均值" in page
    results = copy.deepcopy(textile)
    ep = next(e for e in results["endpoints"] if e["source"] == "S1" and e["pollutant"] == "NMHC"
              and e["metric"] == "concentration")
    lim = next(x for x in ep["limits"] if x["id"] == "DB32-4041-2021:NMHC:conc")
    lim.update(sample_type="grab", hourly_mean={"before": False, "after": False},
               binding_reason={"before": "not_hourly_mean", "after": "not_hourly_mean"})
    zh = _plain(render_html(results, charts=False))
    assert "样品：瞬时采样（非小时均值，比较仅作参考）" in zh
    assert "适用于本企业的标准；样品不构成小时均值，不作达标判定，作参照值比较" in zh
    assert "この工場に適用される基準だが、試料が1時間平均になっていないため参考値として比べた（適否は判定しない）" in zh
