"""One streaming pass over a worksheet's XML: what calamine does not tell (docs/platform.md#calamine-hostile).

python-calamine returns values only. It turns a formula without a saved value into an empty cell,
an error result (``#DIV/0!``) into an empty cell, and a merged range into one value and blanks —
all silently. This pass collects, from ``xl/worksheets/sheetN.xml``:

- merged ranges (``<mergeCell ref="B2:B4"/>``),
- formula cells (``<c><f>…</f>``), with a saved value (``<v>`` with text, or ``t="str"``/inline
  string) or without one (no ``<v>``, or an empty ``<v/>`` as openpyxl writes),
- cells whose saved value is an error (``t="e"``, ECMA-376 Part 1 §18.18.11 ST_CellType),
- hidden rows (``<row hidden="1">``), the declared ``<dimension>``,
- how many row and cell elements are actually present and the rectangle they span (1-based
  ``r`` attributes, ECMA-376 §18.3.1.73 row and §18.3.1.4 c; a missing ``r`` means "one after the
  previous", as calamine reads it).

Element names are matched on their local name, ignoring namespace prefixes, as calamine does.

Text is budgeted too (issue 17): calamine materialises every text cell as its own string, so a
290 KB workbook whose one 32,767-character shared string is referenced by 10,000 cells expands to
330 million characters. :func:`shared_string_lengths` streams the shared-string table (refusing
more than :data:`MAX_SHARED_STRINGS` entries or :data:`MAX_TEXT_CHARS` characters, which calamine
would load whole), and the sheet scan adds up the length of every text a cell holds — the shared
string it refers to, its inline string, a formula's string result — refusing the sheet as soon as
the sum passes :data:`MAX_TEXT_CHARS`, before calamine reads a value.

Memory is bounded: the part is streamed (never a DOM), and the caps :data:`MAX_CELLS`
(2,000,000 cell elements, the task's documented cap; the 200k × 8 benchmark of docs/platform.md#readers has
1.6 M) and :data:`MAX_GRID_CELLS` (4,000,000 cells in the rectangle from A1 to the last cell, which
is what calamine's dense ``Range`` and our grid allocate) are enforced while scanning, before
calamine reads any value. A declared ``<dimension ref="A1:XFD1048576">`` costs nothing: only the
elements present count.

Speed (measured on the 200k × 8 sheet, 75 MB of XML: calamine ``to_python`` 1.65 s; expat with a
Python start handler 3.1 s; ``ElementTree.iterparse`` 5.9 s; defusedxml's iterparse 13.7 s).
So the part is cut after ``</row>`` end tags into pieces of :data:`PIECE_BYTES`; a piece whose
bytes prove it holds nothing but plain rows of plain cells (see :func:`_plain_rows`: every ``<``
opens ``<row r="``, ``<c r="``, ``<v>``, ``<is>``, ``<t>`` or an end tag; no ``hidden``; no ``&``
other than the predefined entities and character references; no cell row number longer than the
rows' own) is only counted, with ``bytes.count``, one regular expression for the row numbers and
one numpy pass for the cell columns (≈ 0.3–0.5× calamine's time for the same sheet).
Every other piece — the head up to the first row, the tail after the last one, and any piece with
a formula, a hidden row, rich text or anything unusual — goes through the defused expat parser,
wrapped in the root and ``sheetData`` start tags. If a wrapped piece does not parse (a ``</row>``
inside a comment or CDATA made the cut in the wrong place), the whole part is scanned again with a
single parser, which is always correct; the result of both ways is the same (tested).
"""

from __future__ import annotations

import contextlib
import re
import zipfile
from dataclasses import dataclass, field

import numpy as np
import pyexpat
from defusedxml import EntitiesForbidden, ExternalReferenceForbidden

from verify.errors import HostileFileError, InputError, Location
from verify.i18n import N_, Msg
from verify.sources.xlsx_zip import defused_expat_parser, hostile_xml

