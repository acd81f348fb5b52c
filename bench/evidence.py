"""How often a tick is right, by how many evidence sentences it rests on.

The workbook marks a tick 待核 when its category asks for it (`review_single` in
rules/categories.toml) and it rests on one sentence only. This prints, per
category and per number of evidence sentences (1, 2, 3 or more), how many ticks
the tagger gave on a part of the real set and the share that the labels confirm:
counts only, never a document's name, so it may be run on the check part.

    .venv/bin/python -m bench.evidence --part check
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from bench.evaluate import REPO, load_real
from pipeline.models import CATEGORY_IDS
from pipeline.tag import load_rules, tag


def precision_by_evidence(part: str, reference: str) -> dict[tuple[str, int], tuple[int, int]]:
    """{(category, 1|2|3): (ticks, right ticks)}; 3 stands for three sentences or more."""
    rules = load_rules(REPO / "rules" / "categories.toml")
    ticks: Counter[tuple[str, int]] = Counter()
    right: Counter[tuple[str, int]] = Counter()
    for case, text in load_real(REPO / "bench" / "realset", part, reference):
        sentences = Counter(t.category for t in tag(text, rules).tags)
        for category, n in sentences.items():
            key = (category, min(n, 3))
            ticks[key] += 1
            right[key] += category in case.categories
    return {key: (ticks[key], right[key]) for key in sorted(ticks)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("fit", "check", "all"), default="check")
    parser.add_argument("--reference", choices=("first", "adjudicated"), default="adjudicated")
    args = parser.parse_args(argv)
    table = precision_by_evidence(args.part, args.reference)
    print(f"{args.part} part, {args.reference} labels: right ticks / ticks, by evidence sentences")
    print(f"{'category':16} {'1':>14} {'2':>14} {'3+':>14}")
    for category in CATEGORY_IDS:
        cells = []
        for n in (1, 2, 3):
            total, ok = table.get((category, n), (0, 0))
            cells.append(f"{ok:>3}/{total:<3} {ok / total:.2f}" if total else f"{'–':>14}")
        print(f"{category:16} " + " ".join(f"{c:>14}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
