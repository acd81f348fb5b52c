"""Mail as it behaves in the real mail world, through a real SMTP server on
loopback (aiosmtpd) and the real pipeline: what comes back after mailroll
writes (replies, auto-replies, bounces), the same mail by two paths, pacing
against a server that refuses bursts, attachment names for QQ Mail, and
`mailroll check` trying the SMTP login."""

from __future__ import annotations

import base64
import email
import email.policy
import itertools
import re
import smtplib
from collections.abc import Iterator
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import SendConfig
from pipeline.mailout.pacing import Pacer, is_busy
from pipeline.mailout.send import send_receipts, send_reminders, send_weekly_report
from pipeline.parse import parse
from pipeline.service.runner import run_once
from tests.builders import make_docx, make_mail
from tests.conftest import Workspace
from tests.reportkit import at, by_unit, processed, table
from tests.smtpd import PASSWORD, USER, SmtpServer
from tests.test_replies import bounce
from tests.test_send import ON, REMIND_DAY, sent_rows


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path).start()
    yield server
    server.stop()


def receipt_to(smtp: SmtpServer, address: str, subject_part: str) -> email.message.EmailMessage:
    (got,) = [r.message for r in smtp.inbox.to(address) if subject_part in r.message["Subject"]]
    return got


def reply_to(receipt: email.message.EmailMessage, sender: str, own: str, when: int) -> bytes:
    """A unit's reply from QQ Mail: own words above the quoted receipt."""
    quoted = receipt.get_body(("plain",)).get_content()
    body = (f"{own}\n\n\n------------------&nbsp;原始邮件&nbsp;------------------\n"
            f'发件人: "江北区机关事务管理局"<{receipt["From"].addresses[0].addr_spec}>;\n'
            f"发送时间: 2024年5月17日(星期五) 中午12:00\n收件人: <{sender}>;\n"
            f"主题: {receipt['Subject']}\n\n{quoted}")  # fmt: skip
    return make_mail(sender=sender, subject=f"回复：{receipt['Subject']}", body=body,
                     date=at(17, when), received=at(17, when),
                     in_reply_to=receipt["Message-ID"],
                     message_id=f"<reply{when}@jiangbei.example>")  # fmt: skip


def yuzui_report(path: str) -> bytes:
    """鱼嘴镇's report, as it reached the bureau by one of two paths (two bureau
    addresses): the same mail, with other headers, hence other bytes."""
    return make_mail(
        sender="yuzui@jiangbei.example", subject="鱼嘴镇节能宣传周工作总结", body="详见附件。",
        attachments=[("鱼嘴镇总结.docx", make_docx(["鱼嘴镇组织干部职工绿色出行，少开一天车。"]))],
        date=at(17, 10), received=at(17, 10), message_id="<yz-report@jiangbei.example>",
        headers=[("Delivered-To", path), ("X-QQ-Mailbox", path)],
    )  # fmt: skip


