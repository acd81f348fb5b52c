"""What each page shows, worked out from the store and the roll-up (no Flask here):
the same frames and rules as the workbook, so the numbers agree."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.config import Config
from pipeline.models import FIGURE_KEYS, Attachment
from pipeline.parse import parse_file
from pipeline.process import Rulebook, load_rulebook
from pipeline.rollup.data import Data, Scope, load, scope_for, select, standing
from pipeline.rollup.fixes import ignored_senders
from pipeline.rollup.mailsheets import FIGURE_LABELS, HOW_LABELS, KIND_LABELS, standing_of
from pipeline.rollup.standing import STATUS_LATE, STATUS_MISSING, STATUS_ON_TIME, tally
from pipeline.store import Store
from pipeline.store import corrections as fixes_db
from pipeline.store.readings import load_reading
from pipeline.store.workbooks import last_error, last_success, last_workbook
from pipeline.units import conflict_units

STATUSES = (STATUS_ON_TIME, STATUS_LATE, STATUS_MISSING)
POLL_COMMANDS = ("run", "poll")


class Rules:
    """rules/ read once, and again when a file there changes."""

    def __init__(self, rules_dir: Path) -> None:
        self.dir = rules_dir
        self._stamp: tuple[float, ...] = ()
        self._book: Rulebook | None = None

    def get(self) -> Rulebook:
        stamp = tuple(p.stat().st_mtime for p in sorted(self.dir.glob("*.toml")))
        if self._book is None or stamp != self._stamp:
            self._book, self._stamp = load_rulebook(self.dir), stamp
        return self._book


@dataclass
class Overview:
    scope: Scope
    counts: dict[str, int]
    categories: list[tuple[str, int]]
    figures: list[tuple[str, int, int]]  # label, units, total
    missing: list[Any]
    recent: list[dict[str, Any]]
    unsure: int  # mails waiting for a person to name their unit (待确认)
    open_items: int  # open 待处理 rows
    health: dict[str, Any] = field(default_factory=dict)


def overview(store: Store, config: Config, book: Rulebook, campaign: str | None) -> Overview:
    """总览: the workbook's numbers for one campaign (累计), what came in this week,
    the open review items and the service's health."""
    scope = scope_for(config, campaign=campaign)
    data = select(load(store, config), scope)
    now = standing(data, scope, book)
    counts = tally(now, list(scope.campaign.categories))
    labels = {c.id: c.label for c in book.rules.categories}
    monday = (scope.now - timedelta(days=scope.now.weekday())).replace(hour=0, minute=0, second=0)
    recent = data.subs[data.subs["when"] >= pd.Timestamp(monday)].sort_values("when")
    missing = [u for u, s in zip(now.index, now["status"], strict=True) if s == STATUS_MISSING]
    return Overview(
        scope=scope,
        counts={s: counts[s] for s in STATUSES},
        categories=[(labels.get(c, c), counts[c]) for c in scope.campaign.categories],
        figures=[
            (FIGURE_LABELS[k], counts[f"{k}:units"], counts[f"{k}:total"]) for k in FIGURE_KEYS
        ],
        missing=[book.roster.get(u) for u in missing],
        recent=mail_rows(recent, book, config),
        unsure=len(queue(data, book, config)[0]),
        open_items=len(data.problems),
        health=health(store, config),
    )


def health(store: Store, config: Config) -> dict[str, Any]:
    tz = config.campaign.timezone
    ok, err = last_success(store, POLL_COMMANDS), last_error(store)
    book = last_workbook(store, "cumulative")
    return {
        "last_poll": local_time(ok["started_at"], tz) if ok else None,
        "last_error": f"{local_time(err['started_at'], tz)} {err['command']}：{err['error']}"
        if err
        else None,
        "last_workbook": f"{local_time(book['written_at'], tz)} {book['path']}" if book else None,
    }


