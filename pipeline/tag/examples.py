"""Labelled rule examples (rules/examples/*.toml), checked against the current rules.

Each file is one small document with what the rules must make of it:

    text = \"\"\"…\"\"\"                   # the document (required)
    title = "…"                        # mail subject or file name (optional)
    kind = "report"                    # report | notice | unrelated (optional)
    categories = ["publicity"]         # exactly these categories (required)
    figures = { banners = 3 }          # exactly these figures (optional)
    note = "why"                       # what the example guards (optional)

`make test` runs every example (tests/test_rule_examples.py); a rule edit that
breaks one fails with the file name and what differs.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.models import CATEGORY_IDS, FIGURE_KEYS, KINDS
from pipeline.tag import Rules, analyse
from pipeline.tag.explain import explain_lines

_KEYS = {"text", "title", "kind", "categories", "figures", "note"}


@dataclass(frozen=True)
class Example:
    path: Path
    text: str
    categories: frozenset[str]
    title: str = ""
    kind: str | None = None
    figures: dict[str, int] | None = None


def load_example(path: Path) -> Example:
    """Read one example file; a malformed one raises ConfigError naming the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", str(path)) from None
    unknown = set(data) - _KEYS
    if unknown:
        raise ConfigError(f"unknown keys {sorted(unknown)}; use {sorted(_KEYS)}", str(path))
    if not isinstance(data.get("text"), str) or not isinstance(data.get("categories"), list):
        raise ConfigError("an example needs text = '''…''' and categories = [...]", str(path))
    bad = [c for c in data["categories"] if c not in CATEGORY_IDS]
    if bad:
        raise ConfigError(f"unknown categories {bad}; use {', '.join(CATEGORY_IDS)}", str(path))
    if data.get("kind") is not None and data["kind"] not in KINDS:
        raise ConfigError(f"kind must be one of {', '.join(KINDS)}", str(path))
    figures = data.get("figures")
    if figures is not None and (
        not isinstance(figures, dict) or any(k not in FIGURE_KEYS for k in figures)
    ):
        raise ConfigError(f"figures keys must be among {', '.join(FIGURE_KEYS)}", str(path))
    return Example(
        path=path,
        text=data["text"],
        categories=frozenset(data["categories"]),
        title=data.get("title", ""),
        kind=data.get("kind"),
        figures=figures,
    )


def check_example(example: Example, rules: Rules) -> list[str]:
    """What the rules make of the example that differs from its labels ([] when all agree),
    followed by the explanation of the analysis."""
    analysis = analyse(example.text, rules, example.title)
    got = set(analysis.categories)
    problems = []
    if extra := sorted(got - example.categories):
        problems.append(f"categories found but not expected: {extra}")
    if missing := sorted(example.categories - got):
        problems.append(f"categories expected but not found: {missing}")
    if example.kind and analysis.kind != example.kind:
        problems.append(f"kind: expected {example.kind}, got {analysis.kind}")
    if example.figures is not None and dict(analysis.figures) != example.figures:
        problems.append(f"figures: expected {example.figures}, got {dict(analysis.figures)}")
    if problems:
        problems.append("explanation:")
        problems.extend("  " + line for line in explain_lines(example.text, rules, example.title))
    return problems
