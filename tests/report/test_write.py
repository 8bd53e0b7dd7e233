"""write_report / write_summary_xlsx: suffix dispatch, atomic writes, nothing half-written."""

from __future__ import annotations

import pytest

from verify.errors import RenderError
from verify.report import render
from verify import fsutil
from verify.fsutil import atomic_write_bytes
from verify.report.render import write_report


def test_write_html_atomically(tmp_path, small_results, monkeypatch):
    monkeypatch.setattr(render, "render_html",
                        lambda results, langs=("ja", "zh"), **kw: "<html>ok</html>")
    out = write_report(small_results, tmp_path / "sub" / "report.html")
    assert out.read_text(encoding="utf-8") == "<html>ok</html>"
    assert [p.name for p in out.parent.iterdir()] == ["report.html"]


def test_failed_render_leaves_previous_file_and_no_temp(tmp_path, small_results, monkeypatch):
    target = tmp_path / "report.html"
    target.write_text("previous", encoding="utf-8")

    def boom(*a, **k):
        raise RenderError("simulated failure")

    monkeypatch.setattr(render, "render_html", boom)
    with pytest.raises(RenderError):
        write_report(small_results, target)
    assert target.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_interrupted_write_removes_temp_file(tmp_path, monkeypatch):
    target = tmp_path / "x.pdf"

    def fail_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(fsutil.os, "replace", fail_replace)
    with pytest.raises(OSError):
        atomic_write_bytes(target, b"%PDF-")
    assert list(tmp_path.iterdir()) == []


def test_unknown_suffix_is_refused(tmp_path, small_results):
    with pytest.raises(RenderError):
        write_report(small_results, tmp_path / "report.docx")
    assert list(tmp_path.iterdir()) == []


def test_real_html_render_written(tmp_path, small_results, monkeypatch):
    real = render.render_html
    monkeypatch.setattr(render, "render_html", lambda r, langs=("ja", "zh"): real(r, langs, charts=False))
    out = write_report(small_results, tmp_path / "r.html", ("ja",))
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "実証は認証ではない" in text
