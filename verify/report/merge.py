"""Join the language halves' PDFs into one file with pypdf, keeping what each half has.

- Pages, bookmarks (the outline: each half's headings) and named destinations (the targets of the
  contents list's links, ``ja-…`` and ``zh-…``: they never collide) come over with
  ``PdfWriter.append``; the links keep pointing at their half's pages.
- The document information (title, WeasyPrint as producer, the reproducible creation and
  modification dates of :func:`verify.report.pdf.pdf_date`) and the document language are the
  first half's: both halves carry the same title and dates.
- Embedded fonts stay embedded. WeasyPrint names a font subset by a tag made from the font's
  description, so both halves would name their different subsets of, e.g., DejaVu Sans alike;
  ISO 32000-1 §9.6.4 asks for a different tag per subset in one file, so a later half's clashing
  tags are replaced by tags derived from the tag and the half's position (deterministic).
- No file identifier and no date of the moment: the same halves give the same bytes.
"""

from __future__ import annotations

import hashlib
import io


def merge_pdfs(parts: list[bytes]) -> bytes:
    """One PDF of ``parts`` in order (see the module docstring for what is kept)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    readers = [PdfReader(io.BytesIO(part)) for part in parts]
    seen: set[str] = set()
    for position, reader in enumerate(readers):
        _retag_font_subsets(reader, seen, position)
        writer.append(reader)
    first = readers[0]
    writer.add_metadata(dict(first.metadata or {}))
    lang = first.trailer["/Root"].get("/Lang")
    if lang is not None:
        writer.root_object[_name("/Lang")] = lang
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _retag_font_subsets(reader, seen: set[str], position: int) -> None:
    """Give this part's font subsets tags no earlier part used (``seen``: subset names so far)."""
    renames: dict[str, str] = {}
    for font in _fonts(reader):
        for holder, key in _font_names(font):
            name = str(holder[key])
            if name in renames or name[7:8] != "+":
                continue
            new = name
            while new in seen:
                new = _tag(new, position) + name[7:]
            renames[name] = new
        for holder, key in _font_names(font):
            name = str(holder[key])
            if renames.get(name, name) != name:
                holder[_name(key)] = _name(renames[name])
    seen.update(renames.values())


def _name(text: str):
    from pypdf.generic import NameObject

    return NameObject(text)


def _tag(name: str, position: int) -> str:
    """/ + six capital letters from a hash of the clashing name and the part's position."""
    digest = hashlib.sha256(f"{name}#{position}".encode()).digest()
    return "/" + "".join(chr(65 + b % 26) for b in digest[:6])


def _fonts(reader):
    """The font dictionaries of every page and of the forms they draw, each once."""
    found: dict[int, object] = {}
    stack = [page.get("/Resources") for page in reader.pages]
    while stack:
        resources = stack.pop()
        resources = resources.get_object() if resources is not None else None
        if not resources:
            continue
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            found.setdefault(id(font), font)
        for xobject in (resources.get("/XObject") or {}).values():
            stack.append(xobject.get_object().get("/Resources"))
    return list(found.values())


def _font_names(font):
    """(dictionary, key) of each name of a subset: the font's /BaseFont, its descendant's
    /BaseFont and the descriptors' /FontName."""
    out = [(font, "/BaseFont")] if "/BaseFont" in font else []
    for descendant in font.get("/DescendantFonts") or []:
        descendant = descendant.get_object()
        out += [(descendant, "/BaseFont")] if "/BaseFont" in descendant else []
        descriptor = descendant.get("/FontDescriptor")
        if descriptor is not None:
            out.append((descriptor.get_object(), "/FontName"))
    descriptor = font.get("/FontDescriptor")
    if descriptor is not None:
        out.append((descriptor.get_object(), "/FontName"))
    return out
