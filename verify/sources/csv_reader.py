"""Read a CSV file into a :class:`~verify.sources.grid.SheetGrid` of raw text cells.

Every cell stays text (the csv module; no pandas NA magic: ``NA``/``N/A``/``nan`` are kept as
written for the strict cell converter). Encodings: the ``[[file]]`` ``encoding`` when declared,
otherwise UTF-8 (a BOM is removed), GB18030 (a superset of GBK/GB2312) or Shift-JIS (cp932). When
both CJK encodings decode the bytes, the one under which more header words are recognised wins, then
the one without half-width katakana (GBK text misread as cp932 shows them); the choice is noted.
Mixed ``\\r\\n``/``\\n``/``\\r`` newlines are accepted. Row numbers are 1-based CSV *records*.

Records are read strictly (:func:`csv_records`; RFC 4180 §2 rules 5–7: a quoted field may hold
delimiters, doubled quotes and line breaks):

* a quoted field still open at the end of the file is an error naming the line where it opens
  (read leniently, it would swallow every record after it);
* a quoted field with line breaks whose lines read as whole records of the file (as many fields as
  the header) is an error: a quote is missing or extra, and records were merged;
* any other record that spans several physical lines (a 备注 cell with a line break) is read, and
  its line span is kept (:attr:`SheetGrid.line_spans`) for the ledger, which also counts the
  file's physical lines besides its records, so a merge cannot hide;
* a physical line longer than :data:`MAX_LINE_CHARS` or a record with more than :data:`MAX_FIELDS`
  fields is refused while streaming, before it is held in memory (a multi-GB file without a line
  break).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from verify.case import FileSpec
from verify.errors import EMPTY_FILE_HINT, HostileFileError, InputError, Location
from verify.i18n import N_
from verify.sources.csv_arrow import NotSimple, arrow_records, quote_free
from verify.sources.csv_arrow import nonblank as arrow_nonblank
from verify.sources.grid import SheetGrid

#: Refuse CSV files larger than this (bounded memory; docs/platform.md#zip-bombs).
MAX_CSV_BYTES = 512 * 1024 * 1024
#: Longest allowed field (characters); longer means a broken quote or a hostile file.
MAX_FIELD_CHARS = 100_000
#: Longest physical line read (characters): a measurement record is a few hundred; a longer line
#: means a file without line breaks (refused while streaming, before it is held in memory).
MAX_LINE_CHARS = 1_000_000
#: Most fields in one record: Excel's column limit (16,384, "Excel specifications and limits"),
#: so any sheet saved as CSV fits.
MAX_FIELDS = 16_384
#: A quoted field's lines are checked against the header's width only from this many fields on
#: (in narrower files a note with commas would look like a record).
MIN_RECORD_FIELDS = 3
CANDIDATE_ENCODINGS = ("utf-8", "gb18030", "cp932")
DELIMITERS = (",", "\t", ";")


#: The hint of a file that a declared encoding does not decode.
CHECK_ENCODING = N_("check the [[file]] encoding (utf-8, gb18030/gbk, shift_jis)")


def _undecodable(data: bytes, rel: str, declared: str | None) -> InputError:
    """The error for bytes that :func:`detect_encoding` finds no encoding for: the declared one fails
    (naming the byte and its line), or none of the candidates decodes them."""
    if declared:
        try:
            data.decode(_stream_codec(codecs.lookup(declared).name, data))
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            return InputError(
                N_("file is not valid {encoding} text (byte {byte}: {reason})", encoding=declared, byte=exc.start,
                   reason=exc.reason),
                Location(file=rel, row=line),
                hint=CHECK_ENCODING,
            )
        return InputError(N_("file is not valid {encoding} text", encoding=declared), Location(file=rel),
                          hint=CHECK_ENCODING)
    return InputError(
        N_("file is neither UTF-8, GB18030/GBK nor Shift-JIS text"),
        Location(file=rel),
        hint=N_("declare the encoding in the [[file]] entry or re-save the file as UTF-8"),
    )


def _plausible(text: str) -> bool:
    """False when a lenient codec produced C1 controls or private-use characters (cp932 maps
    bytes 0x80, 0xA0 and 0xFD–0xFF there): real GBK or Shift-JIS text never contains them."""
    return not any("\x80" <= ch <= "\x9f" or "\ue000" <= ch <= "\uf8ff" or ch == "\ufffd" for ch in text)


def _halfwidth_kana(text: str) -> int:
    return sum(1 for ch in text[:20000] if "\uff61" <= ch <= "\uff9f")


def _recognised_words(text: str) -> int:
    from verify.sources.aliases import header_aliases, norm, pollutant_aliases, unit_aliases

    known = header_aliases().keys() | pollutant_aliases().keys() | unit_aliases().keys()
    count = 0
    for line in text.splitlines()[:10]:
        for part in line.replace("\t", ",").replace(";", ",").split(","):
            word = norm(part.strip().strip('"'))[:60]
            if word and any(ch > "\x7f" for ch in word) and word in known:
                count += 1
    return count


def _delimiter(text: str) -> str:
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


@dataclass
class LineSpans:
    """What the record reader saw of a file's physical lines: how many it read, and the line span
    (first, last; 1-based) of every record that spans more than one line, by 0-based record."""

    lines: int = 0
    multiline: dict[int, tuple[int, int]] = field(default_factory=dict)


class _BoundedLines:
    """The physical lines of a text stream for ``csv.reader``, each at most :data:`MAX_LINE_CHARS`
    long (``readline`` with a limit never reads further); ``eof`` turns True once the stream is
    exhausted (a record the reader completes after that was closed by the end of the file)."""

    def __init__(self, stream, rel: str):
        self.readline, self.rel = stream.readline, rel
        self.eof = False
        self.count = 0

    def __iter__(self) -> "_BoundedLines":
        return self

    def __next__(self) -> str:
        line = self.readline(MAX_LINE_CHARS + 1)
        if not line:
            self.eof = True
            raise StopIteration
        self.count += 1
        if len(line) > MAX_LINE_CHARS:
            raise _line_too_long(self.rel, self.count)
        return line


def _line_breaks(text: str) -> list[str]:
    """``text`` cut at its line breaks (``\\r\\n``, ``\\n``, ``\\r``, as the reader splits lines)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _width(fields: list[str]) -> int:
    """Number of fields without the trailing empty ones (spreadsheets pad rows with delimiters)."""
    n = len(fields)
    while n and not fields[n - 1]:
        n -= 1
    return n


