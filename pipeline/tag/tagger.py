"""Activity categories by the rules in rules/categories.toml, with evidence.

A document is read sentence by sentence (see `passages`). In each sentence the
phrases of every category are found where they line up with jieba's word
boundaries; then each hit is checked against its context, in this order:

1. the document's title block is not evidence (except for a category with
   `title_counts`: 开展全国低碳日宣传活动), and an unrelated document
   (another campaign's report, a meeting notice) gives no tags;
2. a sentence naming another campaign (安全生产月, 城市节水宣传周 …), and the rest
   of its paragraph, belongs to that campaign;
3. the category's own mask (步行街), exclusions (调度) and required context
   (低碳日 with an activity in the same sentence);
4. the context cues, in the order of the rules file: planned (将…, 下一步), negated,
   a problem found, quoted slogan or sign text, someone's words (a quoted whole
   sentence: “大爷，记得……省电。”), closing slogans, purpose clauses and aims,
   publicity content, things taught to children, appeals to the public;
5. a phrase that only names an area (绿色办公, 节约用电: the category's `general`)
   counts only when its sentence names the unit's own people or a specific practice.

Every kept tag carries its sentence and the phrase that fired; every cancelled
hit is kept with the reason, for ``mailroll tag --explain``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pipeline.models import Tag
from pipeline.tag.context import (
    counted_text,
    from_figures,
    kind_of,
    other_campaign,
    other_clause,
    tied_to_day,
    unrelated_after_all,
)
from pipeline.tag.passages import (
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
from pipeline.tag.rules import CategoryRule, Cue, Pattern, Rules, inside_any, load_rules
from pipeline.tag.segment import Segmenter

__all__ = ["Dropped", "Rules", "Tagging", "document_kind", "is_title", "load_rules", "tag"]

_TITLE_WORDS = ("总结", "通知", "情况", "方案", "报告", "简报", "动态", "倡议", "汇报")
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
    written: str = ""  # the phrase as the rules write it (节约…用电)


def sentences(text: str) -> list[str]:
    """Split a text into sentences (。！？； and line breaks), trimmed, non-empty."""
    return split_sentences(text)


def is_title(line: str) -> bool:
    """A heading line: no closing punctuation and names the document type."""
    return is_heading_line(line) and any(w in line for w in _TITLE_WORDS)


def document_kind(text: str, rules: Rules, title: str = "") -> str:
    """The document's kind: report, notice (通知, 方案, 倡议书: telling others what to do)
    or unrelated."""
    return tag(text, rules, title).kind


def tag(text: str, rules: Rules, title: str = "") -> Tagging:
    """Find the categories a text reports as done (in a notice: asks for), with evidence.

    `title` is the mail subject or the file name, if any; it helps tell a notice
    from a report and is never evidence itself."""
    doc = document(text)
    kind, kind_reason = kind_of(doc, text, rules, title)
    others = other_campaign(doc, rules)
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
        found: set[str] = set()
        cancelled: dict[str, Dropped] = {}  # the first cancelled hit per category
        cues = rules.cues_present(s.text)  # once per sentence, not per hit and cue
        for hit in hits:
            if hit.rule.id in found:
                continue
            reason = _why_not(hit, s, segmenter, kind, kind_reason, others, rules, cues)
            t = Tag(hit.rule.id, s.text, hit.phrase)
            if not reason:
                kept.append(t)
                found.add(hit.rule.id)
            elif hit.rule.id not in cancelled or cancelled[hit.rule.id].reason == _NOT_A_WORD:
                cancelled[hit.rule.id] = Dropped(t, reason)
        dropped.extend(d for c, d in cancelled.items() if c not in found)
    kept, dropped = _min_evidence(kept, dropped, rules)
    kept.sort(key=lambda t: _weak_evidence(t.sentence))  # stable: the best sentence first
    kind, kind_reason = unrelated_after_all(
        kind, kind_reason, bool(kept), f"{title}\n{text}", rules
    )
    if kind == "unrelated":
        dropped = [Dropped(t, f"与本次活动无关（{kind_reason}）") for t in kept] + dropped
        kept = []
    counted = counted_text(doc, kind, others, rules)
    kept.extend(from_figures(counted, {t.category for t in kept}, rules))
    if "low_carbon_day" not in {t.category for t in kept} and rules.category("low_carbon_day"):
        kept.extend(tied_to_day(doc, kind, others, rules))
    return Tagging(kind, tuple(kept), tuple(dropped), kind_reason, counted)


# -- finding hits ------------------------------------------------------------------------------


def _hits(s: Sentence, previous: Sentence | None, rules: Rules) -> list[_Hit]:
    """Every phrase occurrence in the sentence, longest first where they overlap."""
    out: list[_Hit] = []
    present: dict[str, list[Pattern]] = {}
    for pattern, rule in rules.phrase_index.present(s.text):
        present.setdefault(rule.id, []).append(pattern)
    for rule in rules.categories:
        for pattern in present.get(rule.id, ()):
            for start, end in pattern.spans(s.text):
                parts = _part_spans(s.text, pattern, start)
                out.append(_Hit(rule, s.text[start:end], start, end, parts, pattern.text))
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
    """A clause opening with a carry word refers back to the phrase named in the clause or
    sentence before it: 5月15日是全国低碳日。当天，……"""
    if not rule.carry or s.role != "body" or not any(w in s.text for w in rule.carry):
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
    segmenter: Segmenter,
    kind: str,
    kind_reason: str,
    others: dict[int, str],
    rules: Rules,
    cues: frozenset[str],
) -> str:
    """The reason a hit does not count, or "" when it does. `cues`: the cues with a word in
    the sentence (the others can only apply through a heading or a spoken quote)."""
    if s.role == "title" and not hit.rule.title_counts:
        return "标题不作为依据"
    if kind == "unrelated":
        return f"与本次活动无关（{kind_reason}）"
    if s.index in others:
        return f"其他活动（{others[s.index]}）"
    other = other_clause(s.text, hit.start, rules)
    if other:
        return f"其他活动（{other}）"
    if not _on_word_boundary(hit, s.text, segmenter):  # only now: jieba is slow
        return _NOT_A_WORD
    rule = hit.rule
    mask = _covering(rule.mask, s.text, hit.start, hit.end)
    if mask:
        return f"词义不同（{mask}）"
    suffix = next((w for w in rules.unit_name_endings if s.text.startswith(w, hit.end)), "")
    if suffix:
        return f"单位名称的一部分（{hit.phrase}{suffix}）"
    clause = clause_at(s.text, hit.start)
    item = _list_item(s.text, clause, hit.start, hit.end)
    excluded = _first(rule.exclude, strip_enumerator(s.text[item[0] : item[1]]))
    if excluded:
        return f"排除词（{excluded}）"
    if rule.require and not _required(rule, s, rules):
        return f"缺少相关的词（{'、'.join(rule.require[:4])}…）"
    for cue in rules.cues:
        if cue.name not in cues and not cue.spoken and not (cue.headings and s.heading):
            continue
        if rule.id in cue.applies_to and kind in cue.kinds:
            word = _cue_word(cue, s, hit.start, hit.end)
            if word:
                return f"{cue.reason}（{word}）"
    general = hit.written in rule.general and kind in rules.general.kinds
    if general and not _shows_practice(s, rules, clause, hit.start):
        return f"{rules.general.reason}（{hit.phrase}）"
    return ""


def _shows_practice(s: Sentence, rules: Rules, clause: tuple[int, int], at: int) -> bool:
    """Whether a sentence says who at the unit does something or how ([general] needs), or
    names a specific practice (停开空调, 双面打印), not only an area (节约用电, 绿色办公).

    A practice listed beside the hit in one enumeration (推介节能、节电、节水、新能源汽车等产品)
    is one more area of that list, so it shows nothing: only practices outside the hit's
    clause, or in it but not joined to it by 、, count."""
    if _first(rules.general.needs, s.text):
        return True
    return any(
        rule.id in rules.general.practices_of and pattern.text not in rule.general
        and any(not _listed_together(s.text, clause, at, a) for a, _ in pattern.spans(s.text))
        for pattern, rule in rules.phrase_index.present(s.text)
    )  # fmt: skip


def _listed_together(text: str, clause: tuple[int, int], at: int, other: int) -> bool:
    """Whether the phrases at `at` and `other` are items of one enumeration: both in `clause`
    with a 、 between them."""
    a, b = sorted((at, other))
    return clause[0] <= a and b <= clause[1] and "、" in text[a:b]


def _list_item(text: str, clause: tuple[int, int], start: int, end: int) -> tuple[int, int]:
    """The list item (between 、) of the clause that holds the hit: 绿色出行、限用电梯 are two
    measures, and 电梯 excludes only its own."""
    a, b = clause
    quotes = quote_spans(text)
    marks = [i for i in range(a, b) if text[i] == "、" and not any(o < i < c for o, c in quotes)]
    left = max((i for i in marks if i < start), default=a - 1)
    right = min((i for i in marks if i >= end), default=b)
    return left + 1, right


def _on_word_boundary(hit: _Hit, text: str, segmenter: Segmenter) -> bool:
    """Each part (of two characters or more) starts or ends where a word does: 节电 does not
    fire inside 调节电压. A part that begins a longer word (步行街) passes: such words go
    in the category's mask when they mean something else."""
    for a, b in hit.parts:
        if b - a > 1:
            cuts = segmenter.boundaries_within(text, a, b)
            if a not in cuts and b not in cuts:
                return False
    return True


