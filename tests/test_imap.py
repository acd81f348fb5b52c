"""IMAP ingestion against a real Dovecot: every mail once, flags untouched,
cheap empty polls, UIDVALIDITY changes, server crashes, after-actions."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.fetch.imap import PIECE, CountingIMAPClient
from pipeline.models import PollResult
from pipeline.service.runner import open_store, poll_mailbox, run_once
from tests.conftest import Workspace
from tests.dovecot import Dovecot
from tests.imap_helpers import FOLDER, Stored, TcpProxy, report_mail, use_imap


def poll(ws: Workspace):
    store = open_store(ws.config)
    try:
        return poll_mailbox(store, ws.config)
    finally:
        store.close()


def test_gbk_mails_in_a_chinese_folder_are_processed_once_and_flags_unchanged(
    workspace: Workspace, dovecot: Dovecot
) -> None:
    dovecot.create_folder(FOLDER)
    flags = [(), (b"\\Seen",), (b"\\Flagged",), (), (b"\\Seen", b"\\Answered")]
    for n, f in enumerate(flags):
        dovecot.append(FOLDER if n % 2 else "INBOX", report_mail(n), flags=f)
    before = {folder: dovecot.flags(folder) for folder in ("INBOX", FOLDER)}
    use_imap(workspace, dovecot, folders=f'["INBOX", "{FOLDER}"]')

    result = run_once(workspace.config)

    assert (result.new_mails, result.processed, result.failed, result.error) == (5, 5, 0, None)
    stored = Stored(workspace)
    units = ["观音桥街道", "华新街街道", "五里店街道", "江北城街道", "石马河街道"]
    assert stored.subjects() == sorted(
        f"{unit}节能宣传周总结{n}号（经办人王喆）" for n, unit in enumerate(units)
    )
    assert stored.count("documents") >= 10  # body + the docx of each mail
    names = {r[0] for r in stored._rows("SELECT name FROM documents")}
    assert "华新街街道总结1.docx" in names and "五里店街道总结2.docx" in names
    sources = {source for source, _key in stored.seen_keys()}
    assert sources == {"imap:bureau/INBOX", f"imap:bureau/{FOLDER}"}
    assert {folder: dovecot.flags(folder) for folder in ("INBOX", FOLDER)} == before

    again = run_once(workspace.config)
    assert (again.new_mails, again.processed) == (0, 0)
    assert stored.count("mails") == 5 and stored.count("submissions") == 5


def test_an_empty_poll_costs_a_handful_of_commands_whatever_the_mailbox_size(
    workspace: Workspace, dovecot: Dovecot
) -> None:
    dovecot.create_folder(FOLDER)
    for n in range(12):
        dovecot.append("INBOX", report_mail(n))
    use_imap(workspace, dovecot, folders=f'["INBOX", "{FOLDER}"]')

    first = poll(workspace)
    assert (first.new_mails, first.errors) == (12, ())
    # 12 mails in batches of 2: at least 6 FETCH commands plus the session's own
    assert first.imap_commands >= 6 + 5

    empty = poll(workspace)
    # CAPABILITY, LOGIN, ID, EXAMINE INBOX, EXAMINE 节能宣传周, LOGOUT
    assert (empty.new_mails, empty.imap_commands, empty.errors) == (0, 6, ())

    for n in range(12, 40):
        dovecot.append("INBOX", report_mail(n))
    assert poll(workspace).new_mails == 28
    assert poll(workspace).imap_commands == 6  # 40 mails now: still six

    dovecot.append(FOLDER, report_mail(40))
    one = poll(workspace)
    assert (one.new_mails, one.imap_commands) == (1, 8)  # + UID SEARCH + UID FETCH


def test_the_command_counter_counts_what_the_server_receives(dovecot: Dovecot) -> None:
    client = CountingIMAPClient(dovecot.host, port=dovecot.port, ssl=False, timeout=5)
    client.login(dovecot.user, dovecot.password)
    start = client.commands_sent
    for _ in range(7):
        client.noop()
    assert client.commands_sent - start == 7
    client.logout()
    # Dovecot's own count of the session's input: every command is one line
    assert start >= 2  # CAPABILITY and LOGIN at least


def test_a_new_uidvalidity_rescans_without_doubling(workspace: Workspace, dovecot: Dovecot) -> None:
    dovecot.create_folder(FOLDER)
    mails = [report_mail(n) for n in range(4)]
    for raw in mails:
        dovecot.append(FOLDER, raw)
    use_imap(workspace, dovecot, folders=f'["{FOLDER}"]')
    assert run_once(workspace.config).new_mails == 4
    old = dovecot.uidvalidity(FOLDER)

    dovecot.delete_folder(FOLDER)
    dovecot.create_folder(FOLDER)
    for raw in [*reversed(mails), report_mail(4)]:  # same mails, new UIDs, one new mail
        dovecot.append(FOLDER, raw)
    assert dovecot.uidvalidity(FOLDER) != old

    result = run_once(workspace.config)
    assert (result.new_mails, result.processed, result.error) == (1, 1, None)
    stored = Stored(workspace)
    assert stored.count("mails") == 5 and stored.count("submissions") == 5
    assert len(stored.message_ids()) == len(set(stored.message_ids())) == 5
    assert stored.count("seen") == 9  # 4 under the old UIDVALIDITY, 5 under the new
    states = stored._rows("SELECT uidvalidity, last_uid FROM imap_state ORDER BY rowid")
    assert [last for _v, last in states] == [4, 5]


def test_server_killed_during_a_fetch_then_restarted(
    workspace: Workspace, dovecot: Dovecot
) -> None:
    mails = [report_mail(n, size=30_000) for n in range(6)]
    for raw in mails:
        dovecot.append("INBOX", raw)
    proxy = TcpProxy(dovecot.host, dovecot.port)
    use_imap(workspace, dovecot, port=proxy.port)
    # Batches of 2: the first answer passes, the second is cut in the middle of mail 3.
    proxy.arm(b"BODY.PEEK[]", len(mails[0]) + len(mails[1]) + len(mails[2]) // 2, dovecot.kill)

    broken = run_once(workspace.config)
    assert proxy.fired.is_set()
    assert broken.error and "127.0.0.1" in broken.error
    stored = Stored(workspace)
    assert stored.count("mails") == 2  # the first batch, committed before the kill
    assert stored.fetch_problems()  # recorded for the 待处理 sheet
    runs = stored._rows("SELECT error FROM runs")
    assert runs[-1][0] == broken.error

    dovecot.start()
    fixed = run_once(workspace.config)
    assert fixed.error is None
    assert stored.count("mails") == stored.count("submissions") == 6
    assert stored.count("seen") == stored.archived_files() == 6
    assert stored.message_ids() == sorted(f"<report-{n}@jiangbei.example>" for n in range(6))
    proxy.close()


def test_server_restarted_mid_fetch_is_retried_within_the_poll(
    workspace: Workspace, dovecot: Dovecot
) -> None:
    mails = [report_mail(n, size=30_000) for n in range(6)]
    for raw in mails:
        dovecot.append("INBOX", raw)
    proxy = TcpProxy(dovecot.host, dovecot.port)
    use_imap(workspace, dovecot, port=proxy.port, retries=4, retry_delay=0.05)
    cut = len(mails[0]) + len(mails[1]) + len(mails[2]) // 2
    proxy.arm(b"BODY.PEEK[]", cut, lambda: dovecot.restart(crash=True))

    result = poll(workspace)

    assert proxy.fired.is_set()
    assert (result.new_mails, result.errors) == (6, ())
    stored = Stored(workspace)
    assert stored.count("mails") == stored.count("seen") == stored.archived_files() == 6
    proxy.close()


def test_a_server_that_stops_answering_times_out_and_the_poll_goes_on(
    workspace: Workspace, dovecot: Dovecot
) -> None:
    """imapclient's default is no timeout: a hung read would stop polling forever."""
    mails = [report_mail(n) for n in range(4)]
    for raw in mails:
        dovecot.append("INBOX", raw)
    proxy = TcpProxy(dovecot.host, dovecot.port)
    use_imap(workspace, dovecot, port=proxy.port, timeout=0.5)
    proxy.arm(b"BODY.PEEK[]", len(mails[0]) // 2, lambda: None, hang=True)

    result = poll(workspace)

    assert proxy.fired.is_set()
    assert (result.new_mails, result.errors) == (4, ())  # the retry got everything
    assert Stored(workspace).count("mails") == 4
    proxy.close()


def maildir_file(dovecot: Dovecot, uid: int) -> Path:
    """The file holding INBOX's mail `uid`, from Dovecot's own UID list (file names
    alone do not sort by UID: their microsecond part is not zero-padded)."""
    for line in (dovecot.maildir / "dovecot-uidlist").read_text().splitlines()[1:]:
        number, _, name = line.partition(":")
        if int(number.split()[0]) == uid:
            base = name.strip()
            return next(p for p in dovecot.maildir.glob("*/*") if p.name.startswith(base))
    raise LookupError(uid)


def test_a_mail_the_server_cannot_deliver_is_recorded_and_skipped(
    workspace: Workspace, dovecot: Dovecot
) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root: the mail file is made unreadable for Dovecot's user")
    for n in range(4):
        dovecot.append("INBOX", report_mail(n))
    poison = maildir_file(dovecot, uid=2)
    poison.chmod(0)  # Dovecot answers its FETCH with BYE and hangs up
    use_imap(workspace, dovecot, batch_size=4, retries=3)

    first = poll(workspace)
    assert first.errors and first.new_mails == 1  # UID 1, then UID 2 alone failed 3 times
    second = poll(workspace)
    assert (second.new_mails, second.errors) == (2, ())
    stored = Stored(workspace)
    assert stored.count("mails") == 3
    assert stored._rows("SELECT location, reason FROM problems WHERE stage = 'fetch'")[-1] == (
        "邮箱 bureau/INBOX UID 2",
        "邮件服务器连续 3 次无法提供这封邮件，已跳过",
    )
    assert poll(workspace) == PollResult(0, 5, ())  # nothing new, nothing retried


@pytest.mark.parametrize(
    ("after", "expect_flags", "moved"),
    [
        ('{ action = "seen" }', {b"\\Seen"}, False),
        ('{ action = "flag" }', {b"\\Flagged"}, False),
        ('{ action = "flag", target = "$Mailroll" }', {b"$Mailroll"}, False),
        ('{ action = "move", target = "已处理" }', set(), True),
    ],
)
def test_after_actions_apply_after_the_commit_and_only_once(
    workspace: Workspace, dovecot: Dovecot, after: str, expect_flags: set[bytes], moved: bool
) -> None:
    for n in range(3):
        dovecot.append("INBOX", report_mail(n))
    use_imap(workspace, dovecot, after=after)

    assert poll(workspace).new_mails == 3
    if moved:
        assert dovecot.flags("INBOX") == {}
        assert len(dovecot.flags("已处理")) == 3
    else:
        assert all(expect_flags <= set(f) for f in dovecot.flags("INBOX").values())
    assert Stored(workspace).count("imap_actions") == 0
    again = poll(workspace)
    assert (again.new_mails, again.errors) == (0, ())


def test_several_accounts_plain_and_tls_with_a_private_ca(
    workspace: Workspace, dovecot: Dovecot
) -> None:
    dovecot.create_folder(FOLDER)
    dovecot.append("INBOX", report_mail(0))
    dovecot.append(FOLDER, report_mail(1))
    secret = workspace.root / "imap.password"
    tls_account = f"""
[[imap]]
name = "专项"
host = "localhost"
port = {dovecot.tls_port}
security = "tls"
user = "{dovecot.user}"
password_env = "MAILROLL_TEST_PASSWORD"
folders = ["{FOLDER}"]
ca_file = "{dovecot.ca_file}"
"""
    use_imap(workspace, dovecot, more_accounts=tls_account)
    os.environ["MAILROLL_TEST_PASSWORD"] = dovecot.password
    try:
        result = poll(workspace)
    finally:
        del os.environ["MAILROLL_TEST_PASSWORD"]
    assert (result.new_mails, result.errors) == (2, ())
    sources = {s for s, _k in Stored(workspace).seen_keys()}
    assert sources == {"imap:bureau/INBOX", f"imap:专项/{FOLDER}"}
    assert secret.exists()


def test_starttls(workspace: Workspace, dovecot: Dovecot) -> None:
    dovecot.append("INBOX", report_mail(0))
    use_imap(
        workspace, dovecot, host="localhost", security="starttls", ca_file=str(dovecot.ca_file)
    )
    result = poll(workspace)
    assert (result.new_mails, result.errors) == (1, ())


def test_one_bad_folder_does_not_stop_the_others(workspace: Workspace, dovecot: Dovecot) -> None:
    dovecot.append("INBOX", report_mail(0))
    use_imap(workspace, dovecot, folders='["没有这个文件夹", "INBOX"]')
    result = poll(workspace)
    assert result.new_mails == 1
    assert len(result.errors) == 1
    assert '"没有这个文件夹" not found' in result.errors[0] and "INBOX" in result.errors[0]
    assert load_config(workspace.config_path).imap[0].folders[0].name == "没有这个文件夹"


def test_two_polls_at_once_on_a_fresh_database(workspace: Workspace, dovecot: Dovecot) -> None:
    """A scheduled poll overlapping a manual run: both migrate the new database (the
    loser must not keep a failed migration's lock), and each mail is stored once."""
    for n in range(8):
        dovecot.append("INBOX", report_mail(n))
    use_imap(workspace, dovecot)
    results = []
    threads = [threading.Thread(target=lambda: results.append(poll(workspace))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.new_mails for r in results) == 8
    stored = Stored(workspace)
    assert stored.count("mails") == stored.archived_files() == 8


class DovecotWithoutMove(Dovecot):
    """A server that does not advertise MOVE (as some older providers): mailroll must
    fall back to COPY, \\Deleted and UID EXPUNGE of exactly its own UIDs."""

    def _write_config(self) -> None:
        super()._write_config()
        with self.config_path.open("a", encoding="utf-8") as config:
            config.write("imap_capability = IMAP4rev1 LITERAL+ ID UIDPLUS NAMESPACE\n")


def test_move_without_the_move_capability(workspace: Workspace) -> None:
    server = DovecotWithoutMove()
    try:
        server.start()
        for n in range(2):
            server.append("INBOX", report_mail(n))
        use_imap(workspace, server)
        assert poll(workspace).new_mails == 2
        with server.client() as c:  # an official deletes a mail, not yet expunged
            assert b"MOVE" not in c.capabilities()
            c.select_folder("INBOX")
            c.add_flags([1], [b"\\Deleted"])
        for n in range(2, 5):
            server.append("INBOX", report_mail(n))
        use_imap(workspace, server, after='{ action = "move", target = "已处理" }')

        assert poll(workspace).new_mails == 3

        assert len(server.flags("已处理")) == 3
        # only mailroll's own UIDs were expunged: the official's deleted mail is still there
        assert server.flags("INBOX") == {1: frozenset({b"\\Deleted"}), 2: frozenset()}
    finally:
        server.close()


def served(dovecot: Dovecot, uids: list[int]) -> list[bytes]:
    """INBOX's mails `uids` exactly as the server hands them out, in one plain FETCH."""
    with dovecot.client() as client:
        client.select_folder("INBOX", readonly=True)
        got = client.fetch(uids, ["BODY.PEEK[]"])
    return [got[uid][b"BODY[]"] for uid in uids]


def test_a_mail_larger_than_one_piece_is_streamed_to_the_archive_byte_for_byte(
    workspace: Workspace, dovecot: Dovecot, caplog: pytest.LogCaptureFixture
) -> None:
    """A mail over PIECE bytes is fetched piece by piece into the archive, and the
    stored file is exactly what the server holds."""
    small, big = report_mail(0), report_mail(1, size=2 * PIECE + 1000)
    dovecot.append("INBOX", small)
    dovecot.append("INBOX", big)
    whole = served(dovecot, [1, 2])
    assert len(whole[1]) > 2 * PIECE  # three pieces: two full, one short
    use_imap(workspace, dovecot)

    with caplog.at_level("INFO", "pipeline.fetch.poll"):
        result = run_once(workspace.config)

    assert (result.new_mails, result.processed, result.failed) == (2, 2, 0)
    assert "UID 2 is larger than 4 MB: fetching it piece by piece" in caplog.text
    assert "UID 1 is larger" not in caplog.text
    stored = Stored(workspace)
    archived = sorted(p.read_bytes() for p in stored.archive.rglob("*.eml"))
    assert archived == sorted(whole)
    assert not list(stored.archive.rglob(".tmp-*"))
    assert stored.message_ids() == ["<report-0@jiangbei.example>", "<report-1@jiangbei.example>"]


def test_a_connection_cut_inside_a_streamed_mail_loses_nothing(
    workspace: Workspace, dovecot: Dovecot
) -> None:
    big = report_mail(0, size=2 * PIECE + 1000)
    dovecot.append("INBOX", big)
    proxy = TcpProxy(dovecot.host, dovecot.port)
    use_imap(workspace, dovecot, port=proxy.port)
    # the server dies halfway through the second piece of the mail
    proxy.arm(f"BODY.PEEK[]<{PIECE}.".encode(), PIECE // 2, dovecot.kill)

    broken = poll(workspace)

    assert proxy.fired.is_set()
    assert broken.errors and broken.new_mails == 0
    stored = Stored(workspace)
    assert stored.count("mails") == 0 and stored.archived_files() == 0
    assert not list(stored.archive.rglob(".tmp-*"))  # no half-written mail left behind
    dovecot.start()
    fixed = poll(workspace)
    assert (fixed.new_mails, fixed.errors) == (1, ())
    assert [p.read_bytes() for p in stored.archive.rglob("*.eml")] == served(dovecot, [1])
    proxy.close()
