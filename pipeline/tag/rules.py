"""The tagging rules, read from rules/categories.toml into frozen dataclasses.

The file is meant to be read and edited by officials, so every mistake is
reported at load time with the file, the line and what to write instead
(`ConfigError("…", "rules/categories.toml:42")`), never later in the middle of a
run. The format itself is documented in the file's own header comment.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.models import CATEGORY_IDS, FIGURE_KEYS, KINDS
from pipeline.tag.patterns import GAP, MAX_GAP, Pattern, PatternIndex

MAX_NAME_GAP = 8  # the same inside [campaign] other ("世界…日")
SCOPES = ("clause", "sentence", "quote")
POSITIONS = ("before", "after", "opens", "any")


@dataclass(frozen=True)
class Cue:
    """Context words that cancel a hit (planned, negated, slogan, publicity content …)."""

    name: str
    reason: str
    words: tuple[Pattern, ...]
    with_: tuple[Pattern, ...] = ()
    not_within: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    scope: str = "clause"
    position: str = "before"
    headings: bool = False
    applies_to: frozenset[str] = frozenset(CATEGORY_IDS)
    kinds: frozenset[str] = frozenset(KINDS)
    numbers: bool = False
    spoken: bool = False  # scope "quote": a quoted whole sentence (“……。”) is the cue itself

    @cached_property
    def word_index(self) -> PatternIndex[None]:
        """The cue's words, indexed: `present(text)` are the only ones that can match."""
        return PatternIndex((p, None) for p in self.words)

    def present(self, text: str) -> list[Pattern]:
        """The cue's words whose first part occurs in `text`, in the rules' order."""
        return [p for p, _ in self.word_index.present(text)]

    def word_in(self, text: str, lo: int = 0, hi: int | None = None) -> str:
        """The first of the cue's words in text[lo:hi] that is not part of a not_within word."""
        hi = len(text) if hi is None else hi
        for pattern in self.present(text[lo:hi]):
            for a, b in pattern.spans(text[lo:hi]):
                if not inside_any(self.not_within, text, a + lo, b + lo):
                    return text[a + lo : b + lo]
        return ""


def inside_any(words: Iterable[str], text: str, start: int, end: int) -> bool:
    """Whether [start, end) lies inside an occurrence of one of `words` in `text`."""
    for word in words:
        at = text.find(word, max(0, start - len(word)))
        while 0 <= at <= start:
            if at + len(word) >= end:
                return True
            at = text.find(word, at + 1)
    return False


@dataclass(frozen=True)
class CategoryRule:
    id: str
    label: str
    phrases: tuple[Pattern, ...]
    mask: tuple[Pattern, ...] = ()
    exclude: tuple[Pattern, ...] = ()
    require: tuple[str, ...] = ()
    require_any_phrase: bool = False
    carry: tuple[str, ...] = ()
    figures: frozenset[str] = frozenset()  # counted figures that also give the category
    min_evidence: int = 1
    general: frozenset[str] = frozenset()  # phrases naming a whole area (绿色办公, 节水)
    title_counts: bool = False  # the title may be evidence (开展全国低碳日宣传活动)
    review_single: bool = False  # a tick resting on one sentence is marked 待核 in 明细


@dataclass(frozen=True)
class GeneralRule:
    """A phrase that only names an area (绿色办公, 垃圾分类) counts when its sentence says
    who at the unit does it or how: one of `needs` in the same sentence."""

    reason: str = ""
    needs: tuple[Pattern, ...] = ()
    kinds: frozenset[str] = frozenset(KINDS)
    # a specific practice of one of these categories in the sentence (停开空调) shows it too
    practices_of: frozenset[str] = frozenset()


@dataclass(frozen=True)
class KindRules:
    notice_titles: tuple[str, ...] = ()
    report_titles: tuple[str, ...] = ()
    notice_phrases: tuple[str, ...] = ()
    report_phrases: tuple[str, ...] = ()
    weak_report_titles: tuple[str, ...] = ()  # 开展, 举办: a title that may announce a plan
    planned_openings: tuple[str, ...] = ()  # 将于, 定于: an opening that announces one


