"""The district summary draft (区级总结 .docx) against the workbook written with it:
every number in its text is the workbook's, every quoted sentence is a sentence of
the named unit's own report (read again from the archived mail), and its fixed
phrases come from the editable template."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.parse import parse_file
from pipeline.process import load_rulebook, read_message
from pipeline.rollup.report import summary_path, write_report
from pipeline.service.runner import open_store, run_once
from pipeline.store import rolls
from tests.builders import CHINA, make_mail
from tests.conftest import REPO, Workspace, write_config
from tests.reportkit import at, by_unit, processed, table

NOW = datetime(2024, 5, 27, 8, 0, tzinfo=CHINA)
FIGURES = {"参与人数": ("参与人数", "人次"), "宣传资料(份)": ("发放宣传资料", "份"),
           "横幅(条)": ("悬挂横幅", "条"), "展板(块)": ("设置展板", "块"),
           "活动(场次)": ("开展活动", "场")}  # fmt: skip
PUBLICITY = ("宣传资料(份)", "横幅(条)", "展板(块)")
OTHERS = ("参与人数", "活动(场次)")
QUOTE = re.compile(r"(?:如|；|\d\. )([^：；“”。]+?)：(“.*?”)(?=；|。|$)", re.M)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, Path, Path]:
    """The demo mailbox processed once; the cumulative workbook and its summary."""
    root = tmp_path_factory.mktemp("demo")
    (root / "mail").mkdir()
    ws = Workspace.__new__(Workspace)
    ws.root, ws.mailbox, ws._n = root, REPO / "demo" / "mail", 0
    ws.config_path = write_config(root, REPO / "demo" / "mail")
    assert run_once(ws.config).failed == 0
    store = open_store(ws.config)
    try:
        book = write_report(store, ws.config, load_rulebook(ws.config.rules_dir), now=NOW)
    finally:
        store.close()
    return ws, book, summary_path(book)


def paragraphs(path: Path) -> list[str]:
    return [p.text for p in docx.Document(str(path)).paragraphs]


def unquoted(text: str) -> str:
    """The text without quotations, dates, times and list numbers: what is left are
    the draft's own numbers."""
    text = re.sub(r"“.*?”(?=；|。|$|“)", "", text)
    text = re.sub(r"\d+年|\d+月|\d+日|\d{1,2}:\d{2}", "", text)
    return re.sub(r"^\d+\. ", "", text)


def test_every_number_in_the_summary_is_the_workbooks(demo: tuple) -> None:
    _, book, summary = demo
    assert summary.name == "江北区节能宣传周汇总_累计_区级总结.docx" and summary.is_file()
    units = [r for r in table(book, "汇总") if r["序号"] is not None]
    status = Counter(str(r["报送状态"]).split("·")[0] for r in units)
    text = paragraphs(summary)
    overall = next(p for p in text if p.startswith("全区名册内"))
    numbers = [int(n) for n in re.findall(r"\d+", unquoted(overall))]
    reported = len(units) - status["未报送"]
    by_type = []
    for unit_type in dict.fromkeys(r["单位类型"] for r in units):
        mine = [r for r in units if r["单位类型"] == unit_type]
        by_type += [len(mine), sum(r["报送状态"] != "未报送" for r in mine)]
    assert numbers == [len(units), reported, status["按时"], status["逾期"], status["未报送"],
                       *by_type]  # fmt: skip
    assert reported > 20 and status["逾期"] >= 1  # the demo has late reports

    checked, activity_numbers = 0, set()
    for label in (
        "绿色出行",
        "低碳日活动",
        "节约用电",
        "收看直播",
        "知识竞赛",
        "宣传推介",
        "绿色办公",
    ):
        doing = [r for r in units if r[label] == "✓"]
        para = next(p for p in text if f"开展了{label.removesuffix('活动')}活动" in p)
        expected = [len(doing)]
        for column in PUBLICITY if label == "宣传推介" else OTHERS:
            total = sum(int(r[column] or 0) for r in doing)
            if total:
                name, measure = FIGURES[column]
                assert f"{name}{total}{measure}" in para, (label, column)
                expected.append(total)
        head = para.split("。")[0]
        assert [int(n) for n in re.findall(r"\d+", head)] == expected, label
        activity_numbers.update(expected)
        checked += 1
    assert checked == 7
    missing = [str(r["单位名称"]) for r in units if r["报送状态"] == "未报送"]
    problem = next(p for p in text if p.startswith("尚有"))
    assert problem.startswith(f"尚有{len(missing)}个单位未报送") and all(
        m in problem for m in missing
    )
    pending = len(table(book, "待处理"))
    assert f"另有{pending}项" in next(p for p in text if p.startswith("另有"))
    # no number anywhere that the checks above did not account for
    allowed = {len(units), reported, pending, len(missing), *numbers, *activity_numbers}
    stray = [n for p in text for n in re.findall(r"\d+", unquoted(p)) if int(n) not in allowed]
    assert stray == []


