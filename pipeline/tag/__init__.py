"""Stage `tag`: a document's text in, what it says out.

Takes the plain text of one document (and its title) and the rules read from
rules/categories.toml; gives its kind (report, notice, unrelated), the activity
categories with the evidence sentence behind each, the key figures and a short
summary (`analyse`). Pure functions of plain values: no config, no database.

- tagger: kinds and categories (`tag`); rules: rules/categories.toml read into
  frozen dataclasses; patterns: one pass finds every rule phrase in a sentence;
  passages: title, headings, sentences, clauses and quotes; segment: jieba word
  boundaries; context: what governs a document as a whole (other campaigns,
  notices, planned sections); figures; summary; explain (`tag --explain`);
  examples (rules/examples/*.toml checked against the rules).
"""

from __future__ import annotations

from pipeline.models import Analysis
from pipeline.tag.figures import figures
from pipeline.tag.rules import Rules, load_rules
from pipeline.tag.summary import summarize
from pipeline.tag.tagger import Tagging, sentences, tag

__all__ = ["Rules", "Tagging", "analyse", "load_rules", "sentences", "tag"]


def analyse(text: str, rules: Rules, title: str = "") -> Analysis:
    """Kind, categories with evidence, figures and summary of one text.

    `title` (the mail subject, or the file name) helps tell a notice from a report."""
    tagging = tag(text, rules, title)
    return Analysis(
        kind=tagging.kind,
        tags=tagging.tags,
        figures=figures(tagging.counted),
        summary=summarize(text, tagging.tags),
    )
