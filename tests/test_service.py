"""The unattended service, as real processes: `mailroll serve` and `mailroll run
--once` started as subprocesses against a mailbox, stopped with real signals.

Every test that talks to a mailbox runs once per kind in MAILBOX_KINDS.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from pipeline.config import load_config
from pipeline.service.runner import open_store
from pipeline.service.serve import Service
from pipeline.store.workbooks import save_workbook_record
from tests.reportkit import by_unit
from tests.servicekit import (
    MAILBOX_KINDS,
    DovecotBox,
    Mailbox,
    MaildirBox,
    Mailroll,
    count,
    installed_since,
    query,
    report_mail,
    wait_until,
    write_service_config,
)

CHINA = ZoneInfo("Asia/Shanghai")


@pytest.fixture(params=MAILBOX_KINDS)
def mailbox(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Mailbox]:
    if request.param == "maildir":
        yield MaildirBox(tmp_path)
    elif request.param == "dovecot":
        yield DovecotBox(tmp_path, request.getfixturevalue("dovecot"))
    else:  # pragma: no cover - a kind listed without a class
        raise AssertionError(f"no mailbox class for {request.param}")


@pytest.fixture
def processes() -> Iterator[list[Mailroll]]:
    """Every process a test starts; killed at the end if still running."""
    started: list[Mailroll] = []
    yield started
    for proc in started:
        proc.kill()


def start(processes: list[Mailroll], config: Path, *args: str) -> Mailroll:
    proc = Mailroll(config, *args)
    processes.append(proc)
    return proc


def summary_units(book: Path) -> dict[str, str]:
    return {unit: str(row["报送状态"]) for unit, row in by_unit(book).items()}


def test_serve_picks_up_new_mail_writes_the_workbook_and_stops_on_sigterm(
    mailbox: Mailbox, tmp_path: Path, processes: list[Mailroll]
) -> None:
    # a campaign starting in three days: today's mail is in its window, before the deadline
    config = write_service_config(tmp_path, mailbox, start=date.today() + timedelta(days=3))
    db = tmp_path / "var" / "mailroll.sqlite3"
    serve = start(processes, config, "serve")
    wait_until("the first poll", lambda: count(db, "runs", "finished_at IS NOT NULL") >= 1, serve)
    assert count(db, "mails") == 0

    mailbox.add(report_mail(0, datetime.now(CHINA)))  # 观音桥街道, while the service runs
    wait_until("the new mail processed", lambda: count(db, "submissions") == 1, serve)
    book = tmp_path / "output" / "江北区节能宣传周汇总_累计.xlsx"
    wait_until(
        "the 累计 workbook with it",
        lambda: book.exists() and summary_units(book).get("观音桥街道办事处") == "按时",
        serve,
    )

    serve.signal(signal.SIGTERM)
    assert serve.wait(timeout=15) == 0
    out = serve.text()
    assert "SIGTERM: stopping" in out and "stopped" in out
    assert "Traceback" not in out
    # one log line per poll, in the rotating log file as well as on stderr
    log_file = (tmp_path / "var" / "mailroll.log").read_text(encoding="utf-8")
    assert "poll: 1 new mails, 1 processed, 0 failed" in log_file
    assert (tmp_path / "var" / "mailroll.lock").read_text() == ""  # released


def test_sigkill_mid_poll_and_restart_store_every_mail_exactly_once(
    mailbox: Mailbox, tmp_path: Path, processes: list[Mailroll]
) -> None:
    total = 60
    for n in range(total):
        mailbox.add(report_mail(n))
    config = write_service_config(tmp_path, mailbox)
    db = tmp_path / "var" / "mailroll.sqlite3"

    # killed while storing the raw mails
    first = start(processes, config, "serve")
    wait_until("mails being stored", lambda: count(db, "mails") >= 1, first)
    first.signal(signal.SIGKILL)
    first.wait()
    # killed while processing them
    second = start(processes, config, "serve")
    wait_until("mails being processed", lambda: count(db, "submissions") >= 1, second)
    second.signal(signal.SIGKILL)
    second.wait()
    at_kill = count(db, "submissions")
    assert 0 < at_kill < total, "the second kill did not land in the middle of processing"
    assert count(db, "runs", "finished_at IS NULL") == 2  # both kills interrupted a poll

    third = start(processes, config, "serve")
    wait_until("every mail processed", lambda: count(db, "submissions") == total, third)
    third.signal(signal.SIGTERM)
    assert third.wait(timeout=15) == 0
    assert "took over a stale lock" in third.text()

    assert count(db, "mails") == total
    assert count(db, "mails", "state = 'done'") == total
    assert count(db, "seen") == total
    assert len(query(db, "SELECT DISTINCT message_id FROM submissions")) == total
    # (a kill inside the archive's atomic write can leave an unreferenced .tmp-* file)
    archived = [p for p in (tmp_path / "var" / "archive").rglob("*.eml")]
    assert len(archived) == total


def test_sigterm_in_the_middle_of_a_long_poll_finishes_the_mail_in_hand(
    mailbox: Mailbox, tmp_path: Path, processes: list[Mailroll]
) -> None:
    total = 50
    for n in range(total):
        mailbox.add(report_mail(n))
    config = write_service_config(tmp_path, mailbox)
    db = tmp_path / "var" / "mailroll.sqlite3"
    serve = start(processes, config, "serve")
    wait_until("mails being processed", lambda: count(db, "submissions") >= 1, serve)
    serve.signal(signal.SIGTERM)
    assert serve.wait(timeout=15) == 0
    done = count(db, "submissions")
    assert done < total, "SIGTERM came after the poll had finished"
    # nothing half-done: each mail is processed or still waiting, none failed
    assert count(db, "mails", "state = 'done'") == done
    assert count(db, "mails", "state = 'failed'") == 0
    assert query(db, "SELECT processed FROM runs ORDER BY id DESC LIMIT 1") == [(done,)]
    assert "(stopped early)" in serve.text()

    # the lock is free, and the next run goes on where the service stopped
    again = start(processes, config, "run", "--once")
    assert again.wait(timeout=60) == 0, again.text()
    assert count(db, "submissions") == total
    assert count(db, "mails") == total


def test_two_cron_runs_at_the_same_time_one_works_one_exits_at_once(
    mailbox: Mailbox, tmp_path: Path, processes: list[Mailroll]
) -> None:
    for n in range(200):
        mailbox.add(report_mail(n))
    config = write_service_config(tmp_path, mailbox)
    lock = tmp_path / "var" / "mailroll.lock"
    first = start(processes, config, "run", "--once")
    wait_until("the first run to hold the lock", lambda: lock.exists() and lock.read_text(), first)
    holder = lock.read_text()
    assert holder.startswith(f"{first.pid} ")

    second = start(processes, config, "run", "--once")
    assert second.wait(timeout=30) == 75
    assert first.proc.poll() is None, "the first run had already finished: no overlap tested"
    line = second.text().strip()
    assert line.startswith(f"mailroll: already running (pid {first.pid} since ")
    assert "mailroll run --once" in line and len(line.splitlines()) == 1

    assert first.wait(timeout=60) == 0, first.text()
    db = tmp_path / "var" / "mailroll.sqlite3"
    assert count(db, "runs") == 1  # the second did nothing at all
    assert count(db, "submissions") == 200


def _weeks_ago(today: date, n: int) -> date:
    """The Monday n weeks before this week's Monday."""
    return today - timedelta(days=today.weekday() + 7 * n)


