"""Every labelled example in rules/examples/ comes out as labelled with the current rules.

A rule edit that breaks an example fails here with the example's file name, what
differs, and the explanation of every tag and cancelled hit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.process import Rulebook
from pipeline.tag.examples import check_example, load_example
from tests.conftest import REPO

EXAMPLES = sorted((REPO / "rules" / "examples").glob("*.toml"))


def test_there_are_examples_for_every_trap() -> None:
    assert len(EXAMPLES) >= 30


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_rule_example(path: Path, rulebook: Rulebook) -> None:
    problems = check_example(load_example(path), rulebook.rules)
    if problems:
        pytest.fail(f"rules/examples/{path.name}:\n" + "\n".join(problems), pytrace=False)


def test_a_broken_example_names_its_file_and_what_differs(
    tmp_path: Path, rulebook: Rulebook
) -> None:
    path = tmp_path / "wrong.toml"
    path.write_text(
        'text = "某局节能宣传周总结。悬挂横幅3条。"\n'
        'categories = ["quiz"]\nfigures = { banners = 2 }\n',
        encoding="utf-8",
    )
    problems = check_example(load_example(path), rulebook.rules)
    assert problems[:3] == [
        "categories found but not expected: ['publicity']",
        "categories expected but not found: ['quiz']",
        "figures: expected {'banners': 2}, got {'banners': 3}",
    ]
    assert any("«横幅»" in line for line in problems)


def test_a_malformed_example_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('text = "x"\ncategories = ["flying"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown categories"):
        load_example(path)