MAX_CELLS = 2_000_000
MAX_GRID_CELLS = 4_000_000
#: Characters of text the cells of one sheet may expand to (each reference to a shared string
#: counts its whole length), and of the shared-string table itself. A 200,000-row sheet with three
#: text columns of 10–20 characters holds under 12 million; 32 Mi characters keep `verify run` under
#: 1.5 GB even for CJK text (measured: docs/reliability.md, issue 17 item 9).
MAX_TEXT_CHARS = 32 * 2**20
#: Entries of the shared-string table (its lengths are kept, 8 bytes each).
MAX_SHARED_STRINGS = 4_000_000
MAX_MERGED = 100_000  # 42k merged ranges already made pyexcel-xlsx crawl (docs/platform.md#zip-bombs)
MAX_FORMULA_CHARS = 8192  # Excel's own limit on formula length (Excel specifications and limits)
EXCEL_MAX_ROWS = 1_048_576  # Excel specifications and limits: 1,048,576 rows by 16,384 columns
EXCEL_MAX_COLS = 16_384
#: Size of the pieces the part is cut into (bytes of inflated XML).
PIECE_BYTES = 4 * 1024 * 1024
#: A piece without any ``</row>`` larger than this means a single enormous row: scan exactly.
MAX_PIECE_BYTES = 64 * 1024 * 1024

_CELL_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
_ROW_R = re.compile(rb'<row r="(\d{1,7})"')
_ODD_AMP = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);|#)")
_ROW_END = b"</row>"


@dataclass
class SheetScan:
    """What the XML pass found. Rows and columns are 0-based, like the grid."""

    dimension: str | None = None
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    formulas_without_value: dict[tuple[int, int], str] = field(default_factory=dict)
    formulas_with_value: dict[tuple[int, int], str] = field(default_factory=dict)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)  # (r, c) → '#DIV/0!'
    hidden_rows: set[int] = field(default_factory=set)
    n_rows: int = 0  # <row> elements present
    n_cells: int = 0  # <c> elements present (with or without content)
    text_chars: int = 0  # characters of text the cells expand to (shared strings counted per reference)
    max_row: int = -1  # last row index of any <row>/<c> element
    max_col: int = -1
    exact: bool = False  # True when the whole part went through one parser (the fallback)

    def grid_cells(self) -> int:
        return (self.max_row + 1) * (self.max_col + 1)


def column_index(letters: str) -> int:
    """'A' → 0, 'Z' → 25, 'AA' → 26, 'XFD' → 16383."""
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def parse_cell_ref(ref: str, where: Location) -> tuple[int, int]:
    """'D7' → (6, 3); refuses anything outside Excel's 1,048,576 × 16,384 grid."""
    m = _CELL_REF.fullmatch(ref)
    if m is None:
        raise InputError(N_("malformed cell reference {ref!r} in the sheet XML", ref=ref), where)
    row, col = int(m.group(2)) - 1, column_index(m.group(1))
    if row >= EXCEL_MAX_ROWS or col >= EXCEL_MAX_COLS:
        raise HostileFileError(N_("cell reference {ref!r} lies outside Excel's grid", ref=ref), where)
    return row, col


def parse_range_ref(ref: str, where: Location) -> tuple[int, int, int, int]:
    """'B2:C4' → (1, 1, 3, 2); a single cell 'B2' → (1, 1, 1, 1)."""
    first, _, last = ref.partition(":")
    r1, c1 = parse_cell_ref(first, where)
    r2, c2 = parse_cell_ref(last, where) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


class _Restart(Exception):
    """A wrapped piece did not parse on its own: scan the whole part with one parser."""


