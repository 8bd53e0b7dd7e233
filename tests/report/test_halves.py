"""The PDF as one document per language half, rendered side by side and joined (verify.report.halves,
verify.report.merge): the same bytes in parallel and one after the other; the contents list's links,
its printed page numbers and the bookmarks of each half still go to that half's pages; fonts
embedded under distinct subset names; metadata kept; errors in a forked half come back with their
type; no fork where the platform has none.

Needs poppler-utils (pdftotext, pdffonts) like test_pdf.py.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import tempfile

import pytest
from pypdf import PdfReader, PdfWriter

from verify.errors import RenderError
from verify.report import halves as halves_mod
from verify.report import pdf as pdfmod
from verify.report.halves import merged_pdf, render_halves
from verify.report.render import render_pdf

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
                                reason="poppler-utils not installed")

TOC_KEYS = ["statement", "factory", "claims", "design", "quality", "results", "stats", "compliance",
            "fugitive", "cobenefits", "annex-runs", "annex-trace"]  # templates/body.html.j2, the contents list


@pytest.fixture(scope="module")
def rendered():
    """The textile fixture's halves rendered side by side, and the joined PDF."""
    import json
    from pathlib import Path

    results = json.loads((Path(__file__).parent / "fixtures" / "results_textile.json").read_text("utf-8"))
    halves = render_halves(results, ("ja", "zh"), parallel=True)
    return results, halves, merged_pdf(halves, results)


def _poppler(tool: str, data: bytes, *args: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(data)
        fh.flush()
        return subprocess.run([tool, *args, fh.name, *(["-"] if tool == "pdftotext" else [])],
                              capture_output=True, check=True).stdout.decode("utf-8")


def _dest_pages(reader: PdfReader) -> dict[str, int]:
    return {name: reader.get_destination_page_number(dest) for name, dest in reader.named_destinations.items()}


def _outline(reader: PdfReader, items=None) -> list[tuple[str, int]]:
    out = []
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            out += _outline(reader, item)
        else:
            out.append((item.title, reader.get_destination_page_number(item)))
    return out


@pytest.mark.slow
def test_parallel_and_sequential_give_the_same_bytes(rendered):
    results, halves, data = rendered
    again = render_halves(results, ("ja", "zh"), parallel=False)
    assert [h.pdf for h in again] == [h.pdf for h in halves]
    assert merged_pdf(again, results) == data
    assert render_pdf(results, ("ja", "zh")) == data  # the public function, as verify report calls it


@pytest.mark.slow
def test_bookmarks_and_named_destinations_keep_their_half(rendered):
    _, halves, data = rendered
    merged = PdfReader(io.BytesIO(data))
    offset = 0
    expected_dests, expected_outline = {}, []
    for half in halves:
        own = PdfReader(io.BytesIO(half.pdf))
        expected_dests |= {name: page + offset for name, page in _dest_pages(own).items()}
        expected_outline += [(title, page + offset) for title, page in _outline(own)]
        offset += len(own.pages)
    assert len(merged.pages) == offset
    assert _dest_pages(merged) == expected_dests
    assert _outline(merged) == expected_outline
    n_ja = len(PdfReader(io.BytesIO(halves[0].pdf)).pages)
    assert expected_dests["zh-statement"] == n_ja  # the Chinese version starts on the page after the Japanese one
    for name, page in expected_dests.items():
        assert (page < n_ja) == name.startswith("ja-"), name
    assert {f"{p}-{key}" for p in ("ja", "zh") for key in TOC_KEYS} <= set(expected_dests)


@pytest.mark.slow
def test_contents_links_and_page_numbers_point_into_their_own_version(rendered):
    """Each contents entry links to its section in the same version, and the number printed beside
    it (target-counter) is that section's page counted from the version's first page."""
    _, halves, data = rendered
    merged = PdfReader(io.BytesIO(data))
    dests = _dest_pages(merged)
    start = {"ja": 0, "zh": dests["zh-statement"]}
    for lang in ("ja", "zh"):
        toc_page = dests[f"{lang}-cover"]
        links = []
        for annot in merged.pages[toc_page].get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/Link":
                links.append((-float(annot["/Rect"][1]), str(annot["/Dest"])))
        order = list(dict.fromkeys(name for _, name in sorted(links)))
        assert order == [f"{lang}-{key}" for key in TOC_KEYS]
        text = _poppler("pdftotext", data, "-layout", "-f", str(toc_page + 1), "-l", str(toc_page + 1))
        printed = [int(m) for m in re.findall(r"\.{5,}\s*(\d+)\s*$", text, flags=re.M)]
        assert printed == [dests[name] - start[lang] + 1 for name in order]
        footer = f"{toc_page - start[lang] + 1} / {len(PdfReader(io.BytesIO(halves[lang == 'zh'].pdf)).pages)}"
        assert footer in text  # the contents page's own number within its version


@pytest.mark.slow
def test_fonts_embedded_under_distinct_subset_names_and_metadata_kept(rendered):
    results, halves, data = rendered
    rows = _poppler("pdffonts", data).splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), rows  # emb
    names = [row.split()[0] for row in rows]
    assert len(set(names)) == len(names), names  # ISO 32000-1 §9.6.4: one tag per subset
    assert any("CJK-JP" in n for n in names) and any("CJK-SC" in n for n in names)
    reader = PdfReader(io.BytesIO(data))
    first = PdfReader(io.BytesIO(halves[0].pdf))
    assert dict(reader.metadata) == dict(first.metadata)
    assert reader.metadata["/Title"] == results["case"]["id"]
    date = "D:" + re.sub(r"[-:T]", "", pdfmod.pdf_date(results))  # 1970-01-01T00:00:00Z → D:19700101000000Z
    assert reader.metadata["/CreationDate"] == date == reader.metadata["/ModDate"]
    assert reader.trailer["/Root"]["/Lang"] == "ja"
    assert b"/ID" not in data.split(b"trailer")[-1]  # no file identifier of the moment


