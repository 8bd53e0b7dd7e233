"""Container guards for workbooks: what a file is, and whether its zip may be opened at all.

Everything here runs on the raw bytes and on the zip's *declared* sizes, before a single member is
inflated (docs/reliability.md#bad-inputs rows 30, 32, 33; docs/platform.md#calamine-hostile:
calamine alone inflated a 1.5 MB file to
1 GB). CPython's ``zipfile`` stops reading a member at its declared ``file_size`` (and fails the
CRC check if the data go on), so the sum of declared sizes is a real bound on what can be inflated.

Limits (module constants, so a caller or a test can see them; each one is named in its error):

- :data:`MAX_FILE_BYTES` 200 MiB on disk. The largest realistic measurement workbook (200,000 rows
  × 8 columns, docs/platform.md#readers) is 9.5 MB.
- :data:`MAX_ENTRIES` 10,000 zip members. An Excel workbook has a few dozen parts.
- :data:`MAX_TOTAL_UNCOMPRESSED` 1 GiB, the sum of declared uncompressed sizes (the same gate as
  PostHog#73517, docs/platform.md#zip-bombs).
- :data:`MIN_INFLATE_RATIO` 0.01 for members whose declared size exceeds :data:`RATIO_GRACE_BYTES`
  (100 KiB): Apache POI ``ZipSecureFile.MIN_INFLATE_RATIO = 0.01`` and ``GRACE_ENTRY_SIZE =
  100*1024`` ("don't alert for expanded sizes smaller than 100k"). A real sheet compresses 5–15:1;
  the 75 MB sheet of the 200k-row benchmark compresses 9:1.
"""

from __future__ import annotations

import struct
import zipfile
from typing import Literal

import pyexpat
from defusedxml import EntitiesForbidden, ExternalReferenceForbidden

from verify.errors import HostileFileError, InputError, Location
from verify.i18n import N_

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_ENTRIES = 10_000
MAX_TOTAL_UNCOMPRESSED = 1024 * 1024 * 1024
MIN_INFLATE_RATIO = 0.01
RATIO_GRACE_BYTES = 100 * 1024
#: Bytes of an XML part read while looking for its root element; a real prolog is under 200 bytes.
MAX_PROLOG_BYTES = 64 * 1024

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")

Kind = Literal["zip", "encrypted", "xls", "ole2"]


def _mib(n: int) -> str:
    return f"{n / 1024 / 1024:,.1f} MiB"


# --------------------------------------------------------------------------------------------
# What kind of file is it?


def sniff(data: bytes, rel: str) -> Kind:
    """Classify by magic bytes: ``zip`` (xlsx/xlsm), or an OLE2 compound file, which is either a
    password-protected OOXML workbook (``encrypted``: its directory has an ``EncryptionInfo`` stream,
    MS-OFFCRYPTO §2.3.4), a legacy BIFF workbook (``xls``: a ``Workbook`` or ``Book`` stream,
    MS-XLS §2.1.2), or ``ole2`` when the directory cannot be read. Anything else is refused."""
    if data.startswith(ZIP_MAGIC):
        return "zip"
    if data.startswith(OLE2_MAGIC):
        names = ole2_stream_names(data)
        if names is None:
            return "ole2"
        if "EncryptionInfo" in names or "EncryptedPackage" in names:
            return "encrypted"
        if "Workbook" in names or "Book" in names:
            return "xls"
        return "ole2"
    if not data:
        raise InputError(N_("empty file"), Location(file=rel))
    raise InputError(
        N_("not an Excel workbook (.xlsx/.xlsm): the file does not start with the zip signature"),
        Location(file=rel),
        hint=N_("save the sheet from Excel as .xlsx, or export it as CSV"),
    )


def refuse_ole2(kind: Kind, rel: str) -> None:
    """Raise the error that names what an OLE2 file is (docs/reliability.md#bad-inputs row 30)."""
    if kind == "encrypted":
        raise InputError(
            N_("password-protected (encrypted) Excel workbook: it cannot be read"),
            Location(file=rel),
            hint=N_("open it in Excel and save a copy without a password (File > Info > Protect Workbook)"),
        )
    if kind == "xls":
        raise InputError(
            N_("legacy .xls workbook (Excel 97–2003 format) is not supported"),
            Location(file=rel),
            hint=N_("open it in Excel or LibreOffice and save it as .xlsx"),
        )
    raise InputError(
        N_("legacy .xls or encrypted workbook (OLE2 compound file) is not supported"),
        Location(file=rel),
        hint=N_("save it as .xlsx without a password"),
    )


