"""Mail templates from rules/templates/: a "主题：" line, a blank line, the body.

Officials edit these files, so every mistake is reported with the file and the
placeholder: an unknown {name} is an error before any mail goes out, never a
mail with a hole in it. Values are inserted as plain text (str.format does not
interpret what it inserts), so a subject copied from a mail cannot change the
template.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import SendError

_SUBJECT_PREFIXES = ("主题：", "主题:", "Subject:")


@dataclass(frozen=True)
class Template:
    path: Path
    subject: str
    body: str

    @property
    def fields(self) -> set[str]:
        names = set()
        for text in (self.subject, self.body):
            names |= {f for _, f, _, _ in string.Formatter().parse(text) if f}
        return names

    def render(self, values: Mapping[str, object]) -> tuple[str, str]:
        """(subject, body) with the placeholders filled in."""
        unknown = sorted(self.fields - set(values))
        if unknown:
            raise SendError(
                f"unknown placeholder {{{unknown[0]}}}; use {', '.join(sorted(values))}",
                str(self.path),
            )
        try:
            return self.subject.format_map(values), self.body.format_map(values).strip() + "\n"
        except (ValueError, IndexError, KeyError) as exc:
            raise SendError(f"template cannot be filled in: {exc}", str(self.path)) from None


def load_template(folder: Path, name: str) -> Template:
    """Read folder/name.txt; comment lines (#) are dropped."""
    path = folder / f"{name}.txt"
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SendError("mail template not found", str(path)) from None
    lines = [line for line in raw.splitlines() if not line.lstrip().startswith("#")]
    while lines and not lines[0].strip():
        lines.pop(0)
    first = lines[0].strip() if lines else ""
    prefix = next((p for p in _SUBJECT_PREFIXES if first.startswith(p)), None)
    if prefix is None:
        raise SendError('the first line must be the subject, "主题：……"', str(path))
    template = Template(path, first[len(prefix) :].strip(), "\n".join(lines[1:]).strip())
    try:
        _ = template.fields
    except ValueError as exc:  # a lone { or }
        raise SendError(
            f"bad braces ({exc}); write {{{{ and }}}} for literal ones", str(path)
        ) from None
    return template
