"""The three mail jobs: weekly workbook, reminders (催报), receipts (回执).

Each is a plain function of the config and a time, for the scheduler and the
`mailroll send` command alike. Each plans its mails from what is stored, then
hands them to outbox.deliver, which sends each one at most once. A job that is
switched off in config.toml plans nothing unless it is a dry run (a preview).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from pipeline.config import Campaign, Config
from pipeline.mailout.outbox import (
    NO_ADDRESS,
    Outcome,
    Outgoing,
    SendResult,
    cn_date,
    days_until,
    deliver,
    local_now,
)
from pipeline.mailout.templates import load_template
from pipeline.process import Rulebook, load_rulebook
from pipeline.rollup import campaigns as cal
from pipeline.rollup.campaigns import Week
from pipeline.rollup.data import Data, Scope, load, roster_order, select, standing
from pipeline.rollup.report import summary_path, write_scope
from pipeline.rollup.standing import STATUS_LATE, STATUS_MISSING, STATUS_ON_TIME
from pipeline.store import Store

_NO_REPLY = re.compile(r"^(?:no-?reply|do-?not-?reply|mailer-daemon|postmaster|bounces?)\b", re.I)


def send_weekly_report(
    config: Config,
    week: str | Week | None = None,
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    resend_unsure: bool = False,
) -> SendResult:
    """Write the week's workbook of each campaign it overlaps and mail it to
    send.report_to. `week` defaults to the last complete ISO week before `now`."""
    now = local_now(config, now)
    if week is None:
        week = cal.week_of(now).previous()
    elif isinstance(week, str):
        week = cal.parse_week(week)
    if not (config.send.report or dry_run):
        return SendResult("report", False, dry_run, note="off: set [send] report = true")
    if not config.send.report_to:
        return SendResult(
            "report", config.send.report, dry_run,
            note='no one to send to: set [send] report_to = ["leader@example.com"]',
        )  # fmt: skip
    found = cal.for_week(config.campaigns, week)
    if not found:
        return SendResult("report", True, dry_run, note=f"no campaign runs in {week.label}")
    store, book = _open(config)
    try:
        mails = _plan_reports(config, book, load(store, config), found, week, now)
        return deliver(store, config, "report", mails, enabled=config.send.report,
                       dry_run=dry_run, resend_unsure=resend_unsure)  # fmt: skip
    finally:
        store.close()


def _plan_reports(
    config: Config, book: Rulebook, data: Data, found: list[Campaign], week: Week, now: datetime
) -> list[Outgoing]:
    template = load_template(config.send.templates, "report")
    mails = []
    for campaign in found:
        scope = Scope(campaign, week, now)
        path = write_scope(data, scope, config, book)
        subject, body = template.render(_report_values(data, scope, book, config, path.name))
        also = (summary_path(path),) if config.send.report_summary else ()
        for address in config.send.report_to:
            mails.append(Outgoing("report", campaign.id, address.lower(), week.label, (address,),
                                  subject, body, attachment=path, also=also,
                                  label=address))  # fmt: skip
    return mails


def send_reminders(
    config: Config,
    now: datetime | None = None,
    *,
    dry_run: bool = False,
    resend_unsure: bool = False,
) -> SendResult:
    """Mail a 催报 to each roster unit with nothing counted yet, when a stage of
    send.reminder_days before a campaign's deadline has been reached."""
    now = local_now(config, now)
    if not (config.send.reminders or dry_run):
        return SendResult("reminder", False, dry_run, note="off: set [send] reminders = true")
    due = [(c, s) for c in config.campaigns if (s := reminder_stage(c, config, now)) is not None]
    if not due:
        days = ", ".join(
            f"{reminder_day(c, d)} for {c.id}" for c in config.campaigns
            for d in sorted(config.send.reminder_days, reverse=True)
        )  # fmt: skip
        return SendResult("reminder", True, dry_run, note=f"not due; reminder days: {days}")
    store, book = _open(config)
    try:
        mails, skipped = _plan_reminders(config, book, load(store, config), due, now)
        return deliver(store, config, "reminder", mails, enabled=config.send.reminders,
                       dry_run=dry_run, resend_unsure=resend_unsure, skipped=tuple(skipped),
                       note="" if mails or skipped else "every roster unit has reported: "
                       "no one to remind")  # fmt: skip
    finally:
        store.close()


