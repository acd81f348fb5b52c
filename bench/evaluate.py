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

The real set (``bench/realset``: reports rewritten from public web pages, labels in
``labels/*.toml``) is split once, by a fixed rule on the file name (see `part_of`),
into a *fit* part, on which rules are developed, and a *check* part, which is only
ever scored: its errors are never printed (``--errors`` lists fit errors only).

    .venv/bin/python bench/evaluate.py --real --part fit --errors
    .venv/bin/python bench/evaluate.py --real --part check

Figures are scored on report documents only for the real set (a notice's or an
unrelated document's numbers are never figures; their absence is what the kind
accuracy measures).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
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
        out.append((case_of(name, labels[name]), (folder / name).read_text(encoding="utf-8")))
    return out


def case_of(name: str, label: dict) -> Case:
    """A labelled document as the scorer sees it."""
    return Case(
        name=name,
        kind=label["kind"],
        categories=frozenset(label.get("categories", [])),
        figures=dict(label.get("figures", {})),
    )


def part_of(name: str) -> str:
    """The fixed split of the real set: a third of the documents, chosen by a hash of the
    file name, is the check part; the rest is the fit part."""
    return "check" if int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) % 3 == 0 else "fit"


def load_real(folder: Path, part: str, reference: str = "first") -> list[tuple[Case, str]]:
    """The labelled documents of the real set (labels in ``labels/*.toml``) in `part`.

    With reference="adjudicated", a document the two independent labellings disagreed on
    takes the adjudicated label (``adjudicated/{fit,check}.toml``) instead of the first."""
    adjudicated: dict[str, dict] = {}
    if reference == "adjudicated":
        for adjudicated_file in sorted((folder / "adjudicated").glob("*.toml")):
            adjudicated.update(tomllib.loads(adjudicated_file.read_text(encoding="utf-8")))
    out = []
    for labels_file in sorted((folder / "labels").glob("*.toml")):
        labels = tomllib.loads(labels_file.read_text(encoding="utf-8"))
        for name in sorted(labels):
            if part != "all" and part_of(name) != part:
                continue
            text = (folder / "docs" / name).read_text(encoding="utf-8")
            out.append((case_of(name, adjudicated.get(name, labels[name])), text))
    return out


def run(cases: list[tuple[Case, str]], rules: Rules) -> list[Outcome]:
    outcomes = []
    for case, text in cases:
        analysis = analyse(text, rules)
        outcomes.append(
            Outcome(case, analysis.kind, frozenset(analysis.categories), dict(analysis.figures))
        )
    return outcomes


def score(outcomes: list[Outcome], figures_on_reports: bool = False) -> dict[str, object]:
    """Per-category P/R/F1, macro-F1, kind accuracy and figure exact-match accuracy
    (over labelled reports only when `figures_on_reports`)."""
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
    counted = [o for o in outcomes if o.case.kind == "report"] if figures_on_reports else outcomes
    m = len(counted) or 1
    figure_hits = {
        key: sum(o.figures.get(key) == o.case.figures.get(key) for o in counted) / m
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
            all(o.figures.get(k) == o.case.figures.get(k) for k in FIGURE_KEYS) for o in counted
        )
        / m,
        "figure_documents": len(counted),
        # the headline: of the reports where a figure is labelled or found, the share with
        # every figure exactly right (absent figures everywhere would inflate the per-key rate)
        "figures_exact": _exact_share([o for o in counted if o.figures or o.case.figures]),
        "worst_category": min(per_category, key=lambda c: per_category[c]["f1"]),
    }


_HEADLINE = ("macro_f1", "figures_exact", "kind_accuracy")


def intervals(
    outcomes: list[Outcome], figures_on_reports: bool = False, rounds: int = 1000, seed: int = 0
) -> tuple[dict[str, float], dict[str, float]]:
    """The 2.5th and 97.5th percentiles of the headline scores over `rounds` resamples of
    the documents (drawn with replacement, as many as there are): a difference between
    two rounds smaller than this spread may be the luck of the draw."""
    rng = random.Random(seed)
    samples: dict[str, list[float]] = {key: [] for key in _HEADLINE}
    for _ in range(rounds):
        drawn = rng.choices(outcomes, k=len(outcomes))
        result = score(drawn, figures_on_reports)
        for key in _HEADLINE:
            samples[key].append(float(result[key]))  # type: ignore[arg-type]
    low = {k: sorted(v)[int(0.025 * rounds)] for k, v in samples.items()}
    high = {k: sorted(v)[int(0.975 * rounds) - 1] for k, v in samples.items()}
    return low, high


def _exact_share(outcomes: list[Outcome]) -> float:
    if not outcomes:
        return 1.0
    return sum(o.figures == o.case.figures for o in outcomes) / len(outcomes)


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
        f"figures exact {result['figures_exact']:.3f} (reports with a figure labelled or found); "
        f"kind accuracy {result['kind_accuracy']:.3f}; "
        f"figure exact-match accuracy {result['figure_accuracy']:.3f} "
        f"(documents with all five figures right {result['figure_documents_all_right']:.3f}, "
        f"over {result['figure_documents']} documents); {result['documents']} documents"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devset", type=Path, default=REPO / "bench" / "devset")
    parser.add_argument("--rules", type=Path, default=REPO / "rules" / "categories.toml")
    parser.add_argument("--split", choices=("all", "odd", "even"), default="all")
    parser.add_argument("--real", action="store_true", help="the real set (bench/realset)")
    parser.add_argument("--part", choices=("fit", "check", "all"), default="fit",
                        help="with --real: which part of the fixed split")  # fmt: skip
    parser.add_argument(
        "--prefix",
        metavar="P,Q",
        help="with --real: only documents of these writer prefixes (a new batch's first score)",
    )
    parser.add_argument(
        "--range", metavar="A-B", help="only documents numbered A to B, e.g. 97-148"
    )
    parser.add_argument(
        "--reference",
        choices=("first", "adjudicated"),
        default="first",
        help="with --real: the first labels, or the adjudicated ones where two labellings "
        "disagreed (bench/realset/adjudicated/)",
    )
    parser.add_argument("--errors", action="store_true", help="list every wrong document")
    parser.add_argument(
        "--ci",
        action="store_true",
        help="95%% intervals of macro-F1, figures exact and kind (documents resampled "
        "1000 times): how far a score may move by the luck of which documents are in the set",
    )
    parser.add_argument("--out", type=Path, help="JSON output (default bench/results/NAME.json)")
    args = parser.parse_args(argv)

    rules = load_rules(args.rules)
    if args.real:
        cases = load_real(REPO / "bench" / "realset", args.part, args.reference)
        name = f"realset-{args.part}" + ("-adjudicated" if args.reference == "adjudicated" else "")
        if args.prefix:
            prefixes = tuple(f"{p.strip()}-" for p in args.prefix.split(",") if p.strip())
            cases = [(case, text) for case, text in cases if case.name.startswith(prefixes)]
            name += "-" + "-".join(p.rstrip("-") for p in prefixes)
    else:
        numbers = tuple(int(n) for n in args.range.split("-", 1)) if args.range else None
        cases = load_cases(args.devset, args.split, numbers)  # type: ignore[arg-type]
        name = f"{args.devset.name}-{args.split}" + (f"-{args.range}" if args.range else "")
    started = time.perf_counter()
    outcomes = run(cases, rules)
    elapsed = time.perf_counter() - started
    result = score(outcomes, figures_on_reports=args.real)
    # the check part is only ever scored: nobody reads its errors
    hidden = args.real and args.part != "fit"
    wrong = [] if hidden else errors(outcomes)
    if args.errors and hidden:
        print("--errors lists the fit part only (the check part is never read)", file=sys.stderr)
    print(f"{name}: {len(cases)} documents in {elapsed:.1f} s\n")
    print(table(result))
    if args.ci:
        low, high = intervals(outcomes, figures_on_reports=args.real)
        print("\n95% interval (documents resampled 1000 times): " + ", ".join(
            f"{key} {low[key]:.3f}–{high[key]:.3f}" for key in low))  # fmt: skip
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
