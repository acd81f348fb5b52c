"""What a processed mail is, besides its text: a unit's own mail, a machine's
(auto-reply, bounce), mailroll's own mail come back, or a reply to a receipt or
workbook mailroll sent. Decided when the result is recorded, because replies
are recognised against the sent_mail record; none of these ever counts as a
report or gets a receipt (pipeline.rollup.standing, pipeline.mailout.send).

A reply to a 催报 is a unit answering the reminder, usually with its report: it
is processed like any mail (its quoted part is not read: pipeline.process).
"""

from __future__ import annotations

from dataclasses import replace

from pipeline.models import Message, Problem, Submission
from pipeline.parse.screen import answers_receipt
from pipeline.process import UNKNOWN_UNIT
from pipeline.store import Store
from pipeline.store.sent import sent_kind

OWN, REPLY = "own", "reply"  # besides parse.screen's AUTO_REPLY and BOUNCE

REVIEW_REPLY = Problem(
    "邮件",
    "回复本局回执/汇总表的邮件中有新内容（可能是更正或补充），未自动计入",
    "请打开原件人工核对；如需更正，请该单位以新邮件（主题注明“更正”）重新报送",
)


def screen(store: Store, message: Message) -> str:
    """'' for a person's mail, else what it is (see the module docstring)."""
    if sent_kind(store, [message.message_id]):  # before machine: ours say Auto-Submitted
        return OWN
    if message.machine:
        return message.machine
    answered = sent_kind(store, [*message.references, message.in_reply_to])
    if answered in ("receipt", "report") or (answered is None and answers_receipt(message.subject)):
        return REPLY
    return ""


def screened(submission: Submission, kind: str) -> Submission:
    """The submission as recorded for a mail of this kind: a reply that adds content
    is a review item, a reply is no 待确认 sender; machine mail (and mailroll's own)
    needs nothing done, so it raises no problem (it is listed in 明细)."""
    if not kind:
        return submission
    if kind != REPLY:
        return replace(submission, problems=())
    problems = tuple(p for p in submission.problems if p != UNKNOWN_UNIT)
    if _adds_content(submission):
        problems = (*problems, REVIEW_REPLY)
    return replace(submission, problems=problems)


def _adds_content(submission: Submission) -> bool:
    if submission.photos or submission.categories:  # kind alone: the subject says 总结
        return True
    return any(d.document.filetype != "body" for d in submission.documents)
