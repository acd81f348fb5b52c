"""The service's alerts for the office chat ([[notify]] bots that take "alerts"):
the mailbox cannot be read (login failing, server gone), or no poll has
succeeded for `overdue_polls` intervals (the service stopped, the machine hangs).

Read from the `runs` table like `mailroll status`, so they say the same; each
failure streak is announced once (its key names the last success before it).
"""

from __future__ import annotations

import logging
from datetime import datetime

from pipeline.config import Config
from pipeline.errors import MailrollError
from pipeline.mailout.notices import deliver_notices, queue_notice
from pipeline.service.runner import open_store
from pipeline.service.schedule import poll_interval
from pipeline.store import Store
from pipeline.store.workbooks import last_finished, last_success

log = logging.getLogger(__name__)

POLL_COMMANDS = ("run", "poll")


def queue_alerts(store: Store, config: Config, now: datetime) -> int:
    """Queue the alerts that are due now; the number queued."""
    if not any("alerts" in b.events for b in config.notify):
        return 0
    tz = config.campaign.timezone
    success = last_success(store, POLL_COMMANDS)
    since = success["started_at"] if success else "never"
    shown = _local(since, tz) if success else "从未成功"
    queued = 0
    last = last_finished(store, POLL_COMMANDS)
    if last is not None and last["error"]:
        text = (f"【mailroll 告警】读取邮箱失败：{last['error']}\n最近一次成功：{shown}。"
                "请检查 config.toml 的邮箱设置、授权码和网络。")  # fmt: skip
        queued += queue_notice(store, config, "alerts", f"poll-error:{since}", text)
    for bot in config.notify:
        limit = bot.overdue_polls * poll_interval(config)
        last_time = datetime.fromisoformat(success["started_at"]) if success else None
        if last_time is None or now - last_time <= limit:
            continue
        minutes = int(limit.total_seconds() // 60)
        text = (f"【mailroll 告警】已超过 {minutes} 分钟（{bot.overdue_polls} 个轮询周期）"
                f"没有成功读取邮箱，最近一次成功：{shown}。"
                "请检查 mailroll 服务是否在运行。")  # fmt: skip
        queued += queue_notice(store, config, "alerts", f"overdue:{since}", text, bot.name)
    return queued


def notify(config: Config, now: datetime | None = None) -> None:
    """Queue the alerts that are due and send what is queued: the service's notify
    job, and the end of `mailroll run` (cron). A failing bot is logged, never raised."""
    if not config.notify:
        return
    now = now or datetime.now(config.campaign.timezone)
    store = open_store(config)
    try:
        queue_alerts(store, config, now)
        sent, failed = deliver_notices(store, config)  # the time now: all just queued is due
    except MailrollError as exc:
        log.error("notify failed: %s", exc)
        return
    finally:
        store.close()
    if sent or failed:
        log.info("notify: %d sent, %d failed (tried again later)", sent, failed)


def _local(iso: str, tz: object) -> str:
    return f"{datetime.fromisoformat(iso).astimezone(tz):%Y-%m-%d %H:%M}"  # type: ignore[arg-type]
