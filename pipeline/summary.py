"""A short extractive summary: one to three of the text's own sentences.

Sentences that carry evidence for a category come first, in text order; the
campaign's background paragraph (为深入贯彻…) rarely carries any, so it is
skipped naturally. At most 120 characters.
"""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.models import Tag
from pipeline.tagging import is_title, sentences

MAX_CHARS = 120
MAX_SENTENCES = 3


def summarize(text: str, tags: Sequence[Tag]) -> str:
    """One to three sentences naming what was done, at most 120 characters."""
    evidence = {t.sentence for t in tags}
    candidates = [s for s in sentences(text) if s in evidence]
    if not candidates:
        candidates = [s for s in sentences(text) if len(s) >= 10 and not is_title(s)][:1]
    picked: list[str] = []
    for sentence in candidates:
        if len(picked) == MAX_SENTENCES:
            break
        if len("".join(picked)) + len(sentence) <= MAX_CHARS:
            picked.append(sentence)
    if not picked and candidates:
        return candidates[0][: MAX_CHARS - 1] + "…"
    return "".join(picked)
