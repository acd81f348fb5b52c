"""How far two labellers agree on the real set's check part, and the tagger against each.

bench/realset/second/check.toml is a second, independent labelling of the check part
(labellers who saw only shared/CATEGORIES.md and the documents). Scoring the second
labels against the first with the tagger's own measures gives the agreement between two
careful people: the ceiling a tagger can be expected to reach against either. Only
scores are printed; like the check part itself, no disagreement is listed.

    .venv/bin/python -m bench.agreement
"""

from __future__ import annotations

import sys
import tomllib

from bench.evaluate import REPO, Case, Outcome, load_real, run, score
from pipeline.tag import load_rules

SECOND = REPO / "bench" / "realset" / "second" / "check.toml"


def _line(result: dict[str, object]) -> str:
    cats = result["categories"]
    assert isinstance(cats, dict)
    worst = min(cats, key=lambda c: cats[c]["f1"])
    per = " ".join(f"{c} {v['f1']:.3f}" for c, v in cats.items())
    return (
        f"macro-F1 {result['macro_f1']:.3f}, worst {worst} {cats[worst]['f1']:.3f}, "
        f"figures exact {result['figures_exact']:.3f}, kind {result['kind_accuracy']:.3f}\n"
        f"    {per}"
    )


def main() -> int:
    second = tomllib.loads(SECOND.read_text(encoding="utf-8"))
    cases = load_real(REPO / "bench" / "realset", "check")
    missing = [c.name for c, _ in cases if c.name not in second]
    if missing:
        print(f"second labels missing for {len(missing)} documents", file=sys.stderr)
        return 1
    as_second = [
        (Case(c.name, second[c.name]["kind"], frozenset(second[c.name].get("categories", [])),
              dict(second[c.name].get("figures", {}))), text)
        for c, text in cases
    ]  # fmt: skip
    humans = [
        Outcome(c, s.kind, s.categories, s.figures)
        for (c, _), (s, _) in zip(cases, as_second, strict=True)
    ]
    rules = load_rules(REPO / "rules" / "categories.toml")
    print(f"check part, {len(cases)} documents")
    print("second labels against the first:", _line(score(humans, figures_on_reports=True)))
    tagged = score(run(cases, rules), figures_on_reports=True)
    print("tagger against the first labels: ", _line(tagged))
    again = score(run(as_second, rules), figures_on_reports=True)
    print("tagger against the second labels:", _line(again))
    return 0


if __name__ == "__main__":
    sys.exit(main())