def _required(rule: CategoryRule, s: Sentence, rules: Rules) -> bool:
    if any(w in s.text for w in rule.require):
        return True
    if not rule.require_any_phrase:
        return False
    return any(
        other.id != rule.id and p.spans(s.text) for p, other in rules.phrase_index.present(s.text)
    )


def _cue_word(cue: Cue, s: Sentence, start: int, end: int) -> str:
    """The cue word that cancels a hit at [start, end) of the sentence, or ""."""
    text = s.text
    if cue.scope == "quote":
        return _quote_cue(cue, text, start, end)
    region = (0, len(text)) if cue.scope == "sentence" else clause_at(text, start)
    if cue.position == "opens":  # a purpose carried on from an earlier clause governs it too
        carried = next((o for o, p, q in _purpose_clauses(text) if p <= start < q), None)
        region = (carried, region[1]) if carried is not None else region
    chunk = text[region[0] : region[1]]
    words = cue.present(chunk)
    if not words and not (cue.headings and cue.position == "before" and s.heading):
        return ""  # none of its words occurs here: every check below would end in ""
    if any(u in chunk for u in cue.unless):
        return ""
    if cue.with_ and not _first(cue.with_, chunk):
        return ""
    if cue.headings and cue.position == "before" and s.heading:
        word = cue.word_in(s.heading, 0, len(s.heading))
        if word:
            return word
    lead = region[0] + (len(chunk) - len(strip_enumerator(chunk).lstrip()))
    quotes = quote_spans(text)
    purposes = _purpose_clauses(text) if cue.scope == "sentence" else ()
    for pattern in words:
        for a, b in pattern.spans(chunk):
            a, b = a + region[0], b + region[0]
            if inside_any(cue.not_within, text, a, b) or _quoted_apart(quotes, a, b, start, end):
                continue
            if any(p <= a < q and not p <= start < q for _, p, q in purposes):
                continue  # 为培养学生……, 学校组织教职工……: the purpose governs only itself
            if (
                (cue.position == "before" and a < start)
                or (cue.position == "after" and a >= end and _right_after(text, end, a))
                or (cue.position == "opens" and a == lead)
                or cue.position == "any"
            ):
                return text[a:b]
    return ""


