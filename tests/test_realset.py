"""The tagger on the real set (bench/realset): its scores may not fall below the floor.

The floor is the score of the latest round of rule work (README, "Tagging rules and
accuracy"). A change that loses accuracy on real reports fails here; a change that
gains raises the floor in the same commit. Both parts are scored; only the fit
part's errors are ever looked at (bench/evaluate.py --real --part fit --errors).
"""

from __future__ import annotations

import tomllib

import pytest

from bench.ablate import RULES, dump_toml
from bench.agreement import REALSET, second_labels
from bench.evaluate import REPO, Outcome, intervals, load_real, run, score
from pipeline.models import CATEGORY_IDS, FIGURE_KEYS, KINDS
from pipeline.tag import load_rules

# (part, reference): (macro-F1, worst category F1, figures exact, kind accuracy); the
# reference is the first labels or, where two labellings disagreed, the adjudicated ones
FLOORS = {
    ("fit", "first"): (0.922, 0.881, 0.881, 0.958),
    ("check", "first"): (0.856, 0.796, 0.770, 0.942),
    ("fit", "adjudicated"): (0.919, 0.876, 0.892, 0.969),
    ("check", "adjudicated"): (0.871, 0.811, 0.770, 0.945),
}


@pytest.mark.parametrize(("part", "reference"), sorted(FLOORS))
def test_real_set_scores_hold_their_floor(part: str, reference: str) -> None:
    rules = load_rules(REPO / "rules" / "categories.toml")
    cases = load_real(REPO / "bench" / "realset", part, reference)
    result = score(run(cases, rules), figures_on_reports=True)
    cats = result["categories"]
    assert isinstance(cats, dict)
    got = (
        result["macro_f1"],
        min(c["f1"] for c in cats.values()),
        result["figures_exact"],
        result["kind_accuracy"],
    )
    floor = FLOORS[part, reference]
    names = ("macro-F1", "worst category", "figures exact", "kind")
    fallen = {n: (round(g, 3), f) for n, g, f in zip(names, got, floor, strict=True) if g < f}
    assert not fallen, f"{part} part ({reference} labels) below its floor (score, floor): {fallen}"


def test_the_split_is_fixed_and_about_a_third() -> None:
    fit = load_real(REPO / "bench" / "realset", "fit")
    check = load_real(REPO / "bench" / "realset", "check")
    assert not {c.name for c, _ in fit} & {c.name for c, _ in check}
    assert 0.25 < len(check) / (len(fit) + len(check)) < 0.42


@pytest.mark.parametrize("part", ["check", "fit"])
def test_the_second_and_adjudicated_labellings_follow_the_standard(part: str) -> None:
    """bench/realset/second/PART.toml (python -m bench.agreement) labels every document of
    the part, and adjudicated/PART.toml only documents of the part, with the standard's kinds,
    categories and figure keys."""
    names = {c.name for c, _ in load_real(REALSET, part)}
    second = second_labels(part)
    adjudicated = tomllib.loads((REALSET / "adjudicated" / f"{part}.toml").read_text("utf-8"))
    assert set(second) == names
    assert set(adjudicated) <= names
    for label in (*second.values(), *adjudicated.values()):
        assert label["kind"] in KINDS
        assert set(label["categories"]) <= set(CATEGORY_IDS)
        assert set(label["figures"]) <= set(FIGURE_KEYS)


def test_ablation_rewrites_the_rules_file_without_losing_anything() -> None:
    """bench.ablate scores the rules with one piece taken out by writing them back as TOML:
    the written file must load to the same rules, or every ablation row would be wrong."""
    data = tomllib.loads(RULES.read_text(encoding="utf-8"))
    assert tomllib.loads(dump_toml(data)) == data


def test_the_intervals_hold_the_score_and_shrink_to_it_when_every_document_is_right() -> None:
    """evaluate.py --ci: resampling the documents gives an interval around the score; a set
    the tagger gets wholly right has no spread at all."""
    rules = load_rules(REPO / "rules" / "categories.toml")
    outcomes = run(load_real(REPO / "bench" / "realset", "check"), rules)
    result = score(outcomes, figures_on_reports=True)
    low, high = intervals(outcomes, figures_on_reports=True, rounds=200)
    for key in ("macro_f1", "figures_exact", "kind_accuracy"):
        assert low[key] <= result[key] <= high[key]  # type: ignore[operator]
        assert low[key] < high[key]
    perfect = [Outcome(o.case, o.case.kind, o.case.categories, o.case.figures) for o in outcomes]
    low, high = intervals(perfect, figures_on_reports=True, rounds=50)
    assert low == high == {"macro_f1": 1.0, "figures_exact": 1.0, "kind_accuracy": 1.0}
