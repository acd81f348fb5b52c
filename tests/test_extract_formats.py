"""Chinese text out of every document type units send, made by real tools.

The LibreOffice-made files (.doc, .wps, .rtf, .odt, .xls, .et, and a .docx
with a footnote and a text box) are converted once per session from the same
sources, so the checks below compare the same sentences across formats.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.extract import Limits, detect_type, extract
from pipeline.extract.office import _antiword
from tests.builders import make_docx, make_pdf
from tests.filemakers import (
    libreoffice_convert,
    make_docx_with_alt_chunk,
    make_docx_with_margins,
    make_encrypted_pdf,
    make_long_rtf,
    make_xlsx,
    needs_libreoffice,
    write_fodt,
)

TITLE = "观音桥街道2024年节能宣传周活动总结"
BODY = "我街道组织干部职工收看节能宣传周启动仪式直播，发放宣传资料3000余份，悬挂横幅12条。"
FOOTNOTE = "注：参与人数按签到表统计。"
TEXTBOX = "低碳日当天机关停开公务用车一天。"
CELLS = ("活动名称", "参与人数120人")
SHEETS = {
    "活动统计": [["活动", "场次", "人数"], ["知识竞赛", 2, 150], ["低碳日体验", 1, 80]],
    "宣传材料": [["类别", "数量"], ["展板", 6], ["横幅", 12]],
}


@dataclass(frozen=True)
class OfficeFiles:
    docx: bytes
    doc: bytes
    long_doc: bytes
    tiny_doc: bytes
    rtf: bytes
    odt: bytes
    xls: bytes
    wordml: bytes


@pytest.fixture(scope="session")
def office_files(tmp_path_factory: pytest.TempPathFactory) -> OfficeFiles:
    """Every legacy format, written by LibreOffice (six calls, ~7 s in all)."""
    tmp = tmp_path_factory.mktemp("office")
    fodt = write_fodt(
        tmp / "总结.fodt", title=TITLE, body=BODY, footnote=FOOTNOTE, textbox=TEXTBOX, cells=CELLS
    )
    # antiword refuses very short documents; a real summary is a page or more
    long_fodt = write_fodt(
        tmp / "长总结.fodt",
        title=TITLE,
        body=BODY * 30,
        footnote=FOOTNOTE,
        textbox=TEXTBOX,
        cells=CELLS,
    )
    xlsx = tmp / "统计表.xlsx"
    xlsx.write_bytes(make_xlsx(SHEETS))
    tiny = tmp / "短.docx"
    tiny.write_bytes(make_docx([TITLE]))
    (docx,) = libreoffice_convert([fodt], "docx", tmp)
    doc, long_doc, tiny_doc = libreoffice_convert([fodt, long_fodt, tiny], "doc", tmp)
    (rtf,) = libreoffice_convert([fodt], "rtf", tmp)
    (odt,) = libreoffice_convert([fodt], "odt", tmp)
    (xls,) = libreoffice_convert([xlsx], "xls", tmp)
    (wordml,) = libreoffice_convert([fodt], "xml:MS Word 2003 XML", tmp)
    files = (docx, doc, long_doc, tiny_doc, rtf, odt, xls, wordml)
    return OfficeFiles(*(p.read_bytes() for p in files))


def _text(name: str, data: bytes) -> str:
    got = extract(name, data)
    assert got.problems == (), got.problems
    (doc,) = got.documents
    return doc.text


def _assert_whole_document(text: str) -> None:
    for sentence in (TITLE, BODY, FOOTNOTE, TEXTBOX):
        assert sentence in text
    assert "\t".join(CELLS) in text


@needs_libreoffice
def test_docx_footnote_text_box_and_table(office_files: OfficeFiles) -> None:
    text = _text("总结.docx", office_files.docx)
    _assert_whole_document(text)
    assert text.count(TEXTBOX) == 1  # Word's VML fallback copy is not read twice
    assert text.index(BODY) < text.index(TEXTBOX)


def test_docx_headers_and_footers() -> None:
    data = make_docx_with_margins(BODY, header="江北区观音桥街道办事处", footer="第1页")
    assert _text("总结.docx", data).splitlines() == [BODY, "江北区观音桥街道办事处", "第1页"]


def test_docx_exported_by_an_oa_system_as_an_html_chunk() -> None:
    data = make_docx_with_alt_chunk(f"<html><body><p>{TITLE}</p><p>{BODY}</p></body></html>")
    assert _text("总结.docx", data).splitlines() == [TITLE, BODY]


@needs_libreoffice
@pytest.mark.parametrize("name", ["总结.doc", "总结.wps"])
def test_word_97_doc_and_wps(office_files: OfficeFiles, name: str) -> None:
    # WPS Office has written Word 97 files as .wps since ~2005
    text = _text(name, office_files.long_doc)
    assert TITLE in text and BODY in text and TEXTBOX in text
    assert "\t".join(CELLS) in text


@needs_libreoffice
def test_antiword_reads_the_doc_directly(office_files: OfficeFiles) -> None:
    """The fast path (3 ms) and not only the LibreOffice fallback (1 s) gives the text."""
    text = _antiword(office_files.long_doc)
    assert TITLE in text and BODY in text
    assert "\t".join(CELLS) in text


@needs_libreoffice
def test_doc_antiword_refuses_falls_back_to_libreoffice(office_files: OfficeFiles) -> None:
    assert _antiword(office_files.tiny_doc) == ""  # "text stream too small to handle"
    assert _text("短.doc", office_files.tiny_doc) == TITLE


@needs_libreoffice
def test_doc_footnote_text_box_and_table(office_files: OfficeFiles) -> None:
    _assert_whole_document(_text("总结.doc", office_files.doc))


@needs_libreoffice
def test_rtf(office_files: OfficeFiles) -> None:
    text = _text("总结.rtf", office_files.rtf)
    assert TITLE in text and BODY in text and FOOTNOTE in text


@needs_libreoffice
def test_odt_read_without_libreoffice(office_files: OfficeFiles) -> None:
    _assert_whole_document(_text("总结.odt", office_files.odt))


@needs_libreoffice
@pytest.mark.parametrize("name", ["统计表.xls", "统计表.et"])
def test_xls_and_et_every_sheet(office_files: OfficeFiles, name: str) -> None:
    text = _text(name, office_files.xls)
    assert "【活动统计】" in text and "【宣传材料】" in text
    assert "知识竞赛\t2\t150" in text
    assert "横幅\t12" in text


def test_xlsx_every_sheet() -> None:
    text = _text("统计表.xlsx", make_xlsx(SHEETS))
    assert text.splitlines() == [
        "【活动统计】", "活动\t场次\t人数", "知识竞赛\t2\t150", "低碳日体验\t1\t80",
        "【宣传材料】", "类别\t数量", "展板\t6", "横幅\t12",
    ]  # fmt: skip


def test_pdf_with_empty_user_password_is_opened() -> None:
    data = make_encrypted_pdf([TITLE, BODY], user_password="", owner_password="owner")
    text = _text("总结.pdf", data)
    assert TITLE in text and BODY in text


def test_pdf_with_a_real_password_is_a_clear_problem() -> None:
    data = make_encrypted_pdf([TITLE], user_password="secret", owner_password="owner")
    got = extract("总结.pdf", data)
    assert got.documents == ()
    (problem,) = got.problems
    assert problem.where == "总结.pdf"
    assert "加密的PDF" in problem.reason
    assert "未加密版本" in problem.action


def test_cjk_pdf_named_as_something_else() -> None:
    assert BODY in _text("扫描件.jpg", make_pdf([BODY]))


def test_html_saved_as_xls_is_read_as_html() -> None:
    html = f"<html><body><table><tr><td>{CELLS[0]}</td><td>{CELLS[1]}</td></tr></table>"
    data = html.encode("gb18030") + b"</body></html>"
    assert detect_type(data, "统计表.xls") == "html"
    assert "\t".join(CELLS) in _text("统计表.xls", data)


def test_text_stub_named_xls_is_read_as_text() -> None:
    assert _text("统计表.xls", b"Attachment not found: report.xls") == (
        "Attachment not found: report.xls"
    )


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        (BODY, "gbk"),
        ("节能", "gbk"),  # two characters: statistical detectors call this Korean
        ("喆镕", "gbk"),  # GBK-only, not in GB2312
        ("𠀀节能𠀁", "gb18030"),  # four-byte GB18030
        ("臺北市政府環境保護局舉辦低碳日活動，參加人數共計一百二十人。", "big5"),
        ("節能宣傳週活動總結", "big5"),
        (BODY, "utf-8"),
        (BODY, "utf-8-sig"),
        (BODY, "utf-16"),  # with BOM
        ("Report 节能 2024", "utf-16-le"),  # Windows tools write it without a BOM too
    ],
)
def test_text_charsets(text: str, encoding: str) -> None:
    assert _text("说明.txt", text.encode(encoding)) == text


def test_csv_in_gbk() -> None:
    data = "单位,人数\n观音桥街道,120\n".encode("gbk")
    assert _text("统计.csv", data) == "单位,人数\n观音桥街道,120\n"


@pytest.mark.parametrize(
    ("name", "head"),
    [
        ("现场.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
        ("现场.png", b"\x89PNG\r\n\x1a\n"),
        ("IMG_0001.HEIC", b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"),
        ("微信图片.dat", b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00"),
        ("现场.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 "),
    ],
)
def test_photos_are_counted_by_content(name: str, head: bytes) -> None:
    got = extract(name, head + bytes(200))
    assert got.photos == (name,)
    assert got.documents == () and got.problems == ()


def test_encrypted_office_package_is_a_clear_problem(shared_corpus) -> None:
    data = (shared_corpus("office") / "calamine__pass_protected.xlsx").read_bytes()
    (problem,) = extract("统计表.xlsx", data).problems
    assert "加密" in problem.reason and "未加密" in problem.action


def test_oversized_file_inside_limits_is_not_read(tmp_path: Path) -> None:
    got = extract("大.txt", BODY.encode() * 100, Limits(max_attachment_bytes=1000))
    assert "附件过大" in got.problems[0].reason


@needs_libreoffice
def test_word_2003_xml_saved_as_doc(office_files: OfficeFiles) -> None:
    assert detect_type(office_files.wordml, "总结.doc") == "wordml"
    text = _text("总结.doc", office_files.wordml)
    assert TITLE in text and BODY in text


def test_excel_2003_xml_saved_as_xls() -> None:
    """The SpreadsheetML text many government systems export under a .xls name."""
    rows = "".join(
        "<Row>" + "".join(f'<Cell><Data ss:Type="String">{v}</Data></Cell>' for v in row) + "</Row>"
        for row in (["活动", "人数"], ["知识竞赛", "150"])
    )
    data = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
        f'<Worksheet ss:Name="统计"><Table>{rows}</Table></Worksheet></Workbook>'
    ).encode()
    assert _text("统计表.xls", data) == "活动\t人数\n知识竞赛\t150"


def test_word_web_page_saved_as_doc_is_read() -> None:
    """Word's "single file web page" (MHT, a MIME message) renamed to .doc."""
    from email.message import EmailMessage

    page = EmailMessage()
    page["MIME-Version"] = "1.0"
    page.set_content(f"<html><body><p>{TITLE}</p><p>{BODY}</p></body></html>", subtype="html",
                     charset="gb2312")  # fmt: skip
    data = page.as_bytes()
    assert detect_type(data, "总结.doc") == "eml"
    (doc,) = extract("总结.doc", data).documents
    assert doc.name == "总结.doc/正文"
    assert TITLE in doc.text and BODY in doc.text


