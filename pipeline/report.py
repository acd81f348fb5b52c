"""The roll-up workbooks, built from SQLite alone.

Per campaign, one workbook per ISO week (``江北区节能宣传周汇总_2024-W20.xlsx``:
the campaign as it stood at the end of that week, so a unit that reported in
an earlier week is not shown as missing) and one cumulative workbook
(``…_累计.xlsx``: everything stored, with week-over-week columns in 分类统计).

SQLite → pandas frames (read once, filtered per scope) → sheets (sheets.py) →
xlsx (workbook.py). Nothing that arrived is left out: a mail that could not be
handled is a row in 待处理, a sender nobody knows is 待确认, and a mail outside
every campaign's window is listed in the nearest campaign's cumulative book.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import pandas as pd

from pipeline import campaigns as cal
from pipeline.campaigns import Week
from pipeline.config import Campaign, Config
from pipeline.models import CATEGORY_IDS, Unit
from pipeline.process import Rulebook
from pipeline.rollup import mark, rollup
from pipeline.store import Store
from pipeline.units import UNIT_TYPES
from pipeline.workbook import save_workbook

CUMULATIVE = "累计"

_SUBMISSIONS = """
SELECT s.sha256, s.message_id, s.sender, s.sender_name, s.subject, s.sent_at, s.unit_id,
       s.unit_how, s.kind, s.categories, s.figures, s.summary, s.photos,
       m.path AS archive_path, m.archived_at, m.source, m.source_key,
       (SELECT count(*) FROM problems p WHERE p.sha256 = s.sha256) AS problems,
       (SELECT group_concat(d.name, char(10)) FROM documents d WHERE d.sha256 = s.sha256)
           AS names
FROM submissions s JOIN mails m USING (sha256) ORDER BY m.rowid
"""
_PROBLEMS = """
SELECT p.id, p.sha256, p.stage, p.location, p.reason, p.action, p.created_at,
       s.sender, s.subject, s.sent_at, m.path AS archive_path, m.archived_at,
       m.source, m.source_key
