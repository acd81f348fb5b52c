"""Render workbooks and documents through LibreOffice headless to PDF and measure
what a reader of the printout sees: pages, page size, the smallest font on each
page (pdfminer's character sizes; `pdftotext -bbox` heights run ~1.3x the size)
and the text. Needs libreoffice, poppler-utils and a CJK font (install-deps --test)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

TOOLS = ("soffice", "pdfinfo", "pdftotext", "fc-list")


def need_tools() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: run scripts/install-deps.sh --test")
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True)
    assert fonts.stdout.strip(), "no Chinese font installed: run scripts/install-deps.sh --test"


def render_pdf(files: list[Path], out_dir: Path) -> list[Path]:
    """Convert in one LibreOffice call (start-up dominates), with a private profile."""
    profile = out_dir / "lo-profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(out_dir), *map(str, files)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdfs = [out_dir / (f.stem + ".pdf") for f in files]
    for pdf in pdfs:
        assert pdf.is_file(), f"LibreOffice wrote no PDF for {pdf.stem}"
    return pdfs


@dataclass(frozen=True)
class Page:
    number: int
    width: float  # points
    height: float
    text: str
    smallest: float  # the smallest font size of any character, in points
    lines: list[tuple[float, str]]  # (y from the top, text) per text line
    chars: list[tuple[float, float]]  # (y from the top, size) per visible character


def pages(pdf: Path) -> list[Page]:
    """Every page with its text and smallest character size."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTChar, LTTextContainer, LTTextLine

    def walk(node: object, height: float, chars: list, lines: list) -> None:
        if isinstance(node, LTChar):
            if node.get_text().strip():
                chars.append((round(height - node.y0, 1), round(node.size, 1)))
            return
        if isinstance(node, LTTextLine):
            lines.append((round(height - node.y0, 1), node.get_text().strip()))
        for child in getattr(node, "_objs", []) or []:
            walk(child, height, chars, lines)

    out = []
    for number, layout in enumerate(extract_pages(str(pdf)), start=1):
        chars: list[tuple[float, float]] = []
        lines: list[tuple[float, str]] = []
        walk(layout, layout.height, chars, lines)
        text = "".join(e.get_text() for e in layout if isinstance(e, LTTextContainer))
        smallest = min((size for _, size in chars), default=0.0)
        out.append(Page(number, layout.width, layout.height, text, smallest, sorted(lines),
                        chars))  # fmt: skip
    return out


def layout_text(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
