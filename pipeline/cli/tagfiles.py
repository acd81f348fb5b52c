"""`mailroll tag FILE...`: what mailroll reads in local files, one after the other.

Every file is read, whatever happened to the one before; each problem names
its file. Nothing is stored.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from pipeline.config import Limits
from pipeline.errors import MailrollError
from pipeline.models import OcrSettings, Submission
from pipeline.process import Rulebook, process_file


def tag_files(
    files: Sequence[Path],
    book: Rulebook,
    limits: Limits,
    as_json: bool,
    explain: bool,
    ocr: OcrSettings | None = None,
) -> int:
    """Print what each file holds (a scan is read by OCR at once); return how many could
    not be read at all."""
    failed = 0
    for path in files:
        try:
            sub = process_file(path, book, limits, ocr)
        except MailrollError as exc:  # an empty or broken file: say so, go on to the next
            failed += 1
            _echo_failure(path, exc, as_json)
            continue
        record = _record(path, sub, book if explain else None)
        if as_json:
            click.echo(json.dumps(record, ensure_ascii=False))
        else:
            _echo_text(path, sub, record, book)
    return failed


def _record(path: Path, sub: Submission, book: Rulebook | None) -> dict[str, Any]:
    unit = sub.unit.unit
    record: dict[str, Any] = {
        "file": str(path),
        "unit": unit.name if unit else None,
        "kind": sub.kind,
        "categories": sub.categories,
        "evidence": sub.evidence,
        "figures": sub.figures,
        "summary": sub.summary,
        "problems": [_problem(path, p.where, p.reason) for p in sub.problems],
        "documents": [d.document.name for d in sub.documents],
        "photos": list(sub.photos),
        "ocr": [d.document.name for d in sub.documents if d.document.source == "ocr"],
        "doubtful": sorted({k for d in sub.documents for k in d.doubtful}),
    }
    if book is not None:  # --explain: {document name: [lines]}
        record["explain"] = {name: lines for name, lines in _explanations(sub, book)}
    return record


def _problem(path: Path, where: str, reason: str) -> str:
    """'观音桥.eml: 附件.doc: 文件已损坏' — the file first, then the part of it."""
    return f"{path.name}: {where}: {reason}" if where != path.name else f"{where}: {reason}"


def _echo_failure(path: Path, exc: MailrollError, as_json: bool) -> None:
    if as_json:
        empty = {"file": str(path), "unit": None, "kind": None, "categories": [],
                 "evidence": {}, "figures": {}, "summary": "", "documents": [], "photos": [],
                 "ocr": [], "doubtful": [],
                 "problems": [f"{path.name}: {exc}"]}  # fmt: skip
        click.echo(json.dumps(empty, ensure_ascii=False))
    else:
        click.echo(f"{path}\n  problem: {path.name}: {exc}")
    click.echo(f"mailroll: error: {path}: {exc}", err=True)


def _echo_text(path: Path, sub: Submission, record: dict[str, Any], book: Rulebook) -> None:
    click.echo(f"{path}")
    click.echo(f"  unit: {record['unit'] or '待确认 (unknown)'} [{sub.unit.how or '-'}]")
    click.echo(f"  kind: {sub.kind}")
    click.echo(f"  read: {', '.join(record['documents']) or '-'}; photos: {len(sub.photos)}")
    for cat, sentence in sub.evidence.items():
        click.echo(f"  {book.rules.label(cat)} ({cat}): {sentence}")
    click.echo(f"  figures: {json.dumps(sub.figures, ensure_ascii=False)}")
    click.echo(f"  summary: {sub.summary}")
    for p in sub.problems:
        click.echo(f"  problem: {_problem(path, p.where, p.reason)} — {p.action}")
    for name, lines in record.get("explain", {}).items():
        click.echo(f"  -- {name}")
        for line in lines:
            click.echo(f"     {line}")


def _explanations(sub: Submission, book: Rulebook) -> list[tuple[str, list[str]]]:
    from pipeline.tag.explain import explain_lines

    out = []
    for res in sub.documents:
        doc = res.document
        title = "" if doc.filetype == "body" else doc.name
        out.append((doc.name, list(explain_lines(doc.text, book.rules, title))))
    return out
