"""Activity categories by the rules in rules/categories.toml, with evidence.

A document is read sentence by sentence (see `passages`). In each sentence the
phrases of every category are found where they line up with jieba's word
boundaries; then each hit is checked against its context, in this order:

1. the document's title block is not evidence, and an unrelated document
   (another campaign's report, a meeting notice) gives no tags;
2. a sentence naming another campaign (安全生产月, 城市节水宣传周 …), and the rest
   of its paragraph, belongs to that campaign;
3. the category's own mask (步行街), exclusions (调度) and required context
   (低碳日 with an activity in the same sentence);
4. the context cues, in the order of the rules file: planned (将…, 下一步), negated,
   quoted slogan text, closing slogans, purpose clauses, publicity content,
   things taught to children, appeals to the public.

Every kept tag carries its sentence and the phrase that fired; every cancelled
hit is kept with the reason, for ``mailroll tag --explain``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from pipeline.figures import counts, table_counts
from pipeline.models import Tag
from pipeline.passages import (
    Sentence,
    clause_at,
    clause_spans,
    document,
    is_background,
    is_heading_line,
    quote_spans,
    split_sentences,
    strip_enumerator,
)
from pipeline.segment import Segmenter
from pipeline.tagrules import CategoryRule, Cue, Pattern, Rules, load_rules

__all__ = ["Dropped", "Rules", "Tagging", "document_kind", "is_title", "load_rules", "tag"]

_TITLE_WORDS = ("总结", "通知", "情况", "方案", "报告", "简报", "动态", "倡议", "汇报")
_FORWARDED = ("转发", "fwd", "fw:", "fw：", "转：")
_ADDRESSED_TO_ALL = re.compile(r"^各.{1,40}[：:]$")
_QUOTE_WINDOW = 6
_NOT_A_WORD = "不是完整的词"


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
    kind_reason: str = ""
    counted: str = ""  # the text whose numbers are the unit's own figures


@dataclass(frozen=True)
class _Hit:
    rule: CategoryRule
    phrase: str
    start: int
    end: int
    parts: tuple[tuple[int, int], ...]  # spans of the literal parts, for word boundaries


def sentences(text: str) -> list[str]:
    """Split a text into sentences (。！？； and line breaks), trimmed, non-empty."""
    return split_sentences(text)


def is_title(line: str) -> bool:
    """A heading line: no closing punctuation and names the document type."""
    return is_heading_line(line) and any(w in line for w in _TITLE_WORDS)


def document_kind(text: str, rules: Rules, title: str = "") -> str:
    """ "report", "notice" (通知, 方案, 倡议书: telling others what to do) or "unrelated"."""
    return tag(text, rules, title).kind


def tag(text: str, rules: Rules, title: str = "") -> Tagging:
    """Find the categories a text reports as done (in a notice: asks for), with evidence.

    `title` is the mail subject or the file name, if any; it helps tell a notice
    from a report and is never evidence itself."""
    doc = document(text)
    kind, kind_reason = _kind(doc, text, rules, title)
    others = _other_campaign(doc, rules)
    segmenter = Segmenter(rules.words)
    kept: list[Tag] = []
    dropped: list[Dropped] = []
    previous: Sentence | None = None
    for s in doc:
        hits = _hits(s, previous, rules)
        if s.role == "body":
            previous = s
        if not hits:
            continue
        cuts = segmenter.boundaries(s.text)
        found: set[str] = set()
        cancelled: dict[str, Dropped] = {}  # the first cancelled hit per category
        for hit in hits:
            if hit.rule.id in found:
                continue
            reason = _why_not(hit, s, cuts, kind, kind_reason, others, rules)
            t = Tag(hit.rule.id, s.text, hit.phrase)
            if not reason:
                kept.append(t)
                found.add(hit.rule.id)
            elif hit.rule.id not in cancelled or cancelled[hit.rule.id].reason == _NOT_A_WORD:
                cancelled[hit.rule.id] = Dropped(t, reason)
        dropped.extend(d for c, d in cancelled.items() if c not in found)
    kept, dropped = _min_evidence(kept, dropped, rules)
    kept.sort(key=lambda t: _weak_evidence(t.sentence))  # stable: the best sentence first
    kind, kind_reason = _unrelated_after_all(
        kind, kind_reason, bool(kept), f"{title}\n{text}", rules
    )
    if kind == "unrelated":
        dropped = [Dropped(t, f"与本次活动无关（{kind_reason}）") for t in kept] + dropped
        kept = []
    counted = _counted_text(doc, kind, others, rules)
    kept.extend(_from_figures(counted, {t.category for t in kept}, rules))
    return Tagging(kind, tuple(kept), tuple(dropped), kind_reason, counted)


# -- finding hits ------------------------------------------------------------------------------


def _hits(s: Sentence, previous: Sentence | None, rules: Rules) -> list[_Hit]:
    """Every phrase occurrence in the sentence, longest first where they overlap."""
    out: list[_Hit] = []
    for rule in rules.categories:
        for pattern in rule.phrases:
            for start, end in pattern.spans(s.text):
                out.append(
                    _Hit(rule, s.text[start:end], start, end, _part_spans(s.text, pattern, start))
                )
        out.extend(_carried(s, previous, rule))
    out.sort(key=lambda h: (h.start, -(h.end - h.start)))
    return out


def _part_spans(text: str, pattern: Pattern, start: int) -> tuple[tuple[int, int], ...]:
    spans, pos = [], start
    for part in pattern.parts:
        at = text.find(part, pos)
        spans.append((at, at + len(part)))
        pos = at + len(part)
    return tuple(spans)


def _carried(s: Sentence, previous: Sentence | None, rule: CategoryRule) -> list[_Hit]:
    """ "5月15日是全国低碳日。当天，……": a clause opening with a carry word refers back to the
    phrase named in the clause or sentence before it."""
    if not rule.carry or s.role != "body":
        return []
    out = []
    spans = clause_spans(s.text)
    for n, (start, end) in enumerate(spans):
        body = strip_enumerator(s.text[start:end]).lstrip()
        word = next((w for w in rule.carry if body.startswith(w)), None)
        if word is None:
            continue
        before = s.text[: spans[n - 1][1]] if n else (previous.text if previous else "")
        if any(any(True for _ in p.spans(before)) for p in rule.phrases):
            at = s.text.find(word, start)
            out.append(_Hit(rule, word, at, at + len(word), ((at, at + len(word)),)))
    return out


# -- deciding whether a hit counts -------------------------------------------------------------


def _why_not(
    hit: _Hit,
    s: Sentence,
    cuts: set[int],
    kind: str,
    kind_reason: str,
    others: dict[int, str],
    rules: Rules,
) -> str:
    """The reason a hit does not count, or "" when it does."""
    if s.role == "title":
        return "标题不作为依据"
    if kind == "unrelated":
        return f"与本次活动无关（{kind_reason}）"
    if s.index in others:
        return f"其他活动（{others[s.index]}）"
    if not _on_word_boundary(hit, cuts):
        return _NOT_A_WORD
    rule = hit.rule
    mask = _covering(rule.mask, s.text, hit.start, hit.end)
    if mask:
        return f"词义不同（{mask}）"
    clause = clause_at(s.text, hit.start)
    excluded = _first(rule.exclude, strip_enumerator(s.text[clause[0] : clause[1]]))
    if excluded:
        return f"排除词（{excluded}）"
    if rule.require and not _required(rule, s, hit, rules):
        return f"缺少相关的词（{'、'.join(rule.require[:4])}…）"
    for cue in rules.cues:
        if rule.id in cue.applies_to and kind in cue.kinds:
            word = _cue_word(cue, s, hit.start, hit.end)
            if word:
                return f"{cue.reason}（{word}）"
    return ""


def _on_word_boundary(hit: _Hit, cuts: set[int]) -> bool:
    """Each part (of two characters or more) starts or ends where a word does: 节电 does not
    fire inside 调节电压. A part that begins a longer word (步行街) passes: such words go
    in the category's mask when they mean something else."""
    return all(a in cuts or b in cuts for a, b in hit.parts if b - a > 1)


