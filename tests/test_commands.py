"""Commands that do what they say (issue 17): --config on either side of the command
name, report refusing weeks and names it cannot honour, tag reading every file,
send saying when there is no one to send to, reminders on the calendar day,
status exit codes for monitoring."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.mailout.send import send_reminders
from pipeline.service.lock import RunLock
from tests.builders import CHINA, make_docx, make_mail
from tests.conftest import Workspace
from tests.reportkit import processed
from tests.smtpd import SmtpServer


def mailroll(*args: str) -> click.testing.Result:
    return CliRunner().invoke(main, list(args))


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
    return found


@pytest.mark.parametrize("command", _commands(main), ids=" ".join)
def test_every_command_takes_config_after_its_name(command: tuple[str, ...]) -> None:
    result = mailroll(*command, "--help")
    assert result.exit_code == 0 and "--config" in result.output


def test_config_after_the_command_name_is_used(workspace: Workspace) -> None:
    workspace.add(make_mail(sender="fgw@jiangbei.example", body="区发改委组织干部职工绿色出行。"))
    cfg = str(workspace.config_path)
    ran = CliRunner().invoke(main, ["run", "--once", "--config", cfg], catch_exceptions=False)
    assert ran.exit_code == 0, ran.output
    assert "1 new mails, 1 processed" in ran.output
    status = mailroll("status", "--json", "--config", cfg)
    assert json.loads(status.output)["mails"] == 1
    dry = mailroll("send", "reminders", "--config", cfg, "--dry-run", "--at", "2024-05-15")
    assert dry.exit_code == 0, dry.output
    assert "[would send] reminder" in dry.output
    # wrong path after the name: the one line names it
    missing = mailroll("check", "--config", str(workspace.root / "nope.toml"))
    assert missing.exit_code == 1 and "config file not found" in missing.output


def test_report_refuses_a_week_outside_the_campaign(workspace: Workspace) -> None:
    out = mailroll("--config", str(workspace.config_path), "report", "--week", "2030-W20")
    assert out.exit_code == 1
    assert out.output.strip() == (
        "mailroll: error: week 2030-W20 is outside the campaign "
        "'2024年全国节能宣传周和全国低碳日'; use one of 2024-W19 … 2024-W22"
    )
    assert not any((workspace.root / "output").glob("*2030*"))


def test_report_takes_a_lower_case_week(workspace: Workspace) -> None:
    out = mailroll("--config", str(workspace.config_path), "report", "--week", "2024-w20")
    assert out.exit_code == 0, out.output
    workbook = out.output.splitlines()[0]  # the next line names the summary draft (issue 18)
    assert workbook.endswith("江北区节能宣传周汇总_2024-W20.xlsx")


@pytest.mark.parametrize(
    ("out", "message"),
    [("x.csv", "is not an .xlsx name"), ("no/such/dir/x.xlsx", "does not exist; create it")],
)
def test_report_refuses_an_out_it_cannot_honour(
    workspace: Workspace, out: str, message: str
) -> None:
    target = workspace.root / out
    result = mailroll("--config", str(workspace.config_path), "report", "--out", str(target))
    assert result.exit_code == 2 and message in result.output
    assert not target.exists() and not (workspace.root / "no").exists()


def test_report_names_the_campaigns_there_are(workspace: Workspace) -> None:
    out = mailroll("--config", str(workspace.config_path), "report", "--campaign", "nope")
    assert out.exit_code == 1
    assert "no campaign with id 'nope'; config.toml has one campaign, id 'campaign'" in out.output
    assert "leave out --campaign" in out.output


def test_tag_reads_every_file_and_names_each_in_its_problems(workspace: Workspace) -> None:
    empty = workspace.root / "empty.eml"
    empty.write_bytes(b"")
    good = workspace.root / "观音桥街道总结.docx"
    good.write_bytes(make_docx(["观音桥街道节能宣传周工作总结", "组织干部职工120人步行上班。"]))
    nameless = workspace.root / "总结.docx"
    nameless.write_bytes(make_docx(["节能宣传周工作总结", "组织干部职工步行上班。"]))
    cfg = str(workspace.config_path)
    out = CliRunner().invoke(main, ["--config", cfg, "tag", str(empty), str(good), str(nameless),
                                    "--json"])  # fmt: skip
    assert out.exit_code == 1
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["file"] for r in records] == [str(empty), str(good), str(nameless)]
    assert records[0]["problems"] == ["empty.eml: empty mail"]
    assert records[1]["categories"] == ["green_commute"] and records[1]["problems"] == []
    assert records[2]["problems"] == ["总结.docx: 文件: 未能识别报送单位（待确认）"]
    assert f"mailroll: error: {empty}: empty mail" in out.stderr
    text = mailroll("--config", cfg, "tag", str(nameless)).output
    assert "problem: 总结.docx: 文件: 未能识别报送单位（待确认） — 在 rules/roster.toml" in text
    assert "retag" not in text  # a local file is not stored: nothing to retag


def test_tag_json_keeps_the_explanation(workspace: Workspace) -> None:
    doc = workspace.root / "观音桥街道总结.docx"
    doc.write_bytes(make_docx(["观音桥街道节能宣传周工作总结", "组织干部职工120人步行上班。"]))
    cfg = str(workspace.config_path)
    plain = json.loads(mailroll("--config", cfg, "tag", str(doc), "--json").output)
    assert "explain" not in plain
    out = mailroll("--config", cfg, "tag", str(doc), "--json", "--explain")
    record = json.loads(out.output)
    lines = record["explain"]["观音桥街道总结.docx"]
    assert any("步行上班" in line for line in lines)
    text = mailroll("--config", cfg, "tag", str(doc), "--explain").output
    assert all(line in text for line in lines)


def test_send_report_says_there_is_no_one_to_send_to(workspace: Workspace) -> None:
    out = mailroll("--config", str(workspace.config_path), "send", "report", "--dry-run",
                   "--week", "2024-W20")  # fmt: skip
    assert out.exit_code == 0
    assert out.output.strip() == (
        'report: no one to send to: set [send] report_to = ["leader@example.com"]'
    )


def test_send_receipts_help_says_what_at_means() -> None:
    text = mailroll("send", "receipts", "--help").output
    assert "reminder" not in text and "receipt_max_age_days" in text


def test_a_reminder_is_due_on_the_calendar_day(workspace: Workspace, tmp_path: Path) -> None:
    smtp = SmtpServer(tmp_path)
    processed(workspace, smtp.config() + "[send]\nreminders = true\nreminder_days = [2]\n")
    config = workspace.config
    early = send_reminders(config, datetime(2024, 5, 14, 23, 0, tzinfo=CHINA), dry_run=True)
    assert not early.outcomes and early.note == "not due; reminder days: 2024-05-15 for campaign"
    due = send_reminders(config, datetime(2024, 5, 15, 0, 30, tzinfo=CHINA), dry_run=True)
    assert {o.mail.ref for o in due.outcomes} == {"D-2"}
    cli = mailroll("--config", str(workspace.config_path), "send", "reminders", "--dry-run",
                   "--at", "2024-05-15")  # fmt: skip
    assert "[would send] reminder" in cli.output and "not due" not in cli.output


def test_status_exit_codes_for_monitoring(workspace: Workspace) -> None:
    cfg = str(workspace.config_path)
    never = mailroll("--config", cfg, "status")
    assert never.exit_code == 2 and never.output.startswith("status: ATTENTION")
    # a first load that is still running is not a problem
    config = workspace.config
    with RunLock(config.service.lock, "run --once", config.campaign.timezone):
        loading = mailroll("--config", cfg, "status", "--json")
        info = json.loads(loading.output)
        assert loading.exit_code == 0 and info["ok"] is True
        assert info["lock"]["since"].endswith("+08:00")  # the configured zone, not the machine's
        busy = mailroll("--config", cfg, "run", "--once")
        assert busy.exit_code == 75 and "+08:00" in busy.output
    workspace.add(make_mail(sender="fgw@jiangbei.example", body="区发改委组织干部职工绿色出行。"))
    assert mailroll("--config", cfg, "run", "--once").exit_code == 0
    ok = mailroll("--config", cfg, "status")
    assert ok.exit_code == 0 and ok.output.startswith("status: ok")