FROM problems p LEFT JOIN submissions s USING (sha256) LEFT JOIN mails m USING (sha256)
ORDER BY p.id
"""


@dataclass(frozen=True)
class Scope:
    """What one workbook covers: a campaign, and a week of it or everything (累计)."""

    campaign: Campaign
    week: Week | None
    now: datetime

    @property
    def label(self) -> str:
        return self.week.label if self.week else CUMULATIVE

    @property
    def until(self) -> datetime | None:
        """Exclusive end: the Monday after the week; None for the cumulative book."""
        return self.week.bounds(self.campaign.timezone)[1] if self.week else None

    def filename(self) -> str:
        return f"{self.campaign.title}_{self.label}.xlsx"


@dataclass(frozen=True)
class Data:
    """Everything stored, as frames; `select` narrows it to one scope."""

    subs: pd.DataFrame  # one row per processed mail
    docs: pd.DataFrame  # one row per document
    problems: pd.DataFrame  # one row per problem
    reminders: pd.DataFrame  # reminders sent: campaign, unit_id, sent_at


def scope_for(
    config: Config,
    week: str | None = None,
    campaign: str | None = None,
    now: datetime | None = None,
) -> Scope:
    """The scope a `report` command means: --campaign, else the campaign of --week,
    else the current one. Raises ValueError for a malformed week."""
    tz = config.campaign.timezone
    now = now.astimezone(tz) if now else datetime.now(tz)
    parsed = cal.parse_week(week) if week else None
    if campaign:
        chosen = cal.find(config.campaigns, campaign)
    elif parsed:
        overlapping = cal.for_week(config.campaigns, parsed)
        chosen = overlapping[-1] if overlapping else cal.current(config.campaigns, now)
    else:
        chosen = cal.current(config.campaigns, now)
    return Scope(chosen, parsed, now)


def write_report(
    store: Store,
    config: Config,
    book: Rulebook,
    week: str | None = None,
    out: Path | None = None,
    campaign: str | None = None,
    now: datetime | None = None,
) -> Path:
    """Write one roll-up workbook (a week of a campaign, or its 累计) and return its path."""
    scope = scope_for(config, week, campaign, now)
    return write_scope(load(store, config), scope, config, book, out)


def write_scope(
    data: Data, scope: Scope, config: Config, book: Rulebook, out: Path | None = None
) -> Path:
    """Write the workbook of one scope from already loaded data."""
    from pipeline.sheets import build_sheets  # sheets imports this module's types

    target = out or config.report.dir / scope.filename()
    sheets = build_sheets(select(data, scope), scope, config, book, target.parent)
    heading, subtitle = title(scope)
    save_workbook(target, heading, sheets, font=config.report.font, subtitle=subtitle)
    return target


def title(scope: Scope) -> tuple[str, str]:
    """The heading (workbook title and campaign) and the line under it."""
    c = scope.campaign
    if scope.week:
        monday, sunday = scope.week.monday, scope.week.sunday
        span = f"{scope.week.label}（{monday:%m月%d日}—{sunday:%m月%d日}，截至周日）"
    else:
        span = "累计（全部已收邮件）"
    return (
        f"{c.title}（{c.name}）",
        f"统计范围：{span}　报送截止：{c.deadline:%Y-%m-%d %H:%M}"
        f"　生成时间：{scope.now:%Y-%m-%d %H:%M}",
    )


def load(store: Store, config: Config) -> Data:
    """Read submissions, documents, problems and reminders once, for every campaign."""
    tz = config.campaign.timezone
    subs = pd.read_sql_query(_SUBMISSIONS, store.db)
    subs["when"] = _instants(subs["sent_at"].fillna(subs["archived_at"]), tz)
    subs["photos"] = [json.loads(v) for v in subs["photos"]]
    docs = pd.read_sql_query(
        "SELECT sha256, ordinal, name, filetype, kind, chars, categories, tags, figures, summary"
        " FROM documents ORDER BY sha256, ordinal",
        store.db,
    )
    subs = mark(_own_findings(subs, docs))
    subs = subs.join(cal.assign(subs["when"], config.campaigns))
    probs = pd.read_sql_query(_PROBLEMS, store.db)
    when = probs["sent_at"].fillna(probs["archived_at"]).fillna(probs["created_at"])
    probs["when"] = _instants(when, tz)
    probs = probs.join(cal.assign(probs["when"], config.campaigns))
    return Data(subs, docs, probs, _reminders(store, tz))


def select(data: Data, scope: Scope) -> Data:
    """The part of the data one workbook shows.

    Weekly: the campaign's in-window mail up to the end of the week. Cumulative:
    all of the campaign's mail, including mail outside its window (marked).
    """
    subs, probs = data.subs, data.problems
    subs = subs[subs["campaign"] == scope.campaign.id]
    probs = probs[probs["campaign"] == scope.campaign.id]
    if scope.until is not None:
        cutoff = pd.Timestamp(scope.until)
        subs = subs[subs["in_window"] & (subs["when"] < cutoff)]
        probs = probs[probs["in_window"] & (probs["when"] < cutoff)]
    docs = data.docs[data.docs["sha256"].isin(subs["sha256"])]
    reminders = data.reminders[data.reminders["campaign"] == scope.campaign.id]
    return replace(
        data,
        subs=subs.reset_index(drop=True),
        docs=docs.reset_index(drop=True),
        problems=probs.reset_index(drop=True),
        reminders=reminders,
    )


def standing(data: Data, scope: Scope, book: Rulebook) -> pd.DataFrame:
    """Where each roster unit stands in the scope (see rollup.rollup), roster order by type.

    `data` must already be narrowed to the scope (see `select`).
    """
    counting = data.subs[data.subs["in_window"]] if len(data.subs) else data.subs
    ids = [u.id for u in roster_order(book)]
    return rollup(counting, ids, scope.campaign.deadline)


def roster_order(book: Rulebook) -> list[Unit]:
    """The roster sorted by unit type (街道/镇, 区级部门, 学校, 医院, 其他), stable."""
    rank = {t: i for i, t in enumerate(UNIT_TYPES)}
    return sorted(book.roster.units, key=lambda u: rank.get(u.type, len(rank)))


def _own_findings(subs: pd.DataFrame, docs: pd.DataFrame) -> pd.DataFrame:
    """Categories, figures and summary of each mail from its own documents only.

    A notice or 倡议书 forwarded with a report lists what it asks others to do;
    that is not what the unit did, so notice documents add nothing to the roll-up
    (they stay in 明细, marked 通知).
    """
    own = docs[docs["kind"] != "notice"]
    rank = {c: i for i, c in enumerate(CATEGORY_IDS)}
    found: dict[str, set[str]] = {}
    most: dict[str, dict[str, int]] = {}
    n_cats = []
    for sha, cats_json, figs_json in zip(
        own["sha256"], own["categories"], own["figures"], strict=True
    ):  # a plain loop: a few thousand small JSON values, faster than a group-by
        cats = json.loads(cats_json)
        n_cats.append(len(cats))
        found.setdefault(sha, set()).update(cats)
        figures = most.setdefault(sha, {})
        for key, value in json.loads(figs_json).items():
            figures[key] = max(value, figures.get(key, 0))
    ranked = own.assign(n=n_cats).assign(tagged=lambda f: f["n"] > 0)
    ranked = ranked.sort_values(["tagged", "n", "chars"], kind="stable")
    best = ranked.groupby("sha256").tail(1).set_index("sha256")["summary"]
    return subs.assign(
        categories=[
            sorted(found.get(sha, ()), key=lambda c: rank.get(c, 99)) for sha in subs["sha256"]
        ],
        figures=[most.get(sha, {}) for sha in subs["sha256"]],
        summary=[
            best.get(sha, summary)
            for sha, summary in zip(subs["sha256"], subs["summary"], strict=True)
        ],
    )


def _instants(iso: pd.Series, tz: object) -> pd.Series:
    return pd.to_datetime(iso, utc=True, format="ISO8601").dt.tz_convert(tz)


def _reminders(store: Store, tz: object) -> pd.DataFrame:
    """Reminders already mailed (state sent), for the 未报送 sheet."""
    frame = pd.read_sql_query(
        "SELECT campaign, recipient AS unit_id, max(sent_at) AS sent_at FROM sent_mail"
        " WHERE kind = 'reminder' AND state = 'sent' GROUP BY campaign, recipient",
        store.db,
    )
    frame["sent_at"] = _instants(frame["sent_at"], tz)
    return frame
