"""The district summary draft (区级总结 / 上报材料): what the bureau writes for the
city bureau after the week, drafted from the roll-up.

Extractive only: the text is the fixed phrases of rules/templates/summary.toml
(which the bureau edits), the workbook's numbers, and sentences quoted from the
units' own reports, each with the unit named. Sections: 总体情况 (units reported
out of the roster, by type, on time and late), one per activity the notice asks
for, in its order (units, their figure totals, two or three quoted practices),
典型做法 (the richest reports, from their own sentences) and 存在问题 (units
that did not report, what could not be read). govdoc.py lays it out as a
GB/T 9704 document.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline.errors import ConfigError
from pipeline.models import FIGURE_KEYS, Unit
from pipeline.rollup import campaigns as cal
from pipeline.rollup.context import Context
from pipeline.rollup.mailsheets import problems_sheet
from pipeline.rollup.overview import FIGURE_MEASURES, FIGURE_NAMES
from pipeline.rollup.standing import STATUS_LATE, STATUS_MISSING, STATUS_ON_TIME, superseded
from pipeline.rollup.stats import book_weeks
from pipeline.units import UNIT_TYPES

TEMPLATE = "summary.toml"
_NUMERALS = "一二三四五六七八九十"
# a list marker opening a sentence (二、 （三） 4.), left out of a quote
_ENUMERATION = re.compile(rf"^\s*(?:[（(][{_NUMERALS}\d]+[)）]|[{_NUMERALS}\d]+[、.．])\s*")


@dataclass
class Draft:
    """The summary as blocks: (kind, text), kind one of title, recipient, h1, h2, para,
    signature, date."""

    blocks: list[tuple[str, str]] = field(default_factory=list)

    def add(self, kind: str, text: str) -> None:
        self.blocks.append((kind, text))


@dataclass(frozen=True)
class Phrases:
    """rules/templates/summary.toml, read and checked."""

    path: Path
    data: dict

    def say(self, key: str, **values: object) -> str:
        section, _, name = key.rpartition(".")
        table = self.data.get(section, {}) if section else self.data
        try:
            return str(table[name]).format_map(values)
        except KeyError as exc:
            raise ConfigError(
                f"{key}: unknown or missing {exc}; see the comment above it", str(self.path)
            ) from None
        except (ValueError, IndexError) as exc:
            raise ConfigError(f"{key}: {exc}", str(self.path)) from None

    def limit(self, name: str, default: int) -> int:
        return int(self.data.get("limits", {}).get(name, default))

    def figures_for(self, category: str) -> list[str]:
        table = self.data.get("activity_figures", {})
        keys = table.get(category, table.get("default", list(FIGURE_KEYS)))
        return [k for k in keys if k in FIGURE_KEYS]


def load_phrases(folder: Path) -> Phrases:
    path = folder / TEMPLATE
    try:
        return Phrases(path, tomllib.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ConfigError("summary template not found", str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", str(path)) from None


def draft(ctx: Context, standing: pd.DataFrame, phrases: Phrases) -> Draft:
    """The whole summary of one scope."""
    evidence = unit_evidence(ctx)
    out = Draft()
    out.add("title", phrases.say("title", campaign=ctx.scope.campaign.name))
    out.add("recipient", phrases.say("recipient"))
    out.add("para", phrases.say("opening", campaign=ctx.scope.campaign.name))
    out.add("h1", phrases.say("headings.overall"))
    out.add("para", _overall(ctx, standing, phrases))
    out.add("h1", phrases.say("headings.activities"))
    quoted: Counter[str] = Counter()  # spread the quotes over many units
    for n, category in enumerate(ctx.asked, start=1):
        out.add("h2", f"（{_numeral(n)}）{ctx.label(category)}")
        out.add("para", _activity(ctx, standing, evidence, category, phrases, quoted))
    out.add("h1", phrases.say("headings.practices"))
    for n, (unit, sentences) in enumerate(_practices(ctx, standing, evidence, phrases), 1):
        own = "".join(f"“{s}”" for s in sentences)
        out.add("para", f"{n}. " + phrases.say("sentences.practice", unit=unit.name,
                                                 sentences=own))  # fmt: skip
    out.add("h1", phrases.say("headings.problems"))
    for paragraph in _problems(ctx, standing, phrases):
        out.add("para", paragraph)
    recipient = ctx.book.roster.get(ctx.book.roster.recipient)
    out.add("signature", recipient.name if recipient else "")
    now = ctx.scope.now
    out.add("date", f"{now.year}年{now.month}月{now.day}日")
    return out


def _until(ctx: Context) -> str:
    """The day the numbers stand at: the book's (latest) week's Sunday."""
    return cal.cn_day(book_weeks(ctx)[-1].sunday)


def _overall(ctx: Context, standing: pd.DataFrame, phrases: Phrases) -> str:
    status = standing["status"]
    deadline = ctx.scope.campaign.deadline.astimezone(ctx.scope.campaign.timezone)
    text = phrases.say(
        "sentences.overall",
        roster=len(standing),
        reported=int((status != STATUS_MISSING).sum()),
        on_time=int((status == STATUS_ON_TIME).sum()),
        late=int((status == STATUS_LATE).sum()),
        missing=int((status == STATUS_MISSING).sum()),
        deadline=f"{cal.cn_day(deadline)}{deadline:%H:%M}",
        until=_until(ctx),
    )
    parts = []
    types = pd.Series([u.type for u in ctx.units], index=standing.index)
    for unit_type in UNIT_TYPES:
        mine = status[types == unit_type]
        if len(mine):
            parts.append(phrases.say("sentences.by_type", type=unit_type, units=len(mine),
                                     reported=int((mine != STATUS_MISSING).sum())))  # fmt: skip
    if parts:
        text += phrases.say("sentences.by_type_lead") + "；".join(parts) + "。"
    return text


def _activity(
    ctx: Context,
    standing: pd.DataFrame,
    evidence: dict[str, dict[str, str]],
    category: str,
    phrases: Phrases,
    quoted: Counter[str],
) -> str:
    label = ctx.label(category).removesuffix("活动")
    doing = standing[standing["categories"].map(lambda s: category in s)]
    if doing.empty:
        return phrases.say("sentences.activity_none", activity=label)
    text = phrases.say("sentences.activity", units=len(doing), activity=label)
    figures = []
    for key in phrases.figures_for(category):
        total = int(pd.to_numeric(doing[key], errors="coerce").fillna(0).sum())
        if total:
            figures.append(phrases.say("sentences.figure", name=FIGURE_NAMES[key], value=total,
                                       measure=FIGURE_MEASURES[key]))  # fmt: skip
    if figures:
        text += phrases.say("sentences.activity_figures", figures="、".join(figures))
    text += "。"
    quotes = []
    longest = phrases.limit("quote_chars", 120)
    for unit in _ranked(ctx, doing, quoted):
        sentence = evidence.get(unit.id, {}).get(category, "")
        if sentence and len(sentence) <= longest and sentence not in quotes:
            quotes.append(sentence)
            quoted[unit.id] += 1
            text += (phrases.say("sentences.quotes_lead") if len(quotes) == 1 else "；") + (
                phrases.say("sentences.quote", unit=unit.name, sentence=sentence)
            )
        if len(quotes) >= phrases.limit("quotes", 3):
            break
    return text + ("。" if quotes else "")


def _practices(
    ctx: Context, standing: pd.DataFrame, evidence: dict[str, dict[str, str]], phrases: Phrases
) -> list[tuple[Unit, list[str]]]:
    """The reports with the most activities and figures, each with up to three of
    its own evidence sentences."""
    reported = standing[standing["status"] != STATUS_MISSING]
    out = []
    for unit in _ranked(ctx, reported):
        own = evidence.get(unit.id, {})
        sentences = list(dict.fromkeys(own[c] for c in ctx.asked if c in own))[:3]
        if sentences:
            out.append((unit, sentences))
        if len(out) >= phrases.limit("practices", 3):
            break
    return out


def _problems(ctx: Context, standing: pd.DataFrame, phrases: Phrases) -> list[str]:
    names = {u.id: u.name for u in ctx.units}
    missing = [names[u] for u in standing.index[standing["status"] == STATUS_MISSING]]
    out = [
        phrases.say("sentences.missing", missing=len(missing), names="、".join(missing))
        if missing
        else phrases.say("sentences.none_missing")
    ]
    unread = standing.index[standing["unreadable"] & (standing["status"] != STATUS_MISSING)]
    if len(unread):
        out.append(phrases.say("sentences.unreadable", count=len(unread),
                               names="、".join(names[u] for u in unread)))  # fmt: skip
    problems = len(problems_sheet(ctx).frame)
    if problems:
        out.append(phrases.say("sentences.problems", problems=problems))
    return out


def _ranked(ctx: Context, rows: pd.DataFrame, quoted: Counter[str] | None = None) -> list[Unit]:
    """Units of `rows` quoted least so far, then with the most activities, then the
    most figures, then in roster order."""
    order = {u.id: i for i, u in enumerate(ctx.units)}
    figures = rows[list(FIGURE_KEYS)].notna().sum(axis=1)
    used = quoted or Counter()
    key = {
        u: (used[u], -len(rows.at[u, "categories"]), -int(figures[u]), order[u]) for u in rows.index
    }
    by_id = {u.id: u for u in ctx.units}
    return [by_id[u] for u in sorted(rows.index, key=key.__getitem__)]


def unit_evidence(ctx: Context) -> dict[str, dict[str, str]]:
    """Per unit, per category, the first evidence sentence of its documents in force
    (counted mail, not replaced by a correction, no notices), in time order."""
    subs = ctx.counting
    if not len(subs):
        return {}
    current = subs[subs["counted"] & subs["unit_id"].notna() & ~superseded(subs)]
    unit_of = dict(zip(current["sha256"], current["unit_id"], strict=True))
    when = dict(zip(current["sha256"], current["when"], strict=True))
    docs = ctx.data.docs[
        ctx.data.docs["sha256"].isin(unit_of) & (ctx.data.docs["kind"] != "notice")
    ]
    docs = docs.assign(_when=docs["sha256"].map(when)).sort_values(["_when", "ordinal"])
    out: dict[str, dict[str, str]] = {}
    for sha, tags in zip(docs["sha256"], docs["tags"], strict=True):
        found = out.setdefault(unit_of[sha], {})
        for category, sentence, *_ in json.loads(tags):
            found.setdefault(category, _quotable(sentence))
    return out


def _quotable(sentence: str) -> str:
    """The sentence without a list marker before it or a clause mark after it."""
    return _ENUMERATION.sub("", sentence).strip().rstrip("；;，,、：:").strip()


def _numeral(n: int) -> str:
    return _NUMERALS[n - 1] if 1 <= n <= 10 else str(n)
