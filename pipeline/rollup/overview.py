"""概况, the first sheet: the page a leader reads, on one A4 page at 10 pt.

Who reported (按时 / 逾期 / 附件待核 / 未报送, the missing units named), how
many units did each activity (with the chart beside the table), the figure
totals with their measures (人次, 份, 条, 块, 场) and what came in since the
previous book. Every number is the one 汇总 and 分类统计 show.
"""

from __future__ import annotations

import pandas as pd

from pipeline.models import FIGURE_KEYS, Unit
from pipeline.rollup.context import Context
from pipeline.rollup.standing import SHOWN_STATUSES, STATUS_MISSING, TO_CHECK, tally
from pipeline.rollup.stats import new_label, new_units, weekly_value
from pipeline.rollup.workbook import Chart, Sheet

FIGURE_MEASURES = {
    "participants": "人次",
    "leaflets": "份",
    "banners": "条",
    "boards": "块",
    "events": "场",
}
FIGURE_NAMES = {  # as a sentence says them (the column labels carry their measure)
    "participants": "参与人数",
    "leaflets": "发放宣传资料",
    "banners": "悬挂横幅",
    "boards": "设置展板",
    "events": "开展活动",
}
COLUMNS = ["类别", "项目", "数量", "计量", "说明"]
MAX_NAMED = 15  # units named one by one up to this many: the page must stay one at 10 pt
MAX_NEW_NAMED = 8  # 新到 (many in a campaign's first book) names fewer: 未报送 matters more


def overview_sheet(ctx: Context, standing: pd.DataFrame) -> Sheet:
    counts = tally(standing, ctx.asked)
    reported = len(ctx.units) - counts[STATUS_MISSING]
    rows = _status_rows(ctx, standing, counts)
    first_activity = len(rows)
    for c in ctx.asked:
        n = counts[c]
        rows.append(_row("活动开展", ctx.label(c), n, "个单位", f"占已报送 {_share(n, reported)}"))
    for key in FIGURE_KEYS:
        units = counts[f"{key}:units"]
        note = f"{units} 个单位填报" if units else ""
        total = counts[f"{key}:total"]
        rows.append(_row("数据合计", FIGURE_NAMES[key], total, FIGURE_MEASURES[key], note))
    fresh = [u for u in ctx.units if u.id in new_units(ctx)]
    note = _names(fresh, "汇总") if len(fresh) <= MAX_NEW_NAMED else "见汇总表“新到”列"
    rows.append(_row("新到", new_label(ctx), len(fresh), "个单位", note))
    chart = Chart("各类活动开展单位数", label="项目", value="数量", rows=len(ctx.asked),
                  first=first_activity, beside=True)  # fmt: skip
    return Sheet(
        "概况",
        pd.DataFrame(rows, columns=COLUMNS),
        widths={"类别": 9.5, "项目": 15, "数量": 7, "计量": 7.5, "说明": 32},
        center=("类别", "计量"),
        chart=chart,
        one_page=True,
    )


def _status_rows(
    ctx: Context, standing: pd.DataFrame, counts: dict[str, int]
) -> list[dict[str, object]]:
    """Roster, reported, and each status (the missing and to-be-checked units named)."""
    roster = len(ctx.units)
    reported = roster - counts[STATUS_MISSING]
    rows = [
        _row("报送情况", "名册单位", roster, "个"),
        _row("报送情况", "已报送", reported, "个", f"占名册 {_share(reported, roster)}"),
    ]
    by_status = dict(zip(standing.index, standing["shown"], strict=True))
    for status in SHOWN_STATUSES:
        n = weekly_value(counts, status)
        if TO_CHECK in status and not n:
            continue  # no row for nothing to check: the page must stay one
        names = [u for u in ctx.units if by_status[u.id] == status]
        note = _names(names, "未报送") if status == STATUS_MISSING or TO_CHECK in status else ""
        rows.append(_row("报送情况", status, n, "个", note))
    return rows


def _row(kind: str, item: str, value: int, measure: str, note: str = "") -> dict[str, object]:
    return {"类别": kind, "项目": item, "数量": value, "计量": measure, "说明": note}


def _share(n: int, of: int) -> str:
    return f"{n / of:.0%}" if of else "—"


def _names(units: list[Unit], sheet: str) -> str:
    """Short names (the shortest alias) joined, so the list stays a few lines; past
    MAX_NAMED the first ones and where the whole list is."""
    names = [min(u.names, key=len) for u in units]
    if len(names) <= MAX_NAMED:
        return "、".join(names)
    return "、".join(names[:MAX_NAMED]) + f"等 {len(names)} 个单位（全部见“{sheet}”工作表）"
