"""The roll-up workbooks, built from SQLite alone.

Per campaign, one workbook per ISO week (``江北区节能宣传周汇总_2024-W20.xlsx``:
the campaign as it stood at the end of that week, so a unit that reported in
an earlier week is not shown as missing) and one cumulative workbook
(``…_累计.xlsx``: everything stored, with week-over-week columns in 分类统计).

SQLite → pandas frames (read once, filtered per scope) → sheets (sheets.py) →
xlsx (workbook.py). Beside each workbook goes the district summary draft
(``…_区级总结.docx``, summary.py and govdoc.py) drawn from the same numbers.
Nothing that arrived is left out: a mail that could not be
handled is a row in 待处理, a sender nobody knows is 待确认, and a mail outside
every campaign's window is listed in the nearest campaign's cumulative book.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from pipeline.config import Config
from pipeline.errors import ConfigError
from pipeline.process import Rulebook
from pipeline.rollup.context import Context
from pipeline.rollup.data import Data, Scope, load, scope_for, select, standing, title
from pipeline.rollup.govdoc import save_draft
from pipeline.rollup.sheets import build_sheets
from pipeline.rollup.summary import draft, load_phrases
from pipeline.rollup.workbook import save_workbook
from pipeline.store import Store

SUMMARY_SUFFIX = "_区级总结.docx"
log = logging.getLogger(__name__)


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
    """Write the workbook of one scope from already loaded data, and the summary
    draft beside it (same name, ``_区级总结.docx``)."""
    if out is None:
        config.report.dir.mkdir(parents=True, exist_ok=True)
    target = out or config.report.dir / scope.filename()
    narrowed = select(data, scope)
    sheets = build_sheets(narrowed, scope, config, book, target.parent)
    heading, subtitle = title(scope)
    save_workbook(
        target, heading, sheets, font=config.report.font, subtitle=subtitle,
        mode=config.storage.mode,
    )  # fmt: skip
    try:
        save_summary(narrowed, scope, config, book, summary_path(target))
    except ConfigError as exc:  # a missing or broken template never costs the workbook
        log.warning("summary draft not written: %s", exc)
        summary_path(target).unlink(missing_ok=True)  # no draft with last week's numbers
    return target


def write_summary(
    store: Store,
    config: Config,
    book: Rulebook,
    week: str | None = None,
    out: Path | None = None,
    campaign: str | None = None,
    now: datetime | None = None,
) -> Path:
    """Write the district summary draft alone (`mailroll summary`) and return its path."""
    scope = scope_for(config, week, campaign, now)
    target = out or summary_path(config.report.dir / scope.filename())
    return save_summary(select(load(store, config), scope), scope, config, book, target)


def save_summary(data: Data, scope: Scope, config: Config, book: Rulebook, target: Path) -> Path:
    """The summary draft of `data` (already narrowed to the scope) as a .docx."""
    phrases = load_phrases(config.send.templates)
    ctx = Context(data, scope, config, book, target.parent)
    return save_draft(
        draft(ctx, standing(data, scope, book), phrases), target, mode=config.storage.mode
    )


def summary_path(workbook: Path) -> Path:
    """江北区节能宣传周汇总_2024-W20.xlsx → 江北区节能宣传周汇总_2024-W20_区级总结.docx"""
    return workbook.with_name(workbook.stem + SUMMARY_SUFFIX)
