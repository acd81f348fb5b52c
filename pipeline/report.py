"""The weekly district roll-up workbook, built from SQLite alone.

SQLite → pandas frames → an xlsx with five Chinese sheets: 汇总 (one row per
roster unit), 明细 (one row per document), 分类统计 (per category, with a chart),
未报送 and 待处理. Nothing that arrived is left out: a mail that could not be
handled is a row in 待处理, a sender nobody knows is 待确认.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd

from pipeline.config import Config
from pipeline.models import CATEGORY_IDS, FIGURE_KEYS
from pipeline.process import Rulebook
from pipeline.store import Store
from pipeline.workbook import Sheet, save_workbook

FIGURE_LABELS = {
    "participants": "参与人数",
    "leaflets": "宣传资料(份)",
    "banners": "横幅(条)",
    "boards": "展板(块)",
    "events": "活动(场次)",
}
KIND_LABELS = {"report": "总结/动态", "notice": "通知/倡议", "unrelated": "无关"}
HOW_LABELS = {
    "sender": "发件地址",
    "sender_name": "发件人名称",
    "subject": "邮件主题",
    "filename": "附件名",
    "text": "正文/附件内容",
    "": "未识别",
}
STATUS_ON_TIME, STATUS_LATE, STATUS_MISSING = "按时", "逾期", "未报送"
_CORRECTION = re.compile(r"更正|修正|修改|修订|重新报送|重报|替换|更新版")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class Period:
    """The submissions a workbook covers: an ISO week, or everything (None)."""

    label: str
    start: date | None = None
    end: date | None = None  # exclusive


def parse_week(week: str | None) -> Period:
    """'2024-W20' → that ISO week (Monday to Sunday); None → the whole campaign."""
    if not week:
        return Period("累计")
    match = _WEEK.match(week)
    if not match:
        raise ValueError(f"week must look like 2024-W20, got {week!r}")
    monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    return Period(week, monday, monday + timedelta(days=7))


def write_report(
    store: Store, config: Config, book: Rulebook, week: str | None = None, out: Path | None = None
) -> Path:
    """Write the roll-up workbook and return its path."""
    period = parse_week(week)
    frames = load_frames(store, config, period)
    sheets = build_sheets(frames, config, book)
    target = out or config.report.dir / f"{config.report.title}_{period.label}.xlsx"
    title = (
        f"{config.report.title}（{config.campaign.name}）　统计范围：{period.label}"
        f"　生成时间：{datetime.now(config.campaign.timezone):%Y-%m-%d %H:%M}"
    )
    save_workbook(target, title, sheets)
    return target


@dataclass(frozen=True)
class Frames:
    submissions: pd.DataFrame
    documents: pd.DataFrame
    problems: pd.DataFrame


def load_frames(store: Store, config: Config, period: Period) -> Frames:
    subs = pd.read_sql_query(
        "SELECT s.*, m.path AS archive_path, m.archived_at FROM submissions s"
        " JOIN mails m USING (sha256) ORDER BY m.rowid",
        store.db,
    )
    tz = config.campaign.timezone
    subs["when"] = [
        _local(sent or archived, tz)
        for sent, archived in zip(subs["sent_at"], subs["archived_at"], strict=True)
    ]
    if period.start is not None:
        day = subs["when"].map(lambda w: w.date())
        subs = subs[(day >= period.start) & (day < period.end)]
    docs = pd.read_sql_query("SELECT * FROM documents ORDER BY sha256, ordinal", store.db)
    docs = docs[docs["sha256"].isin(subs["sha256"])]
    probs = pd.read_sql_query(
        "SELECT p.*, s.sender, s.subject, s.sent_at, m.path AS archive_path, m.source_key"
        " FROM problems p LEFT JOIN submissions s USING (sha256)"
        " LEFT JOIN mails m USING (sha256) ORDER BY p.id",
        store.db,
    )
    if period.start is not None:
        in_period = probs["sha256"].isna() | probs["sha256"].isin(subs["sha256"])
        # failed mails have no submission row: keep them in every workbook until solved
        in_period |= probs["sha256"].notna() & probs["sender"].isna()
        probs = probs[in_period]
    return Frames(subs.reset_index(drop=True), docs.reset_index(drop=True), probs)


def _local(iso: str, tz: object) -> datetime:
    when = datetime.fromisoformat(iso)
    return when.astimezone(tz)  # type: ignore[arg-type]


def build_sheets(frames: Frames, config: Config, book: Rulebook) -> list[Sheet]:
    rules, roster = book.rules, book.roster
    subs = frames.submissions
    labels = {c: rules.label(c) for c in CATEGORY_IDS}
    deadline = config.campaign.deadline
    archive = config.storage.archive

    summary_rows, missing_rows = [], []
    # a notice or an unrelated mail is not the unit's report, unless we could not read it
    unreadable = subs["sha256"].isin(frames.problems["sha256"].dropna())
    counted = subs[(subs["kind"] == "report") | ((subs["kind"] == "unrelated") & unreadable)]
    units = sorted(roster.units, key=lambda u: _type_order(u.type))
    for n, unit in enumerate(units, start=1):
        mine = counted[counted["unit_id"] == unit.id].sort_values("when")
        row: dict[str, object] = {"序号": n, "单位类型": unit.type, "单位名称": unit.name}
        if mine.empty:
            row["报送状态"] = STATUS_MISSING
            missing_rows.append(
                {
                    "序号": len(missing_rows) + 1,
                    "单位类型": unit.type,
                    "单位名称": unit.name,
                    "登记的发件地址": "、".join(unit.senders),
                }
            )
        else:
            first, last = mine.iloc[0], mine.iloc[-1]
            row["报送状态"] = STATUS_ON_TIME if first["when"] <= deadline else STATUS_LATE
            row["首次报送时间"] = _fmt(first["when"])
            row["最近报送时间"] = _fmt(last["when"])
            row["报送次数"] = len(mine)
            current = _current(mine)
            cats = {c for v in current["categories"] for c in json.loads(v)}
            figs: dict[str, int] = {}
            for v in current["figures"]:
                for k, x in json.loads(v).items():
                    figs[k] = max(figs.get(k, 0), x)
            for c in CATEGORY_IDS:
                row[labels[c]] = "✓" if c in cats else ""
            for k in FIGURE_KEYS:
                row[FIGURE_LABELS[k]] = figs.get(k)
            row["照片数"] = sum(len(json.loads(v)) for v in mine["photos"])
            best = max(current.itertuples(), key=lambda r: len(json.loads(r.categories)))
            row["工作摘要"] = best.summary
            row["原始邮件"] = _link(archive / last["archive_path"])
        summary_rows.append(row)
    summary = pd.DataFrame(summary_rows, columns=_summary_columns(labels))

    details = _details(frames, roster, labels)
    stats = _stats(summary, labels, len(roster.units))
    problems = _problems(frames, archive)
    return [
        Sheet("汇总", summary, wide={"单位名称": 26, "工作摘要": 60}, chart=None),
        Sheet("明细", details, wide={"主题": 36, "文件": 28, "分类依据": 70, "摘要": 50}),
        Sheet("分类统计", stats, wide={"分类": 16}, chart=("单位数", "各类活动开展单位数")),
        Sheet(
            "未报送",
            pd.DataFrame(missing_rows, columns=["序号", "单位类型", "单位名称", "登记的发件地址"]),
            wide={"单位名称": 30, "登记的发件地址": 40},
        ),
        Sheet(
            "待处理",
            problems,
            wide={"主题": 36, "位置": 24, "问题": 40, "处理建议": 50, "原始邮件": 20},
        ),
    ]


def _summary_columns(labels: dict[str, str]) -> list[str]:
    return [
        "序号",
        "单位类型",
        "单位名称",
        "报送状态",
        "首次报送时间",
        "最近报送时间",
        "报送次数",
        *labels.values(),
        *FIGURE_LABELS.values(),
        "照片数",
        "工作摘要",
        "原始邮件",
    ]


def _current(mine: pd.DataFrame) -> pd.DataFrame:
    """Submissions from the latest correction (更正/重新报送) on; all if there is none."""
    corrections = [i for i, subject in enumerate(mine["subject"]) if _CORRECTION.search(subject)]
    return mine.iloc[corrections[-1] :] if corrections else mine


def _details(frames: Frames, roster: object, labels: dict[str, str]) -> pd.DataFrame:
    subs = frames.submissions.set_index("sha256")
    rows = []
    for d in frames.documents.itertuples():
        s = subs.loc[d.sha256]
        unit = roster.get(s["unit_id"])  # type: ignore[attr-defined]
        tags = json.loads(d.tags)
        first: dict[str, str] = {}
        for cat, sentence, _phrase in tags:
            first.setdefault(cat, sentence)
        row = {
            "收到时间": _fmt(s["when"]),
            "发件人": s["sender_name"] or s["sender"],
            "发件地址": s["sender"],
            "主题": s["subject"],
            "文件": d.name,
            "单位": unit.name if unit else "待确认",
            "单位识别依据": HOW_LABELS.get(s["unit_how"], s["unit_how"]),
            "材料类型": KIND_LABELS.get(d.kind, d.kind),
            "分类": "、".join(labels.get(c, c) for c in json.loads(d.categories)),
            "分类依据": "\n".join(f"【{labels.get(c, c)}】{sent}" for c, sent in first.items()),
        }
        figs = json.loads(d.figures)
        for k in FIGURE_KEYS:
            row[FIGURE_LABELS[k]] = figs.get(k)
        row["摘要"] = d.summary
        rows.append(row)
    columns = [
        "收到时间",
        "发件人",
        "发件地址",
        "主题",
        "文件",
        "单位",
        "单位识别依据",
        "材料类型",
        "分类",
        "分类依据",
        *FIGURE_LABELS.values(),
        "摘要",
    ]
    return pd.DataFrame(rows, columns=columns)


def _stats(summary: pd.DataFrame, labels: dict[str, str], roster_size: int) -> pd.DataFrame:
    rows = []
    for c in CATEGORY_IDS:
        n = int((summary[labels[c]] == "✓").sum()) if len(summary) else 0
        rows.append(
            {"分类": labels[c], "单位数": n, "占名册比例": f"{n / max(roster_size, 1):.0%}"}
        )
    for k in FIGURE_KEYS:
        total = pd.to_numeric(summary[FIGURE_LABELS[k]], errors="coerce").sum()
        rows.append({"分类": f"合计：{FIGURE_LABELS[k]}", "单位数": int(total), "占名册比例": ""})
    return pd.DataFrame(rows, columns=["分类", "单位数", "占名册比例"])


def _problems(frames: Frames, archive: Path) -> pd.DataFrame:
    rows = []
    for p in frames.problems.itertuples():
        rows.append(
            {
                "序号": len(rows) + 1,
                "发件地址": p.sender if isinstance(p.sender, str) else "",
                "主题": p.subject if isinstance(p.subject, str) else "",
                "位置": p.location,
                "问题": p.reason,
                "处理建议": p.action,
                "原始邮件": _link(archive / p.archive_path)
                if isinstance(p.archive_path, str)
                else "",
            }
        )
    return pd.DataFrame(
        rows, columns=["序号", "发件地址", "主题", "位置", "问题", "处理建议", "原始邮件"]
    )


def _link(path: Path) -> str:
    return path.resolve().as_uri()


def _fmt(when: datetime) -> str:
    return when.strftime("%Y-%m-%d %H:%M")


def _type_order(unit_type: str) -> int:
    order = ("街道/镇", "区级部门", "学校", "医院")
    return order.index(unit_type) if unit_type in order else len(order)
