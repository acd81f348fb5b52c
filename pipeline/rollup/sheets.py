"""The five sheets of a roll-up workbook, as DataFrames with their layout.

Here the unit-level sheets: 汇总 (one row per roster unit, grouped by unit
type), 分类统计 (units per category, figures, statuses; per week in the
cumulative book) and 未报送; mailsheets.py has 明细 and 待处理. Column names
and every value an official reads are Chinese.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.config import Config
from pipeline.models import FIGURE_KEYS
from pipeline.process import Rulebook
from pipeline.rollup import campaigns as cal
from pipeline.rollup.context import Context
from pipeline.rollup.data import Data, Scope, standing
from pipeline.rollup.mailsheets import FIGURE_LABELS, details_sheet, problems_sheet
from pipeline.rollup.standing import (
    STATUS_LATE,
    STATUS_MISSING,
    STATUS_ON_TIME,
    rollup,
    tally,
)
from pipeline.rollup.workbook import Chart, Sheet

STATUS_COLORS = {STATUS_ON_TIME: "E2EFDA", STATUS_LATE: "FFF2CC", STATUS_MISSING: "FCE4D6"}
TICK = "✓"
SHORT_TIME_FORMAT = "mm-dd hh:mm"  # 汇总: in-window mail only, the year is in the title


def build_sheets(
    data: Data, scope: Scope, config: Config, book: Rulebook, out_dir: Path
) -> list[Sheet]:
    ctx = Context(data, scope, config, book, out_dir)
    now = standing(data, scope, book)
    return [
        summary_sheet(ctx, now),
        details_sheet(ctx),
        stats_sheet(ctx, now),
        missing_sheet(ctx, now),
        problems_sheet(ctx),
    ]


# -- 汇总 ------------------------------------------------------------------


def summary_sheet(ctx: Context, standing: pd.DataFrame) -> Sheet:
    units = ctx.units
    frame = pd.DataFrame(
        {
            "序号": range(1, len(units) + 1),
            "单位类型": [u.type for u in units],
            "单位名称": [u.name for u in units],
            "报送状态": standing["status"].to_numpy(),
            "首次报送时间": ctx.local(standing["first"]).to_numpy(),
            "最近报送时间": ctx.local(standing["last"]).to_numpy(),
            "报送次数": standing["count"].where(standing["count"] > 0).to_numpy(),
        }
    )
    for c in ctx.asked:
        frame[ctx.label(c)] = [TICK if c in s else "" for s in standing["categories"]]
    for key in FIGURE_KEYS:
        frame[FIGURE_LABELS[key]] = standing[key].to_numpy()
    frame["照片数"] = standing["photos"].where(standing["count"] > 0).to_numpy()
    frame["工作摘要"] = standing["summary"].astype(object).fillna("").to_numpy()
    frame["备注"] = _notes(ctx, standing)
    archive = ctx.counting.set_index("sha256")["archive_path"] if len(ctx.counting) else {}
    frame["原始邮件"] = [
        ctx.link(archive.get(sha)) if isinstance(sha, str) else "" for sha in standing["sha256"]
    ]

    headings = {}
    for unit_type, group in frame.groupby("单位类型", sort=False):
        counts = group["报送状态"].value_counts()
        headings[str(unit_type)] = (
            f"{unit_type}（{len(group)} 个单位：按时 {counts.get(STATUS_ON_TIME, 0)}，"
            f"逾期 {counts.get(STATUS_LATE, 0)}，未报送 {counts.get(STATUS_MISSING, 0)}）"
        )
    ticks = tuple(ctx.label(c) for c in ctx.asked)
    return Sheet(
        "汇总",
        frame,
        widths={"序号": 5, "单位类型": 9, "单位名称": 28, "工作摘要": 44, "备注": 20},
        formats={"首次报送时间": SHORT_TIME_FORMAT, "最近报送时间": SHORT_TIME_FORMAT},
        fills={"报送状态": STATUS_COLORS},
        center=("序号", "报送状态", "报送次数", "照片数", *ticks),
        group="单位类型",
        headings=headings,
        freeze_columns=3,
    )


def _notes(ctx: Context, standing: pd.DataFrame) -> list[str]:
    sent = dict(zip(ctx.data.reminders["unit_id"], ctx.data.reminders["sent_at"], strict=True))
    notes = []
    for unit_id, row in standing.iterrows():
        parts = []
        if row["corrected"]:
            parts.append("有更正件，分类和数据以更正件为准")
        if row["notice_only"]:
            parts.append("只收到通知/倡议类材料，未计为报送")
        if row["unreadable"]:
            parts.append("有附件无法读取，见待处理")
        if row["ocr_waiting"]:
            parts.append("有扫描件正在识别文字（识别中），分类和数据稍后补上")
        if row["ocr_doubtful"]:
            parts.append("部分数据由扫描件识别且有数字存疑，请对照明细核对")
        if row["status"] == STATUS_MISSING and unit_id in sent:
            when = sent[unit_id].tz_convert(ctx.scope.campaign.timezone)
            parts.append(f"已于 {when:%m-%d %H:%M} 邮件催报")
        notes.append("；".join(parts))
    return notes


# -- 分类统计 ----------------------------------------------------------------


def stats_sheet(ctx: Context, standing: pd.DataFrame) -> Sheet:
    roster_size = max(len(ctx.units), 1)
    now = tally(standing, ctx.asked)
    rows = _stat_rows(ctx, now, roster_size)
    frame = pd.DataFrame(rows, columns=["类别", "项目", "单位数", "占名册比例", "合计"])
    if ctx.scope.week is None:  # cumulative: the state at the end of each week
        ids = [u.id for u in ctx.units]
        tz = ctx.scope.campaign.timezone
        columns = []
        for week in cal.weeks(ctx.scope.campaign, until=ctx.scope.now):
            end = pd.Timestamp(week.bounds(tz)[1])
            then = ctx.counting[ctx.counting["when"] < end]
            counts = tally(rollup(then, ids, ctx.scope.campaign.deadline), ctx.asked)
            column = f"截至W{week.number:02d}"
            frame[column] = [_weekly_value(counts, key) for key in _row_keys(ctx)]
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
        one_page=True,
    )


def _row_keys(ctx: Context) -> list[str]:
    return [*ctx.asked, *FIGURE_KEYS, STATUS_ON_TIME, STATUS_LATE, STATUS_MISSING]


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
    for status in (STATUS_ON_TIME, STATUS_LATE, STATUS_MISSING):
        n = counts[status]
        rows.append(
            {"类别": "报送情况", "项目": status, "单位数": n, "占名册比例": n / roster_size}
        )
    return rows


def _weekly_value(counts: dict[str, int], key: str) -> int:
    """Units for categories and statuses, the total for figures."""
    return counts[f"{key}:total"] if key in FIGURE_KEYS else counts[key]


# -- 未报送 and 待处理 ---------------------------------------------------------


def missing_sheet(ctx: Context, standing: pd.DataFrame) -> Sheet:
    sent = dict(zip(ctx.data.reminders["unit_id"], ctx.data.reminders["sent_at"], strict=True))
    tz = ctx.scope.campaign.timezone
    rows = []
    for unit, status in zip(ctx.units, standing["status"], strict=True):
        if status != STATUS_MISSING:
            continue
        reminded = sent.get(unit.id)
        rows.append(
            {
                "序号": len(rows) + 1,
                "单位类型": unit.type,
                "单位名称": unit.name,
                "登记的发件地址": "\n".join(unit.senders),
                "催报情况": f"已于 {reminded.tz_convert(tz):%Y-%m-%d %H:%M} 发送催报邮件"
                if reminded is not None
                else "",
            }
        )
    frame = pd.DataFrame(
        rows, columns=["序号", "单位类型", "单位名称", "登记的发件地址", "催报情况"]
    )
    return Sheet(
        "未报送",
        frame,
        widths={"单位名称": 30, "登记的发件地址": 34, "催报情况": 30},
        center=("序号",),
    )
