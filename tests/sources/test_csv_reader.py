"""CSV intake: encodings, newlines, empty files (docs/reliability.md#bad-inputs rows 1, 2, 34)."""

from __future__ import annotations

import pytest

from verify.case import FileSpec
from verify.errors import InputError
from verify.sources.csv_reader import read_csv_grid

ZH = "排气筒,阶段,频次,污染物,实测浓度,单位\nS1,治理前,1,非甲烷总烃,12.5,mg/m3\n"
JA = "排気筒,段階,測定回,項目,測定値,単位\nS1,対策前,1,非メタン炭化水素,12.5,ppmC\n"


def _read(tmp_path, data: bytes, **kw):
    p = tmp_path / "t.csv"
    p.write_bytes(data)
    return read_csv_grid(p, "data/t.csv", FileSpec(path="data/t.csv", **kw))


def test_row1_empty_file(tmp_path):
    with pytest.raises(InputError, match="empty file") as exc:
        _read(tmp_path, b"")
    assert exc.value.location.file == "data/t.csv"


def test_row2_header_only(tmp_path):
    with pytest.raises(InputError, match="no data rows"):
        _read(tmp_path, "排气筒,阶段\n".encode())
    with pytest.raises(InputError, match="no data rows"):
        _read(tmp_path, "title\n排气筒,阶段\n,\n".encode(), header_rows=[2])


@pytest.mark.parametrize(("text", "enc", "expected"), [(ZH, "utf-8-sig", "utf-8-sig"), (ZH, "utf-8", "utf-8"), (ZH, "gbk", "gb18030"),
                                                        (JA, "cp932", "cp932"), (JA, "utf-8-sig", "utf-8-sig")])
def test_row34_encodings_detected(tmp_path, text, enc, expected):
    grid = _read(tmp_path, text.encode(enc))
    assert grid.encoding == expected
    assert grid.rows[0][0] == text.split(",")[0]  # the BOM does not stick to the first header (pandas#13497)
    assert grid.rows[1][3] == text.split("\n")[1].split(",")[3]


def test_row34_declared_encoding(tmp_path):
    assert _read(tmp_path, ZH.encode("gbk"), encoding="gbk").rows[1][1] == "治理前"


def test_row34_wrong_declared_encoding_is_an_error(tmp_path):
    with pytest.raises(InputError, match="not valid utf-8") as exc:
        _read(tmp_path, ZH.encode("gbk"), encoding="utf-8")
    assert exc.value.location.file == "data/t.csv"


def test_row34_undecodable(tmp_path):
    with pytest.raises(InputError, match="neither UTF-8") as exc:
        _read(tmp_path, b"a,b\n\xff\xff\xff,\x80\n")
    assert exc.value.location.file == "data/t.csv"


def test_row34_mixed_newlines(tmp_path):
    grid = _read(tmp_path, b"source,value\r\nS1,1\nS1,2\rS1,3\r\n")
    assert [r[1] for r in grid.rows] == ["value", "1", "2", "3"]


def test_cells_stay_text(tmp_path):
    grid = _read(tmp_path, b"a,b,c\nNA,N/A,nan\n1,,x\n")
    assert grid.rows[1] == ["NA", "N/A", "nan"] and grid.rows[2] == ["1", "", "x"]


def test_ragged_rows_padded(tmp_path):
    grid = _read(tmp_path, b"a,b,c\n1\n")
    assert grid.rows[1] == ["1", None, None]


def test_semicolon_delimiter(tmp_path):
    grid = _read(tmp_path, b"a;b\n12,5;3\n", decimal=",")
    assert grid.rows[1] == ["12,5", "3"] and "delimiter ';'" in map(str, grid.notes)


# ---------------------------------------------------------------- issue 17: line guard


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(st.tuples(st.sampled_from([0, 5, 49, 50, 51, 120]), st.sampled_from(["\n", "\r", "\r\n", ""])), max_size=20),
       cuts=st.lists(st.integers(1, 80), min_size=40, max_size=40))
def test_the_streaming_line_guard_refuses_exactly_the_line_the_record_reader_refuses(lines, cuts):
    """The chunked path refuses an over-long line while decoding (``_LineGuard``), the whole path in
    the record reader (``_BoundedLines``): same line, same message, wherever the blocks are cut."""
    import io

    from verify.sources import csv_reader as cr

    text = "".join("x" * n + end for n, end in lines)

    def outcome(run):
        try:
            run()
        except InputError as exc:
            return exc.render()
        return None

    def reader():
        for _ in cr._BoundedLines(io.StringIO(text, newline=""), "f"):
            pass

    def guard():
        g, pos = cr._LineGuard("f"), 0
        for n in cuts:
            g.feed(text[pos:pos + n])
            pos += n
        g.feed(text[pos:])
        g.close()

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cr, "MAX_LINE_CHARS", 50)
        assert outcome(guard) == outcome(reader)