_ITEM_MAX = 6  # characters of the list's last item before its topic word
_LIST_REACH = 16  # characters of a list (节水、治塑、垃圾分类宣传活动) a cue after it governs


# words that name the topic of one item (节能知识问答) unless they close it (…垃圾分类宣传活动);
# the other cue words after a list (习惯, 理念, 风尚 …) speak of the whole list
_TOPIC_WORDS = (
    "宣传", "知识", "常识", "内容", "主题", "专题", "方法", "技巧", "窍门", "提示", "标识", "海报",
    "标语", "志愿者", "宣传员", "答题", "竞赛", "资料", "手册", "作品", "绘画", "小常识", "展览",
)  # fmt: skip


def _closes_item(text: str, at: int) -> bool:
    rest = text[at:]
    return not rest or rest[0] in "，,。；;：:、）)”0123456789" or rest.startswith(_ITEM_TAILS)


_ITEM_TAILS = ("活动", "资料", "手册", "工作", "讲座", "展板", "的", "等", "为", "教育")


_PURPOSE = ("为了", "旨在", "意在", "以期", "让", "使")
# 为 states a purpose when a verb follows (为营造…, 为进一步…); 为过往群众讲解 is "for"
_PURPOSE_VERBS = (
    "进一步", "深入", "切实", "营造", "增强", "提高", "提升", "推动", "落实", "贯彻", "倡导",
    "培养", "培育", "引导", "普及", "宣传", "加强", "全面", "更好", "积极", "大力", "扎实", "做好",
    "践行", "促进", "推进", "助力", "响应", "树立", "强化", "传播", "弘扬", "动员", "鼓励", "让",
    "使", "加快", "建立", "健全", "完善",
)  # fmt: skip