def _merged_records(record: list[str], width: int, delimiter: str) -> tuple[int, str] | None:
    """(column, line) of the first line inside a multi-line quoted field that reads as a whole
    record of ``width`` fields, or None. The first piece of a field is the rest of the line the
    quote opens on, so it is not a record of its own and is not looked at."""
    if width < MIN_RECORD_FIELDS:
        return None
    for col, cell in enumerate(record):
        if "\n" not in cell and "\r" not in cell:
            continue
        for piece in _line_breaks(cell)[1:]:
            if _width(next(csv.reader([piece], delimiter=delimiter), [])) == width:
                return col, piece
    return None


def _unterminated(record: list[str], last_line: int, index: int, rel: str) -> InputError:
    """The error for a record closed by the end of the file: its last field opened a quote that is
    never closed. The quote opens as many lines above the last one as the field has line breaks
    before its end."""
    pieces = _line_breaks(record[-1] if record else "")
    opened = last_line - (len(pieces) - 1) + (1 if len(pieces) > 1 and pieces[-1] == "" else 0)
    return InputError(
        N_("the quote opened on line {line} is never closed: read as written, the rest of the file ({n} line(s)) "
           "would be one cell", line=opened, n=last_line - opened + 1), Location(file=rel, row=index + 1),
        hint=N_('close the quote; a quote inside a cell is written doubled ("")'),
    )


