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
    libreoffice-calc-nogui  # renders the roll-up workbook to PDF (tests/test_render.py)
    fonts-wqy-zenhei        # a Chinese font, so the rendered PDF shows text, not boxes
    poppler-utils           # pdftotext / pdftoppm to read the rendered PDF
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

if [[ "$(id -u)" -eq 0 ]]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "install-test-deps: need root or sudo to install: ${missing[*]}" >&2
    exit 1
fi

echo "install-test-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"

# dovecot-core's postinst starts the system-wide service where an init system
# runs; the tests use their own instance and do not need it.
if command -v dovecot >/dev/null 2>&1; then
    echo "install-test-deps: $(dovecot --version 2>/dev/null || echo dovecot) ready"
fi