def _label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def test_a_weekly_workbook_missed_while_the_machine_was_off_is_written_on_start(
    mailbox: Mailbox, tmp_path: Path, processes: list[Mailroll]
) -> None:
    today = datetime.now(CHINA).date()
    start_day = _weeks_ago(today, 5)  # a one-week campaign five weeks ago
    config = write_service_config(
        tmp_path, mailbox, start=start_day, end=start_day + timedelta(days=6)
    )
    # weeks due: the campaign week and two weeks of late reports, each written
    # the Monday 08:00 after; the first two were written, the third was missed
    weeks = [_label(_weeks_ago(today, n)) for n in (5, 4, 3)]
    installed_since(config, datetime.now(CHINA) - timedelta(days=60))
    store = open_store(load_config(config))
    for label in weeks[:2]:
        save_workbook_record(store, "weekly", label, tmp_path / "elsewhere" / f"{label}.xlsx")
    store.close()

    serve = start(processes, config, "serve")
    book = tmp_path / "output" / f"江北区节能宣传周汇总_{weeks[2]}.xlsx"
    db = tmp_path / "var" / "mailroll.sqlite3"
    wait_until("the missed weekly workbook", lambda: count(db, "workbooks", "kind='weekly'") == 3,
               serve)  # fmt: skip
    serve.signal(signal.SIGINT)  # Ctrl-C stops as cleanly as SIGTERM
    assert serve.wait(timeout=15) == 0
    assert "SIGINT: stopping" in serve.text() and "Traceback" not in serve.text()
    assert book.exists()
    assert openpyxl.load_workbook(book).sheetnames[:2] == ["概况", "汇总"]
    written = query(db, "SELECT period, path, due_at FROM workbooks WHERE kind = 'weekly'")
    due = datetime.combine(_weeks_ago(today, 2), datetime.min.time(), CHINA).replace(hour=8)
    assert written[2] == (weeks[2], str(book), due.isoformat())
    # the ones already written are not written again
    assert sorted(p.name for p in (tmp_path / "output").glob("*W*.xlsx")) == [book.name]


