"""Shared fixtures: the repository's rules, and a fresh workspace per test.

A workspace is a config.toml in a temp dir whose mailbox, database, archive
and output are all under that dir, with the repository's real rules/.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.config import Config, load_config
from pipeline.process import Rulebook, load_rulebook

pytest_plugins = ["tests.dovecot_fixtures"]  # the `dovecot` fixture: a real IMAP server

REPO = Path(__file__).resolve().parent.parent
# ../shared beside the checkout; a worktree under wt/ finds it one level further up
SHARED = next(
    (p / "shared" for p in REPO.parents if (p / "shared" / "corpus").is_dir()),
    REPO.parent / "shared",
)


@pytest.fixture(scope="session")
def rulebook() -> Rulebook:
    return load_rulebook(REPO / "rules")


def write_config(root: Path, mailbox: Path, rules: Path = REPO / "rules", extra: str = "") -> Path:
    path = root / "config.toml"
    path.write_text(
        f"""
[mailbox]
source = "maildir"
path = "{mailbox}"

[storage]
database = "{root / "var" / "mailroll.sqlite3"}"
archive = "{root / "var" / "archive"}"

[campaign]
name = "2024年全国节能宣传周和全国低碳日"
start = 2024-05-13
end = 2024-05-19
deadline = 2024-05-17T23:59:59+08:00
timezone = "Asia/Shanghai"

[rules]
dir = "{rules}"

[report]
dir = "{root / "output"}"
title = "江北区节能宣传周汇总"
{extra}
""",
        encoding="utf-8",
    )
    return path


class Workspace:
    """A temp mailbox folder plus a config pointing everything into the temp dir."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.mailbox = root / "mail"
        self.mailbox.mkdir()
        self.config_path = write_config(root, self.mailbox)
        self._n = 0

    @property
    def config(self) -> Config:
        return load_config(self.config_path)

    def add(self, raw: bytes, name: str | None = None) -> Path:
        self._n += 1
        path = self.mailbox / (name or f"{self._n:03d}.eml")
        path.write_bytes(raw)
        return path

    def copy_rules(self) -> Path:
        """A private, editable copy of rules/ (for tests that change rules)."""
        target = self.root / "rules"
        shutil.copytree(REPO / "rules", target)
        self.config_path = write_config(self.root, self.mailbox, rules=target)
        return target


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path)


@pytest.fixture
def shared_corpus() -> Callable[[str], Path]:
    def get(sub: str = "") -> Path:
        folder = SHARED / "corpus" / sub
        if not folder.exists():
            pytest.skip("../shared/corpus is not present outside the project's workplace")
        return folder

    return get
