"""The weekly and cumulative workbooks and the summary draft, printed: through
LibreOffice headless to PDF, measured with pdfminer and poppler the way the
official who prints them and the leader who reads them see the pages.

LibreOffice is the strictest reader at hand: it renders what Excel would show,
and a workbook it cannot lay out (or Chinese text without a font) shows up here
as missing pages or missing text. Needs libreoffice, a CJK font and
poppler-utils (scripts/install-deps.sh --test installs them).
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from pipeline.process import load_rulebook
from pipeline.rollup.report import summary_path, write_report
from pipeline.service.runner import open_store
from tests.builders import CHINA, make_mail
from tests.conftest import Workspace
from tests.printkit import Page, layout_text, need_tools, pages, render_pdf
from tests.reportkit import at, processed, table

NOW = datetime(2024, 5, 27, 8, 0, tzinfo=CHINA)
A4_LANDSCAPE, A4_PORTRAIT = (842, 595), (595, 842)


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The season (plus a mail from the week before the campaign) in print."""
    need_tools()
    root = tmp_path_factory.mktemp("print")
    ws = Workspace(root)
    ws.add(make_mail(sender="cuntan@jiangbei.example", subject="寸滩街道节能宣传周预热",
                     body="寸滩街道组织干部职工绿色出行，参与干部职工60人。", date=at(9),
                     message_id="<early@x>"))  # fmt: skip
    processed(ws)
    config = ws.config
    store = open_store(config)
    try:
        book = load_rulebook(config.rules_dir)
        weekly = write_report(store, config, book, week="2024-W20", now=NOW)
        total = write_report(store, config, book, now=NOW)
    finally:
        store.close()
    files = [weekly, total, summary_path(weekly)]
    pdfs = render_pdf(files, root / "pdf")
    return {"weekly": weekly, "total": total, "pdfs": pdfs, "pages": [pages(p) for p in pdfs]}


def sheet_pages(book: list[Page], sheet: str) -> list[Page]:
    """The pages of one sheet: its name follows the title repeated on every page."""
    return [p for p in book if re.search(rf"汇总（[^）]*）\s*{sheet}\s", p.text)]


@pytest.mark.parametrize("which", [0, 1])
def test_every_sheet_prints_at_nine_points_or_more(printed: dict, which: int) -> None:
    book = printed["pages"][which]
    for page in book:
        assert (round(page.width), round(page.height)) == A4_LANDSCAPE
        assert page.smallest >= 9, (page.number, page.text[:80], page.smallest)
    counts = {s: len(sheet_pages(book, s)) for s in
              ("概况", "汇总", "工作摘要", "明细", "分类统计", "未报送", "待处理")}  # fmt: skip
    assert counts["概况"] == 1  # the leaders' page is one page
    assert 2 <= counts["汇总"] <= 4  # ~50 units, 4 headings, 4 小计 and 合计 at 10 pt
    assert all(n >= 1 for n in counts.values()), counts
    assert sum(counts.values()) == len(book) <= 16, counts
    text = "".join(p.text for p in book)
    for expected in ("观音桥街道办事处", "合计", "小计", "按时·附件待核", "各类活动开展单位数",
                     "新到", "人次", "第 1 页，共"):  # fmt: skip
        assert expected in text, expected


def test_the_total_row_is_the_sum_of_the_unit_rows(printed: dict) -> None:
    rows = table(printed["weekly"], "汇总")
    units = [r for r in rows if r["序号"] is not None]
    header = list(rows[0])
    ticks = header[header.index("新到") + 1 : header.index("参与人数")]
    sums = header[header.index("参与人数") : header.index("照片数") + 1]
    reported = sum(r["报送状态"] != "未报送" for r in units)
    expected = [reported, len(units), sum(r["新到"] == "新" for r in units),
                *(sum(r[t] == "✓" for r in units) for t in ticks),
                *(sum(int(r[c] or 0) for r in units) for c in sums)]  # fmt: skip
    text = layout_text(printed["pdfs"][0])
    (line,) = [ln for ln in text.splitlines() if re.match(r"\s*合计\s", ln)]
    assert [int(n) for n in re.findall(r"\d+", line)] == expected
    assert expected[0] == 5 and sum(expected[3:10]) > 0  # not a table of zeros
    # the 小计 rows add up to the 合计 too
    subtotals = [ln for ln in text.splitlines() if re.match(r"\s*小计\s", ln)]
    assert len(subtotals) == 4
    columns = list(
        zip(*([int(n) for n in re.findall(r"\d+", ln)] for ln in subtotals), strict=True)
    )
    assert [sum(c) for c in columns] == [int(n) for n in re.findall(r"\d+", line)]


def test_the_cumulative_book_starts_with_the_campaign_and_shows_real_change(
    printed: dict,
) -> None:
    stats = sheet_pages(printed["pages"][1], "分类统计")
    text = re.sub(r"\s+", "", "".join(p.text for p in stats))  # headers wrap
    assert "截至5月19日" in text and "截至5月26日" in text and "较上周" in text
    assert "截至5月12日" not in text and "W19" not in text and "W2" not in text
    rows = {r["项目"]: r for r in table(printed["total"], "分类统计")}
    # 寸滩's mail from 9 May counts from the campaign's first week on
    assert rows["绿色出行"]["截至5月19日"] == 3
    assert rows["逾期"]["较上周"] == 1  # 华新街, on 20 May
    assert any(r["较上周"] for r in rows.values())


def test_the_summary_prints_as_an_official_document(printed: dict) -> None:
    doc = printed["pages"][2]
    assert 2 <= len(doc) <= 4
    for page in doc:
        assert (round(page.width), round(page.height)) == A4_PORTRAIT
        assert page.smallest >= 14  # 3号 body, 2号 title, 4号 page numbers
        # body and title lines inside the text area (its bottom 35 mm above the edge)
        lines = {round(y) for y, size in page.chars if size >= 15.5 and y < 842 - 99}
        # 22 lines a page, 28.95 pt apart (the title's two lines 35 pt); only the last
        # page may be short
        assert len(lines) <= 22, (page.number, len(lines))
        assert page is doc[-1] or len(lines) >= 21, (page.number, len(lines))
        assert f"— {page.number} —" in page.text.replace("\n", " ")
    text = re.sub(r"\s+", "", "".join(p.text for p in doc))
    for expected in ("工作开展情况的报告", "一、总体情况", "二、各项活动开展情况", "三、典型做法",
                     "四、存在问题", "观音桥街道办事处", "石马河街道办事处"):  # fmt: skip
        assert expected in text, expected
