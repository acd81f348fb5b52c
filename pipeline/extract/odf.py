"""OpenDocument text and spreadsheets (.odt, .ods) read from content.xml directly.

No LibreOffice needed. Repetition attributes (number-rows-repeated,
number-columns-repeated) are ignored on purpose: a 1 KB file may claim a
million repeated rows, and repeated cells repeat no new text.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

from pipeline.errors import ExtractError
from pipeline.extract import current_limits, reader

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_SKIP = frozenset(
    {_TEXT + "tracked-changes", _TEXT + "note-citation", _OFFICE + "annotation",
     _TABLE + "table-columns", _TABLE + "table-column"}
)  # fmt: skip


@reader("odt", "ods", "odp")
def read_odf(data: bytes) -> str:
    from docx.oxml import parse_xml

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo("content.xml")
        if info.file_size > current_limits().max_expanded_bytes:
            raise ExtractError("文档解压后过大（疑似压缩炸弹），未读取", "请打开原始邮件人工查看")
        root = parse_xml(zf.read(info))
    lines: list[str] = []
    _blocks(root, lines)
    return "\n".join(line for line in lines if line.strip())


def _blocks(element: Any, lines: list[str]) -> None:
    for child in element:
        tag = child.tag
        if tag in _SKIP or not isinstance(tag, str):
            continue
        if tag in (_TEXT + "p", _TEXT + "h"):
            parts: list[str] = []
            notes: list[Any] = []
            _inline(child, parts, notes)
            lines.append("".join(parts))
            for note in notes:  # footnotes right after the paragraph that cites them
                _blocks(note, lines)
        elif tag == _TABLE + "table-row":
            cells = []
            for cell in child:
                if cell.tag in (_TABLE + "table-cell", _TABLE + "covered-table-cell"):
                    cell_lines: list[str] = []
                    _blocks(cell, cell_lines)
                    cells.append(" ".join(line.strip() for line in cell_lines if line.strip()))
            lines.append("\t".join(cells).rstrip("\t"))
        else:
            _blocks(child, lines)


def _inline(element: Any, parts: list[str], notes: list[Any]) -> None:
    if element.text:
        parts.append(element.text)
    for child in element:
        tag = child.tag
        if isinstance(tag, str) and tag not in _SKIP:
            if tag == _TEXT + "s":
                parts.append(" ")
            elif tag == _TEXT + "tab":
                parts.append("\t")
            elif tag == _TEXT + "line-break":
                parts.append("\n")
            elif tag == _TEXT + "note":
                notes.extend(child.iterchildren(_TEXT + "note-body"))
            else:
                _inline(child, parts, notes)
        if child.tail:
            parts.append(child.tail)
