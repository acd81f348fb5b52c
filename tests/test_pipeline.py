"""End to end on a local mailbox: mails in, workbook out, checked with openpyxl."""

from __future__ import annotations

import sqlite3
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.service.runner import open_store, run_once
from tests.builders import CHINA, make_docx, make_gbk_mail, make_mail, make_pdf
from tests.conftest import Workspace
from tests.reportkit import SHEETS

TABLE = [["活动名称", "参与人数", "发放资料"], ["低碳日体验活动", "120人", "3000份"]]


def fill(ws: Workspace) -> None:
    ws.add(
        make_mail(
            sender="guanyinqiao@jiangbei.example",
            subject="观音桥街道节能宣传周工作总结",
            body="您好，附件为我街道节能宣传周工作总结，请查收。",
            attachments=[
                (
                    "观音桥街道总结.docx",
                    make_docx(
                        ["观音桥街道2024年节能宣传周工作总结",
                         "组织干部职工收看全国节能宣传周启动仪式直播。",
                         "悬挂横幅12条，参与干部职工120人。"],
                        table=TABLE,
                    ),
                )
            ],
            date=datetime(2024, 5, 16, 9, 0, tzinfo=CHINA),
            message_id="<a1@jiangbei.example>",
        )
    )  # fmt: skip
    ws.add(
        make_mail(
            sender="huaxinjie@jiangbei.example",
            subject="华新街街道节能宣传周总结",
            body="",
            attachments=[
                ("总结.pdf", make_pdf(["华新街街道节能宣传周总结", "开展节能知识竞赛1场。"]))
            ],
            date=datetime(2024, 5, 20, 8, 0, tzinfo=CHINA),
            message_id="<a2@jiangbei.example>",
        )
    )
    ws.add(
        make_gbk_mail(
            sender="wulidian@jiangbei.example",
            subject="五里店街道节能宣传周工作动态",
            body="五里店街道（经办人王喆）本周倡导干部职工绿色出行，少开一天车。",
        )
    )
    ws.add(
        make_mail(
            sender="guanyinqiao@jiangbei.example",
            subject="【更正】观音桥街道节能宣传周工作总结",
            body="更正：本次活动悬挂横幅10条，参与干部职工150人，组织收看启动仪式直播。",
            date=datetime(2024, 5, 17, 9, 0, tzinfo=CHINA),
            message_id="<a3@jiangbei.example>",
        )
    )
    ws.add(
        make_mail(
            sender="stranger@example.org",
            subject="咨询活动安排",
            body="请问节能宣传周的材料格式有要求吗？",
            message_id="<a4@example.org>",
        )
    )
    ws.add(
        make_mail(
            sender="cuntan@jiangbei.example",
            subject="寸滩街道总结",
            body="详见附件。",
            attachments=[("寸滩街道总结.docx", make_docx(["内容"])[:200])],
            message_id="<a5@jiangbei.example>",
        )
    )
    ws.add(
        make_mail(
            sender="fgw@jiangbei.example",
            subject='=HYPERLINK("http://evil.example","点我")',
            body="区发改委组织干部职工绿色出行。",
            message_id="<a6@jiangbei.example>",
        )
    )


def rows(path: Path, sheet: str) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(path)[sheet]
    values = list(ws.iter_rows(min_row=2, values_only=True))
    header = values[0]
    return [dict(zip(header, r, strict=True)) for r in values[1:]]


def by_unit(path: Path) -> dict[str, dict[str, object]]:
    return {str(r["单位名称"]): r for r in rows(path, "汇总")}


def test_run_once_fills_every_sheet(workspace: Workspace) -> None:
    fill(workspace)
    result = run_once(workspace.config)
    assert (result.new_mails, result.processed, result.failed, result.error) == (7, 7, 0, None)
    book = result.workbook
    assert book is not None and book.name == "江北区节能宣传周汇总_累计.xlsx"
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == SHEETS

    units = by_unit(book)
    gyq = units["观音桥街道办事处"]
    assert gyq["报送状态"] == "按时"
    assert gyq["报送次数"] == 2
    assert gyq["首次报送时间"] == datetime(2024, 5, 16, 9, 0)  # a real date-time cell, local
    # the correction supersedes the first report's figures
    assert (gyq["横幅(条)"], gyq["参与人数"]) == (10, 150)
    assert gyq["收看直播"] == "✓"
    assert units["华新街街道办事处"]["报送状态"] == "逾期"
    assert units["华新街街道办事处"]["知识竞赛"] == "✓"
    assert units["五里店街道办事处"]["绿色出行"] == "✓"
    assert units["鱼嘴镇人民政府"]["报送状态"] == "未报送"
    assert units["重庆市江北区发展和改革委员会"]["绿色出行"] == "✓"

    missing = {r["单位名称"] for r in rows(book, "未报送")}
    assert "鱼嘴镇人民政府" in missing and "观音桥街道办事处" not in missing

    details = rows(book, "明细")
    files = {(r["发件地址"], r["文件"]) for r in details}
    assert ("guanyinqiao@jiangbei.example", "观音桥街道总结.docx") in files
    docx_row = next(r for r in details if r["文件"] == "观音桥街道总结.docx")
    assert "收看全国节能宣传周启动仪式直播" in str(docx_row["分类依据"])
    assert next(r for r in details if r["发件地址"] == "stranger@example.org")["单位"] == "待确认"

    problems = rows(book, "待处理")
    reasons = {(r["发件地址"], r["问题"]) for r in problems}
    assert ("stranger@example.org", "未能识别报送单位（待确认）") in reasons
    assert any(a == "cuntan@jiangbei.example" and "损坏" in str(p) for a, p in reasons)
    assert all(r["原始邮件"] == "打开原件" for r in problems)

    stats = {r["项目"]: r["单位数"] for r in rows(book, "分类统计")}
    assert stats["绿色出行"] == 2 and stats["收看直播"] == 1


