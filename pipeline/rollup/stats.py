"""分类统计: units per category, figure totals and statuses; in the cumulative
book one column per week of the campaign (as it stood at that week's end, headed
by the date, 截至5月19日) and 较上周, the change over the latest week.

The weeks start at the week the campaign begins (mail sent earlier counts from
then on) and end at the week the latest mail came in, so no column stands for a
week before the campaign and 较上周 is the change the last week brought, not
the zeros of the quiet weeks after it. The same latest week defines 新到 (what
came in since the previous book) in 汇总 and 概况.
"""

from __future__ import annotations

import pandas as pd

from pipeline.models import FIGURE_KEYS
from pipeline.rollup import campaigns as cal
from pipeline.rollup.campaigns import Week
from pipeline.rollup.context import Context
from pipeline.rollup.mailsheets import FIGURE_LABELS
from pipeline.rollup.standing import (
    SHOWN_STATUSES,
    STATUS_LATE,
    STATUS_LATE_CHECK,
    STATUS_ON_TIME,
    STATUS_ON_TIME_CHECK,
    rollup,
    tally,
)
from pipeline.rollup.workbook import Chart, Sheet


def book_weeks(ctx: Context) -> list[Week]:
    """The weeks a book covers: its own week, or (累计) the campaign's first week up
    to the week of the latest counted mail (at least the first week)."""
    if ctx.scope.week is not None:
        return [ctx.scope.week]
    campaign = ctx.scope.campaign
    all_weeks = cal.weeks(campaign, until=ctx.scope.now)
    first = cal.first_week(campaign)
    counted = ctx.counting[ctx.counting["counted"]] if len(ctx.counting) else ctx.counting
    latest = cal.week_of(counted["when"].max()) if len(counted) else first
    shown = [w for w in all_weeks if first.monday <= w.monday <= latest.monday]
    return shown or [first]


def new_units(ctx: Context) -> set[str]:
    """Units with counted mail in the book's latest week (since the previous book)."""
    week = book_weeks(ctx)[-1]
    start = pd.Timestamp(week.bounds(ctx.scope.campaign.timezone)[0])
    subs = ctx.counting
    if not len(subs):
        return set()
    fresh = subs[subs["counted"] & subs["unit_id"].notna() & (subs["when"] >= start)]
    return set(fresh["unit_id"])


def new_label(ctx: Context) -> str:
    """How 概况 names the latest week: 本周新到, or 5月20日—5月26日新到."""
    return "本周新到" if ctx.scope.week is not None else f"{book_weeks(ctx)[-1].span}新到"


def stats_sheet(ctx: Context, standing: pd.DataFrame) -> Sheet:
    roster_size = max(len(ctx.units), 1)
    rows = _stat_rows(ctx, tally(standing, ctx.asked), roster_size)
    frame = pd.DataFrame(rows, columns=["类别", "项目", "单位数", "占名册比例", "合计"])
    if ctx.scope.week is None:  # cumulative: the state at the end of each week
        ids = [u.id for u in ctx.units]
        tz = ctx.scope.campaign.timezone
        columns = []
        for week in book_weeks(ctx):
            end = pd.Timestamp(week.bounds(tz)[1])
            then = ctx.counting[ctx.counting["when"] < end]
            counts = tally(rollup(then, ids, ctx.scope.campaign.deadline), ctx.asked)
            column = f"截至{cal.cn_day(week.sunday)}"
            frame[column] = [weekly_value(counts, key) for key in _row_keys(ctx)]
            columns.append(column)
        if len(columns) >= 2:
            frame["较上周"] = frame[columns[-1]] - frame[columns[-2]]
    return Sheet(
        "分类统计",
        frame,
        widths={"类别": 10, "项目": 16, "占名册比例": 11},
        formats={"占名册比例": "0%"},
        center=("类别",),
        chart=Chart("各类活动开展单位数", label="项目", value="单位数", rows=len(ctx.asked)),
    )


def _row_keys(ctx: Context) -> list[str]:
    return [*ctx.asked, *FIGURE_KEYS, *SHOWN_STATUSES]


def _stat_rows(ctx: Context, counts: dict[str, int], roster_size: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for c in ctx.asked:
        n = counts[c]
        rows.append(
            {"类别": "活动开展", "项目": ctx.label(c), "单位数": n, "占名册比例": n / roster_size}
        )
    for key in FIGURE_KEYS:
        rows.append(
            {
                "类别": "数据合计",
                "项目": FIGURE_LABELS[key],
                "单位数": counts[f"{key}:units"],
                "合计": counts[f"{key}:total"],
            }
        )
    for status in SHOWN_STATUSES:
        n = weekly_value(counts, status)
        rows.append(
            {"类别": "报送情况", "项目": status, "单位数": n, "占名册比例": n / roster_size}
        )
    return rows


def weekly_value(counts: dict[str, int], key: str) -> int:
    """Units for categories and statuses (按时 and 逾期 without the ·附件待核 ones,
    which have rows of their own), the total for figures."""
    if key in FIGURE_KEYS:
        return counts[f"{key}:total"]
    if key == STATUS_ON_TIME:
        return counts[STATUS_ON_TIME] - counts[STATUS_ON_TIME_CHECK]
    if key == STATUS_LATE:
        return counts[STATUS_LATE] - counts[STATUS_LATE_CHECK]
    return counts[key]
