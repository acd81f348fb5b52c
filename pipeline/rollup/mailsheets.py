"""The mail-level sheets: 明细 (one row per document, photo set or empty mail) and
待处理 (every problem, with where the raw mail is and what to do).

Every mail of the scope appears in 明细, whether or not it counts, with the
reason in 计入情况; 待处理 also lists mail outside the campaign's window.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from pipeline.models import FIGURE_KEYS, OCR_PENDING, Unit
from pipeline.rollup import campaigns as cal
from pipeline.rollup.context import Context
from pipeline.rollup.standing import superseded
from pipeline.rollup.workbook import Sheet

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
    "manual": "人工指定",
    "": "未识别",
}
SOURCE_NOTES = {  # after the file name in 明细: where its text came from
    "ocr": "（扫描件，文字由OCR识别）",
    OCR_PENDING: "（扫描件，识别中）",
}
TIME_FORMAT = "yyyy-mm-dd hh:mm"
SHORT_TIME_FORMAT = 'm"月"d"日" hh:mm'
MAX_EVIDENCE = 200  # characters of one evidence sentence shown in 明细


# the first DETAIL_PRINTED columns print (10 pt on A4 landscape); the rest is for the screen
DETAIL_COLUMNS = [
    "序号", "收到时间", "单位", "文件", "分类依据", "计入情况",
    "分类", "周次", "发件人", "发件地址", "主题", "单位识别依据", "材料类型",
    *FIGURE_LABELS.values(), "人工更正", "原始邮件",
]  # fmt: skip
DETAIL_PRINTED = 6  # 分类依据 names each category (【绿色出行】…): 分类 stays on the screen


def details_sheet(ctx: Context) -> Sheet:
    """One row per document (body or attachment), photo set or empty mail, in time order."""
    subs = ctx.data.subs.assign(计入情况=standing_of(ctx.data.subs))
    mail = subs.set_index("sha256")[_MAIL_COLUMNS]
    rows = _document_rows(ctx, subs).join(mail, on="sha256")
    rows = rows.sort_values(["when", "sha256", "_order"], kind="stable").reset_index(drop=True)
    roster, notes = ctx.book.roster, fix_notes(ctx)
    frame = pd.DataFrame(
        {
            "序号": range(1, len(rows) + 1),
            "收到时间": ctx.local(rows["when"]) if len(rows) else [],
            "周次": [cal.week_of(w).span for w in rows["when"]],
            "发件人": rows["sender_name"],
            "发件地址": rows["sender"],
            "主题": rows["subject"],
            "文件": rows["文件"],
            "单位": [_unit_name(roster.get(u), u) for u in rows["unit_id"]],
            "单位识别依据": [_how_label(h) for h in rows["unit_how"]],
            "材料类型": rows["材料类型"],
            "分类": rows["分类"],
            "分类依据": rows["分类依据"],
            **{FIGURE_LABELS[k]: rows[FIGURE_LABELS[k]] for k in FIGURE_KEYS},
            "计入情况": rows["计入情况"],
            "人工更正": [notes.get(sha, "") for sha in rows["sha256"]],
            "原始邮件": [ctx.link(p) for p in rows["archive_path"]],
        },
        columns=DETAIL_COLUMNS,
    )
    widths = {"序号": 4, "收到时间": 13, "单位": 14, "文件": 16, "分类": 12, "分类依据": 54,
              "计入情况": 9, "周次": 14, "发件人": 12, "主题": 24, "单位识别依据": 8,
              "人工更正": 30}  # fmt: skip
    return Sheet("明细", frame, widths=widths, formats={"收到时间": SHORT_TIME_FORMAT},
                 center=("序号", "材料类型"), freeze_columns=2,
                 print_columns=DETAIL_PRINTED)  # fmt: skip


_MAIL_COLUMNS = ["when", "sender_name", "sender", "subject", "unit_id", "unit_how", "计入情况",
                 "archive_path"]  # fmt: skip


def _document_rows(ctx: Context, subs: pd.DataFrame) -> pd.DataFrame:
    """The document-level columns, keyed by sha256 and the document's ordinal."""
    docs = ctx.data.docs[ctx.data.docs["sha256"].isin(subs["sha256"])]
    pending = docs["source"] == OCR_PENDING
    rows = pd.DataFrame(
        {
            "sha256": docs["sha256"],
            "_order": docs["ordinal"],
            "文件": docs["name"] + docs["source"].map(SOURCE_NOTES).fillna(""),
            "材料类型": docs["kind"].map(KIND_LABELS).fillna(docs["kind"]).mask(pending, "识别中"),
            "分类": [_labels(ctx, json.loads(v)) for v in docs["categories"]],
            "分类依据": [_evidence(ctx, json.loads(v)) for v in docs["tags"]],
        }
    )
    figures = [json.loads(v) for v in docs["figures"]]
    doubtful = [set(json.loads(v)) for v in docs["doubtful"]]
    for key in FIGURE_KEYS:
        rows[FIGURE_LABELS[key]] = [
            f"{f[key]}（识别存疑，请核对）" if key in d and key in f else f.get(key)
            for f, d in zip(figures, doubtful, strict=True)
        ]
    extra = _photo_and_empty_rows(subs, set(docs["sha256"]))
    return pd.concat([rows, extra], ignore_index=True) if len(extra) else rows


