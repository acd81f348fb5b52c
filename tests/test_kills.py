"""Issue 14: killing `mailroll run` (cron timeout, systemctl stop, the OOM killer)
never bends the roll-up. It is killed at random moments over 300 mails, from a
real Dovecot and from a Maildir; after each kill no mailroll process is left,
and in the end every mail is stored once, none is set aside, no temp folder is
left over, and the workbook is the one a clean run writes. A mail that really
crashes its worker is still set aside after `limits.max_attempts` crashes.
"""

from __future__ import annotations

import os
import random
import signal
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from tests.builders import CHINA, make_docx, make_mail
from tests.servicekit import (
    MAILBOX_KINDS,
    DovecotBox,
    Mailbox,
    MaildirBox,
    Mailroll,
    count,
    query,
    report_mail,
    wait_until,
    write_service_config,
)
from tests.test_fanout import needs_two_cores

MAILS = 300
KILLS = 10
START = date(2024, 5, 13)


@pytest.fixture(params=MAILBOX_KINDS)
def mailbox(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Mailbox]:
    if request.param == "maildir":
        yield MaildirBox(tmp_path)
    else:
        yield DovecotBox(tmp_path, request.getfixturevalue("dovecot"))


def season_mail(n: int) -> bytes:
    when = datetime(2024, 5, 13, 8, tzinfo=CHINA) + timedelta(minutes=37 * n)
    if n % 10:
        return report_mail(n, when)
    sender, unit = ("huaxinjie@jiangbei.example", "华新街街道")
    return make_mail(  # a docx, so extraction workers are running when a kill lands
        sender=sender,
        subject=f"{unit}节能宣传周总结（第{n}份）",
        body="详见附件。",
        attachments=[("总结.docx", make_docx([f"{unit}组织干部职工{n}人绿色出行。"]))],
        date=when,
        message_id=f"<kill-{n}@jiangbei.example>",
    )


def workspace(root: Path, mailbox: Mailbox) -> tuple[Path, dict[str, str]]:
    """A config under `root` reading `mailbox`, and the environment of its runs
    (their own TMPDIR, so leftovers can be counted)."""
    root.mkdir(exist_ok=True)
    (root / "tmp").mkdir()
    config = write_service_config(root, mailbox, start=START, end=START + timedelta(days=6))
    return config, {"TMPDIR": str(root / "tmp")}


def run_to_end(config: Path, env: dict[str, str]) -> str:
    proc = Mailroll(config, "run", "--once", env=env)
    assert proc.wait(300) == 0, proc.text()
    return proc.text()


def session_alive(sid: int) -> list[int]:
    """Processes still alive in the session `mailroll` was started in (workers, the
    forkserver, the resource tracker all stay in it, whatever their process group)."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            alive.append(int(entry.name))
    return alive


def workbook_values(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every sheet's cell values, the title lines (generation time) left out."""
    book = openpyxl.load_workbook(path)
    return {
        ws.title: [
            row
            for row in ws.iter_rows(values_only=True)
            if not any("生成时间" in str(v) for v in row if v is not None)
        ]
        for ws in book.worksheets
    }


