"""config.toml and roster.toml are checked against a schema at load (issue 17):
misspelt keys and tables, numbers that are not finite or out of range, and
full-width punctuation are one clear line naming the file, the line and the fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.units import load_roster
from tests.conftest import REPO, Workspace

CONFIG = (REPO / "config.toml").read_text(encoding="utf-8")
ROSTER = (REPO / "rules" / "roster.toml").read_text(encoding="utf-8")


def _config(tmp_path: Path, text: str) -> Path:
    """The repository's config.toml, edited, next to the repository's folders."""
    path = tmp_path / "config.toml"
    path.write_text(text.replace('dir = "rules"', f'dir = "{REPO / "rules"}"'), encoding="utf-8")
    return path


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("poll_minutes = 10", "pol_minutes = 10",
         "unknown key pol_minutes in [service]; did you mean poll_minutes?"),
        ("[storage]", "[storag]", "unknown table storag in the top level; did you mean storage?"),
        ("max_attempts = 3", "max_attemps = 3", "did you mean max_attempts?"),
        ('font = "宋体"', 'fonts = "宋体"', "unknown key fonts in [report]; did you mean font?"),
    ],
)  # fmt: skip
def test_a_misspelt_key_or_table_is_an_error_with_line_and_nearest_key(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    text = CONFIG.replace(old, new, 1)
    with pytest.raises(ConfigError) as err:
        load_config(_config(tmp_path, text))
    assert message in str(err.value)
    assert f"config.toml, line {_line_of(text, new)}" in str(err.value)


def test_a_misspelt_key_in_an_imap_account(workspace: Workspace) -> None:
    text = workspace.config_path.read_text(encoding="utf-8").replace(
        'source = "maildir"', 'source = "imap"'
    )
    text += (
        '\n[[imap]]\nname = "bureau"\nhost = "imap.qq.com"\nuser = "a@qq.com"\n'
        'password_env = "P"\nfolder = ["节能宣传周"]\n'
    )
    workspace.config_path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(workspace.config_path)
    assert "unknown key folder in the 1st [[imap]]; did you mean folders?" in str(err.value)
    assert f"line {_line_of(text, 'folder =')}" in str(err.value)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("max_attachment_mb = 30", "max_attachment_mb = inf",
         "limits.max_attachment_mb: must be a finite number, got inf"),
        ("max_attachment_mb = 30", "max_attachment_mb = 1e400",
         "limits.max_attachment_mb: must be a finite number, got inf"),
        ("log_max_mb = 5", "log_max_mb = 1e400", "service.log_max_mb: must be a finite number"),
        ("max_message_mb = 100", "max_message_mb = nan",
         "limits.max_message_mb: must be a finite number, got nan"),
        ("extract_memory_mb = 1024", "extract_memory_mb = 99999999999999999999",
         "limits.extract_memory_mb: must be 1048576 or less"),
        ("poll_minutes = 10", "poll_minutes = -inf", "service.poll_minutes: must be a finite"),
        ("poll_minutes = 10", "poll_minutes = 100000", "poll_minutes: must be 1440 or less"),
        ("extract_timeout_s = 60", 'extract_timeout_s = "60"', "expected float"),
    ],
)  # fmt: skip
def test_numbers_must_be_finite_and_sane(tmp_path: Path, old: str, new: str, message: str) -> None:
    text = CONFIG.replace(old, new, 1)
    with pytest.raises(ConfigError) as err:
        load_config(_config(tmp_path, text))
    assert message in str(err.value)
    assert f"line {_line_of(text, new)}" in str(err.value)


def test_check_says_it_in_one_line_and_exits_1(tmp_path: Path) -> None:
    path = _config(tmp_path, CONFIG.replace("max_message_mb = 100", "max_message_mb = nan"))
    result = CliRunner().invoke(main, ["--config", str(path), "check"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith("mailroll: error: limits.max_message_mb: must be a finite")
    assert "Traceback" not in result.output


def _example(header: str) -> str:
    """The commented example block of config.toml that starts at `# header`, uncommented."""
    lines = CONFIG.splitlines()
    start = lines.index(f"# {header}")
    block = []
    for line in lines[start:]:
        if not line.startswith("#"):
            break
        keep = re.match(r"^# (\[|[a-z_]+ = |# )", line)  # a table, a key, a comment on it
        block.append(line[2:] if keep else "")
    return "\n".join(block) + "\n"


def test_every_documented_key_is_known(tmp_path: Path) -> None:
    """The commented examples in config.toml ([[imap]], [smtp], [send], [[notify]]),
    uncommented, pass the schema: the schema knows every key the file documents."""
    imap = _example("[[imap]]")
    smtp = re.sub(r"^password_file = .*$", "", _example("[smtp]"), flags=re.M)
    notify = re.sub(r"^secret_file = .*$", "", _example("[[notify]]"), flags=re.M)
    text = CONFIG.replace('source = "maildir"', 'source = "imap"') + imap + smtp
    text += _example("[send]").replace("report = false", "report = true") + notify
    assert "folders = [" in text and "per_minute = 15" in text and "overdue_polls" in text
    config = load_config(_config(tmp_path, text))
    assert config.imap[0].host == "imap.qq.com"
    assert config.smtp is not None and config.send.report_to == ("leader@example.com",)
    assert config.send.per_minute == 15 and config.notify[0].name == "节能办公室群"


def test_readme_sections_named_in_config_toml_exist() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    headings = set(re.findall(r"^#+ (.+)$", readme, flags=re.M))
    named = re.findall(r'README, "([^"]+)"', CONFIG)
    assert named
    assert [n for n in named if n not in headings] == []


def test_a_misspelt_key_in_the_roster_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "roster.toml"
    text = ROSTER.replace('senders = ["huaxinjie@jiangbei.example"]', 'sender = ["x@y.cn"]')
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_roster(path)
    assert "unknown key sender in the 2nd [[unit]]; did you mean senders?" in str(err.value)
    assert f"roster.toml, line {_line_of(text, 'sender = ')}" in str(err.value)


def test_a_full_width_comma_says_which_character_to_type(tmp_path: Path) -> None:
    path = tmp_path / "roster.toml"
    old = 'aliases = ["华新街街道", "华新街街道办"]'
    text = ROSTER.replace(old, old.replace(", ", "，"))
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_roster(path)
    line = _line_of(text, '"华新街街道"，')
    assert f"line {line} has the full-width ，: type , instead" in str(err.value)
    assert str(path) in str(err.value)


def test_the_shipped_files_pass(rulebook: object) -> None:
    assert load_config(REPO / "config.toml").storage.mode == 0o640
    assert len(load_roster(REPO / "rules" / "roster.toml").units) > 10
