"""Layer `cli`: options in, one core call and a clean exit out (cli.send: `mailroll send`).

Each command parses its options, calls one or two core functions and turns a
MailrollError into a one-line message with a non-zero exit code.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import sys
import threading
from pathlib import Path
from typing import Any

import click

from pipeline.cli.context import config_of
from pipeline.cli.ops import backup_cmd, restore_cmd
from pipeline.cli.send import send
from pipeline.cli.web import web
from pipeline.config import DEFAULT_CONFIG, Config
from pipeline.errors import (
    EXIT_ATTENTION,
    EXIT_BUSY,
    EXIT_ERROR,
    EXIT_MAIL_FAILED,
    EXIT_STORAGE,
    MailrollError,
    StorageError,
)
from pipeline.fetch.imap import check_account
from pipeline.mailout.mailer import check_smtp
from pipeline.models import CATEGORY_IDS
from pipeline.process import extraction_limits, load_rulebook
from pipeline.rollup.campaigns import parse_week
from pipeline.service.alerts import notify as notify_chat
from pipeline.service.lock import AlreadyRunning, RunLock
from pipeline.service.logs import NoMailContent, unattended_logging
from pipeline.service.runner import open_store, retag, run_once
from pipeline.service.signals import stop_on_signals
from pipeline.service.status import format_status
from pipeline.service.status import status as read_status
from pipeline.service.tmp import clean_leftover_tmp, clean_partial_files
from pipeline.store.faults import storage_error, storage_faults


def _config(ctx: click.Context) -> Config:
    return config_of(ctx)


def _clean_after_kills(config: Config) -> None:
    """What killed processes left: temp folders, half-written workbooks and mails."""
    clean_leftover_tmp()
    clean_partial_files((config.report.dir, config.storage.archive))


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (sqlite3.Error, OSError) as exc:  # outside the store's own guards
            fault = storage_error(exc, (ctx.obj or {}).get("database", Path("database")))
            if fault is None:
                raise
            click.echo(f"mailroll: error: {fault}", err=True)
            sys.exit(EXIT_STORAGE)
        except StorageError as exc:
            click.echo(f"mailroll: error: {exc}", err=True)
            sys.exit(EXIT_STORAGE)
        except MailrollError as exc:
            click.echo(f"mailroll: error: {exc}", err=True)
            sys.exit(EXIT_ERROR)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=DEFAULT_CONFIG,
    show_default=True,
    help="Configuration file.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log debug detail to stderr.")
@click.version_option(package_name="mailroll")
@click.pass_context
def main(ctx: click.Context, config_path: Path, verbose: bool) -> None:
    """Collect energy-saving-week reports from a mailbox into a district roll-up workbook.

    \b
    Typical use:
      mailroll check                 # validate config.toml and rules/, try the mailbox
      mailroll run --once            # poll, process new mail, write the workbook
      mailroll tag report.docx       # what mailroll reads in one file, nothing stored
      mailroll report --week 2024-W20
    """
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("jieba", "pdfminer", "mailparser"):
        logging.getLogger(noisy).setLevel(logging.WARNING if not verbose else logging.INFO)
    # imapclient warns about every non-ASCII server message (mailroll reports what matters);
    # with -v it logs the IMAP conversation, the LOGIN line redacted
    logging.getLogger("imapclient").setLevel(logging.ERROR if not verbose else logging.DEBUG)
    for handler in logging.getLogger().handlers:  # -v: the conversation, never the mail
        if not any(isinstance(f, NoMailContent) for f in handler.filters):
            handler.addFilter(NoMailContent())
    ctx.obj = {"config": config_path}


@main.command()
@click.option("--once", is_flag=True, help="One pass and exit (for cron). This is the default.")
@click.option(
    "-q", "--quiet", is_flag=True, help="Print only problems (for cron); the log file has all."
)
@click.pass_context
def run(ctx: click.Context, once: bool, quiet: bool) -> None:
    """Poll the mailbox, process new mail, write the current roll-up and any
    weekly workbook that is due.

    Exit status: 0 when everything was processed (or SIGTERM stopped it
    cleanly), 1 when the mailbox or the configuration failed, 3 when some mails
    could not be processed (they are listed in the workbook's 待处理 sheet),
    74 on a storage fault (disk full, database or folder not writable, damaged
    database: the message says what to do), 75 when another mailroll is
    already working on the same database.

    \b
    Example:
      mailroll --config /etc/mailroll/config.toml run --once --quiet
    """
    config = _config(ctx)
    stop = threading.Event()
    try:
        with (
            unattended_logging(config.service, quiet),
            RunLock(config.service.lock, "run --once", config.campaign.timezone),
            stop_on_signals(stop),
        ):
            _clean_after_kills(config)  # inside: logged to the file, and --quiet keeps cron silent
            try:
                result = run_once(config, should_stop=stop.is_set)
            finally:  # group-bot alerts and notices ([[notify]]) go once the poll is done
                notify_chat(config)
    except AlreadyRunning as exc:
        click.echo(f"mailroll: {exc}", err=True)
        sys.exit(EXIT_BUSY)
    if not quiet:
        click.echo(
            f"{result.new_mails} new mails, {result.processed} processed, {result.failed} failed"
            + (f", {result.imap_commands} IMAP commands" if result.imap_commands else "")
        )
        for path in (result.workbook, *result.weekly):
            if path:
                click.echo(f"workbook: {path}")
    if result.error:
        click.echo(f"mailroll: error: {result.error}", err=True)
        sys.exit(EXIT_ERROR)
    if result.stopped:
        click.echo("mailroll: stopped by a signal; the next run goes on from here", err=True)
    elif result.failed:
        click.echo(
            f"mailroll: {result.failed} mails could not be processed; see 待处理 in the workbook",
            err=True,
        )
        sys.exit(EXIT_MAIL_FAILED)


@main.command()
@click.pass_context
def serve(ctx: click.Context) -> None:
    """Run unattended: poll every few minutes, write the weekly workbook on schedule.

    Schedule, lock file and log file are in config.toml's [service]. Stops
    cleanly on SIGTERM or Ctrl-C (exit 0). Check on it with `mailroll status`.

    \b
    Example:
      mailroll --config /etc/mailroll/config.toml serve
    """
    config = _config(ctx)
    with unattended_logging(config.service):
        _clean_after_kills(config)
        from pipeline.service.serve import serve as serve_forever  # the scheduler, the mail-out

        serve_forever(config)


@main.command()
@click.option(
    "--week",
    metavar="YYYY-Www",
    help="The campaign as it stood at the end of this ISO week, e.g. 2024-W20.",
)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Output .xlsx path.")
@click.option(
    "--campaign", metavar="ID", help="Campaign id from config.toml (default: the current one)."
)
@click.pass_context
def report(ctx: click.Context, week: str | None, out: Path | None, campaign: str | None) -> None:
    """Write the roll-up workbook from what is stored (no mailbox access).

    Without --week the workbook covers every stored submission of the campaign
    (累计), with week-over-week columns in 分类统计. The file is named after
    the campaign's title and the week, e.g. 江北区节能宣传周汇总_2024-W20.xlsx.

    \b
    Example:
      mailroll report --week 2024-W20 --out /srv/share/汇总.xlsx
    """
    _check_week(week)
    if out is not None:
        _check_out(out, ".xlsx", "the workbook is always xlsx (e.g. 汇总.xlsx)")
    config = _config(ctx)
    book = load_rulebook(config.rules_dir)
    store = open_store(config)
    try:
        from pipeline.rollup.report import summary_path, write_report

        path = write_report(store, config, book, week=week, out=out, campaign=campaign)
    finally:
        store.close()
    click.echo(f"workbook: {path}")
    draft = summary_path(path)
    if draft.is_file():
        click.echo(f"summary: {draft}")
    else:
        click.echo("summary: not written (see the warning above; `mailroll summary` says why)")


@main.command()
@click.option(
    "--week",
    metavar="YYYY-Www",
    help="The campaign as it stood at the end of this ISO week (default: everything stored).",
)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Output .docx path.")
@click.option(
    "--campaign", metavar="ID", help="Campaign id from config.toml (default: the current one)."
)
@click.pass_context
def summary(ctx: click.Context, week: str | None, out: Path | None, campaign: str | None) -> None:
    """Write the district summary draft (区级总结) as an editable Word document.

    The draft the bureau sends upward after the week: 总体情况, one section per
    activity the notice asks for, 典型做法 and 存在问题, in the GB/T 9704
    layout. Its numbers are the workbook's; its text is the fixed phrases of
    rules/templates/summary.toml and sentences quoted from the units' reports.
    `mailroll report` (and the service) write it beside every workbook too.

    \b
    Example:
      mailroll summary --out /srv/share/江北区节能宣传周工作总结.docx
    """
    _check_week(week)
    if out is not None:
        _check_out(out, ".docx", "the draft is a Word file (e.g. 区级总结.docx)")
    config = _config(ctx)
    book = load_rulebook(config.rules_dir)
    store = open_store(config)
    try:
        from pipeline.rollup.report import write_summary

        path = write_summary(store, config, book, week=week, out=out, campaign=campaign)
    finally:
        store.close()
    click.echo(f"summary: {path}")


def _check_week(week: str | None) -> None:
    try:
        if week:
            parse_week(week)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--week") from None


def _check_out(out: Path, suffix: str, why: str) -> None:
    """A file of the right type in a folder that exists: a typo never creates folders
    (report's .xlsx and summary's .docx alike)."""
    if out.suffix.lower() != suffix:
        article = "an" if suffix == ".xlsx" else "a"
        raise click.BadParameter(
            f"{out} is not {article} {suffix} name; {why}",
            param_hint="--out",
        )
    if not out.parent.is_dir():
        raise click.BadParameter(
            f"folder {out.parent} does not exist; create it first or pick another",
            param_hint="--out",
        )


@main.command()
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per file.")
@click.option(
    "--explain",
    is_flag=True,
    help="Show why: each tag's phrase and sentence, each cancelled hit and the rule that "
    "cancelled it, each number and the figure it counts as.",
)
@click.pass_context
def tag(ctx: click.Context, files: tuple[Path, ...], as_json: bool, explain: bool) -> None:
    """Read local files and show unit, categories, figures and summary; store nothing.

    FILES may be .eml mails or documents (.docx, .pdf, .txt, ...).
    With --json each line is an object with the keys file, unit, kind,
    categories, evidence, figures, summary, problems, documents (the names of
    the texts read, e.g. 材料.zip/总结.docx), photos, ocr (documents read from
    a scan by OCR) and doubtful (figures OCR was unsure of). Scanned PDFs and
    photographed pages are read by OCR at once (seconds per page).

    \b
    Example:
      mailroll tag 观音桥街道总结.docx --json
    """
    from pipeline.cli.tagfiles import tag_files

    config = _config(ctx)
    book = load_rulebook(config.rules_dir)
    failed = tag_files(files, book, extraction_limits(config.limits), as_json, explain, config.ocr)
    if failed:
        click.echo(f"mailroll: error: {failed} of {len(files)} files could not be read", err=True)
        sys.exit(EXIT_ERROR)


@main.command(name="retag")
@click.option(
    "--reread",
    is_flag=True,
    help="Parse every archived mail and read its attachments again, instead of "
    "reusing the text stored when it was first processed.",
)
@click.pass_context
def retag_cmd(ctx: click.Context, reread: bool) -> None:
    """Tag every stored mail again with the current rules/ and roster.

    Use after editing rules/categories.toml or rules/roster.toml; the mailbox
    is not touched. The text read from each mail when it was first processed
    is reused; it is read again from the archived mail after an upgrade of
    mailroll, a change to [limits], or with --reread. A mail whose archived
    file is missing keeps its stored result (and gets a 待处理 row naming the
    file). Then run `mailroll report` for a fresh workbook.

    \b
    Example:
      mailroll retag && mailroll report
    """
    config = _config(ctx)
    stop = threading.Event()
    try:
        with (
            unattended_logging(config.service),
            RunLock(config.service.lock, "retag", config.campaign.timezone),
            stop_on_signals(stop),
        ):
            _clean_after_kills(config)
            done, failed = retag(config, should_stop=stop.is_set, reread=reread)
    except AlreadyRunning as exc:
        click.echo(f"mailroll: {exc}", err=True)
        sys.exit(EXIT_BUSY)
    click.echo(f"{done} mails re-tagged, {failed} failed" + (" (stopped)" if stop.is_set() else ""))
    if failed:
        sys.exit(EXIT_MAIL_FAILED)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output for monitoring.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Show health: last successful poll, last error, counts, open problems,
    next scheduled runs, last workbook written, who is working now.

    With --json, one object for monitoring; its "ok" is false when the last
    run failed, nothing polled for three poll intervals, or a weekly workbook
    that is due was not written. A database that cannot be read is reported
    ("storage_error").

    Exit status: 0 ok, 2 ATTENTION (any of the above), 74 the database could
    not be read, 1 the configuration could not be read.

    \b
    Example:
      mailroll status --json
    """
    config = _config(ctx)
    try:
        store = open_store(config)
        try:
            with storage_faults(config.storage.database):
                info = read_status(store, config)
        finally:
            store.close()
    except StorageError as exc:  # reported, not a crash: monitoring reads this too
        info = {"ok": False, "database": str(config.storage.database), "storage_error": str(exc)}
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False))
    else:
        for line in format_status(info):
            click.echo(line)
    if "storage_error" in info:
        sys.exit(EXIT_STORAGE)
    if not info["ok"]:
        sys.exit(EXIT_ATTENTION)


