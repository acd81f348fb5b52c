"""How far two labellers agree on the real set, and the tagger against each.

bench/realset/second/{fit,check}.toml is a second, independent labelling (labellers who
saw only shared/CATEGORIES.md and the documents); where it and the first labels disagree,
bench/realset/adjudicated/{fit,check}.toml holds a third reader's decision (who saw the
document, both labels and CATEGORIES.md, never the rules or the tagger's output). Scoring
one labelling against another with the tagger's own measures gives the agreement between
careful people: the ceiling a tagger can be expected to reach. Only scores are printed;
no disagreement is listed.

    .venv/bin/python -m bench.agreement [--part check|fit]
"""

from __future__ import annotations

import argparse
import sys
import tomllib

from bench.evaluate import REPO, Case, Outcome, case_of, load_real, run, score
from pipeline.tag import load_rules

REALSET = REPO / "bench" / "realset"


def second_labels(part: str) -> dict[str, dict]:
    return tomllib.loads((REALSET / "second" / f"{part}.toml").read_text(encoding="utf-8"))


def _as(cases: list[tuple[Case, str]], labels: dict[str, dict]) -> list[tuple[Case, str]]:
    """The same documents labelled by `labels`."""
    return [(case_of(c.name, labels[c.name]), text) for c, text in cases]


def _against(reference: list[tuple[Case, str]], other: list[tuple[Case, str]]) -> list[Outcome]:
    """`other`'s labels as if they were a tagger's output, scored against `reference`."""
    return [
        Outcome(r, o.kind, o.categories, o.figures)
        for (r, _), (o, _) in zip(reference, other, strict=True)
    ]


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("check", "fit"), default="check")
    args = parser.parse_args(argv)
    first = load_real(REALSET, args.part)
    second = second_labels(args.part)
    missing = [c.name for c, _ in first if c.name not in second]
    if missing:
        print(f"second labels missing for {len(missing)} documents", file=sys.stderr)
        return 1
    as_second = _as(first, second)
    final = load_real(REALSET, args.part, "adjudicated")
    rules = load_rules(REPO / "rules" / "categories.toml")
    rows = [
        ("second labels against the first", score(_against(first, as_second), True)),
        ("first labels against the adjudicated", score(_against(final, first), True)),
        ("second labels against the adjudicated", score(_against(final, as_second), True)),
        ("tagger against the first labels", score(run(first, rules), True)),
        ("tagger against the second labels", score(run(as_second, rules), True)),
        ("tagger against the adjudicated", score(run(final, rules), True)),
    ]
    print(f"{args.part} part, {len(first)} documents")
    for name, result in rows:
        print(f"{name + ':':40} {_line(result)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