class _Collector:
    """expat handlers; state survives from one piece to the next."""

    def __init__(self, where: Location, shared: np.ndarray | None = None):
        self.where = where
        self.shared_lengths = np.zeros(0, dtype=np.int64) if shared is None else shared
        self.in_text = False  # inside <is><t> of an inline string
        self.scan = SheetScan()
        self.stack: list[str] = []
        self.row = -1  # current row index
        self.col = -1  # last column index in the current row
        self.cell: tuple[int, int] | None = None
        self.cell_type = "n"
        self.in_f = False
        self.in_v = False
        self.f_parts: list[str] = []
        self.v_parts: list[str] = []
        self.has_f = False
        self.has_v_element = False
        self.has_is = False
        self.f_attrs: dict[str, str] = {}
        self.shared: dict[str, str] = {}  # shared-formula index → master formula text
        self.root_q = ""  # qualified names of the root and <sheetData> start tags, to wrap pieces
        self.data_q = ""

    # -- bookkeeping shared with the byte-level fast path
    def add_cells(self, n: int, max_row: int, max_col: int) -> None:
        scan = self.scan
        scan.n_cells += n
        scan.max_row = max(scan.max_row, max_row)
        scan.max_col = max(scan.max_col, max_col)
        if scan.n_cells > MAX_CELLS:
            raise HostileFileError(
                N_("the sheet has more than {n:,} cells (limit for .xlsx input)", n=MAX_CELLS),
                self.where,
                hint=N_("export this sheet as CSV (UTF-8), which has no such limit"),
            )
        if scan.grid_cells() > MAX_GRID_CELLS:
            raise HostileFileError(
                N_("the sheet's cells reach row {row:,} and column {column:,}: more than {n:,} cells from A1 (limit for "
                   ".xlsx input)", row=scan.max_row + 1, column=scan.max_col + 1, n=MAX_GRID_CELLS),
                self.where,
                hint=N_("delete empty formatted rows/columns far from the data, or export the sheet as CSV"),
            )

    def add_text(self, n: int) -> None:
        self.scan.text_chars += n
        if self.scan.text_chars > MAX_TEXT_CHARS:
            raise HostileFileError(
                N_("the sheet's text cells expand to more than {n:,} characters (every cell that refers to a shared "
                   "string counts its whole length)", n=MAX_TEXT_CHARS), self.where,
                hint=N_("a text repeated in many cells, or very long texts: remove them or export the sheet as CSV"),
            )

    def add_shared(self, indices: np.ndarray) -> None:
        """Count the shared strings that cells refer to (indices into the table)."""
        if not len(indices):
            return
        top = int(indices.max())
        if top >= len(self.shared_lengths):
            raise InputError(N_("a cell refers to shared string #{index}, but the workbook has {n}", index=top,
                                n=len(self.shared_lengths)), self.where)
        self.add_text(int(self.shared_lengths[indices].sum()))

    # -- expat handlers
    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if not self.root_q:
            self.root_q = name
        elif local == "sheetData" and len(self.stack) == 1 and not self.data_q:
            self.data_q = name
        self.stack.append(local)
        if local == "c":
            ref = attrs.get("r")
            if ref is not None:
                r, c = parse_cell_ref(ref, self.where)
            else:
                r, c = max(self.row, 0), self.col + 1
                if c >= EXCEL_MAX_COLS:
                    raise HostileFileError(N_("a row has more than 16,384 cells"), self.where)
            self.col = c
            self.cell = (r, c)
            self.cell_type = attrs.get("t", "n")
            self.has_f = self.has_v_element = self.has_is = False
            self.f_parts, self.v_parts = [], []
            self.add_cells(1, r, c)
        elif local == "f" and self.cell is not None:
            self.has_f = self.in_f = True
            self.f_attrs = attrs
        elif local == "v" and self.cell is not None:
            self.has_v_element = self.in_v = True
        elif local == "is" and self.cell is not None:
            self.has_is = True
        elif local == "t" and self.has_is:
            self.in_text = True
        elif local == "row":
            r = attrs.get("r")
            if r is not None:
                if not r.isdigit() or not 1 <= int(r) <= EXCEL_MAX_ROWS:
                    raise HostileFileError(N_("row number {row!r} lies outside Excel's grid", row=r), self.where)
                self.row = int(r) - 1
            else:
                self.row += 1
                if self.row >= EXCEL_MAX_ROWS:
                    raise HostileFileError(N_("the sheet has more than 1,048,576 rows"), self.where)
            self.col = -1
            self.scan.n_rows += 1
            self.scan.max_row = max(self.scan.max_row, self.row)
            if attrs.get("hidden") in ("1", "true"):
                self.scan.hidden_rows.add(self.row)
        elif local == "mergeCell":
            ref = attrs.get("ref")
            if ref:
                if len(self.scan.merged) >= MAX_MERGED:
                    raise HostileFileError(N_("the sheet has more than {n:,} merged ranges", n=MAX_MERGED), self.where)
                self.scan.merged.append(parse_range_ref(ref, self.where))
        elif local == "dimension":
            self.scan.dimension = attrs.get("ref")

    def end(self, name: str) -> None:
        local = self.stack.pop() if self.stack else name.rpartition(":")[2]
        if local == "f":
            self.in_f = False
        elif local == "v":
            self.in_v = False
        elif local == "t":
            self.in_text = False
        elif local == "c" and self.cell is not None:
            self._finish_cell()
            self.cell = None

    def data(self, text: str) -> None:
        if self.in_text or (self.in_v and self.cell_type == "str"):
            self.add_text(len(text))
        if self.in_f:
            if sum(map(len, self.f_parts)) < MAX_FORMULA_CHARS:
                self.f_parts.append(text)
        elif self.in_v:
            if sum(map(len, self.v_parts)) < 1024:
                self.v_parts.append(text)

    def _finish_cell(self) -> None:
        pos = self.cell
        value_text = "".join(self.v_parts)
        if self.cell_type == "s" and value_text.strip():
            try:
                self.add_shared(np.array([int(value_text)], dtype=np.int64))
            except ValueError:
                raise InputError(N_("cell {value!r} is not a shared-string index", value=value_text), self.where) from None
        if self.cell_type == "e" and value_text.strip():
            self.scan.errors[pos] = value_text.strip()
        if not self.has_f:
            return
        text = "".join(self.f_parts)[:MAX_FORMULA_CHARS]
        si = self.f_attrs.get("si")
        if self.f_attrs.get("t") == "shared" and si is not None:
            if text:
                self.shared.setdefault(si, text)
            else:
                text = self.shared.get(si, f"(shared formula #{si})")
        has_value = bool(value_text.strip()) or self.has_is or (self.cell_type == "str" and self.has_v_element)
        target = self.scan.formulas_with_value if has_value else self.scan.formulas_without_value
        target[pos] = text


