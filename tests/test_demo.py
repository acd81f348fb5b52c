"""`make run` on the demo mailbox fills every sheet with what the demo mails say."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from pipeline.service.runner import run_once
from tests.conftest import REPO, Workspace, write_config


def test_demo_mailbox_fills_every_sheet(workspace: Workspace) -> None:
    workspace.config_path = write_config(workspace.root, REPO / "demo" / "mail")
    result = run_once(workspace.config)
    demo_mails = len(list((REPO / "demo" / "mail").glob("*.eml")))
    assert demo_mails >= 28
    assert (result.new_mails, result.processed, result.failed) == (demo_mails, demo_mails, 0)
    assert isinstance(result.workbook, Path)
    wb = openpyxl.load_workbook(result.workbook)
    for sheet in wb.sheetnames:
        assert wb[sheet].max_row >= 4, f"{sheet} has no data rows"

    summary = {r[1]: r for r in wb["汇总"].iter_rows(min_row=3, values_only=True)}
    assert summary["观音桥街道办事处"][2] == "按时"
    assert summary["郭家沱街道办事处"][2] == "逾期"  # first mail on 20 May
    assert summary["重庆市江北区医疗保障局"][2] == "按时"  # 23:40 on the deadline day
    assert summary["五宝镇人民政府"][2] == "未报送"
    # the bureau (roster recipient) receives the reports: it is no reporting unit
    assert "重庆市江北区机关事务管理局" not in summary

    problems = [r["问题"] for r in rows(wb["待处理"])]
    assert problems.count("未能识别报送单位（待确认）") == 2
    assert any("损坏" in str(p) for p in problems)  # the corrupt docx and the broken pdf
    # a WPS 文字 attachment is read like any other document
    assert summary["复盛镇人民政府"][2] == "按时"

    kinds = [(r["主题"], r["文件"], r["材料类型"]) for r in rows(wb["明细"])]
    assert any(file == "复盛镇节能宣传周工作总结.wps" for _, file, _ in kinds)
    notice = "转发：重庆市机关事务管理局关于开展2024年节能宣传周和全国低碳日活动的通知"
    assert (notice, "正文", "通知") in kinds


def rows(ws: object) -> list[dict[str, object]]:
    """Data rows by header (row 2), as an official's filter sees them."""
    values = list(ws.iter_rows(min_row=2, values_only=True))  # type: ignore[attr-defined]
    return [dict(zip(values[0], r, strict=True)) for r in values[1:]]
