"""Which of many rule patterns can occur in a sentence, found in one pass over its characters.

Tagging asks each of ~290 phrases (and the cue, mask and campaign lists) about every
sentence, and nearly every answer is "no". A pattern can only match where its first
literal part occurs, so the patterns are indexed by that part's first character: a
sentence's own characters pick the few candidates, and only those are asked. The
candidates come back in the rules' order, so every caller sees the same matches in the
same order as when it asked every pattern.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:  # tagrules builds its indexes with this module
    from pipeline.tagrules import Pattern

T = TypeVar("T")


class PatternIndex(Generic[T]):
    """Patterns, each with a value of the caller's (its category rule, say), by first char."""

    def __init__(self, entries: Iterable[tuple[Pattern, T]]) -> None:
        self.entries = tuple(entries)
        by_char: dict[str, list[int]] = {}
        for n, (pattern, _) in enumerate(self.entries):
            by_char.setdefault(pattern.parts[0][0], []).append(n)
        self._by_char = {c: tuple(ns) for c, ns in by_char.items()}
        # tagging asks again about the same clause for every hit and cue in it
        self._present = functools.lru_cache(maxsize=2048)(self._scan)

    def present(self, text: str) -> tuple[tuple[Pattern, T], ...]:
        """The entries whose pattern's first part occurs in `text`, in their original order.

        Every pattern left out has no match in `text` (`Pattern.spans` would return [])."""
        return self._present(text)

    def _scan(self, text: str) -> tuple[tuple[Pattern, T], ...]:
        found = [n for c in self._by_char.keys() & set(text) for n in self._by_char[c]]
        found.sort()
        return tuple(e for e in map(self.entries.__getitem__, found) if e[0].parts[0] in text)