@dataclass(frozen=True)
class Rules:
    categories: tuple[CategoryRule, ...]
    cues: tuple[Cue, ...] = ()
    campaign: tuple[str, ...] = ()
    campaign_names: tuple[str, ...] = ()
    other_campaigns: tuple[Pattern, ...] = ()
    kind: KindRules = KindRules()
    general: GeneralRule = GeneralRule()
    unit_name_endings: tuple[str, ...] = ()  # 公共交通|集团: a phrase inside a unit's name

    def label(self, category: str) -> str:
        return next((c.label for c in self.categories if c.id == category), category)

    def category(self, category: str) -> CategoryRule | None:
        return next((c for c in self.categories if c.id == category), None)

    def to_review(self, evidence: Iterable[str]) -> frozenset[str]:
        """Of a document's evidence (one category id per kept sentence), the categories
        that rest on one sentence and whose rules ask for that to be marked 待核
        (`review_single`)."""
        count = Counter(evidence)
        return frozenset(c.id for c in self.categories if c.review_single and count[c.id] == 1)

    @cached_property
    def words(self) -> tuple[str, ...]:
        """Every literal part of a phrase or mask: the segmenter keeps these whole."""
        found = {
            part
            for c in self.categories
            for pattern in (*c.phrases, *c.mask)
            for part in pattern.parts
            if len(part) > 1
        }
        return tuple(sorted(found))

    @cached_property
    def phrase_index(self) -> PatternIndex[CategoryRule]:
        """Every category's phrases with their category, indexed for tagging's sentence scan."""
        return PatternIndex((p, c) for c in self.categories for p in c.phrases)

    @cached_property
    def cue_index(self) -> PatternIndex[str]:
        """Every cue's words with the cue's name, indexed: one pass tells which cues can
        apply in a sentence at all."""
        return PatternIndex((p, c.name) for c in self.cues for p in c.words)

    def cues_present(self, text: str) -> frozenset[str]:
        """The names of the cues one of whose words may occur in `text`."""
        return frozenset(name for _, name in self.cue_index.present(text))

    @cached_property
    def other_index(self) -> PatternIndex[None]:
        """The other campaigns' names ([campaign] other), indexed likewise."""
        return PatternIndex((p, None) for p in self.other_campaigns)


_CATEGORY_KEYS = {
    "label", "phrases", "mask", "exclude", "require", "require_any_phrase", "carry", "figures",
    "min_evidence", "general", "title_counts", "review_single",
}  # fmt: skip
_CUE_KEYS = {
    "reason", "words", "with", "not_within", "unless", "scope", "position", "headings",
    "applies_to", "kinds", "numbers", "spoken",
}  # fmt: skip
_KIND_KEYS = {
    "notice_titles", "report_titles", "notice_phrases", "report_phrases", "weak_report_titles",
    "planned_openings",
}  # fmt: skip
_CAMPAIGN_KEYS = {"words", "names", "other"}
_GENERAL_KEYS = {"reason", "needs", "kinds", "practices_of"}