def csv_records(stream, rel: str, delimiter: str, spans: LineSpans, header_row: int = 1) -> Iterator[list[str]]:
    """The records of a CSV text stream, strictly (module docstring); fills ``spans`` as it goes.

    ``header_row``: 1-based record of the (last) header row; the records after it are checked for
    merged records against its width.
    """
    lines = _BoundedLines(stream, rel)
    reader = csv.reader(lines, delimiter=delimiter, strict=False)
    width = 0
    index = 0
    while True:
        first = reader.line_num + 1
        old_limit = csv.field_size_limit(MAX_FIELD_CHARS)
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field limit" in str(exc):
                raise InputError(N_("a field longer than {n:,} characters in the record that starts on line {line}: "
                                    "an unterminated quote?", n=MAX_FIELD_CHARS, line=first),
                                 Location(file=rel, row=index + 1)) from None
            raise InputError(N_("malformed CSV: {why}", why=str(exc)), Location(file=rel, row=index + 1)) from None
        finally:
            csv.field_size_limit(old_limit)
        last = reader.line_num
        if lines.eof:
            raise _unterminated(record, last, index, rel)
        if len(record) > MAX_FIELDS:
            raise HostileFileError(N_("the record on line {line} has {n:,} fields (limit {limit:,})", line=first,
                                      n=len(record), limit=MAX_FIELDS),
                                   Location(file=rel, row=index + 1))
        spans.lines = last
        if last > first:
            spans.multiline[index] = (first, last)
            merged = _merged_records(record, width, delimiter) if index >= header_row else None
            if merged is not None:
                raise InputError(
                    N_("the quoted cell in column {column} runs over lines {first}–{last}, and its line {line!r} reads "
                       "as a record of its own: a quote is missing or extra", column=_letter(merged[0]), first=first,
                       last=last, line=merged[1][:60]),
                    Location(file=rel, row=index + 1, column=_letter(merged[0])),
                    hint=N_('check the quotes on these lines; a quote inside a cell is written doubled ("")'),
                )
        if index == header_row - 1:
            width = _width(record)
        index += 1
        yield record


def _letter(col: int) -> str:
    from verify.sources.grid import column_letter

    return column_letter(col)


def read_csv_grid(path: Path, rel: str, spec: FileSpec) -> SheetGrid:
    """Read ``path`` (``rel`` relative to the case) as a grid of text cells.

    Raises :class:`InputError` "empty file" (0 bytes), "no data rows" (nothing after the header
    rows), for undecodable text (naming the file) and for malformed CSV (naming the record).
    """
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise HostileFileError(N_("file is larger than {n} MiB", n=MAX_CSV_BYTES // 2**20), Location(file=rel))
    data = path.read_bytes()
    if not data:
        raise InputError(N_("empty file"), Location(file=rel))
    encoding, _, notes = detect_encoding(path, rel, spec.encoding)  # the one encoding detector
    text = data.decode(encoding)
    delimiter = _delimiter(text)
    if delimiter != ",":
        notes.append(N_("delimiter {delimiter!r}", delimiter=delimiter))
    last_header = max(spec.header_rows or [1])
    spans = LineSpans()
    rows: list[list] = list(csv_records(io.StringIO(text, newline=""), rel, delimiter, spans, last_header))
    del text
    width = max((len(r) for r in rows), default=0)
    for r in rows:
        if len(r) < width:
            r.extend([None] * (width - len(r)))
    if not any(cell not in (None, "") and str(cell).strip() for r in rows for cell in r):
        raise InputError(N_("empty file (no cells)"), Location(file=rel))
    if not any(any(c not in (None, "") and str(c).strip() for c in r) for r in rows[last_header:]):
        raise InputError(N_("no data rows"), Location(file=rel, row=last_header), hint=EMPTY_FILE_HINT)
    return SheetGrid(file=rel, sheet=None, rows=rows, encoding=encoding, notes=notes, lines=spans.lines,
                     line_spans=spans.multiline)


# ---------------------------------------------------------------- chunked reading (large files)

#: Refuse CSV files larger than this even when read in chunks (the canonical table of the rows
#: still grows with the file; see docs/scale.md "Partitioned intake").
MAX_CHUNKED_CSV_BYTES = 16 * 1024**3
_BLOCK = 1 << 20


@dataclass
class CsvChunk:
    """``data`` = records ``start``, ``start+1``, … (0-based record numbers) of a CSV file, padded
    with None to a common width; ``head`` = the records before the first data record (titles and
    header rows), the same for every chunk of the file."""

    head: list[list]
    start: int
    data: list[list]
    line_spans: dict[int, tuple[int, int]] = field(default_factory=dict)  # multi-line records of ``data``
    columns: list | None = None  # the quote-free fast path: the records column-wise (Arrow text), ``data`` empty


def _stream_decode(path: Path, enc: str):
    """Yield decoded text blocks of ``path`` (raises UnicodeDecodeError like ``bytes.decode``)."""
    dec = codecs.getincrementaldecoder(enc)("strict")
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_BLOCK), b""):
            yield dec.decode(block)
        yield dec.decode(b"", final=True)


