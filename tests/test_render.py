"""The workbook through LibreOffice headless to PDF, read back with poppler.

LibreOffice is the strictest reader at hand: it renders what Excel would show,
and a workbook it cannot lay out (or one whose Chinese text has no font) shows
up here as missing pages or missing text. Needs libreoffice-calc, a CJK font and
poppler-utils (scripts/install-deps.sh --test installs them).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from pipeline.process import load_rulebook
from pipeline.rollup.report import write_report
from pipeline.service.runner import open_store
from tests.builders import CHINA
from tests.conftest import Workspace
from tests.reportkit import processed

TOOLS = ("soffice", "pdfinfo", "pdftotext", "fc-list")


def render_pdf(book: Path, out_dir: Path) -> Path:
    """Convert with a private LibreOffice profile (no clash with a running instance)."""
    profile = out_dir / "lo-profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(out_dir), str(book)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    pdf = out_dir / (book.stem + ".pdf")
    assert pdf.is_file(), f"LibreOffice wrote no PDF for {book.name}"
    return pdf


def test_workbook_renders_to_pdf_with_its_chinese_text(
    workspace: Workspace, tmp_path: Path
) -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}: run scripts/install-deps.sh --test")
    fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True)
    assert fonts.stdout.strip(), "no Chinese font installed: run scripts/install-deps.sh --test"
    processed(workspace)
    config = workspace.config
    store = open_store(config)
    try:
        book = write_report(
            store, config, load_rulebook(config.rules_dir), week="2024-W20",
            now=datetime(2024, 5, 20, 8, 0, tzinfo=CHINA),
        )  # fmt: skip
    finally:
        store.close()
    pdf = render_pdf(book, tmp_path)

    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)[1])  # type: ignore[index]
    # 汇总 (49 units, one page wide), 明细, 分类统计 with its chart on one page,
    # 未报送 and 待处理: every sheet prints, none explodes into dozens of pages
    assert 5 <= pages <= 10, pages
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in ("江北区节能宣传周汇总", "观音桥街道办事处", "未报送", "各类活动开展单位数",
                     "绿色出行", "待处理", "第 1 页，共"):  # fmt: skip
        assert expected in text, expected
    assert "=HYPERLINK(" in text  # shown as the text it is; a live formula would show 点我
    fonts_used = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert re.search(r"WenQuanYi|Noto\w*CJK\w*SC|Noto Sans CJK SC", fonts_used), fonts_used