@main.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate config.toml and rules/, and try the mailbox and the SMTP server.

    Prints what was checked; exits 1 with the file, key and fix on the first
    problem. For IMAP: logs in to each account, lists its folders and opens
    each configured folder read-only (nothing in the mailbox changes). With
    [smtp] configured: logs in to it as sending would (nothing is sent).

    \b
    Example:
      mailroll --config /etc/mailroll/config.toml check
    """
    config = _config(ctx)
    click.echo(f"config: {config.path} ok")
    book = load_rulebook(config.rules_dir)
    n_rules, n_units = len(book.rules.categories), len(book.roster.units)
    click.echo(f"rules: {n_rules} categories, roster of {n_units} units ok")
    missing = [c for c in CATEGORY_IDS if c not in {r.id for r in book.rules.categories}]
    if missing:
        click.echo(f"note: no rules for {', '.join(missing)}")
    if config.mailbox.source == "imap":
        for account in config.imap:  # logs in; the first problem exits with one line
            for line in check_account(account):
                click.echo(line)
    else:
        assert config.mailbox.path is not None
        if not config.mailbox.path.is_dir():
            raise MailrollError("mail folder not found", str(config.mailbox.path))
        click.echo(f"mailbox: {config.mailbox.source} {config.mailbox.path} ok")
    if config.smtp is not None:  # logs in as sending would; nothing is sent
        for line in check_smtp(config.smtp):
            click.echo(line)


main.add_command(send)
main.add_command(web)
main.add_command(backup_cmd)
main.add_command(restore_cmd)


def _config_after_command(value_ctx: click.Context, _param: click.Parameter, value: Any) -> None:
    if value is not None:
        value_ctx.find_root().obj["config"] = value


def _accept_config_anywhere(group: click.Group) -> None:
    """`mailroll run --config X` as well as `mailroll --config X run`: every command
    (and `send`'s) takes the option after its name too."""
    for command in group.commands.values():
        command.params.append(
            click.Option(
                ["--config", "config_path"],
                type=click.Path(path_type=Path, dir_okay=False),
                expose_value=False,
                callback=_config_after_command,
                help="Configuration file (default ./config.toml); also accepted before "
                "the command name.",
            )
        )
        if isinstance(command, click.Group):
            _accept_config_anywhere(command)


_accept_config_anywhere(main)