def test_each_quote_is_a_sentence_of_the_named_units_report(demo: tuple) -> None:
    ws, _, summary = demo
    text = "\n".join(paragraphs(summary))
    quotes = QUOTE.findall(text)
    assert len(quotes) >= 15  # two or three per activity, and the typical practices
    config = ws.config
    book = load_rulebook(config.rules_dir)
    names = {u.name: u.id for u in book.roster.units}
    store = open_store(config)
    try:
        columns, rows = rolls.submissions_table(store)
    finally:
        store.close()
    mails: dict[str, list[str]] = {}
    for row in rows:
        record = dict(zip(columns, row, strict=True))
        if record["unit_id"]:
            mails.setdefault(record["unit_id"], []).append(record["archive_path"])
    read: dict[str, str] = {}
    for unit, quoted in quotes:
        assert unit in names, unit
        if unit not in read:
            texts = []
            for path in mails[names[unit]]:
                reading = read_message(parse_file(config.storage.archive / path))
                texts += [d.text for d in reading.documents]
            read[unit] = re.sub(r"\s+", "", "\n".join(texts))
        for sentence in re.findall(r"“(.*?)”(?=“|$)", quoted):
            assert len(sentence) >= 8
            assert re.sub(r"\s+", "", sentence) in read[unit], (unit, sentence)
    # the quotes are spread over many units, not the same three every time
    assert len({u for u, _ in quotes}) >= 8


def test_sections_follow_the_notice_and_the_template(demo: tuple) -> None:
    _, _, summary = demo
    text = paragraphs(summary)
    assert text[0] == "关于2024年全国节能宣传周和全国低碳日工作开展情况的报告"
    heads = [p for p in text if re.match(r"^[一二三四]、", p)]
    assert heads == ["一、总体情况", "二、各项活动开展情况", "三、典型做法", "四、存在问题"]
    subs = [p for p in text if p.startswith("（")]
    assert subs == ["（一）绿色出行", "（二）低碳日活动", "（三）节约用电", "（四）收看直播",
                    "（五）知识竞赛", "（六）宣传推介", "（七）绿色办公"]  # fmt: skip
    practices = [p for p in text if re.match(r"^\d\. ", p)]
    assert len(practices) == 3 and all("：“" in p for p in practices)


def test_layout_is_the_official_document_standard(demo: tuple) -> None:
    _, _, summary = demo
    doc = docx.Document(str(summary))
    section = doc.sections[0]
    sizes = (section.page_width, section.page_height, section.top_margin, section.bottom_margin,
             section.left_margin, section.right_margin)  # fmt: skip
    mm = [round(v.mm) for v in sizes]
    assert mm == [210, 297, 37, 35, 28, 26]
    title, body = doc.paragraphs[0].runs[0], doc.paragraphs[2].runs[0]
    assert (title.font.size.pt, title.font.name) == (22, "方正小标宋简体")
    assert (body.font.size.pt, body.font.name) == (16, "仿宋_GB2312")
    east_asian = body._element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
    )
    assert east_asian == "仿宋_GB2312"
    assert round(doc.styles["Normal"].paragraph_format.line_spacing.pt, 2) == 28.95
    assert doc.settings.odd_and_even_pages_header_footer
    footer = section.footer._element.xml
    assert "PAGE" in footer and "— " in footer