def _decodes_as(path: Path, enc: str, check_plausible: bool = False, rel: str = "") -> tuple[bool, str]:
    """(whole file decodes as ``enc`` [and is plausible], the first part of the text): the streaming
    counterpart of ``data.decode(enc)``. The prefix holds at least the first 20000
    characters, 11 lines and one ``\n`` (what :func:`_halfwidth_kana`, :func:`_recognised_words` and
    :func:`_delimiter` look at), or the whole text; it stops growing at 11 lines of
    :data:`MAX_LINE_CHARS`, and a longer stretch without a line break is refused as it streams
    (:class:`_LineGuard`)."""
    prefix: list[str] = []
    have = 0
    newline = full = False
    guard = _LineGuard(rel)
    try:
        for text in _stream_decode(path, enc):
            if check_plausible and not _plausible(text):
                return False, ""
            guard.feed(text)
            if not full:
                prefix.append(text)
                have += len(text)
                newline = newline or "\n" in text  # _delimiter reads up to the first "\n"
                if newline and have >= 20000 and len("".join(prefix).splitlines()) > 10:
                    full = True
                full = full or have > 11 * (MAX_LINE_CHARS + 1)
        guard.close()
    except UnicodeDecodeError:
        return False, ""
    return True, "".join(prefix)


class _LineGuard:
    """Refuses decoded text, block by block, as soon as a line grows past :data:`MAX_LINE_CHARS`
    (a file without line breaks is refused in its first megabytes, not once decoded whole), exactly
    where :class:`_BoundedLines` would: the same lines (``\\r\\n``, ``\\r`` or ``\\n`` ends one; a
    block's trailing ``\\r`` waits for the next block), the same lengths (line break included) and
    the same message. :meth:`close` after the last block."""

    def __init__(self, rel: str):
        self.rel, self.run, self.line, self.carry = rel, 0, 1, ""

    def feed(self, text: str) -> None:
        text = self.carry + text
        self.carry = "\r" if text.endswith("\r") else ""
        if self.carry:
            text = text[:-1]
        if not text:
            return
        first = _BREAK.search(text)
        if first is None:
            self.run += len(text)
            self._check(self.run, self.line)
            return
        self._check(self.run + first.end(), self.line)
        line, pos = self.line + 1, first.end()
        last = max(text.rfind("\n"), text.rfind("\r"))
        if last - pos >= MAX_LINE_CHARS:  # a long line may lie inside the block
            for brk in _BREAK.finditer(text, pos):
                self._check(brk.end() - pos, line)
                line, pos = line + 1, brk.end()
        self.line += text.count("\n") + text.count("\r") - text.count("\r\n")
        self.run = len(text) - last - 1
        self._check(self.run, self.line)  # the line the block ends in, already too long

    def close(self) -> None:
        if self.carry:
            self._check(self.run + 1, self.line)

    def _check(self, length: int, line: int) -> None:
        if length > MAX_LINE_CHARS:
            raise _line_too_long(self.rel, line)


