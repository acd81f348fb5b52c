"""`mailroll send report|reminders|receipts`: the mail-out commands (pipeline.mailout.send)."""

from __future__ import annotations

import sys
from datetime import datetime

import click

from pipeline.cli.context import config_of
from pipeline.errors import EXIT_MAIL_FAILED
from pipeline.rollup.campaigns import parse_week
from pipeline.service.logs import unattended_logging


@click.group()
def send() -> None:
    """Mail the weekly workbook, reminders (催报) or receipts (回执) over SMTP.

    Each is off until switched on under [send] in config.toml; --dry-run
    previews what would be sent (even when off) and sends nothing. Every mail
    is recorded and never sent twice, also across restarts.

    \b
    Example:
      mailroll send reminders --dry-run
    """


_DRY_RUN = click.option("--dry-run", is_flag=True, help="Print what would be sent; send nothing.")
_RESEND = click.option(
    "--resend-unsure",
    is_flag=True,
    help="Send again mails whose earlier sending was cut off (they may arrive twice).",
)
_WHEN = click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
_AT = click.option(
    "--at",
    "at",
    type=_WHEN,
    help="Act as if it were this local time (to preview a reminder day).",
)
_AT_RECEIPTS = click.option(
    "--at",
    "at",
    type=_WHEN,
    help="Act as if it were this local time: answer mail received in the "
    "receipt_max_age_days before it.",
)
_QUIET = click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Print only problems (for cron): nothing when sending is off or nothing is due.",
)


@send.command(name="report")
@click.option("--week", metavar="YYYY-Www", help="ISO week (default: last week).")
@_DRY_RUN
@_RESEND
@_QUIET
@click.pass_context
def send_report_cmd(
    ctx: click.Context, week: str | None, dry_run: bool, resend_unsure: bool, quiet: bool
) -> None:
    """Write the week's workbook and mail it to [send] report_to.

    \b
    Example:
      mailroll send report --week 2024-W20 --dry-run
    """
    from pipeline.mailout.send import send_weekly_report

    if week:
        try:
            parse_week(week)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--week") from None
    config = config_of(ctx)
    with unattended_logging(config.service, quiet):
        result = send_weekly_report(config, week, dry_run=dry_run, resend_unsure=resend_unsure)
    _echo_sent(result, quiet)


@send.command(name="reminders")
@_AT
@_DRY_RUN
@_RESEND
@_QUIET
@click.pass_context
def send_reminders_cmd(
    ctx: click.Context, at: datetime | None, dry_run: bool, resend_unsure: bool, quiet: bool
) -> None:
    """Mail a reminder (催报) to each roster unit that has not reported yet.

    Sent [send] reminder_days before each campaign's deadline, from
    rules/templates/reminder.txt, to the unit's addresses in rules/roster.toml.

    \b
    Example:
      mailroll send reminders --at 2024-05-15 --dry-run
    """
    from pipeline.mailout.send import send_reminders

    config = config_of(ctx)
    now = at.replace(tzinfo=config.campaign.timezone) if at else None
    with unattended_logging(config.service, quiet):
        result = send_reminders(config, now, dry_run=dry_run, resend_unsure=resend_unsure)
    _echo_sent(result, quiet)


@send.command(name="receipts")
@_AT_RECEIPTS
@_DRY_RUN
@_RESEND
@_QUIET
@click.pass_context
def send_receipts_cmd(
    ctx: click.Context, at: datetime | None, dry_run: bool, resend_unsure: bool, quiet: bool
) -> None:
    """Mail a receipt (回执) to each recent sender: unit, files and categories recognised.

    Only reports counted for a roster unit are answered, each once, and only
    when the mail's own Date and its arrival both lie within [send]
    receipt_max_age_days of now (or of --at): a first backfill answers none of
    the old mail. Never auto-replies, bounces, replies to mailroll's own mail,
    duplicates, unknown senders or no-reply addresses.

    \b
    Example:
      mailroll send receipts --dry-run
    """
    from pipeline.mailout.send import send_receipts

    config = config_of(ctx)
    now = at.replace(tzinfo=config.campaign.timezone) if at else None
    with unattended_logging(config.service, quiet):
        result = send_receipts(config, now, dry_run=dry_run, resend_unsure=resend_unsure)
    _echo_sent(result, quiet)


def _echo_sent(result: object, quiet: bool = False) -> None:
    """One line per mail, then a count; exit 3 when some mail failed or is unsure.
    `quiet` (cron) prints only the mails that failed, may not have arrived, or wait
    for a busy server."""
    from pipeline.mailout.outbox import BUSY, FAILED, UNSURE, SendResult

    assert isinstance(result, SendResult)
    if quiet:
        for o in result.outcomes:
            if o.status in (FAILED, UNSURE, BUSY):
                click.echo(f"mailroll: {o.mail.kind} to {o.mail.label}: {o.status} {o.detail}",
                           err=True)  # fmt: skip
        if result.count(FAILED) or result.count(UNSURE) or result.count(BUSY):
            sys.exit(EXIT_MAIL_FAILED)
        return
    if not result.enabled and not result.dry_run:
        click.echo(f"{result.kind}: {result.note}")
        return
    for o in result.outcomes:
        target = f"{o.mail.label} <{', '.join(o.mail.to)}>" if o.mail.to else o.mail.label
        extra = f" ({o.detail})" if o.detail else ""
        attached = f" [+ {o.mail.attachment.name}]" if o.mail.attachment else ""
        click.echo(f"[{o.status}] {o.mail.kind} → {target}: {o.mail.subject}{attached}{extra}")
    if result.note and not result.outcomes:
        click.echo(f"{result.kind}: {result.note}")
    preview = next((o.mail for o in result.outcomes if o.status == "would send"), None)
    if preview is not None:  # a dry run: show one mail in full, to check the template
        click.echo(f"--- first mail, as it would be sent ---\n主题：{preview.subject}\n")
        click.echo(preview.body)
    counts = {}
    for o in result.outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    if counts:
        click.echo(", ".join(f"{n} {status}" for status, n in counts.items()))
    if result.count(FAILED) or result.count(UNSURE) or result.count(BUSY):
        sys.exit(EXIT_MAIL_FAILED)
