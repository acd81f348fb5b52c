"""The configuration a command runs with: `--config` given before or after the
command name, read once, log times set to its time zone."""

from __future__ import annotations

import click

from pipeline.config import Config, load_config
from pipeline.service.logs import log_times_in


def config_of(ctx: click.Context) -> Config:
    root = ctx.find_root().obj
    config = load_config(root["config"])
    root["database"] = config.storage.database  # named by a storage fault's message
    log_times_in(config.campaign.timezone)
    return config
