"""What governs a document as a whole: its kind, other campaigns' passages, its own figures.

- kind: "report", "notice" (通知, 方案, 倡议书: telling others what to do) or
  "unrelated"; from the document-type word that comes last in the title (关于报送
  总结的通知 is a notice), a forwarded subject, a salutation to many units (各单位：),
  then the body's phrasing (通知如下, 报告如下);
- other campaigns: a sentence naming another campaign (安全生产月, 城市节水宣传周)
  belongs to it, and so does the rest of its paragraph;
- counted text: the part of a report whose numbers are the unit's own figures.
"""

from __future__ import annotations

import re

from pipeline.models import Tag
from pipeline.tag.figures import counts, table_counts
from pipeline.tag.passages import Sentence, clause_at, clause_spans
from pipeline.tag.rules import Rules, inside_any

_FORWARDED = ("转发", "fwd", "fw:", "fw：", "转：")
# a salutation line: 各科室：, 全校师生员工：, 广大市民朋友们：
_ADDRESSED_TO_ALL = re.compile(r"^(各|全体|全校|全院|全局|全县|全市|广大|亲爱的).{1,40}[：:]$")


def from_figures(counted: str, found: set[str], rules: Rules) -> list[Tag]:
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


_DATE = r"(\d{1,2}月\d{1,2}日)"
_DAY_NAMED = (
    re.compile(
        _DATE
        + r"[，,]?(?:是|为)(?:我国|今年的?)?(?:第[^，。；]{1,4}个)?[“\"]?(?:全国)?[“\"]?低碳日"
    ),
    re.compile(r"低碳日[”\"]?(?:[（(]|是|为|定于|：|:)" + _DATE),
)
_DONE_WORDS = (
    "开展", "组织", "举办", "举行", "停开", "关闭", "停用", "体验", "参加", "参与", "启动", "集中",
    "走进", "来到", "召开", "践行", "带头", "实行",
)  # fmt: skip


def tied_to_day(doc: list[Sentence], kind: str, others: dict[int, str], rules: Rules) -> list[Tag]:
    """低碳日 tied by its date: "6月15日是全国低碳日……6月15日，我局停开空调" (the activity is
    reported on the date the text names as 全国低碳日)."""
    if kind == "unrelated":
        return []
    dates: dict[str, int] = {}
    for s in doc:
        for pattern in _DAY_NAMED:
            for m in pattern.finditer(s.text):
                dates.setdefault(m.group(1), s.index)
    for s in doc:
        if s.role != "body" or s.index in others:
            continue
        for date, named_in in dates.items():
            at = s.text.find(date)
            if at < 0:
                continue
            if s.index == named_in and _named_here(s.text, date):
                # "7月12日是全国低碳日，局领导干部带头践行135出行": the clauses after the
                # one naming the day report what was done on it
                at = _after_naming(s.text)
                if at < 0:
                    continue
            rest = s.text[at:]
            if any(w in rest for w in _DONE_WORDS) and _about_ours(rest, rules):
                return [Tag("low_carbon_day", s.text, date)]
    return []


def _about_ours(text: str, rules: Rules) -> bool:
    """Energy or low-carbon work (a rule phrase or a word of this campaign), not 院务会."""
    return names_campaign(text, rules) or bool(rules.phrase_index.present(text))


def _after_naming(text: str) -> int:
    """Where the clauses after the one naming the day begin, or -1."""
    ends = [m.end() for p in _DAY_NAMED for m in p.finditer(text)]
    if not ends:
        return -1
    start = text.find("，", max(ends))
    return -1 if start < 0 else start + 1


def _named_here(text: str, date: str) -> bool:
    """Whether every mention of `date` in the sentence is the one naming the day."""
    named = sum(len(p.findall(text)) for p in _DAY_NAMED)
    return text.count(date) <= named


def _with_header(text: str, row: str) -> str:
    """A table row with the header row above it, so its columns can be read."""
    lines = text.splitlines()
    at = lines.index(row)
    start = at
    while start > 0 and "\t" in lines[start - 1]:
        start -= 1
    return "\n".join(lines[start : at + 1])


def other_campaign(doc: list[Sentence], rules: Rules) -> dict[int, str]:
    """Sentences belonging to another campaign: {index: the campaign's name}.

    A sentence naming another campaign belongs to it, and so does the rest of its
    paragraph, until a sentence names this campaign (节能宣传周, 低碳日 …) again. A sentence
    naming both is left to clause level (see `other_clause`)."""
    out: dict[int, str] = {}
    carried: tuple[int, str] | None = None
    for s in doc:
        if s.role != "body":
            carried = None
            continue
        name = other_name(s.text, rules)
        ours = any(n in s.text for n in rules.campaign_names)
        if name and ours:
            carried = None
        elif name:
            out[s.index] = name
            carried = (s.paragraph, name)
        elif carried and carried[0] == s.paragraph and not ours:
            out[s.index] = carried[1]
        else:
            carried = None
    return out


def other_name(text: str, rules: Rules) -> str:
    """The first other campaign named in `text`. A name written out in full in the rules
    (世界无车日, 绿色出行宣传月) always is one; a generic one (世界…日, …宣传月) only when it
    does not hold a word of this campaign (节能宣传月)."""
    for pattern, _ in rules.other_index.present(text):
        named = len(pattern.parts) == 1 and not (pattern.leading_gap or pattern.trailing_gap)
        for a, b in pattern.spans(text):
            name = text[a:b]
            if named or (not any(w in name for w in rules.campaign) and not _own_generic(name)):
                return name.strip('“”"‘’（）() ')
    return ""


