"""What mailroll mails out, each mail at most once.

Three jobs, each off until switched on under [send] in config.toml, each a
plain function the scheduler and the CLI call:

- send_weekly_report(config, week): the week's workbook to everyone in report_to;
- send_reminders(config, now): 催报 to every roster unit with nothing counted
  yet, once per stage of reminder_days (e.g. two days before the deadline);
- send_receipts(config, now): 回执 to the sender of every counted mail of the
  last receipt_max_age_days, saying which unit and categories were recognised.

Plan, then act. A job first works out its Outgoing mails from the database
(that is all --dry-run does, plus writing the workbook it would attach). Then,
per mail, it claims the row (kind, campaign, recipient, ref) in sent_mail as
'sending', sends, and marks it 'sent'; a row already 'sent' is skipped, so
nothing goes out twice across runs and restarts. A mail the server refuses
becomes 'failed' and the next run tries again. A mail in flight when the
process died or the connection dropped stays 'sending': whether it arrived is
unknown, so it is reported as unsure and not repeated unless asked
(resend_unsure), because a doubled 催报 costs more goodwill than a late one.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from pipeline.config import Config
from pipeline.errors import ConfigError
from pipeline.mailout.compose import build_message, new_message_id
from pipeline.mailout.mailer import Mailer, ServerBusy
from pipeline.mailout.pacing import Pacer, is_busy
from pipeline.store import Store, sent

log = logging.getLogger(__name__)

SENT, WOULD_SEND, ALREADY_SENT, UNSURE, FAILED, POSTPONED, NO_ADDRESS, BUSY = (
    "sent", "would send", "already sent", "unsure", "failed", "postponed", "no address",
    "server busy",
)  # fmt: skip


@dataclass(frozen=True)
class Outgoing:
    """One mail to send; (kind, campaign, recipient, ref) names it for good."""

    kind: str  # report, reminder, receipt
    campaign: str
    recipient: str  # an address (report, receipt) or a unit id (reminder)
    ref: str  # ISO week, reminder stage "D-2", or the sha256 of the mail answered
    to: tuple[str, ...]
    subject: str
    body: str
    attachment: Path | None = None
    also: tuple[Path, ...] = ()  # further attachments (the summary draft beside a workbook)
    in_reply_to: str = ""
    label: str = ""  # who, for people: the unit's name, or the address

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.kind, self.campaign, self.recipient, self.ref)


@dataclass(frozen=True)
class Outcome:
    mail: Outgoing
    status: str  # one of the constants above
    detail: str = ""


@dataclass(frozen=True)
class SendResult:
    kind: str
    enabled: bool
    dry_run: bool
    outcomes: tuple[Outcome, ...] = ()
    note: str = ""  # why nothing was planned, when nothing was

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)


def deliver(
    store: Store,
    config: Config,
    kind: str,
    mails: list[Outgoing],
    *,
    enabled: bool,
    dry_run: bool,
    resend_unsure: bool = False,
    skipped: tuple[Outcome, ...] = (),
    note: str = "",
) -> SendResult:
    """Send each planned mail that has not gone out yet, recording every step."""
    outcomes: list[Outcome] = list(skipped)
    pending: list[Outgoing] = []
    for mail in mails:
        state = _state(store, mail)
        if state == "sent":
            outcomes.append(Outcome(mail, ALREADY_SENT))
        elif state == "sending" and not resend_unsure:
            outcomes.append(Outcome(mail, UNSURE, "an earlier run stopped while sending it"))
        elif dry_run:
            outcomes.append(Outcome(mail, WOULD_SEND))
        else:
            pending.append(mail)
    if pending:
        if config.smtp is None:
            raise ConfigError("sending mail needs an [smtp] section", str(config.path))
        pacer = Pacer(config.send)
        with Mailer(config.smtp) as mailer:
            for i, mail in enumerate(pending):
                outcome = _send_paced(store, config, mailer, pacer, mail, resend_unsure)
                outcomes.append(outcome)
                if outcome.status in (UNSURE, BUSY):  # connection gone, or server too busy
                    outcomes += [Outcome(m, POSTPONED, "next run") for m in pending[i + 1 :]]
                    break
    return SendResult(kind, enabled, dry_run, tuple(outcomes), note)


def _send_paced(
    store: Store, config: Config, mailer: Mailer, pacer: Pacer, mail: Outgoing, resend: bool
) -> Outcome:
    """Send one mail in its turn; a "too fast" refusal (at connect or on the mail) is
    waited out and the mail tried again, until the pacer gives up."""
    while True:
        pacer.wait_turn()
        try:
            outcome = _send_one(store, config, mailer, mail, resend)
        except ServerBusy as exc:  # refused at connect: nothing was claimed
            outcome = Outcome(mail, BUSY, str(exc))
        if outcome.status == SENT:
            pacer.sent()
        if outcome.status != BUSY:
            return outcome
        if not pacer.back_off(outcome.detail):
            return outcome


def _send_one(
    store: Store, config: Config, mailer: Mailer, mail: Outgoing, resend_unsure: bool
) -> Outcome:
    smtp = config.smtp
    assert smtp is not None
    mailer.ready()  # reconnects if needed; raises SendError before anything is claimed
    message_id = save_claim(store, mail, new_message_id(smtp.sender), resend_unsure)
    if message_id is None:
        return Outcome(mail, ALREADY_SENT, "claimed by another run")
    msg = build_message(
        smtp,
        mail.to,
        mail.subject,
        mail.body,
        message_id=message_id,
        attachment=mail.attachment,
        also=mail.also,
        in_reply_to=mail.in_reply_to,
    )
    try:
        mailer.send(msg, mail.to)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException) as exc:
        reason = _smtp_reason(exc)
        save_failed(store, mail, reason)
        if is_busy(exc):  # not sent: the server wants us to slow down
            return Outcome(mail, BUSY, reason)
        log.warning("%s to %s refused: %s", mail.kind, mail.label or mail.recipient, reason)
        return Outcome(mail, FAILED, reason)
    except (smtplib.SMTPException, OSError) as exc:
        log.error(
            "%s to %s: connection lost while sending (%s); not repeated",
            mail.kind,
            mail.label or mail.recipient,
            exc.__class__.__name__,
        )
        return Outcome(mail, UNSURE, f"connection lost while sending ({exc.__class__.__name__})")
    save_sent(store, mail)
    log.info("%s sent to %s", mail.kind, mail.label or mail.recipient)
    return Outcome(mail, SENT)


# -- the sent_mail record ------------------------------------------------------


def _state(store: Store, mail: Outgoing) -> str | None:
    return sent.sent_state(store, mail.key)


def save_claim(store: Store, mail: Outgoing, message_id: str, resend_unsure: bool) -> str | None:
    """Mark the mail 'sending' before it goes out (see store.sent.save_claim)."""
    return sent.save_claim(store, mail.key, mail.to, mail.subject, message_id, resend_unsure)


def save_sent(store: Store, mail: Outgoing) -> None:
    sent.save_sent(store, mail.key)


def save_failed(store: Store, mail: Outgoing, reason: str) -> None:
    sent.save_failed(store, mail.key, reason)


def _smtp_reason(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{addr}: {code} {text.decode(errors='replace')}"
            for addr, (code, text) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace')}"
    return str(exc)


def local_now(config: Config, now: datetime | None) -> datetime:
    tz = config.campaign.timezone
    return now.astimezone(tz) if now else datetime.now(tz)


def cn_date(when: datetime, with_time: bool = True) -> str:
    """5月17日 23:59 — how dates read in a Chinese letter."""
    text = f"{when.month}月{when.day}日"
    return f"{text} {when:%H:%M}" if with_time else text


def days_until(deadline: datetime, now: datetime) -> int:
    """Whole days left, rounded up: 1.2 days before the deadline is '2 天'."""
    left = deadline - now
    return max(0, -(-left // timedelta(days=1)))