def _required(rule: CategoryRule, s: Sentence, hit: _Hit, rules: Rules) -> bool:
    if any(w in s.text for w in rule.require):
        return True
    if not rule.require_any_phrase:
        return False
    return any(
        any(True for _ in p.spans(s.text))
        for other in rules.categories
        if other.id != rule.id
        for p in other.phrases
    )


def _cue_word(cue: Cue, s: Sentence, start: int, end: int) -> str:
    """The cue word that cancels a hit at [start, end) of the sentence, or ""."""
    text = s.text
    if cue.scope == "quote":
        return _quote_cue(cue, text, start, end)
    region = (0, len(text)) if cue.scope == "sentence" else clause_at(text, start)
    chunk = text[region[0] : region[1]]
    if any(u in chunk for u in cue.unless):
        return ""
    if cue.with_ and not _first(cue.with_, chunk):
        return ""
    if cue.headings and cue.position == "before" and s.heading:
        word = _word_in(cue, s.heading, 0, len(s.heading))
        if word:
            return word
    lead = region[0] + (len(chunk) - len(strip_enumerator(chunk).lstrip()))
    quotes = quote_spans(text)
    for pattern in cue.words:
        for a, b in pattern.spans(chunk):
            a, b = a + region[0], b + region[0]
            if _within(cue.not_within, text, a, b) or _quoted_apart(quotes, a, b, start, end):
                continue
            if (
                (cue.position == "before" and a < start)
                or (cue.position == "after" and a >= end and "、" not in text[end:a])
                or (cue.position == "opens" and a == lead)
                or cue.position == "any"
            ):
                return text[a:b]
    return ""


