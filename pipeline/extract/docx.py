"""Word .docx: paragraphs and tables in document order (python-docx)."""

from __future__ import annotations

import io

import docx
from docx.table import Table

from pipeline.extract import reader


@reader("docx")
def read_docx(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_table_lines(block))
        else:
            lines.append(block.text)
    return "\n".join(line for line in lines if line.strip())


def _table_lines(table: Table) -> list[str]:
    """One line per row, cells joined by tabs; merged cells counted once."""
    lines = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            value = cell.text.strip()
            if not cells or value != cells[-1]:
                cells.append(value)
        lines.append("\t".join(cells).rstrip("\t"))
    return lines
