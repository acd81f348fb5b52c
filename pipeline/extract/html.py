"""HTML attachments (.htm, .html, .mht bodies) to plain text (the parser is parse.html)."""

from __future__ import annotations

from pipeline.extract import reader
from pipeline.extract.text import decode_text
from pipeline.parse.html import html_to_text


@reader("html")
def read_html(data: bytes) -> str:
    return html_to_text(decode_text(data))
