"""Small builders for hand-made workbooks used by tests/sources/test_xlsx*.py.

Workbooks are written part by part with ``zipfile`` so that a test controls every byte of the
sheet XML (cached formula values, entity declarations, comments, prefixes), which openpyxl
cannot produce.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HIDDEN = ' state="hidden"'
EPOCH_1904 = ' date1904="1"'
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def sheet_xml(rows: str, *, dimension: str | None = None, after: str = "", prolog: str = "") -> bytes:
    """A worksheet part around ``rows`` (the content of <sheetData>)."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{prolog}'
        f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">{dim}<sheetData>{rows}</sheetData>{after}</worksheet>'
    ).encode("utf-8")


def raw_xlsx(
    path: Path,
    sheets: dict[str, bytes],
    *,
    date1904: bool = False,
    hidden: tuple[str, ...] = (),
    extra: dict[str, bytes] | None = None,
    shared_strings: bytes | None = None,
) -> Path:
    """Write a minimal but valid workbook with the given worksheet parts, in order."""
    ct_over = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        f'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    if shared_strings is not None:
        ct_over += (
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{ct_over}</Types>"
    )
    root_rels = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    )
    sheet_els = "".join(
        f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"{HIDDEN if name in hidden else ""}/>'
        for i, name in enumerate(sheets, start=1)
    )
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
        f'<workbookPr{EPOCH_1904 if date1904 else ""}/><sheets>{sheet_els}</sheets></workbook>'
    )
    wb_rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    if shared_strings is not None:
        wb_rels += f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    wb_rels = f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">{wb_rels}</Relationships>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", content_types)
        zf.writestr("_rels/.rels", root_rels)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", wb_rels)
        for i, xml in enumerate(sheets.values(), start=1):
            zf.writestr(f"xl/worksheets/sheet{i}.xml", xml)
        if shared_strings is not None:
            zf.writestr("xl/sharedStrings.xml", shared_strings)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


def patch_zip(src: Path, dst: Path, edits: dict[str, object]) -> Path:
    """Copy a zip, replacing members: ``edits[name]`` is bytes or a function bytes → bytes.
    Names not in the source are added."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            edit = edits.get(info.filename)
            if callable(edit):
                data = edit(data)
            elif edit is not None:
                data = edit
            zout.writestr(info.filename, data)
        for name, edit in edits.items():
            if name not in zin.NameToInfo:
                zout.writestr(name, edit if isinstance(edit, bytes) else edit(b""))
    return dst


def set_declared_size(path: Path, member: str, size: int) -> None:
    """Overwrite the uncompressed size of ``member`` in the zip's central directory and local
    header (APPNOTE.TXT §4.3.7 offset 22, §4.3.12 offset 24), leaving the data as they are."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) >= 0:
        n = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46 : pos + 46 + n]) == name:
            struct.pack_into("<I", data, pos + 24, size)
            local = struct.unpack_from("<I", data, pos + 42)[0]
            struct.pack_into("<I", data, local + 22, size)
        pos += 4
    path.write_bytes(bytes(data))


def ole2(names: list[str]) -> bytes:
    """A minimal MS-CFB v3 compound file whose directory holds ``names`` (after 'Root Entry'):
    header, one FAT sector (sector 0), one directory sector (sector 1)."""
    header = bytearray(512)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)  # minor, major, byte order, shifts
    struct.pack_into("<I", header, 44, 1)  # number of FAT sectors
    struct.pack_into("<I", header, 48, 1)  # first directory sector
    struct.pack_into("<I", header, 56, 4096)
    struct.pack_into("<I", header, 60, 0xFFFFFFFE)
    struct.pack_into("<I", header, 68, 0xFFFFFFFE)
    difat = [0] + [0xFFFFFFFF] * 108
    struct.pack_into("<109I", header, 76, *difat)
    fat = [0xFFFFFFFD, 0xFFFFFFFE] + [0xFFFFFFFF] * 126
    fat_sector = struct.pack("<128I", *fat)
    directory = bytearray(512)
    for i, name in enumerate(["Root Entry", *names][:4]):
        raw = name.encode("utf-16-le") + b"\x00\x00"
        directory[i * 128 : i * 128 + len(raw)] = raw
        struct.pack_into("<H", directory, i * 128 + 64, len(raw))
        directory[i * 128 + 66] = 5 if i == 0 else 2
    return bytes(header) + fat_sector + bytes(directory)
