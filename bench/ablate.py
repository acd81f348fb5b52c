"""Which context rules earn their place: take each one out and score the fit part again.

For every context cue ([cues.*]) and every category's exclude / mask / require /
general list, and then for every single word of those lists that occurs somewhere
in the fit part's texts, the rules are loaded without it and the fit part of the
real set is scored against both references (first and adjudicated labels), with
the hand-written development set beside it. A rule whose removal leaves every score
as good or better is not earning its place on real reports.

    .venv/bin/python -m bench.ablate                 # whole cues and lists
    .venv/bin/python -m bench.ablate --words         # and every word that occurs

Only the fit part is read; the check part is never scored here.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path

from bench.evaluate import REPO, load_cases, load_real, run, score
from pipeline.tag import load_rules
from pipeline.tag.patterns import GAP

RULES = REPO / "rules" / "categories.toml"
_LISTS = ("exclude", "mask", "require", "general")


def dump_toml(data: dict) -> str:
    """A minimal TOML writer for the rules file's shapes (tables of strings, lists, bools)."""
    lines: list[str] = []

    def value(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return str(v)
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        raise TypeError(type(v))

    def table(prefix: str, t: dict) -> None:
        scalars = {k: v for k, v in t.items() if not isinstance(v, dict)}
        if prefix and (scalars or not any(isinstance(v, dict) for v in t.values())):
            lines.append(f"[{prefix}]")
        for k, v in scalars.items():
            lines.append(f"{json.dumps(k, ensure_ascii=False)} = {value(v)}")
        for k, v in t.items():
            if isinstance(v, dict):
                table(f"{prefix}.{k}" if prefix else k, v)

    table("", data)
    return "\n".join(lines) + "\n"


def variants(data: dict, words: bool, texts: str) -> Iterator[tuple[str, dict]]:
    """(description, rules data without one cue, list or word). Only words that occur in
    `texts` are tried one by one: the others cannot change a score there."""
    for name in data["cues"]:
        yield f"cue {name}", _without(data, "cues", name)
    for cid, cat in data["categories"].items():
        for key in _LISTS:
            if cat.get(key):
                yield f"{cid}.{key}", _without(data, "categories", cid, key)
                for i, word in enumerate(cat[key] if words else ()):
                    if _occurs(word, texts):
                        yield f"{cid}.{key} {word}", _without(data, "categories", cid, key, i)
    for name, cue in data["cues"].items():
        for i, word in enumerate(cue.get("words", []) if words else ()):
            if _occurs(word, texts):
                yield f"cue {name} {word}", _without(data, "cues", name, "words", i)


def _without(data: dict, *path: str | int) -> dict:
    """A copy of the rules data with the item at `path` taken out."""
    copied = copy.deepcopy(data)
    node = copied
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return copied


def _occurs(word: str, texts: str) -> bool:
    return all(part in texts for part in word.split(GAP) if part)


def scores(path: Path, sets: dict[str, list]) -> dict[str, tuple[float, float, float]]:
    rules = load_rules(path)
    out = {}
    for name, cases in sets.items():
        s = score(run(cases, rules), figures_on_reports=name != "devset")
        out[name] = (s["macro_f1"], s["figures_exact"], s["kind_accuracy"])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", action="store_true", help="also every single word")
    args = parser.parse_args(argv)
    data = tomllib.loads(RULES.read_text(encoding="utf-8"))
    sets = {
        "fit": load_real(REPO / "bench" / "realset", "fit"),
        "fit-adj": load_real(REPO / "bench" / "realset", "fit", "adjudicated"),
        "devset": load_cases(REPO / "bench" / "devset", "all"),
    }
    texts = "\n".join(text for _, text in sets["fit"])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "categories.toml"
        path.write_text(dump_toml(data), encoding="utf-8")
        base = scores(path, sets)
        print("without                          " + "  ".join(f"{n:>20}" for n in sets))
        print(f"{'(nothing)':32} " + "  ".join(_cell(base[n], None) for n in sets))
        for what, d in variants(data, args.words, texts):
            path.write_text(dump_toml(d), encoding="utf-8")
            now = scores(path, sets)
            if now == base:
                continue
            mark = "  <- not earning its place" if _better_or_equal(now, base) else ""
            print(f"{what[:32]:32} " + "  ".join(_cell(now[n], base[n]) for n in sets) + mark)
            sys.stdout.flush()
    return 0


def _cell(s: tuple[float, float, float], base: tuple[float, float, float] | None) -> str:
    if base is None:
        return f"{s[0]:.3f} {s[1]:.3f} {s[2]:.3f}"
    return " ".join(f"{a - b:+.3f}" for a, b in zip(s, base, strict=True))


def _better_or_equal(now: dict, base: dict) -> bool:
    return all(a >= b for n in now for a, b in zip(now[n], base[n], strict=True))


if __name__ == "__main__":
    sys.exit(main())
