"""`mailroll backup` while the service works, and `mailroll restore` on a new server
(issue 17, 运维): nothing stored is lost, the copy is incremental, a running
service or a damaged backup stops the restore before anything is replaced."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from pipeline.cli import main
from pipeline.service.lock import RunLock
from pipeline.service.runner import open_store, run_once
from tests.builders import make_mail
from tests.conftest import Workspace


def mailroll(ws: Workspace, *args: str) -> object:
    return CliRunner().invoke(main, ["--config", str(ws.config_path), *args])


def _mail(n: int) -> bytes:
    return make_mail(sender="fgw@jiangbei.example", body=f"区发改委组织干部职工绿色出行{n}次。",
                     message_id=f"<b{n}@x>")  # fmt: skip


def test_backup_while_working_then_restore_on_a_new_server(
    workspace: Workspace, tmp_path: Path
) -> None:
    for n in range(2):
        workspace.add(_mail(n))
    assert run_once(workspace.config).processed == 2
    folder = tmp_path / "backup"
    store = open_store(workspace.config)  # the service holds the database open, mid-write
    store.db.execute("BEGIN IMMEDIATE")
    try:
        first = mailroll(workspace, "backup", str(folder))
    finally:
        store.db.execute("ROLLBACK")
        store.close()
    assert first.exit_code == 0, first.output
    assert "(2 mails), 2 new mail files" in first.output
    workspace.add(_mail(2))
    run_once(workspace.config)
    again = mailroll(workspace, "backup", str(folder))
    assert "(3 mails), 1 new mail files" in again.output  # only what the copy lacks

    (tmp_path / "new-server").mkdir()
    new = Workspace(tmp_path / "new-server")  # same config, nothing stored yet
    restored = mailroll(new, "restore", str(folder))
    assert restored.exit_code == 0, restored.output
    status = json.loads(mailroll(new, "status", "--json").output)
    assert (status["mails"], status["submissions"]) == (3, 3)
    archive = new.config.storage.archive
    db = sqlite3.connect(new.config.storage.database)
    paths = [row[0] for row in db.execute("SELECT path FROM mails")]
    db.close()
    assert all((archive / p).is_file() for p in paths)  # the 打开原件 links open again
    report = mailroll(new, "report")
    assert report.exit_code == 0, report.output


def test_restore_refuses_while_working_or_from_a_damaged_backup(
    workspace: Workspace, tmp_path: Path
) -> None:
    workspace.add(_mail(0))
    run_once(workspace.config)
    folder = tmp_path / "backup"
    assert mailroll(workspace, "backup", str(folder)).exit_code == 0
    config = workspace.config
    with RunLock(config.service.lock, "serve (poll)", config.campaign.timezone):
        busy = mailroll(workspace, "restore", str(folder))
    assert busy.exit_code == 75 and "stop it first" in busy.output

    before = config.storage.database.read_bytes()
    damaged = folder / "mailroll.sqlite3"
    damaged.write_bytes(damaged.read_bytes()[:3000])
    out = mailroll(workspace, "restore", str(folder))
    assert out.exit_code == 1
    assert out.output.startswith("mailroll: error: the backup cannot be used")
    assert config.storage.database.read_bytes() == before  # nothing replaced
    empty = mailroll(workspace, "restore", str(tmp_path))
    assert empty.exit_code == 1 and "not a mailroll backup folder" in empty.output