def _quoted_apart(quotes: list[tuple[int, int]], a: int, b: int, start: int, end: int) -> bool:
    """Whether the cue [a, b) is quoted text the hit [start, end) is not part of: the words
    of a slogan (“节约能源，人人有责”) are not the writer's own context."""
    return any(o < a and b <= c and not (o < start and end <= c) for o, c in quotes)


def _word_in(cue: Cue, text: str, lo: int, hi: int) -> str:
    for pattern in cue.words:
        for a, b in pattern.spans(text[lo:hi]):
            if not _within(cue.not_within, text, a + lo, b + lo):
                return text[a + lo : b + lo]
    return ""


def _quote_cue(cue: Cue, text: str, start: int, end: int) -> str:
    """A hit inside quotation marks with a cue right before the opening mark (or the mark
    itself, 《) or right after the closing one (…”等宣传横幅)."""
    inside = [(o, c) for o, c in quote_spans(text) if o < start and end <= c]
    if not inside:
        return ""
    opening, closing = max(inside)  # the innermost quote
    if cue.position == "before":
        return _word_in(cue, text, max(0, opening - _QUOTE_WINDOW), opening + 1)
    after = closing + 1
    spans = quote_spans(text)
    while True:  # skip further quotes in a row: “节能降碳”“绿色出行”等宣传横幅
        after += len(text[after:]) - len(text[after:].lstrip("、和及与 "))
        nxt = next((c for o, c in spans if o == after), None)
        if nxt is None:
            break
        after = nxt + 1
    return _word_in(cue, text, after, min(len(text), after + _QUOTE_WINDOW))


def _first(patterns: Iterable[Pattern], text: str) -> str:
    for pattern in patterns:
        for a, b in pattern.spans(text):
            return text[a:b]
    return ""


def _covering(patterns: Iterable[Pattern], text: str, start: int, end: int) -> str:
    for pattern in patterns:
        for a, b in pattern.spans(text):
            if a <= start and end <= b:
                return text[a:b]
    return ""


def _within(words: Iterable[str], text: str, start: int, end: int) -> bool:
    """Whether [start, end) lies inside an occurrence of one of `words`."""
    for word in words:
        at = text.find(word, max(0, start - len(word)))
        while 0 <= at <= start:
            if at + len(word) >= end:
                return True
            at = text.find(word, at + 1)
    return False


def _from_figures(counted: str, found: set[str], rules: Rules) -> list[Tag]:
    """A category given by a counted figure (发放资料600份 is publicity even where no phrase
    fired, as in a statistics table)."""
    out = []
    for rule in rules.categories:
        if rule.id in found or not rule.figures:
            continue
        for line in counted.splitlines():
            hit = next(
                (c for c in counts(line) + table_counts(line) if c.key in rule.figures), None
            )
            if hit is None and "\t" in line:
                hit = next(
                    (c for c in table_counts(_with_header(counted, line)) if c.key in rule.figures),
                    None,
                )
            if hit:
                out.append(Tag(rule.id, line, hit.noun or hit.text))
                break
    return out


def _with_header(text: str, row: str) -> str:
    """A table row with the header row above it, so its columns can be read."""
    lines = text.splitlines()
    at = lines.index(row)
    start = at
    while start > 0 and "\t" in lines[start - 1]:
        start -= 1
    return "\n".join(lines[start : at + 1])


def _weak_evidence(sentence: str) -> bool:
    """A section title (三、节约用电。) or the campaign's framing: shown only if nothing better."""
    return len(strip_enumerator(sentence)) < 12 or is_background(sentence)


def _min_evidence(
    kept: list[Tag], dropped: list[Dropped], rules: Rules
) -> tuple[list[Tag], list[Dropped]]:
    needed = {r.id: r.min_evidence for r in rules.categories if r.min_evidence > 1}
    if not needed:
        return kept, dropped
    counts: dict[str, int] = {}
    for t in kept:
        counts[t.category] = counts.get(t.category, 0) + 1
    weak = {c for c, n in needed.items() if 0 < counts.get(c, 0) < n}
    moved = [
        Dropped(t, f"证据不足（至少需要{needed[t.category]}句）")
        for t in kept
        if t.category in weak
    ]
    return [t for t in kept if t.category not in weak], dropped + moved


