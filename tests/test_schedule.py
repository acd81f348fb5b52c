"""Which weekly workbooks are due, the [service] config, and `mailroll status`."""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.service.runner import open_store, run_once
from pipeline.service.schedule import due_weeks, missing_weeks, next_runs
from pipeline.service.serve import Service
from pipeline.store.workbooks import cumulative_stale
from tests.builders import make_mail
from tests.conftest import Workspace
from tests.servicekit import installed_since

CHINA = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHINA)  # type: ignore[misc]


def service(ws: Workspace, text: str) -> None:
    with ws.config_path.open("a", encoding="utf-8") as fh:
        fh.write(f"\n[service]\n{text}\n")


def labels(ws: Workspace, now: datetime) -> list[str]:
    return [w.label for w in due_weeks(ws.config, now)]


def test_weekly_workbooks_fall_due_after_each_campaign_week(workspace: Workspace) -> None:
    # campaign 13–19 May 2024 (W20); late reports until 2 June (W22); Monday 08:00
    assert labels(workspace, at(2024, 5, 20, 7, 59)) == []
    assert labels(workspace, at(2024, 5, 20, 8, 0)) == ["2024-W20"]
    assert labels(workspace, at(2024, 5, 29, 12, 0)) == ["2024-W20", "2024-W21"]
    assert labels(workspace, at(2025, 1, 1)) == ["2024-W20", "2024-W21", "2024-W22"]
    (first,) = due_weeks(workspace.config, at(2024, 5, 21))
    assert first.due_at == at(2024, 5, 20, 8, 0)


def test_a_friday_schedule_writes_the_previous_week_on_friday(workspace: Workspace) -> None:
    service(workspace, 'weekly_report = "30 17 * * fri"')
    assert labels(workspace, at(2024, 5, 24, 17, 29)) == []
    (week,) = due_weeks(workspace.config, at(2024, 5, 24, 17, 30))
    assert (week.label, week.due_at) == ("2024-W20", at(2024, 5, 24, 17, 30))


def test_run_once_writes_due_weekly_workbooks_once(workspace: Workspace) -> None:
    workspace.add(make_mail(sender="fgw@jiangbei.example", body="区发改委组织绿色出行。"))
    config = workspace.config
    installed_since(workspace.config_path, at(2024, 5, 1))
    result = run_once(config, now=at(2024, 5, 27, 9, 0))
    assert [p.name for p in result.weekly] == [
        "江北区节能宣传周汇总_2024-W20.xlsx",
        "江北区节能宣传周汇总_2024-W21.xlsx",
    ]
    assert all(p.exists() for p in result.weekly)
    again = run_once(config, now=at(2024, 5, 27, 9, 10))
    assert again.weekly == ()
    later = run_once(config, now=at(2024, 6, 3, 8, 0))
    assert [p.name for p in later.weekly] == ["江北区节能宣传周汇总_2024-W22.xlsx"]
    store = open_store(config)
    assert missing_weeks(store, config, at(2030, 1, 1)) == []
    store.close()


def test_weeks_due_before_mailroll_first_ran_are_not_backfilled(workspace: Workspace) -> None:
    workspace.add(make_mail(sender="fgw@jiangbei.example", body="区发改委组织绿色出行。"))
    installed_since(workspace.config_path, at(2024, 5, 22))  # installed in W21
    result = run_once(workspace.config, now=at(2024, 6, 10))
    assert [p.name for p in result.weekly] == [
        "江北区节能宣传周汇总_2024-W21.xlsx",
        "江北区节能宣传周汇总_2024-W22.xlsx",
    ]


def test_a_first_run_long_after_the_campaign_writes_only_the_cumulative_workbook(
    workspace: Workspace,
) -> None:
    workspace.add(make_mail(sender="fgw@jiangbei.example", body="区发改委组织绿色出行。"))
    result = run_once(workspace.config)  # the 2024 campaign, today
    assert result.workbook is not None and result.weekly == ()


def test_the_service_rewrites_the_cumulative_workbook_only_after_a_change(
    workspace: Workspace,
) -> None:
    config = workspace.config
    workspace.add(make_mail(sender="fgw@jiangbei.example", body="区发改委组织绿色出行。"))
    first = run_once(config, write_unchanged=False)
    assert first.workbook is not None and first.workbook.exists()
    assert run_once(config, write_unchanged=False).workbook is None  # nothing new
    first.workbook.unlink()
    assert run_once(config, write_unchanged=False).workbook == first.workbook  # missing
    store = open_store(config)
    assert not cumulative_stale(store)
    # a change after the workbook was written (a retag, say) makes it stale
    store.db.execute("UPDATE submissions SET processed_at = '2999-01-01T00:00:00+00:00'")
    assert cumulative_stale(store)
    store.close()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('weekly_report = "0 8 * * 1"', "write weekdays as names"),
        ('weekly_report = "every monday"', "is not a crontab expression"),
        ('reminders = "0 25 * * *"', "service.reminders"),
        ("poll_minutes = 0", "must be more than 0"),
    ],
)
def test_service_mistakes_name_the_key(workspace: Workspace, line: str, message: str) -> None:
    service(workspace, line)
    with pytest.raises(ConfigError) as caught:
        load_config(workspace.config_path)
    assert message in str(caught.value) and str(workspace.config_path) in str(caught.value)