_BREAK = re.compile(r"\r\n|\r|\n")


def _line_too_long(rel: str, line: int) -> HostileFileError:
    return HostileFileError(N_("line {line} is longer than {n:,} characters: not a measurement CSV (a file without "
                               "line breaks?)", line=line, n=MAX_LINE_CHARS), Location(file=rel))


#: Magic bytes of files that are not text: a zip (.xlsx/.xlsm) and an OLE2 compound file (.xls or
#: an encrypted workbook) — ECMA-376 Part 2 (OPC uses ZIP, APPNOTE.TXT §4.3.7) and MS-CFB §2.2.
_WORKBOOK_MAGIC = {b"PK\x03\x04": N_("an Excel workbook (.xlsx/.xlsm, a zip file)"),
                   bytes.fromhex("D0CF11E0A1B11AE1"): N_("a legacy .xls or password-protected Excel workbook")}


def _not_a_workbook(head: bytes, rel: str) -> None:
    """Refuse a workbook saved or renamed as .csv, naming what it is."""
    for magic, what in _WORKBOOK_MAGIC.items():
        if head.startswith(magic):
            raise InputError(N_("the file is {what}, not CSV text", what=what), Location(file=rel),
                             hint=N_("name it .xlsx (and list its sheet in [[file]]), or export the sheet as CSV"))


def _declared_breaks(text: str, raw: bytes, declared: str, rel: str) -> None:
    """A declared encoding that turns a file with line breaks into one without any is the wrong one
    (a GBK file declared utf-16 reads as one line of CJK noise: say so, not "no data rows")."""
    if (b"\n" in raw or b"\r" in raw) and "\n" not in text and "\r" not in text:
        raise InputError(N_("read as {encoding}, the file has no line break although its bytes have some: the declared "
                            "encoding is probably wrong", encoding=declared), Location(file=rel),
                         hint=N_("check the [[file]] encoding (utf-8, gb18030/gbk, shift_jis), or leave it out to detect it"))


def _first_line_fits(data: bytes, rel: str) -> None:
    """Refuse, before decoding, bytes whose first line is longer than any :data:`MAX_LINE_CHARS`
    characters can be (4 bytes a character): a file without line breaks. 0x0A and 0x0D never occur
    inside a multi-byte character of UTF-8, GB18030 or Shift-JIS."""
    limit = 4 * MAX_LINE_CHARS + 4
    head = data[:limit]
    if len(data) > limit and b"\n" not in head and b"\r" not in head:
        raise HostileFileError(N_("no line break in the first {n:,} bytes: not a measurement CSV (a file without line "
                                  "breaks?)", n=limit), Location(file=rel))


def _stream_codec(enc: str, head: bytes) -> str:
    """The codec that decodes a stream as ``bytes.decode(enc)`` decodes the whole: for UTF-16/32
    without a byte-order mark that is the machine's byte order (the incremental decoders would
    refuse the stream instead)."""
    boms = {"utf-16": (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE), "utf-32": (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)}
    if enc in boms and not head.startswith(boms[enc]):
        return f"{enc}-{'le' if sys.byteorder == 'little' else 'be'}"
    return enc


