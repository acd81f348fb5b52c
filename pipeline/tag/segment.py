"""jieba word boundaries, with the rule phrases in its dictionary.

A phrase counts only where it lines up with word boundaries, so 步行 does not
fire inside 步行街. jieba is ~100x slower than a substring scan, so only the
sentences where a hit gets as far as the word-boundary check are segmented,
and each sentence once (an LRU cache per tokenizer).

jieba's first use loads its prefix dictionary (~1.4 s, from a cache file it
writes next to it). By default that cache goes to `tempfile.gettempdir()`,
which raises when no temp dir is writable; here the cache directory is chosen
explicitly: $MAILROLL_CACHE, else ~/.cache/mailroll, else the temp dir, else
no cache at all (slower, but it works).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import ClassVar

import jieba

log = logging.getLogger(__name__)


def cache_dir() -> Path | None:
    """The first writable directory for jieba's dictionary cache, or None."""
    candidates = []
    if os.environ.get("MAILROLL_CACHE"):
        candidates.append(Path(os.environ["MAILROLL_CACHE"]))
    xdg = os.environ.get("XDG_CACHE_HOME")
    candidates.append(Path(xdg) / "mailroll" if xdg else Path.home() / ".cache" / "mailroll")
    with contextlib.suppress(OSError):  # no usable temp dir at all
        candidates.append(Path(tempfile.gettempdir()))
    for path in candidates:
        try:
            path.mkdir(parents=True, exist_ok=True)
            probe = path / f".mailroll-probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError:
            continue
        return path
    return None


class Segmenter:
    """A jieba tokenizer knowing `words`; one per word list, shared between threads."""

    _lock = threading.Lock()
    _cache: ClassVar[dict[tuple[str, ...], jieba.Tokenizer]] = {}

    def __init__(self, words: tuple[str, ...]) -> None:
        with self._lock:
            tokenizer = self._cache.get(words)
            if tokenizer is None:
                tokenizer = _tokenizer(words)
                self._cache[words] = tokenizer
        self.tokenizer = tokenizer

    def boundaries(self, sentence: str) -> frozenset[int]:
        """Character offsets where a word starts or ends."""
        return _boundaries(self.tokenizer, sentence)

    def boundaries_within(self, sentence: str, start: int, end: int) -> set[int]:
        """The offsets of `boundaries(sentence)` that lie in the stretches of the sentence
        overlapping [start, end), which include `start` and `end` when they are boundaries.

        jieba cuts a sentence into stretches of word characters (split at punctuation)
        and segments each on its own, so only those stretches need segmenting: a hit
        in a long sentence costs its clause, not the whole sentence."""
        cuts: set[int] = set()
        for offset, block in _blocks(sentence):
            if offset < end and start < offset + len(block):
                cuts.update(offset + cut for cut in _boundaries(self.tokenizer, block))
        return cuts


@functools.lru_cache(maxsize=4096)  # a report repeats its sentences; retag sees them again
def _boundaries(tokenizer: jieba.Tokenizer, sentence: str) -> frozenset[int]:
    cuts = {0}
    pos = 0
    for token in tokenizer.cut(sentence, HMM=False):
        pos += len(token)
        cuts.add(pos)
    return frozenset(cuts)


@functools.lru_cache(maxsize=4096)
def _blocks(sentence: str) -> tuple[tuple[int, str], ...]:
    """(offset, text) of the stretches jieba segments one by one (its own regex)."""
    out, pos = [], 0
    for block in jieba.re_han_default.split(sentence):
        if block:
            out.append((pos, block))
            pos += len(block)
    return tuple(out)


def _tokenizer(words: tuple[str, ...]) -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    folder = cache_dir()
    if folder is not None:
        tokenizer.tmp_dir = str(folder)
    else:
        # jieba would fall back to tempfile.gettempdir() and raise; a directory that
        # does not exist makes it only fail (quietly) to write its cache
        log.warning("no writable cache directory: jieba's dictionary is rebuilt each run")
        tokenizer.tmp_dir = os.path.join(os.sep, "nonexistent", "mailroll-no-cache")
        jieba.setLogLevel(logging.CRITICAL)
    for word in words:
        tokenizer.add_word(word)
    return tokenizer
