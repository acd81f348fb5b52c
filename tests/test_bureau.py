"""The bureau that receives the reports (roster `recipient`) is no reporting unit
anywhere (issue 17): not in 汇总, 未报送, 分类统计's share of the roster, the
weekly mail's counts, nor the reminders; its own mail still shows in 明细."""

from __future__ import annotations

from pathlib import Path

from pipeline.mailout.send import send_weekly_report
from pipeline.process import load_rulebook
from pipeline.service.runner import run_once
from tests.builders import make_mail
from tests.conftest import Workspace
from tests.reportkit import at, by_unit, processed, table
from tests.smtpd import SmtpServer

BUREAU = "重庆市江北区机关事务管理局"


def test_the_bureau_is_not_a_reporting_unit(workspace: Workspace, tmp_path: Path) -> None:
    smtp = SmtpServer(tmp_path)
    processed(workspace, smtp.config() + '[send]\nreport_to = ["leader@jiangbei.example"]\n')
    workspace.add(make_mail(sender="jgswj@jiangbei.example", subject="转发：节能宣传周通知",
                            body="关于开展2024年节能宣传周活动的通知", date=at(14),
                            message_id="<bureau@x>"))  # fmt: skip
    result = run_once(workspace.config)
    assert result.workbook is not None
    roster = load_rulebook(workspace.config.rules_dir).roster
    reporting = len(roster.units) - 1
    summary = by_unit(result.workbook)
    units = {name for name in summary if not name.startswith(("小计", "合计"))}  # issue 18's rows
    assert BUREAU not in summary and len(units) == reporting
    missing = [r["单位名称"] for r in table(result.workbook, "未报送")]
    assert BUREAU not in missing and missing
    assert any(r["单位"] == BUREAU for r in table(result.workbook, "明细"))  # still listed

    sent = send_weekly_report(workspace.config, "2024-W20", dry_run=True, now=at(27))
    (mail,) = [o.mail for o in sent.outcomes]
    assert mail.attachment is not None
    week = by_unit(mail.attachment)
    assert BUREAU not in week
    expected = sum(1 for r in week.values() if r["报送状态"] == "未报送")
    assert f"未报送 {expected}）" in mail.subject
    assert f"名册内共 {reporting} 个单位" in mail.body and BUREAU not in mail.body
