#!/usr/bin/env bash
# Install the Debian packages mailroll's tests need, only when they are missing.
# Idempotent: safe to run repeatedly; does nothing (and no apt-get update) when
# everything is already installed. Runs as root (CI) or via sudo.
#
# Add packages to TEST_DEB_PACKAGES below (e.g. libreoffice-writer-nogui,
# poppler-utils, poppler-data, fonts-wqy-zenhei).
set -euo pipefail

TEST_DEB_PACKAGES=(
    dovecot-imapd   # real IMAP server for the test fixture (tests/dovecot.py)
    openssl         # self-signed certificate for the IMAPS port
    systemd         # systemd-analyze verify for deploy/mailroll.service (tests/test_deploy.py)
)

is_installed() {
    # dpkg -s succeeds for removed-but-not-purged packages too, so check the status.
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

missing=()
for pkg in "${TEST_DEB_PACKAGES[@]}"; do
    if ! is_installed "$pkg"; then
        missing+=("$pkg")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "install-test-deps: all present (${TEST_DEB_PACKAGES[*]})"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-test-deps: no apt-get here; install by hand: ${missing[*]}" >&2
    exit 1
fi

if [[ "$(id -u)" -eq 0 ]]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "install-test-deps: need root or sudo to install: ${missing[*]}" >&2
    exit 1
fi

echo "install-test-deps: installing ${missing[*]}"
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"

echo "install-test-deps: installed ${missing[*]}"
# Note: where systemd runs, dovecot-core's postinst also starts the system-wide
# service (ports 143/993). The tests never use it: tests/dovecot.py runs its own
# instance from its own config on free high ports.
