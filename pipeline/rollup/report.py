"""The roll-up workbooks, built from SQLite alone.

Per campaign, one workbook per ISO week (``江北区节能宣传周汇总_2024-W20.xlsx``:
the campaign as it stood at the end of that week, so a unit that reported in
an earlier week is not shown as missing) and one cumulative workbook
(``…_累计.xlsx``: everything stored, with week-over-week columns in 分类统计).

SQLite → pandas frames (read once, filtered per scope) → sheets (sheets.py) →
xlsx (workbook.py). Nothing that arrived is left out: a mail that could not be
handled is a row in 待处理, a sender nobody knows is 待确认, and a mail outside
every campaign's window is listed in the nearest campaign's cumulative book.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from pipeline.config import Config
from pipeline.process import Rulebook
from pipeline.rollup.data import Data, Scope, load, scope_for, select, title
from pipeline.rollup.sheets import build_sheets
from pipeline.rollup.workbook import save_workbook
from pipeline.store import Store


def write_report(
    store: Store,
    config: Config,
    book: Rulebook,
    week: str | None = None,
    out: Path | None = None,
    campaign: str | None = None,
    now: datetime | None = None,
) -> Path:
    """Write one roll-up workbook (a week of a campaign, or its 累计) and return its path."""
    scope = scope_for(config, week, campaign, now)
    return write_scope(load(store, config), scope, config, book, out)


def write_scope(
    data: Data, scope: Scope, config: Config, book: Rulebook, out: Path | None = None
) -> Path:
    """Write the workbook of one scope from already loaded data."""
    if out is None:
        config.report.dir.mkdir(parents=True, exist_ok=True)
    target = out or config.report.dir / scope.filename()
    sheets = build_sheets(select(data, scope), scope, config, book, target.parent)
    heading, subtitle = title(scope)
    save_workbook(
        target, heading, sheets, font=config.report.font, subtitle=subtitle,
        mode=config.storage.mode,
    )  # fmt: skip
    return target
