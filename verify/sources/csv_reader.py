"""Read a CSV file into a :class:`~verify.sources.grid.SheetGrid` of raw text cells.

Every cell stays text (the csv module; no pandas NA magic: ``NA``/``N/A``/``nan`` are kept as
written for the strict cell converter). Encodings: the ``[[file]]`` ``encoding`` when declared,
otherwise UTF-8 (a BOM is removed), GB18030 (a superset of GBK/GB2312) or Shift-JIS (cp932). When
both CJK encodings decode the bytes, the one under which more header words are recognised wins, then
the one without half-width katakana (GBK text misread as cp932 shows them); the choice is noted.
Mixed ``\\r\\n``/``\\n``/``\\r`` newlines are accepted. Row numbers are 1-based CSV *records*.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from verify.case import FileSpec
from verify.errors import EMPTY_FILE_HINT, HostileFileError, InputError, Location
from verify.sources.grid import SheetGrid

#: Refuse CSV files larger than this (bounded memory; reliability.md §1 "Zip bombs / huge sheets").
MAX_CSV_BYTES = 512 * 1024 * 1024
#: Longest allowed field (characters); longer means a broken quote or a hostile file.
MAX_FIELD_CHARS = 100_000
CANDIDATE_ENCODINGS = ("utf-8", "gb18030", "cp932")
DELIMITERS = (",", "\t", ";")


def _decode(data: bytes, rel: str, declared: str | None) -> tuple[str, str, list[str]]:
    """Bytes → (text, encoding used, notes)."""
    notes: list[str] = []
    if declared:
        enc = codecs.lookup(declared).name
        if enc in ("utf-8", "utf-8-sig") and data.startswith(codecs.BOM_UTF8):
            enc = "utf-8-sig"
        try:
            return data.decode(enc), enc, notes
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InputError(
                f"file is not valid {declared} text (byte {exc.start}: {exc.reason})",
                Location(file=rel, row=line),
                hint="check the [[file]] encoding (utf-8, gb18030/gbk, shift_jis)",
            ) from None
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig", notes
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8", notes
    except UnicodeDecodeError:
        pass
    decoded = {}
    for enc in CANDIDATE_ENCODINGS[1:]:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _plausible(text):
            decoded[enc] = text
    if not decoded:
        raise InputError(
            "file is neither UTF-8, GB18030/GBK nor Shift-JIS text",
            Location(file=rel),
            hint="declare the encoding in the [[file]] entry or re-save the file as UTF-8",
        )
    if len(decoded) == 1:
        enc = next(iter(decoded))
    else:
        enc = max(decoded, key=lambda e: (_recognised_words(decoded[e]), -_halfwidth_kana(decoded[e]), e == "gb18030"))
        notes.append(f"encoding {enc} chosen: the bytes also decode as {'cp932' if enc == 'gb18030' else 'gb18030'}")
    return decoded[enc], enc, notes


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


def read_csv_grid(path: Path, rel: str, spec: FileSpec) -> SheetGrid:
    """Read ``path`` (``rel`` relative to the case) as a grid of text cells.

    Raises :class:`InputError` "empty file" (0 bytes), "no data rows" (nothing after the header
    rows), for undecodable text (naming the file) and for malformed CSV (naming the record).
    """
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise HostileFileError(f"file is larger than {MAX_CSV_BYTES // 2**20} MiB", Location(file=rel))
    data = path.read_bytes()
    if not data:
        raise InputError("empty file", Location(file=rel))
    text, encoding, notes = _decode(data, rel, spec.encoding)
    delimiter = _delimiter(text)
    if delimiter != ",":
        notes.append(f"delimiter {delimiter!r}")
    rows: list[list] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    old_limit = csv.field_size_limit()
    try:
        csv.field_size_limit(MAX_FIELD_CHARS)
        for record in reader:
            rows.append(list(record))
    except csv.Error as exc:
        raise InputError(f"malformed CSV: {exc}", Location(file=rel, row=len(rows) + 1)) from None
    finally:
        csv.field_size_limit(old_limit)
    width = max((len(r) for r in rows), default=0)
    for r in rows:
        if len(r) < width:
            r.extend([None] * (width - len(r)))
    if not any(cell not in (None, "") and str(cell).strip() for r in rows for cell in r):
        raise InputError("empty file (no cells)", Location(file=rel))
    last_header = max(spec.header_rows or [1])
    if not any(any(c not in (None, "") and str(c).strip() for c in r) for r in rows[last_header:]):
        raise InputError("no data rows", Location(file=rel, row=last_header), hint=EMPTY_FILE_HINT)
    return SheetGrid(file=rel, sheet=None, rows=rows, encoding=encoding, notes=notes)


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


def _stream_decode(path: Path, enc: str):
    """Yield decoded text blocks of ``path`` (raises UnicodeDecodeError like ``bytes.decode``)."""
    dec = codecs.getincrementaldecoder(enc)("strict")
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_BLOCK), b""):
            yield dec.decode(block)
        yield dec.decode(b"", final=True)


def _decodes_as(path: Path, enc: str, check_plausible: bool = False) -> tuple[bool, str]:
    """(whole file decodes as ``enc`` [and is plausible], the first part of the text): the streaming
    counterpart of ``data.decode(enc)`` in :func:`_decode`. The prefix holds at least the first 20000
    characters, 11 lines and one ``\n`` (what :func:`_halfwidth_kana`, :func:`_recognised_words` and
    :func:`_delimiter` look at), or the whole text."""
    prefix: list[str] = []
    have = 0
    newline = full = False
    try:
        for text in _stream_decode(path, enc):
            if check_plausible and not _plausible(text):
                return False, ""
            if not full:
                prefix.append(text)
                have += len(text)
                newline = newline or "\n" in text  # _delimiter reads up to the first "\n"
                if newline and have >= 20000 and len("".join(prefix).splitlines()) > 10:
                    full = True
    except UnicodeDecodeError:
        return False, ""
    return True, "".join(prefix)


def detect_encoding(path: Path, rel: str, declared: str | None) -> tuple[str, str, list[str]]:
    """(encoding, first part of the text, notes), decided exactly as :func:`_decode` decides for the
    whole file, but reading the file in blocks. The rare failure paths (undecodable text) read the
    file whole to give :func:`_decode`'s own message."""
    with open(path, "rb") as fh:
        bom = fh.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8

    def whole_error() -> None:
        if path.stat().st_size <= MAX_CSV_BYTES:
            _decode(path.read_bytes(), rel, declared)  # raises the whole-file message
        raise InputError("file is neither UTF-8, GB18030/GBK nor Shift-JIS text" if not declared else
                         f"file is not valid {declared} text", Location(file=rel),
                         hint="declare the encoding in the [[file]] entry or re-save the file as UTF-8")

    if declared:
        enc = codecs.lookup(declared).name
        if enc in ("utf-8", "utf-8-sig") and bom:
            enc = "utf-8-sig"
        ok, prefix = _decodes_as(path, enc)
        if not ok:
            whole_error()
        return enc, prefix, []
    if bom:
        ok, prefix = _decodes_as(path, "utf-8-sig")
        if ok:
            return "utf-8-sig", prefix, []
    ok, prefix = _decodes_as(path, "utf-8")
    if ok:
        return "utf-8", prefix, []
    decoded = {}
    for enc in CANDIDATE_ENCODINGS[1:]:
        ok, prefix = _decodes_as(path, enc, check_plausible=True)
        if ok:
            decoded[enc] = prefix
    if not decoded:
        whole_error()
    notes: list[str] = []
    if len(decoded) == 1:
        enc = next(iter(decoded))
    else:
        enc = max(decoded, key=lambda e: (_recognised_words(decoded[e]), -_halfwidth_kana(decoded[e]), e == "gb18030"))
        notes.append(f"encoding {enc} chosen: the bytes also decode as {'cp932' if enc == 'gb18030' else 'gb18030'}")
    return enc, decoded[enc], notes


