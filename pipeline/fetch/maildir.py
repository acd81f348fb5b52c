"""Where raw mail comes from. `fetch_*` functions read a mailbox and never change it.

The local source reads a Maildir (cur/ and new/) or a folder of .eml files, the
embedded default (the demo mailbox shipped in the repository). Files are only
read, never moved or renamed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from pipeline.errors import MailboxError
from pipeline.models import RawMail


def maildir_source_name(folder: Path) -> str:
    return f"maildir:{folder}"


def _maildir_key(rel: Path) -> str:
    """Identity of a file that survives Maildir's new/ → cur/ moves and flag suffixes."""
    if rel.parts and rel.parts[0] in ("new", "cur"):
        return rel.name.split(":2,", 1)[0]
    return rel.as_posix()


def fetch_maildir(folder: Path, is_seen: Callable[[str, str], bool]) -> Iterator[RawMail]:
    """Yield the mails of a local folder that `is_seen(source, key)` does not know yet."""
    if not folder.is_dir():
        raise MailboxError("mail folder not found", str(folder), "set [mailbox] path in config")
    source = maildir_source_name(folder)
    maildir = (folder / "cur").is_dir() or (folder / "new").is_dir()
    if maildir:
        files = [p for sub in ("new", "cur") for p in sorted((folder / sub).glob("*"))]
    else:
        files = sorted(folder.rglob("*.eml"))
    for path in files:
        if not path.is_file() or path.name.startswith("."):
            continue
        key = _maildir_key(path.relative_to(folder))
        if is_seen(source, key):
            continue
        yield RawMail(source=source, key=key, data=path.read_bytes())
