"""deploy/: the systemd unit passes systemd-analyze, the cron line and the
EnvironmentFile example say what README says."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from tests.builders import make_mail
from tests.conftest import REPO, Workspace

DEPLOY = REPO / "deploy"


@pytest.mark.parametrize("name", ["mailroll.service", "mailroll-web.service"])
def test_the_systemd_unit_verifies_cleanly(tmp_path: Path, name: str) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian package systemd)")
    unit = (DEPLOY / name).read_text(encoding="utf-8")
    assert "ExecStart=/opt/mailroll/.venv/bin/mailroll " in unit
    # verify checks that ExecStart exists: point it at this checkout's interpreter
    here = tmp_path / name
    here.write_text(
        unit.replace("/opt/mailroll/.venv/bin/mailroll", f"{sys.executable} -m pipeline"),
        encoding="utf-8",
    )
    out = subprocess.run([analyze, "verify", str(here)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stderr.strip() == "", out.stderr  # unknown keys are only warnings: none allowed


def _directives(unit: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in unit.splitlines() if "=" in line and line[0] != "#")
    return {k.strip(): v.strip() for k, v in pairs}


def test_the_unit_restarts_on_failure_as_a_dedicated_user_with_the_password_file() -> None:
    unit = _directives((DEPLOY / "mailroll.service").read_text(encoding="utf-8"))
    assert unit["Restart"] == "on-failure"
    assert unit["User"] == "mailroll" and unit["Group"] == "mailroll"
    assert unit["EnvironmentFile"] == "/etc/mailroll/mailroll.env"
    assert int(unit["TimeoutStopSec"]) > 20  # more than the service's own stop grace
    assert unit["KillMode"] == "mixed"  # SIGTERM to mailroll, not to its extraction workers
    args = shlex.split(unit["ExecStart"])[1:]
    assert args[-1] == "serve" and args[0] == "--config"


def test_the_cron_line_runs_once_quietly_as_the_mailroll_user() -> None:
    lines = [
        line
        for line in (DEPLOY / "mailroll.cron").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#") and "=" not in line.split()[0]
    ]
    line = lines[0]  # the poll; the others mail out (see the cron file's comments)
    assert [ln.split(maxsplit=6)[6].split()[-3:] for ln in lines[1:]] == [
        ["send", "reminders", "--quiet"],
        ["send", "receipts", "--quiet"],
    ]
    fields = line.split(maxsplit=6)
    assert fields[:5] == ["*/10", "*", "*", "*", "*"] and fields[5] == "mailroll"
    command = fields[6]
    assert ". /etc/mailroll/mailroll.env" in command
    mailroll_args = shlex.split(command.split("/opt/mailroll/.venv/bin/mailroll", 1)[1])
    assert mailroll_args[2:] == ["run", "--once", "--quiet"]
    # the options exist
    result = CliRunner().invoke(main, [*mailroll_args, "--help"])
    assert result.exit_code == 0, result.output


def test_every_cron_line_is_silent_when_there_is_nothing_to_say(workspace: Workspace) -> None:
    """Cron mails whatever a job prints: with sending off (the default) and mail that
    is processed fine, no line prints anything."""
    workspace.add(make_mail(sender="fgw@jiangbei.example", body="区发改委组织干部职工绿色出行。"))
    lines = [
        line
        for line in (DEPLOY / "mailroll.cron").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#") and "=" not in line.split()[0]
    ]
    assert len(lines) == 3
    tmp = workspace.root / "tmp"  # a scratch folder a killed run left: cleaned up silently
    dead = subprocess.Popen(["true"])
    dead.wait()
    leftover = tmp / f"mailroll-{os.getuid()}-{dead.pid}"
    leftover.mkdir(parents=True)
    env = {**os.environ, "TMPDIR": str(tmp)}
    for line in lines:
        args = shlex.split(line.split("/opt/mailroll/.venv/bin/mailroll", 1)[1])
        assert args[:2] == ["--config", "/etc/mailroll/config.toml"]
        out = subprocess.run(
            [sys.executable, "-m", "pipeline", "--config", str(workspace.config_path), *args[2:]],
            capture_output=True, text=True, check=False, cwd=workspace.root, env=env,
        )  # fmt: skip
        assert (out.returncode, out.stdout, out.stderr) == (0, "", ""), args
    assert not leftover.exists()


def test_the_environment_file_example_is_variables_only() -> None:
    text = (DEPLOY / "mailroll.env.example").read_text(encoding="utf-8")
    settings = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert settings and all(
        line.split("=", 1)[0].isidentifier() and "PASSWORD" in line for line in settings
    )