def test_service_defaults_put_lock_and_log_next_to_the_database(workspace: Workspace) -> None:
    config = workspace.config
    assert config.service.lock == config.storage.database.with_suffix(".lock")
    assert config.service.log_file == workspace.root / "var" / "mailroll.log"
    assert (config.service.poll_minutes, config.service.weekly_report) == (10.0, "0 8 * * mon")


def test_next_runs_come_from_the_config_alone(workspace: Workspace) -> None:
    service(workspace, "poll_minutes = 5")
    runs = next_runs(workspace.config, at(2024, 5, 20, 8, 1), at(2024, 5, 20, 8, 3))
    assert runs == {
        "poll": at(2024, 5, 20, 8, 6),
        "weekly_report": at(2024, 5, 27, 8, 0),
        "reminders": at(2024, 5, 20, 9, 0),
    }


def test_status_json_says_what_monitoring_needs(workspace: Workspace) -> None:
    workspace.add(make_mail(sender="fgw@jiangbei.example", body="区发改委组织绿色出行。"))
    run = CliRunner().invoke(main, ["--config", str(workspace.config_path), "run", "--once"])
    assert run.exit_code == 0, run.output
    out = CliRunner().invoke(main, ["--config", str(workspace.config_path), "status", "--json"])
    assert out.exit_code == 0, out.output
    info = json.loads(out.output)
    assert (info["mails"], info["submissions"], info["pending"]) == (1, 1, 0)
    assert info["last_success"]["command"] == "run" and info["last_error"] is None
    assert info["last_workbook"]["cumulative"]["path"].endswith("_累计.xlsx")
    assert info["last_workbook"]["weekly"] is None  # the 2024 weeks were before the first run
    assert info["missing_weekly"] == [] and info["lock"] is None
    assert set(info["next_runs"]) == {"poll", "weekly_report", "reminders"}
    assert info["ok"] is True

    # the mailbox goes away: the next run fails, and status says so in one look
    workspace.mailbox.rename(workspace.root / "gone")
    failed = CliRunner().invoke(main, ["--config", str(workspace.config_path), "run", "--once"])
    assert failed.exit_code == 1
    assert "mailroll: error: mail folder not found" in failed.output
    text = CliRunner().invoke(main, ["--config", str(workspace.config_path), "status"]).output
    assert text.splitlines()[0] == "status: ATTENTION"
    assert "last error: " in text and "run: mail folder not found" in text
    assert "last successful poll: " in text and "last cumulative workbook: " in text
    assert "last weekly workbook: none yet" in text


def test_a_mail_that_fails_is_a_one_line_reason_and_status_3(workspace: Workspace) -> None:
    workspace.add(b"")
    out = CliRunner().invoke(
        main, ["--config", str(workspace.config_path), "run", "--once", "--quiet"]
    )
    assert out.exit_code == 3
    assert out.stdout == ""  # --quiet: no summary
    assert out.stderr.strip().splitlines()[-1] == (
        "mailroll: 1 mails could not be processed; see 待处理 in the workbook"
    )


def test_a_slow_poll_skips_a_tick_without_a_warning(
    workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    """APScheduler warns on every tick a still-running poll makes it skip; mailroll
    logs that at debug level only (issue 17)."""
    service(workspace, "poll_minutes = 0.005")  # a tick every 0.3 s
    sched = Service(workspace.config).scheduler()
    sched.modify_job("poll", func=lambda: time.sleep(1.0))  # a poll slower than the interval
    for job in ("weekly_report", "reminders"):
        sched.remove_job(job)
    caplog.set_level(logging.DEBUG)
    runner = threading.Thread(target=sched.start)
    runner.start()
    time.sleep(1.5)
    sched.shutdown(wait=False)
    runner.join(5)
    skipped = [r for r in caplog.records if "maximum number of running instances" in r.message]
    assert skipped and all(r.name == "pipeline.service.serve" for r in skipped)
    assert all(r.levelno == logging.DEBUG for r in skipped)
