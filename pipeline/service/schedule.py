"""When the scheduled work happens, and which weekly workbooks are due.

Everything here is computed from config.toml and the database alone, so
`mailroll status` can say when the next runs are without asking a live
process, and `mailroll run --once` from cron writes the same weekly workbooks
as `mailroll serve` would.

A weekly workbook is *due* for an ISO week that overlaps the campaign (up to
LATE_DAYS after its end, when late reports still come in) once a scheduled
time of `[service] weekly_report` has come in the week after it. It is
*missing* when that scheduled time came after mailroll first ran on this
database (the first row of `runs`: before that nothing was scheduled) and no
row of the `workbooks` table says it was written. Every poll writes the missing
ones: that is the catch-up, so a machine that was off on Monday morning writes
Monday's workbook as soon as it is back. Weeks due before the first run (the
demo's 2024 campaign, or installing mid-campaign) are left to
`mailroll report --week`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from pipeline.config import Config
from pipeline.process import Rulebook
from pipeline.store import Store
from pipeline.store.workbooks import (
    cumulative_stale,
    first_run_started,
    save_workbook_record,
    weekly_periods_written,
)

log = logging.getLogger(__name__)

# fixed job ids of `mailroll serve`, also the `command` of their rows in `runs`
POLL, WEEKLY, REMINDERS, NOTIFY = "poll", "weekly_report", "reminders", "notify"
LATE_DAYS = 14  # weeks this long after the campaign's end still get a weekly workbook
CUMULATIVE = "累计"


@dataclass(frozen=True)
class DueWeek:
    """An ISO week whose workbook the schedule called for."""

    label: str  # "2024-W20"
    monday: date
    due_at: datetime  # the scheduled time that called for it


def cron(expr: str, tz: ZoneInfo) -> CronTrigger:
    """A crontab expression as a trigger in the campaign time zone."""
    return CronTrigger.from_crontab(expr, timezone=tz)


def poll_interval(config: Config) -> timedelta:
    return timedelta(minutes=config.service.poll_minutes)


def week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def due_weeks(config: Config, now: datetime) -> list[DueWeek]:
    """Every campaign week whose weekly workbook should exist by `now`, oldest first.

    A scheduled time stands for the last complete ISO week before it (Monday
    08:00 writes the week that ended on Sunday)."""
    campaign, tz = config.campaign, config.campaign.timezone
    trigger = cron(config.service.weekly_report, tz)
    monday = campaign.start - timedelta(days=campaign.start.weekday())
    last = campaign.end + timedelta(days=LATE_DAYS)
    due = []
    while monday <= last:
        week_after = datetime.combine(monday + timedelta(days=7), time(), tz)
        fire = trigger.get_next_fire_time(None, week_after)
        if fire is None or fire > now:
            break
        if fire < week_after + timedelta(days=7):  # the schedule ran in the week after
            due.append(DueWeek(week_label(monday), monday, fire))
        monday += timedelta(days=7)
    return due


def missing_weeks(store: Store, config: Config, now: datetime) -> list[DueWeek]:
    """The weekly workbooks due since mailroll first ran here and never written."""
    first = first_run_started(store)
    if first is None:
        return []
    since = datetime.fromisoformat(first)
    written = weekly_periods_written(store)
    return [w for w in due_weeks(config, now) if w.due_at >= since and w.label not in written]


def next_runs(config: Config, last_poll: datetime | None, now: datetime) -> dict[str, datetime]:
    """When each job of the service runs next, from the config's triggers.

    The poll's next time is the last poll plus the interval (in the past when
    nothing has polled for too long); it is left out when nothing ever polled."""
    tz = config.campaign.timezone
    runs = {}
    if last_poll is not None:
        runs[POLL] = last_poll.astimezone(tz) + poll_interval(config)
    service = config.service
    for job, expr in ((WEEKLY, service.weekly_report), (REMINDERS, service.reminders)):
        fire = cron(expr, tz).get_next_fire_time(None, now.astimezone(tz))
        if fire is not None:
            runs[job] = fire
    return runs


def write_workbooks(
    store: Store, config: Config, book: Rulebook, now: datetime, always: bool = True
) -> tuple[Path | None, list[Path]]:
    """Write the 累计 workbook (unless `always` is off and it is up to date) and
    every missing weekly one; return (累计 path or None, weekly paths)."""
    from pipeline.rollup.report import write_report  # pandas: loaded only once mail is processed

    cumulative = None
    if always or cumulative_stale(store):
        cumulative = write_report(store, config, book)
        save_workbook_record(store, "cumulative", CUMULATIVE, cumulative)
    return cumulative, write_missing_weeks(store, config, book, now)


def write_missing_weeks(store: Store, config: Config, book: Rulebook, now: datetime) -> list[Path]:
    """Write each missing weekly workbook; hand the latest one to the mail-out job
    if it was due less than a week ago (a backfill of old weeks mails nothing)."""
    from pipeline.rollup.report import write_report

    written = []
    for week in missing_weeks(store, config, now):
        path = write_report(store, config, book, week=week.label)
        save_workbook_record(store, "weekly", week.label, path, week.due_at)
        log.info("weekly workbook %s written (due %s): %s", week.label, week.due_at, path)
        written.append(path)
        if now - week.due_at < timedelta(days=7):
            _mail_weekly(config, week, now)
            if config.notify:  # the summary for the office chat, sent by the notify job
                from pipeline.mailout.notices import queue_weekly_summary

                queue_weekly_summary(store, config, book, week.label, now)
    return written


def _mail_weekly(config: Config, week: DueWeek, now: datetime) -> None:
    """Mail the week's workbook to the officials ([send] report; off by default)."""
    if not config.send.report:
        return
    from pipeline.mailout.send import send_weekly_report

    result = send_weekly_report(config, week.label, now=now)
    log.info("weekly workbook %s mail-out: %s", week.label, result)
