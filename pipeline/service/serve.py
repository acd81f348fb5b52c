"""`mailroll serve`: the unattended service.

An APScheduler 3 BlockingScheduler in the campaign time zone runs three jobs
with fixed ids, one at a time (a single worker thread, max_instances 1,
coalesce, generous misfire grace):

- ``poll`` every `[service] poll_minutes`, and once at start-up: poll the
  mailbox, process new mail, rewrite the 累计 workbook if anything changed, and
  write every weekly workbook that is due and missing (the catch-up after the
  machine was off; see pipeline.service.schedule);
- ``weekly_report`` on the `weekly_report` crontab: the same weekly catch-up
  at the scheduled time;
- ``reminders`` on the `reminders` crontab: the 催报 job of the mail-out work,
  called when this build has it;
- ``notify`` every minute when [[notify]] bots are configured, on its own
  thread: queue the alerts that are due (pipeline.service.alerts) and POST the
  queued notices, so a slow or failing chat endpoint never holds up a poll.

With `[web] with_service` (the default) and at least one web account, the web
app (pipeline.web) is served from a thread of the same process, on the same
database: a correction made there is in the 累计 workbook of the next poll.

Job store: in memory, on purpose. The jobs are fully defined by config.toml,
so there is nothing to persist about them, and what must survive a restart
(which weekly workbooks were written) lives in our own `workbooks` table where
the catch-up reads it. A persistent APScheduler job store would pickle the
jobs, keep stale triggers after config.toml changes, and drops missed runs
silently when a job is re-added with replace_existing=True (NOTES.md).

Each job holds the lock file while it works, so a cron run or `mailroll retag`
never works at the same time. SIGTERM / SIGINT set a stop flag that the poll
checks between mails: the mail in hand is finished (or, past STOP_GRACE, left
uncommitted and so rolled back by SQLite), the lock is released, exit 0.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from pipeline.config import Config
from pipeline.errors import MailrollError
from pipeline.mailout.send import send_receipts, send_reminders
from pipeline.process import load_rulebook
from pipeline.service.alerts import notify as notify_chat
from pipeline.service.lock import AlreadyRunning, RunLock
from pipeline.service.runner import open_store, run_once
from pipeline.service.schedule import (
    NOTIFY,
    POLL,
    REMINDERS,
    WEEKLY,
    cron,
    poll_interval,
    write_missing_weeks,
)
from pipeline.service.signals import stop_on_signals
from pipeline.store import Store
from pipeline.store.accounts import users
from pipeline.web.server import WebServer

log = logging.getLogger(__name__)

STOP_GRACE = 20.0  # seconds the job in hand gets to finish after SIGTERM
LOCK_WAIT = 300.0  # a scheduled report waits this long for a cron run or retag to finish
HOUR = 3600
NOTIFY_SECONDS = 60  # alerts are checked and queued notices sent this often
# one worker thread runs the jobs in turn; a job never overlaps itself, and runs
# missed while one was busy collapse into one
ONE_AT_A_TIME = {"coalesce": True, "max_instances": 1}


class _QuietSkips(logging.Filter):
    """A poll that outlasts its interval makes APScheduler skip the next tick with a
    warning each time. The skip is harmless (the running poll takes the new mail),
    so it goes to mailroll's debug log instead of alarming whoever reads the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "maximum number of running instances reached" not in record.getMessage():
            return True
        log.debug("a job is still running; its next run was skipped: %s", record.getMessage())
        return False


def _quiet_skips() -> None:
    logger = logging.getLogger("apscheduler.scheduler")
    if not any(isinstance(f, _QuietSkips) for f in logger.filters):
        logger.addFilter(_QuietSkips())


class _Interrupted(BaseException):
    """Raised by the signal handler to leave the scheduler's main loop."""


