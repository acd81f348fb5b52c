"""The summary: one to three of the document's own sentences naming what was done."""

from __future__ import annotations

import re

import pytest

from pipeline.process import Rulebook
from pipeline.tag import analyse
from pipeline.tag.passages import unwrap
from pipeline.tag.summary import MAX_CHARS
from tests.conftest import REPO

DOCS = sorted((REPO / "bench" / "devset").glob("*.txt"))


def pieces(summary: str) -> list[str]:
    return [p for p in re.split(r"[。！？；…]", summary) if p]


def test_summary_names_what_was_done_not_the_background(rulebook: Rulebook) -> None:
    text = (
        "某街道2024年节能宣传周工作总结\n"
        "区机关事务管理局：\n"
        "为深入贯彻习近平生态文明思想，认真落实区局通知要求，我街道高度重视，精心组织，"
        "现将有关情况报告如下。\n"
        "一、加强组织领导。街道召开专题会议，明确责任分工。\n"
        "二、营造宣传氛围。在办公楼前悬挂节能宣传横幅5条。\n"
        "三、组织收看直播。5月13日组织干部职工收看启动仪式直播。\n"
        "四、践行绿色办公。机关食堂开展光盘行动，推行双面打印。\n"
    )
    summary = analyse(text, rulebook.rules).summary
    assert "为深入贯彻" not in summary and "如下" not in summary
    assert summary == (
        "在办公楼前悬挂节能宣传横幅5条。5月13日组织干部职工收看启动仪式直播。"
        "机关食堂开展光盘行动，推行双面打印。"
    )


def test_a_cover_note_is_summarised_by_its_own_sentence(rulebook: Rulebook) -> None:
    summary = analyse("您好，附件为我局节能宣传周活动总结，请查收。", rulebook.rules).summary
    assert summary == "您好，附件为我局节能宣传周活动总结，请查收。"


@pytest.mark.parametrize("path", DOCS, ids=[p.name for p in DOCS])
def test_every_devset_summary_is_short_and_made_of_the_documents_sentences(
    path, rulebook: Rulebook
) -> None:
    text = path.read_text(encoding="utf-8")
    summary = analyse(text, rulebook.rules).summary
    assert 0 < len(summary) <= MAX_CHARS
    assert 1 <= len(re.findall(r"[。！？…]", summary)) <= 3
    flat = unwrap(text).replace("\n", "")
    for piece in pieces(summary):
        assert piece in flat, piece
