"""How a report is laid out: title, headings, paragraphs, sentences, clauses, quotes.

Rules are read against this structure: a planned-work heading (三、下一步打算)
governs its section, another campaign named in a sentence governs the rest of
its paragraph, a phrase inside quotation marks may be only a slogan's text.
Punctuation inside quotes (“节能降碳，你我同行”) does not end a clause.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_SENTENCE_END = "。！？!?；;"
_CLAUSE_END = "，,；;：:"
_OPEN = {"“": "”", "‘": "’", "「": "」", "『": "』", "《": "》", "〈": "〉"}
_QUOTE_MARK = re.compile("[" + re.escape("".join(_OPEN) + "".join(_OPEN.values()) + '"') + "]")
_HEADING_MAX = 50  # a line without closing punctuation and no longer than this is a heading
_INLINE_HEADING_MAX = 25
_WRAP_MIN_LINES = 3  # wrapped text has at least this many full-width lines…
_WRAP_MIN_WIDTH = 20  # …of at least this many characters
_ENUMERATOR = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+[、是．.]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．]"
    r"|第[一二三四五六七八九十]+[，、]|首先|其次|最后|此外|另外|同时)[\s，,、：:]*"
)


_BACKGROUND = re.compile(
    r"^(?:为了?(?:深入|进一步|认真|全面|切实|贯彻|落实|积极|大力|扎实|更好|推动|增强|提高|营造|响应|做好)"
    r"|按照|根据|依据|遵照|现将|今年|联系人|附件)"
    r"|如下[。：:]?$|是(?:第.{1,4}个)?全国|[：:]$"
)


@dataclass(frozen=True)
class Sentence:
    """One sentence of a document, with what governs it."""

    text: str
    index: int  # position among the document's sentences
    paragraph: int
    role: str  # "title" (the heading block at the top), "heading" or "body"
    heading: str = ""  # the section heading above it (a line heading or the paragraph's lead)
    lead: bool = False  # the paragraph's own short heading: "二、开展知识竞赛。……"


def is_heading_line(line: str) -> bool:
    """A line with no closing punctuation, short enough to be a title or heading."""
    line = line.strip()
    return 0 < len(line) <= _HEADING_MAX and line[-1] not in _SENTENCE_END + "，,：:、"


def is_background(sentence: str) -> bool:
    """The campaign's framing rather than what was done: 为深入贯彻…, 按照…要求, 现将…如下,
    5月15日是全国低碳日, a salutation (区机关事务管理局：)."""
    return bool(_BACKGROUND.search(strip_enumerator(sentence).strip()))


def strip_enumerator(text: str) -> str:
    """ "二是悬挂横幅" → "悬挂横幅"; "（三）…" and "3." likewise."""
    return _ENUMERATOR.sub("", text, count=1)


def split_sentences(text: str) -> list[str]:
    """Sentences ending at 。！？； or a line break; punctuation inside quotes does not count."""
    out: list[str] = []
    for line in text.splitlines():
        out.extend(_split_line(line))
    return out


def _split_line(line: str) -> list[str]:
    out, start, depth_marks = [], 0, _quote_depths(line)
    for i, ch in enumerate(line):
        if ch in _SENTENCE_END and depth_marks[i] == 0:
            # a closing quote right after the stop belongs to the sentence
            end = i + 1
            while end < len(line) and line[end] in "”’」』":
                end += 1
            piece = line[start:end].strip()
            if piece:
                out.append(piece)
            start = end
    rest = line[start:].strip()
    if rest:
        out.append(rest)
    return out


def unwrap(text: str) -> str:
    """Join hard-wrapped lines (PDF text: every line cut at the page width, 节\n能宣传横幅).

    Only when the text looks wrapped: several lines of nearly the page width that end
    without punctuation. Such a line is joined with the next non-empty one."""
    lines = [line.strip() for line in text.splitlines()]
    body = [line for line in lines if line and "\t" not in line]
    if len(body) < _WRAP_MIN_LINES:
        return text
    width = sorted(len(line) for line in body)[int(len(body) * 0.9)]
    full = [
        n
        for n, line in enumerate(lines)
        if len(line) >= width * 0.85 and "\t" not in line and line[-1] not in _SENTENCE_END + "：:"
    ]
    if width < _WRAP_MIN_WIDTH or len(full) < _WRAP_MIN_LINES:
        return text
    out: list[str] = []
    joining = False
    for n, line in enumerate(lines):
        if not line:
            if not joining:
                out.append("")
            continue
        if joining and not _ENUMERATOR.match(line):
            out[-1] += line
        else:
            out.append(line)
        joining = n in full
    return "\n".join(out)


def document(text: str) -> list[Sentence]:
    """The document's sentences in order, each with its role and governing heading."""
    return list(_document(text))