def _plan_reminders(
    config: Config, book: Rulebook, data: Data, due: list[tuple[Campaign, int]], now: datetime
) -> tuple[list[Outgoing], list[Outcome]]:
    """One reminder per missing unit and due campaign; units without an address are
    reported, not mailed; the bureau itself (roster recipient) is never reminded."""
    template = load_template(config.send.templates, "reminder")
    mails, skipped = [], []
    for campaign, stage in due:
        scope = Scope(campaign, None, now)
        where = standing(select(data, scope), scope, book)
        missing = set(where.index[where["status"] == STATUS_MISSING])
        for unit in (u for u in roster_order(book) if u.id in missing):
            subject, body = template.render(
                {
                    "unit": unit.name,
                    "campaign": campaign.name,
                    "deadline": cn_date(campaign.deadline.astimezone(campaign.timezone)),
                    "days_left": days_until(campaign.deadline, now),
                    "categories": "、".join(book.rules.label(c) for c in campaign.categories),
                    "mailbox": config.smtp.sender if config.smtp else "",
                    "bureau": _bureau(config),
                }
            )
            mail = Outgoing("reminder", campaign.id, unit.id, f"D-{stage}", unit.senders,
                            subject, body, label=unit.name)  # fmt: skip
            if unit.senders:
                mails.append(mail)
            else:
                skipped.append(Outcome(mail, NO_ADDRESS, "no sender address in roster.toml"))
    return mails, skipped


def reminder_stage(campaign: Campaign, config: Config, now: datetime) -> int | None:
    """The reminder stage due at `now` (the fewest days before the deadline already
    reached), or None before the first stage and after the deadline."""
    if now >= campaign.deadline:
        return None
    today = now.astimezone(campaign.timezone).date()
    reached = [d for d in config.send.reminder_days if today >= reminder_day(campaign, d)]
    return min(reached) if reached else None


def reminder_day(campaign: Campaign, days: int) -> date:
    """The calendar day (campaign time zone) that is `days` before the deadline's day:
    reminder_days = [2] with a 17 May deadline reminds on 15 May, from midnight."""
    return campaign.deadline.astimezone(campaign.timezone).date() - timedelta(days)


def send_receipts(
    config: Config,
    now: datetime | None = None,
    *,
    dry_run: bool = False,
    resend_unsure: bool = False,
) -> SendResult:
    """Answer each counted report of a roster unit dated and received in the last
    send.receipt_max_age_days (see _answerable) with the unit, files and categories
    mailroll recognised, and any problem found; each mail once."""
    now = local_now(config, now)
    if not (config.send.receipts or dry_run):
        return SendResult("receipt", False, dry_run, note="off: set [send] receipts = true")
    store, book = _open(config)
    try:
        data = load(store, config)
        template = load_template(config.send.templates, "receipt")
        mails = []
        for row in _answerable(data, config, now).to_dict("records"):
            subject, body = template.render(_receipt_values(data, row, book, config))
            mails.append(Outgoing("receipt", row["campaign"], row["sender"], row["sha256"],
                                  (row["sender"],), subject, body,
                                  in_reply_to=row["message_id"], label=row["sender"]))  # fmt: skip
        note = "" if mails else "no new reports to answer"
        return deliver(store, config, "receipt", mails, enabled=config.send.receipts,
                       dry_run=dry_run, resend_unsure=resend_unsure, note=note)  # fmt: skip
    finally:
        store.close()


