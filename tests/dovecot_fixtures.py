"""Pytest fixtures for a real Dovecot IMAP server (see tests/dovecot.py).

Load them from tests/conftest.py with::

    pytest_plugins = ["tests.dovecot_fixtures"]

(this also registers the hook that adds the Dovecot log to a failing test's
report), or import the fixtures by name::

    from tests.dovecot_fixtures import dovecot, dovecot_session  # noqa: F401

Without the dovecot binary the tests are skipped with a hint to run
scripts/install-deps.sh --test; set MAILROLL_REQUIRE_DOVECOT=1 (CI) to make that
a failure instead.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from typing import Any

import pytest

from tests.dovecot import Dovecot, DovecotUnavailable

__all__ = ["dovecot", "dovecot_session", "new_dovecot"]


def new_dovecot(**kwargs: Any) -> Dovecot:
    """A started server, or skip (fail with MAILROLL_REQUIRE_DOVECOT=1) if not installed."""
    try:
        server = Dovecot(**kwargs)
    except DovecotUnavailable as exc:
        if os.environ.get("MAILROLL_REQUIRE_DOVECOT", "") not in ("", "0"):
            pytest.fail(f"MAILROLL_REQUIRE_DOVECOT is set but: {exc}")
        pytest.skip(str(exc))
    try:
        return server.start()
    except BaseException:
        server.close()
        raise


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A fresh server per test (~40 ms): empty INBOX, own ports, own Maildir."""
    server = new_dovecot()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def dovecot_session() -> Iterator[Dovecot]:
    """One server for the whole session: use unique folder names, never kill/restart it."""
    server = new_dovecot()
    try:
        yield server
    finally:
        server.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach the Dovecot log tail to the report of a test that failed while using it."""
    report = yield
    if report.failed:
        funcargs = getattr(item, "funcargs", {})
        for value in funcargs.values():
            if isinstance(value, Dovecot):
                report.sections.append((f"dovecot log ({value.root})", value.log_tail(40)))
    return report