def test_what_comes_back_is_recognised_and_never_answered(
    workspace: Workspace, smtp: SmtpServer
) -> None:
    processed(workspace, smtp.config() + ON)
    config = workspace.config
    first = send_receipts(config, at(17, 12))
    assert first.count("sent") == 5
    gyq = receipt_to(smtp, "guanyinqiao@jiangbei.example", "回执：观音桥街道节能宣传周工作总结")
    wld = receipt_to(smtp, "wulidian@jiangbei.example", "回执")
    assert "识别到的活动" in gyq.get_body(("plain",)).get_content()
    workspace.add(reply_to(gyq, "guanyinqiao@jiangbei.example", "收到，谢谢！", 13))
    fix = "更正：我街道还组织干部职工绿色出行，少开一天车，参与80人。"
    workspace.add(reply_to(gyq, "guanyinqiao@jiangbei.example", fix, 14))
    auto = make_mail(
        sender="wulidian@jiangbei.example", subject=f"自动回复：{wld['Subject']}",
        body="您好，我正在休假，5月20日返回。", date=at(17, 13), received=at(17, 13),
        message_id="<auto@jiangbei.example>",
        headers=[("Auto-Submitted", "auto-replied"), ("X-Autoreply", "yes")],
    )  # fmt: skip
    workspace.add(auto)
    workspace.add(bounce())
    workspace.add(smtp.inbox.to("wulidian@jiangbei.example")[0].raw)  # our own receipt, back
    workspace.add(yuzui_report("jbjgswj@example.com"))
    workspace.add(yuzui_report("jgswj@jiangbei.example"))
    assert run_once(config).failed == 0

    second = send_receipts(config, at(17, 15))
    sent = [o.mail for o in second.outcomes if o.status == "sent"]
    assert [m.recipient for m in sent] == ["yuzui@jiangbei.example"]  # the report, once
    assert len(smtp.inbox.to("yuzui@jiangbei.example")) == 1
    assert not [r for r in smtp.inbox.received if "回复" in r.message["Subject"]]  # no loop

    book = run_once(config).workbook
    assert book is not None
    details = {(r["主题"], r["计入情况"]) for r in table(book, "明细")}
    assert (f"回复：{gyq['Subject']}", "回复本局回执/汇总表的邮件，不计入") in details
    assert (f"自动回复：{wld['Subject']}", "自动回复，不计入") in details
    assert ("系统退信", "退信/投递失败通知，不计入") in details
    assert (wld["Subject"], "本局发出的邮件，不计入") in details
    yuzui = [r["计入情况"] for r in table(book, "明细") if r["文件"] == "鱼嘴镇总结.docx"]
    assert sorted(yuzui) == ["计入", "重复邮件（同一邮件经两条途径收到），不计入"]
    units = by_unit(book)
    assert units["鱼嘴镇人民政府"]["报送次数"] == 1
    assert units["观音桥街道办事处"]["报送次数"] == 2  # the replies add nothing
    assert units["五里店街道办事处"]["报送次数"] == 1
    assert units["观音桥街道办事处"]["绿色出行"] in (None, "")  # the correction is not taken
    review = [r for r in table(book, "待处理") if "回复本局回执" in str(r["问题"])]
    assert len(review) == 1 and review[0]["发件地址"] == "guanyinqiao@jiangbei.example"
    # the bounce's sender is no unknown unit waiting for a decision
    daemon = [r for r in table(book, "待处理") if r["发件地址"] == "mailer-daemon@qq.example"]
    assert daemon == []


def test_one_message_id_with_other_contents_is_kept_and_flagged(workspace: Workspace) -> None:
    processed(workspace)
    workspace.add(yuzui_report("jbjgswj@example.com"))
    other = make_mail(sender="yuzui@jiangbei.example", subject="鱼嘴镇节能宣传周工作总结",
                      body="鱼嘴镇组织收看节能宣传周启动仪式直播。", date=at(17, 11),
                      message_id="<yz-report@jiangbei.example>")  # fmt: skip
    workspace.add(other)
    book = run_once(workspace.config).workbook
    assert book is not None
    rows = {r["文件"]: r["计入情况"] for r in table(book, "明细")
            if r["发件地址"] == "yuzui@jiangbei.example"}  # fmt: skip
    flag = "计入（另有 Message-ID 相同但内容不同的邮件，请核对）"
    assert rows == {"鱼嘴镇总结.docx": flag, "正文": flag}
    assert by_unit(book)["鱼嘴镇人民政府"]["报送次数"] == 2


