"""Load the corpus into the test Dovecot (tests/dovecot.py) by writing its Maildir.

Writing the message files into `Maildir/.<folder>/cur/` before the server
starts is what APPEND does minus the protocol (Dovecot stores APPENDed mail as
plain files with LF line ends too, and assigns UIDs in file-name order on the
first SELECT), and it takes a second instead of minutes for 12,000 mails.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from tests.dovecot import Dovecot, _mail_owner


def fill_maildir(server: Dovecot, folder: str, mails: Iterable[Path]) -> int:
    """Copy each mail file into `folder` as already-seen mail; return how many."""
    uid, gid, _, _ = _mail_owner()
    base = server.maildir / f".{folder}"
    for sub in ("cur", "new", "tmp"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    count = 0
    for n, path in enumerate(mails):
        data = path.read_bytes().replace(b"\r\n", b"\n")
        target = base / "cur" / f"{1_700_000_000 + n}.M{n}P1.bench,S={len(data)}:2,S"
        target.write_bytes(data)
        count += 1
    if os.geteuid() == 0:
        for dirpath, _dirs, files in os.walk(server.maildir):
            os.chown(dirpath, uid, gid)
            for name in files:
                os.chown(os.path.join(dirpath, name), uid, gid)
    return count
