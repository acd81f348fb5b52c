"""Corrections made over HTTP reach the workbook, survive retag, and undo in one
step; a mail whose sender address and signature disagree counts for neither unit
until a person decides."""

from __future__ import annotations

import html
import time

import pytest

from pipeline.process import load_rulebook
from pipeline.rollup.report import write_report
from pipeline.service.runner import open_store, retag, run_once
from pipeline.store.corrections import Correction, save_correction, undo_correction
from pipeline.store.workbooks import cumulative_stale
from tests.builders import make_mail
from tests.conftest import Workspace
from tests.reportkit import at, by_unit, table
from tests.webkit import CONFLICT_SUBJECT, Client, campaign, mail_sha, serving

AUDIT, JUSTICE = "重庆市江北区审计局", "重庆市江北区司法局"


def _workbook(ws: Workspace) -> str:
    config = ws.config
    store = open_store(config)
    try:
        return str(write_report(store, config, load_rulebook(config.rules_dir)))
    finally:
        store.close()


def _details(ws: Workspace, path: str, subject: str) -> list[dict[str, object]]:
    return [r for r in table(path, "明细") if r["主题"] == subject]  # type: ignore[arg-type]


def test_disagreement_goes_to_review_and_counts_for_neither_unit(workspace: Workspace) -> None:
    ws = campaign(workspace)
    book = _workbook(ws)
    units = by_unit(book)
    assert units[AUDIT]["报送状态"] == "未报送"
    assert units[JUSTICE]["报送状态"] == "未报送"
    row = _details(ws, book, CONFLICT_SUBJECT)[0]
    assert (row["单位"], row["单位识别依据"], row["计入情况"]) == (
        "待确认", "地址与署名不一致", "单位待确认，未计入")  # fmt: skip
    problems = [r["问题"] for r in table(book, "待处理") if r["主题"] == CONFLICT_SUBJECT]
    assert any(f"发件地址属于{JUSTICE}，材料署名为{AUDIT}" in str(p) for p in problems), problems


@pytest.fixture
def editor(workspace: Workspace):  # type: ignore[no-untyped-def]
    ws = campaign(workspace)
    with serving(ws.config) as base:
        client = Client(base)
        assert client.sign_in("zhang").status == 302
        yield ws, client


def test_assigning_with_remember_credits_the_unit_survives_retag_and_undoes(editor) -> None:  # type: ignore[no-untyped-def]
    ws, client = editor
    sha = mail_sha(client.get("/queue").text, CONFLICT_SUBJECT)
    form = {"unit_id": "sjj", "remember": "1", "note": "电话核实", "csrf": client.csrf()}
    assert client.post(f"/mail/{sha}/unit", form).status == 303
    assert "sfj@jiangbei.example" in client.get("/senders").text

    book = _workbook(ws)
    assert by_unit(book)[AUDIT]["报送状态"] == "按时"
    assert by_unit(book)[JUSTICE]["报送状态"] == "未报送"
    row = _details(ws, book, CONFLICT_SUBJECT)[0]
    assert row["单位"] == AUDIT and row["单位识别依据"] == "人工指定"
    assert "zhang" in str(row["人工更正"]) and f"单位改为 {AUDIT}（电话核实）" in str(
        row["人工更正"]
    )
    assert not [r for r in table(book, "待处理") if r["主题"] == CONFLICT_SUBJECT]

    retag(ws.config)  # the correction is kept apart from the results
    assert by_unit(_workbook(ws))[AUDIT]["报送状态"] == "按时"

    # the remembered address: the next mail from it is the audit office's, no question
    later_mail = make_mail(
        sender="sfj@jiangbei.example",
        subject="节能宣传周工作动态",
        body="组织干部职工绿色出行。",
        date=at(18),
        message_id="<next@x>",
    )
    ws.add(later_mail)
    run_once(ws.config)
    later = _details(ws, _workbook(ws), "节能宣传周工作动态")[0]
    assert (later["单位"], later["单位识别依据"]) == (AUDIT, "发件地址")

    log = client.get("/log").text
    fix_id = log.split("/correction/")[1].split("/undo")[0]
    assert client.post(f"/correction/{fix_id}/undo", {"csrf": client.csrf()}).status == 303
    assert "sfj@jiangbei.example" not in client.get("/senders").text.split("已忽略的发件人")[0]
    retag(ws.config)  # the address is no longer remembered: both mails go back
    book = _workbook(ws)
    assert _details(ws, book, CONFLICT_SUBJECT)[0]["单位"] == "待确认"
    assert "已撤销" in client.get("/log").text


