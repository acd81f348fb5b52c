"""`mailroll backup DIR` and `mailroll restore DIR` (pipeline.service.backup)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pipeline.cli.context import config_of
from pipeline.errors import EXIT_BUSY
from pipeline.service.backup import backup, restore
from pipeline.service.lock import AlreadyRunning

_FOLDER = click.Path(path_type=Path, file_okay=False)


@click.command(name="backup")
@click.argument("folder", type=_FOLDER)
@click.pass_context
def backup_cmd(ctx: click.Context, folder: Path) -> None:
    """Copy the database and the archived mails into FOLDER, while the service runs.

    The database is copied with SQLite's online backup (consistent even while
    mail is being processed); archived mails never change, so only those the
    folder lacks are copied: run it again into the same folder (from cron) to
    keep the copy current. Workbooks need no backup: `mailroll report` writes
    them again from the database.

    \b
    Example:
      mailroll --config /etc/mailroll/config.toml backup /srv/backup/mailroll
    """
    copied = backup(config_of(ctx), folder)
    click.echo(f"backup: {copied.database} ({copied.mails} mails), {copied.files} new mail files")


@click.command(name="restore")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.pass_context
def restore_cmd(ctx: click.Context, folder: Path) -> None:
    """Put a backup made by `mailroll backup` in place of the configured database
    and archive (on a new server, or after a disk failure).

    Refuses while the service or a cron run is working (stop it first: exit
    75). The backup is checked (SQLite integrity check) before anything is
    replaced.

    \b
    Example:
      systemctl stop mailroll
      mailroll --config /etc/mailroll/config.toml restore /srv/backup/mailroll
      systemctl start mailroll
    """
    try:
        copied = restore(config_of(ctx), folder)
    except AlreadyRunning as exc:
        click.echo(f"mailroll: {exc}; stop it first", err=True)
        sys.exit(EXIT_BUSY)
    click.echo(f"restore: {copied.database} ({copied.mails} mails), {copied.files} archived mails")