class Service:
    """The scheduler and its jobs for one config."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.tz = config.campaign.timezone
        self.stop = threading.Event()
        self.working = threading.Lock()  # held while a job runs
        self._in_loop = False

    def scheduler(self) -> BlockingScheduler:
        service, tz = self.config.service, self.tz
        every = poll_interval(self.config).total_seconds()
        _quiet_skips()
        sched = BlockingScheduler(
            timezone=tz,
            executors={
                "default": ThreadPoolExecutor(max_workers=1),
                NOTIFY: ThreadPoolExecutor(max_workers=1),  # a slow bot never holds up a poll
            },
        )
        sched.add_job(
            self.poll,
            IntervalTrigger(seconds=every, timezone=tz),
            id=POLL,
            name="poll the mailbox",
            next_run_time=datetime.now(tz),  # at once: the catch-up
            misfire_grace_time=max(60, int(2 * every)),
            **ONE_AT_A_TIME,
        )
        sched.add_job(
            self.weekly_report,
            cron(service.weekly_report, tz),
            id=WEEKLY,
            name="weekly workbook",
            misfire_grace_time=24 * HOUR,
            **ONE_AT_A_TIME,
        )
        sched.add_job(
            self.reminders,
            cron(service.reminders, tz),
            id=REMINDERS,
            name="reminders",
            misfire_grace_time=6 * HOUR,
            **ONE_AT_A_TIME,
        )
        if self.config.notify:
            sched.add_job(
                self.notify,
                IntervalTrigger(seconds=NOTIFY_SECONDS, timezone=tz),
                id=NOTIFY,
                name="group-bot notices",
                executor=NOTIFY,
                misfire_grace_time=NOTIFY_SECONDS,
                **ONE_AT_A_TIME,
            )
        return sched

    def serve(self) -> None:
        """Run until SIGTERM or SIGINT; return once the job in hand has finished."""
        load_rulebook(self.config.rules_dir)  # broken rules fail now, not in every poll
        if not log.isEnabledFor(logging.DEBUG):
            logging.getLogger("apscheduler").setLevel(logging.WARNING)
        sched = self.scheduler()
        site = start_web(self.config)
        with stop_on_signals(self.stop, self._interrupt):
            try:
                self._in_loop = True
                if self.stop.is_set():
                    raise _Interrupted
                self._log_start(sched)
                sched.start()
            except _Interrupted:
                pass
            finally:
                self._in_loop = False
                self.stop.set()
                if sched.running:
                    sched.shutdown(wait=False)
                if site is not None:
                    site.close()
            self._wait_for_job()

    def _interrupt(self) -> None:
        if self._in_loop:
            raise _Interrupted

    def _log_start(self, sched: BlockingScheduler) -> None:
        now = datetime.now(self.tz)
        s = self.config.service
        times = {job.id: job.trigger.get_next_fire_time(None, now) for job in sched.get_jobs()}
        log.info(
            "mailroll serve (pid %d): poll every %g min; weekly workbook %r (next %s); "
            "reminders %r (next %s); time zone %s; lock %s",
            os.getpid(), s.poll_minutes, s.weekly_report, f"{times[WEEKLY]:%Y-%m-%d %H:%M}",
            s.reminders, f"{times[REMINDERS]:%Y-%m-%d %H:%M}", self.tz.key, s.lock,
        )  # fmt: skip

    def _wait_for_job(self) -> None:
        if self.working.acquire(timeout=STOP_GRACE):
            self.working.release()
            log.info("stopped")
            return
        log.warning(
            "stopped with a job still working after %gs: its mail in hand was not committed "
            "and is processed again by the next run",
            STOP_GRACE,
        )
        logging.shutdown()
        os._exit(0)  # the lock goes with the process; SQLite rolls back the open transaction

    # -- the jobs -------------------------------------------------------

    def poll(self) -> None:
        def work() -> None:
            run_once(self.config, command=POLL, should_stop=self.stop.is_set, write_unchanged=False)
            if self.config.send.receipts and not self.stop.is_set():  # 回执, off by default
                log.info("receipts: %s", send_receipts(self.config, datetime.now(self.tz)))

        self._job(POLL, 0.0, work)

    def weekly_report(self) -> None:
        def work(store: Store) -> int:
            book = load_rulebook(self.config.rules_dir)
            written = write_missing_weeks(store, self.config, book, datetime.now(self.tz))
            log.info("%s: %d workbook(s) written", WEEKLY, len(written))
            return len(written)

        self._job(WEEKLY, LOCK_WAIT, lambda: self._recorded(WEEKLY, work))

    def reminders(self) -> None:
        def work(store: Store) -> int:
            result = send_reminders(self.config, datetime.now(self.tz))
            log.info("%s: %s", REMINDERS, result)
            return 0

        self._job(REMINDERS, LOCK_WAIT, lambda: self._recorded(REMINDERS, work))

    def notify(self) -> None:
        """Alerts and queued notices for the office chat; its own thread, no lock file
        (it only reads the runs and writes the notices table)."""
        if not self.stop.is_set():
            notify_chat(self.config, datetime.now(self.tz))

    def _job(self, command: str, wait: float, work: Callable[[], object]) -> None:
        """Run `work` holding the lock file; skip it when stopping or when another
        mailroll keeps the lock for longer than `wait` seconds."""
        if self.stop.is_set():
            return
        with self.working:
            lock = RunLock(
                self.config.service.lock, f"serve ({command})", self.config.campaign.timezone
            )
            try:
                lock.acquire(wait, self.stop.is_set)
            except AlreadyRunning as exc:
                level = logging.INFO if command == POLL else logging.WARNING
                log.log(level, "%s skipped: another mailroll is working: %s", command, exc)
                return
            try:
                work()
            except MailrollError as exc:  # config, rules, mailbox: one line, not a traceback
                log.error("%s failed: %s", command, exc)
            finally:
                lock.release()

    def _recorded(self, command: str, work: Callable[[Store], int]) -> None:
        """Run `work(store)` as one row of `runs`, so `mailroll status` shows its error."""
        store = open_store(self.config)
        run_id = store.start_run(command)
        done, error = 0, None
        try:
            done = work(store)
        except Exception as exc:
            error = f"{exc.__class__.__name__}: {exc}"
            raise
        finally:
            store.finish_run(run_id, 0, done, store.counts()["problems"], error)
            store.close()


def start_web(config: Config) -> WebServer | None:
    """The web app in a thread of this process ([web] with_service), once an account
    exists; a port already taken is logged, and the scheduler runs on without it."""
    if not config.web.with_service:
        return None
    store = open_store(config)
    try:
        if not users(store):
            log.info("web: not started: no accounts yet (mailroll web user add NAME)")
            return None
    finally:
        store.close()
    try:
        site = WebServer(config)
    except MailrollError as exc:
        log.error("web: not started: %s", exc)
        return None
    site.start()
    return site


def serve(config: Config) -> None:
    """Run the service for `config` until SIGTERM / SIGINT."""
    Service(config).serve()