@pytest.mark.parametrize(
    "reply", ["550 Connection frequency limited", "421 4.7.0 Too many connections, try later"]
)
def test_a_frequency_refusal_mid_batch_is_waited_out(
    workspace: Workspace, smtp: SmtpServer, reply: str
) -> None:
    paced = ON.replace("pause_seconds = 0", "pause_seconds = 0.02") + (
        "busy_wait_seconds = 0.4\nbusy_give_up_minutes = 1\n"
    )
    processed(workspace, smtp.config() + paced)
    smtp.inbox.throttle_after, smtp.inbox.throttle_seconds = 5, 1.0
    smtp.inbox.throttle_reply = reply
    result = send_reminders(workspace.config, REMIND_DAY)
    planned = [o.mail for o in result.outcomes if o.mail.to]
    assert len(planned) > 10 and result.count("sent") == len(planned)
    assert smtp.inbox.throttled_at  # the server did refuse ...
    addresses = [a for m in planned for a in m.to]
    got = [a for r in smtp.inbox.received for a in r.recipients]
    assert sorted(got) == sorted(addresses)  # ... and every mail arrived once
    assert {row[3] for row in sent_rows(workspace)} == {"sent"}
    # one connection for the batch; a 421 closes it, so it is opened again after each wait
    refusals = len(smtp.inbox.throttled_at)
    assert smtp.inbox.sessions == (1 if reply.startswith("550") else 1 + refusals)


def test_a_server_that_keeps_refusing_leaves_the_rest_for_the_next_run(
    workspace: Workspace, smtp: SmtpServer
) -> None:
    paced = ON + "busy_wait_seconds = 0.2\nbusy_give_up_minutes = 0.01\n"  # 0.6 s of waiting
    processed(workspace, smtp.config() + paced)
    smtp.inbox.throttle_after, smtp.inbox.throttle_seconds = 3, 60
    args = ["--config", str(workspace.config_path), "send", "reminders", "--at", "2024-05-16 08:00"]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 3, out.output
    assert "[server busy]" in out.output and "frequency limited" in out.output
    assert "[postponed]" in out.output and len(smtp.inbox.received) == 3
    smtp.inbox.throttle_after = None  # the next run, once the server calms down
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0, again.output
    got = [a for r in smtp.inbox.received for a in r.recipients]
    assert len(got) == len(set(got))  # nothing twice


def test_the_attachment_name_reads_back_from_both_headers(
    workspace: Workspace, smtp: SmtpServer
) -> None:
    processed(workspace, smtp.config() + ON)
    send_weekly_report(workspace.config, "2024-W20")
    raw = smtp.inbox.received[0].raw
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")  # every header is 7-bit
    assert re.search(r"^Subject: =\?utf-8\?b\?", head, re.M | re.I)
    name = "江北区节能宣传周汇总_2024-W20.xlsx"
    part = next(p for p in email.message_from_bytes(raw).walk() if p.get_filename())
    for header, param in (("Content-Type", "name"), ("Content-Disposition", "filename")):
        value = part.get_param(param, header=header)
        assert isinstance(value, str) and value.startswith("=?UTF-8?B?"), value
        assert str(make_header(decode_header(value))) == name
    assert b"filename*" not in raw and b"name*" not in raw  # RFC 2231: QQ shows tcmime.*.bin
    assert [a.filename for a in parse(raw).attachments] == [name]
    # a QQ-style reader: the base64 word as it is, joined
    words = re.findall(r"=\?UTF-8\?B\?([^?]+)\?=", part["Content-Disposition"])
    assert b"".join(base64.b64decode(w) for w in words).decode() == name


def check(workspace: Workspace, env: dict[str, str] | None = None) -> tuple[int, str]:
    out = CliRunner(env=env).invoke(main, ["--config", str(workspace.config_path), "check"])
    assert "Traceback" not in out.output
    return out.exit_code, out.output


