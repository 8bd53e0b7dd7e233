"""The quote-free fast path of the CSV reader: records split by pyarrow's CSV parser, column-wise.

A file without any double quote (and without NUL bytes) in an ASCII-compatible encoding whose
multi-byte characters never contain the byte of ``"`` (UTF-8, GB18030/GBK, Shift-JIS/cp932) has
no quoted fields: every physical line is one record, and a record is its line split at the
delimiter. That is exactly what pyarrow's parser does with quoting off, so its records equal those
of the strict reader (:func:`verify.sources.csv_reader.csv_records`) — as long as every record has
the same number of fields. Anything else (a blank line, a ragged record, a field longer than
:data:`~verify.sources.csv_reader.MAX_FIELD_CHARS`, more than
:data:`~verify.sources.csv_reader.MAX_FIELDS` fields, a one-column file) ends the fast path where it
is met: :class:`NotSimple` says how many data records were given out, and the strict reader goes on
from there (same records, same messages). The cells come out as Arrow text arrays
(``large_string``), the form the intake's column-wise steps use, without a Python string per cell
on the way in.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

#: Encodings whose multi-byte characters never contain the bytes 0x22 (") or 0x0A/0x0D (codec names).
QUOTE_SAFE_ENCODINGS = frozenset({"utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312", "cp932", "shift_jis"})
_BLOCK = 1 << 24


class NotSimple(Exception):
    """The fast path stops: ``done`` data records were given out before the record it cannot read."""

    def __init__(self, done: int):
        super().__init__(done)
        self.done = done


def quote_free(path: Path, encoding: str) -> bool:
    """Whether the file at ``path`` qualifies for the fast path (module docstring), by a byte scan."""
    if codecs.lookup(encoding).name not in QUOTE_SAFE_ENCODINGS:
        return False
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_BLOCK), b""):
            if b'"' in block or b"\x00" in block:
                return False
    return True


def arrow_records(path: Path, encoding: str, delimiter: str, skip: int, width: int, max_fields: int,
                  max_chars: int) -> Iterator[list[pa.Array]]:
    """The records after the first ``skip`` ones, as lists of ``width`` Arrow text columns, one list
    per parsed block; :class:`NotSimple` where a record is not one the fast path reads."""
    if width < 2 or width > max_fields:
        raise NotSimple(0)
    read = pcsv.ReadOptions(encoding=encoding, skip_rows=skip, block_size=_BLOCK,
                            column_names=[f"c{i}" for i in range(width)])
    parse = pcsv.ParseOptions(delimiter=delimiter, quote_char=False, double_quote=False, escape_char=False,
                              newlines_in_values=False, ignore_empty_lines=False)
    convert = pcsv.ConvertOptions(column_types={f"c{i}": pa.large_string() for i in range(width)},
                                  strings_can_be_null=False, quoted_strings_can_be_null=False)
    done = 0
    try:
        reader = pcsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert)
        for batch in reader:
            columns = list(batch.columns)
            if any((pc.max(pc.utf8_length(c)).as_py() or 0) > max_chars for c in columns):
                raise NotSimple(done)
            yield columns
            done += batch.num_rows
    except (pa.ArrowInvalid, UnicodeDecodeError):
        raise NotSimple(done) from None


def nonblank(columns: list[pa.Array]) -> bool:
    """Whether any cell holds more than whitespace (``str.strip`` and Arrow's trim strip the same characters)."""
    return any(pc.any(pc.not_equal(pc.utf8_trim_whitespace(c), "")).as_py() for c in columns)
