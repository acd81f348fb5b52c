"""The sheets of a roll-up workbook, as DataFrames with their layout.

Here 汇总 (one row per roster unit, grouped by unit type, with 小计 per type
and 合计) and 未报送; overview.py has 概况 (the leaders' page), stats.py
分类统计, mailsheets.py 明细 and 待处理. Column names and every value an
official reads are Chinese.

汇总 prints what a reader of the paper needs (unit, status, time, ✓ per
category, figures, photos) at 10 pt on A4 landscape; the type, the latest time,
the summary, the notes and the link to the original follow to the right, for
the screen only (outside the print area).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.config import Config
from pipeline.models import FIGURE_KEYS
from pipeline.process import Rulebook
from pipeline.rollup.context import Context
from pipeline.rollup.data import Data, Scope, standing
from pipeline.rollup.mailsheets import FIGURE_LABELS, details_sheet, problems_sheet
from pipeline.rollup.overview import overview_sheet
from pipeline.rollup.standing import (
    STATUS_LATE,
    STATUS_LATE_CHECK,
    STATUS_MISSING,
    STATUS_ON_TIME,
    STATUS_ON_TIME_CHECK,
)
from pipeline.rollup.stats import new_units, stats_sheet
from pipeline.rollup.workbook import Sheet

STATUS_COLORS = {
    STATUS_ON_TIME: "E2EFDA",
    STATUS_ON_TIME_CHECK: "FFE699",
    STATUS_LATE: "FFF2CC",
    STATUS_LATE_CHECK: "FFE699",
    STATUS_MISSING: "FCE4D6",
}
TICK = "✓"
NEW = "新"
SUBTOTAL, TOTAL = "小计", "合计"
SHORT_TIME_FORMAT = 'm"月"d"日" hh:mm'  # 汇总: in-window mail only, the year is in the title
NOTES_SHEET = "工作摘要"


def build_sheets(
    data: Data, scope: Scope, config: Config, book: Rulebook, out_dir: Path
) -> list[Sheet]:
    ctx = Context(data, scope, config, book, out_dir)
    now = standing(data, scope, book)
    return [
        overview_sheet(ctx, now),
        summary_sheet(ctx, now),
        notes_sheet(ctx, now),
        details_sheet(ctx),
        stats_sheet(ctx, now),
        missing_sheet(ctx, now),
        problems_sheet(ctx),
    ]


# -- 汇总 ------------------------------------------------------------------


def summary_sheet(ctx: Context, standing: pd.DataFrame) -> Sheet:
    ticks = [ctx.label(c) for c in ctx.asked]
    figures = [FIGURE_LABELS[key] for key in FIGURE_KEYS]
    printed = _printed_part(ctx, standing, ticks)
    frame = pd.concat([printed, _screen_part(ctx, standing)], axis=1)
    frame, totals = _with_totals(frame, ticks, [*figures, "照片数", "报送次数"])
    widths = {"序号": 4, "单位名称": 21, "报送状态": 8, "首次报送时间": 13, "新到": 4,
              **dict.fromkeys(ticks, 4.5), **dict.fromkeys(figures, 5), "照片数": 5,
              "单位类型": 9, "报送次数": 5, "最近报送时间": 13, "备注": 30}  # fmt: skip
    return Sheet(
        "汇总",
        frame,
        widths=widths,
        formats={"首次报送时间": SHORT_TIME_FORMAT, "最近报送时间": SHORT_TIME_FORMAT},
        fills={"报送状态": STATUS_COLORS},
        center=("序号", "报送状态", "报送次数", "新到", "照片数", *ticks),
        group="单位类型",
        headings=_type_headings(frame),
        freeze_columns=2,
        print_columns=len(printed.columns),
        totals=tuple(totals),
    )


def _printed_part(ctx: Context, standing: pd.DataFrame, ticks: list[str]) -> pd.DataFrame:
    """What the paper shows: unit, status, first time, 新到, ✓, figures, photos."""
    fresh = new_units(ctx)
    frame = pd.DataFrame(
        {
            "序号": range(1, len(ctx.units) + 1),
            "单位名称": [u.name for u in ctx.units],
            "报送状态": standing["shown"].to_numpy(),
            "首次报送时间": ctx.local(standing["first"]).to_numpy(),
            "新到": [NEW if u.id in fresh else "" for u in ctx.units],
        }
    )
    for c, label in zip(ctx.asked, ticks, strict=True):
        frame[label] = [TICK if c in s else "" for s in standing["categories"]]
    for key in FIGURE_KEYS:
        frame[FIGURE_LABELS[key]] = standing[key].to_numpy()
    frame["照片数"] = standing["photos"].where(standing["count"] > 0).to_numpy()
    return frame


def _screen_part(ctx: Context, standing: pd.DataFrame) -> pd.DataFrame:
    """Right of the print area: type, mails, latest time, notes, link."""
    archive = ctx.counting.set_index("sha256")["archive_path"] if len(ctx.counting) else {}
    return pd.DataFrame(
        {
            "单位类型": [u.type for u in ctx.units],
            "报送次数": standing["count"].where(standing["count"] > 0).to_numpy(),
            "最近报送时间": ctx.local(standing["last"]).to_numpy(),
            "备注": _notes(ctx, standing),
            "原始邮件": [
                ctx.link(archive.get(sha)) if isinstance(sha, str) else ""
                for sha in standing["sha256"]
            ],
        }
    )


def _type_headings(frame: pd.DataFrame) -> dict[str, str]:
    """The heading row of each unit type with its counts; none before 合计."""
    headings = {TOTAL: ""}
    for unit_type, group in frame[frame["序号"].notna()].groupby("单位类型", sort=False):
        counts = group["报送状态"].value_counts()
        late = counts.get(STATUS_LATE, 0) + counts.get(STATUS_LATE_CHECK, 0)
        on_time = counts.get(STATUS_ON_TIME, 0) + counts.get(STATUS_ON_TIME_CHECK, 0)
        headings[str(unit_type)] = (
            f"{unit_type}（{len(group)} 个单位：按时 {on_time}，"
            f"逾期 {late}，未报送 {counts.get(STATUS_MISSING, 0)}）"
        )
    return headings


def _with_totals(
    frame: pd.DataFrame, ticks: list[str], sums: list[str]
) -> tuple[pd.DataFrame, list[int]]:
    """A 小计 row closing each unit type and a 合计 row at the end: ✓ counted,
    figures, photos and mails summed, units reported out of the type's units."""

    def total(part: pd.DataFrame, name: str, unit_type: str) -> dict[str, object]:
        reported = int((part["报送状态"] != STATUS_MISSING).sum())
        row: dict[str, object] = {
            "单位名称": name,
            "报送状态": f"已报 {reported}/{len(part)}",
            "新到": int((part["新到"] == NEW).sum()),
            "单位类型": unit_type,
        }
        row.update({t: int((part[t] == TICK).sum()) for t in ticks})
        row.update({c: int(pd.to_numeric(part[c], errors="coerce").fillna(0).sum()) for c in sums})
        return row

    pieces, totals, at = [], [], 0
    for unit_type, group in frame.groupby("单位类型", sort=False):
        pieces += [group, pd.DataFrame([total(group, SUBTOTAL, str(unit_type))])]
        at += len(group) + 1
        totals.append(at - 1)
    pieces.append(pd.DataFrame([total(frame, TOTAL, TOTAL)]))
    totals.append(at)
    out = pd.concat(pieces, ignore_index=True)[list(frame.columns)]
    return out, totals