@functools.lru_cache(maxsize=32)  # tagging and then the summary read the same text
def _document(text: str) -> tuple[Sentence, ...]:
    text = unwrap(text)
    sentences: list[Sentence] = []
    in_title = True
    line_heading = ""
    intro = ""  # a paragraph ending in a colon governs the enumerated paragraphs after it
    paragraph = 0
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        paragraph += 1
        enumerated = bool(_ENUMERATOR.match(line))
        if not enumerated:
            intro = ""
        if "\t" in line:  # a table row (the docx reader joins cells with tabs)
            in_title = False
            sentences.append(Sentence(line, len(sentences), paragraph, "body", line_heading))
            continue
        if is_heading_line(line):
            role = "title" if in_title and not _ENUMERATOR.match(line) else "heading"
            in_title = in_title and role == "title"
            if role == "heading":
                line_heading = line
            sentences.append(Sentence(line, len(sentences), paragraph, role, line_heading))
            continue
        in_title = False
        parts = _split_line(line)
        lead = ""
        if len(parts) > 1 and len(parts[0]) <= _INLINE_HEADING_MAX and _ENUMERATOR.match(parts[0]):
            lead = parts[0]
        for n, part in enumerate(parts):
            governing = " ".join(h for h in (line_heading, intro, lead) if h)
            sentences.append(
                Sentence(
                    part,
                    len(sentences),
                    paragraph,
                    "body",
                    governing,
                    lead=n == 0 and bool(lead),
                )
            )
        if line[-1] in "：:" and not enumerated:
            intro = parts[-1]  # "…将开展以下活动：" then 一是…二是…
    return tuple(sentences)


@functools.lru_cache(maxsize=4096)  # tagging asks again for every hit and cue in a sentence
def clause_spans(sentence: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of each clause: split at ，；： outside quotes."""
    depths = _quote_depths(sentence)
    spans, start = [], 0
    for i, ch in enumerate(sentence):
        if ch in _CLAUSE_END and depths[i] == 0 and not _thousands(sentence, i):
            spans.append((start, i))
            start = i + 1
    spans.append((start, len(sentence)))
    return tuple(spans)


def _thousands(text: str, i: int) -> bool:
    """A comma between digits that groups thousands (3,500 or 3，500), not a clause break."""
    return (
        text[i] in ",，"
        and i > 0
        and text[i - 1].isdigit()
        and text[i + 1 : i + 4].isdigit()
        and len(text[i + 1 : i + 4]) == 3
        and not text[i + 4 : i + 5].isdigit()
    )


def clause_at(sentence: str, pos: int) -> tuple[int, int]:
    """The clause span containing character `pos`."""
    for start, end in clause_spans(sentence):
        if start <= pos <= end:
            return start, end
    return 0, len(sentence)


@functools.lru_cache(maxsize=4096)
def quote_spans(sentence: str) -> tuple[tuple[int, int], ...]:
    """(open, close) index pairs of quotation and book-title marks, outermost first.

    Straight double quotes pair up in order of appearance."""
    spans, stack = [], []
    straight: int | None = None
    for mark in _QUOTE_MARK.finditer(sentence):  # only the marks, not every character
        i, ch = mark.start(), mark.group()
        if ch in _OPEN:
            stack.append((ch, i))
        elif stack and ch == _OPEN[stack[-1][0]]:
            _, start = stack.pop()
            spans.append((start, i))
        elif ch == '"':
            if straight is None:
                straight = i
            else:
                spans.append((straight, i))
                straight = None
    return tuple(sorted(spans))


def _quote_depths(text: str) -> list[int]:
    depth = [0] * len(text)
    for start, end in quote_spans(text):
        for i in range(start + 1, end):
            depth[i] += 1
    return depth
