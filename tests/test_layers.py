"""The tree is the flow: only the store speaks SQL, and the README's module map
names every module (the import direction itself is `lint-imports`, in make test)."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "pipeline"
SQL_CALL = re.compile(r"\.(execute|executemany|executescript)\(|read_sql")


def test_only_the_store_speaks_sql() -> None:
    outside = [
        f"{path.relative_to(REPO)}:{number}"
        for path in PACKAGE.rglob("*.py")
        if PACKAGE / "store" not in path.parents
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SQL_CALL.search(line)
    ]
    assert outside == []


def test_readme_module_map_names_every_module() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("The tree is the flow") : readme.index("Nothing is lost")]
    missing = [
        str(path.relative_to(REPO))
        for path in PACKAGE.rglob("*.py")
        if path.name not in ("__init__.py", "__main__.py") and f"`{path.name}`" not in section
    ]
    assert missing == []


def test_every_stage_package_says_what_it_takes_and_gives() -> None:
    for init in PACKAGE.glob("*/__init__.py"):
        doc = init.read_text(encoding="utf-8").split('"""')[1]
        assert " in, " in doc.splitlines()[0] and " out" in doc.splitlines()[0], init