def mail_rows(subs: pd.DataFrame, book: Rulebook, config: Config) -> list[dict[str, Any]]:
    """Mails as rows for a list: time, sender, subject, unit, whether it counts."""
    if subs.empty:
        return []
    standing_text = standing_of(subs) if "in_window" in subs else [""] * len(subs)
    tz = config.campaign.timezone
    rows = []
    for (_, sub), counted in zip(subs.iterrows(), standing_text, strict=True):
        unit = book.roster.get(sub["unit_id"])
        rows.append(
            {
                "sha256": sub["sha256"],
                "when": f"{sub['when'].tz_convert(tz):%Y-%m-%d %H:%M}",
                "sender": sub["sender"],
                "subject": sub["subject"],
                "unit": unit.name if unit else "待确认",
                "campaign": sub.get("campaign", ""),
                "standing": counted,
            }
        )
    return rows


def campaign_data(store: Store, config: Config, campaign: str | None) -> tuple[Scope, Data]:
    scope = scope_for(config, campaign=campaign)
    return scope, select(load(store, config), scope)


def queue(
    data: Data, book: Rulebook, config: Config
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """待确认 (mails with no unit, not from an ignored sender) and 待处理 (open problems)."""
    subs = data.subs
    unsure = subs[subs["unit_id"].isna() & ~subs["ignored"]]
    rows = mail_rows(unsure, book, config)
    for row, how in zip(rows, unsure["unit_how"], strict=True):
        pair = conflict_units(book.roster, how if isinstance(how, str) else "")
        row["candidates"] = list(pair) if pair else []
    tz = config.campaign.timezone
    problems = [
        {
            "sha256": p["sha256"] if isinstance(p["sha256"], str) else "",
            "key": p["key"],
            "when": f"{p['when'].tz_convert(tz):%Y-%m-%d %H:%M}",
            "sender": p["sender"] if isinstance(p["sender"], str) else "",
            "subject": p["subject"] if isinstance(p["subject"], str) else "",
            "where": p["location"],
            "reason": p["reason"],
            "action": p["action"],
        }
        for _, p in data.problems.iterrows()
    ]
    return rows, problems


def unit_history(
    store: Store, config: Config, book: Rulebook, unit_id: str
) -> list[dict[str, Any]]:
    """单位: one unit's mails over every campaign, with how each counts."""
    data = load(store, config)
    subs = data.subs[data.subs["unit_id"] == unit_id].sort_values("when")
    return mail_rows(subs, book, config)


def unit_statuses(
    store: Store, config: Config, book: Rulebook, campaign: str | None
) -> tuple[Scope, list[tuple[Any, str]]]:
    scope, data = campaign_data(store, config, campaign)
    now = standing(data, scope, book)
    return scope, [(book.roster.get(u), s) for u, s in zip(now.index, now["status"], strict=True)]


@dataclass
class MailPage:
    mail: dict[str, Any]
    unit: Any
    how: str
    candidates: list[Any]
    documents: list[dict[str, Any]]
    attachments: list[tuple[int, str, int]]
    problems: list[dict[str, Any]]
    history: list[dict[str, Any]]
    counted: str
    ignored: bool


def mail_page(store: Store, config: Config, book: Rulebook, sha: str) -> MailPage | None:
    """邮件: one mail, its documents with the evidence marked, figures, attachments."""
    mail = fixes_db.mail_row(store, sha)
    if mail is None:
        return None
    data = load(store, config)
    sub = data.subs[data.subs["sha256"] == sha]
    texts = _texts(store, sha)
    documents = []
    for doc in data.docs[data.docs["sha256"] == sha].itertuples():
        tags = json.loads(doc.tags)
        text = texts[doc.ordinal] if doc.ordinal < len(texts) else ""
        documents.append(
            {
                "ordinal": doc.ordinal,
                "name": doc.name,
                "kind": KIND_LABELS.get(doc.kind, doc.kind),
                "categories": json.loads(doc.categories),
                "figures": json.loads(doc.figures),
                "evidence": [(c, s) for c, s, _ in tags],
                "review": book.rules.to_review(c for c, _, _ in tags),
                "segments": highlight(text, [s for _, s, _ in tags]),
            }
        )
    how = sub["unit_how"].iloc[0] if len(sub) else ""
    unit_id = sub["unit_id"].iloc[0] if len(sub) else None
    pair = conflict_units(book.roster, how if isinstance(how, str) else "")
    probs = data.problems[data.problems["sha256"] == sha]
    return MailPage(
        mail=mail,
        unit=book.roster.get(unit_id if isinstance(unit_id, str) else None),
        how=_how(how),
        candidates=list(pair) if pair else [],
        documents=documents,
        attachments=[
            (i, a.filename, len(a.data)) for i, a in enumerate(attachments(store, config, sha))
        ],
        problems=[
            {"key": p.key, "where": p.location, "reason": p.reason, "action": p.action}
            for p in probs.itertuples()
        ],
        history=log_rows(fixes_db.correction_log(store, sha=sha), book, config),
        counted=standing_of(sub)[0] if len(sub) else "尚未处理",
        ignored=mail["sender"] in ignored_senders(data.fixes) if mail.get("sender") else False,
    )


def attachments(store: Store, config: Config, sha: str) -> tuple[Attachment, ...]:
    """The mail's own attachments, read from its archived original. Refuses an
    archive path that would lead outside the archive folder."""
    path = archived_path(store, sha)
    if path is None:
        return ()
    return parse_file(path, config.campaign.timezone).attachments


def archived_path(store: Store, sha: str) -> Path | None:
    row = fixes_db.mail_row(store, sha)
    if row is None:
        return None
    root = store.archive.resolve()
    path = (root / row["path"]).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


def highlight(text: str, sentences: list[str]) -> list[tuple[str, bool]]:
    """The text cut into (piece, is_evidence) so a template can mark the evidence
    sentences; each piece is escaped by the template, never trusted."""
    spans: list[tuple[int, int]] = []
    for sentence in {s for s in sentences if s and len(s) > 1}:
        start = text.find(sentence)
        while start >= 0:
            spans.append((start, start + len(sentence)))
            start = text.find(sentence, start + len(sentence))
    pieces, at = [], 0
    for start, end in sorted(spans):
        if start < at:
            continue
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


ACTION_LABELS = {
    "unit": "指定单位",
    "category": "分类",
    "figure": "数据",
    "report": "是否报送材料",
    "handled": "待处理已处理",
    "ignore_sender": "忽略发件人",
    "forget_sender": "删除记住的发件地址",
}


def log_rows(entries: list[dict[str, Any]], book: Rulebook, config: Config) -> list[dict[str, Any]]:
    """Corrections as the 操作记录 shows them: local times, names instead of ids."""
    tz = config.campaign.timezone
    labels = {c.id: c.label for c in book.rules.categories}

    def shown(action: str, value: str) -> str:
        if action in ("unit", "forget_sender"):
            unit = book.roster.get(value)
            return unit.name if unit else (value or "待确认")
        if action == "category":
            return {"1": "有", "0": "无"}.get(value, value)
        if action in ("report", "handled", "ignore_sender"):
            return {"1": "是", "0": "否"}.get(value, value)
        return value

    rows = []
    for f in entries:
        what = ACTION_LABELS.get(f["action"], f["action"])
        if f["action"] in ("category", "figure"):
            item = labels.get(f["key"]) or FIGURE_LABELS.get(f["key"], f["key"])
            what += f"（材料 {f['ordinal'] + 1}：{item}）"
        elif f["action"] in ("ignore_sender", "forget_sender"):
            what += f"（{f['key']}）"
        rows.append(
            {
                **f,
                "what": what,
                "when": local_time(f["created_at"], tz),
                "old": shown(f["action"], f["old_value"]),
                "new": shown(f["action"], f["new_value"]),
                "undone": f"{f['undone_by']} {local_time(f['undone_at'], tz)}"
                if f["undone_at"]
                else "",
            }
        )
    return rows


def _texts(store: Store, sha: str) -> list[str]:
    blob = fixes_db.stored_reading(store, sha)
    if blob is None:
        return []
    try:
        return [d.text for d in load_reading(blob)[1].documents]
    except (ValueError, KeyError, TypeError, zlib.error):
        return []


def _how(how: object) -> str:
    if isinstance(how, str) and how.startswith("conflict:"):
        return "发件地址与材料署名不一致"
    return HOW_LABELS.get(how, str(how)) if isinstance(how, str) else HOW_LABELS[""]


def local_time(iso: str, tz: Any) -> str:
    """An ISO time as the campaign's local minute, e.g. 2024-05-16 09:00."""
    return f"{datetime.fromisoformat(iso).astimezone(tz):%Y-%m-%d %H:%M}"
