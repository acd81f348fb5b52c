"""Tagging alone: per-document time and an exact dump of its output (issue #8).

Runs `tag()`, `figures()` and `summarize()` on every document of bench/devset and on
every document of the demo mails (with the title `mailroll tag` gives it), and

    .venv/bin/python -m bench.tagspeed --dump out.json     # the outputs, to compare
    .venv/bin/python -m bench.tagspeed --repeat 5          # ms per document

Two dumps from before and after a change to the tagger must be identical.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path

from bench.corpus import _season_chunk
from pipeline.extract import Limits, extract
from pipeline.parse import parse
from pipeline.tag import Rules, load_rules, passages, segment, tag
from pipeline.tag.figures import figures
from pipeline.tag.summary import summarize

REPO = Path(__file__).resolve().parent.parent


def documents(season: int) -> list[tuple[str, str, str]]:
    """(name, text, title) of every devset document, every demo mail's document and those
    of the first `season` mails of the benchmark's season (bench/corpus.py)."""
    out = [
        (p.name, p.read_text(encoding="utf-8"), "")
        for p in sorted((REPO / "bench/devset").glob("*.txt"))
    ]
    mails = sorted((REPO / "demo/mail").glob("*.eml"))
    if season:
        root = Path(tempfile.mkdtemp(prefix="tagspeed-"))
        for sub in ("season", "files"):
            (root / sub).mkdir()
        _season_chunk((root, 8, 0, season))
        mails += sorted((root / "season").iterdir())
    for path in mails:
        message = parse(path.read_bytes())
        if message.body.strip():
            out.append((f"{path.name}/正文", message.body, message.subject))
        for att in message.attachments:
            for d in extract(att.filename, att.data, Limits()).documents:
                out.append((f"{path.name}/{d.name}", d.text, d.name))
    return out


def dump(docs: list[tuple[str, str, str]], rules: Rules) -> dict[str, object]:
    out = {}
    for name, text, title in docs:
        t = tag(text, rules, title)
        out[name] = {
            "tagging": dataclasses.asdict(t),
            "figures": figures(t.counted),
            "summary": summarize(text, t.tags),
        }
    return out


def _clear_caches() -> None:
    """Each timed pass starts cold: no sentence is known from the pass before."""
    for module in (passages, segment):
        for value in vars(module).values():
            if hasattr(value, "cache_clear"):
                value.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", type=Path, help="write the outputs as JSON here")
    parser.add_argument("--season", type=int, default=40, help="season mails to add")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes over all documents")
    args = parser.parse_args()
    rules = load_rules(REPO / "rules/categories.toml")
    docs = documents(args.season)
    dump(docs[:1], rules)  # jieba's dictionary, outside the timing
    if args.dump:
        outputs = json.dumps(dump(docs, rules), ensure_ascii=False, indent=1, default=repr)
        args.dump.write_text(outputs, encoding="utf-8")
        print(f"{len(docs)} documents written to {args.dump}")
    best = float("inf")
    for _ in range(args.repeat):
        _clear_caches()
        rules = load_rules(REPO / "rules/categories.toml")  # and its pattern indexes
        started = time.perf_counter()
        dump(docs, rules)
        best = min(best, time.perf_counter() - started)
    n = len(docs)
    print(f"{n} documents: {best * 1000 / n:.2f} ms/doc (best of {args.repeat})")


if __name__ == "__main__":
    main()
