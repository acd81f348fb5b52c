"""Rule patterns ("收看…直播"), and which of many can occur in a sentence, found in one pass.

Tagging asks each of ~290 phrases (and the cue and campaign lists) about every
sentence, and nearly every answer is "no". A pattern can only match where its first
literal part occurs, so all first parts go into one Aho–Corasick automaton
(pyahocorasick), which finds every one of them in a single pass over the text. Only the
patterns
whose first part occurs are asked, in the rules' order, so every caller sees the same
matches in the same order as when it asked every pattern.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Generic, TypeVar

import ahocorasick

GAP = "…"
MAX_GAP = 24  # characters between the parts of a "收看…直播" pattern
_CLAUSE_BREAK = re.compile(r"[，,；;：:。！？!?\n]")
_QUOTED = re.compile(r"“[^“”]*”|《[^《》]*》|「[^「」]*」|\"[^\"]*\"")

T = TypeVar("T")


@dataclass(frozen=True)
class Pattern:
    """A phrase as written in the rules: plain text, or parts joined by "…" that must
    appear in order in one clause with at most `max_gap` characters between them."""

    text: str
    max_gap: int = MAX_GAP

    @cached_property
    def parts(self) -> tuple[str, ...]:
        return tuple(p for p in self.text.split(GAP) if p)

    @cached_property
    def leading_gap(self) -> bool:
        return self.text.startswith(GAP)

    @cached_property
    def trailing_gap(self) -> bool:
        return self.text.endswith(GAP)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every match in `text`, leftmost-shortest for each start.

        A list, not a generator: tagging asks every phrase about every sentence, and
        most answers are empty (the cheap `in` test settles those)."""
        first = self.parts[0]
        if first not in text:
            return []
        found = []
        start = text.find(first)
        while start >= 0:
            end = self._rest(text, start + len(first), 1)
            if end is not None:
                begin = self._extend_left(text, start) if self.leading_gap else start
                found.append((begin, self._extend_right(text, end) if self.trailing_gap else end))
            start = text.find(first, start + 1)
        return found

    def _rest(self, text: str, pos: int, index: int) -> int | None:
        if index == len(self.parts):
            return pos
        part = self.parts[index]
        window = text[pos : pos + self.max_gap + len(part)]
        quoted = sum(len(q) for q in _QUOTED.findall(text[pos : pos + 2 * self.max_gap]))
        if quoted:  # a quoted name or theme between the parts does not count toward the gap
            window = text[pos : pos + self.max_gap + len(part) + min(quoted, 2 * self.max_gap)]
        found = window.find(part)
        if found < 0 or _CLAUSE_BREAK.search(_QUOTED.sub("", window[:found])):
            return None  # a comma inside a quoted theme (“节能降碳，你我同行”) breaks nothing
        return self._rest(text, pos + found + len(part), index + 1)

    def _extend_left(self, text: str, start: int) -> int:
        """A leading "…" (as in "…宣传周"): the name runs back to the clause start."""
        begin = start
        while (
            begin > 0 and start - begin < self.max_gap and not _CLAUSE_BREAK.match(text[begin - 1])
        ):
            begin -= 1
        return begin

    def _extend_right(self, text: str, end: int) -> int:
        stop = end
        while (
            stop < len(text) and stop - end < self.max_gap and not _CLAUSE_BREAK.match(text[stop])
        ):
            stop += 1
        return stop


class PatternIndex(Generic[T]):
    """Patterns, each with a value of the caller's (its category rule, say), by first part."""

    def __init__(self, entries: Iterable[tuple[Pattern, T]]) -> None:
        self.entries = tuple(entries)
        firsts = sorted({p.parts[0] for p, _ in self.entries}, key=lambda w: (-len(w), w))
        # the entries whose first part is `word` or a prefix of it, for each first part
        self._by_first = {
            word: tuple(n for n, (p, _) in enumerate(self.entries) if word.startswith(p.parts[0]))
            for word in firsts
        }
        # one Aho–Corasick pass finds every first part in a text (pyahocorasick, in C)
        self._automaton = ahocorasick.Automaton() if firsts else None
        if self._automaton is not None:
            for word in firsts:
                self._automaton.add_word(word, word)
            self._automaton.make_automaton()
        # tagging asks again about the same clause for every hit and cue in it
        self._present = functools.lru_cache(maxsize=2048)(self._scan)

    def present(self, text: str) -> tuple[tuple[Pattern, T], ...]:
        """The entries whose pattern's first part occurs in `text`, in their original order.

        Every pattern left out has no match in `text` (`Pattern.spans` would return [])."""
        return self._present(text)

    def _scan(self, text: str) -> tuple[tuple[Pattern, T], ...]:
        if self._automaton is None or not text:
            return ()
        words = {word for _, word in self._automaton.iter(text)}
        found = sorted({n for word in words for n in self._by_first[word]})
        return tuple(map(self.entries.__getitem__, found))
