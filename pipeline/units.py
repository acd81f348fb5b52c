"""Which reporting unit sent a submission.

The roster (rules/roster.toml) lists every unit with its full name, common
short forms and known sender addresses. A submission is matched by, in order:
the sender address, a unit named in the sender's display name, the subject,
an attachment's file name, the title or signature of a text, and finally the
whole text when it names exactly one unit. Nothing else is guessed: an
unknown sender whose mail names no unit is left for a person (待确认).

A known sender address is not trusted over the mail itself: when the display
name, subject, file names, titles and signatures name other units and never the
address's own, the mail is held for a person too (how = "conflict:<address's
unit>,<signed unit>"), counted for neither.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from pydantic import BaseModel

from pipeline.config import schema
from pipeline.config.kit import read_toml
from pipeline.errors import ConfigError
from pipeline.models import Unit, UnitMatch

UNIT_TYPES = ("街道/镇", "区级部门", "学校", "医院", "其他")
CONFLICT = "conflict"  # UnitMatch.how of a mail whose address and signature disagree
_HEAD_CHARS = 200
_TAIL_CHARS = 300


@dataclass(frozen=True)
class Roster:
    units: tuple[Unit, ...]
    recipient: str = ""  # id of the bureau receiving the reports; named in many subjects

    @property
    def reporting(self) -> tuple[Unit, ...]:
        """The units that report: everyone but the bureau receiving the reports."""
        return tuple(u for u in self.units if u.id != self.recipient)

    def get(self, unit_id: str | None) -> Unit | None:
        return self._by_id.get(unit_id or "")

    @cached_property
    def _by_id(self) -> dict[str, Unit]:
        return {u.id: u for u in self.units}

    @cached_property
    def _by_sender(self) -> dict[str, Unit]:
        return {addr: u for u in self.units for addr in u.senders}

    @cached_property
    def _by_name(self) -> dict[str, Unit]:
        return {name: u for u in self.units for name in u.names}

    @cached_property
    def _name_pattern(self) -> re.Pattern[str]:
        names = sorted(self._by_name, key=len, reverse=True)  # longest name wins at a position
        return re.compile("|".join(re.escape(n) for n in names))

    def named_in(self, text: str) -> list[Unit]:
        """Units named in the text, in order of first mention, recipient last."""
        seen: dict[str, Unit] = {}
        for match in self._name_pattern.finditer(text):
            unit = self._by_name[match.group()]
            seen.setdefault(unit.id, unit)
        found = list(seen.values())
        return [u for u in found if u.id != self.recipient] + [
            u for u in found if u.id == self.recipient
        ]

    def by_sender(self, address: str) -> Unit | None:
        return self._by_sender.get(address.strip().lower())

    def with_senders(self, remembered: Mapping[str, str]) -> Roster:
        """The roster with addresses a person tied to units ({address: unit id}, kept in
        the database); such an address moves from any unit rules/roster.toml gave it."""
        moved = {a.strip().lower(): u for a, u in remembered.items() if u in self._by_id}
        if not moved:
            return self
        units = tuple(
            replace(
                unit,
                senders=tuple(a for a in unit.senders if a not in moved)
                + tuple(a for a, owner in moved.items() if owner == unit.id),
            )
            for unit in self.units
        )
        return Roster(units=units, recipient=self.recipient)


class _UnitEntry(schema.Table):
    id: str
    name: str
    type: str
    aliases: list[str] | None = None
    senders: list[str] | None = None


class _RosterFile(schema.Table):
    """roster.toml: a misspelt key (`sender` for `senders`) is an error, not lost."""

    recipient: str | None = None
    unit: list[_UnitEntry] | None = None


def load_roster(path: Path) -> Roster:
    """Read and validate rules/roster.toml; errors name the file, the unit and the fix."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("roster file not found", str(path)) from None
    data = read_toml(text, path)
    model: type[BaseModel] = _RosterFile
    schema.check(model, data, path, text)
    entries = data.get("unit")
    if not isinstance(entries, list) or not entries:
        raise ConfigError("no [[unit]] entries", str(path))
    units: list[Unit] = []
    owner: dict[str, str] = {}
    for i, entry in enumerate(entries, start=1):
        where = f"{path}: unit #{i}"
        unit = _unit(entry, where)
        for key in (unit.id, *unit.names, *unit.senders):
            if key in owner and owner[key] != unit.id:
                raise ConfigError(f"{key!r} is used by two units ({owner[key]}, {unit.id})", where)
            owner[key] = unit.id
        units.append(unit)
    recipient = str(data.get("recipient", ""))
    if recipient and recipient not in {u.id for u in units}:
        raise ConfigError(f"recipient {recipient!r} is not a unit id", str(path))
    return Roster(units=tuple(units), recipient=recipient)


