"""HTML (mail bodies, and .htm attachments through extract) to plain text with the stdlib parser."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK = {
    "p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "section", "article", "blockquote", "pre", "hr", "title",
}  # fmt: skip
_SKIP = {"script", "style", "head"}


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skipping += 1
        elif tag in _BLOCK:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append("\t")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:  # source layout whitespace is not text; cells get real tabs
            self.parts.append(re.sub(r"[ \t\r\n\f\v]+", " ", data))


def html_to_text(html: str) -> str:
    """Visible text of an HTML document, one block per line."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    lines = (_clean_line(line) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _clean_line(line: str) -> str:
    """Collapse spaces, keep one tab between table cells, drop empty leading cells."""
    line = re.sub(r"[ \u3000]+", " ", line)
    line = re.sub(r" ?\t[ \t]*", "\t", line)
    return line.strip(" \t")
