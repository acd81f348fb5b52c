"""Parsing real-world Chinese mail, built in code the way clients send it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pipeline.errors import ParseError
from pipeline.parse import decode_header_value, parse
from tests.builders import gbk_word, make_docx, make_gbk_mail, make_mail


def test_gb2312_label_with_gbk_only_characters_keeps_every_character() -> None:
    # 喆 and 镕 are not in GB2312: a strict gb2312 decode fails and mail-parser
    # would fall back to UTF-8 and drop the whole body
    raw = make_gbk_mail(
        subject="五里店街道节能宣传周总结（王喆）",
        body="经办人：王喆、朱镕。本周组织干部职工开展节约用电活动。",
        sender_name="王喆",
    )
    msg = parse(raw)
    assert msg.subject == "五里店街道节能宣传周总结（王喆）"
    assert "王喆、朱镕" in msg.body
    assert "节约用电" in msg.body
    assert msg.sender_name == "王喆"
    assert msg.sender == "someone@example.com"
    assert msg.problems == ()


@pytest.mark.parametrize("style", ["rfc2047", "rfc2231", "raw8bit"])
def test_chinese_attachment_names_decode_in_every_style(style: str) -> None:
    name = "观音桥街道节能宣传周工作总结.docx"
    raw = make_gbk_mail(
        subject="总结", body="详见附件", attachments=[(name, make_docx(["内容"]), style)]
    )
    msg = parse(raw)
    assert [a.filename for a in msg.attachments] == [name]
    assert msg.attachments[0].data.startswith(b"PK")


def test_date_is_timezone_aware_and_kept_in_its_offset() -> None:
    msg = parse(make_gbk_mail(subject="s", body="b", date="Mon, 20 May 2024 08:05:00 +0800"))
    assert msg.date is not None
    assert msg.date.utcoffset() == timedelta(hours=8)
    assert (msg.date.day, msg.date.hour) == (20, 8)


def test_date_without_zone_is_read_as_china_time_and_missing_date_is_none() -> None:
    no_zone = parse(make_gbk_mail(subject="s", body="b", date="20 May 2024 08:05:00"))
    assert no_zone.date is not None and no_zone.date.utcoffset() == timedelta(hours=8)
    assert parse(make_mail(date=None)).date is None


def test_html_only_body_becomes_text() -> None:
    html = "<html><body><p>华新街街道：</p><p>组织收看&nbsp;启动仪式直播</p><script>x()</script>"
    msg = parse(make_mail(body=None, html=html))
    assert msg.body.splitlines() == ["华新街街道：", "组织收看 启动仪式直播"]


def test_plain_body_preferred_over_html_alternative() -> None:
    msg = parse(make_mail(body="纯文本正文", html="<p>网页正文</p>"))
    assert msg.body.strip() == "纯文本正文"


def test_utf8_mail_with_attachments_keeps_bytes_exact() -> None:
    data = bytes(range(256)) * 10
    msg = parse(make_mail(attachments=[("数据.bin", data)]))
    assert msg.attachments[0].data == data
    assert msg.attachments[0].filename == "数据.bin"


def test_forwarded_mail_attachment_is_kept_as_eml_bytes() -> None:
    inner = make_mail(subject="原始邮件", body="低碳日活动")
    outer = (
        b"From: a@jiangbei.example\r\nSubject: Fwd\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\n"
        b"see below\r\n--B\r\nContent-Type: message/rfc822\r\n"
        b"Content-Disposition: attachment\r\n\r\n" + inner + b"\r\n--B--\r\n"
    )
    msg = parse(outer)
    assert msg.body.strip() == "see below"
    assert len(msg.attachments) == 1
    assert parse(msg.attachments[0].data).subject == "原始邮件"


def test_decode_header_value_handles_quoted_words_and_plain_text() -> None:
    assert decode_header_value(f'"{gbk_word("鱼嘴镇")}"') == "鱼嘴镇"
    assert decode_header_value("plain  subject") == "plain subject"
    assert decode_header_value(None) == ""


def test_garbage_is_a_parse_error_or_an_empty_message_never_a_crash() -> None:
    try:
        msg = parse(b"\x00\xff\xfe garbage without headers")
    except ParseError:
        return
    assert msg.sender == ""


def test_raw_8bit_gbk_subject_and_sender_name() -> None:
    raw = (
        b"From: " + "石马河街道".encode("gbk") + b" <x@example.com>\r\n"
        b"Subject: " + "石马河街道节能宣传周总结".encode("gb18030") + b"\r\n"
        b"Content-Type: text/plain; charset=gbk\r\n\r\n" + "正文".encode("gbk") + b"\r\n"
    )
    msg = parse(raw)
    assert msg.subject == "石马河街道节能宣传周总结"
    assert msg.sender_name == "石马河街道"
    assert msg.body.strip() == "正文"
