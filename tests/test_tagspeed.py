"""The shortcuts that make tagging fast give the answers of the slow, plain way (issue #8).

Checked on every sentence of the development set against the real rules and jieba."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.tag.passages import split_sentences
from pipeline.tag.patterns import PatternIndex
from pipeline.tag.rules import Pattern, Rules
from pipeline.tag.segment import Segmenter

DEVSET = Path(__file__).resolve().parent.parent / "bench" / "devset"


@pytest.fixture(scope="module")
def devset_sentences() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(DEVSET.glob("*.txt"))]
    return sorted({s for text in texts for s in split_sentences(text)})


def _pattern_lists(rules: Rules) -> list[tuple[Pattern, ...]]:
    phrases = tuple(p for c in rules.categories for p in c.phrases)
    return [phrases, rules.other_campaigns, *(c.words for c in rules.cues)]


def test_index_finds_exactly_the_patterns_that_match(rulebook, devset_sentences):
    lists = _pattern_lists(rulebook.rules)
    matched = 0
    for patterns in lists:
        index = PatternIndex((p, n) for n, p in enumerate(patterns))
        for text in devset_sentences:
            slow = [n for n, p in enumerate(patterns) if p.spans(text)]
            present = [n for _, n in index.present(text)]
            assert present == sorted(present)  # the rules' order
            assert [n for n in present if patterns[n].spans(text)] == slow, text
            matched += len(slow)
    assert matched > 1000  # the devset does exercise the rules


def test_index_skips_patterns_whose_first_part_is_absent():
    index = PatternIndex([(Pattern("节能…宣传"), "a"), (Pattern("低碳日"), "b")])
    assert [v for _, v in index.present("开展节能知识宣传")] == ["a"]
    assert index.present("低碳") == ()
    assert [v for _, v in index.present("低碳日节能")] == ["a", "b"]


def test_boundaries_within_agree_with_the_whole_sentence(rulebook, devset_sentences):
    segmenter = Segmenter(rulebook.rules.words)
    for text in devset_sentences[::4]:
        whole = segmenter.boundaries(text)
        for a in range(len(text)):
            for b in range(a + 2, min(len(text), a + 6) + 1):
                near = segmenter.boundaries_within(text, a, b)
                assert (a in near, b in near) == (a in whole, b in whole), (text, a, b)