def test_mail_text_is_never_a_formula(workspace: Workspace) -> None:
    fill(workspace)
    book = run_once(workspace.config).workbook
    assert book is not None
    with zipfile.ZipFile(book) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in zf.read(n) for n in sheets)
    subjects = [r["主题"] for r in rows(book, "明细")]
    assert '=HYPERLINK("http://evil.example","点我")' in subjects


def test_second_run_processes_nothing_and_rebuilds_the_same_workbook(workspace: Workspace) -> None:
    fill(workspace)
    first = run_once(workspace.config)
    assert first.workbook is not None
    before = {s: rows(first.workbook, s) for s in SHEETS}
    second = run_once(workspace.config)
    assert (second.new_mails, second.processed) == (0, 0)
    db = sqlite3.connect(workspace.config.storage.database)
    counts = [
        db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("mails", "submissions")
    ]
    assert counts == [7, 7]
    assert second.workbook == first.workbook
    assert {s: rows(second.workbook, s) for s in before} == before

    first.workbook.unlink()
    out = CliRunner().invoke(main, ["--config", str(workspace.config_path), "report"])
    assert out.exit_code == 0, out.output
    assert {s: rows(first.workbook, s) for s in before} == before


def test_week_report_shows_the_campaign_as_it_stood_at_the_end_of_that_week(
    workspace: Workspace,
) -> None:
    fill(workspace)
    run_once(workspace.config)
    books = {}
    for week in ("2024-W20", "2024-W21"):
        out = workspace.root / f"{week}.xlsx"
        result = CliRunner().invoke(
            main,
            ["--config", str(workspace.config_path), "report", "--week", week, "--out", str(out)],
        )
        assert result.exit_code == 0, result.output
        books[week] = by_unit(out)
    # 华新街 sent on Monday 20 May (W21): missing at the end of W20, late in W21
    assert books["2024-W20"]["华新街街道办事处"]["报送状态"] == "未报送"
    assert books["2024-W21"]["华新街街道办事处"]["报送状态"] == "逾期"
    # 观音桥 reported in W20 and is not shown as missing in the W21 book
    assert books["2024-W21"]["观音桥街道办事处"]["报送状态"] == "按时"
    details = rows(workspace.root / "2024-W20.xlsx", "明细")
    assert all(r["周次"] == "5月13日—5月19日" for r in details)


def test_a_mail_that_keeps_crashing_is_set_aside(workspace: Workspace) -> None:
    workspace.add(make_mail(sender="fgw@jiangbei.example", body="区发改委绿色出行。"))
    config = workspace.config
    store = open_store(config)
    raw = sorted(workspace.mailbox.glob("*.eml"))[0].read_bytes()
    sha, _ = store.save_raw(f"maildir:{workspace.mailbox}", "001.eml", raw)
    for _ in range(config.limits.max_attempts):  # it crashed its worker three times
        store.count_crash(sha)
    store.close()
    result = run_once(config)
    assert (result.processed, result.failed) == (0, 1)
    assert result.workbook is not None
    problems = rows(result.workbook, "待处理")
    assert any("不再自动重试" in str(r["问题"]) for r in problems)
    # retag tries again explicitly, and succeeds
    out = CliRunner().invoke(main, ["--config", str(workspace.config_path), "retag"])
    assert out.exit_code == 0 and "1 mails re-tagged, 0 failed" in out.output


def test_retag_applies_edited_rules(workspace: Workspace) -> None:
    rules = workspace.copy_rules()
    workspace.add(make_mail(sender="fgw@jiangbei.example", body="区发改委开展了踢毽子比赛。"))
    book = run_once(workspace.config).workbook
    assert book is not None
    assert not by_unit(book)["重庆市江北区发展和改革委员会"]["知识竞赛"]
    text = (rules / "categories.toml").read_text(encoding="utf-8")
    (rules / "categories.toml").write_text(
        text.replace('phrases = ["知识竞赛",', 'phrases = ["踢毽子比赛", "知识竞赛",'),
        encoding="utf-8",
    )
    runner = CliRunner()
    assert runner.invoke(main, ["--config", str(workspace.config_path), "retag"]).exit_code == 0
    assert runner.invoke(main, ["--config", str(workspace.config_path), "report"]).exit_code == 0
    assert by_unit(book)["重庆市江北区发展和改革委员会"]["知识竞赛"] == "✓"


def test_unparseable_mail_is_kept_and_listed(workspace: Workspace) -> None:
    workspace.add(b"")
    result = run_once(workspace.config)
    assert result.failed == 1
    store = open_store(workspace.config)
    (mail,) = store.all_mails()
    assert mail.path.exists()
    store.close()
    assert result.workbook is not None
    assert rows(result.workbook, "待处理")[0]["问题"].startswith("邮件无法解析")  # type: ignore[union-attr]


@pytest.mark.parametrize("layout", ["maildir"])
def test_maildir_layout_and_flag_renames_are_not_new_mail(
    workspace: Workspace, layout: str
) -> None:
    for sub in ("cur", "new", "tmp"):
        (workspace.mailbox / sub).mkdir()
    first = workspace.mailbox / "new" / "1715820000.M1.host"
    first.write_bytes(make_mail(sender="fgw@jiangbei.example", body="绿色出行"))
    assert run_once(workspace.config).new_mails == 1
    first.rename(workspace.mailbox / "cur" / "1715820000.M1.host:2,S")  # a client read it
    assert run_once(workspace.config).new_mails == 0
