"""Which rules earn their place: per phrase and per context cue, right and wrong hits
on the fit part of the real set (never the check part).

For every fit document, each kept tag (category, phrase) is *right* when the label
has that category, *wrong* otherwise; each cancelled hit (category, reason) *removed a
wrong hit* when the label lacks the category, and *cancelled a right one* when it has
it and no other sentence gave the category. A cue is worth keeping where it removes more
wrong hits than right ones.

    .venv/bin/python -m bench.rulestats              # phrases and cues, worst first
    .venv/bin/python -m bench.rulestats --category green_office
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from bench.evaluate import REPO, load_real
from pipeline.tag import load_rules, tag


def collect(category: str | None) -> tuple[Counter, Counter, Counter, Counter]:
    rules = load_rules(REPO / "rules" / "categories.toml")
    phrase_right, phrase_wrong, cue_good, cue_bad = Counter(), Counter(), Counter(), Counter()
    for case, text in load_real(REPO / "bench" / "realset", "fit"):
        tagging = tag(text, rules)
        for t in tagging.tags:
            if category and t.category != category:
                continue
            right = t.category in case.categories
            (phrase_right if right else phrase_wrong)[(t.category, t.phrase)] += 1
        found = {t.category for t in tagging.tags}
        for d in tagging.dropped:
            if category and d.tag.category != category:
                continue
            reason = d.reason.split("（")[0]
            if d.tag.category not in case.categories:
                cue_good[(reason, d.tag.category)] += 1
            elif d.tag.category not in found:  # the cancel cost a labelled category
                cue_bad[(reason, d.tag.category)] += 1
    return phrase_right, phrase_wrong, cue_good, cue_bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--category", help="only this category id")
    parser.add_argument("--all", action="store_true", help="every phrase, not only the wrong ones")
    args = parser.parse_args(argv)
    right, wrong, good, bad = collect(args.category)
    print("phrase hits on the fit part: right / wrong (wrong first)")
    for key in sorted(set(right) | set(wrong), key=lambda k: (-wrong[k], -right[k])):
        if wrong[key] or args.all:
            print(f"  {key[0]:15} {key[1]:12} {right[key]:4} {wrong[key]:4}")
    print("\ncancelled hits: removed wrong / cancelled right (per reason and category)")
    for key in sorted(set(good) | set(bad), key=lambda k: (good[k] - bad[k], k)):
        flag = "  <- costs more than it saves" if bad[key] > good[key] else ""
        print(f"  {key[0][:28]:30} {key[1]:15} {good[key]:4} {bad[key]:4}{flag}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(main())