def ole2_stream_names(data: bytes, max_sectors: int = 4096) -> set[str] | None:
    """Names of the entries in an OLE2 (MS-CFB) directory, or None if it cannot be followed.

    MS-CFB §2.2: header sector shift at offset 30, first directory sector at 48, the first 109 FAT
    sector numbers (DIFAT) at 76; §2.6: 128-byte directory entries, name UTF-16LE in bytes 0–63 with
    its byte length at 64. Only the 109 DIFAT entries of the header are followed (they map the
    first ~6.8 MB of a file with 512-byte sectors); if the directory chain leaves that range the
    names found so far are returned, and an unreadable header gives None ("legacy .xls or
    encrypted workbook"). Chains are bounded by ``max_sectors``.
    """
    try:
        shift = struct.unpack_from("<H", data, 30)[0]
        if shift not in (9, 12):
            return None
        size = 1 << shift
        first_dir = struct.unpack_from("<I", data, 48)[0]
        difat = struct.unpack_from("<109I", data, 76)

        def sector(n: int) -> bytes:
            start = (n + 1) * size
            if start + size > len(data):
                raise ValueError("sector out of range")
            return data[start : start + size]

        fat: list[int] = []
        for n in difat:
            if n >= 0xFFFFFFFA:  # FREESECT / ENDOFCHAIN / special
                break
            fat.extend(struct.unpack(f"<{size // 4}I", sector(n)))
        names: set[str] = set()
        n, steps = first_dir, 0
        while n < 0xFFFFFFFA and steps < max_sectors:
            block = sector(n)
            for off in range(0, size, 128):
                length = struct.unpack_from("<H", block, off + 64)[0]
                if 2 <= length <= 64:
                    names.add(block[off : off + length - 2].decode("utf-16-le", "replace"))
            n = fat[n] if n < len(fat) else 0xFFFFFFFE
            steps += 1
        return names
    except (struct.error, ValueError, IndexError):
        return None


# --------------------------------------------------------------------------------------------
# Zip limits on declared sizes, before inflating


def check_end_of_central_directory(data: bytes, rel: str) -> None:
    """Refuse a zip whose end-of-central-directory record announces more than :data:`MAX_ENTRIES`
    members, before ``zipfile`` builds one object per member (APPNOTE.TXT §4.3.16, zip64 §4.3.14)."""
    where = Location(file=rel)
    tail_start = max(0, len(data) - (0xFFFF + 22))
    idx = data.rfind(b"PK\x05\x06", tail_start)
    if idx < 0 or idx + 22 > len(data):
        raise InputError(N_("not a readable .xlsx: the zip directory is missing (truncated file?)"), where)
    total = struct.unpack_from("<H", data, idx + 10)[0]
    if total == 0xFFFF:  # zip64: the real count is in the zip64 end record, found via its locator
        loc = idx - 20
        if loc >= 0 and data[loc : loc + 4] == b"PK\x06\x07":
            offset = struct.unpack_from("<Q", data, loc + 8)[0]
            if offset + 56 <= len(data) and data[offset : offset + 4] == b"PK\x06\x06":
                total = struct.unpack_from("<Q", data, offset + 32)[0]
    if total > MAX_ENTRIES:
        raise HostileFileError(
            N_("the zip has {n:,} members; an Excel workbook has a few dozen (limit {limit:,})", n=total,
               limit=MAX_ENTRIES), where
        )


