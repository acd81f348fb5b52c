"""Issue 14: values a sender writes are bounded where they are read, so no mail can
stop or bend the roll-up (dates, header sizes, encoded words, nested archives)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.parse import parse
from pipeline.service.runner import open_store, run_once
from tests.builders import make_mail
from tests.conftest import Workspace
from tests.reportkit import season, table

FAR_FUTURE = "Fri, 31 Dec 9999 23:00:00 +0000"


def with_date(raw: bytes, value: str) -> bytes:
    """The mail with its Date header replaced by `value`, as a sender could write it."""
    head, sep, rest = raw.partition(b"\n\n")
    lines = [line for line in head.split(b"\n") if not line.startswith(b"Date:")]
    return b"\n".join([*lines, b"Date: " + value.encode()]) + sep + rest


@pytest.mark.parametrize(
    "value", [FAR_FUTURE, "Mon, 1 Jan 1900 00:00:00 +0800", "31 Dec 2099 23:59:59 -9959", "昨天"]
)
def test_a_date_outside_1990_2100_or_unreadable_is_unknown(value: str) -> None:
    msg = parse(with_date(make_mail(body="观音桥街道组织绿色出行。"), value))
    assert msg.date is None
    (problem,) = msg.problems
    assert "按收到时间统计" in problem.reason


def test_a_plausible_date_is_kept() -> None:
    msg = parse(with_date(make_mail(body="x"), "Thu, 16 May 2024 09:30:00 +0800"))
    assert msg.date is not None and msg.date.year == 2024 and msg.problems == ()


def test_a_mail_dated_9999_does_not_stop_the_workbook(workspace: Workspace) -> None:
    season(workspace)
    workspace.add(
        with_date(
            make_mail(
                sender="cuntan@jiangbei.example",
                subject="寸滩街道节能宣传周总结",
                body="寸滩街道组织干部职工绿色出行。",
                message_id="<far@jiangbei.example>",
            ),
            FAR_FUTURE,
        )
    )
    result = run_once(workspace.config)
    assert result.error is None and result.workbook is not None
    rows = [r for r in table(result.workbook, "明细") if r["主题"] == "寸滩街道节能宣传周总结"]
    assert rows, "the mail dated 9999 is listed in 明细"
    assert any("按收到时间统计" in str(r["问题"]) for r in table(result.workbook, "待处理"))
    # and the next run and `report` keep working
    assert run_once(workspace.config).error is None


def test_a_far_date_stored_by_an_older_mailroll_uses_the_arrival_time(
    workspace: Workspace,
) -> None:
    season(workspace)
    assert run_once(workspace.config).error is None
    store = open_store(workspace.config)
    with store.transaction() as db:  # what mailroll before issue 14 stored for such a mail
        db.execute("UPDATE submissions SET sent_at = '9999-12-31T23:00:00+00:00'"
                   " WHERE subject = '咨询'")  # fmt: skip
    store.close()
    result = run_once(workspace.config)
    assert result.error is None and result.workbook is not None
    assert Path(result.workbook).exists()
