"""Activity categories by keyword rules read from rules/categories.toml.

Matching is per sentence and per clause. A phrase counts only where it lines
up with jieba's word boundaries (jieba knows every rule phrase through a user
dictionary), so 步行街 does not fire 步行 and 公交站 does not fire 公交.
Plain substring search finds the few sentences worth segmenting, which keeps
tagging fast (jieba is ~100x slower than a substring scan).

A hit is dropped when, in its clause, an exclusion phrase of its category
appears, or (in a report) a planned-action cue comes before it; a sentence
about another campaign (安全生产月…) triggers nothing. Every kept tag carries
the sentence behind it; every dropped hit is kept too, for ``tag --explain``.
"""

from __future__ import annotations

import re
import tempfile
import threading
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import jieba

from pipeline.errors import ConfigError
from pipeline.models import CATEGORY_IDS, Tag

_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|\n+")
_CLAUSE_END = re.compile(r"[，,、：:；;]")
_TITLE_LINES = 3


@dataclass(frozen=True)
class CategoryRule:
    id: str
    label: str
    phrases: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    require_any: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rules:
    categories: tuple[CategoryRule, ...]
    planned: tuple[str, ...] = ()
    other_campaigns: tuple[str, ...] = ()
    notice: tuple[str, ...] = ()
    campaign: tuple[str, ...] = ()

    def label(self, category: str) -> str:
        return next((c.label for c in self.categories if c.id == category), category)

    @cached_property
    def words(self) -> tuple[str, ...]:
        """The phrases the segmenter must keep whole (exclusions are matched as plain
        substrings of the clause, so they must not hide a phrase inside a longer word)."""
        return tuple(sorted({w for c in self.categories for w in c.phrases}))


@dataclass(frozen=True)
class Dropped:
    """A phrase that matched but did not count, and why (for ``tag --explain``)."""

    tag: Tag
    reason: str


@dataclass(frozen=True)
class Tagging:
    kind: str
    tags: tuple[Tag, ...] = ()
    dropped: tuple[Dropped, ...] = field(default=())


