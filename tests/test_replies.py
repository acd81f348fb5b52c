"""Replies, auto-replies and bounces recognised from the mail itself; the quoted
part of a reply, written the way QQ Mail, Foxmail, Outlook and Apple Mail /
Thunderbird quote, is never read as evidence."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime

import pytest

from pipeline.models import Message
from pipeline.parse import parse
from pipeline.parse.screen import AUTO_REPLY, BOUNCE, own_text
from pipeline.process import Rulebook, process_message
from tests.builders import CHINA, make_mail
from tests.reportkit import at

# what a unit reported before, and what mailroll's receipt says back: both tag
EARLIER = (
    "组织干部职工收看全国节能宣传周启动仪式直播，开展节能知识竞赛1场。\n"
    "倡导干部职工绿色出行，少开一天车，参与干部职工120人。\n"
    "识别到的活动：节约用电、收看直播、知识竞赛、绿色出行"
)
HEADERS_CN = (
    '发件人: "江北区机关事务管理局"<jbjgswj@example.com>;\n'
    "发送时间: 2024年5月17日(星期五) 中午12:00\n"
    '收件人: "观音桥街道"<guanyinqiao@jiangbei.example>;\n'
    "主题: 回执：观音桥街道节能宣传周工作总结\n"
)


def qq_mail(own: str) -> str:  # QQ Mail web: &nbsp; survives in the text part
    mark = "------------------&nbsp;原始邮件&nbsp;------------------"
    return f"{own}\n\n\n{mark}\n{HEADERS_CN}\n{EARLIER}"


def foxmail(own: str) -> str:
    return (
        f"{own}\n \n \n------------------ Original ------------------\n"
        'From:  "江北区机关事务管理局"<jbjgswj@example.com>;\n'
        "Date:  Fri, May 17, 2024 12:00 PM\n"
        'To:  "guanyinqiao"<guanyinqiao@jiangbei.example>;\n'
        f"Subject:  回执：观音桥街道节能宣传周工作总结\n \n{EARLIER}"
    )


def outlook_cn(own: str) -> str:  # Outlook in Chinese: no separator line, a header block
    return (
        f"{own}\n\n发件人: 江北区机关事务管理局 <jbjgswj@example.com>\n"
        "发送时间: 2024年5月17日 12:00\n收件人: guanyinqiao@jiangbei.example\n"
        f"主题: 回执：观音桥街道节能宣传周工作总结\n\n{EARLIER}"
    )


def outlook_en(own: str) -> str:
    return (
        f"{own}\n\n-----Original Message-----\nFrom: jbjgswj@example.com\n"
        f"Sent: Friday, May 17, 2024 12:00 PM\nSubject: 回执\n\n{EARLIER}"
    )


def outlook_web(own: str) -> str:
    return (
        f"{own}\n\n________________________________\n发件人: 江北区机关事务管理局\n"
        "发送时间: 2024年5月17日 12:00\n收件人: guanyinqiao@jiangbei.example\n"
        f"主题: 回执：观音桥街道节能宣传周工作总结\n\n{EARLIER}"
    )


def apple_mail(own: str) -> str:  # Apple Mail, Thunderbird, Gmail: "在…写道：" and "> "
    quoted = "\n".join(f"> {line}" for line in EARLIER.splitlines())
    said = "在 2024年5月17日，12:00，江北区机关事务管理局 <jbjgswj@example.com> 写道："
    return f"{own}\n\n{said}\n\n{quoted}"


def inline_quotes(own: str) -> str:  # "> " lines between the writer's own lines
    quoted = "\n".join(f"> {line}" for line in EARLIER.splitlines())
    return f"{quoted}\n\n{own}"


FORMATS = [qq_mail, foxmail, outlook_cn, outlook_en, outlook_web, apple_mail, inline_quotes]


def reply(body: str, subject: str = "回复：回执：观音桥街道节能宣传周工作总结") -> Message:
    return parse(make_mail(subject=subject, body=body, in_reply_to="<receipt@example.com>"))


def test_the_quoted_text_alone_does_tag(rulebook: Rulebook) -> None:
    """The check below means something: the quoted text, as a mail of its own, tags."""
    sub = process_message(parse(make_mail(subject="观音桥街道总结", body=EARLIER)), rulebook)
    assert {"livestream", "quiz", "green_commute"} <= set(sub.categories)


@pytest.mark.parametrize("quote", FORMATS, ids=lambda f: f.__name__)
def test_a_reply_gives_no_tags_from_what_it_quotes(rulebook: Rulebook, quote: object) -> None:
    assert callable(quote)
    sub = process_message(reply(quote("收到，谢谢！")), rulebook)
    assert sub.categories == []
    assert [d.document.text for d in sub.documents] == ["收到，谢谢！"]


@pytest.mark.parametrize("quote", [qq_mail, foxmail, outlook_cn], ids=lambda f: f.__name__)
def test_a_correction_in_a_reply_tags_only_the_writers_own_words(
    rulebook: Rulebook, quote: object
) -> None:
    assert callable(quote)
    own = "更正：我街道5月16日还组织干部职工收看了节能宣传周启动仪式直播。"
    sub = process_message(reply(quote(own)), rulebook)
    assert sub.categories == ["livestream"]
    assert "收看" in sub.evidence["livestream"] and "竞赛" not in sub.evidence["livestream"]


def test_a_qq_mail_html_only_reply_drops_the_quote(rulebook: Rulebook) -> None:
    html = (
        "<div>收到，谢谢！</div><div><br></div>"
        '<div style="font-size: 12px;font-family: Arial Narrow;padding:2px 0 2px 0;">'
        "------------------&nbsp;原始邮件&nbsp;------------------</div>"
        '<div style="font-size: 12px;background:#efefef;padding:8px;">'
        '<div><b>发件人:</b>&nbsp;"江北区机关事务管理局"&lt;jbjgswj@example.com&gt;;</div>'
        "<div><b>发送时间:</b>&nbsp;2024年5月17日(星期五) 中午12:00</div></div>"
        + "".join(f"<div>{line}</div>" for line in EARLIER.splitlines())
    )
    raw = make_mail(subject="回复：回执：观音桥街道", body=None, html=html)
    sub = process_message(parse(raw), rulebook)
    assert sub.categories == []


def test_a_forward_keeps_the_mail_it_forwards(rulebook: Rulebook) -> None:
    """转发: the forwarded report is what the sender means to send."""
    body = f"请查收。\n\n------------------ 原始邮件 ------------------\n{HEADERS_CN}\n{EARLIER}"
    sub = process_message(parse(make_mail(subject="转发：观音桥街道总结", body=body)), rulebook)
    assert "livestream" in sub.categories


def test_own_text_keeps_a_report_that_quotes_nothing() -> None:
    text = "观音桥街道节能宣传周总结\n一、组织收看直播\n发件人：（盖章）\n日期：2024年5月17日"
    assert own_text(text) == text  # a 发件人 line not followed by a mail header block


def test_auto_replies_are_recognised() -> None:
    auto = [
        [("Auto-Submitted", "auto-replied")],
        [("X-Autoreply", "yes")],
        [("Precedence", "auto_reply")],
        [],  # the subject alone
    ]
    for headers in auto:
        subject = "自动回复：回执：五里店街道" if not headers else "回执：五里店街道"
        mail = parse(make_mail(subject=subject, body="您好，我正在休假，5月20日返回。",
                               headers=headers))  # fmt: skip
        assert mail.machine == AUTO_REPLY, headers
    for subject in ("休假自动回复", "Out of Office: 回执"):
        assert parse(make_mail(subject=subject, body="x")).machine == AUTO_REPLY
    person = parse(make_mail(subject="回复：回执", body="收到", headers=[("Auto-Submitted", "no")]))
    assert person.machine == ""
    for report in ("寸滩街道组织干部外出参观节能展示馆总结", "关于错峰休假期间节约用电的总结"):
        assert parse(make_mail(subject=report, body="总结")).machine == ""


def bounce(sender: str = "MAILER-DAEMON@qq.example", subject: str = "系统退信") -> bytes:
    """A delivery status notification (RFC 3464) with the bounced receipt inside."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "jbjgswj@example.com"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(at(17, 13))
    msg["Message-ID"] = "<bounce@qq.example>"
    msg.set_content("很抱歉您的邮件无法送达以下收件人：nobody@jiangbei.example")
    msg.add_attachment(
        "Reporting-MTA: dns; mx.qq.example\n\nFinal-Recipient: rfc822; nobody@jiangbei.example\n"
        "Action: failed\nStatus: 5.1.1\n",
        subtype="delivery-status",
    )
    msg.add_attachment(make_mail(subject="回执：观音桥", body=EARLIER), maintype="message",
                       subtype="rfc822")  # fmt: skip
    msg.replace_header("Content-Type", "multipart/report; report-type=delivery-status")
    return msg.as_bytes()


def test_bounces_are_recognised() -> None:
    assert parse(bounce()).machine == BOUNCE
    assert parse(make_mail(sender="postmaster@jiangbei.example", subject="x", body="y")).machine
    assert parse(make_mail(subject="退信：回执：观音桥", body="投递失败")).machine == BOUNCE
    assert parse(make_mail(subject="观音桥街道节能宣传周总结", body="总结")).machine == ""


def test_arrival_is_the_top_received_header() -> None:
    mail = parse(make_mail(subject="s", body="b", received=at(18, 7)))
    assert mail.arrived == at(18, 7) and mail.arrived.utcoffset() == CHINA.utcoffset(None)
    assert parse(make_mail(subject="s", body="b")).arrived is None