def test_random_kills_of_run_bend_nothing(mailbox: Mailbox, tmp_path: Path) -> None:
    config, env = workspace(tmp_path / "killed", mailbox)
    db = config.parent / "var" / "mailroll.sqlite3"
    seed = int(os.environ.get("MAILROLL_KILL_SEED", time.time_ns() % 10**6))
    rng = random.Random(seed)
    landed = runs = 0
    batches = 2 * KILLS  # mail keeps arriving over twice as many runs as kills
    while landed < KILLS and runs < 3 * KILLS:  # until 10 kills landed mid-run
        for n in range(runs * MAILS // batches, min(MAILS, (runs + 1) * MAILS // batches)):
            mailbox.add(season_mail(n))  # every run has work in hand
        runs += 1
        proc = Mailroll(config, "run", "--once", env=env)
        # any moment of the run: start-up, the poll, processing; how long a run takes
        # depends on the machine's load, so a kill that comes too late is not counted
        time.sleep(rng.uniform(0.3, 3.0))
        if proc.proc.poll() is None:
            landed += 1
            sig = signal.SIGTERM if landed % 4 == 0 else signal.SIGKILL  # systemctl stop, OOM
            os.kill(proc.pid, sig)  # mailroll itself, not its process group
        proc.wait(60)
        try:
            wait_until(
                f"no process left after run {runs} (seed {seed})",
                lambda sid=proc.pid: not session_alive(sid),
                timeout=10,
            )
        finally:  # whatever the test says, leave no orphan behind
            for pid in session_alive(proc.pid):
                os.kill(pid, signal.SIGKILL)
    assert landed == KILLS, f"only {landed} kills landed mid-run in {runs} runs (seed {seed})"
    for n in range(min(MAILS, runs * MAILS // batches), MAILS):
        mailbox.add(season_mail(n))  # the rest of the season, for the run that finishes
    run_to_end(config, env)
    clean_config, clean_env = workspace(tmp_path / "clean", mailbox)
    run_to_end(clean_config, clean_env)

    assert count(db, "mails") == MAILS and count(db, "seen") == MAILS
    assert query(db, "SELECT state, attempts, in_hand, count(*) FROM mails GROUP BY 1, 2, 3") == [
        ("done", 0, 0, MAILS)
    ], f"seed {seed}"
    assert count(db, "submissions") == MAILS
    leftovers = sorted(p.name for p in (config.parent / "tmp").iterdir())
    assert leftovers == [], f"temp folders left over: {leftovers}"
    clean = workbook_values(clean_config.parent / "output" / "江北区节能宣传周汇总_累计.xlsx")
    killed = workbook_values(config.parent / "output" / "江北区节能宣传周汇总_累计.xlsx")
    assert killed == clean, f"seed {seed}"


CRASH = "CRASH-ME"  # MAILROLL_TEST_CRASH_MAIL: processing a mail with this subject SIGKILLs


def crash_run(config: Path, env: dict[str, str]) -> int:
    proc = Mailroll(config, "run", "--once", env={**env, "MAILROLL_TEST_CRASH_MAIL": CRASH})
    return proc.wait(120)


def poison_mail() -> bytes:
    return make_mail(sender="wulidian@jiangbei.example", subject=f"五里店街道总结 {CRASH}",
                     body="五里店街道组织绿色出行。", message_id="<poison@x>")  # fmt: skip


def mail_rows(db: Path) -> dict[str, tuple[object, ...]]:
    rows = query(db, "SELECT s.subject, m.state, m.attempts, m.in_hand FROM mails m"
                     " LEFT JOIN submissions s USING (sha256)")  # fmt: skip
    return {str(r[0]): r[1:] for r in rows}


def test_a_mail_that_crashes_its_worker_is_set_aside_after_three_crashes(tmp_path: Path) -> None:
    box = MaildirBox(tmp_path)
    box.add(poison_mail())  # first: it kills the serial run itself
    for n in range(4):
        box.add(report_mail(n))
    config, env = workspace(tmp_path / "ws", box)
    db = config.parent / "var" / "mailroll.sqlite3"

    assert crash_run(config, env) == -signal.SIGKILL  # the run died on it: nothing counted
    assert query(db, "SELECT attempts, in_hand FROM mails WHERE state = 'new'")[0] == (0, 1)
    for crashes in (1, 2):  # then processed alone in a worker, which dies: counted
        assert crash_run(config, env) == 3
        assert query(db, "SELECT attempts FROM mails WHERE state = 'new'") == [(crashes,)]
    assert crash_run(config, env) == 3  # the third crash: set aside
    assert count(db, "mails", "state = 'done' AND attempts = 0") == 4
    assert count(db, "mails", "state = 'failed' AND attempts = 3") == 1
    reasons = [r[0] for r in query(db, "SELECT reason FROM problems WHERE stage = 'process'")]
    assert any("处理已失败 3 次" in str(r) for r in reasons)


@needs_two_cores
def test_a_worker_crash_counts_only_against_its_own_mail(tmp_path: Path) -> None:
    box = MaildirBox(tmp_path)
    for n in range(30):
        box.add(report_mail(n))
        if n == 12:
            box.add(poison_mail())  # in flight with others when its worker dies
    config, env = workspace(tmp_path / "ws", box)
    db = config.parent / "var" / "mailroll.sqlite3"
    assert crash_run(config, env) == 3
    assert count(db, "mails", "state = 'done' AND attempts = 0 AND in_hand = 0") == 30
    assert query(db, "SELECT attempts, in_hand FROM mails WHERE state = 'new'") == [(1, 1)]


def test_half_written_files_of_a_killed_run_are_removed(tmp_path: Path) -> None:
    """A kill while a workbook or an archived mail is written leaves its `.tmp-*` file; the
    next run removes those over an hour old and leaves a younger one (a `mailroll report`
    may be writing it right now)."""
    box = MaildirBox(tmp_path)
    box.add(season_mail(0))
    config, env = workspace(tmp_path / "ws", box)
    output, archive = config.parent / "output", config.parent / "var" / "archive"
    for folder in (output, archive):
        folder.mkdir(parents=True, exist_ok=True)
    stale = [output / ".tmp-k1l2m3.xlsx", archive / ".tmp-a9b8c7"]
    fresh = output / ".tmp-n4o5p6.docx"
    hour_ago = time.time() - 3700
    for path in (*stale, fresh):
        path.write_bytes(b"PK\x03\x04 half")
    for path in stale:
        os.utime(path, (hour_ago, hour_ago))
    run_to_end(config, env)
    assert not any(p.exists() for p in stale)
    assert fresh.exists()
    assert (output / "江北区节能宣传周汇总_累计.xlsx").exists()
