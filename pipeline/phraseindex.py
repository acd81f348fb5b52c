"""Which of many rule patterns can occur in a sentence, found in one pass over it.

Tagging asks each of ~290 phrases (and the cue and campaign lists) about every
sentence, and nearly every answer is "no". A pattern can only match where its first
literal part occurs, so all first parts go into one regex, tried at every position
longest first: the longest first part found at a position stands for itself and every
shorter first part that is a prefix of it (those occur there too). Only the patterns
whose first part occurs are asked, in the rules' order, so every caller sees the same
matches in the same order as when it asked every pattern.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:  # tagrules builds its indexes with this module
    from pipeline.tagrules import Pattern

T = TypeVar("T")


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
        alternation = "|".join(map(re.escape, firsts))
        self._regex = re.compile(f"(?=({alternation}))") if firsts else None
        # tagging asks again about the same clause for every hit and cue in it
        self._present = functools.lru_cache(maxsize=2048)(self._scan)

    def present(self, text: str) -> tuple[tuple[Pattern, T], ...]:
        """The entries whose pattern's first part occurs in `text`, in their original order.

        Every pattern left out has no match in `text` (`Pattern.spans` would return [])."""
        return self._present(text)

    def _scan(self, text: str) -> tuple[tuple[Pattern, T], ...]:
        if self._regex is None:
            return ()
        words = set(self._regex.findall(text))
        found = sorted({n for word in words for n in self._by_first[word]})
        return tuple(map(self.entries.__getitem__, found))
