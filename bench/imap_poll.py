"""How fast and how chatty an IMAP poll is, against the test Dovecot on loopback.

    .venv/bin/python -m bench.imap_poll [MAILS]

Appends MAILS report mails (GBK, docx attached) to a fresh server, then for
several batch sizes polls into a fresh database: time, IMAP commands sent,
and the same for an empty poll right after. Needs scripts/install-test-deps.sh.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from pipeline.service.runner import open_store, poll_mailbox
from tests.conftest import Workspace
from tests.dovecot import Dovecot
from tests.imap_helpers import report_mail, use_imap


def main(count: int = 300) -> None:
    with Dovecot() as server:
        mails = [report_mail(n) for n in range(count)]
        with server.client() as client:
            for raw in mails:
                client.append("INBOX", raw)
        megabytes = sum(map(len, mails)) / 1e6
        for batch_size in (1, 10, 50):
            with tempfile.TemporaryDirectory() as tmp:
                ws = Workspace(Path(tmp))
                use_imap(ws, server, batch_size=batch_size)
                store = open_store(ws.config)
                try:
                    start = time.perf_counter()
                    full = poll_mailbox(store, ws.config)
                    middle = time.perf_counter()
                    empty = poll_mailbox(store, ws.config)
                    end = time.perf_counter()
                finally:
                    store.close()
            print(
                f"batch_size {batch_size:>2}: {full.new_mails} mails ({megabytes:.1f} MB) in"
                f" {middle - start:.2f} s, {full.imap_commands} IMAP commands;"
                f" empty poll {1000 * (end - middle):.0f} ms, {empty.imap_commands} commands"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
