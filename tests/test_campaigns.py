"""Campaigns, SMTP and [send] in config.toml; windows, weeks and mail assignment;
the mail templates in rules/; the `send` commands' help."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import ConfigError, SendError
from pipeline.mailout.templates import load_template
from pipeline.rollup import campaigns as cal
from tests.builders import CHINA
from tests.conftest import REPO, Workspace

TWO = """
[[campaigns]]
id = "may"
name = "节能宣传周"
start = 2024-05-13
end = 2024-05-19
deadline = 2024-05-17

[[campaigns]]
id = "nov"
name = "公共机构节能报告"
title = "公共机构节能报告汇总"
start = 2024-11-01
end = 2024-11-30
deadline = 2024-11-30T18:00:00
categories = ["power_saving", "green_office"]
late_days = 3
"""


def with_config(ws: Workspace, old: str, new: str) -> Path:
    text = ws.config_path.read_text(encoding="utf-8")
    assert old in text
    ws.config_path.write_text(text.replace(old, new), encoding="utf-8")
    return ws.config_path


def replace_campaign(ws: Workspace, tables: str) -> Path:
    text = ws.config_path.read_text(encoding="utf-8")
    start, end = text.index("[campaign]"), text.index("[rules]")
    ws.config_path.write_text(text[:start] + tables + "\n" + text[end:], encoding="utf-8")
    return ws.config_path


def test_a_single_campaign_table_still_works(workspace: Workspace) -> None:
    config = workspace.config
    (c,) = config.campaigns
    assert c is config.campaign
    assert (c.id, c.title, c.late_days, c.early_days) == ("campaign", "江北区节能宣传周汇总", 14, 7)
    assert len(c.categories) == 7
    assert config.smtp is None and not config.send.report
    assert config.send.templates == REPO / "rules" / "templates"


def test_several_campaigns(workspace: Workspace) -> None:
    config = load_config(replace_campaign(workspace, TWO))
    may, nov = config.campaigns
    assert config.campaign is may and may.title == "江北区节能宣传周汇总"
    assert nov.categories == ("power_saving", "green_office")
    assert nov.deadline == datetime(2024, 11, 30, 18, 0, tzinfo=nov.timezone)
    assert may.deadline == datetime(2024, 5, 17, 23, 59, 59, tzinfo=may.timezone)


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        (TWO.replace('title = "公共机构节能报告汇总"\n', ""), "same workbook"),
        (TWO.replace('id = "nov"', 'id = "may"'), "used twice"),
        (TWO.replace('id = "nov"\n', ""), "campaigns[2].id: missing"),
        (TWO.replace('"green_office"]', '"gardening"]'), "campaigns[2].categories"),
        (TWO.replace("late_days = 3", "late_days = -1"), "must be 0 or more"),
        (TWO + "\n[campaign]\nname = 'x'\n", "either [campaign] or [[campaigns]]"),
    ],
)
def test_campaign_mistakes_name_the_key(workspace: Workspace, tables: str, message: str) -> None:
    path = replace_campaign(workspace, tables)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")) as err:
        load_config(path)
    assert str(path.resolve()) in str(err.value)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[smtp]\nhost = "h"\nfrom = "a@b"\npassword = "x"\nusername="a@b"\npassword_env="P"\n',
         "passwords never go in config.toml"),
        ('[smtp]\nhost = "h"\nfrom = "a@b"\nusername = "a@b"\n', "set password_env or"),
        ('[smtp]\nhost = "h"\nfrom = "nobody"\n', "not a mail address"),
        ('[smtp]\nhost = "h"\nfrom = "a@b"\nsecurity = "tls"\n', "use one of ssl"),
        ("[send]\nreminders = true\n", "needs an [smtp] section"),
        ('[smtp]\nhost = "h"\nfrom = "a@b"\n[send]\nreport = true\n', "report_to"),
        ('[smtp]\nhost = "h"\nfrom = "a@b"\n[send]\nreminder_days = ["two"]\n', "whole days"),
    ],
)  # fmt: skip
def test_smtp_and_send_mistakes(workspace: Workspace, extra: str, message: str) -> None:
    with workspace.config_path.open("a", encoding="utf-8") as fh:
        fh.write("\n" + extra)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_config(workspace.config_path)


def test_smtp_defaults(workspace: Workspace) -> None:
    with workspace.config_path.open("a", encoding="utf-8") as fh:
        fh.write('\n[smtp]\nhost = "smtp.qq.com"\nfrom = "a@qq.com"\nusername = "a@qq.com"\n'
                 'password_env = "MAILROLL_SMTP_PASSWORD"\n')  # fmt: skip
    smtp = load_config(workspace.config_path).smtp
    assert smtp is not None
    assert (smtp.security, smtp.port, smtp.timeout) == ("ssl", 465, 30.0)


def test_windows_weeks_and_the_current_campaign(workspace: Workspace) -> None:
    may, nov = load_config(replace_campaign(workspace, TWO)).campaigns
    lo, hi = cal.window(may)
    assert lo == datetime(2024, 5, 6, tzinfo=may.timezone)
    assert hi == datetime(2024, 6, 3, tzinfo=may.timezone)  # exclusive: 14 days after 19 May
    assert [w.label for w in cal.weeks(may)] == ["2024-W19", "2024-W20", "2024-W21", "2024-W22"]
    assert [w.label for w in cal.weeks(may, until=datetime(2024, 5, 14, tzinfo=CHINA))] == [
        "2024-W19",
        "2024-W20",
    ]
    w20 = cal.parse_week("2024-W20")
    assert (w20.monday, w20.sunday) == (date(2024, 5, 13), date(2024, 5, 19))
    assert w20.previous().label == "2024-W19"
    assert cal.week_of(date(2024, 12, 30)).label == "2025-W01"
    assert cal.for_week([may, nov], w20) == [may]
    assert cal.for_week([may, nov], cal.parse_week("2024-W30")) == []
    assert cal.current([may, nov], datetime(2024, 8, 1, tzinfo=CHINA)) is may
    assert cal.current([may, nov], datetime(2024, 12, 1, tzinfo=CHINA)) is nov
    assert cal.current([may, nov], datetime(2024, 1, 1, tzinfo=CHINA)) is may
    with pytest.raises(ValueError, match="2024-W20"):
        cal.parse_week("W20")


def test_mail_goes_to_the_campaign_whose_window_holds_it(workspace: Workspace) -> None:
    campaigns = load_config(replace_campaign(workspace, TWO)).campaigns
    when = pd.Series(
        pd.to_datetime(
            ["2024-05-16T10:00:00+08:00", "2024-06-02T23:00:00+08:00", "2024-06-03T01:00:00+08:00",
             "2024-09-30T00:00:00+08:00", "2024-11-15T00:00:00+08:00", "2023-01-01T00:00:00+08:00",
             "2025-03-01T00:00:00+08:00"],
            utc=True,
        )
    )  # fmt: skip
    got = cal.assign(when, campaigns)
    assert list(got["campaign"]) == ["may", "may", "may", "nov", "nov", "may", "nov"]
    assert list(got["in_window"]) == [True, True, False, False, True, False, False]


def test_the_shipped_templates_fill_in(tmp_path: Path) -> None:
    folder = REPO / "rules" / "templates"
    for name in ("report", "reminder", "receipt"):
        template = load_template(folder, name)
        values = dict.fromkeys(template.fields, "X")
        subject, body = template.render(values)
        assert subject and body.strip() and "{" not in subject + body
        assert "#" not in body.splitlines()[0]
    (tmp_path / "reminder.txt").write_text("主题：催报 {unit}\n\n{unitt} 请报送", encoding="utf-8")
    with pytest.raises(SendError, match=r"unknown placeholder \{unitt\}"):
        load_template(tmp_path, "reminder").render({"unit": "x"})
    (tmp_path / "receipt.txt").write_text("回执\n\n正文", encoding="utf-8")
    with pytest.raises(SendError, match="主题"):
        load_template(tmp_path, "receipt")


@pytest.mark.parametrize("command", ["report", "reminders", "receipts"])
def test_send_commands_have_help_with_an_example(command: str) -> None:
    out = CliRunner().invoke(main, ["send", command, "--help"])
    assert out.exit_code == 0
    assert "Example:" in out.output and f"mailroll send {command}" in out.output
    assert "--dry-run" in out.output