def check_members(zf: zipfile.ZipFile, rel: str) -> None:
    """Caps on the member list: count, duplicates, encryption, Σ declared size, inflate ratio."""
    where = Location(file=rel)
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise HostileFileError(N_("the zip has {n:,} members (limit {limit:,})", n=len(infos), limit=MAX_ENTRIES), where)
    names = [i.filename for i in infos]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise HostileFileError(N_("the zip lists the member(s) {members} twice", members=", ".join(dup[:5])), where)
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise HostileFileError(N_("zip member {member!r} is encrypted", member=info.filename), where)
        total += info.file_size
        if info.file_size > RATIO_GRACE_BYTES and info.compress_size < MIN_INFLATE_RATIO * info.file_size:
            raise HostileFileError(
                N_("zip member {member!r} would inflate from {packed} to {size} (more than {ratio:.0f}:1, a zip bomb)",
                   member=info.filename, packed=_mib(info.compress_size), size=_mib(info.file_size),
                   ratio=1 / MIN_INFLATE_RATIO),
                where,
            )
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise HostileFileError(
            N_("the zip declares {size} of uncompressed content (limit {limit})", size=_mib(total),
               limit=_mib(MAX_TOTAL_UNCOMPRESSED)), where
        )


# --------------------------------------------------------------------------------------------
# XML: defusedxml's rules on a raw expat parser


def _forbid_entity_decl(name, is_parameter_entity, value, base, sysid, pubid, notation_name):
    raise EntitiesForbidden(name, value, base, sysid, pubid, notation_name)


def _forbid_unparsed_entity_decl(name, base, sysid, pubid, notation_name):
    raise EntitiesForbidden(name, None, base, sysid, pubid, notation_name)


def _forbid_external_ref(context, base, sysid, pubid):
    raise ExternalReferenceForbidden(context, base, sysid, pubid)


def defused_expat_parser() -> "pyexpat.XMLParserType":
    """A non-namespace expat parser with the handlers defusedxml installs
    (``defusedxml.expatreader.DefusedExpatParser``, ``defusedxml.ElementTree.DefusedXMLParser``
    with their defaults ``forbid_entities=True, forbid_external=True``): any entity declaration or
    external reference raises before anything is expanded. defusedxml's own ElementTree parser is
    the pure-Python one (13.7 s for a 75 MB sheet against 0.9 s for raw expat), hence raw pyexpat."""
    parser = pyexpat.ParserCreate()
    parser.EntityDeclHandler = _forbid_entity_decl
    parser.UnparsedEntityDeclHandler = _forbid_unparsed_entity_decl
    parser.ExternalEntityRefHandler = _forbid_external_ref
    parser.buffer_text = True
    return parser


def hostile_xml(exc: Exception, rel: str, part: str) -> HostileFileError:
    """The error for a defusedxml refusal (docs/reliability.md#bad-inputs row 33)."""
    if isinstance(exc, EntitiesForbidden):
        what = N_("XML entity declarations are not allowed")
    else:
        what = N_("external XML entity references are not allowed")
    return HostileFileError(N_("{what} (part {part}; a 'billion laughs' or external-entity attack?)", what=what, part=part),
                            Location(file=rel))


class _RootSeen(Exception):
    pass


def _stop_at_root(name, attrs):
    raise _RootSeen


def check_xml_prologs(zf: zipfile.ZipFile, rel: str) -> None:
    """Parse the prolog of every XML part (``*.xml``, ``*.rels``) up to its root element with the
    defused parser: entity declarations can only stand in the DTD, before the root, so this refuses
    them in every part calamine or openpyxl may read (shared strings, styles, …), not only the
    sheet. A part whose root does not start within :data:`MAX_PROLOG_BYTES` is refused."""
    for info in zf.infolist():
        name = info.filename
        if not name.lower().endswith((".xml", ".rels")) or info.file_size == 0:
            continue
        parser = defused_expat_parser()
        parser.StartElementHandler = _stop_at_root
        with zf.open(info) as fh:
            head = fh.read(MAX_PROLOG_BYTES)
        try:
            parser.Parse(head, len(head) < MAX_PROLOG_BYTES)
        except _RootSeen:
            continue
        except (EntitiesForbidden, ExternalReferenceForbidden) as exc:
            raise hostile_xml(exc, rel, name) from None
        except pyexpat.ExpatError as exc:
            raise InputError(N_("part {part} is not well-formed XML ({why})", part=name, why=str(exc)), Location(file=rel)) from None
        raise HostileFileError(
            N_("part {part} has no root element within its first {n} KiB", part=name, n=MAX_PROLOG_BYTES // 1024),
            Location(file=rel)
        )
