"""A short extractive summary: one to three of the document's own sentences.

The sentences chosen are the ones that name what was done: those carrying
evidence for the most categories, preferring short ones so that up to three fit
in 120 characters, shown in text order. The campaign's background paragraph
(为深入贯彻…, 按照…要求), headings, one-line section titles (三、节约用电。) and
table rows are not chosen. A text with no tags (a cover note, an unrelated mail) is summarised
by its first sentence of substance.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.models import Tag
from pipeline.tag.passages import document, is_background, strip_enumerator

MAX_CHARS = 120
MAX_SENTENCES = 3
_MIN_CHARS = 10  # shorter sentences are section titles (二、节约用电。) or fragments


def summarize(text: str, tags: Sequence[Tag]) -> str:
    """One to three sentences naming what was done, at most 120 characters."""
    categories: dict[str, set[str]] = {}
    for t in tags:
        categories.setdefault(t.sentence, set()).add(t.category)
    body = [
        (s.index, _clean(s.text))
        for s in document(text)
        if s.role == "body" and not s.lead and "\t" not in s.text and not is_background(s.text)
    ]
    body = [(i, s) for i, s in body if len(s) >= _MIN_CHARS]
    if not body:
        return ""
    raw = {s.index: s.text for s in document(text)}
    scored = [(len(categories.get(raw[i], ())), i, s) for i, s in body]
    evidence = [x for x in scored if x[0] > 0]
    if not evidence:
        return _fit(body[0][1])
    # most categories first; among equals the shorter (more fit), then the earlier
    evidence.sort(key=lambda x: (-x[0], len(x[2]), x[1]))
    picked: list[tuple[int, str]] = []
    covered: set[str] = set()
    for _, index, sentence in evidence:
        new = categories[raw[index]] - covered
        if len(picked) == MAX_SENTENCES or not new:
            continue
        if sum(len(s) for _, s in picked) + len(sentence) <= MAX_CHARS:
            picked.append((index, sentence))
            covered |= categories[raw[index]]
    if not picked:
        return _fit(min(evidence, key=lambda x: x[1])[2])
    return "".join(s for _, s in sorted(picked))


def _clean(sentence: str) -> str:
    """Without its list marker (一是, （二）), ending with a full stop."""
    s = strip_enumerator(sentence).strip()
    if s and s[-1] in "；;，,：:":
        s = s[:-1] + "。"
    elif s and s[-1] not in "。！？!?”":
        s += "。"
    return s


def _fit(sentence: str) -> str:
    """The sentence, or its leading clauses up to 120 characters and "…"."""
    if len(sentence) <= MAX_CHARS:
        return sentence
    cut = max(sentence.rfind(p, 0, MAX_CHARS - 1) for p in "，,；;、")
    return sentence[: cut if cut > _MIN_CHARS else MAX_CHARS - 1] + "…"
