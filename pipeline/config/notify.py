"""The [[notify]] tables of config.toml: group bots in the office chat (企业微信,
钉钉, 飞书) that get the weekly summary and the service's alerts. Off unless
one is configured."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.config.kit import Section, choice
from pipeline.errors import ConfigError

PROVIDERS = ("wecom", "dingtalk", "feishu")
EVENTS = ("weekly", "alerts")


@dataclass(frozen=True)
class BotConfig:
    """One group bot: where to POST, how to sign, what it gets."""

    name: str
    provider: str  # wecom, dingtalk or feishu
    url: str  # the webhook URL the chat app shows when the bot is added
    secret_env: str = ""  # the signing secret (钉钉 加签, 飞书 签名校验), if the bot has one
    secret_file: Path | None = None
    events: tuple[str, ...] = EVENTS
    overdue_polls: int = 3  # alert when no poll succeeded for this many intervals
    timeout: float = 10.0


def load_bots(path: Path, tables: Any) -> tuple[BotConfig, ...]:
    if tables is None:
        return ()
    if not isinstance(tables, list):
        raise ConfigError("[[notify]] must be an array of tables ([[notify]])", str(path))
    bots = tuple(_bot(Section(path, f"notify[{i}]", t)) for i, t in enumerate(tables))
    names = [b.name for b in bots]
    if len(set(names)) != len(names):
        raise ConfigError("[[notify]]: each bot needs its own name", str(path))
    return bots


def _bot(sec: Section) -> BotConfig:
    provider = choice(sec, "provider", PROVIDERS, "wecom")
    url = sec.get("url", str)
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise sec._fail("url", "must be the bot's https:// webhook URL")
    if "secret" in sec.data:
        raise sec._fail("secret", "secrets never go in config.toml; use secret_env")
    events = tuple(sec.get("events", list, list(EVENTS)))
    if not events or any(e not in EVENTS for e in events):
        raise sec._fail("events", f"a list of {', '.join(EVENTS)}")
    overdue = sec.get("overdue_polls", int, 3)
    if overdue < 1:
        raise sec._fail("overdue_polls", "must be 1 or more")
    return BotConfig(
        name=sec.get("name", str, provider),
        provider=provider,
        url=url,
        secret_env=sec.get("secret_env", str, ""),
        secret_file=sec.path_("secret_file") if "secret_file" in sec.data else None,
        events=events,
        overdue_polls=overdue,
        timeout=float(sec.get("timeout", (int, float), 10)),
    )


def bot_secret(bot: BotConfig) -> str:
    """The bot's signing secret, "" when it has none; ConfigError when it is missing."""
    if bot.secret_env:
        value = os.environ.get(bot.secret_env, "").strip()
        if value:
            return value
        if bot.secret_file is None:
            raise ConfigError(f"notify {bot.name}: the environment variable "
                              f"{bot.secret_env} is not set")  # fmt: skip
    if bot.secret_file is not None:
        try:
            return bot.secret_file.read_text(encoding="utf-8").strip().splitlines()[0]
        except (OSError, IndexError):
            raise ConfigError(f"notify {bot.name}: cannot read the secret file",
                              str(bot.secret_file)) from None  # fmt: skip
    return ""