def test_summary_command_and_an_edited_template(workspace: Workspace) -> None:
    rules = workspace.copy_rules()
    template = rules / "templates" / "summary.toml"
    text = template.read_text(encoding="utf-8")
    edited = text.replace(
        'recipient = "市机关事务管理局："', 'recipient = "重庆市机关事务管理局："'
    )
    template.write_text(edited, encoding="utf-8")
    processed(workspace)
    out = workspace.root / "总结.docx"
    run = CliRunner().invoke(main, ["--config", str(workspace.config_path), "summary",
                                    "--week", "2024-W20", "--out", str(out)])  # fmt: skip
    assert run.exit_code == 0, run.output
    assert run.output.strip() == f"summary: {out}"
    assert paragraphs(out)[1] == "重庆市机关事务管理局："
    # the 石马河 attachment could not be read: 存在问题 says so
    assert any("无法读取" in p and "石马河街道办事处" in p for p in paragraphs(out))
    assert by_unit(workspace.root / "output" / "江北区节能宣传周汇总_累计.xlsx")

    wrong = CliRunner().invoke(main, ["--config", str(workspace.config_path), "summary",
                                      "--out", str(workspace.root / "总结.xlsx")])  # fmt: skip
    assert wrong.exit_code == 2 and "not a .docx name" in wrong.output

    template.write_text(text.replace("{roster}", "{roster_size}"), encoding="utf-8")
    bad = CliRunner().invoke(main, ["--config", str(workspace.config_path), "summary"])
    assert bad.exit_code == 1
    lines = bad.output.strip().splitlines()
    assert len(lines) == 1 and "summary.toml" in lines[0] and "roster_size" in lines[0]
    assert "Traceback" not in bad.output


def test_a_missing_template_never_costs_the_workbook(workspace: Workspace) -> None:
    rules = workspace.copy_rules()
    processed(workspace)
    (rules / "templates" / "summary.toml").unlink()
    run = CliRunner().invoke(main, ["--config", str(workspace.config_path), "report"])
    assert run.exit_code == 0, run.output
    book = workspace.root / "output" / "江北区节能宣传周汇总_累计.xlsx"
    assert f"workbook: {book}" in run.output and "summary: not written" in run.output
    assert by_unit(book)["观音桥街道办事处"]["报送状态"] == "按时"
    assert not summary_path(book).exists()  # no draft left with older numbers
    alone = CliRunner().invoke(main, ["--config", str(workspace.config_path), "summary"])
    assert alone.exit_code == 1 and "summary template not found" in alone.output


def test_hostile_text_in_a_report_is_quoted_harmlessly(workspace: Workspace) -> None:
    body = ("寸滩街道组织干部职工绿色出行\x08，\u202e步行上班\x01，参与干部职工60人。"
            "在街道机关悬挂节能宣传横幅3条。")  # fmt: skip
    workspace.add(make_mail(sender="cuntan@jiangbei.example", subject="寸滩街道总结", body=body,
                            date=at(16), message_id="<hostile@x>"))  # fmt: skip
    processed(workspace)
    run = CliRunner().invoke(main, ["--config", str(workspace.config_path), "summary"])
    assert run.exit_code == 0, run.output
    text = "\n".join(paragraphs(Path(run.output.split("summary: ", 1)[1].strip())))
    assert "寸滩街道办事处：“" in text
    assert not any(ch in text for ch in "\x08\x01\u202e")
