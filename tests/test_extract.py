"""Text from real files made with real tools: python-docx, reportlab (CJK PDF)."""

from __future__ import annotations

from pipeline.extract import Limits, detect_type, extract
from tests.builders import make_docx, make_pdf


def test_docx_paragraphs_and_table_rows_in_order() -> None:
    data = make_docx(
        ["观音桥街道节能宣传周工作总结", "一、组织收看启动仪式直播。"],
        table=[["活动名称", "参与人数"], ["低碳日体验活动", "120人"]],
    )
    got = extract("总结.docx", data)
    assert got.problems == ()
    (doc,) = got.documents
    assert doc.filetype == "docx"
    assert doc.text.splitlines() == [
        "观音桥街道节能宣传周工作总结",
        "一、组织收看启动仪式直播。",
        "活动名称\t参与人数",
        "低碳日体验活动\t120人",
    ]


def test_pdf_with_chinese_cid_font() -> None:
    data = make_pdf(["华新街街道节能宣传周总结", "发放宣传资料3000余份，悬挂横幅12条。"])
    (doc,) = extract("总结.pdf", data).documents
    assert doc.filetype == "pdf"
    assert "华新街街道节能宣传周总结" in doc.text
    assert "发放宣传资料3000余份，悬挂横幅12条。" in doc.text


def test_type_comes_from_content_not_name() -> None:
    docx_bytes = make_docx(["内容"])
    assert detect_type(docx_bytes, "总结.doc") == "docx"
    assert detect_type(make_pdf(["x"]), "scan.jpg") == "pdf"
    assert detect_type(b"\xff\xd8\xff\xe0" + b"0" * 20, "photo.dat") == "jpg"
    assert detect_type(b"<!DOCTYPE html><html>", "report.xls") == "html"
    (doc,) = extract("总结.doc", docx_bytes).documents
    assert doc.text == "内容"


def test_text_files_in_utf8_and_gbk() -> None:
    text = "寸滩街道开展节约用电活动，参与干部职工80人。"
    for data in (text.encode("utf-8"), text.encode("gbk"), text.encode("utf-8-sig")):
        (doc,) = extract("说明.txt", data).documents
        assert doc.text == text


def test_corrupt_docx_is_a_problem_with_advice() -> None:
    data = make_docx(["内容"])[:300]
    got = extract("损坏.docx", data)
    assert got.documents == ()
    (problem,) = got.problems
    assert problem.where == "损坏.docx"
    assert "损坏" in problem.reason
    assert problem.action


def test_broken_pdf_is_a_problem() -> None:
    got = extract("坏.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage")
    assert got.documents == ()
    assert len(got.problems) == 1


def test_unsupported_type_is_named() -> None:
    (problem,) = extract("总结.xyz", b"\x00\x01binary" + bytes(600)).problems
    assert problem.reason == "暂不支持的文件类型 .xyz"


def test_images_are_counted_as_photos_not_read() -> None:
    got = extract("现场照片1.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(100))
    assert got.photos == ("现场照片1.jpg",)
    assert got.documents == () and got.problems == ()


def test_oversized_attachment_is_not_read() -> None:
    got = extract("大文件.pdf", make_pdf(["x"]), Limits(max_attachment_bytes=100))
    assert got.documents == ()
    assert "附件过大" in got.problems[0].reason


def test_scanned_pdf_without_text_is_a_problem() -> None:
    got = extract("扫描件.pdf", make_pdf([]))
    assert "没有可提取的文字" in got.problems[0].reason