def load_rules(path: Path) -> Rules:
    """Read rules/categories.toml; errors name the file, the line and the reason."""
    try:
        source = path.read_text(encoding="utf-8")
        data = tomllib.loads(source)
    except FileNotFoundError:
        raise ConfigError("rules file not found", str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", str(path)) from None

    def fail(key: str, reason: str) -> ConfigError:
        return ConfigError(reason, f"{path}:{_line_of(source, key)}")

    def words(table: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise fail(key, f"{where}.{key} must be a list of non-empty strings")
        return tuple(value)

    cues = data.get("cues", {})
    cats = data.get("categories")
    if not isinstance(cats, dict) or not cats:
        raise fail("[categories", "no [categories.<id>] tables")
    rules = []
    for cid, table in cats.items():
        where = f"categories.{cid}"
        if cid not in CATEGORY_IDS:
            raise fail(f"[{where}]", f"unknown category id {cid!r}; use {', '.join(CATEGORY_IDS)}")
        if not isinstance(table.get("label"), str):
            raise fail(f"[{where}]", f"{where}.label is missing")
        phrases = words(table, "phrases", where)
        if not phrases:
            raise fail(f"[{where}]", f"{where}.phrases is empty")
        rules.append(
            CategoryRule(
                id=cid,
                label=table["label"],
                phrases=phrases,
                exclude=words(table, "exclude", where),
                require_any=words(table, "require_any", where),
            )
        )
    return Rules(
        categories=tuple(rules),
        planned=words(cues, "planned", "cues"),
        other_campaigns=words(cues, "other_campaigns", "cues"),
        notice=words(cues, "notice", "cues"),
        campaign=words(cues, "campaign", "cues"),
    )


def _line_of(source: str, needle: str) -> int:
    for number, line in enumerate(source.splitlines(), start=1):
        if needle in line:
            return number
    return 1


def sentences(text: str) -> list[str]:
    """Split a text into sentences (。！？； and line breaks), trimmed, non-empty."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


class Segmenter:
    """jieba with the rule phrases in its dictionary; one per rule set, shared."""

    _lock = threading.Lock()
    _cache: ClassVar[dict[tuple[str, ...], jieba.Tokenizer]] = {}

    def __init__(self, words: tuple[str, ...]) -> None:
        with self._lock:
            tokenizer = self._cache.get(words)
            if tokenizer is None:
                tokenizer = jieba.Tokenizer()
                tokenizer.tmp_dir = tempfile.gettempdir()
                jieba.setLogLevel(jieba.logging.WARNING)
                for word in words:
                    tokenizer.add_word(word)
                self._cache[words] = tokenizer
        self.tokenizer = tokenizer

    def boundaries(self, sentence: str) -> set[int]:
        """Character offsets where a word starts or ends."""
        cuts = {0}
        pos = 0
        for token in self.tokenizer.cut(sentence, HMM=False):
            pos += len(token)
            cuts.add(pos)
        return cuts


_REPORT_WORDS = ("总结", "情况", "报告", "简报", "动态", "汇报", "开展了")
_TITLE_WORDS = ("总结", "通知", "情况", "方案", "报告", "简报", "动态", "倡议", "汇报")


def is_title(line: str) -> bool:
    """A heading line: no closing punctuation and names the document type."""
    line = line.strip()
    return (
        0 < len(line) <= 60
        and line[-1] not in "。！？；!?;，,："
        and any(w in line for w in _TITLE_WORDS)
    )


def document_kind(text: str, rules: Rules, has_tags: bool, title: str = "") -> str:
    """Return "notice" when the title says 通知/倡议书/方案 (and not 总结/情况) or the text is
    addressed to many units (各街道、各部门：), "unrelated" when nothing in it concerns
    the campaign, else "report". `title` is the mail subject or file name, if any."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    heading = "\n".join([title, *(ln for ln in lines[:_TITLE_LINES] if is_title(ln))])
    if not has_tags and not any(w in text for w in rules.campaign):
        return "unrelated"
    forwarded = title.lower().startswith(("转发", "fwd", "fw:", "转："))
    if not forwarded and any(w in heading for w in _REPORT_WORDS):
        return "report"
    addressed_to_all = any(ln.startswith("各") and ln.endswith(("：", ":")) for ln in lines[:3])
    if addressed_to_all or any(w in heading for w in rules.notice):
        return "notice"
    return "report"


def tag(text: str, rules: Rules, title: str = "") -> Tagging:
    """Find the categories a text reports (or, in a notice, asks for), with evidence.

    Heading lines are not evidence: a title naming the campaign (…全国低碳日活动总结)
    says nothing about what was done."""
    segmenter = Segmenter(rules.words)
    kept: list[Tag] = []
    dropped: list[Dropped] = []
    provisional_kind = document_kind(text, rules, has_tags=True, title=title)
    for sentence in sentences(text):
        hits = [] if is_title(sentence) else _hits(sentence, rules)
        if not hits:
            continue
        cuts = segmenter.boundaries(sentence)
        found: set[str] = set()
        for rule, phrase, start in hits:
            if rule.id in found or start not in cuts or start + len(phrase) not in cuts:
                continue
            t = Tag(rule.id, sentence, phrase)
            reason = _why_not(rule, sentence, phrase, start, rules, provisional_kind)
            if reason:
                dropped.append(Dropped(t, reason))
            else:
                kept.append(t)
                found.add(rule.id)
    kind = document_kind(text, rules, has_tags=bool(kept), title=title)
    return Tagging(kind=kind, tags=tuple(kept), dropped=tuple(dropped))


def _hits(sentence: str, rules: Rules) -> list[tuple[CategoryRule, str, int]]:
    out = []
    for rule in rules.categories:
        for phrase in rule.phrases:
            start = sentence.find(phrase)
            while start >= 0:
                out.append((rule, phrase, start))
                start = sentence.find(phrase, start + 1)
    return out


def _why_not(
    rule: CategoryRule, sentence: str, phrase: str, start: int, rules: Rules, kind: str
) -> str:
    """The reason a hit does not count, or "" when it does."""
    other = next((w for w in rules.other_campaigns if w in sentence), "")
    if other:
        return f"其他活动（{other}）"
    clause = _clause_at(sentence, start)
    excluded = next((w for w in rule.exclude if w in clause), "")
    if excluded:
        return f"排除词（{excluded}）"
    if rule.require_any and not any(w in sentence for w in rule.require_any):
        return f"缺少{'/'.join(rule.require_any[:3])}等词"
    if kind == "report":
        # the cue must stand before the phrase in its own clause, or open the sentence
        before = clause[: max(0, clause.find(phrase))]
        planned = next(
            (w for w in rules.planned if w in before or (sentence.startswith(w) and len(w) > 1)),
            "",
        )
        if planned:
            return f"计划中的工作（{planned}）"
    return ""


def _clause_at(sentence: str, start: int) -> str:
    begin = 0
    for m in _CLAUSE_END.finditer(sentence):
        if m.start() >= start:
            return sentence[begin : m.start()]
        begin = m.end()
    return sentence[begin:]