def _answerable(data: Data, config: Config, now: datetime) -> pd.DataFrame:
    """Counted reports of roster units, from a real person's address, whose own Date
    and whose arrival both lie in the last receipt_max_age_days up to `now`.

    Arrival is the bureau server's Received time, or when mailroll stored the mail
    when it has none; with the Date checked too, a first backfill answers no old
    report, and `--at` never lists mail that came later."""
    subs = data.subs
    since = pd.Timestamp(now - timedelta(days=config.send.receipt_max_age_days))
    until = pd.Timestamp(now)
    arrived = pd.to_datetime(
        subs["arrived_at"].fillna(subs["archived_at"]), utc=True, format="ISO8601"
    )
    dated = pd.to_datetime(subs["sent_at"].fillna(subs["arrived_at"]).fillna(subs["archived_at"]),
                           utc=True, format="ISO8601")  # fmt: skip
    own = config.smtp.sender.lower() if config.smtp else ""
    keep = (
        subs["counted"]
        & subs["in_window"]
        & subs["unit_id"].notna()
        & arrived.between(since, until)
        & dated.between(since, until)
        & subs["sender"].str.contains("@", regex=False)
        & ~subs["sender"].str.contains(_NO_REPLY)
        & (subs["sender"].str.lower() != own)
    )
    return subs[keep]


def _receipt_values(
    data: Data, row: dict[str, Any], book: Rulebook, config: Config
) -> dict[str, object]:
    """What a receipt says about one mail: unit, files, categories, problems."""
    sha = row["sha256"]
    unit = book.roster.get(row["unit_id"])
    files = [n for n in data.docs.loc[data.docs["sha256"] == sha, "name"] if n != "正文"]
    if row["photos"]:
        files.append(f"照片 {len(row['photos'])} 张")
    problems = data.problems[data.problems["sha256"] == sha]
    notes = [f"· {p.location}：{p.reason}" for p in problems.itertuples()]
    campaign = cal.find(config.campaigns, row["campaign"])
    labels = "、".join(book.rules.label(c) for c in row["categories"])
    return {
        "sender": row["sender_name"] or row["sender"],
        "subject": row["subject"],
        "received": cn_date(row["when"].tz_convert(campaign.timezone)),
        "unit": unit.name if unit else "未能识别（请在邮件主题中写明单位全称）",
        "categories": labels or "（未识别到）",
        "files": "、".join(files) or "邮件正文",
        "problems": ("需要注意：\n" + "\n".join(notes) + "\n") if notes else "",
        "campaign": campaign.name,
        "bureau": _bureau(config),
    }


def _report_values(
    data: Data, scope: Scope, book: Rulebook, config: Config, workbook: str
) -> dict[str, object]:
    narrowed = select(data, scope)
    where = standing(narrowed, scope, book)
    status = where["status"].value_counts()
    names = {u.id: u.name for u in roster_order(book)}
    missing = [names[u] for u in where.index[where["status"] == STATUS_MISSING]]
    c, week = scope.campaign, scope.week
    assert week is not None
    return {
        "title": c.title,
        "campaign": c.name,
        "week": week.label,
        "start": cn_date(week.bounds(c.timezone)[0], with_time=False),
        "end": cn_date(week.bounds(c.timezone)[0] + timedelta(days=6), with_time=False),
        "deadline": cn_date(c.deadline.astimezone(c.timezone)),
        "total": len(where),
        "on_time": int(status.get(STATUS_ON_TIME, 0)),
        "late": int(status.get(STATUS_LATE, 0)),
        "missing": len(missing),
        "reported": len(where) - len(missing),
        "missing_units": "\n".join(f"  {n}" for n in missing) or "  （无）",
        "problems": len(narrowed.problems),
        "workbook": workbook,
        "bureau": _bureau(config),
    }


def _bureau(config: Config) -> str:
    return config.smtp.sender_name if config.smtp and config.smtp.sender_name else ""


def _open(config: Config) -> tuple[Store, Rulebook]:
    book = load_rulebook(config.rules_dir)
    return Store(config.storage.database, config.storage.archive, config.storage.mode), book