def _nonblank(rows: list[list]) -> bool:
    return any(cell and cell.strip() for r in rows for cell in r)


def iter_csv_chunks(path: Path, rel: str, spec: FileSpec, chunk_rows: int):
    """Read ``path`` in chunks of ``chunk_rows`` data records → (encoding, notes, chunks).

    The records, encoding, delimiter and notes are exactly those of :func:`read_csv_grid`; each
    :class:`CsvChunk` keeps its true record numbers. Chunks whose data records are all blank are
    skipped; the whole-file errors ("empty file", "empty file (no cells)", "no data rows",
    "malformed CSV" with its record number) are raised with the same messages, but "no cells" and
    "no data rows" only once every chunk has been read.
    """
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be at least 1")
    size = path.stat().st_size
    if size > MAX_CHUNKED_CSV_BYTES:
        raise HostileFileError(f"file is larger than {MAX_CHUNKED_CSV_BYTES // 2**30} GiB", Location(file=rel))
    if size == 0:
        raise InputError("empty file", Location(file=rel))
    encoding, prefix, notes = detect_encoding(path, rel, spec.encoding)
    delimiter = _delimiter(prefix)
    if delimiter != ",":
        notes.append(f"delimiter {delimiter!r}")
    last_header = max(spec.header_rows or [1])

    def chunks():
        count = 0
        seen_cell = seen_data = False
        with open(path, "r", encoding=encoding, newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter, strict=False)

            def take(n: int) -> list[list]:
                nonlocal count
                out: list[list] = []
                old_limit = csv.field_size_limit()
                try:
                    csv.field_size_limit(MAX_FIELD_CHARS)
                    for record in reader:
                        out.append(record)
                        count += 1
                        if len(out) >= n:
                            break
                except csv.Error as exc:
                    raise InputError(f"malformed CSV: {exc}", Location(file=rel, row=count + 1)) from None
                finally:
                    csv.field_size_limit(old_limit)
                return out

            head = take(last_header)
            seen_cell = _nonblank(head)
            width_head = max((len(r) for r in head), default=0)
            while True:
                start = count
                data = take(chunk_rows)
                if not data:
                    break
                if not _nonblank(data):
                    continue
                seen_cell = seen_data = True
                width = max(width_head, max(len(r) for r in data))
                for r in data:
                    if len(r) < width:
                        r.extend([None] * (width - len(r)))
                padded_head = [r + [None] * (width - len(r)) for r in head]
                yield CsvChunk(head=padded_head, start=start, data=data)
        if not seen_cell:
            raise InputError("empty file (no cells)", Location(file=rel))
        if not seen_data:
            raise InputError("no data rows", Location(file=rel, row=last_header), hint=EMPTY_FILE_HINT)

    return encoding, notes, chunks()
