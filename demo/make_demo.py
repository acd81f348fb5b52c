"""Regenerate the demo mailbox ``demo/mail/*.eml``.

Run from the repository root::

    .venv/bin/python demo/make_demo.py

The script deletes the old ``.eml`` files in ``demo/mail/`` and writes a fresh set:
the summaries that Jiangbei District's public institutions mail to the bureau
during the 2024 节能宣传周 (13-19 May) and 全国低碳日 (15 May), plus the awkward
cases a real mailbox holds (GBK headers, mislabelled charsets, corrupt and
unsupported attachments, a late report, a correction, an unknown sender, the
forwarded notice). ``demo/README.md`` says what each mail exercises.

The output is deterministic: fixed dates, Message-IDs, MIME boundaries, docx zip
timestamps and PDF metadata. Needs python-docx and reportlab (the test extra).
"""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import subprocess
import tempfile
import textwrap
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import quote

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

OUT = Path(__file__).resolve().parent / "mail"
CHINA = timezone(timedelta(hours=8))
MAILBOX = "jbjgswj@example.com"  # the bureau's (QQ Mail) mailbox that receives the reports
PDF_FONT = "STSong-Light"

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF_TYPE = "application/pdf"
OCTET = "application/octet-stream"

FOXMAIL = "Foxmail 7.2.25.228[cn]"
OLD_FOXMAIL = "Foxmail 6, 15, 201, 26 [cn]"
QQMAIL = "QQMail 2.x"
OUTLOOK = "Microsoft Outlook 16.0"

# Two tiny valid JPEG photos (32x24 px), made once with Pillow and embedded here so the
# script needs no image library.
JPEG_1 = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABQODxIPDRQSEBIXFRQYHjIhHhwcHj0sLiQySUBMS0dARkVQWnNiUFVt"
    "VkVGZIhlbXd7gYKBTmCNl4x9lnN+gXz/2wBDARUXFx4aHjshITt8U0ZTfHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8"
    "fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHz/wAARCAAYACADASIAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAA"
    "AAEF/8QAGBABAQEBAQAAAAAAAAAAAAAAAAEREmH/xAAWAQEBAQAAAAAAAAAAAAAAAAAAAgT/xAAcEQACAQUBAAAA"
    "AAAAAAAAAAAAAQIDBBETIYH/2gAMAwEAAhEDEQA/AM+3E68WzU5jO8lUZWqgti76OvFl1OYsmCyK0rVwetd9ACjA"
    "AAH/2Q=="
)
JPEG_2 = base64.b64decode(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDABQODxIPDRQSEBIXFRQYHjIhHhwcHj0sLiQySUBMS0dARkVQWnNiUFVt"
    "VkVGZIhlbXd7gYKBTmCNl4x9lnN+gXz/2wBDARUXFx4aHjshITt8U0ZTfHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8"
    "fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHz/wAARCAAYACADASIAAhEBAxEB/8QAGAABAQEBAQAAAAAAAAAAAAAA"
    "AAQDAgX/xAAqEAABAQUDDQAAAAAAAAAAAAAAEQEEEhNhAgMFFBUWI0FCU2SBkaPR4f/EABcBAQEBAQAAAAAAAAAA"
    "AAAAAAAEAwIF/8QAGREAAwEBAQAAAAAAAAAAAAAAAAESIQL/2gAMAwEAAhEDEQA/AO8Nw7L5mtlwJuqqrWhdo9zX"
    "j+nnOT/euMcqzYbGixMbs61Ks/vXDuezfZV1d4TxRab6Pc14/pDiWHZBL1syNd1ERK1N8/vXDuezfZK+v96/QTbN"
    "hkCpCxu3rQc3eiaLCUAHQwAAAf/Z"
)


# --------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """A written summary, rendered into a .docx or a .pdf attachment."""

    title: str
    text: str  # one paragraph per line
    signature: tuple[str, ...] = ()
    table: tuple[tuple[str, ...], ...] = ()  # first row is the header
    table_title: str = ""
    author: str = ""

    @property
    def paragraphs(self) -> list[str]:
        return [line.strip() for line in self.text.splitlines() if line.strip()]


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    content_type: str = OCTET
    # How the file name is written in the headers:
    #   "rfc2231"        filename*=utf-8''%E6...        (what the stdlib writes)
    #   "rfc2231-upper"  filename*=UTF-8''%E6...        (Outlook style)
    #   "gbk-quoted"     name="=?GBK?B?...?=" and filename="=?GBK?B?...?="  (QQ Mail, Foxmail)
    #   "utf8-quoted"    filename="=?UTF-8?B?...?="
    name_style: str = "rfc2231"


@dataclass(frozen=True)
class Demo:
    slug: str
    when: datetime
    sender: str
    sender_name: str
    subject: str
    body: str = ""  # text/plain
    html: str = ""  # text/html (alone, or as the alternative of the plain body)
    attachments: tuple[Attachment, ...] = ()
    # "utf-8" (stdlib encoded-words), "utf-8-q", "gbk", "gb2312", "gb18030",
    # or "raw-gb18030" (8-bit bytes in the header, as old Foxmail wrote them)
    subject_style: str = "utf-8"
    name_style: str = "utf-8"  # display name of the sender: "utf-8" or "gbk"
    # body charset; "gb2312-gbk" declares gb2312 but holds GBK-only characters
    charset: str = "utf-8"
    cte: str = "base64"  # "base64", "quoted-printable" or "8bit"
    mailer: str = ""


def at(day: int, hour: int, minute: int) -> datetime:
    """A moment in May 2024, Beijing time."""
    return datetime(2024, 5, day, hour, minute, tzinfo=CHINA)


def text(block: str) -> str:
    """A mail body from an indented triple-quoted block."""
    return textwrap.dedent(block).strip("\n") + "\n"


# --------------------------------------------------------------------------------------
# Attachments
# --------------------------------------------------------------------------------------


def make_docx(report: Report, when: datetime) -> bytes:
    """A Word document: centred title, indented paragraphs, optional table, signature."""
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "仿宋_GB2312"
    normal.font.size = Pt(14)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋_GB2312")

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(report.title)
    run.bold = True
    run.font.size = Pt(18)
    for line in report.paragraphs:
        paragraph = document.add_paragraph(line)
        paragraph.paragraph_format.first_line_indent = Pt(28)
    for line in report.signature:
        paragraph = document.add_paragraph(line)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if report.table:
        if report.table_title:
            caption = document.add_paragraph()
            caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
            caption.add_run(report.table_title).bold = True
        table = document.add_table(rows=len(report.table), cols=len(report.table[0]))
        table.style = "Table Grid"
        for r, row in enumerate(report.table):
            for c, value in enumerate(row):
                table.cell(r, c).text = value

    props = document.core_properties
    utc = when.astimezone(UTC).replace(tzinfo=None)
    props.author = report.author or "Administrator"
    props.last_modified_by = report.author or "Administrator"
    props.title = report.title
    props.created = utc - timedelta(hours=3)
    props.modified = utc
    props.revision = 2
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer.getvalue(), when)


def _fixed_zip(data: bytes, when: datetime) -> bytes:
    """Rewrite a zip with fixed member timestamps, so the output is reproducible."""
    stamp = when.timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=stamp)
            member.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()


_NO_LINE_START = set("，。、；：！？）》」』”’%℃")


def _wrap(line: str, width: float, size: float, indent: float) -> list[str]:
    """Break a paragraph into lines that fit, never starting a line with punctuation."""
    lines: list[str] = []
    current = ""
    room = width - indent
    for ch in line:
        candidate = current + ch
        too_wide = pdfmetrics.stringWidth(candidate, PDF_FONT, size) > room
        if current and too_wide and ch not in _NO_LINE_START:
            lines.append(current)
            current = ch
            room = width
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def make_pdf(report: Report, when: datetime) -> bytes:
    """A PDF in the Adobe STSong CID font (no font file embedded); 1-2 A4 pages."""
    if PDF_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    page.setTitle(report.title)
    page.setAuthor(report.author or "Administrator")
    page.setCreator("WPS 文字")
    width, height = A4
    left, right, top, bottom = 80.0, 80.0, 80.0, 72.0
    usable = width - left - right
    size, leading = 12.0, 21.0
    y = height - top

    def need(space: float) -> None:
        nonlocal y
        if y - space < bottom:
            page.showPage()
            y = height - top

    for line in _wrap(report.title, usable, 16, 0):
        page.setFont(PDF_FONT, 16)
        page.drawCentredString(width / 2, y, line)
        y -= 28
    y -= 8
    for paragraph in report.paragraphs:
        for i, line in enumerate(_wrap(paragraph, usable, size, 2 * size)):
            need(leading)
            page.setFont(PDF_FONT, size)
            page.drawString(left + (2 * size if i == 0 else 0), y, line)
            y -= leading
    y -= leading
    for line in report.signature:
        need(leading)
        page.setFont(PDF_FONT, size)
        page.drawRightString(width - right, y, line)
        y -= leading
    page.showPage()
    page.save()
    return buffer.getvalue()