def test_check_logs_in_to_smtp_and_explains_failures(workspace: Workspace, tmp_path: Path) -> None:
    server = SmtpServer(tmp_path, tls=True).start()
    try:
        base = workspace.config_path.read_text(encoding="utf-8")
        cfg = server.config("starttls", username=USER, password_env="MAILROLL_TEST_SMTP",
                            ca_file=str(server.cert))  # fmt: skip
        workspace.config_path.write_text(base + cfg, encoding="utf-8")
        code, output = check(workspace, {"MAILROLL_TEST_SMTP": ""})
        assert code == 1 and "MAILROLL_TEST_SMTP is not set" in output
        code, output = check(workspace, {"MAILROLL_TEST_SMTP": "the-qq-password"})
        assert code == 1 and "授权码" in output and "the-qq-password" not in output
        code, output = check(workspace, {"MAILROLL_TEST_SMTP": PASSWORD})
        assert code == 0 and f"smtp: {USER} at 127.0.0.1:{server.port} (starttls) ok" in output
        assert server.inbox.logins[-1] == (USER, PASSWORD) and not server.inbox.received
        # implicit TLS against a server that starts plain: the port/SSL mismatch named
        wrong = cfg.replace('security = "starttls"', 'security = "ssl"')
        workspace.config_path.write_text(base + wrong, encoding="utf-8")
        code, output = check(workspace, {"MAILROLL_TEST_SMTP": PASSWORD})
        assert code == 1 and 'use security = "starttls"' in output
        lines = output.strip().splitlines()  # config, rules, mailbox ok, then one error line
        assert [line for line in lines if "error" in line] == lines[-1:]
    finally:
        server.stop()


def test_the_default_pace_is_qq_safe() -> None:
    """With the defaults, mails go at least pause_seconds apart and never more than
    per_minute in any 60 seconds (time itself is simulated: 40 mails take minutes)."""
    send = SendConfig()
    clock = [0.0]
    pacer = Pacer(send, clock=lambda: clock[0], sleep=lambda s: clock.__setitem__(0, clock[0] + s))
    times = []
    for _ in range(40):
        pacer.wait_turn()
        times.append(clock[0])
        pacer.sent()
    assert all(b - a >= send.pause_seconds for a, b in itertools.pairwise(times))
    assert max(sum(1 for t in times if start <= t < start + 60) for start in times) == 15
    assert send.per_minute == 15 and send.pause_seconds == 3


def test_only_too_fast_answers_are_waited_out() -> None:
    busy = [
        smtplib.SMTPSenderRefused(550, b"Connection frequency limited", "a@b"),
        smtplib.SMTPSenderRefused(421, b"4.7.0 Too many connections", "a@b"),
        smtplib.SMTPDataError(450, b"4.7.1 rate limit exceeded"),
        smtplib.SMTPRecipientsRefused({"x@y": (451, b"try again later")}),
    ]
    final = [
        smtplib.SMTPRecipientsRefused({"x@y": (550, b"5.1.1 mailbox unavailable")}),
        smtplib.SMTPDataError(554, b"DT:SPM message rejected as spam"),
        smtplib.SMTPServerDisconnected("lost"),
    ]
    assert all(is_busy(e) for e in busy) and not any(is_busy(e) for e in final)


def test_a_reply_to_a_reminder_is_the_units_report(workspace: Workspace, smtp: SmtpServer) -> None:
    """A 催报 asks for the report: the unit's reply carrying it counts (its quoted
    reminder is not read) and gets its receipt."""
    processed(workspace, smtp.config() + ON)
    config = workspace.config
    send_reminders(config, REMIND_DAY)
    (reminder,) = [r.message for r in smtp.inbox.to("yuzui@jiangbei.example")]
    quoted = reminder.get_body(("plain",)).get_content()
    own = "附件为我镇工作总结，请查收。"
    body = f"{own}\n\n-----Original Message-----\nFrom: 江北区机关事务管理局\n\n{quoted}"
    workspace.add(make_mail(
        sender="yuzui@jiangbei.example", subject=f"回复：{reminder['Subject']}", body=body,
        attachments=[("鱼嘴镇总结.docx", make_docx(["鱼嘴镇组织干部职工绿色出行，少开一天车。"]))],
        date=at(16, 15), received=at(16, 15), in_reply_to=reminder["Message-ID"],
        message_id="<yz-answer@jiangbei.example>",
    ))  # fmt: skip
    book = run_once(config).workbook
    assert book is not None
    assert by_unit(book)["鱼嘴镇人民政府"]["报送状态"] == "按时"
    result = send_receipts(config, at(16, 16))
    assert "yuzui@jiangbei.example" in {o.mail.recipient for o in result.outcomes}
