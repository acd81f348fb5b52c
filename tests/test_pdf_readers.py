"""PDFium serves first, pdfminer.six is the fallback: both must read the same text."""

from __future__ import annotations

from pipeline.extract.pdf import read_pdf, read_pdf_pdfium, read_pdf_pdfminer
from tests.builders import make_pdf

LINES = [
    "江北区观音桥街道2024年节能宣传周活动总结",
    "组织干部职工120人收看启动仪式直播，发放宣传资料3000份。",
    "低碳日当天停开公务用车8辆，办公区域空调温度不低于26℃。",
]


def _chars(text: str) -> str:
    return "".join(text.split())


def test_pdfium_and_pdfminer_read_the_same_chinese_text() -> None:
    data = make_pdf(LINES)
    fast, slow = read_pdf_pdfium(data), read_pdf_pdfminer(data)
    assert fast is not None
    assert _chars(fast) == _chars(slow) == _chars("".join(LINES))
    assert [line for line in fast.splitlines() if line.strip()] == LINES


def test_a_file_pdfium_cannot_open_goes_to_pdfminer() -> None:
    assert read_pdf_pdfium(b"%PDF-1.4 not really a pdf") is None


def test_read_pdf_uses_the_text_of_either_reader() -> None:
    assert _chars(read_pdf(make_pdf(LINES))) == _chars("".join(LINES))