class _Reader:
    """Typed access to one table of the TOML source, failing with file:line and reason."""

    def __init__(self, path: Path, source: str) -> None:
        self.path = path
        self.lines = source.splitlines()

    def line_of(self, table: str, key: str | None = None) -> int:
        """The line of `[table]` (or of `key = …` inside it); 1 when not found."""
        header = re.compile(r"^\s*\[\s*" + re.escape(table).replace(r"\.", r"\s*\.\s*") + r"\s*\]")
        for number, line in enumerate(self.lines, start=1):
            if header.match(line):
                if key is None:
                    return number
                for offset, inner in enumerate(self.lines[number:], start=number + 1):
                    if re.match(r"^\s*\[", inner):
                        break
                    if re.match(rf"^\s*{re.escape(key)}\s*=", inner):
                        return offset
                return number
        return 1

    def fail(self, table: str, key: str | None, reason: str) -> ConfigError:
        return ConfigError(reason, f"{self.path}:{self.line_of(table, key)}")

    def check_keys(self, table: str, data: dict[str, Any], allowed: set[str]) -> None:
        for key in data:
            if key not in allowed:
                raise self.fail(
                    table,
                    key,
                    f"unknown key {key!r} in [{table}]; use {', '.join(sorted(allowed))}",
                )

    def texts(self, table: str, data: dict[str, Any], key: str) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(table, key, f"{table}.{key} must be a list of non-empty strings")
        return tuple(v.strip() for v in value)

    def patterns(
        self, table: str, data: dict[str, Any], key: str, max_gap: int = MAX_GAP
    ) -> tuple[Pattern, ...]:
        out = []
        for text in self.texts(table, data, key):
            if not text.replace(GAP, ""):
                raise self.fail(table, key, f"{table}.{key}: {text!r} has no words besides …")
            if "..." in text:
                raise self.fail(table, key, f"{table}.{key}: write the gap as … (one character)")
            out.append(Pattern(text, max_gap))
        return tuple(out)

    def choice(self, table: str, data: dict[str, Any], key: str, allowed: tuple[str, ...]) -> str:
        value = data.get(key, allowed[0])
        if value not in allowed:
            raise self.fail(table, key, f"{table}.{key} must be one of {', '.join(allowed)}")
        return value

    def flag(self, table: str, data: dict[str, Any], key: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            raise self.fail(table, key, f"{table}.{key} must be true or false")
        return value

    def ids(
        self, table: str, data: dict[str, Any], key: str, allowed: tuple[str, ...]
    ) -> frozenset[str]:
        if key not in data:
            return frozenset(allowed)
        values = self.texts(table, data, key)
        for v in values:
            if v not in allowed:
                raise self.fail(
                    table, key, f"{table}.{key}: unknown {v!r}; use {', '.join(allowed)}"
                )
        return frozenset(values)


def load_rules(path: Path) -> Rules:
    """Read rules/categories.toml; errors name the file, the line and the reason."""
    try:
        source = path.read_text(encoding="utf-8")
        data = tomllib.loads(source)
    except FileNotFoundError:
        raise ConfigError("rules file not found", str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"invalid TOML: {exc}", str(path)) from None
    reader = _Reader(path, source)
    for key in data:
        if key not in ("campaign", "kind", "cues", "general", "unit_names", "categories"):
            raise reader.fail(
                key,
                None,
                f"unknown table [{key}]; use campaign, kind, cues, general, unit_names, categories",
            )
    campaign = _table(reader, data, "campaign")
    reader.check_keys("campaign", campaign, _CAMPAIGN_KEYS)
    kind = _table(reader, data, "kind")
    reader.check_keys("kind", kind, _KIND_KEYS)
    cues = tuple(_cue(reader, name, t) for name, t in _table(reader, data, "cues").items())
    general = _table(reader, data, "general")
    reader.check_keys("general", general, _GENERAL_KEYS)
    unit_names = _table(reader, data, "unit_names")
    reader.check_keys("unit_names", unit_names, {"endings"})
    categories = _table(reader, data, "categories")
    if not categories:
        raise reader.fail("categories", None, "no [categories.<id>] tables")
    return Rules(
        categories=tuple(_category(reader, cid, t) for cid, t in categories.items()),
        cues=cues,
        campaign=reader.texts("campaign", campaign, "words"),
        campaign_names=reader.texts("campaign", campaign, "names"),
        other_campaigns=reader.patterns("campaign", campaign, "other", MAX_NAME_GAP),
        kind=KindRules(**{k: reader.texts("kind", kind, k) for k in _KIND_KEYS}),
        general=GeneralRule(
            reason=str(general.get("reason", "")).strip() or "只是泛泛提到",
            needs=reader.patterns("general", general, "needs"),
            kinds=reader.ids("general", general, "kinds", KINDS),
            practices_of=reader.ids("general", general, "practices_of", CATEGORY_IDS)
            if "practices_of" in general
            else frozenset(),
        ),
        unit_name_endings=reader.texts("unit_names", unit_names, "endings"),
    )


def _table(reader: _Reader, data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise reader.fail(key, None, f"{key} must be a table: [{key}]")
    return value


def _category(reader: _Reader, cid: str, table: Any) -> CategoryRule:
    where = f"categories.{cid}"
    if cid not in CATEGORY_IDS:
        raise reader.fail(
            where, None, f"unknown category id {cid!r}; use {', '.join(CATEGORY_IDS)}"
        )
    if not isinstance(table, dict):
        raise reader.fail(where, None, f"{where} must be a table")
    reader.check_keys(where, table, _CATEGORY_KEYS)
    if not isinstance(table.get("label"), str) or not table["label"].strip():
        raise reader.fail(where, None, f'{where}.label is missing (label = "中文名称")')
    phrases = reader.patterns(where, table, "phrases")
    if not phrases:
        raise reader.fail(where, "phrases", f"{where}.phrases is empty")
    general = reader.texts(where, table, "general")
    written = {p.text for p in phrases}
    for text in general:
        if text not in written:
            raise reader.fail(where, "general", f"{where}.general: {text!r} is not in phrases")
    min_evidence = table.get("min_evidence", 1)
    if not isinstance(min_evidence, int) or isinstance(min_evidence, bool) or min_evidence < 1:
        raise reader.fail(where, "min_evidence", f"{where}.min_evidence must be a whole number ≥ 1")
    return CategoryRule(
        id=cid,
        label=table["label"].strip(),
        phrases=phrases,
        mask=reader.patterns(where, table, "mask"),
        exclude=reader.patterns(where, table, "exclude"),
        require=reader.texts(where, table, "require"),
        require_any_phrase=reader.flag(where, table, "require_any_phrase"),
        carry=reader.texts(where, table, "carry"),
        figures=reader.ids(where, table, "figures", FIGURE_KEYS)
        if "figures" in table
        else frozenset(),
        min_evidence=min_evidence,
        general=frozenset(general),
        title_counts=reader.flag(where, table, "title_counts"),
        review_single=reader.flag(where, table, "review_single"),
    )


def _cue(reader: _Reader, name: str, table: Any) -> Cue:
    where = f"cues.{name}"
    if not isinstance(table, dict):
        raise reader.fail(where, None, f"{where} must be a table")
    reader.check_keys(where, table, _CUE_KEYS)
    words = reader.patterns(where, table, "words")
    if not words:
        raise reader.fail(where, "words", f"{where}.words is empty")
    reason = table.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        raise reader.fail(where, None, f'{where}.reason is missing (reason = "中文原因")')
    return Cue(
        name=name,
        reason=reason.strip(),
        words=words,
        with_=reader.patterns(where, table, "with"),
        not_within=reader.texts(where, table, "not_within"),
        unless=reader.texts(where, table, "unless"),
        scope=reader.choice(where, table, "scope", SCOPES),
        position=reader.choice(where, table, "position", POSITIONS),
        headings=reader.flag(where, table, "headings"),
        applies_to=reader.ids(where, table, "applies_to", CATEGORY_IDS),
        kinds=reader.ids(where, table, "kinds", KINDS),
        numbers=reader.flag(where, table, "numbers"),
        spoken=reader.flag(where, table, "spoken"),
    )