def test_one_language_is_the_weasyprint_document_itself(small_results, monkeypatch):
    monkeypatch.setattr(pdfmod, "html_to_pdf", lambda html, results: b"%PDF-one half " + html[-20:].encode())
    (half,) = render_halves(small_results, ("zh",), parallel=True)
    assert merged_pdf([half], small_results) == half.pdf
    assert render_pdf(small_results, ("zh",)) == half.pdf


def _blank_pdf(html: str, results: dict) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(100, 100 if '<html lang="ja">' in html else 200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_no_fork_where_the_platform_has_none(small_results, monkeypatch):
    monkeypatch.setattr(pdfmod, "html_to_pdf", _blank_pdf)
    from types import SimpleNamespace

    monkeypatch.setattr(halves_mod, "sys", SimpleNamespace(platform="win32"))  # for verify.report.halves only
    assert not halves_mod.can_fork()

    def no_fork():
        raise AssertionError("forked on a platform without fork")

    monkeypatch.setattr(halves_mod.os, "fork", no_fork)
    out = render_pdf(small_results, ("ja", "zh"))
    heights = [float(p.mediabox.height) for p in PdfReader(io.BytesIO(out)).pages]
    assert heights == [100, 200]  # ja, then zh


@pytest.fixture
def forks(monkeypatch) -> list[int]:
    """The pids of the children render_halves forks (other tests may leave children of their own)."""
    pids: list[int] = []
    real_fork = os.fork

    def fork() -> int:
        pid = real_fork()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(halves_mod.os, "fork", fork)
    return pids


def _all_reaped(pids: list[int]) -> bool:
    """Every forked child was waited for (none left running or as a zombie)."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return bool(pids)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")
@pytest.mark.parametrize("error", [RenderError("the Chinese half failed", hint="look at it"),
                                   RuntimeError("the Chinese half crashed"), KeyboardInterrupt()])
def test_an_error_in_the_forked_half_comes_back_with_its_type(small_results, monkeypatch, forks, error):
    def zh_fails(html, results):
        if '<html lang="zh-CN">' in html:
            raise error
        return _blank_pdf(html, results)

    monkeypatch.setattr(pdfmod, "html_to_pdf", zh_fails)
    with pytest.raises(type(error)) as caught:
        render_halves(small_results, ("ja", "zh"), parallel=True)
    assert str(caught.value) == str(error)
    if isinstance(error, RenderError):
        assert caught.value.hint == "look at it"
    assert _all_reaped(forks)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")
def test_a_failure_in_this_process_stops_the_forked_half(small_results, monkeypatch, forks):
    def ja_fails(html, results):
        if '<html lang="ja">' in html:
            raise RenderError("the Japanese half failed")
        import time

        time.sleep(60)  # the forked half would take a minute: it is killed, not waited for
        return _blank_pdf(html, results)

    monkeypatch.setattr(pdfmod, "html_to_pdf", ja_fails)
    with pytest.raises(RenderError, match="the Japanese half failed"):
        render_halves(small_results, ("ja", "zh"), parallel=True)
    assert _all_reaped(forks)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")
def test_a_forked_half_that_dies_is_a_render_error(small_results, monkeypatch, forks):
    import signal

    def zh_dies(html, results):
        if '<html lang="zh-CN">' in html:
            os.kill(os.getpid(), signal.SIGKILL)  # as the kernel does at the address-space limit
        return _blank_pdf(html, results)

    monkeypatch.setattr(pdfmod, "html_to_pdf", zh_dies)
    with pytest.raises(RenderError, match=r"exit -9\): a language half ended without a result"):
        render_halves(small_results, ("ja", "zh"), parallel=True)
    assert _all_reaped(forks)
