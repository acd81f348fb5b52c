"""Time the web app's pages on a season-sized database (issue #15).

    .venv/bin/python -m bench.web_pages [--mails 2000] [--repeat 3]

Builds a folder mailbox of small report mails from roster units (tests/servicekit.py),
processes it with `run_once`, signs in through Flask's test client and prints the
median time of each page (the app's own work: no network, no browser)."""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

from pipeline.service.runner import open_store, run_once
from pipeline.web import create_app
from pipeline.web.auth import add_user
from tests.conftest import Workspace
from tests.servicekit import report_mail

PAGES = ("/", "/units", "/unit/guanyinqiao", "/queue", "/log", "/senders")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp))
        for n in range(args.mails):
            ws.add(report_mail(n))
        started = time.monotonic()
        run_once(ws.config)
        print(f"{args.mails} mails processed in {time.monotonic() - started:.1f} s")
        store = open_store(ws.config)
        add_user(store, "bench", "bench-password")
        store.close()
        client = create_app(ws.config).test_client()
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
        assert token is not None
        client.post("/login", data={"csrf": token.group(1), "name": "bench",
                                    "password": "bench-password"})  # fmt: skip
        sha = re.search(r"/mail/([0-9a-f]{64})", client.get("/unit/guanyinqiao").text)
        assert sha is not None
        for path in (*PAGES, f"/mail/{sha.group(1)}"):
            times = []
            for _ in range(args.repeat):
                t = time.monotonic()
                assert client.get(path).status_code == 200, path
                times.append(time.monotonic() - t)
            print(f"{path[:24]:26s} median {statistics.median(times) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
