"""scripts/install-deps.sh: what a plain Debian-family server needs, python3-venv
included; --dry-run says what it would install; other systems get a clear list."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

SCRIPT = REPO / "scripts" / "install-deps.sh"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *args], capture_output=True, text=True, check=False, env=env
    )


def listed(output: str) -> dict[str, str]:
    rows = [line.split(maxsplit=1) for line in output.splitlines() if line.startswith("  ")]
    return {name: state for name, state in rows}


def test_dry_run_lists_python3_venv_and_installs_nothing() -> None:
    out = run("--dry-run")
    assert out.returncode == 0, out.stderr
    packages = listed(out.stdout)
    assert "python3-venv" in packages and "antiword" in packages
    assert set(packages.values()) <= {"present", "would install"}
    assert "dovecot-imapd" not in packages  # only with --test
    test = listed(run("--test", "--dry-run").stdout)
    assert {"python3-venv", "dovecot-imapd", "shellcheck"} <= set(test)


def test_another_system_is_told_what_to_install(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"  # a PATH with bash and no apt-get, dpkg-query
    bin_dir.mkdir()
    for tool in ("bash", "id"):
        found = shutil.which(tool)
        assert found
        (bin_dir / tool).symlink_to(found)
    env = {**os.environ, "PATH": str(bin_dir)}
    out = run(env=env)
    assert out.returncode == 0  # the service still installs; those files become 待处理 rows
    assert "not a Debian-family system (no apt-get); nothing installed" in out.stderr
    assert "python3 (3.11 or later, with venv)" in out.stderr
    assert run("--test", env=env).returncode == 1  # the tests cannot run without them
    assert run("--bogus").returncode == 2


def test_shellcheck_passes() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        if os.environ.get("MAILROLL_REQUIRE_DOVECOT", "") not in ("", "0"):  # make test
            pytest.fail("shellcheck is missing: run scripts/install-deps.sh --test")
        pytest.skip("shellcheck is not installed (scripts/install-deps.sh --test)")
    out = subprocess.run([shellcheck, str(SCRIPT)], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout
