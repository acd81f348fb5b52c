"""Mail out through a real SMTP server on loopback (aiosmtpd), read back as it arrived."""

from __future__ import annotations

import io
import logging
import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.errors import SendError
from pipeline.mailout.outbox import Outgoing, save_claim
from pipeline.mailout.send import send_receipts, send_reminders, send_weekly_report
from pipeline.process import load_rulebook
from pipeline.service.runner import open_store, run_once
from tests.builders import CHINA, make_mail
from tests.conftest import Workspace
from tests.reportkit import SHEETS, at, processed
from tests.smtpd import PASSWORD, USER, SmtpServer

ON = """
[send]
report = true
report_to = ["leader@jiangbei.example", "clerk@jiangbei.example"]
reminders = true
reminder_days = [1, 0]
receipts = true
receipt_max_age_days = 3
pause_seconds = 0
per_minute = 1000
"""
REMIND_DAY = datetime(2024, 5, 16, 8, 0, tzinfo=CHINA)  # the day before the deadline's day
REPORTED = {"guanyinqiao", "huaxinjie", "wulidian", "shimahe", "fgw"}  # by 16 May 08:00


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path).start()
    yield server
    server.stop()


def sent_rows(ws: Workspace) -> list[tuple[str, ...]]:
    db = sqlite3.connect(ws.config.storage.database)
    try:
        return db.execute(
            "SELECT kind, recipient, ref, state FROM sent_mail ORDER BY rowid"
        ).fetchall()
    finally:
        db.close()


def test_weekly_report_arrives_with_a_workbook_that_opens(
    workspace: Workspace, smtp: SmtpServer
) -> None:
    processed(workspace, smtp.config() + ON)
    now = datetime(2024, 5, 27, 8, 0, tzinfo=CHINA)  # Monday of W22: last week is W21
    result = send_weekly_report(workspace.config, now=now)
    assert result.count("sent") == 2
    assert sorted(r.recipients[0] for r in smtp.inbox.received) == [
        "clerk@jiangbei.example",
        "leader@jiangbei.example",
    ]
    mail = smtp.inbox.received[0].message
    assert mail["Subject"].startswith("江北区节能宣传周汇总（5月20日—5月26日，已报送")
    assert mail["From"].addresses[0].display_name == "江北区机关事务管理局"
    body = mail.get_body(("plain",)).get_content()
    assert "逾期报送 1 个" in body and "鱼嘴镇人民政府" in body
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_filename() == "江北区节能宣传周汇总_2024-W21.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(attachment.get_content()))
    assert book.sheetnames == SHEETS
    # a second run, as after a restart: nothing goes out twice
    again = send_weekly_report(workspace.config, now=now)
    assert again.count("already sent") == 2 and again.count("sent") == 0
    assert len(smtp.inbox.received) == 2


def test_weekly_report_can_carry_the_summary_draft(workspace: Workspace, smtp: SmtpServer) -> None:
    processed(
        workspace,
        smtp.config() + ON.replace("report = true", "report = true\nreport_summary = true"),
    )
    now = datetime(2024, 5, 27, 8, 0, tzinfo=CHINA)
    assert send_weekly_report(workspace.config, now=now).count("sent") == 2
    mail = smtp.inbox.received[0].message
    body = mail.get_body(("plain",)).get_content()
    assert "5月20日至5月26日" in body  # dates, not the week's code (only the file name has it)
    assert "W21" not in body.replace("_2024-W21.xlsx", "") and "W21" not in mail["Subject"]
    book, draft = list(mail.iter_attachments())
    assert book.get_filename() == "江北区节能宣传周汇总_2024-W21.xlsx"
    assert draft.get_filename() == "江北区节能宣传周汇总_2024-W21_区级总结.docx"
    assert draft.get_content_type().endswith("wordprocessingml.document")
    text = [p.text for p in docx.Document(io.BytesIO(draft.get_content())).paragraphs]
    assert text[0].endswith("工作开展情况的报告") and "一、总体情况" in text


def test_reminders_go_only_to_units_still_missing_once_per_stage(
    workspace: Workspace, smtp: SmtpServer
) -> None:
    processed(workspace, smtp.config() + ON)
    config = workspace.config
    roster = {u.id: u for u in load_rulebook(config.rules_dir).roster.units}
    first = send_reminders(config, REMIND_DAY)
    reminded = {o.mail.recipient for o in first.outcomes if o.status == "sent"}
    expected = set(roster) - REPORTED - {"jgswj"}  # the bureau does not remind itself
    assert reminded == expected
    assert "jw" in reminded  # a notice is not a report
    yuzui = smtp.inbox.to("yuzui@jiangbei.example")
    assert len(yuzui) == 1 and "3076628145@example.com" in yuzui[0].recipients
    text = yuzui[0].message.get_body(("plain",)).get_content()
    assert text.startswith("鱼嘴镇人民政府：") and "5月17日 23:59" in text
    assert yuzui[0].message["Subject"].startswith("【催报】")
    for unit_id in REPORTED:
        assert not any(smtp.inbox.to(a) for a in roster[unit_id].senders)

    count = len(smtp.inbox.received)
    assert send_reminders(config, REMIND_DAY).count("sent") == 0  # a rerun sends nothing
    assert len(smtp.inbox.received) == count

    # 鱼嘴镇 reports; the next stage (one day before) skips it
    workspace.add(make_mail(sender="yuzui@jiangbei.example", subject="鱼嘴镇节能宣传周总结",
                            body="鱼嘴镇组织干部职工绿色出行。", date=at(16, 20),
                            message_id="<yz@x>"))  # fmt: skip
    run_once(config)
    second = send_reminders(config, datetime(2024, 5, 17, 8, 0, tzinfo=CHINA))
    again = {o.mail.recipient for o in second.outcomes if o.status == "sent"}
    assert again == expected - {"yuzui"}
    assert {o.mail.ref for o in second.outcomes} == {"D-0"}
    assert len(smtp.inbox.to("yuzui@jiangbei.example")) == 1
    # after the deadline nothing is due
    late = send_reminders(config, datetime(2024, 5, 18, 8, 0, tzinfo=CHINA))
    assert not late.outcomes and "not due" in late.note


def test_dry_run_prints_and_sends_nothing(workspace: Workspace, smtp: SmtpServer) -> None:
    processed(workspace, smtp.config() + ON)
    out = CliRunner().invoke(
        main,
        ["--config", str(workspace.config_path), "send", "reminders", "--at", "2024-05-16 08:00",
         "--dry-run"],
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "[would send] reminder → 鱼嘴镇人民政府 <yuzui@jiangbei.example" in out.output
    assert "主题：【催报】" in out.output  # the first mail in full
    assert smtp.inbox.received == [] and sent_rows(workspace) == []


def test_sending_is_off_by_default(workspace: Workspace, smtp: SmtpServer) -> None:
    processed(workspace, smtp.config())
    config = workspace.config
    assert not (config.send.report or config.send.reminders or config.send.receipts)
    for result in (
        send_weekly_report(config, "2024-W20"),
        send_reminders(config, REMIND_DAY),
        send_receipts(config, at(17)),
    ):
        assert not result.enabled and not result.outcomes and "off" in result.note
    out = CliRunner().invoke(main, ["--config", str(workspace.config_path), "send", "receipts"])
    assert out.exit_code == 0 and "off: set [send] receipts = true" in out.output
    assert smtp.inbox.received == []


def test_a_refused_mail_is_tried_again_on_the_next_run(
    workspace: Workspace, smtp: SmtpServer
) -> None:
    processed(workspace, smtp.config() + ON)
    smtp.inbox.refuse = {"fusheng@jiangbei.example"}
    args = ["--config", str(workspace.config_path), "send", "reminders", "--at", "2024-05-16 08:00"]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 3, out.output
    assert "[failed] reminder → 复盛镇人民政府" in out.output and "550" in out.output
    assert ("reminder", "fusheng", "D-1", "failed") in sent_rows(workspace)
    before = len(smtp.inbox.received)
    smtp.inbox.refuse = set()
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 0, out.output
    assert len(smtp.inbox.received) == before + 1
    assert smtp.inbox.to("fusheng@jiangbei.example")
    assert ("reminder", "fusheng", "D-1", "sent") in sent_rows(workspace)


def test_a_mail_cut_off_mid_send_is_not_repeated_unless_asked(
    workspace: Workspace, smtp: SmtpServer
) -> None:
    processed(workspace, smtp.config() + ON)
    config = workspace.config
    # a run claimed the reminder to 鱼嘴镇 and died before the server answered
    store = open_store(config)
    cut = Outgoing("reminder", "campaign", "yuzui", "D-1", ("yuzui@jiangbei.example",), "s", "b")
    message_id = save_claim(store, cut, "<cut@example.com>", resend_unsure=False)
    store.close()
    assert message_id == "<cut@example.com>"
    result = send_reminders(config, REMIND_DAY)
    unsure = [o for o in result.outcomes if o.status == "unsure"]
    assert [o.mail.recipient for o in unsure] == ["yuzui"]
    assert not smtp.inbox.to("yuzui@jiangbei.example")
    again = send_reminders(config, REMIND_DAY, resend_unsure=True)
    assert [o.mail.recipient for o in again.outcomes if o.status == "sent"] == ["yuzui"]
    (copy,) = smtp.inbox.to("yuzui@jiangbei.example")
    assert copy.message["Message-ID"] == "<cut@example.com>"  # the same mail, recognisably


def test_receipts_answer_each_counted_report_once(workspace: Workspace, smtp: SmtpServer) -> None:
    processed(workspace, smtp.config() + ON)
    # 17 May noon: mail dated and received 14 May noon or later (receipt_max_age_days = 3)
    result = send_receipts(workspace.config, at(17, 12))
    answered = [o.mail.ref for o in result.outcomes if o.status == "sent"]
    by_sender = {o.mail.recipient for o in result.outcomes if o.status == "sent"}
    assert by_sender == {
        "guanyinqiao@jiangbei.example",  # two reports: each answered once
        "wulidian@jiangbei.example",
        "shimahe@jiangbei.example",  # its attachment is unreadable: it still reported
        "fgw@jiangbei.example",
    }  # not 区教委 (a notice), the stranger (no roster unit), 复盛镇 (April: out of the
    # campaign), nor 华新街 (its report came on 20 May, after --at)
    assert len(answered) == len(set(answered)) == 5
    (fix,) = [r for r in smtp.inbox.to("guanyinqiao@jiangbei.example")
              if "更正" in r.message["Subject"]]  # fmt: skip
    assert fix.message["In-Reply-To"] == "<m2@jiangbei.example>"
    assert fix.message["Auto-Submitted"] == "auto-generated"
    body = fix.message.get_body(("plain",)).get_content()
    assert "报送单位：观音桥街道办事处" in body and "知识竞赛" in body
    shimahe = smtp.inbox.to("shimahe@jiangbei.example")[0].message.get_body(("plain",))
    assert "石马河街道总结.docx" in shimahe.get_content() and "损坏" in shimahe.get_content()
    count = len(smtp.inbox.received)
    assert send_receipts(workspace.config, at(17, 12)).count("sent") == 0
    assert len(smtp.inbox.received) == count
    # three days on, 华新街's late report is the only one new and young enough
    later = send_receipts(workspace.config, at(21, 9))
    assert [o.mail.recipient for o in later.outcomes if o.status == "sent"] == [
        "huaxinjie@jiangbei.example"
    ]


def test_a_first_backfill_sends_no_receipt_for_old_mail(
    workspace: Workspace, smtp: SmtpServer
) -> None:
    """Installed today over a mailbox of old reports: they were stored just now, but
    their Date and arrival are old, so none is answered."""
    for n, when in enumerate((at(16), at(17)), start=1):
        workspace.add(make_mail(sender="yuzui@jiangbei.example", subject="鱼嘴镇节能宣传周总结",
                                body="鱼嘴镇组织干部职工绿色出行。", date=when,
                                message_id=f"<old{n}@x>"))  # fmt: skip
    processed(workspace, smtp.config() + ON)  # arrival unknown: stored just now
    result = send_receipts(workspace.config)  # now, in the real present
    assert not result.outcomes and result.note == "no new reports to answer"
    assert smtp.inbox.received == []


def test_starttls_login_with_password_from_a_file_never_logged(
    workspace: Workspace, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = SmtpServer(tmp_path, tls=True).start()
    try:
        secret = tmp_path / "smtp-password"
        secret.write_text(PASSWORD + "\n", encoding="utf-8")
        cfg = server.config("starttls", username=USER, password_file=str(secret),
                            ca_file=str(server.cert))  # fmt: skip
        processed(workspace, cfg + ON)
        caplog.set_level(logging.DEBUG)
        result = send_weekly_report(workspace.config, "2024-W20")
        assert result.count("sent") == 2
        assert server.inbox.logins == [(USER, PASSWORD)]
        assert PASSWORD not in caplog.text
        secret.write_text("wrong-password\n", encoding="utf-8")
        with pytest.raises(SendError, match="授权码") as err:
            send_weekly_report(workspace.config, "2024-W19")
        assert "wrong-password" not in str(err.value)
    finally:
        server.stop()


def test_an_untrusted_certificate_is_one_clear_error(workspace: Workspace, tmp_path: Path) -> None:
    server = SmtpServer(tmp_path, tls=True).start()
    try:
        processed(workspace, server.config("starttls", username=USER,
                                           password_env="MAILROLL_TEST_SMTP") + ON)  # fmt: skip
        out = CliRunner(env={"MAILROLL_TEST_SMTP": PASSWORD}).invoke(
            main, ["--config", str(workspace.config_path), "send", "report", "--week", "2024-W20"]
        )
        assert out.exit_code == 1
        assert "not trusted" in out.output and "ca_file" in out.output
        assert "Traceback" not in out.output
        assert sent_rows(workspace) == []  # nothing claimed when the connection failed
    finally:
        server.stop()
