"""Notices for the office chat's group bots ([[notify]]; off unless configured):
the weekly summary and the service's alerts.

Queue, then deliver, like mail: a notice is queued once per (bot, key) in the
notices table, in the job that has something to say, without any network
call; `deliver_notices` POSTs what is due (pipeline.mailout.webhook), from its
own job of the service, so a slow or failing endpoint never holds up a poll. A
failed POST is logged and tried again later, waiting 1, 2, 4 … up to 60 minutes.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from pipeline.config import Config
from pipeline.config.notify import bot_secret
from pipeline.errors import MailrollError
from pipeline.mailout.outbox import cn_date
from pipeline.process import Rulebook
from pipeline.rollup import campaigns as cal
from pipeline.rollup.data import Scope, load, roster_order, select, standing
from pipeline.rollup.standing import STATUS_LATE, STATUS_MISSING, STATUS_ON_TIME
from pipeline.store import Store
from pipeline.store.notices import due_notices, save_notice, save_notice_failed, save_notice_sent

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

MAX_WAIT = timedelta(minutes=60)
MAX_NAMES = 15  # missing units named in the chat message; the workbook has them all


def queue_notice(
    store: Store, config: Config, event: str, key: str, text: str, only: str = ""
) -> int:
    """Queue `text` for every bot (or the bot named `only`) that takes `event`; the
    number newly queued (a key already queued for a bot is not queued again)."""
    queued = 0
    for bot in config.notify:
        if only and bot.name != only:
            continue
        if event in bot.events and save_notice(store, bot.name, key, event, text):
            queued += 1
    return queued


def deliver_notices(store: Store, config: Config, now: datetime | None = None) -> tuple[int, int]:
    """POST every notice that is due; (sent, failed). Failures are logged, not raised."""
    from pipeline.mailout.webhook import post  # urllib: loaded only when there is a bot

    now = (now or datetime.now(UTC)).astimezone(UTC)
    bots = {b.name: b for b in config.notify}
    sent = failed = 0
    for notice in due_notices(store, now):
        bot = bots.get(notice.bot)
        if bot is None:  # removed from config.toml since it was queued
            continue
        try:
            post(bot, notice.text, bot_secret(bot))
        except MailrollError as exc:
            wait = min(MAX_WAIT, timedelta(minutes=2**notice.attempts))
            save_notice_failed(store, notice, str(exc), now + wait)
            log.warning("notice %s to %s failed, next try in %s: %s",
                        notice.key, bot.name, wait, exc)  # fmt: skip
            failed += 1
            continue
        save_notice_sent(store, notice)
        log.info("notice %s sent to %s", notice.key, bot.name)
        sent += 1
    return sent, failed


def queue_weekly_summary(
    store: Store, config: Config, book: Rulebook, week: str, now: datetime
) -> int:
    """Queue the week's summary (what the weekly workbook says, in a few lines)."""
    if not any("weekly" in b.events for b in config.notify):
        return 0
    queued = 0
    data = load(store, config)
    for campaign in cal.for_week(config.campaigns, cal.parse_week(week)):
        scope = Scope(campaign, cal.parse_week(week), now)
        text = weekly_text(scope, standing(select(data, scope), scope, book), book)
        queued += queue_notice(store, config, "weekly", f"weekly:{campaign.id}:{week}", text)
    return queued


def weekly_text(scope: Scope, where: pd.DataFrame, book: Rulebook) -> str:
    """A few lines for the chat: counts, the units still missing, the workbook's name."""
    counts = where["status"].value_counts()
    on_time, late = int(counts.get(STATUS_ON_TIME, 0)), int(counts.get(STATUS_LATE, 0))
    names = {u.id: u.name for u in roster_order(book)}
    missing = [names[u] for u in where.index[where["status"] == STATUS_MISSING]]
    shown = "、".join(missing[:MAX_NAMES])
    if len(missing) > MAX_NAMES:
        shown += f" 等 {len(missing)} 个"
    c = scope.campaign
    deadline = cn_date(c.deadline.astimezone(c.timezone))
    return "\n".join(
        [
            f"【{c.title}（{scope.week.span if scope.week else scope.label}）】{c.name}",
            f"已报送 {len(where) - len(missing)}/{len(where)} 个单位"
            f"（按时 {on_time}，逾期 {late}），未报送 {len(missing)} 个。",
            f"未报送：{shown}" if missing else "全部单位均已报送。",
            f"报送截止：{deadline}。详见本周汇总表 {scope.filename()}。",
        ]
    )