# -- other campaigns, kind, figures' text ------------------------------------------------------


def _other_campaign(doc: list[Sentence], rules: Rules) -> dict[int, str]:
    """Sentences belonging to another campaign: {index: the campaign's name}.

    A sentence naming another campaign belongs to it, and so does the rest of its
    paragraph, until a sentence names this campaign again."""
    out: dict[int, str] = {}
    carried: tuple[int, str] | None = None
    for s in doc:
        if s.role != "body":
            carried = None
            continue
        name = _other_name(s.text, rules)
        if name:
            out[s.index] = name
            carried = (s.paragraph, name)
        elif carried and carried[0] == s.paragraph and not _names_campaign(s.text, rules):
            out[s.index] = carried[1]
        else:
            carried = None
    return out


def _other_name(text: str, rules: Rules) -> str:
    """The first other campaign named in `text` (not overlapping a word of this campaign)."""
    for pattern in rules.other_campaigns:
        for a, b in pattern.spans(text):
            name = text[a:b]
            if not any(w in name for w in rules.campaign):
                return name.strip('“”"‘’（）() ')
    return ""


def _names_campaign(text: str, rules: Rules) -> bool:
    return any(w in text for w in rules.campaign)


def _kind(doc: list[Sentence], text: str, rules: Rules, title: str) -> tuple[str, str]:
    heading = "\n".join(s.text for s in doc if s.role == "title")
    top = f"{heading}\n{title}".strip()
    other = _other_name(top, rules)
    if other and not _names_campaign(top, rules):
        return "unrelated", f"标题是其他活动：{other}"
    if title.strip().lower().startswith(_FORWARDED):
        return "notice", "转发的文件"
    for source in (heading, title):
        word, is_notice = _last_type_word(source, rules)
        if word:
            return ("notice", f"标题：{word}") if is_notice else ("report", f"标题：{word}")
    body = [s.text for s in doc if s.role == "body"]
    if any(_ADDRESSED_TO_ALL.match(line.strip()) for line in text.strip().splitlines()[:4]):
        return "notice", "发给各单位"
    phrase = next((p for p in rules.kind.notice_phrases if any(p in b for b in body)), "")
    if phrase and not any(p in b for p in rules.kind.report_phrases for b in body):
        return "notice", f"正文：{phrase}"
    return "report", "默认为报告"


def _unrelated_after_all(
    kind: str, reason: str, tagged: bool, text: str, rules: Rules
) -> tuple[str, str]:
    """A notice that never mentions this campaign asks for something else (党纪知识测试);
    a text with no category that does not even name the campaign is unrelated (请假条)."""
    if kind == "notice" and not _names_campaign(text, rules):
        return "unrelated", "通知没有提到节能、低碳等本次活动的内容"
    if not tagged and kind != "unrelated" and not any(n in text for n in rules.campaign_names):
        return "unrelated", "没有任何活动，也没有提到本次活动"
    return kind, reason


def _last_type_word(text: str, rules: Rules) -> tuple[str, bool]:
    """The document-type word that comes last in a title ("关于报送总结的通知" → 通知)."""
    best, best_at, is_notice = "", -1, False
    for words, notice in ((rules.kind.notice_titles, True), (rules.kind.report_titles, False)):
        for w in words:
            at = text.rfind(w)
            if at > best_at or (at == best_at and at >= 0 and len(w) > len(best)):
                best, best_at, is_notice = w, at, notice
    return best, is_notice


def _counted_text(doc: list[Sentence], kind: str, others: dict[int, str], rules: Rules) -> str:
    """The text whose numbers are the unit's own figures: a report's sentences, without other
    campaigns' passages and without what follows a planned or negated cue."""
    if kind != "report":
        return ""
    cues = [c for c in rules.cues if c.numbers and kind in c.kinds]
    out = []
    for s in doc:
        if s.role == "title" or s.index in others:
            continue
        cut = len(s.text)
        for cue in cues:
            if cue.headings and s.heading and _word_in(cue, s.heading, 0, len(s.heading)):
                cut = 0
            for pattern in cue.words:
                for a, b in pattern.spans(s.text):
                    if not _within(cue.not_within, s.text, a, b):
                        cut = min(cut, a)
        if cut:
            out.append(s.text[:cut])
    return "\n".join(out)