def standing_of(subs: pd.DataFrame) -> list[str]:
    """Whether each mail counts, and if not, why (the 计入情况 column)."""
    replaced = superseded(subs) if len(subs) else pd.Series(False, index=subs.index)
    screen = subs["screen"].fillna("")
    choices = [
        (subs["ignored"], "已忽略该发件人，未计入"),
        (subs["duplicate_of"].notna(), "重复邮件（同一邮件经两条途径收到），不计入"),
        (screen == "auto_reply", "自动回复，不计入"),
        (screen == "bounce", "退信/投递失败通知，不计入"),
        (screen == "own", "本局发出的邮件，不计入"),
        (screen == "reply", "回复本局回执/汇总表的邮件，不计入"),
        (~subs["in_window"], "不在活动时间范围内，未计入"),
        (subs["unit_id"].isna(), "单位待确认，未计入"),
        (replaced, "已被更正件取代"),
        (subs["counted"], "计入"),
        (subs["kind"] == "notice", "通知类材料，不计为报送"),
    ]
    conditions = [c.astype(bool).to_numpy() for c, _ in choices]
    texts = np.select(conditions, [t for _, t in choices], default="无关，不计入")
    flag = "（另有 Message-ID 相同但内容不同的邮件，请核对）"
    return [t + flag if c else t for t, c in zip(texts, subs["conflict"] > 0, strict=True)]


def _how_label(how: object) -> str:
    if isinstance(how, str) and how.startswith("conflict:"):
        return "地址与署名不一致"
    return HOW_LABELS.get(how, str(how)) if isinstance(how, str) else HOW_LABELS[""]


def fix_notes(ctx: Context) -> dict[str, str]:
    """Per mail, the corrections in force, one line each (the 人工更正 column)."""
    notes: dict[str, list[str]] = {}
    tz = ctx.scope.campaign.timezone
    for fix in ctx.data.fixes.itertuples():
        if isinstance(fix.sha256, str):
            when = pd.Timestamp(fix.created_at).tz_convert(tz)
            note = f"（{fix.note}）" if fix.note else ""
            notes.setdefault(fix.sha256, []).append(
                f"{fix.user} {when:%m-%d %H:%M}：{describe(ctx, fix)}{note}"
            )
    return {sha: "\n".join(lines) for sha, lines in notes.items()}