def _unit(entry: object, where: str) -> Unit:
    if not isinstance(entry, dict):
        raise ConfigError("each [[unit]] must be a table", where)
    for key in ("id", "name", "type"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise ConfigError(f"{key} is missing or empty", where)
    if entry["type"] not in UNIT_TYPES:
        raise ConfigError(f"type {entry['type']!r} is not one of {', '.join(UNIT_TYPES)}", where)
    lists = {}
    for key in ("aliases", "senders"):
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{key} must be a list of strings", where)
        lists[key] = tuple(v.strip() for v in value if v.strip())
    return Unit(
        id=entry["id"].strip(),
        name=entry["name"].strip(),
        type=entry["type"],
        aliases=lists["aliases"],
        senders=tuple(s.lower() for s in lists["senders"]),
    )


def identify(
    roster: Roster,
    sender: str = "",
    sender_name: str = "",
    subject: str = "",
    filenames: Sequence[str] = (),
    texts: Iterable[str] = (),
) -> UnitMatch:
    """Work out which roster unit a submission comes from; UnitMatch(None) if unknown."""
    unit = roster.by_sender(sender) if sender else None
    if unit:
        signed = _signed_by(roster, [sender_name, subject, *filenames], texts)
        if signed and unit.id not in {u.id for u in signed}:  # a person decides (待确认)
            return UnitMatch(None, f"{CONFLICT}:{unit.id},{signed[0].id}", sender)
        return UnitMatch(unit, "sender", sender)
    for how, text in (("sender_name", sender_name), ("subject", subject)):
        found = roster.named_in(text)
        if found:
            return UnitMatch(found[0], how, text)
    for name in filenames:
        found = roster.named_in(name)
        if found:
            return UnitMatch(found[0], "filename", name)
    texts = [t for t in texts if t.strip()]
    for text in texts:  # title or signature line
        for part in (text[:_HEAD_CHARS], text[-_TAIL_CHARS:]):
            found = roster.named_in(part)
            if found:
                return UnitMatch(found[0], "text", _line_with(part, found[0]))
    named = {u.id: u for text in texts for u in roster.named_in(text) if u.id != roster.recipient}
    if len(named) == 1:
        unit = next(iter(named.values()))
        return UnitMatch(unit, "text", _line_with(" ".join(texts), unit))
    return UnitMatch(None)


def conflict_units(roster: Roster, how: str) -> tuple[Unit, Unit] | None:
    """The (sender address's unit, signed unit) of a mail held back by a disagreement."""
    if not how.startswith(f"{CONFLICT}:"):
        return None
    ids = how.split(":", 1)[1].split(",")
    units = [roster.get(i) for i in ids]
    if len(units) != 2 or units[0] is None or units[1] is None:
        return None
    return units[0], units[1]


def _signed_by(roster: Roster, names: Sequence[str], texts: Iterable[str]) -> list[Unit]:
    """Units the mail itself names where a sender signs: display name, subject, file
    names, the title or signature of each text (the receiving bureau left out)."""
    places = [*names]
    for text in texts:
        if text.strip():
            places += [text[:_HEAD_CHARS], text[-_TAIL_CHARS:]]
    found: dict[str, Unit] = {}
    for place in places:
        for unit in roster.named_in(place):
            if unit.id != roster.recipient:
                found.setdefault(unit.id, unit)
    return list(found.values())


def _line_with(text: str, unit: Unit) -> str:
    for line in text.splitlines():
        if any(name in line for name in unit.names):
            return line.strip()[:80]
    return unit.name
