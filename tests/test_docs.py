"""Every command has help text with an example, and is in the README."""

from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from tests.builders import make_docx
from tests.conftest import REPO, Workspace

COMMANDS = sorted(main.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_help_has_an_example_and_is_in_readme(name: str) -> None:
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    assert f"mailroll {name}" in (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_shows_the_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    assert "make test" in (REPO / ".ci" / "run").read_text()


def test_tag_json_has_the_documented_keys(workspace: Workspace) -> None:
    doc = workspace.root / "观音桥街道总结.docx"
    doc.write_bytes(make_docx(["观音桥街道节能宣传周工作总结", "组织干部职工120人步行上班。"]))
    result = CliRunner().invoke(
        main, ["--config", str(workspace.config_path), "tag", str(doc), "--json"]
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert set(record) == {
        "file", "unit", "kind", "categories", "evidence", "figures", "summary", "problems",
        "documents", "photos", "ocr", "doubtful",
    }  # fmt: skip
    assert record["unit"] == "观音桥街道办事处"
    assert record["categories"] == ["green_commute"]
    assert record["figures"] == {"participants": 120}
    assert record["evidence"]["green_commute"] == "组织干部职工120人步行上班。"


def test_bad_config_is_one_clear_line(workspace: Workspace) -> None:
    text = workspace.config_path.read_text(encoding="utf-8")
    workspace.config_path.write_text(
        text.replace('name = "2024年全国节能宣传周和全国低碳日"', "name = 1"), encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["--config", str(workspace.config_path), "check"])
    assert result.exit_code == 1
    assert result.output.strip().startswith("mailroll: error: campaign.name: expected str")
    assert str(workspace.config_path) in result.output


def test_python_dash_m_pipeline_is_the_same_command() -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "pipeline", "--help"], capture_output=True, text=True, check=True
    )
    assert "retag" in out.stdout
    assert isinstance(main, click.Group)


def _commands(group: click.Group, prefix: str = "mailroll") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append((f"{prefix} {name}", command))
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix} {name}")
    return found


def test_every_command_and_option_is_in_the_readme() -> None:
    """Help texts and the README say the same: every command and subcommand is in
    the README's command table, every option of it is named there (issue 17)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Commands") : readme.index("## How it works")]
    missing = []
    for name, command in [("mailroll", main), *_commands(main)]:
        group, _, last = name.rpartition(" ")
        if group and f"`{name}" not in table and not (f"`{group} " in table and last in table):
            missing.append(name)
        for param in command.params:
            longs = [o for o in getattr(param, "opts", []) if o.startswith("--")]
            if isinstance(param, click.Option) and longs and longs[0] not in readme:
                missing.append(f"{name} {longs[0]}")
    assert missing == []


def test_the_exit_statuses_in_the_readme_are_the_codes() -> None:
    from pipeline.errors import (
        EXIT_ATTENTION,
        EXIT_BUSY,
        EXIT_ERROR,
        EXIT_MAIL_FAILED,
        EXIT_STORAGE,
    )

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"exit 0 ok, {EXIT_ATTENTION} ATTENTION, {EXIT_ERROR} config" in readme
    assert f"{EXIT_STORAGE} database unreadable" in readme
    run_help = CliRunner().invoke(main, ["run", "--help"]).output
    for code in (EXIT_ERROR, EXIT_MAIL_FAILED, EXIT_BUSY):
        assert f"{code} " in run_help and f"{code} " in readme
    status_help = " ".join(CliRunner().invoke(main, ["status", "--help"]).output.split())
    assert f"0 ok, {EXIT_ATTENTION} ATTENTION" in status_help
    assert f"{EXIT_STORAGE} the database" in status_help