def test_pptx_slides_in_order(tmp_path: Path) -> None:
    pptx = pytest.importorskip("pptx")
    deck = pptx.Presentation()
    for title, body in ((TITLE, BODY), ("宣传推介", TEXTBOX)):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    deck.save(tmp_path / "汇报.pptx")
    text = _text("汇报.pptx", (tmp_path / "汇报.pptx").read_bytes())
    assert text.splitlines() == [TITLE, BODY, "宣传推介", TEXTBOX]


def _processes_using(marker: str) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and marker in (proc / "cmdline").read_bytes().decode():
                pids.append(int(proc.name))
        except OSError:
            continue
    return pids


@needs_libreoffice
def test_libreoffice_past_the_time_limit_is_killed_with_all_its_processes(
    office_files: OfficeFiles,
) -> None:
    slow = make_long_rtf(BODY, 10_000)  # LibreOffice needs ~4 s for this, it gets 1.5
    got = extract("总结.rtf", slow, Limits(timeout_s=2.5))
    assert got.documents == ()
    (problem,) = got.problems
    assert "读取超时" in problem.reason
    # soffice.bin and oosplash both gone (their command lines name the worker's folder)
    assert _processes_using(f"/mailroll-{os.getuid()}-") == []
    _assert_whole_document(_text("总结.odt", office_files.odt))  # the worker reads on
