"""Why a document got its kind, tags and figures: the lines of ``mailroll tag --explain``.

Meant for the official who edits rules/categories.toml: every tag with the
phrase that fired and its sentence, every cancelled hit with the rule that
cancelled it, and every number with the figure it was counted as (or why not).
"""

from __future__ import annotations

from pipeline.tag.figures import counts
from pipeline.tag.rules import Rules
from pipeline.tag.tagger import tag

_SHOWN = 60  # characters of a sentence shown after a dropped hit


def explain_lines(text: str, rules: Rules, title: str = "") -> list[str]:
    """Plain-text lines explaining one document's analysis."""
    result = tag(text, rules, title)
    lines = [f"kind: {result.kind} ({result.kind_reason})"]
    for t in result.tags:
        lines.append(f"+ {rules.label(t.category)} ({t.category}) «{t.phrase}»: {t.sentence}")
    for d in result.dropped:
        t = d.tag
        sentence = t.sentence if len(t.sentence) <= _SHOWN else t.sentence[:_SHOWN] + "…"
        lines.append(
            f"- {rules.label(t.category)} ({t.category}) «{t.phrase}» 不算: {d.reason} | {sentence}"
        )
    found = counts(result.counted)
    for c in found:
        if c.key:
            lines.append(f"# {c.key} {c.value} «{c.text}»" + (f" ({c.noun})" if c.noun else ""))
        else:
            lines.append(f"# 不是主要数据 «{c.text}»" + (f" ({c.noun})" if c.noun else ""))
    if result.kind != "report":
        lines.append("# 通知、无关材料不统计数据 (no figures: not a report)")
    return lines