def shared_string_lengths(zf: zipfile.ZipFile, member: str | None, where: Location) -> np.ndarray | None:
    """Length (characters of all its ``<t>`` texts, phonetic runs included: an upper bound) of each
    entry of the shared-string table ``member``, streamed through the defused parser; None when the
    workbook has no table. Refuses more than :data:`MAX_SHARED_STRINGS` entries or
    :data:`MAX_TEXT_CHARS` characters in all (calamine loads the whole table)."""
    if member is None or member not in zf.NameToInfo:
        return None
    lengths: list[int] = []
    state = {"depth_t": 0, "current": 0, "total": 0}

    def start(name, attrs):
        local = name.rpartition(":")[2]
        if local == "si":
            state["current"] = 0
        elif local == "t":
            state["depth_t"] += 1

    def end(name):
        local = name.rpartition(":")[2]
        if local == "si":
            lengths.append(state["current"])
            if len(lengths) > MAX_SHARED_STRINGS:
                raise HostileFileError(N_("the shared-string table has more than {n:,} entries", n=MAX_SHARED_STRINGS), where)
        elif local == "t":
            state["depth_t"] -= 1

    def data(text):
        if state["depth_t"]:
            state["current"] += len(text)
            state["total"] += len(text)
            if state["total"] > MAX_TEXT_CHARS:
                raise HostileFileError(N_("the shared-string table holds more than {n:,} characters", n=MAX_TEXT_CHARS),
                                       where, hint=N_("export the sheet as CSV"))

    parser = defused_expat_parser()
    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, data
    with _part_errors(member, where, N_("the shared-string table")), zf.open(member) as fh:
        while chunk := fh.read(PIECE_BYTES):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    return np.array(lengths, dtype=np.int64)