def detect_encoding(path: Path, rel: str, declared: str | None) -> tuple[str, str, list[str]]:
    """(encoding, first part of the text, notes) of a CSV file, reading it in blocks: the one encoding
    detector, for whole and chunked reading (module docstring). The rare failure paths (undecodable
    text) read the file whole to name the byte (:func:`_undecodable`)."""
    with open(path, "rb") as fh:
        head = fh.read(4 * MAX_LINE_CHARS + 5)
    bom = head.startswith(codecs.BOM_UTF8)
    _not_a_workbook(head, rel)
    _first_line_fits(head, rel)

    def whole_error() -> None:
        data = path.read_bytes() if path.stat().st_size <= MAX_CSV_BYTES else b""
        raise _undecodable(data, rel, declared)

    if declared:
        enc = _stream_codec(codecs.lookup(declared).name, head)
        if enc in ("utf-8", "utf-8-sig") and bom:
            enc = "utf-8-sig"
        ok, prefix = _decodes_as(path, enc, rel=rel)
        if not ok:
            whole_error()
        _declared_breaks(prefix, head[: 4 * len(prefix) + 4], declared, rel)
        return enc, prefix, []
    if bom:
        ok, prefix = _decodes_as(path, "utf-8-sig", rel=rel)
        if ok:
            return "utf-8-sig", prefix, []
    ok, prefix = _decodes_as(path, "utf-8", rel=rel)
    if ok:
        return "utf-8", prefix, []
    decoded = {}
    for enc in CANDIDATE_ENCODINGS[1:]:
        ok, prefix = _decodes_as(path, enc, check_plausible=True, rel=rel)
        if ok:
            decoded[enc] = prefix
    if not decoded:
        whole_error()
    notes: list[str] = []
    if len(decoded) == 1:
        enc = next(iter(decoded))
    else:
        enc = max(decoded, key=lambda e: (_recognised_words(decoded[e]), -_halfwidth_kana(decoded[e]), e == "gb18030"))
        notes.append(N_("encoding {encoding} chosen: the bytes also decode as {other}", encoding=enc,
                      other='cp932' if enc == 'gb18030' else 'gb18030'))
    return enc, decoded[enc], notes


def _nonblank(rows: list[list]) -> bool:
    return any(cell and cell.strip() for r in rows for cell in r)


def _take(records: Iterator[list[str]], n: int, spans: LineSpans) -> tuple[list[list], dict[int, tuple[int, int]]]:
    """The next ``n`` records (fewer at the end), and the line spans of those over several lines."""
    out: list[list] = []
    if n > 0:
        for record in records:
            out.append(record)
            if len(out) >= n:
                break
    taken, spans.multiline = spans.multiline, {}
    return out, taken


class _Chunking:
    """Cuts a file's data records into :class:`CsvChunk` objects of ``chunk_rows`` records, from the
    strict reader (rows) or the quote-free fast path (Arrow columns); skips chunks of blank records."""

    def __init__(self, head: list[list], chunk_rows: int):
        self.head, self.chunk_rows = head, chunk_rows
        self.width_head = max((len(r) for r in head), default=0)
        self.seen_cell, self.seen_data = _nonblank(head), False
        self.start = len(head)  # record number of the next chunk's first record
        self.pending: list[list] = []  # Arrow column blocks not given out yet

    def _padded_head(self, width: int) -> list[list]:
        return [r + [None] * (width - len(r)) for r in self.head]

    def python(self, records: Iterator[list[str]], start: int, spans: LineSpans) -> Iterator[CsvChunk]:
        self.start = start
        while True:
            data, line_spans = _take(records, self.chunk_rows, spans)
            start, self.start = self.start, self.start + len(data)
            if not data:
                return
            if not _nonblank(data):
                continue
            self.seen_cell = self.seen_data = True
            width = max(self.width_head, max(len(r) for r in data))
            for r in data:
                if len(r) < width:
                    r.extend([None] * (width - len(r)))
            yield CsvChunk(head=self._padded_head(width), start=start, data=data, line_spans=line_spans)

    def arrow(self, path: Path, encoding: str, delimiter: str, spans: LineSpans) -> Iterator[CsvChunk]:
        """Chunks from :func:`verify.sources.csv_arrow.arrow_records`; the file's line count at the end."""
        for block in arrow_records(path, encoding, delimiter, self.start, self.width_head, MAX_FIELDS, MAX_FIELD_CHARS):
            self.pending.append(block)
            while sum(len(b[0]) for b in self.pending) >= self.chunk_rows:
                yield from self._emit(self.chunk_rows)
        yield from self.flush()
        spans.lines = self.start

    def flush(self) -> Iterator[CsvChunk]:
        while self.pending:
            yield from self._emit(sum(len(b[0]) for b in self.pending))

    def _emit(self, n: int) -> Iterator[CsvChunk]:
        """The first ``n`` pending records as one chunk (columns concatenated, the rest kept)."""
        columns = [pa.concat_arrays([b[i] for b in self.pending]) for i in range(len(self.pending[0]))]
        self.pending = [[c.slice(n) for c in columns]] if len(columns[0]) > n else []
        columns = [c.slice(0, n) for c in columns]
        start, self.start = self.start, self.start + n
        if n and arrow_nonblank(columns):
            self.seen_cell = self.seen_data = True
            yield CsvChunk(head=self._padded_head(len(columns)), start=start, data=[], columns=columns)


