"""Measure the tagger on the labelled development set.

Reads every ``*.txt`` of a labelled folder (``bench/devset`` by default, labels
in its ``labels.toml``), runs the same analysis as ``mailroll tag`` (kind,
categories, figures) on the text, and prints:

- precision / recall / F1 per category, and macro-F1 (mean of the seven F1s);
- kind accuracy (report / notice / unrelated);
- figure exact-match accuracy: for every document and each of the five figure
  keys, the prediction counts as right when it equals the label, absence
  included (no figure labelled and none found is right; 120 found where 130
  is labelled is wrong). Also the share of documents with all five right.

Results go to ``bench/results/<name>.json`` as well.

The file names of the set are slugs written by the labeller ("…-notice-…"),
so they are not passed to the tagger as a title: only the text is read.

    .venv/bin/python bench/evaluate.py                  # whole set
    .venv/bin/python bench/evaluate.py --split odd      # development half
    .venv/bin/python bench/evaluate.py --split even     # held-out half
    .venv/bin/python bench/evaluate.py --range 97-148   # only documents 097 to 148
    .venv/bin/python bench/evaluate.py --errors         # list every wrong document
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from pipeline.models import CATEGORY_IDS, FIGURE_KEYS  # noqa: E402
from pipeline.tag import (  # noqa: E402
    Rules,
    analyse,
    load_rules,
)


@dataclass(frozen=True)
class Case:
    name: str
    kind: str
    categories: frozenset[str]
    figures: dict[str, int]


@dataclass(frozen=True)
class Outcome:
    case: Case
    kind: str
    categories: frozenset[str]
    figures: dict[str, int]


def load_cases(
    folder: Path, split: str, numbers: tuple[int, int] | None = None
) -> list[tuple[Case, str]]:
    """The labelled documents of `folder` (all, odd-numbered or even-numbered; optionally
    only those numbered within `numbers`)."""
    labels = tomllib.loads((folder / "labels.toml").read_text(encoding="utf-8"))
    out = []
    for name in sorted(labels):
        number = int(name.split("-", 1)[0])
        if (split == "odd" and number % 2 == 0) or (split == "even" and number % 2 == 1):
            continue
        if numbers and not numbers[0] <= number <= numbers[1]:
            continue
        label = labels[name]
        case = Case(
            name=name,
            kind=label["kind"],
            categories=frozenset(label.get("categories", [])),
            figures=dict(label.get("figures", {})),
        )
        out.append((case, (folder / name).read_text(encoding="utf-8")))
    return out


def run(cases: list[tuple[Case, str]], rules: Rules) -> list[Outcome]:
    outcomes = []
    for case, text in cases:
        analysis = analyse(text, rules)
        outcomes.append(
            Outcome(case, analysis.kind, frozenset(analysis.categories), dict(analysis.figures))
        )
    return outcomes


def score(outcomes: list[Outcome]) -> dict[str, object]:
    """Per-category P/R/F1, macro-F1, kind accuracy and figure exact-match accuracy."""
    per_category = {}
    for cat in CATEGORY_IDS:
        tp = sum(cat in o.categories and cat in o.case.categories for o in outcomes)
        fp = sum(cat in o.categories and cat not in o.case.categories for o in outcomes)
        fn = sum(cat not in o.categories and cat in o.case.categories for o in outcomes)
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        per_category[cat] = {"precision": p, "recall": r, "f1": f1, "tp": tp, "fp": fp, "fn": fn}
    n = len(outcomes) or 1
    figure_hits = {
        key: sum(o.figures.get(key) == o.case.figures.get(key) for o in outcomes) / n
        for key in FIGURE_KEYS
    }
    return {
        "documents": len(outcomes),
        "categories": per_category,
        "macro_f1": sum(c["f1"] for c in per_category.values()) / len(per_category),
        "kind_accuracy": sum(o.kind == o.case.kind for o in outcomes) / n,
        "figure_accuracy": sum(figure_hits.values()) / len(FIGURE_KEYS),
        "figure_accuracy_by_key": figure_hits,
        "figure_documents_all_right": sum(
            all(o.figures.get(k) == o.case.figures.get(k) for k in FIGURE_KEYS) for o in outcomes
        )
        / n,
    }


def errors(outcomes: list[Outcome]) -> list[dict[str, object]]:
    """Every document where something differs from its label."""
    out = []
    for o in outcomes:
        diff: dict[str, object] = {}
        if o.kind != o.case.kind:
            diff["kind"] = f"{o.kind} (label {o.case.kind})"
        if extra := sorted(o.categories - o.case.categories):
            diff["extra"] = extra
        if missing := sorted(o.case.categories - o.categories):
            diff["missing"] = missing
        figs = {
            k: f"{o.figures.get(k)} (label {o.case.figures.get(k)})"
            for k in FIGURE_KEYS
            if o.figures.get(k) != o.case.figures.get(k)
        }
        if figs:
            diff["figures"] = figs
        if diff:
            out.append({"document": o.case.name, **diff})
    return out


def table(result: dict[str, object]) -> str:
    """The scores as a Markdown table (the README carries a copy)."""
    cats = result["categories"]
    assert isinstance(cats, dict)
    lines = ["| category | precision | recall | F1 |", "|---|---:|---:|---:|"]
    for cat, s in cats.items():
        lines.append(f"| `{cat}` | {s['precision']:.3f} | {s['recall']:.3f} | {s['f1']:.3f} |")
    lines.append(f"| **macro-F1** | | | **{result['macro_f1']:.3f}** |")
    lines.append("")
    lines.append(
        f"kind accuracy {result['kind_accuracy']:.3f}; "
        f"figure exact-match accuracy {result['figure_accuracy']:.3f} "
        f"(documents with all five figures right {result['figure_documents_all_right']:.3f}); "
        f"{result['documents']} documents"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devset", type=Path, default=REPO / "bench" / "devset")
    parser.add_argument("--rules", type=Path, default=REPO / "rules" / "categories.toml")
    parser.add_argument("--split", choices=("all", "odd", "even"), default="all")
    parser.add_argument(
        "--range", metavar="A-B", help="only documents numbered A to B, e.g. 97-148"
    )
    parser.add_argument("--errors", action="store_true", help="list every wrong document")
    parser.add_argument("--out", type=Path, help="JSON output (default bench/results/NAME.json)")
    args = parser.parse_args(argv)

    rules = load_rules(args.rules)
    numbers = tuple(int(n) for n in args.range.split("-", 1)) if args.range else None
    cases = load_cases(args.devset, args.split, numbers)  # type: ignore[arg-type]
    name = f"{args.devset.name}-{args.split}" + (f"-{args.range}" if args.range else "")
    started = time.perf_counter()
    outcomes = run(cases, rules)
    elapsed = time.perf_counter() - started
    result = score(outcomes)
    wrong = errors(outcomes)
    print(f"{name}: {len(cases)} documents in {elapsed:.1f} s\n")
    print(table(result))
    if args.errors:
        print()
        for e in wrong:
            print(json.dumps(e, ensure_ascii=False))
    out = args.out or REPO / "bench" / "results" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {**result, "split": args.split, "range": args.range, "errors": wrong},
            ensure_ascii=False,
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"\nwritten: {out.relative_to(REPO) if out.is_relative_to(REPO) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
