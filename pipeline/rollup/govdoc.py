"""Lay out a summary Draft as a Word document in the national layout for official
documents, GB/T 9704-2012 (python-docx):

- A4, text area 156 x 225 mm: margins top 37 mm, bottom 35 mm, left 28 mm,
  right 26 mm; 22 lines a page (exact line spacing 28.95 pt on a line grid; a
  grid of lines and characters for exactly 28 characters a line makes
  LibreOffice space out every character, so the 156 mm line holds what 16 pt
  characters fill, about 27.6);
- title 2号 (22 pt) 方正小标宋简体, centred; body 3号 (16 pt) 仿宋_GB2312 with a
  two-character first-line indent; first-level headings 3号 黑体, second-level
  3号 楷体_GB2312; signature and date right-aligned;
- page numbers 4号 (14 pt) 宋体 as "— 1 —", odd pages right, even pages left.

Fonts are named for the East Asian script too, so Word on a Chinese Windows uses
them; LibreOffice substitutes an installed CJK face. The file is written
atomically, like the workbooks.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph

from pipeline.rollup.summary import Draft
from pipeline.rollup.workbook import clean_text

LINE = Pt(28.95)  # 225 mm / 22 lines
BODY, TITLE, PAGE_NUMBER = Pt(16), Pt(22), Pt(14)
FONTS = {
    "title": "方正小标宋简体",
    "h1": "黑体",
    "h2": "楷体_GB2312",
    "body": "仿宋_GB2312",
    "page": "宋体",
}


def save_draft(draft: Draft, target: Path, mode: int = 0o640) -> Path:
    """Write the draft to target (.docx) atomically, readable as [storage] mode says, and
    return the path."""
    doc = Document()
    _page_setup(doc)
    for kind, text in draft.blocks:
        _block(doc, kind, text)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".docx")
    os.close(fd)
    try:
        doc.save(tmp)
        os.chmod(tmp, mode)  # mkstemp made it 0600; the officials read it from a shared folder
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _page_setup(doc: Document) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    # the page number's line: its top 7 mm under the text area, i.e. ~23 mm above the edge
    section.footer_distance = Mm(23)
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(int(LINE.pt * 20)))
    normal = doc.styles["Normal"]
    _font(normal.font, normal.element, FONTS["body"], BODY)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule, fmt.line_spacing = WD_LINE_SPACING.EXACTLY, LINE
    fmt.space_before = fmt.space_after = Pt(0)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def _block(doc: Document, kind: str, text: str) -> None:
    p = doc.add_paragraph()
    fmt = p.paragraph_format
    font = FONTS.get(kind, FONTS["body"])
    size = TITLE if kind == "title" else BODY
    if kind == "title":
        fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
        fmt.line_spacing = Pt(35)
        fmt.space_after = LINE
    elif kind in ("signature", "date"):
        fmt.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        fmt.right_indent = Pt(BODY.pt * 2)
        if kind == "signature":
            fmt.space_before = LINE
    elif kind != "recipient":
        fmt.first_line_indent = Pt(BODY.pt * 2)
        fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    run = p.add_run(clean_text(text))  # quotes come from mail: no control characters
    _font(run.font, run._element, font, size)


def _page_number(p: Paragraph, align: int) -> None:
    """— N — in 4号 宋体, a quarter em from the outer edge."""
    p.paragraph_format.alignment = align
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        p.paragraph_format.right_indent = Pt(PAGE_NUMBER.pt)
    else:
        p.paragraph_format.left_indent = Pt(PAGE_NUMBER.pt)
    for piece in ("— ", None, " —"):
        run = p.add_run()
        _font(run.font, run._element, FONTS["page"], PAGE_NUMBER)
        if piece is not None:
            run.text = piece
            continue
        for tag, value in (("w:fldChar", "begin"), ("w:instrText", "PAGE"), ("w:fldChar", "end")):
            el = OxmlElement(tag)
            if tag == "w:fldChar":
                el.set(qn("w:fldCharType"), value)
            else:
                el.set(qn("xml:space"), "preserve")
                el.text = value
            run._element.append(el)


def _font(font: object, element: object, name: str, size: Pt) -> None:
    """Name the font for Latin and East Asian text alike, at the given size."""
    font.name, font.size = name, size  # type: ignore[attr-defined]
    rpr = element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