def describe(ctx: Context, fix: object) -> str:
    """A correction in words, e.g. 单位改为 重庆市江北区审计局."""
    action, key, new = fix.action, fix.key, fix.new_value  # type: ignore[attr-defined]
    if action == "unit":
        unit = ctx.book.roster.get(new)
        return f"单位改为 {unit.name if unit else new or '待确认'}"
    if action == "category":
        return f"{'增加' if new == '1' else '去掉'}分类 {ctx.label(key)}"
    if action == "figure":
        label = FIGURE_LABELS.get(key, key)
        return f"{label} 改为 {new}" if new else f"清除{label}"
    if action == "report":
        return "标记为报送材料" if new == "1" else "标记为非报送材料"
    if action == "handled":
        return "待处理事项已处理"
    return f"忽略发件人 {key}"


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
    """Each category's first evidence sentence. A category whose rules ask for it
    (`review_single`: 绿色办公, 节约用电, 绿色出行, 低碳日活动) and that rests on one sentence is
    marked 待核: on reports never tuned on, such ticks are wrong about one time in three."""
    first: dict[str, str] = {}
    for category, sentence, _phrase in tags:
        first.setdefault(category, sentence)
    review = ctx.book.rules.to_review(c for c, _, _ in tags)
    return "\n".join(
        f"【{ctx.label(c)}{'·待核' if c in review else ''}】"
        f"{s if len(s) <= MAX_EVIDENCE else s[: MAX_EVIDENCE - 1] + '…'}"
        for c, s in first.items()
    )


def _unit_name(unit: Unit | None, unit_id: object) -> str:
    if unit:
        return unit.name
    return f"{unit_id}（名册中已无此单位）" if isinstance(unit_id, str) else "待确认"


# -- 待处理 ---------------------------------------------------------------------


def problems_sheet(ctx: Context) -> Sheet:
    """Every problem of the scope's mail, and (cumulative book) every mail outside the
    campaign's window, with where the raw mail is and what to do."""
    probs = ctx.data.problems
    frame = _problem_rows(ctx, probs, probs["location"], probs["reason"], probs["action"])
    outside = ctx.data.subs[~ctx.data.subs["in_window"]]
    if len(outside):
        lo, hi = cal.window(ctx.scope.campaign)
        reason = (f"收到时间不在本活动的收取范围（{lo:%Y-%m-%d} 至 {hi:%Y-%m-%d} 前）内，"
                  "未计入统计")  # fmt: skip
        action = "如属本次活动，请调整 config.toml 中该活动的 early_days / late_days 后重新生成"
        frame = pd.concat([frame, _problem_rows(ctx, outside, "邮件", reason, action)])
    frame.insert(0, "序号", range(1, len(frame) + 1))
    frame = frame[["序号", *PROBLEM_PRINTED, *(c for c in frame.columns[1:]
                                              if c not in PROBLEM_PRINTED)]]  # fmt: skip
    return Sheet(
        "待处理",
        frame.reset_index(drop=True),
        widths={
            "序号": 4,
            "收到时间": 13,
            "主题": 18,
            "位置": 16,
            "问题": 30,
            "处理建议": 30,
            "发件地址": 24,
            "邮箱位置": 24,
        },
        formats={"收到时间": SHORT_TIME_FORMAT},
        center=("序号",),
        print_columns=1 + len(PROBLEM_PRINTED),
    )


PROBLEM_PRINTED = ("收到时间", "主题", "位置", "问题", "处理建议")  # after 序号; the rest on screen


def _problem_rows(
    ctx: Context, mails: pd.DataFrame, where: object, reason: object, action: object
) -> pd.DataFrame:
    places = zip(mails["source"], mails["source_key"], strict=True)
    return pd.DataFrame(
        {
            "收到时间": ctx.local(mails["when"]) if len(mails) else [],
            "发件地址": mails["sender"].fillna(""),
            "主题": mails["subject"].fillna(""),
            "位置": where,
            "问题": reason,
            "处理建议": action,
            "邮箱位置": [_mailbox_place(source, key) for source, key in places],
            "原始邮件": [ctx.link(p) for p in mails["archive_path"]],
        },
        index=mails.index,
    )


def _mailbox_place(source: object, key: object) -> str:
    if not isinstance(source, str):
        return ""
    return f"{source} {key}" if isinstance(key, str) else source
