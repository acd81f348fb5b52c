"""Which campaign a mail belongs to, and the ISO weeks its workbooks cover.

A campaign accepts mail from `early_days` before its first day to `late_days`
after its last (late reports still belong to it). A mail inside several
windows goes to the campaign that started last; a mail inside none goes to the
nearest campaign, is marked out of window and is not counted, but it is still
listed (明细 and 待处理 of that campaign's cumulative workbook), so nothing
that arrived is silently left out.

Times are compared as timezone-aware instants; a week is the ISO week in the
campaign's time zone (Monday 00:00 to the next Monday 00:00).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from pipeline.config import Campaign
from pipeline.errors import ConfigError

if TYPE_CHECKING:  # imported where used: `mailroll run` should not load pandas to parse mail
    import pandas as pd

_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$", re.IGNORECASE)


@dataclass(frozen=True)
class Week:
    """An ISO week, e.g. 2024-W20 (Monday 13 May to Sunday 19 May 2024)."""

    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.number:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    def bounds(self, tz: object) -> tuple[datetime, datetime]:
        """Monday 00:00 and the next Monday 00:00 in the time zone."""
        start = datetime.combine(self.monday, time(), tzinfo=tz)  # type: ignore[arg-type]
        return start, start + timedelta(days=7)

    @property
    def span(self) -> str:
        """The week as a reader says it: 5月13日—5月19日."""
        return f"{cn_day(self.monday)}—{cn_day(self.sunday)}"

    def previous(self) -> Week:
        return week_of(self.monday - timedelta(days=7))

    def __str__(self) -> str:
        return self.label


def parse_week(text: str) -> Week:
    """'2024-W20' (or 2024-w20) → Week; ValueError with the expected form otherwise."""
    match = _WEEK.match(text.strip())
    if not match:
        raise ValueError(f"week must look like 2024-W20, got {text!r}")
    year, number = int(match[1]), int(match[2])
    try:
        date.fromisocalendar(year, number, 1)
    except ValueError:
        raise ValueError(f"{year} has no ISO week {number}") from None
    return Week(year, number)


def cn_day(day: date | datetime) -> str:
    """5月13日 (no leading zeros, as a document writes it)."""
    return f"{day.month}月{day.day}日"


def first_week(campaign: Campaign) -> Week:
    """The week the campaign begins in (mail before it counts from then on)."""
    return week_of(campaign.start)


def week_of(day: date | datetime) -> Week:
    year, number, _ = day.isocalendar()
    return Week(year, number)


def window(campaign: Campaign) -> tuple[datetime, datetime]:
    """The instants between which mail belongs to the campaign (end exclusive)."""
    tz = campaign.timezone
    first = campaign.start - timedelta(days=campaign.early_days)
    last = campaign.end + timedelta(days=campaign.late_days + 1)
    return datetime.combine(first, time(), tzinfo=tz), datetime.combine(last, time(), tzinfo=tz)


def weeks(campaign: Campaign, until: datetime | None = None) -> list[Week]:
    """The ISO weeks of the campaign's window, up to the week holding `until`."""
    lo, hi = window(campaign)
    last = hi - timedelta(seconds=1)
    if until is not None:
        last = min(last, until.astimezone(campaign.timezone))
    out, day = [], lo.date()
    while day <= last.date():
        week = week_of(day)
        if not out or out[-1] != week:
            out.append(week)
        day += timedelta(days=1)
    return out


def for_week(campaigns: Sequence[Campaign], week: Week) -> list[Campaign]:
    """The campaigns whose window overlaps the week."""
    found = []
    for c in campaigns:
        lo, hi = window(c)
        start, end = week.bounds(c.timezone)
        if start < hi and lo < end:
            found.append(c)
    return found


def current(campaigns: Sequence[Campaign], now: datetime) -> Campaign:
    """The campaign that started last before `now`, or the first one to come."""
    started = [c for c in campaigns if window(c)[0] <= now]
    if started:
        return max(started, key=lambda c: window(c)[0])
    return min(campaigns, key=lambda c: window(c)[0])


def find(campaigns: Sequence[Campaign], campaign_id: str) -> Campaign:
    for c in campaigns:
        if c.id == campaign_id:
            return c
    known = ", ".join(c.id for c in campaigns)
    if len(campaigns) == 1:
        raise ConfigError(
            f"no campaign with id {campaign_id!r}; config.toml has one campaign, "
            f"id {known!r}: leave out --campaign (it is for several [[campaigns]])"
        )
    raise ConfigError(
        f"no campaign with id {campaign_id!r}; the campaign ids in config.toml are {known}"
    )


def check_week(campaign: Campaign, week: Week) -> None:
    """Refuse a week outside the campaign's window: its workbook would show the
    campaign's mail under a week it has nothing to do with."""
    if for_week([campaign], week):
        return
    allowed = weeks(campaign)
    raise ConfigError(
        f"week {week.label} is outside the campaign {campaign.name!r}; "
        f"use one of {allowed[0].label} … {allowed[-1].label}"
        + (" or --campaign ID for another campaign" if campaign.id != "campaign" else "")
    )


def assign(when: pd.Series, campaigns: Sequence[Campaign]) -> pd.DataFrame:
    """For each instant: the campaign id it belongs to and whether it is in its window.

    `when` is a tz-aware datetime Series; the result has the same index and the
    columns `campaign` and `in_window`.
    """
    import numpy as np
    import pandas as pd

    ordered = sorted(campaigns, key=lambda c: window(c)[0])
    instants = pd.to_datetime(when, utc=True)
    campaign = pd.Series(ordered[0].id, index=when.index, dtype=object)
    in_window = pd.Series(False, index=when.index)
    best_gap = pd.Series(np.inf, index=when.index)
    for c in ordered:  # later starts overwrite earlier ones where windows overlap
        lo, hi = (pd.Timestamp(t).tz_convert("UTC") for t in window(c))
        inside = (instants >= lo) & (instants < hi)
        campaign[inside] = c.id
        in_window |= inside
        gap = np.maximum(
            (lo - instants).dt.total_seconds(), (instants - hi).dt.total_seconds()
        ).where(~in_window, np.inf)
        nearer = gap < best_gap
        campaign[nearer & ~in_window] = c.id
        best_gap = best_gap.where(~nearer, gap)
    return pd.DataFrame({"campaign": campaign, "in_window": in_window})
