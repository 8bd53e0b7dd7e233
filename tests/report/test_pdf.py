"""PDF: text in both languages (pdftotext), embedded CJK faces (pdffonts), deny-all fetching,
no attachments, reproducible metadata, clear error without CJK fonts.

Needs poppler-utils (pdftotext, pdffonts, pdfinfo) and fonts-noto-cjk (docs/platform.md#cjk-fonts, #poppler).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from types import SimpleNamespace

import pytest

from verify.errors import RenderError
from verify.report import pdf as pdfmod
from verify.report.fmt import fmt_p, fmt_pct
from verify.report.render import render_pdf

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
                                reason="poppler-utils not installed")


def _run(cmd: list[str], data: bytes) -> str:
    return subprocess.run(cmd, input=data, capture_output=True, check=True).stdout.decode("utf-8")


def pdftext(data: bytes) -> str:
    """pdftotext -enc UTF-8, all whitespace removed (line breaks follow the layout)."""
    return re.sub(r"\s+", "", _run(["pdftotext", "-enc", "UTF-8", "-", "-"], data))


def pdfinfo(data: bytes) -> str:
    return _poppler_file("pdfinfo", data)


def _poppler_file(tool: str, data: bytes, *args: str) -> str:
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(data)
        fh.flush()
        env = {"TZ": "UTC", "PATH": "/usr/bin:/bin"}
        return subprocess.run([tool, *args, fh.name], capture_output=True, check=True,
                              env=env).stdout.decode()


def pdffonts(data: bytes) -> str:
    """pdffonts needs a seekable file."""
    return _poppler_file("pdffonts", data)


SIMPLE = """<!DOCTYPE html><html lang="ja"><head><style>
@import url(http://169.254.169.254/latest/meta-data/);
body { background: url(file:///etc/passwd); font-family: "Noto Sans CJK JP"; }
</style>
<link rel="stylesheet" href="http://169.254.169.254/x.css">
<link rel="attachment" href="file:///etc/passwd">
</head><body><p lang="ja">実証は認証ではない</p><p lang="zh-CN">验证不等于认证</p>
<img src="file:///etc/passwd"><img src="http://169.254.169.254/latest/meta-data/">
<a rel="attachment" href="file:///etc/hostname">x</a>
<img src="data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciIHdpZHRoPSIxMCIgaGVpZ2h0PSIxMCIvPg==">
</body></html>"""


@pytest.mark.slow
def test_fetcher_refuses_everything_but_data_urls():
    fetcher = pdfmod.make_fetcher()
    data = pdfmod.html_to_pdf(SIMPLE, {}, fetcher=fetcher)
    assert data.startswith(b"%PDF")
    refused = " ".join(fetcher.refused)
    assert "file:///etc/passwd" in refused and "169.254.169.254" in refused
    assert all(u.startswith("data:") for u in fetcher.calls if u not in fetcher.refused)
    assert b"/EmbeddedFile" not in data and b"/FileAttachment" not in data
    assert "root:" not in pdftext(data)


def test_same_html_same_pdf_bytes_and_fixed_date(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    a = pdfmod.html_to_pdf(SIMPLE, {}, fetcher=pdfmod.make_fetcher())
    b = pdfmod.html_to_pdf(SIMPLE, {}, fetcher=pdfmod.make_fetcher())
    assert a == b
    assert "CreationDate:    Thu Jan  1 00:00:00 1970 UTC" in pdfinfo(a)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1763596800")  # 2025-11-20T00:00:00Z
    c = pdfmod.html_to_pdf(SIMPLE, {}, fetcher=pdfmod.make_fetcher())
    info = pdfinfo(c)
    assert "CreationDate:    Thu Nov 20 00:00:00 2025 UTC" in info
    assert "ModDate:         Thu Nov 20 00:00:00 2025 UTC" in info


def test_pdf_date_rules():
    assert pdfmod.pdf_date({}, env={"SOURCE_DATE_EPOCH": "0"}) == "1970-01-01T00:00:00Z"
    assert pdfmod.pdf_date({"verification": {"issued": "2026-11-20"}}, env={}) == "2026-11-20T00:00:00Z"
    assert pdfmod.pdf_date({"verification": None}, env={}) == "1970-01-01T00:00:00Z"
    with pytest.raises(RenderError):
        pdfmod.pdf_date({}, env={"SOURCE_DATE_EPOCH": "yesterday"})


def test_missing_cjk_font_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(pdfmod.subprocess, "run", lambda *a, **k: SimpleNamespace(stdout="DejaVu Sans\n"))
    with pytest.raises(RenderError) as info:
        pdfmod.check_cjk_fonts()
    assert "fonts-noto-cjk" in str(info.value) and "apt-get" in str(info.value)
    monkeypatch.setattr(pdfmod.shutil, "which", lambda name: None)
    with pytest.raises(RenderError):
        pdfmod.check_cjk_fonts()


@pytest.fixture(scope="module")
def report_pdf():
    import json
    from pathlib import Path

    results = json.loads((Path(__file__).parent / "fixtures" / "results_textile.json").read_text("utf-8"))
    fetcher = pdfmod.make_fetcher()
    data = render_pdf(results, ("ja", "zh"), fetcher=fetcher)
    raw = _run(["pdftotext", "-enc", "UTF-8", "-", "-"], data)
    pages = [re.sub(r"\s+", "", p) for p in raw.split("\f") if p.strip()]
    return SimpleNamespace(results=results, data=data, fetcher=fetcher, text=pdftext(data), pages=pages,
                           spaced=re.sub(r"\s+", " ", raw))


@pytest.mark.slow
def test_pdf_text_has_both_languages(report_pdf):
    text = report_pdf.text
    for phrase in ("実証は認証ではない", "実証結果の概要", "対策前", "対策後", "非メタン炭化水素",
                   "验证不等于认证", "验证声明", "治理前", "治理后", "非甲烷总烃", "草案", "草稿",
                   "例示（署名不可）", "示例（不可签署）", "mg/m³N", "O₂"):
        assert phrase in text, phrase
    assert text.index("実証結果の概要") < text.index("验证声明")


@pytest.mark.slow
def test_pdf_headline_numbers_identical_in_both_languages(report_pdf):
    text = report_pdf.spaced
    cut = text.index("验证声明")
    ja, zh = text[:cut], text[cut:]

    def count(haystack: str, token: str) -> int:
        # a whole number: not preceded by a digit or '.', not followed by a digit
        return len(re.findall(r"(?<![\d.])" + re.escape(token) + r"(?!\d)", haystack))

    expected = []
    for c in report_pdf.results["claims"]:
        bound = c["upper_bound"] if c.get("kind") == "level" else c["lower_bound"]
        expected += [fmt_pct(c["estimate"]), fmt_pct(bound), fmt_p(c["p_value"])]
    # C2 oil mist by hand: 100(1 − 6.5667/49.8) = 86.8 %
    assert "86.8%" in expected
    for token in expected:
        assert count(ja, token) >= 1 and count(ja, token) == count(zh, token), token


@pytest.mark.slow
def test_pdf_embeds_both_cjk_faces_and_fetches_nothing(report_pdf):
    fonts = pdffonts(report_pdf.data)
    rows = [line for line in fonts.splitlines() if "Noto-Sans-CJK" in line]
    assert any("Noto-Sans-CJK-JP" in r and " yes " in r for r in rows), fonts
    assert any("Noto-Sans-CJK-SC" in r and " yes " in r for r in rows), fonts
    # the only "fetches" are the charts' inline PNG data: URLs (decoded in-process)
    assert report_pdf.fetcher.calls and report_pdf.fetcher.refused == []
    assert all(u.startswith("data:image/png;base64,") for u in report_pdf.fetcher.calls)
    assert b"/EmbeddedFile" not in report_pdf.data


@pytest.mark.slow
def test_every_page_marked_draft_and_illustrative(report_pdf):
    pages = report_pdf.pages
    assert len(pages) >= 10
    for i, page in enumerate(pages, start=1):
        ja = "草案（署名前）" in page and "例示（署名不可）" in page
        zh = "草稿（未签发）" in page and "示例（不可签署）" in page
        assert ja or zh, f"page {i} lacks the DRAFT / illustrative marking"
    # each language version numbered on its own: page number / the version's pages, in the footer
    halves = [[p for p in pages if "草案（署名前）" in p], [p for p in pages if "草稿（未签发）" in p]]
    assert halves[0] + halves[1] == pages  # the Japanese version, then the Chinese one
    for half in halves:
        for i, page in enumerate(half, start=1):
            assert f"{i}/{len(half)}" in page


def test_isolated_render_times_out_cleanly(small_results):
    with pytest.raises(RenderError, match="did not finish"):
        pdfmod.render_pdf_isolated(small_results, ("ja",), timeout=0.05)


def test_isolated_render_reports_child_errors(small_results):
    with pytest.raises(RenderError, match="unknown report language"):
        pdfmod.render_pdf_isolated(small_results, ("xx",), timeout=120)


@pytest.mark.slow
def test_isolated_render_gives_a_pdf(small_results):
    data = pdfmod.render_pdf_isolated(small_results, ("zh",), timeout=600)
    assert data.startswith(b"%PDF") and "验证不等于认证" in pdftext(data)


@pytest.mark.slow
def test_hostile_results_render_as_text_and_fetch_nothing(small_results):
    r = small_results
    r["case"]["factory"] = {"ja": '<img src="file:///etc/passwd">', "zh": "<script>alert(1)</script>"}
    r["case"]["title"] = {"ja": "http://169.254.169.254/latest/meta-data/", "zh": "<b>x</b>"}
    r["sources"][0]["name"] = {"ja": '<link rel="attachment" href="file:///etc/passwd">', "zh": "x"}
    fetcher = pdfmod.make_fetcher()
    data = render_pdf(r, ("ja", "zh"), fetcher=fetcher)
    assert fetcher.refused == []  # nothing from the hostile text was even asked for
    assert all(u.startswith("data:image/png;base64,") for u in fetcher.calls)  # the charts only
    assert b"/EmbeddedFile" not in data
    text = pdftext(data)
    assert '<imgsrc="file:///etc/passwd">' in text and "<script>alert(1)</script>" in text
    assert "root:" not in text


@pytest.mark.slow
@pytest.mark.parametrize("case", ["jiangsu-textile-dyeing", "hebei-coating-cems"])
def test_statement_is_one_page_in_each_language(case):
    """Page 1 of each language half is the whole verification statement, from its title to the seal
    line under the sign-off (the bundled cases; ISO 14034:2016 §5.5: the statement stands alone)."""
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    results = json.loads((root / "case_studies" / case / "expected" / "results.json").read_text("utf-8"))
    raw = _run(["pdftotext", "-enc", "UTF-8", "-", "-"], render_pdf(results, ("ja", "zh")))
    pages = [re.sub(r"\s+", "", p) for p in raw.split("\f") if p.strip()]
    for title, disclaimer, seal in (("実証結果の概要", "実証は認証ではない", "実証機関（印）"),
                                    ("验证声明", "验证不等于认证", "验证机构（盖章）")):
        first = next(i for i, p in enumerate(pages) if title in p)
        assert disclaimer in pages[first] and seal in pages[first], f"{case}: the statement runs past page {first + 1}"
        assert seal not in pages[first + 1]