def truncated(data: bytes) -> bytes:
    """The first half of a file, as when an upload or download breaks off."""
    return data[: len(data) // 2]


def broken_pdf() -> bytes:
    """A PDF header followed by junk: no objects, no xref, no trailer."""
    junk = b""
    seed = b"mailroll-demo"
    while len(junk) < 2048:
        seed = hashlib.sha256(seed).digest()
        junk += seed
    return b"%PDF-1.6\r%\xe2\xe3\xcf\xd3\r\n" + junk


def wps_document() -> bytes:
    """A WPS 文字 file: since about 2005 WPS writes .wps as Word 97 binaries, so this
    is a Word 97 document made by LibreOffice from a docx (needs `soffice`)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit(
            "make_demo: LibreOffice is needed for the .wps demo (scripts/install-deps.sh)"
        )
    document = docx.Document()
    for line in (
        "复盛镇2024年节能宣传周工作总结",
        "5月13日，镇机关组织干部职工30余人集中收看全国节能宣传周启动仪式直播。",
        "全国低碳日当天，镇机关开展低碳体验日活动，公务用车停驶一天，干部职工步行或骑行上班。",
        "在镇政府大院和场镇主干道悬挂横幅4条，发放节能宣传资料500余份。",
        "复盛镇人民政府",
        "2024年5月16日",
    ):
        document.add_paragraph(line)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "summary.docx"
        document.save(source)
        subprocess.run(
            [soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless",
             "--convert-to", "doc", "--outdir", tmp, str(source)],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        return (Path(tmp) / "summary.doc").read_bytes()


# --------------------------------------------------------------------------------------
# Building a mail
# --------------------------------------------------------------------------------------


def _encoded_words(value: str, charset: str, q: bool = False) -> str:
    """RFC 2047 encoded-words for a header value, folded onto continuation lines."""

    def encode(chunk: str) -> str:
        raw = chunk.encode(charset)
        if q:
            payload = "".join(
                chr(b) if chr(b).isalnum() and b < 128 else "_" if b == 32 else f"={b:02X}"
                for b in raw
            )
            return f"=?{charset.upper()}?Q?{payload}?="
        return f"=?{charset.upper()}?B?{base64.b64encode(raw).decode()}?="

    words: list[str] = []
    chunk = ""
    for ch in value:
        if chunk and len(encode(chunk + ch)) > 70:
            words.append(encode(chunk))
            chunk = ""
        chunk += ch
    if chunk:
        words.append(encode(chunk))
    return "\n ".join(words)


def _raw_subject(demo: Demo) -> bytes:
    style = demo.subject_style
    if style == "raw-gb18030":
        return demo.subject.encode("gb18030")
    if style == "utf-8-q":
        return _encoded_words(demo.subject, "utf-8", q=True).encode()
    return _encoded_words(demo.subject, style).encode()


def _raw_filename(att: Attachment) -> bytes:
    """The file name as mail clients write it; quoted encoded-words are one long word."""
    if att.name_style in ("gbk-quoted", "utf8-quoted"):
        charset = "GBK" if att.name_style == "gbk-quoted" else "UTF-8"
        payload = base64.b64encode(att.filename.encode(charset)).decode()
        return f"=?{charset}?B?{payload}?=".encode()
    if att.name_style == "rfc2231-upper":
        return f"UTF-8''{quote(att.filename, safe='')}".encode()
    raise ValueError(att.name_style)


def build(number: int, demo: Demo) -> bytes:
    """The mail as bytes; header forms the stdlib would not write are patched in after."""
    msg = EmailMessage()
    swaps: list[tuple[bytes, bytes]] = []

    if demo.name_style == "gbk":
        token = f"SENDERNAME{number:02d}"
        msg["From"] = f"{token} <{demo.sender}>"
        swaps.append((token.encode(), _encoded_words(demo.sender_name, "gbk").encode()))
    else:
        user, domain = demo.sender.split("@")
        msg["From"] = Address(demo.sender_name, user, domain)
    msg["To"] = MAILBOX
    if demo.subject_style == "utf-8":
        msg["Subject"] = demo.subject
    else:
        token = f"SUBJECTTOKEN{number:02d}"
        msg["Subject"] = token
        swaps.append((token.encode(), _raw_subject(demo)))
    msg["Date"] = format_datetime(demo.when)
    msg["Message-ID"] = f"<demo-{number:02d}@jiangbei.example>"
    if demo.mailer:
        msg["X-Mailer"] = demo.mailer

    if demo.charset == "gb2312-gbk":  # labelled gb2312, but the bytes need GBK
        msg.set_content(
            demo.body.encode("gbk"), "text", "plain", cte="base64", params={"charset": "gb2312"}
        )
    elif demo.body:
        msg.set_content(demo.body, charset=demo.charset, cte=demo.cte)
        if demo.html:
            msg.add_alternative(demo.html, subtype="html", charset=demo.charset, cte=demo.cte)
    else:
        msg.set_content(demo.html, subtype="html", charset=demo.charset, cte=demo.cte)

    for i, att in enumerate(demo.attachments, start=1):
        maintype, subtype = att.content_type.split("/")
        if att.name_style == "rfc2231":
            msg.add_attachment(att.data, maintype, subtype, filename=att.filename)
            continue
        token = f"ATTACHTOKEN{number:02d}x{i}"
        msg.add_attachment(att.data, maintype, subtype, filename=token)
        raw = _raw_filename(att)
        if att.name_style == "rfc2231-upper":
            swaps.append((f'filename="{token}"'.encode(), b"filename*=" + raw))
        else:
            if att.name_style == "gbk-quoted":
                msg.get_payload()[-1].set_param("name", token)
            swaps.append((token.encode(), raw))

    for i, part in enumerate(msg.walk()):
        if part is not msg:
            del part["MIME-Version"]
        if part.is_multipart():
            part.set_boundary(f"----=_Part_{number:02d}_{i}_demo")

    data = msg.as_bytes()
    for token, raw in swaps:
        assert data.count(token) >= 1, token
        data = data.replace(token, raw)
    return data


# --------------------------------------------------------------------------------------
# The mails
# --------------------------------------------------------------------------------------

NOTICE_BODY = text("""
    各街道办事处、镇人民政府，区级各部门，各有关学校、医院：

    现将《重庆市机关事务管理局关于开展2024年节能宣传周和全国低碳日活动的通知》转发给你们，请结合实际认真组织实施，并于5月17日前将活动开展情况工作电子档总结材料（含活动照片3至5张）报送至区机关事务管理局邮箱jbjgswj@example.com，活动期间请及时报送工作动态。附件统计表请一并填报。

    联系人：陈敏，联系电话：67750218

    重庆市江北区机关事务管理局
    2024年5月13日

    ----------转发的通知----------

    重庆市机关事务管理局关于开展2024年节能宣传周和全国低碳日活动的通知

    各区县（自治县）机关事务管理部门，市级各部门：

    2024年5月13日至19日是第34个全国节能宣传周，5月15日是第12个全国低碳日。节能宣传周主题为“绿色转型，节能攻坚”，全国低碳日主题为“绿色低碳，美丽中国”。为深入贯彻习近平生态文明思想，全面落实党中央、国务院关于碳达峰碳中和的决策部署，现就做好公共机构节能宣传周和全国低碳日活动有关事项通知如下。

    一、开展绿色出行活动。倡导干部职工在节能宣传周期间践行“135”绿色出行方式，即1公里以内步行、3公里以内骑自行车、5公里左右乘坐公共交通工具。5月15日全国低碳日当天，各单位公务用车除特殊情况外一律停驶。

    二、开展低碳日体验活动。全国低碳日当天，各单位组织开展能源紧缺体验活动，办公区域停开空调，公共区域关闭照明，低楼层停开电梯。

    三、开展节约用电活动。结合迎峰度夏，夏季空调温度设置不低于26℃，做到人走灯灭、人走机关，减少待机能耗，六楼以下原则上停开电梯。

    四、组织收看直播。组织干部职工收看全国节能宣传周启动仪式和川渝公共机构节能宣传周联合启动仪式直播。

    五、开展知识竞赛。组织干部职工扫描二维码参加公共机构节能知识网络竞答活动。

    六、加强宣传推介。充分利用横幅、展板、电子显示屏、微信公众号等载体，广泛宣传节能降碳知识，营造浓厚氛围。

    七、推行绿色办公。减少一次性办公用品使用，推行双面打印和无纸化办公，深入开展光盘行动，做好生活垃圾分类。

    八、工作要求。各单位要高度重视、精心组织，于5月17日前将活动开展情况总结（电子档）及照片报送我局。

    重庆市机关事务管理局
    2024年5月8日
""")

NOTICE_TEMPLATE = Report(
    title="2024年节能宣传周和全国低碳日活动开展情况统计表",
    text="填报单位（盖章）：\n填报人：联系电话：",
    table=(
        ("序号", "活动名称", "开展时间", "参与人数", "发放资料（份）", "悬挂横幅（条）", "备注"),
        ("1", "", "", "", "", "", ""),
        ("2", "", "", "", "", "", ""),
        ("3", "", "", "", "", "", ""),
    ),
    author="jgswj",
)

FGW_REPORT = Report(
    title="重庆市江北区发展和改革委员会2024年节能宣传周和全国低碳日活动工作总结",
    text="""
        为深入贯彻习近平生态文明思想，认真落实市、区关于公共机构节能工作的部署要求，我委紧紧围绕“绿色转型，节能攻坚”主题，结合发展改革部门职能，组织开展了形式多样的节能宣传活动，现将有关情况总结如下。
        一、强化组织领导。我委成立了由分管领导任组长的节能宣传周活动工作小组，制定活动方案，明确责任科室，确保各项活动有序开展。
        二、广泛开展宣传。在机关办公楼大厅摆放节能宣传展板6块，悬挂横幅4条，利用电子显示屏滚动播放节能标语；在“江北发改”微信公众号推送节能降碳知识文章3篇；联合观音桥街道在商圈设置节能宣传咨询点，向过往群众发放《节能降碳，绿色发展》宣传手册800余份。
        三、组织收看直播。5月13日，组织机关干部职工60余人收看全国节能宣传周启动仪式直播。
        四、开展能源紧缺体验。5月16日上午9时至11时，我委开展能源紧缺体验活动，关闭办公区空调和走廊照明，干部职工利用自然光办公。
        五、践行绿色办公。坚持双面打印、无纸化会议，全面推行光盘行动，机关食堂餐余垃圾量明显减少。
        六、开展节能知识竞答。组织干部职工扫码参加公共机构节能知识网络竞答，参与答题120余人次。
        通过此次活动，全委干部职工节能意识进一步增强。下一步，我委将持续推动节能降碳各项工作，积极争取国家节能降碳专项资金支持，推动重点用能单位开展节能诊断。
    """,
    signature=("重庆市江北区发展和改革委员会", "2024年5月14日"),
    table_title="活动开展情况统计表",
    table=(
        ("序号", "活动名称", "开展时间", "参与人数", "发放资料（份）", "备注"),
        ("1", "收看节能宣传周启动仪式直播", "5月13日", "60", "—", ""),
        ("2", "节能宣传咨询", "5月14日", "15", "800", "联合街道开展"),
        ("3", "能源紧缺体验活动", "5月16日", "85", "—", ""),
        ("4", "节能知识网络竞答", "5月13日至17日", "120", "—", "扫码答题"),
    ),
    author="刘洋",
)

JTJ_REPORT = Report(
    title="重庆市江北区交通局2024年节能宣传周活动总结",
    text="""
        按照区机关事务局关于开展2024年节能宣传周和全国低碳日活动的通知要求，我局结合交通行业特点，以倡导绿色出行为重点，认真组织开展了节能宣传周活动，现将有关情况报告如下。
        一、倡导干部职工绿色出行。活动期间，我局向全体干部职工发出绿色出行倡议，倡导践行“135”绿色出行方式。5月15日全国低碳日当天，局机关公务用车全部停驶，干部职工乘坐公交、轨道交通或步行上班，参与80余人。
        二、推广新能源汽车。联合辖区出租汽车企业，向出租车、网约车驾驶员宣传新能源汽车购置补贴和充电设施布局，推广新能源汽车应用。
        三、开展公共交通节能宣传。在辖区公交站台、轨道站点张贴节能宣传海报50余张，在公交车载屏播放绿色出行公益广告，发放宣传资料1200份。
        四、加强机关节能管理。局机关办公区空调温度设置不低于26℃，下班后关闭电脑、打印机等设备电源，减少待机能耗。
        下一步，我局将继续完善慢行交通系统，为市民绿色出行创造更好条件。
    """,
    signature=("重庆市江北区交通局", "2024年5月14日"),
    author="Lenovo",
)

STHJJ_REPORT = Report(
    title="区生态环境局2024年节能宣传周和全国低碳日活动总结",
    text="""
        5月13日至19日是第34个全国节能宣传周，5月15日是第12个全国低碳日。为深入贯彻落实党中央、国务院关于碳达峰碳中和的重大决策部署，进一步增强全社会节能降碳意识，我局围绕“绿色低碳，美丽中国”主题，精心组织开展了系列宣传活动。现将活动开展情况总结如下。
        一、精心组织全国低碳日主题宣传活动。5月15日全国低碳日当天，我局在北城天街广场举办全国低碳日主题宣传活动，设立宣传咨询台，展出低碳展板10块，悬挂宣传横幅6条，向过往市民发放《公民低碳行为手册》等宣传资料2000余份，现场解答群众咨询150余人次。同时宣传生活垃圾分类知识，引导市民从身边小事做起。
        二、开展低碳日体验活动。全国低碳日当天，局机关开展低碳体验活动，停开办公区空调，干部职工步行、骑行或乘坐公共交通上班。
        三、开展“双碳”知识测试。组织局机关及直属单位干部职工参加碳达峰碳中和知识测试，参与65人，平均成绩92分。
        四、加强媒体宣传。在局官方网站、微信公众号发布活动信息4条，相关活动被区融媒体中心报道。
        通过本次活动，进一步营造了绿色低碳的良好氛围。倡导大家从节约一度电、一张纸、一滴水做起，共建美丽江北。
    """,
    signature=("重庆市江北区生态环境局", "2024年5月15日"),
    author="sthjj",
)

HUAXINJIE_FIRST = Report(
    title="华新街街道2024年节能宣传周工作总结",
    text="""
        为进一步增强辖区干部群众节约能源资源意识，倡导绿色低碳生产生活方式，根据区机关事务局工作安排，华新街街道于5月13日至19日组织开展了节能宣传周活动，现将工作情况总结如下。
        一、营造宣传氛围。在街道机关、各社区及辖区主要路段悬挂节能宣传横幅8条，在社区宣传栏张贴宣传海报30余张，通过社区微信群推送节能小知识。
        二、开展进社区宣传。组织社区工作人员和志愿者深入小区、商铺开展节能宣传，发放节能宣传资料1500份，参与群众180人。
        三、开展低碳体验日活动。5月15日全国低碳日当天，街道开展“低碳体验日”活动，机关公务用车停驶1天，干部职工绿色出行上下班。
        四、开展节能知识有奖竞答。组织机关干部和社区居民开展节能知识有奖竞答活动2场。
    """,
    signature=("重庆市江北区华新街街道办事处", "2024年5月15日"),
    table_title="华新街街道节能宣传周活动统计表",
    table=(
        ("活动名称", "参与人数", "发放资料（份）", "悬挂横幅（条）"),
        ("节能宣传进社区", "180", "1500", "8"),
        ("低碳体验日活动", "65", "—", "—"),
        ("节能知识有奖竞答", "90", "—", "—"),
    ),
    author="hxj",
)

HUAXINJIE_CORRECTED = Report(
    title="华新街街道2024年节能宣传周工作总结（更正稿）",
    text="""
        为进一步增强辖区干部群众节约能源资源意识，倡导绿色低碳生产生活方式，根据区机关事务局工作安排，华新街街道于5月13日至19日组织开展了节能宣传周活动，现将工作情况总结如下。
        一、营造宣传氛围。在街道机关、各社区及辖区主要路段悬挂节能宣传横幅10条，在社区宣传栏张贴宣传海报30余张，通过社区微信群推送节能小知识。
        二、开展进社区宣传。组织社区工作人员和志愿者深入小区、商铺开展节能宣传，发放节能宣传资料2500余份，参与群众260余人。
        三、开展低碳体验日活动。5月15日全国低碳日当天，街道开展“低碳体验日”活动，机关公务用车停驶1天，干部职工绿色出行上下班。
        四、开展节能知识有奖竞答。组织机关干部和社区居民开展节能知识有奖竞答活动2场。
        五、推行节约用电。机关办公区空调温度设置不低于26℃，公共区域做到人走灯灭。
    """,
    signature=("重庆市江北区华新街街道办事处", "2024年5月17日"),
    table_title="华新街街道节能宣传周活动统计表（更正）",
    table=(
        ("活动名称", "参与人数", "发放资料（份）", "悬挂横幅（条）"),
        ("节能宣传进社区", "260", "2500", "10"),
        ("低碳体验日活动", "65", "—", "—"),
        ("节能知识有奖竞答", "90", "—", "—"),
    ),
    author="hxj",
)

WULIDIAN_REPORT = Report(
    title="五里店街道2024年节能宣传周和全国低碳日活动工作总结",
    text="""
        今年5月13日至19日是第34个全国节能宣传周，5月15日是第12个全国低碳日。为深入贯彻习近平生态文明思想，全面落实市、区关于节能降碳工作的部署要求，五里店街道紧扣“绿色转型，节能攻坚”活动主题，结合辖区实际，精心组织、周密部署，广泛开展了形式多样的节能宣传活动，取得了良好成效。现将有关情况总结如下。
        一、高度重视，周密部署
        街道党工委高度重视节能宣传周工作，召开专题会议研究部署，制定了《五里店街道2024年节能宣传周和全国低碳日活动方案》，明确责任科室和时间节点，将活动任务分解落实到机关各科室和11个社区。
        二、多措并举，广泛宣传
        （一）营造浓厚氛围。在街道机关、社区便民服务中心和辖区主要道路悬挂节能宣传横幅12条，在社区广场摆放节能展板8块，利用社区电子显示屏滚动播放节能宣传标语。
        （二）开展集中宣传。5月14日，街道联合辖区物业企业在江北嘴中央公园开展节能宣传集中活动，设置咨询台3个，发放节能宣传资料3000余份、环保购物袋500个，现场解答居民咨询200余人次。
        （三）线上宣传推广。通过“五里店发布”微信公众号推送节能降碳知识5期，阅读量累计8000余次。
        三、以上率下，践行节能
        （一）组织收看直播。5月13日，组织机关干部职工90余人集中收看全国节能宣传周启动仪式直播。
        （二）开展网络竞答。发动机关干部和社区工作人员扫码参加公共机构节能知识网络竞答，累计答题210人次。
        （三）节约用电迎峰度夏。结合迎峰度夏工作，机关办公区空调温度设置不低于26℃，六楼以下停开电梯，下班前由值班人员逐层检查关闭照明和设备电源。
        （四）推行绿色办公。坚持双面打印、无纸化办公，机关食堂开展光盘行动，设置垃圾分类投放点4处，落实生活垃圾分类。
        （五）倡导绿色出行。5月15日全国低碳日当天，组织机关干部职工开展“低碳出行，绿色通勤”骑行活动，45名干部职工骑共享单车或步行上班。
        四、存在问题和下一步打算
        活动开展过程中，部分社区宣传形式较为单一，居民参与面还不够广。下一步，街道将把节能宣传融入日常，计划于6月开展“节能家庭”评选活动，持续引导辖区居民践行绿色低碳生活方式。
        此外，结合防灾减灾日宣传，街道在社区悬挂防灾减灾宣传横幅5条，开展应急疏散演练1次。
    """,
    signature=("重庆市江北区五里店街道办事处", "2024年5月16日"),
    author="wld",
)

CGJ_REPORT = Report(
    title="重庆市江北区城市管理局2024年节能宣传周活动总结",
    text="""
        按照区机关事务局通知要求，我局组织开展了节能宣传周活动。一是在局机关悬挂横幅2条；二是组织干部职工收看启动仪式直播；三是在城市照明管理中推行节能灯具改造。
    """,
    signature=("重庆市江北区城市管理局", "2024年5月16日"),
    author="cgj",
)

JW_REPORT = Report(
    title="重庆市江北区教育委员会2024年节能宣传周活动总结",
    text="""
        为贯彻落实市、区关于开展2024年节能宣传周和全国低碳日活动的工作要求，区教委结合教育系统实际，在委机关和全区中小学校广泛开展节能宣传教育活动，现将有关情况总结如下。
        一、开展节能主题教育。组织全区62所中小学校开展“节能小卫士”主题班会，向学生讲解节约用电、节约用水小知识，引导学生争做节能小卫士，覆盖学生4.8万余人。
        二、开展节能知识网络竞答。组织委机关干部职工和学校教职工扫码参加公共机构节能知识网络竞答，参与答题1500余人次。
        三、推行绿色办公。委机关全面推行无纸化办公，会议材料双面打印，公文流转通过电子政务平台完成；机关食堂开展光盘行动。
        四、加强宣传报道。通过“江北教育”微信公众号发布节能宣传信息5条，各学校利用校园广播、电子屏、宣传栏开展节能宣传。
        下一步，区教委将在暑期组织开展“节能家庭”“低碳小达人”评选活动，并将节能教育纳入学校日常德育工作。
    """,
    signature=("重庆市江北区教育委员会", "2024年5月16日"),
    table_title="教育系统节能宣传周活动开展情况统计表",
    table=(
        ("单位", "活动名称", "参与人数", "发放资料（份）", "开展场次"),
        ("委机关", "节能知识网络竞答", "110", "—", "1"),
        ("各中小学校", "“节能小卫士”主题班会", "48000", "—", "62"),
        ("各中小学校", "节能宣传资料发放", "—", "5000", "—"),
    ),
    author="区教委办公室",
)

JIANGBEICHENG_REPORT = Report(
    title="江北城街道节能宣传周活动开展情况",
    text="""
        按照区机关事务局统一部署，江北城街道于5月13日至19日开展了2024年节能宣传周活动，现将开展情况报告如下。
        一、组织收看直播。5月13日，街道组织机关干部职工35人收看川渝公共机构节能宣传周联合启动仪式直播。
        二、开展节约用电。机关办公楼空调温度设置不低于26℃，实行“人走灯灭、人走机关”，下班后切断饮水机、打印机等设备电源。
        三、开展宣传活动。在街道便民服务中心摆放节能展板4块，悬挂横幅3条，张贴节约用电温馨提示50余处。
        四、开展绿色办公。推行双面打印，减少纸杯等一次性用品使用，开展垃圾分类培训1次。
    """,
    signature=("重庆市江北区江北城街道办事处", "2024年5月16日"),
    author="jbc",
)

CQ18Z_REPORT = Report(
    title="重庆市第十八中学2024年节能宣传周活动总结",
    text="""
        为培养师生节约能源资源的良好习惯，我校按照上级通知要求，于5月13日至17日开展了以“绿色转型，节能攻坚”为主题的节能宣传周活动。
        一、组织收看启动仪式。5月13日，组织全校教职工收看全国节能宣传周启动仪式直播，参与教职工150人。
        二、开展节能知识竞赛。学校团委组织开展节能知识竞赛，初赛参与学生1200人，决赛12支代表队同台竞技。
        三、开展主题教育。各班召开节能主题班会，向学生讲解节约用电小知识，倡导学生从节约一度电做起。
        四、加强校园宣传。校园广播站播出节能专题节目5期，在校门口悬挂横幅2条、摆放展板6块。
        五、加强校园节能管理。教学楼、办公楼空调温度设置不低于26℃，教室做到人走灯灭，由学生干部每日检查。
    """,
    signature=("重庆市第十八中学校", "2024年5月16日"),
    table_title="节能宣传周活动统计表",
    table=(
        ("活动名称", "参与人数", "发放资料（份）", "开展场次"),
        ("收看启动仪式直播", "150", "—", "1"),
        ("节能知识竞赛", "1200", "—", "2"),
        ("节能主题班会", "2600", "—", "48"),
    ),
    author="十八中办公室",
)

JBRMYY_REPORT = Report(
    title="重庆市江北区人民医院2024年节能宣传周活动总结",
    text="""
        为深入贯彻落实公共机构节能工作要求，进一步提升全院职工节能意识，我院于5月13日至19日开展了2024年节能宣传周活动，现将有关情况总结如下。
        一、加强宣传引导。在门诊大厅、住院部电子显示屏滚动播放节能宣传标语和宣传片，在院内主干道摆放节能展板5块，悬挂横幅3条，向职工和患者家属发放节能宣传资料1000份。
        二、强化节约用电。行政办公区空调温度设置不低于26℃，行政楼六楼以下停开电梯，对病区公共区域照明实行分时段控制，减少待机能耗。
        三、推进绿色办公。推行电子病历和无纸化办公，内部文件通过办公系统流转，减少纸张使用；职工食堂开展光盘行动。
        四、倡导绿色出行。倡导职工践行“135”绿色出行，活动期间步行、骑行或乘坐公共交通上班的职工达200余人次。
    """,
    signature=("重庆市江北区人民医院", "2024年5月17日"),
    table_title="活动开展情况统计表",
    table=(
        ("活动名称", "参与人数", "发放资料（份）", "备注"),
        ("节能宣传进门诊", "320", "1000", "展板5块"),
        ("绿色出行", "200", "—", "人次"),
    ),
    author="总务科",
)

JBZYY_REPORT = Report(
    title="江北区中医院2024年节能宣传周和低碳日活动总结",
    text="""
        为响应2024年节能宣传周和全国低碳日活动号召，我院结合中医药文化特色，开展了一系列节能宣传活动，现将情况总结如下。
        一、开展低碳体验日活动。5月15日全国低碳日，我院组织开展“低碳体验日”活动，当天行政后勤科室停开空调，职工步行、骑行或乘坐公交上班，参与职工150余人。
        二、开展节能知识答题。组织全院职工扫码参加节能知识网络答题，参与答题200余人次。
        三、开展义诊与节能宣传。5月16日，在医院门前广场开展义诊活动，同步设置节能宣传咨询台，发放节能宣传资料600份。
        四、推行绿色办公。全面推行无纸化办公，处方、检验报告电子化，办公用纸双面使用。
    """,
    signature=("重庆市江北区中医院", "2024年5月17日"),
    author="jbzyy",
)

CZJ_REPORT = Report(
    title="江北区财政局2024年节能宣传周工作总结",
    text="""
        根据区机关事务局关于开展2024年节能宣传周和全国低碳日活动的通知要求，我局高度重视，认真组织，扎实开展了节能宣传周各项活动。
        一、组织学习和收看直播。5月13日组织干部职工50人收看全国节能宣传周启动仪式直播，学习节能法律法规和政策文件。
        二、强化节约用电管理。发起节约用电倡议，要求干部职工下班随手关灯、关闭电脑显示器，切断饮水机待机电源；办公区空调温度设置不低于26℃。
        三、加强公务用车管理。优化公务用车调度，实行集中派车、合并出行，减少车辆空驶，节约燃油。
        四、开展宣传。在局机关悬挂横幅2条，在办公楼电梯间张贴节能温馨提示。
        下一步，我局还将组织干部职工参加节能知识竞赛，进一步巩固活动成效。
    """,
    signature=("重庆市江北区财政局", "2024年5月17日"),
    author="czj",
)

GUANYINQIAO_REPORT = Report(
    title="观音桥街道2024年节能宣传周和全国低碳日活动总结",
    text="""
        为深入贯彻习近平生态文明思想，认真落实市、区关于节能宣传周和全国低碳日活动的部署要求，观音桥街道紧扣“绿色转型，节能攻坚”主题，在机关和辖区广泛开展节能宣传活动，营造了全民节能、低碳生活的浓厚氛围，现将有关情况总结如下。
        一、强化宣传，营造氛围。在街道机关、各社区和观音桥商圈悬挂节能宣传横幅12条，摆放展板8块，利用商圈LED大屏滚动播放节能宣传片和公益广告；通过“观音桥街道”微信公众号推送节能知识6期。
        二、走进社区，广泛发动。先后在15个社区开展节能宣传进社区、进商圈活动6场，发放宣传资料3000余份，参与干部群众600余人次。
        三、以上率下，集中收看。5月13日，组织机关干部职工40余人收看川渝公共机构节能宣传周联合启动仪式直播。
        四、全国低碳日当天开展能源紧缺体验活动。5月15日，街道机关开展能源紧缺体验活动，全天停开办公区空调和公共区域照明，六楼以下停开电梯，干部职工步行或乘坐公共交通上班。
        五、扫码答题，学以致用。组织机关干部和社区工作者扫码参加节能知识网络竞答，累计答题320人次。
        六、绿色办公，厉行节约。机关食堂开展光盘行动，推行双面打印和无纸化办公，会议不摆放瓶装水。
    """,
    signature=("重庆市江北区观音桥街道办事处", "2024年5月17日"),
    table_title="观音桥街道节能宣传周活动开展情况统计表",
    table=(
        ("序号", "活动名称", "开展时间", "参与人数", "发放资料（份）"),
        ("1", "收看启动仪式直播", "5月13日", "40", "—"),
        ("2", "节能宣传进社区、进商圈", "5月13日至17日", "600", "3000"),
        ("3", "能源紧缺体验活动", "5月15日", "85", "—"),
        ("4", "节能知识网络竞答", "5月13日至17日", "320", "—"),
    ),
    author="gyq",
)

WLW_REPORT = Report(
    title="区文化旅游委2024年节能宣传周活动情况",
    text="""
        为认真落实节能宣传周和全国低碳日活动要求，区文化旅游委结合文化旅游工作实际，组织委机关及区图书馆、区文化馆等直属单位开展了节能宣传活动。
        一、举办节能主题展览。5月14日至19日，在区图书馆一楼大厅举办“绿色转型，节能攻坚”节能主题图片展，展出展板12块，接待参观读者1500余人次。
        二、组织观看节能宣传片。组织委机关干部职工观看节能宣传片《节能降碳，你我同行》，参与40人。
        三、推进绿色旅游。引导辖区A级旅游景区推广使用新能源观光车，倡导游客绿色出游。
        四、推行绿色办公。委机关推行无纸化办公，减少一次性纸杯使用。
    """,
    signature=("重庆市江北区文化和旅游发展委员会", "2024年5月17日"),
    author="wlw",
)


def demos() -> list[Demo]:
    """Every demo mail, in no particular order (they are numbered by date)."""
    return [
        Demo(
            slug="notice-forward",
            when=at(13, 8, 52),
            sender="jgswj@jiangbei.example",
            sender_name="江北区机关事务管理局",
            subject="转发：重庆市机关事务管理局关于开展2024年节能宣传周和全国低碳日活动的通知",
            body=NOTICE_BODY,
            attachments=(
                Attachment(
                    "附件：2024年节能宣传周活动开展情况统计表.docx",
                    make_docx(NOTICE_TEMPLATE, at(13, 8, 40)),
                    DOCX_TYPE,
                ),
            ),
            mailer=OUTLOOK,
        ),
        Demo(
            slug="guanyinqiao-dongtai",
            when=at(13, 17, 40),
            sender="guanyinqiao@jiangbei.example",
            sender_name="观音桥街道党政办",
            subject="观音桥街道节能宣传周工作动态（一）",
            body=text("""
                观音桥街道启动2024年节能宣传周系列活动

                5月13日上午，观音桥街道组织机关干部职工40余人在三楼会议室集中收看2024年川渝公共机构节能宣传周联合启动仪式直播，认真学习节能降碳相关政策。当天，街道在辖区商圈LED大屏滚动播放节能宣传片，在机关大院悬挂节能宣传横幅3条，营造了浓厚的宣传氛围。

                下一步，街道还将组织开展节能知识竞答和低碳日体验活动，进一步引导干部群众践行绿色低碳生活方式。

                观音桥街道党政办
                2024年5月13日
            """),
            cte="8bit",
            mailer=FOXMAIL,
        ),
        Demo(
            slug="company-inquiry",
            when=at(14, 9, 15),
            sender="lvyuan.market@example.com",
            sender_name="绿源节能科技 周经理",
            subject="关于节能宣传周期间开展LED照明节能改造推介的咨询",
            body=text("""
                尊敬的领导：

                您好！我公司是一家专注于公共建筑照明节能改造和合同能源管理的企业，已为多家医院、学校提供LED照明和空调群控改造服务，平均节电率达30%以上。

                值此节能宣传周之际，我们希望能到贵单位开展节能产品推介，可免费提供节能宣传展板2块和节能灯具体验样品。请问此事应与哪个科室联系？是否需要提交书面申请？

                盼复为感！

                重庆绿源节能科技有限公司
                联系人：周先生
                2024年5月14日
            """),
            cte="quoted-printable",
        ),
        Demo(
            slug="fgw-docx-table",
            when=at(14, 11, 30),
            sender="fgw@jiangbei.example",
            sender_name="区发展改革委 刘洋",
            subject="区发展改革委2024年节能宣传周和全国低碳日活动开展情况",
            body=text("""
                区机关事务局：

                现将我委2024年节能宣传周和全国低碳日活动开展情况报送你局，请审阅。

                附件：区发展改革委2024年节能宣传周活动总结.docx

                联系人：刘洋，电话：67855102
            """),
            attachments=(
                Attachment(
                    "区发展改革委2024年节能宣传周活动总结.docx",
                    make_docx(FGW_REPORT, at(14, 11, 20)),
                    DOCX_TYPE,
                ),
            ),
            mailer=OUTLOOK,
        ),
        Demo(
            slug="tieshanping-photos",
            when=at(14, 15, 2),
            sender="tieshanping@jiangbei.example",
            sender_name="铁山坪街道 张晓",
            subject="【工作动态】铁山坪街道开展“绿色出行，低碳生活”骑行活动",
            body=text("""
                铁山坪街道开展“绿色出行，低碳生活”骑行活动

                5月14日上午，铁山坪街道组织机关干部职工及志愿者30余人开展“绿色出行，低碳生活”主题骑行活动。大家沿森林公园环山绿道骑行约8公里，沿途向游客发放绿色出行倡议书200份，倡导践行“135”绿色出行方式。

                同时，街道机关食堂开展光盘行动，在餐桌摆放节约粮食温馨提示牌。

                附活动照片2张。

                铁山坪街道办事处
                2024年5月14日
            """),
            cte="quoted-printable",
            attachments=(
                Attachment("IMG_20240514_093012.jpg", JPEG_1, "image/jpeg"),
                Attachment("IMG_20240514_094536.jpg", JPEG_2, "image/jpeg"),
            ),
            mailer=FOXMAIL,
        ),
        Demo(
            slug="jtj-gbk-filename-only",
            when=at(14, 16, 45),
            sender="2965018837@example.com",
            sender_name="晴天",
            name_style="gbk",
            subject="节能宣传周工作总结",
            subject_style="gbk",
            body=text("""
                您好，附件是我们单位的节能宣传周工作总结，请查收，谢谢！
            """),
            charset="gb18030",
            attachments=(
                Attachment(
                    "江北区交通局2024年节能宣传周工作总结.docx",
                    make_docx(JTJ_REPORT, at(14, 16, 30)),
                    OCTET,
                    name_style="gbk-quoted",
                ),
            ),
            mailer=QQMAIL,
        ),
        Demo(
            slug="sthjj-pdf",
            when=at(15, 9, 20),
            sender="sthjj@jiangbei.example",
            sender_name="区生态环境局办公室",
            subject="区生态环境局2024年全国低碳日活动总结",
            subject_style="utf-8-q",
            body=text("""
                区机关事务局：

                我局2024年节能宣传周和全国低碳日活动总结见附件（PDF），请查收。

                区生态环境局办公室
                2024年5月15日
            """),
            attachments=(
                Attachment(
                    "区生态环境局2024年节能宣传周和全国低碳日活动总结.pdf",
                    make_pdf(STHJJ_REPORT, at(15, 9, 0)),
                    PDF_TYPE,
                ),
            ),
            mailer=OUTLOOK,
        ),
        Demo(
            slug="sfj-gb2312-label-gbk-bytes",
            when=at(15, 10, 5),
            sender="2718450936@example.com",
            sender_name="王镕",
            name_style="gbk",
            subject="区司法局节能宣传周活动开展情况",
            subject_style="gb2312",
            body=text("""
                区司法局2024年节能宣传周活动开展情况

                按照区机关事务局工作安排，我局于5月13日至17日开展了节能宣传周活动，现将有关情况报告如下：

                一是组织干部职工收看节能宣传周启动仪式直播，参与45人。
                二是开展节约用电，办公区空调温度设置不低于26℃，六楼以下停开电梯，下班前由专人检查关闭电源。
                三是结合“八五”普法，在法治宣传活动中同步发放节能宣传资料300份。
                四是由局办公室主任李喆同志带队，检查各科室节能情况3次，对发现的长明灯、待机设备当场整改。

                联系人：王镕，电话：67860421

                江北区司法局办公室
                2024年5月15日
            """),
            charset="gb2312-gbk",
            mailer=FOXMAIL,
        ),
        Demo(
            slug="huaxinjie-first",
            when=at(15, 14, 30),
            sender="huaxinjie@jiangbei.example",
            sender_name="华新街街道",
            subject="华新街街道2024年节能宣传周工作总结",
            body=text("""
                区机关事务局：

                现报送我街道2024年节能宣传周工作总结，详见附件。

                华新街街道党政办
            """),
            attachments=(
                Attachment(
                    "华新街街道2024年节能宣传周工作总结.docx",
                    make_docx(HUAXINJIE_FIRST, at(15, 14, 0)),
                    DOCX_TYPE,
                ),
            ),
            mailer=FOXMAIL,
        ),
        Demo(
            slug="tjj-subject-names-bureau",
            when=at(15, 17, 25),
            sender="1538822710@example.com",
            sender_name="王琳",
            subject="区机关事务局：区统计局2024年节能宣传周工作总结",
            body=text("""
                2024年节能宣传周活动总结

                按照通知要求，我局于节能宣传周期间开展了以下工作：

                1.5月13日，组织干部职工22人收看全国节能宣传周启动仪式直播。
                2.组织干部职工扫码参加节能知识网络答题，参与30人次。
                3.倡导干部职工绿色出行，5月15日全国低碳日当天局机关开展“少开一天车”活动，干部职工乘坐轨道交通或公交上班。
                4.办公区空调温度设置不低于26℃，推行双面打印。

                以上，请审阅。
            """),
            cte="quoted-printable",
            mailer=QQMAIL,
        ),
        Demo(
            slug="cuntan-body",
            when=at(15, 18, 40),
            sender="cuntan@jiangbei.example",
            sender_name="寸滩街道办事处",
            subject="寸滩街道2024年节能宣传周活动开展情况",
            body=text("""
                寸滩街道2024年节能宣传周活动开展情况

                为深入贯彻落实节能宣传周和全国低碳日活动要求，寸滩街道结合辖区实际，于5月13日至17日开展了节能宣传系列活动。

                一、开展宣传。在街道办公楼和辖区主干道悬挂横幅六条，摆放展板三块，通过社区网格员向居民发放节能宣传折页近千份。
                二、组织学习。5月13日组织机关干部职工收看全国节能宣传周启动仪式直播。
                三、节约用电。机关办公区夏季空调温度不低于26℃，倡导干部职工少开一小时空调，下班随手关灯。
                四、全国低碳日当天，街道组织机关干部职工开展“低碳体验日”徒步活动，参与二十余人。

                节约能源，从我做起。让我们从节约一度电、一滴水做起，共建绿色家园！

                寸滩街道办事处
                2024年5月15日
            """),
            mailer=FOXMAIL,
        ),
        Demo(
            slug="community-unknown",
            when=at(15, 20, 48),
            sender="wjsq2024@example.com",
            sender_name="望江社区居委会",
            subject="望江社区节能宣传周活动总结",
            body=text("""
                望江社区节能宣传周活动总结

                根据街道统一安排，望江社区于5月14日在社区广场开展“节能进社区”宣传活动。活动现场悬挂横幅2条，发放节能宣传资料500份，社区志愿者向居民讲解家庭节电小窍门，参与居民80余人。

                望江社区居民委员会
                2024年5月15日
            """),
            mailer=QQMAIL,
        ),
        Demo(
            slug="wulidian-pdf-gbk-subject",
            when=at(16, 8, 40),
            sender="wulidian@jiangbei.example",
            sender_name="五里店街道",
            subject="五里店街道2024年节能宣传周和全国低碳日活动工作总结",
            subject_style="gbk",
            body=text("""
                区机关事务局：

                附件为五里店街道2024年节能宣传周和全国低碳日活动工作总结，请查收。

                五里店街道党政办
                联系电话：67712309
            """),
            charset="gbk",
            attachments=(
                Attachment(
                    "五里店街道2024年节能宣传周工作总结.pdf",
                    make_pdf(WULIDIAN_REPORT, at(16, 8, 30)),
                    PDF_TYPE,
                    name_style="utf8-quoted",
                ),
            ),
            mailer=FOXMAIL,
        ),
        Demo(
            slug="cgj-corrupt-docx",
            when=at(16, 9, 30),
            sender="cgj@jiangbei.example",
            sender_name="区城市管理局",
            subject="区城市管理局节能宣传周活动总结",
            body=text("""
                区机关事务局：

                附件为我局2024年节能宣传周活动总结，请查收。

                联系人：何涛，电话：67531288
            """),
            attachments=(
                Attachment(
                    "区城市管理局2024年节能宣传周活动总结.docx",
                    truncated(make_docx(CGJ_REPORT, at(16, 9, 0))),
                    DOCX_TYPE,
                ),
            ),
            mailer=OUTLOOK,
        ),
        Demo(
            slug="jw-docx-table",
            when=at(16, 10, 12),
            sender="jwbgs@jiangbei.example",
            sender_name="区教委办公室",
            subject="区教委关于报送2024年节能宣传周活动总结的报告",
            body=text("""
                区机关事务局：

                现将区教委2024年节能宣传周活动总结及统计表报送你局。

                区教委办公室
                2024年5月16日
            """),
            attachments=(
                Attachment(
                    "区教委2024年节能宣传周活动总结.docx",
                    make_docx(JW_REPORT, at(16, 10, 0)),
                    DOCX_TYPE,
                ),
            ),
            mailer=OUTLOOK,
        ),
        Demo(
            slug="dashiba-display-name",
            when=at(16, 11, 5),
            sender="2401937756@example.com",
            sender_name="大石坝街道办 李娟",
            subject="节能宣传周活动总结（报送）",
            body=text("""
                2024年节能宣传周活动开展情况

                节能宣传周期间，我街道主要开展了以下工作：

                一、5月13日组织机关干部职工50余人收看节能宣传周启动仪式直播。
                二、在机关大院和社区悬挂横幅5条，张贴节能标语20余条，发放宣传资料800份。
                三、机关推行双面打印，会议室、走廊做到人走灯灭，空调温度不低于26℃。
                四、组织干部职工扫码答题，参与60人。

                李娟
                2024年5月16日
            """),
            mailer=QQMAIL,
        ),
        Demo(
            slug="slj-signature-only",
            when=at(16, 14, 20),
            sender="894410237@example.com",
            sender_name="小周",
            subject="报送材料",
            body=text("""
                关于2024年节能宣传周活动开展情况的报告

                根据通知要求，现将我局节能宣传周活动开展情况报告如下。

                一、5月13日组织干部职工30人收看全国节能宣传周启动仪式直播。
                二、局机关办公楼六楼以下停开电梯，办公区空调温度设置不低于26℃，下班前关闭电脑、打印机等设备电源。
                三、5月15日至21日是城市节水宣传周，我局在滨江路悬挂节水宣传横幅6条，发放节水宣传资料400份。
                四、在局机关电子显示屏滚动播放节能宣传标语。

                节约能源资源，从节约一度电做起。

                区水利局办公室
                2024年5月16日
            """),
            cte="8bit",
            mailer=QQMAIL,
        ),
        Demo(
            slug="shimahe-raw-8bit-subject",
            when=at(16, 15, 40),
            sender="shimahe@jiangbei.example",
            sender_name="石马河街道",
            subject="石马河街道节能宣传周工作总结",
            subject_style="raw-gb18030",
            body=text("""
                石马河街道2024年节能宣传周工作总结

                为深入贯彻节约资源基本国策，石马河街道于5月13日至19日组织开展了节能宣传周活动。

                一、广泛宣传发动。在辖区主要路口、社区悬挂横幅7条，摆放展板4块，发放宣传资料1800余份。
                二、开展绿色出行。组织机关干部职工开展“绿色出行”徒步活动，参与干部职工70余人。
                三、全国低碳日当天开展能源紧缺体验活动。5月15日，街道机关停开空调和电梯，公共区域关闭照明，干部职工体验能源紧缺。
                四、开展绿色办公。机关食堂推行光盘行动，办公用纸双面使用。

                石马河街道办事处
                2024年5月16日
            """),
            charset="gb18030",
            mailer=OLD_FOXMAIL,
        ),
        Demo(
            slug="mzj-html-only",
            when=at(16, 16, 30),
            sender="mzj@jiangbei.example",
            sender_name="江北区民政局",
            subject="江北区民政局2024年节能宣传周活动总结",
            html=text("""
                <html><head><meta charset="utf-8"></head><body>
                <p style="text-align:center"><b>江北区民政局2024年节能宣传周活动总结</b></p>
                <p>区机关事务局：</p>
                <p>根据活动通知要求，我局于5月13日至19日组织局机关及下属事业单位开展了节能宣传周活动，现将情况报告如下。</p>
                <p>一、开展宣传。在局机关和区社会福利院摆放节能展板4块，张贴节能海报20张；结合社区治理工作，在社区宣传垃圾分类知识，发放宣传资料600份。</p>
                <p>二、倡导绿色出行。5月15日组织干部职工开展“无车日”活动，干部职工步行或乘坐公共交通上班，参与55人。</p>
                <p>三、节约用电。局机关推行人走灯灭，空调温度不低于26℃。</p>
                <table border="1" cellspacing="0">
                <tr><th>活动名称</th><th>参与人数</th><th>发放资料（份）</th></tr>
                <tr><td>节能宣传</td><td>40</td><td>600</td></tr>
                <tr><td>无车日活动</td><td>55</td><td>—</td></tr>
                </table>
                <p style="text-align:right">江北区民政局<br>2024年5月16日</p>
                </body></html>
            """),
            cte="quoted-printable",
            mailer=OUTLOOK,
        ),
        Demo(
            slug="fusheng-wps",
            when=at(16, 17, 5),
            sender="fusheng@jiangbei.example",
            sender_name="复盛镇党政办",
            name_style="gbk",
            subject="复盛镇2024年节能宣传周工作总结",
            subject_style="gbk",
            body=text("""
                区机关事务局：

                附件为我镇节能宣传周工作总结（WPS格式），请查收。

                复盛镇党政办
            """),
            charset="gbk",
            attachments=(
                Attachment(
                    "复盛镇节能宣传周工作总结.wps",
                    wps_document(),
                    OCTET,
                    name_style="gbk-quoted",
                ),
            ),
            mailer=FOXMAIL,
        ),
        Demo(
            slug="yuzui-qq-sender",
            when=at(16, 18, 10),
            sender="3076628145@example.com",
            sender_name="鱼嘴镇政府办",
            subject="鱼嘴镇节能宣传周和低碳日活动开展情况",
            body=text("""
                鱼嘴镇2024年节能宣传周和全国低碳日活动开展情况

                一、组织机关干部职工收看节能宣传周启动仪式直播，参与38人。
                二、5月15日全国低碳日当天，镇机关开展低碳体验活动，公务用车停驶，干部职工乘坐公交或骑行上班。
                三、在场镇主要街道悬挂横幅4条，在农贸市场开展节能宣传，发放宣传资料1000余份。
                四、开展节能知识扫码答题，参与80人次。
                五、机关食堂开展光盘行动，推行垃圾分类。

                鱼嘴镇人民政府
                2024年5月16日
            """),
            charset="gb18030",
            mailer=QQMAIL,
        ),
        Demo(
            slug="jiangbeicheng-docx",
            when=at(16, 19, 20),
            sender="jiangbeicheng@jiangbei.example",
            sender_name="江北城街道",
            subject="江北城街道节能宣传周活动开展情况",
            body=text("""
                区机关事务局：

                附件为江北城街道节能宣传周活动开展情况，请查收。
            """),
            attachments=(
                Attachment(
                    "江北城街道节能宣传周活动开展情况.docx",
                    make_docx(JIANGBEICHENG_REPORT, at(16, 19, 0)),
                    DOCX_TYPE,
                    name_style="rfc2231-upper",
                ),
            ),
            mailer=OUTLOOK,
        ),
        Demo(
            slug="cq18z-docx-table",
            when=at(16, 20, 30),
            sender="cq18z@jiangbei.example",
            sender_name="重庆十八中办公室",
            subject="重庆十八中2024年节能宣传周活动总结",
            body=text("""
                区机关事务局：

                报送我校2024年节能宣传周活动总结，请查收。

                重庆市第十八中学校办公室
            """),
            attachments=(
                Attachment(
                    "重庆十八中节能宣传周活动总结.docx",
                    make_docx(CQ18Z_REPORT, at(16, 20, 0)),
                    DOCX_TYPE,
                ),
            ),
            mailer=FOXMAIL,
        ),
        Demo(
            slug="jbrmyy-docx-table",
            when=at(17, 9, 10),
            sender="jbrmyy_hq@jiangbei.example",
            sender_name="区人民医院总务科",
            subject="江北区人民医院2024年节能宣传周活动总结",
            body=text("""
                区机关事务局：

                附件为我院2024年节能宣传周活动总结，请审阅。

                江北区人民医院总务科
                电话：67923015
            """),
            attachments=(
                Attachment(
                    "江北区人民医院节能宣传周活动总结.docx",
                    make_docx(JBRMYY_REPORT, at(17, 9, 0)),
                    DOCX_TYPE,
                ),
            ),
            mailer=OUTLOOK,
        ),
        Demo(
            slug="jbzyy-pdf",
            when=at(17, 10, 0),
            sender="jbzyy@jiangbei.example",
            sender_name="江北区中医院",
            subject="江北区中医院节能宣传周和低碳日活动总结",
            body=text("""
                您好！附件为我院节能宣传周和低碳日活动总结，请查收。
            """),
            attachments=(
                Attachment(
                    "江北区中医院节能宣传周和低碳日活动总结.pdf",
                    make_pdf(JBZYY_REPORT, at(17, 9, 45)),
                    PDF_TYPE,
                ),
            ),
            mailer=FOXMAIL,
        ),
        Demo(
            slug="czj-pdf-rfc2231",
            when=at(17, 10, 45),
            sender="czj@jiangbei.example",
            sender_name="江北区财政局",
            subject="江北区财政局节能宣传周工作总结",
            body=text("""
                区机关事务局：

                我局2024年节能宣传周工作总结见附件。

                江北区财政局办公室
            """),
            attachments=(
                Attachment(
                    "江北区财政局节能宣传周工作总结.pdf",
                    make_pdf(CZJ_REPORT, at(17, 10, 30)),
                    PDF_TYPE,
                    name_style="rfc2231-upper",
                ),
            ),
            mailer=OUTLOOK,
        ),
        Demo(
            slug="wjw-broken-pdf",
            when=at(17, 11, 30),
            sender="wjw@jiangbei.example",
            sender_name="区卫生健康委",
            subject="区卫生健康委2024年节能宣传周活动总结",
            body=text("""
                区机关事务局：

                节能宣传周期间，我委组织委机关及区人民医院、区中医院等直属单位开展了节能宣传活动，详细情况见附件总结。

                区卫生健康委办公室
                2024年5月17日
            """),
            attachments=(
                Attachment(
                    "区卫生健康委2024年节能宣传周活动总结.pdf",
                    broken_pdf(),
                    PDF_TYPE,
                ),
            ),
            mailer=OUTLOOK,
        ),
        Demo(
            slug="xincun-body",
            when=at(17, 12, 10),
            sender="xincun@jiangbei.example",
            sender_name="新村实验小学",
            subject="江北区新村实验小学节能宣传周活动总结",
            body=text("""
                江北区新村实验小学2024年节能宣传周活动总结

                为培养学生节约能源的意识，我校于5月13日至17日开展了节能宣传周活动。

                一、开展“小手拉大手，节能齐步走”主题教育，各班利用班会课向学生讲解节约用电、节约用水小常识，共开展主题班会36节。
                二、组织学生制作节能手抄报，评选优秀作品40幅并在校园宣传栏展出。
                三、学校行政办公区空调温度设置不低于26℃，教室、功能室做到人走灯灭。
                四、向家长发放《致家长的一封信》1800份，倡导家庭节约用电。

                江北区新村实验小学
                2024年5月17日
            """),
            cte="quoted-printable",
            mailer=FOXMAIL,
        ),
        Demo(
            slug="guanyinqiao-summary-docx",
            when=at(17, 14, 0),
            sender="gyqjd_dzb@jiangbei.example",
            sender_name="观音桥街道党政办",
            subject="观音桥街道2024年节能宣传周和全国低碳日活动总结",
            body=text("""
                区机关事务局：

                现将观音桥街道2024年节能宣传周和全国低碳日活动总结报送你局，请审阅。

                观音桥街道党政办
                2024年5月17日
            """),
            attachments=(
                Attachment(
                    "观音桥街道2024年节能宣传周和全国低碳日活动总结.docx",
                    make_docx(GUANYINQIAO_REPORT, at(17, 13, 40)),
                    DOCX_TYPE,
                    name_style="gbk-quoted",
                ),
            ),
            mailer=FOXMAIL,
        ),
        Demo(
            slug="zjw-body",
            when=at(17, 15, 20),
            sender="zjw@jiangbei.example",
            sender_name="区住房城乡建委",
            subject="区住房城乡建委节能宣传周活动开展情况",
            body=text("""
                区住房城乡建委2024年节能宣传周活动开展情况

                按照区机关事务局通知要求，我委结合建设行业特点开展了节能宣传周活动。

                一、开展建筑节能宣传。5月14日在委机关举办建筑节能与绿色建筑技术交流会1场，邀请行业专家讲解绿色建筑标准，辖区建设、设计、施工单位代表80余人参加。
                二、营造宣传氛围。在委机关办公楼和在建工地LED显示屏播放节能宣传标语，在委机关大厅摆放展板3块。
                三、践行绿色出行。活动期间倡导干部职工少开车，每周“少开一天车”，5月15日机关干部职工乘坐公共交通上班。
                四、节约用电。委机关办公区空调温度设置不低于26℃，下班前关闭电源。

                下一步，我委将继续推进既有公共建筑节能改造，计划年内完成改造面积5万平方米。

                区住房城乡建委办公室
                2024年5月17日
            """),
            mailer=OUTLOOK,
        ),
        Demo(
            slug="scjgj-plain-and-html",
            when=at(17, 16, 5),
            sender="scjgj@jiangbei.example",
            sender_name="区市场监管局",
            subject="区市场监管局2024年节能宣传周活动总结",
            body=text("""
                区市场监管局2024年节能宣传周活动总结

                一、开展能效标识宣传。结合市场监管职能，在辖区大型商场、家电卖场开展能效标识宣传，发放《能效标识选购指南》1500份，悬挂横幅3条。
                二、组织干部职工扫码参加公共机构节能知识网络竞答，参与110人次。
                三、推行绿色办公。机关食堂开展光盘行动，办公室推行无纸化办公。

                区市场监管局办公室
                2024年5月17日
            """),
            html=text("""
                <div style="font-family:宋体">
                <div><b>区市场监管局2024年节能宣传周活动总结</b></div>
                <div>一、开展能效标识宣传。结合市场监管职能，在辖区大型商场、家电卖场开展能效标识宣传，发放《能效标识选购指南》1500份，悬挂横幅3条。</div>
                <div>二、组织干部职工扫码参加公共机构节能知识网络竞答，参与110人次。</div>
                <div>三、推行绿色办公。机关食堂开展光盘行动，办公室推行无纸化办公。</div>
                <div>区市场监管局办公室<br>2024年5月17日</div>
                </div>
            """),
            charset="gb18030",
            mailer=QQMAIL,
        ),
        Demo(
            slug="rlsbj-body",
            when=at(17, 16, 50),
            sender="rlsbj@jiangbei.example",
            sender_name="区人力社保局",
            subject="区人力社保局节能宣传周工作总结",
            body=text("""
                区人力社保局节能宣传周工作总结

                活动期间，我局组织干部职工65人收看全国节能宣传周启动仪式直播；组织干部职工参加节能知识网络竞答，参与答题80余人次；在社保经办大厅电子屏滚动播放节能宣传标语，在服务窗口摆放节能宣传资料供群众取阅；机关推行双面打印，减少一次性纸杯使用。

                区人力社保局
                2024年5月17日
            """),
            cte="8bit",
            mailer=OUTLOOK,
        ),
        Demo(
            slug="wlw-docx",
            when=at(17, 17, 30),
            sender="wlw@jiangbei.example",
            sender_name="区文化旅游委",
            subject="区文化旅游委2024年节能宣传周活动情况",
            body=text("""
                区机关事务局：

                附件为我委2024年节能宣传周活动情况，请查收。
            """),
            attachments=(
                Attachment(
                    "区文化旅游委2024年节能宣传周活动情况.docx",
                    make_docx(WLW_REPORT, at(17, 17, 0)),
                    DOCX_TYPE,
                ),
            ),
            mailer=OUTLOOK,
        ),
        Demo(
            slug="huaxinjie-correction",
            when=at(17, 18, 20),
            sender="huaxinjie@jiangbei.example",
            sender_name="华新街街道",
            subject="【更正】华新街街道2024年节能宣传周工作总结",
            body=text("""
                区机关事务局：

                我街道5月15日报送的节能宣传周工作总结中部分数据统计有误，现予以更正，请以本次报送材料为准。具体更正如下：悬挂横幅由8条更正为10条，发放宣传资料由1500份更正为2500余份，参与群众由180人更正为260余人。另补充节约用电相关内容。

                给您的工作带来不便，敬请谅解。

                华新街街道党政办
                2024年5月17日
            """),
            attachments=(
                Attachment(
                    "【更正】华新街街道2024年节能宣传周工作总结.docx",
                    make_docx(HUAXINJIE_CORRECTED, at(17, 18, 0)),
                    DOCX_TYPE,
                ),
            ),
            mailer=FOXMAIL,
        ),
        Demo(
            slug="xcb-body",
            when=at(17, 19, 40),
            sender="xcb@jiangbei.example",
            sender_name="区委宣传部",
            subject="区委宣传部节能宣传周活动开展情况",
            body=text("""
                区委宣传部2024年节能宣传周活动开展情况

                一、加强新闻宣传。协调区融媒体中心刊发节能宣传周新闻报道6篇，在“江北发布”微信公众号推送节能降碳主题稿件3篇。
                二、投放公益广告。在全区户外大屏、楼宇电视投放节能降碳公益广告，滚动播放节能宣传片。
                三、部机关组织干部职工28人收看全国节能宣传周启动仪式直播。
                四、部机关推行无纸化办公，会议材料双面打印。

                区委宣传部办公室
                2024年5月17日
            """),
            mailer=OUTLOOK,
        ),
        Demo(
            slug="zgh-qq-sender",
            when=at(17, 21, 15),
            sender="1697325584@example.com",
            sender_name="区总工会 陈静",
            subject="区总工会节能宣传周活动总结",
            body=text("""
                区总工会2024年节能宣传周活动总结

                一、5月16日举办“节能降碳·职工先行”知识竞赛，全区12家基层工会组队参赛，参赛职工350人。
                二、5月15日组织机关干部和基层工会职工开展“绿色出行”健步走活动，参与职工120人。
                三、通过“江北工会”微信公众号发出节能倡议，推送节能知识3期。

                区总工会办公室
                2024年5月17日
            """),
            charset="gb18030",
            mailer=QQMAIL,
        ),
        Demo(
            slug="ghzrzyj-body",
            when=at(17, 22, 30),
            sender="ghzrzyj@jiangbei.example",
            sender_name="规划自然资源局江北区分局",
            subject="区规划自然资源局节能宣传周活动开展情况",
            body=text("""
                区规划自然资源局节能宣传周活动开展情况

                我局按照要求开展了节能宣传周活动：组织干部职工33人收看启动仪式直播；在局机关悬挂横幅1条、摆放展板2块；办公楼六楼以下停开电梯，空调温度不低于26℃；推行无纸化办公。

                区规划自然资源局办公室
                2024年5月17日
            """),
            cte="8bit",
            mailer=OUTLOOK,
        ),
        Demo(
            slug="ybj-before-deadline",
            when=at(17, 23, 40),
            sender="ybj@jiangbei.example",
            sender_name="区医保局",
            subject="区医保局2024年节能宣传周工作总结",
            body=text("""
                区医保局2024年节能宣传周工作总结

                节能宣传周期间，我局组织干部职工收看启动仪式直播，参与26人；在医保服务大厅摆放节能宣传资料，发放宣传资料300份；全国低碳日当天，局机关开展“低碳体验日”活动，停开办公区空调，干部职工绿色出行上下班。

                区医保局办公室
                2024年5月17日
            """),
            mailer=OUTLOOK,
        ),
        Demo(
            slug="guojiatuo-late",
            when=at(20, 9, 36),
            sender="guojiatuo@jiangbei.example",
            sender_name="郭家沱街道",
            subject="郭家沱街道2024年节能宣传周工作总结（补报）",
            body=text("""
                区机关事务局：

                因近期防汛工作任务较重，我街道未能按时报送节能宣传周工作总结，特此补报，敬请谅解。

                郭家沱街道2024年节能宣传周工作总结

                一、组织机关干部职工40人收看全国节能宣传周启动仪式直播。
                二、在辖区悬挂节能宣传横幅5条，摆放展板2块，发放宣传资料900份。
                三、5月15日全国低碳日当天，街道机关开展能源紧缺体验活动，上午停开空调和走廊照明。
                四、开展绿色办公，推行双面打印，机关食堂开展光盘行动。

                郭家沱街道办事处
                2024年5月20日
            """),
            mailer=FOXMAIL,
        ),
    ]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.eml"):
        old.unlink()
    ordered = sorted(demos(), key=lambda d: d.when)
    for number, demo in enumerate(ordered, start=1):
        path = OUT / f"{number:02d}-{demo.slug}.eml"
        path.write_bytes(build(number, demo))
    print(f"wrote {len(ordered)} mails to {OUT}")


if __name__ == "__main__":
    main()