# what may come right before 宣传周 when it is this campaign's (学校紧扣宣传周主题, 本届宣传周)
_OWN_BEFORE = (
    "本届", "本次", "此次", "这次", "今年", "该", "本", "紧扣", "围绕", "结合", "借助", "利用",
    "借", "趁", "在", "以", "于", "的", "和", "及", "与", "、", "年", "届", "次", "期间", "活动",
    "两",
    # a verb before it makes 宣传周 its object (增强宣传周活动的效果, 做好宣传周工作)
    "增强", "提高", "做好", "开展", "组织", "落实", "搞好", "办好", "参加", "参与", "迎接",
    "启动", "部署", "安排", "推进", "配合",
)  # fmt: skip


# a list number right before 宣传周 (1.宣传周期间, （一）宣传周期间, 一是宣传周期间) names nothing
_LIST_MARK = re.compile(
    r"(?:[（(]?[一二三四五六七八九十\d]{1,3}[)）.．、]|[一二三四五六七八九十]{1,2}是)\s*$"
)


def _own_generic(name: str) -> bool:
    """宣传周期间, 本届宣传周, 学校紧扣宣传周: this campaign named without its words."""
    for generic in ("宣传周", "宣传月", "活动月", "活动周"):
        if name.endswith(generic):
            before = _LIST_MARK.sub("", name[: -len(generic)]).strip('“”"‘’（）() ')
            return not before or before.endswith(_OWN_BEFORE)
    return False


def other_clause(sentence: str, pos: int, rules: Rules) -> str:
    """The other campaign named in the clause at `pos`, if any."""
    start, end = clause_at(sentence, pos)
    return other_name(sentence[start:end], rules)


def names_campaign(text: str, rules: Rules) -> bool:
    return any(w in text for w in rules.campaign)


def kind_of(doc: list[Sentence], text: str, rules: Rules, title: str) -> tuple[str, str]:
    heading = "\n".join(s.text for s in doc if s.role == "title")
    top = f"{heading}\n{title}".strip()
    other = other_name(top, rules)
    if other and not _names_ours(top, rules):
        return "unrelated", f"标题是其他活动：{other}"
    opening = _opening(doc)
    other = other_name(opening, rules)
    if other and not _names_ours(f"{top}\n{opening}", rules):
        return "unrelated", f"开头是其他活动：{other}"
    if any(w in heading for w in _PLANNED_TITLE):
        return "notice", "标题：活动尚未开展"
    if title.strip().lower().startswith(_FORWARDED):
        return "notice", "转发的文件"
    planned = next((w for w in rules.kind.planned_openings if w in opening), "")
    for source in (heading, title):
        word, is_notice = _last_type_word(source, rules)
        if word and planned and not is_notice and word in rules.kind.weak_report_titles:
            break  # 开展…活动 over an opening "将于……": the opening decides, below
        if word:
            return ("notice", f"标题：{word}") if is_notice else ("report", f"标题：{word}")
    body = [s.text for s in doc if s.role == "body"]
    if any(_ADDRESSED_TO_ALL.match(line.strip()) for line in text.strip().splitlines()[:4]):
        return "notice", "发给各单位"
    if planned:
        return "notice", f"开头说的是要开展的活动：{planned}"
    phrase = next((p for p in rules.kind.notice_phrases if any(p in b for b in body)), "")
    if phrase and not any(p in b for p in rules.kind.report_phrases for b in body):
        return "notice", f"正文：{phrase}"
    return "report", "默认为报告"


_PLANNED_TITLE = (
    "将于", "即将", "将在", "将启动", "将开展", "将举办", "将统一", "将停", "定于", "拟于",
)  # fmt: skip


def _names_ours(text: str, rules: Rules) -> bool:
    """Whether the text names this campaign itself (节能宣传周, 低碳日 …), not only its words."""
    return any(n in text for n in rules.campaign_names)


def _opening(doc: list[Sentence]) -> str:
    """The first body paragraph: where a report says which campaign it is about."""
    body = [s for s in doc if s.role == "body"]
    if not body:
        return ""
    return "".join(s.text for s in body if s.paragraph == body[0].paragraph)


def unrelated_after_all(
    kind: str, reason: str, tagged: bool, text: str, rules: Rules
) -> tuple[str, str]:
    """A notice that never mentions this campaign asks for something else (党纪知识测试);
    a text with no category that does not even name the campaign is unrelated (请假条)."""
    if kind == "notice" and not names_campaign(text, rules):
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


def counted_text(doc: list[Sentence], kind: str, others: dict[int, str], rules: Rules) -> str:
    """The text whose numbers are the unit's own figures: a report's sentences, without other
    campaigns' passages and without what follows a planned or negated cue."""
    if kind != "report":
        return ""
    cues = [c for c in rules.cues if c.numbers and kind in c.kinds]
    out = []
    for s in doc:
        if s.role == "title" or s.index in others:
            continue
        text = "，".join(
            s.text[a:b] for a, b in clause_spans(s.text) if not other_name(s.text[a:b], rules)
        )
        cut = len(text)
        for cue in cues:
            if cue.headings and s.heading and cue.word_in(s.heading):
                cut = 0
            for pattern in cue.present(text):
                for a, b in pattern.spans(text):
                    if not inside_any(cue.not_within, text, a, b):
                        cut = min(cut, a)
        if cut:
            out.append(text[:cut])
    return "\n".join(out)
