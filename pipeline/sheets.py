"""The five sheets of a roll-up workbook, as DataFrames with their layout.

汇总 (one row per roster unit, grouped by unit type), 明细 (one row per
document, photo set or empty mail), 分类统计 (units per category, figures,
statuses; per week in the cumulative book), 未报送 and 待处理. Column names
and every value an official reads are Chinese.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import campaigns as cal
from pipeline.config import Config
from pipeline.models import FIGURE_KEYS, Unit
from pipeline.process import Rulebook
from pipeline.report import Data, Scope, roster_order, standing
from pipeline.rollup import (
    STATUS_LATE,
    STATUS_MISSING,
    STATUS_ON_TIME,
    rollup,
    superseded,
    tally,
)
from pipeline.workbook import Chart, Link, Sheet

FIGURE_LABELS = {
    "participants": "参与人数",
    "leaflets": "宣传资料(份)",
    "banners": "横幅(条)",
    "boards": "展板(块)",
    "events": "活动(场次)",
}
KIND_LABELS = {"report": "报告", "notice": "通知", "unrelated": "无关"}
HOW_LABELS = {
    "sender": "发件地址",
    "sender_name": "发件人名称",
    "subject": "邮件主题",
    "filename": "附件名",
    "text": "正文/附件内容",
    "": "未识别",
}
STATUS_COLORS = {STATUS_ON_TIME: "E2EFDA", STATUS_LATE: "FFF2CC", STATUS_MISSING: "FCE4D6"}
TICK = "✓"
TIME_FORMAT = "yyyy-mm-dd hh:mm"
SHORT_TIME_FORMAT = "mm-dd hh:mm"  # 汇总: in-window mail only, the year is in the title
LINK_TEXT = "打开原件"
MAX_EVIDENCE = 200  # characters of one evidence sentence shown in 明细


class Context:
    """What every sheet builder needs: labels, roster order, links."""

    def __init__(self, data: Data, scope: Scope, config: Config, book: Rulebook, out_dir: Path):
        self.data, self.scope, self.config, self.book = data, scope, config, book
        self.out_dir = out_dir
        self.labels = {c.id: c.label for c in book.rules.categories}
        self.asked = list(scope.campaign.categories)
        self.units = roster_order(book)
        subs = data.subs
        self.counting = subs[subs["in_window"]] if len(subs) else subs

    def label(self, category: str) -> str:
        return self.labels.get(category, category)

    def link(self, archive_path: object) -> Link | str:
        """A link to the archived .eml, as config.report.links says."""
        if not isinstance(archive_path, str):
            return ""
        path = self.config.storage.archive / archive_path
        style = self.config.report.links
        if style == "none":
            return str(path)
        if style == "absolute":
            return Link(path.resolve().as_uri(), LINK_TEXT)
        # relative to the workbook, so the link survives moving output/ and var/ together
        rel = os.path.relpath(path.resolve(), self.out_dir.resolve())
        return Link(Path(rel).as_posix(), LINK_TEXT)

    def local(self, when: pd.Series) -> pd.Series:
        return when.dt.tz_convert(self.scope.campaign.timezone).dt.tz_localize(None)


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
    frame["工作摘要"] = standing["summary"].fillna("").to_numpy()
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
        if row["status"] == STATUS_MISSING and unit_id in sent:
            when = sent[unit_id].tz_convert(ctx.scope.campaign.timezone)
            parts.append(f"已于 {when:%m-%d %H:%M} 邮件催报")
        notes.append("；".join(parts))
    return notes


# -- 明细 ------------------------------------------------------------------


DETAIL_COLUMNS = [
    "序号", "收到时间", "周次", "发件人", "发件地址", "主题", "文件", "单位", "单位识别依据",
    "材料类型", "分类", "分类依据", *FIGURE_LABELS.values(), "计入情况", "原始邮件",
]  # fmt: skip


def details_sheet(ctx: Context) -> Sheet:
    subs = ctx.data.subs.copy()
    subs["计入情况"] = _standing_of(subs)
    docs = ctx.data.docs[ctx.data.docs["sha256"].isin(subs["sha256"])]
    rows = pd.DataFrame(
        {
            "sha256": docs["sha256"],
            "_order": docs["ordinal"],
            "文件": docs["name"],
            "材料类型": docs["kind"].map(KIND_LABELS).fillna(docs["kind"]),
            "分类": [_labels(ctx, json.loads(v)) for v in docs["categories"]],
            "分类依据": [_evidence(ctx, json.loads(v)) for v in docs["tags"]],
        }
    )
    figures = [json.loads(v) for v in docs["figures"]]
    for key in FIGURE_KEYS:
        rows[FIGURE_LABELS[key]] = [f.get(key) for f in figures]
    extra = _photo_and_empty_rows(subs, set(docs["sha256"]))
    rows = pd.concat([rows, extra], ignore_index=True) if len(extra) else rows
    mail = subs.set_index("sha256")
    rows = rows.join(
        mail[
            [
                "when",
                "sender_name",
                "sender",
                "subject",
                "unit_id",
                "unit_how",
                "计入情况",
                "archive_path",
            ]
        ],
        on="sha256",
    )
    rows = rows.sort_values(["when", "sha256", "_order"], kind="stable").reset_index(drop=True)
    roster = ctx.book.roster
    frame = pd.DataFrame(
        {
            "序号": range(1, len(rows) + 1),
            "收到时间": ctx.local(rows["when"]) if len(rows) else [],
            "周次": [cal.week_of(w).label for w in rows["when"]],
            "发件人": rows["sender_name"],
            "发件地址": rows["sender"],
            "主题": rows["subject"],
            "文件": rows["文件"],
            "单位": [_unit_name(roster.get(u), u) for u in rows["unit_id"]],
            "单位识别依据": rows["unit_how"].map(HOW_LABELS).fillna(rows["unit_how"]),
            "材料类型": rows["材料类型"],
            "分类": rows["分类"],
            "分类依据": rows["分类依据"],
            **{FIGURE_LABELS[k]: rows[FIGURE_LABELS[k]] for k in FIGURE_KEYS},
            "计入情况": rows["计入情况"],
            "原始邮件": [ctx.link(p) for p in rows["archive_path"]],
        },
        columns=DETAIL_COLUMNS,
    )
    return Sheet(
        "明细",
        frame,
        widths={
            "发件人": 12,
            "发件地址": 22,
            "主题": 24,
            "文件": 20,
            "单位": 16,
            "单位识别依据": 8,
            "分类": 14,
            "分类依据": 50,
            "计入情况": 12,
        },
        formats={"收到时间": TIME_FORMAT},
        center=("序号", "材料类型"),
        freeze_columns=2,
    )


def _standing_of(subs: pd.DataFrame) -> list[str]:
    """Whether each mail counts, and if not, why (the 计入情况 column)."""
    replaced = superseded(subs) if len(subs) else pd.Series(False, index=subs.index)
    choices = [
        (~subs["in_window"], "不在活动时间范围内，未计入"),
        (subs["unit_id"].isna(), "单位待确认，未计入"),
        (replaced, "已被更正件取代"),
        (subs["counted"], "计入"),
        (subs["kind"] == "notice", "通知类材料，不计为报送"),
    ]
    conditions = [c.astype(bool).to_numpy() for c, _ in choices]
    return list(np.select(conditions, [t for _, t in choices], default="无关，不计入"))


def _photo_and_empty_rows(subs: pd.DataFrame, with_docs: set[str]) -> pd.DataFrame:
    """A row per mail's photos, and a row for a mail with nothing readable, so every
    mail appears in 明细 even when it produced no document."""
    rows = []
    for sha, photos in zip(subs["sha256"], subs["photos"], strict=True):
        if photos:
            shown = "、".join(photos[:10]) + ("…" if len(photos) > 10 else "")
            rows.append(
                {
                    "sha256": sha,
                    "_order": 10_000,
                    "文件": f"照片 {len(photos)} 张：{shown}",
                    "材料类型": "照片",
                }
            )
        elif sha not in with_docs:
            rows.append(
                {"sha256": sha, "_order": 0, "文件": "（没有可读取的正文或附件）", "材料类型": "—"}
            )
    return pd.DataFrame(rows)


def _labels(ctx: Context, categories: list[str]) -> str:
    return "、".join(ctx.label(c) for c in categories)


def _evidence(ctx: Context, tags: list[list[str]]) -> str:
    first: dict[str, str] = {}
    for category, sentence, _phrase in tags:
        first.setdefault(category, sentence)
    return "\n".join(
        f"【{ctx.label(c)}】{s if len(s) <= MAX_EVIDENCE else s[: MAX_EVIDENCE - 1] + '…'}"
        for c, s in first.items()
    )


def _unit_name(unit: Unit | None, unit_id: object) -> str:
    if unit:
        return unit.name
    return f"{unit_id}（名册中已无此单位）" if isinstance(unit_id, str) else "待确认"


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


def problems_sheet(ctx: Context) -> Sheet:
    probs = ctx.data.problems
    frame = pd.DataFrame(
        {
            "收到时间": ctx.local(probs["when"]) if len(probs) else [],
            "发件地址": probs["sender"].fillna(""),
            "主题": probs["subject"].fillna(""),
            "位置": probs["location"],
            "问题": probs["reason"],
            "处理建议": probs["action"],
            "邮箱位置": [
                _mailbox_place(s, k)
                for s, k in zip(probs["source"], probs["source_key"], strict=True)
            ],
            "原始邮件": [ctx.link(p) for p in probs["archive_path"]],
        }
    )
    out_of_window = ctx.data.subs[~ctx.data.subs["in_window"]]
    if len(out_of_window):
        lo, hi = cal.window(ctx.scope.campaign)
        extra = pd.DataFrame(
            {
                "收到时间": ctx.local(out_of_window["when"]),
                "发件地址": out_of_window["sender"],
                "主题": out_of_window["subject"],
                "位置": "邮件",
                "问题": f"收到时间不在本活动的收取范围（{lo:%Y-%m-%d} 至 {hi:%Y-%m-%d} 前）"
                "内，未计入统计",
                "处理建议": "如属本次活动，请调整 config.toml 中该活动的 early_days / late_days"
                " 后重新生成汇总表",
                "邮箱位置": [
                    _mailbox_place(s, k)
                    for s, k in zip(
                        out_of_window["source"], out_of_window["source_key"], strict=True
                    )
                ],
                "原始邮件": [ctx.link(p) for p in out_of_window["archive_path"]],
            }
        )
        frame = pd.concat([frame, extra], ignore_index=True)
    frame.insert(0, "序号", range(1, len(frame) + 1))
    return Sheet(
        "待处理",
        frame,
        widths={"主题": 30, "位置": 18, "问题": 36, "处理建议": 44, "邮箱位置": 24},
        formats={"收到时间": TIME_FORMAT},
        center=("序号",),
    )


def _mailbox_place(source: object, key: object) -> str:
    if not isinstance(source, str):
        return ""
    return f"{source} {key}" if isinstance(key, str) else source