def iter_csv_chunks(path: Path, rel: str, spec: FileSpec, chunk_rows: int, spans: LineSpans | None = None):
    """Read ``path`` in chunks of ``chunk_rows`` data records → (encoding, notes, chunks).

    The records, encoding, delimiter and notes are exactly those of :func:`read_csv_grid`; each
    :class:`CsvChunk` keeps its true record numbers and the line spans of its multi-line records.
    Chunks whose data records are all blank are skipped; the whole-file errors ("empty file",
    "empty file (no cells)", "no data rows", "malformed CSV" and the strict-quote errors of
    :func:`csv_records` with their record and line numbers) are raised with the same messages, but
    "no cells" and "no data rows" only once every chunk has been read. ``spans.lines`` is the file's
    number of physical lines once the chunks are exhausted.
    """
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    size = path.stat().st_size
    if size > MAX_CHUNKED_CSV_BYTES:
        raise HostileFileError(N_("file is larger than {n} GiB", n=MAX_CHUNKED_CSV_BYTES // 2**30), Location(file=rel))
    if size == 0:
        raise InputError(N_("empty file"), Location(file=rel))
    encoding, prefix, notes = detect_encoding(path, rel, spec.encoding)
    delimiter = _delimiter(prefix)
    if delimiter != ",":
        notes.append(N_("delimiter {delimiter!r}", delimiter=delimiter))
    last_header = max(spec.header_rows or [1])
    spans = LineSpans() if spans is None else spans

    def chunks():
        with open(path, "r", encoding=encoding, newline="") as fh:
            head, _ = _take(csv_records(fh, rel, delimiter, spans, last_header), last_header, spans)
        reading = _Chunking(head, chunk_rows)
        done = len(head)
        if len(head) == last_header and quote_free(path, encoding):  # pyarrow splits the records
            try:
                yield from reading.arrow(path, encoding, delimiter, spans)
                done = None
            except NotSimple as exc:
                done = len(head) + exc.done
                yield from reading.flush()
        if done is not None:  # the strict reader reads the rest (from the record the fast path could not)
            with open(path, "r", encoding=encoding, newline="") as fh:
                records = csv_records(fh, rel, delimiter, spans, last_header)
                _take(records, done, spans)
                yield from reading.python(records, done, spans)
        if not reading.seen_cell:
            raise InputError(N_("empty file (no cells)"), Location(file=rel))
        if not reading.seen_data:
            raise InputError(N_("no data rows"), Location(file=rel, row=last_header), hint=EMPTY_FILE_HINT)

    return encoding, notes, chunks()
