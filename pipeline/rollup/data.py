"""What a roll-up workbook shows, read from the store: the scope (a campaign's week or
its 累计) and the frames of submissions, documents, problems and reminders, read once
and narrowed per scope (`load`, `select`). The workbooks themselves: report.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime

import pandas as pd

from pipeline.config import Campaign, Config
from pipeline.models import CATEGORY_IDS, Unit
from pipeline.parse.bounds import DATE_YEARS
from pipeline.process import Rulebook
from pipeline.rollup import campaigns as cal
from pipeline.rollup.campaigns import Week
from pipeline.rollup.fixes import fix_documents, fix_mails, fix_problems
from pipeline.rollup.standing import mark, rollup
from pipeline.store import Store, rolls
from pipeline.units import UNIT_TYPES

CUMULATIVE = "累计"


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
    fixes: pd.DataFrame  # corrections in force (pipeline.rollup.fixes), already applied


def scope_for(
    config: Config,
    week: str | None = None,
    campaign: str | None = None,
    now: datetime | None = None,
) -> Scope:
    """The scope a `report` command means: --campaign, else the campaign of --week,
    else the current one. Raises ValueError for a malformed week, ConfigError for a
    week outside the campaign."""
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
    if parsed:
        cal.check_week(chosen, parsed)
    return Scope(chosen, parsed, now)


def title(scope: Scope) -> tuple[str, str]:
    """The heading (workbook title and campaign) and the line under it."""
    c = scope.campaign
    week = scope.week
    span = f"{week.monday.year}年{week.span}" if week else "累计（全部已收邮件）"
    return (
        f"{c.title}（{c.name}）",
        f"统计范围：{span}　报送截止：{c.deadline:%Y-%m-%d %H:%M}"
        f"　生成时间：{scope.now:%Y-%m-%d %H:%M}",
    )


def load(store: Store, config: Config) -> Data:
    """Read submissions, documents, problems and reminders once, for every campaign,
    with a person's corrections applied (pipeline.rollup.fixes)."""
    tz = config.campaign.timezone
    subs = _frame(rolls.submissions_table(store))
    subs["when"] = _instants(_plausible(subs["sent_at"]).fillna(subs["archived_at"]), tz)
    subs["photos"] = [json.loads(v) for v in subs["photos"]]
    fixes = _frame(rolls.corrections_table(store))
    docs = fix_documents(_frame(rolls.documents_table(store)), fixes)
    subs = fix_mails(mark(_own_findings(subs, docs)), fixes)
    subs = subs.join(cal.assign(subs["when"], config.campaigns))
    probs = fix_problems(_frame(rolls.problems_table(store)), subs, fixes)
    when = _plausible(probs["sent_at"]).fillna(probs["archived_at"]).fillna(probs["created_at"])
    probs["when"] = _instants(when, tz)
    probs = probs.join(cal.assign(probs["when"], config.campaigns))
    return Data(subs, docs, probs, _reminders(store, tz), fixes)


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
    """The reporting units (the bureau, roster `recipient`, is none of them) sorted by
    unit type (街道/镇, 区级部门, 学校, 医院, 其他), stable."""
    rank = {t: i for i, t in enumerate(UNIT_TYPES)}
    return sorted(book.roster.reporting, key=lambda u: rank.get(u.type, len(rank)))


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


def _plausible(iso: pd.Series) -> pd.Series:
    """Stored send times, None where the year is outside DATE_YEARS (a mail stored by an
    older mailroll with `Date: 31 Dec 9999`): the arrival time stands in for those."""
    lo, hi = DATE_YEARS
    years = pd.to_numeric(iso.astype(str).str.slice(0, 4), errors="coerce")
    return iso.where(years.between(lo, hi))


def _instants(iso: pd.Series, tz: object) -> pd.Series:
    return pd.to_datetime(iso, utc=True, format="ISO8601").dt.tz_convert(tz)


def _reminders(store: Store, tz: object) -> pd.DataFrame:
    """Reminders already mailed (state sent), for the 未报送 sheet."""
    frame = _frame(rolls.reminders_table(store))
    frame["sent_at"] = _instants(frame["sent_at"], tz)
    return frame


def _frame(table: rolls.Table) -> pd.DataFrame:
    columns, rows = table
    return pd.DataFrame.from_records(rows, columns=columns, coerce_float=True)
