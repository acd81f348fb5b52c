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
