"""Word .docx: body, tables, text boxes, footnotes/endnotes, headers and footers.

python-docx opens the package (relationships, odd part names), parsing only
the main document part: styles.xml and the like are kept as bytes, since they
are never read and can be most of the work (python-docx's own template ships
a 350 KB styles.xml; parsing it took 9 of the 9.3 ms a typical file cost).
The text is read from the XML directly because python-docx's `paragraph.text` leaves out
text boxes, and it has no footnotes. Tracked changes read as the document
would print: insertions in, deletions out. Text boxes come right after the
paragraph that anchors them; each once (Word writes a VML fallback copy).
Imported HTML/MHT chunks (w:altChunk, how OA systems export "docx") are read too.
"""

from __future__ import annotations

import io
from typing import Any

import docx  # noqa: F401  (registers python-docx's part classes with PartFactory)
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.package import Unmarshaller
from docx.opc.part import Part, PartFactory
from docx.opc.pkgreader import PackageReader
from docx.oxml import parse_xml
from docx.package import Package

from pipeline.extract import reader

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIP = frozenset(
    {_W + "del", _W + "delText", _W + "moveFrom", _W + "instrText", _W + "sectPr", _W + "rPr",
     _W + "pPr", _W + "tblPr", _W + "tcPr", _W + "trPr", _MC_FALLBACK}
)  # fmt: skip
_NOTES_AND_MARGINS = (RT.FOOTNOTES, RT.ENDNOTES, RT.HEADER, RT.FOOTER)
_ALT_CHUNK = _W + "altChunk"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


@reader("docx")
def read_docx(data: bytes) -> str:
    document = _open(data)
    lines: list[str] = []
    _blocks(document.element.body, lines)
    for chunk in document.element.body.iter(_ALT_CHUNK):
        rel = document.part.rels.get(chunk.get(_R_ID))
        if rel is not None and not rel.is_external:
            lines.append(_alt_chunk_text(rel.target_part.blob))
    seen = set(lines)
    for reltype in _NOTES_AND_MARGINS:
        for rel in document.part.rels.values():
            if rel.reltype != reltype or rel.is_external:
                continue
            part_lines: list[str] = []
            _blocks(parse_xml(rel.target_part.blob), part_lines)
            for line in part_lines:  # the same header on every section is shown once
                if line not in seen:
                    seen.add(line)
                    lines.append(line)
    return "\n".join(line for line in lines if line.strip())


def _open(data: bytes) -> Any:
    """`docx.Document(...)`, with every part but the main document left unparsed."""
    package = Package()
    Unmarshaller.unmarshal(PackageReader.from_file(io.BytesIO(data)), package, _part)
    document_part = package.main_document_part
    if document_part.content_type != CT.WML_DOCUMENT_MAIN:  # as docx.Document checks
        raise ValueError(f"not a Word file, content type is {document_part.content_type!r}")
    return document_part.document


def _part(partname: Any, content_type: str, reltype: str, blob: bytes, package: Any) -> Part:
    if content_type == CT.WML_DOCUMENT_MAIN:
        return PartFactory(partname, content_type, reltype, blob, package)
    return Part(partname, content_type, blob, package)


def _blocks(element: Any, lines: list[str]) -> None:
    """Paragraphs and table rows under `element`, in document order."""
    for child in element:
        tag = child.tag
        if tag in _SKIP or not isinstance(tag, str):
            continue
        if tag == _W + "p":
            parts: list[str] = []
            boxes: list[Any] = []
            _runs(child, parts, boxes)
            lines.append("".join(parts))
            for box in boxes:
                _blocks(box, lines)
        elif tag == _W + "tbl":
            lines.extend(_table_lines(child))
        else:  # sdt, customXml, ins, body-level wrappers: look inside
            _blocks(child, lines)


def _runs(element: Any, parts: list[str], boxes: list[Any]) -> None:
    """Visible text of one paragraph; text boxes are collected, not inlined."""
    for child in element:
        tag = child.tag
        if tag in _SKIP or not isinstance(tag, str):
            continue
        if tag == _W + "t":
            parts.append(child.text or "")
        elif tag == _W + "tab":
            parts.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            parts.append("\n")
        elif tag == _W + "txbxContent":
            boxes.append(child)
        else:
            _runs(child, parts, boxes)


def _table_lines(table: Any) -> list[str]:
    """One line per row, cells joined by tabs; a merged cell counted once."""
    lines = []
    for row in table.iterchildren(_W + "tr"):
        cells: list[str] = []
        for cell in row.iterchildren(_W + "tc"):
            cell_lines: list[str] = []
            _blocks(cell, cell_lines)
            value = "\n".join(line for line in cell_lines if line.strip()).strip()
            if not cells or value != cells[-1]:
                cells.append(value)
        lines.append("\t".join(cells).rstrip("\t"))
    return lines


def _alt_chunk_text(blob: bytes) -> str:
    """An imported chunk (w:altChunk): HTML or MHT that office systems (OA) export
    into a docx whose body is otherwise empty."""
    from pipeline.extract.detect import looks_like_mail
    from pipeline.extract.text import decode_text
    from pipeline.parse.html import html_to_text

    if looks_like_mail(blob):
        from pipeline.errors import ParseError
        from pipeline.parse import parse

        try:
            return parse(blob).body
        except ParseError:
            pass
    return html_to_text(decode_text(blob))