@contextlib.contextmanager
def _part_errors(member: str, where: Location, what: Msg):
    """The project's errors for a part that cannot be parsed: entities (defusedxml's refusal),
    malformed XML, a broken zip member."""
    try:
        yield
    except (EntitiesForbidden, ExternalReferenceForbidden) as exc:
        raise hostile_xml(exc, where.file or "", member) from None
    except pyexpat.ExpatError as exc:
        raise InputError(N_("{what} ({part}) is not well-formed: {why}", what=what, part=member, why=str(exc)), where) from None
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise InputError(N_("cannot inflate {part}: {why}", part=member, why=str(exc)), where) from None


def _parser_for(col: _Collector) -> "pyexpat.XMLParserType":
    parser = defused_expat_parser()
    parser.StartElementHandler = col.start
    parser.EndElementHandler = col.end
    parser.CharacterDataHandler = col.data
    return parser


def _cell_columns(piece: bytes, row_digits: int) -> tuple[int, int] | None:
    """(number of ``<c r="`` tags, largest column index) of a piece, read from the bytes with numpy;
    None (→ parse the piece) unless every such tag has 1–3 column letters and a row number of at
    most ``row_digits`` digits (so no cell lies below the rows' own numbers)."""
    a = np.frombuffer(piece, dtype=np.uint8)
    lt = np.flatnonzero(a == 60)  # '<'
    if lt.size and lt[-1] + 12 + row_digits >= a.size:  # a piece ends with '</row>': never a cell
        lt = lt[lt + 12 + row_digits < a.size]
    cells = lt[(a[lt + 1] == 99) & (a[lt + 2] == 32) & (a[lt + 3] == 114) & (a[lt + 4] == 61) & (a[lt + 5] == 34)]
    if cells.size == 0:
        return 0, -1
    l1, l2, l3 = (a[cells + i].astype(np.int64) - 64 for i in (6, 7, 8))
    if not ((l1 >= 1) & (l1 <= 26)).all():
        return None
    two = (l2 >= 1) & (l2 <= 26)
    three = two & (l3 >= 1) & (l3 <= 26)
    col = np.where(three, (l1 * 26 + l2) * 26 + l3, np.where(two, l1 * 26 + l2, l1)) - 1
    digits_at = cells + 6 + 1 + two + three
    first, beyond = a[digits_at], a[digits_at + row_digits]
    if not ((first >= 49) & (first <= 57)).all() or ((beyond >= 48) & (beyond <= 57)).any():
        return None
    max_col = int(col.max())
    return (int(cells.size), max_col) if max_col < EXCEL_MAX_COLS else None


def _plain_rows(piece: bytes, col: _Collector) -> bool:
    """Count a piece of plain rows at byte level; False if the piece needs the parser.

    Sound because in well-formed XML a literal ``<`` can only open markup (never inside text or an
    attribute value): when every ``<`` of the piece opens exactly ``<row r="``, ``<c r="``,
    ``<v>``, ``<v/>``, ``<is>``, ``<t>``, ``<t xml:space="preserve">`` or an end tag, there is no
    comment, CDATA section, processing instruction, formula, rich text or prefixed element to hide.
    """
    if b"hidden" in piece:
        return False
    if b"&" in piece and _ODD_AMP.search(piece):
        return False
    rows = _ROW_R.findall(piece)
    if not rows:
        return False
    max_row = max(map(int, rows))
    if not 1 <= max_row <= EXCEL_MAX_ROWS:
        return False
    cells = _cell_columns(piece, len(str(max_row)))
    if cells is None:
        return False
    n_cells, max_col = cells
    text = _piece_text(piece)
    if text is None:
        return False
    n_lt = piece.count(b"<")
    known = piece.count(b"</") + n_cells + len(rows) + piece.count(b"<v>") + piece.count(b"<v/>")
    if known != n_lt:
        known += piece.count(b"<is>") + piece.count(b"<t>") + piece.count(b'<t xml:space="preserve">')
        if known != n_lt:
            return False
    col.scan.n_rows += len(rows)
    col.row = max_row - 1
    col.add_cells(n_cells, max_row - 1, max_col)
    shared, inline_chars = text
    col.add_shared(shared)
    col.add_text(inline_chars)
    return True