def _notes(ctx: Context, standing: pd.DataFrame) -> list[str]:
    sent = dict(zip(ctx.data.reminders["unit_id"], ctx.data.reminders["sent_at"], strict=True))
    notes = []
    for unit_id, row in standing.iterrows():
        parts = []
        if row["corrected"]:
            parts.append("有更正件，分类和数据以更正件为准")
        if row["notice_only"]:
            parts.append("只收到通知/倡议类材料，未计为报送")
        if row["shown"] != row["status"]:
            parts.append("附件均无法读取，已计为报送，内容待人工核实，见待处理")
        elif row["unreadable"]:
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


# -- 工作摘要 -------------------------------------------------------------------


def notes_sheet(ctx: Context, standing: pd.DataFrame) -> Sheet:
    """What each unit that reported did, in its own words (the summary of its
    richest report), with the link to the original: the long text 汇总 leaves out
    so that it prints at full size."""
    archive = ctx.counting.set_index("sha256")["archive_path"] if len(ctx.counting) else {}
    rows = []
    for unit, (_, row) in zip(ctx.units, standing.iterrows(), strict=True):
        if row["status"] == STATUS_MISSING:
            continue
        sha = row["sha256"]
        rows.append(
            {
                "序号": len(rows) + 1,
                "单位类型": unit.type,
                "单位名称": unit.name,
                "报送状态": row["shown"],
                "工作摘要": row["summary"] if isinstance(row["summary"], str) else "",
                "原始邮件": ctx.link(archive.get(sha)) if isinstance(sha, str) else "",
            }
        )
    columns = ["序号", "单位类型", "单位名称", "报送状态", "工作摘要", "原始邮件"]
    return Sheet(
        NOTES_SHEET,
        pd.DataFrame(rows, columns=columns),
        widths={
            "序号": 4,
            "单位类型": 9,
            "单位名称": 18,
            "报送状态": 8,
            "工作摘要": 62,
            "原始邮件": 9,
        },
        fills={"报送状态": STATUS_COLORS},
        center=("序号", "报送状态"),
        freeze_columns=3,
    )


# -- 未报送 ---------------------------------------------------------------------


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