def test_the_weekly_report_job_writes_what_is_due_and_records_its_run(
    mailbox: Mailbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The scheduled jobs themselves, called in-process as the scheduler calls them."""
    today = datetime.now(CHINA).date()
    start_day = _weeks_ago(today, 4)  # all due by last Monday, whatever the time now
    config_path = write_service_config(
        tmp_path, mailbox, start=start_day, end=start_day + timedelta(days=6)
    )
    installed_since(config_path, datetime.now(CHINA) - timedelta(days=60))
    service = Service(load_config(config_path))
    service.weekly_report()
    db = tmp_path / "var" / "mailroll.sqlite3"
    periods = [r[0] for r in query(db, "SELECT period FROM workbooks WHERE kind = 'weekly'")]
    assert periods == [_label(_weeks_ago(today, n)) for n in (4, 3, 2)]
    assert query(db, "SELECT command, processed, error FROM runs ORDER BY id DESC LIMIT 1") == [
        ("weekly_report", 3, None)
    ]
    service.weekly_report()  # nothing left to do
    assert count(db, "workbooks") == 3

    with caplog.at_level(logging.INFO, logger="pipeline.service.serve"):
        service.reminders()
    # sending is off in this config: the job runs, is recorded, and mails nothing
    assert count(db, "runs", "command = 'reminders'") == 1
    assert count(db, "sent_mail") == 0


def test_the_scheduler_has_the_fixed_jobs_one_at_a_time(mailbox: Mailbox, tmp_path: Path) -> None:
    config = load_config(write_service_config(tmp_path, mailbox, poll_minutes=10))
    sched = Service(config).scheduler()
    jobs = {job.id: job for job in sched.get_jobs()}
    assert set(jobs) == {"poll", "weekly_report", "reminders"}
    assert all(j.coalesce and j.max_instances == 1 for j in jobs.values())
    assert jobs["poll"].trigger.interval == timedelta(minutes=10)
    assert (
        jobs["poll"].misfire_grace_time >= 600 and jobs["weekly_report"].misfire_grace_time >= 3600
    )
    assert str(jobs["weekly_report"].trigger.timezone) == "Asia/Shanghai"
    monday = jobs["weekly_report"].trigger.get_next_fire_time(
        None, datetime(2024, 5, 15, tzinfo=CHINA)
    )
    assert monday == datetime(2024, 5, 20, 8, 0, tzinfo=CHINA)