def test_document_and_mail_corrections_reach_the_workbook(editor) -> None:  # type: ignore[no-untyped-def]
    ws, client = editor
    units = by_unit(_workbook(ws))
    guanyinqiao = "观音桥街道办事处"
    before = units[guanyinqiao]
    assert (before["绿色出行"], before["知识竞赛"], before["横幅(条)"]) == (None, "✓", 10)
    assert before["参与人数"] == 150
    sha = mail_sha(client.get("/unit/guanyinqiao").text, "【更正】观音桥街道节能宣传周工作总结")
    token = client.csrf()
    post = client.post
    assert post(f"/mail/{sha}/category", {"ordinal": "0", "category": "green_commute",
                                          "value": "1", "csrf": token}).status == 303  # fmt: skip
    assert post(f"/mail/{sha}/category", {"ordinal": "0", "category": "quiz", "value": "0",
                                          "csrf": token}).status == 303  # fmt: skip
    assert post(f"/mail/{sha}/figure", {"ordinal": "0", "key": "banners", "value": "12",
                                        "csrf": token}).status == 303  # fmt: skip
    assert post(f"/mail/{sha}/figure", {"ordinal": "0", "key": "participants", "value": "",
                                        "csrf": token}).status == 303  # fmt: skip
    retag(ws.config)
    row = by_unit(_workbook(ws))[guanyinqiao]
    assert (row["绿色出行"], row["知识竞赛"], row["横幅(条)"], row["参与人数"]) == (
        "✓",
        None,
        12,
        None,
    )

    huaxinjie = mail_sha(client.get("/unit/huaxinjie").text, "华新街街道节能宣传周总结")
    assert post(f"/mail/{huaxinjie}/report", {"value": "0", "note": "只是咨询",
                                              "csrf": token}).status == 303  # fmt: skip
    assert by_unit(_workbook(ws))["华新街街道办事处"]["报送状态"] == "未报送"


def test_handled_rows_and_ignored_senders_leave_the_review_queue(editor) -> None:  # type: ignore[no-untyped-def]
    ws, client = editor
    book = _workbook(ws)
    assert [r for r in table(book, "待处理") if r["发件地址"] == "stranger@example.org"]
    token = client.csrf()
    assert client.post("/sender/ignore", {"address": "stranger@example.org", "note": "推销",
                                          "csrf": token}).status == 303  # fmt: skip
    queue = client.get("/queue").text
    assert "stranger@example.org" not in queue.split('id="problems"')[1]
    book = _workbook(ws)
    assert not [r for r in table(book, "待处理") if r["发件地址"] == "stranger@example.org"]
    row = next(r for r in table(book, "明细") if r["发件地址"] == "stranger@example.org")
    assert row["计入情况"] == "已忽略该发件人，未计入"  # still listed: nothing is dropped

    shimahe = [r for r in table(book, "待处理") if r["发件地址"] == "shimahe@jiangbei.example"]
    assert shimahe
    sha = mail_sha(client.get("/unit/shimahe").text, "石马河街道总结")
    key = client.get(f"/mail/{sha}").text.split('name="key" value="')[1].split('"')[0]
    assert client.post("/problem/handled", {"sha256": sha, "key": html.unescape(key),
                                            "csrf": token}).status == 303  # fmt: skip
    retag(ws.config)
    after = [
        r for r in table(_workbook(ws), "待处理") if r["发件地址"] == "shimahe@jiangbei.example"
    ]
    assert len(after) == len(shimahe) - 1


def test_a_correction_or_its_undo_makes_the_cumulative_workbook_stale(workspace: Workspace) -> None:
    ws = campaign(workspace)
    run_once(ws.config, write_unchanged=False)
    store = open_store(ws.config)
    try:
        assert not cumulative_stale(store)
        sha = store.all_mails()[0].sha256
        fix = save_correction(store, Correction("report", sha, new_value="0"), "zhang")
        assert cumulative_stale(store)
        store.close()
        time.sleep(1.1)  # times are whole seconds: the write comes a second after
        run_once(ws.config, write_unchanged=False)  # what the service's next poll does
        store = open_store(ws.config)
        assert not cumulative_stale(store)
        undo_correction(store, fix, "zhang")
        assert cumulative_stale(store)
    finally:
        store.close()


def test_the_mail_page_marks_a_weak_tick_resting_on_one_sentence(editor) -> None:  # type: ignore[no-untyped-def]
    """As in 明细: 绿色办公 on one sentence is 待核 on the mail's page; 节约用电 on two is not."""
    ws, client = editor
    body = ("五宝镇机关推行双面打印，减少纸张使用。办公区域随手关灯。"
            "全镇机关空调温度不低于26℃。")  # fmt: skip
    ws.add(make_mail(sender="wubao@jiangbei.example", subject="五宝镇节能周小结", body=body,
                     date=at(16), message_id="<wb-page@x>"))  # fmt: skip
    run_once(ws.config)
    sha = mail_sha(client.get("/unit/wubao").text, "五宝镇节能周小结")
    page = html.unescape(client.get(f"/mail/{sha}").text)
    assert "【绿色办公·待核】五宝镇机关推行双面打印" in page
    assert "【节约用电】办公区域随手关灯" in page and "节约用电·待核" not in page