@functools.lru_cache(maxsize=4096)  # asked for every hit and sentence-wide cue
@functools.lru_cache(maxsize=4096)
def _purpose_clauses(sentence: str) -> tuple[tuple[int, int, int], ...]:
    """The clauses of a sentence that state a purpose (为营造……, 让……, 旨在……), as (opening,
    start, end): a purpose clause opens at its own start, and the clauses that carry it on
    without a subject of their own open where it does (为深入宣传……，引导干部职工……，推动大家
    在节水、节电等方面……，6月13日，中心举办了……: the first three). A purpose comes before its
    main clause, so the last clause is never one."""
    out: list[tuple[int, int, int]] = []
    spans = clause_spans(sentence)
    for a, b in spans[:-1]:
        clause = strip_enumerator(sentence[a:b]).lstrip()
        if clause.startswith(_PURPOSE) or (
            clause.startswith("为") and clause[1:].startswith(_PURPOSE_VERBS)
        ):
            out.append((a, a, b))
        elif out and out[-1][2] + 1 == a and clause.startswith(_PURPOSE_VERBS):
            out.append((out[-1][0], a, b))  # carried on
    return tuple(out)


def _right_after(text: str, end: int, a: int) -> bool:
    """A cue after a hit governs it unless another list item comes between (、), except when
    the cue closes the whole list (节水、节电、垃圾分类等内容)."""
    if "、" not in text[end:a] or text[a - 1 : a] == "等":
        return True
    # 节水、治塑、垃圾分类宣传活动: a cue closing the list's last item governs every item
    # (废旧电池回收、节能知识问答: 知识 belongs to 问答 alone)
    if a - end > _LIST_REACH:
        return False
    topic = next((w for w in _TOPIC_WORDS if text.startswith(w, a)), "")
    if not topic:
        return True
    last_item = text[text.rfind("、", end, a) + 1 : a]  # a bare noun (垃圾分类), not an action
    return len(last_item) <= _ITEM_MAX and _closes_item(text, a + len(topic))


def _quoted_apart(quotes: Sequence[tuple[int, int]], a: int, b: int, start: int, end: int) -> bool:
    """Whether the cue [a, b) is quoted text the hit [start, end) is not part of: the words
    of a slogan (“节约能源，人人有责”) are not the writer's own context."""
    return any(o < a and b <= c and not (o < start and end <= c) for o, c in quotes)


def _quote_cue(cue: Cue, text: str, start: int, end: int) -> str:
    """A hit inside quotation marks with a cue right before the opening mark (or the mark
    itself, 《) or right after the closing one (…”等宣传横幅)."""
    spans = quote_spans(text)
    inside = [(o, c) for o, c in spans if o < start and end <= c]
    if not inside:
        return ""
    if cue.spoken:  # someone's whole sentence (“大爷，记得把电源断开，这样既省电。”)
        said = next((o for o, c in inside if any(p in text[o + 1 : c] for p in "。！？!?")), None)
        if said is not None:
            return text[said : said + 12]
    opening, closing = max(inside)  # the innermost quote
    if cue.position == "before":
        while True:  # back over earlier quotes in a row: 标识，如“…”“…”“节约每一度电”
            before = len(text[:opening].rstrip("、和及与 "))
            earlier = next((o for o, c in spans if c == before - 1), None)
            if earlier is None:
                break
            opening = earlier
        return cue.word_in(text, max(0, opening - _QUOTE_WINDOW), opening + 1)
    after = closing + 1
    while True:  # skip further quotes in a row: “节能降碳”“绿色出行”等宣传横幅
        after += len(text[after:]) - len(text[after:].lstrip("、和及与 "))
        nxt = next((c for o, c in spans if o == after), None)
        if nxt is None:
            break
        after = nxt + 1
    return cue.word_in(text, after, min(len(text), after + _QUOTE_WINDOW))


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
