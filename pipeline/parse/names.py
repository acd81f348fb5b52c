"""Names and text from a mail, made safe to show: a sender chooses every character.

A right-to-left override (U+202E) in `report\u202excod.exe` makes it display as
`reportexe.docx`; zero-width characters hide in a name and make two names look
the same. Bidi controls are shown as a visible mark ([U+202E]) so the official
sees that something is odd; other invisible format characters are removed.
"""

from __future__ import annotations

import re

_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200d\u2060-\u2064\ufeff\ufff9-\ufffb]")


def visible(text: str) -> str:
    """`text` with bidi controls made visible and other invisible characters removed."""
    if text.isascii():
        return text
    text = _INVISIBLE.sub("", text)
    return _BIDI.sub(lambda m: f"[U+{ord(m.group()):04X}]", text)
