"""Helpers for the workbook and mail-out tests: a small campaign's mailbox, and
reading the workbooks back with openpyxl the way an official would see them."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl

from pipeline.service.runner import run_once
from tests.builders import CHINA, make_docx, make_mail
from tests.conftest import Workspace

# the sheets of every roll-up workbook, in order
SHEETS = ["概况", "汇总", "工作摘要", "明细", "分类统计", "未报送", "待处理"]
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


def at(day: int, hour: int = 9, month: int = 5) -> datetime:
    return datetime(2024, month, day, hour, 0, tzinfo=CHINA)


def season(ws: Workspace) -> None:
    """Mail of the 2024 campaign (13–19 May, deadline 17 May 23:59):

    观音桥 reports on time, then sends a correction; 华新街 reports late (20 May);
    五里店 sends two photos with its report; 区教委 forwards only a notice;
    石马河 sends an unreadable attachment; 区发改委 sends a subject that looks
    like a formula; a stranger writes; 复盛镇 reports in April (out of window).
    """
    mails = [
        ("guanyinqiao@jiangbei.example", "观音桥街道节能宣传周工作总结", at(16),
         "组织干部职工收看全国节能宣传周启动仪式直播。悬挂横幅12条，参与干部职工120人。", []),
        ("guanyinqiao@jiangbei.example", "【更正】观音桥街道节能宣传周工作总结", at(17),
         "更正：悬挂横幅10条，参与干部职工150人，组织收看启动仪式直播，开展节能知识竞赛。", []),
        ("huaxinjie@jiangbei.example", "华新街街道节能宣传周总结", at(20, 8),
         "华新街街道开展节能知识竞赛1场，发放宣传资料300份。", []),
        ("wulidian@jiangbei.example", "五里店街道节能宣传周工作动态", at(15),
         "五里店街道倡导干部职工绿色出行，少开一天车，共50人参加。",
         [("活动1.jpg", JPEG), ("活动2.jpg", JPEG + b"2")]),
        ("jw@jiangbei.example", "关于开展2024年节能宣传周活动的通知", at(14),
         "关于开展2024年节能宣传周活动的通知\n各学校：请组织师生绿色出行，节约用电。", []),
        ("shimahe@jiangbei.example", "石马河街道总结", at(16), "详见附件。",
         [("石马河街道总结.docx", make_docx(["内容"])[:300])]),
        ("fgw@jiangbei.example", '=HYPERLINK("http://evil.example","点我")', at(16),
         "区发改委组织干部职工绿色出行。", []),
        ("stranger@example.org", "咨询", at(16), "请问节能宣传周的材料格式有要求吗？", []),
        ("fusheng@jiangbei.example", "复盛镇节能工作", at(2, 9, 4),
         "复盛镇组织干部职工绿色出行。", []),
    ]  # fmt: skip
    for n, (sender, subject, when, body, attachments) in enumerate(mails, start=1):
        ws.add(
            make_mail(
                sender=sender,
                subject=subject,
                body=body,
                attachments=attachments,
                date=when,
                received=when,  # the bureau's server took it in at once
                message_id=f"<m{n}@jiangbei.example>",
            )
        )


def processed(ws: Workspace, extra_config: str = "") -> Workspace:
    """Season mailbox processed; `extra_config` appended to config.toml."""
    if extra_config:
        with ws.config_path.open("a", encoding="utf-8") as fh:
            fh.write("\n" + extra_config)
    season(ws)
    result = run_once(ws.config)
    assert result.error is None and result.failed == 0
    return ws


def table(path: Path, sheet: str) -> list[dict[str, object]]:
    """Data rows of a sheet as dicts (header on row 2), group heading rows left out."""
    ws = openpyxl.load_workbook(path)[sheet]
    values = list(ws.iter_rows(min_row=2, values_only=True))
    header = values[0]
    out = []
    for row in values[1:]:
        if row[0] is not None and all(v is None for v in row[1:]):
            continue  # a heading row (merged across the table)
        out.append(dict(zip(header, row, strict=True)))
    return out


def by_unit(path: Path) -> dict[str, dict[str, object]]:
    return {str(r["单位名称"]): r for r in table(path, "汇总")}
