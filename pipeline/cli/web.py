"""`mailroll web`: the web app, and its accounts (`mailroll web user add NAME`)."""

from __future__ import annotations

import sys

import click

from pipeline.cli.context import config_of
from pipeline.errors import MailrollError


@click.group(invoke_without_command=True)
@click.pass_context
def web(ctx: click.Context) -> None:
    """Serve the web app on its own, where bureau staff see the campaign and correct it.

    It listens on [web] listen of config.toml (default 127.0.0.1:8080, this
    machine only; see README for serving it on the office network behind a
    reverse proxy). `mailroll serve` runs it too, beside the scheduler, unless
    [web] with_service = false. Accounts: `mailroll web user add NAME`.

    \b
    Example:
      mailroll web user add zhangsan
      mailroll --config /etc/mailroll/config.toml web
    """
    if ctx.invoked_subcommand is not None:
        return
    from pipeline.service.logs import unattended_logging
    from pipeline.web.server import serve_web

    config = config_of(ctx)
    with unattended_logging(config.service):
        serve_web(config)


@web.group()
def user() -> None:
    """Accounts of the web app (kept in the database, passwords hashed with Argon2).

    \b
    Example:
      mailroll web user add zhangsan
      mailroll web user add leader1 --role leader
    """


@user.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(["editor", "leader"]),
    default="editor",
    show_default=True,
    help="editor corrects; leader only reads.",
)
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (scripts)."
)
@click.pass_context
def user_add(ctx: click.Context, name: str, role: str, password_stdin: bool) -> None:
    """Create an account, or set a new password and role for an existing one
    (which signs it out everywhere). Prompts for the password twice.

    \b
    Example:
      mailroll web user add zhangsan --role editor
    """
    from pipeline.service.runner import open_store
    from pipeline.web.auth import add_user

    config = config_of(ctx)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    store = open_store(config)
    try:
        new = add_user(store, name, password, role)
    finally:
        store.close()
    click.echo(f"{'created' if new else 'updated'} account {name} ({role})")


@user.command("remove")
@click.argument("name")
@click.pass_context
def user_remove(ctx: click.Context, name: str) -> None:
    """Delete an account and end its sessions.

    \b
    Example:
      mailroll web user remove zhangsan
    """
    from pipeline.service.runner import open_store
    from pipeline.store.accounts import delete_user

    store = open_store(config_of(ctx))
    try:
        if not delete_user(store, name):
            raise MailrollError(f"no account {name!r}")
    finally:
        store.close()
    click.echo(f"removed account {name}")


@user.command("list")
@click.pass_context
def user_list(ctx: click.Context) -> None:
    """List the accounts and their roles.

    \b
    Example:
      mailroll web user list
    """
    from pipeline.service.runner import open_store
    from pipeline.store.accounts import users

    store = open_store(config_of(ctx))
    try:
        for row in users(store):
            click.echo(f"{row['name']}\t{row['role']}\t{row['created_at']}")
    finally:
        store.close()