_SHARED_REF = re.compile(rb't="s"[^>]*><v>([0-9]{1,10})</v>')
_INLINE_TEXT = re.compile(rb'<t(?: xml:space="preserve")?>([^<]*)</t>')


def _piece_text(piece: bytes) -> tuple[np.ndarray, int] | None:
    """(shared-string indices, bytes of inline text) of a plain piece, or None (→ parse it) when a
    ``t="s"`` cell is not the plain ``…t="s"…><v>N</v>`` form. Inline text is counted in UTF-8
    bytes, at least its characters (the budget errs on the safe side)."""
    n_refs = piece.count(b't="s"')
    found = _SHARED_REF.findall(piece) if n_refs else []
    if len(found) != n_refs:
        return None
    shared = np.array(found, dtype=np.int64) if found else np.zeros(0, dtype=np.int64)
    inline = sum(map(len, _INLINE_TEXT.findall(piece))) if b"<is>" in piece else 0
    return shared, inline


def _parse_wrapped(piece: bytes, col: _Collector, final: bool) -> None:
    """Parse a piece cut after ``</row>`` on its own, inside the root and ``sheetData`` tags."""
    parser = _parser_for(col)
    prefix = f"<{col.root_q}><{col.data_q}>".encode()
    suffix = b"" if final else f"</{col.data_q}></{col.root_q}>".encode()
    saved = col.stack[:]
    col.stack.clear()  # the wrapper re-opens the two elements the collector has on its stack
    try:
        parser.Parse(prefix + piece + suffix, True)
    except pyexpat.ExpatError:
        raise _Restart from None
    if not final:
        col.stack[:] = saved


def _scan_pieces(fh, col: _Collector) -> None:
    """The fast scan: head with one parser, then row pieces (byte-counted or wrapped), then tail."""
    head = _parser_for(col)
    in_head = True
    buf = b""
    while True:
        chunk = fh.read(PIECE_BYTES)
        eof = not chunk
        buf += chunk
        # the head ends once its parser stands right after a </row>, inside <sheetData>
        while in_head:
            cut = buf.find(_ROW_END)
            if cut < 0 or eof:
                head.Parse(buf, eof)
                buf = b""
                break
            head.Parse(buf[: cut + len(_ROW_END)], False)
            buf = buf[cut + len(_ROW_END) :]
            if col.data_q and len(col.stack) == 2 and col.stack[1] == "sheetData":
                in_head = False
        if eof:
            if not in_head:
                _parse_wrapped(buf, col, final=True)
            return
        if in_head:
            continue
        cut = buf.rfind(_ROW_END)
        if cut < 0:
            if len(buf) > MAX_PIECE_BYTES:
                raise _Restart
            continue
        piece, buf = buf[: cut + len(_ROW_END)], buf[cut + len(_ROW_END) :]
        if not _plain_rows(piece, col):
            _parse_wrapped(piece, col, final=False)


def _scan_exact(fh, col: _Collector) -> None:
    """The reference scan: the whole part through one defused parser."""
    parser = _parser_for(col)
    while chunk := fh.read(PIECE_BYTES):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def scan_sheet_xml(zf: zipfile.ZipFile, member: str, where: Location, *, exact: bool = False,
                   shared: np.ndarray | None = None) -> SheetScan:
    """Scan the worksheet part ``member`` (streamed); ``exact=True`` skips the byte-level fast path;
    ``shared``: the lengths of the shared strings (:func:`shared_string_lengths`).

    Raises HostileFileError (entities, caps, text budget) or InputError (malformed XML), naming ``where``.
    """
    with _part_errors(member, where, N_("the sheet XML")):
        if not exact:
            col = _Collector(where, shared)
            try:
                with zf.open(member) as fh:
                    _scan_pieces(fh, col)
                return col.scan
            except _Restart:
                pass
        col = _Collector(where, shared)
        col.scan.exact = True
        with zf.open(member) as fh:
            _scan_exact(fh, col)
        return col.scan
