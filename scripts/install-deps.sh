#!/usr/bin/env bash
# Install the Debian packages mailroll needs, only when they are missing.
#
#   scripts/install-deps.sh          what the service needs to read attachments
#                                    (make run); without root it warns and goes on:
#                                    those file types then become 待处理 rows.
#   scripts/install-deps.sh --test   that plus what the tests need (make test);
#                                    fails when it cannot install.
#   --dry-run                        (with either) list what would be installed and why,
#                                    install nothing.
#
# Supported: Debian 12+, Ubuntu 22.04+, and Debian-family systems with apt-get and
# Python 3.11+ (Deepin/UOS desktop, Kylin desktop). On other systems (RPM-based
# Kylin/UOS server, openEuler, CentOS) it installs nothing and prints the packages to
# install by hand, with their usual names there.
# Idempotent: does nothing (and no apt-get update) when everything is installed.
set -euo pipefail

RUNTIME_PACKAGES=(
    python3-venv              # make creates .venv with it (python3 -m venv)
    antiword                  # .doc/.wps text (pipeline/extract/office.py)
    libreoffice-writer-nogui  # .doc/.wps/.rtf fallback
    libreoffice-calc-nogui    # .xls/.et fallback
    libarchive13              # .rar/.7z reading through libarchive-c
)
TEST_PACKAGES=(
    dovecot-imapd   # real IMAP server for the test fixture (tests/dovecot.py)
    openssl         # self-signed certificate for the IMAPS port
    7zip            # tests build .7z archives with Chinese names (7zz)
    zip             # tests build zips with GBK names the way Windows tools write them
    fonts-wqy-zenhei  # a Chinese font, so the workbook rendered to PDF shows text, not boxes
    poppler-utils     # pdftotext / pdftoppm read the rendered workbook (tests/test_render.py)
    poppler-data      # CJK CMaps for pdftotext, the floor of bench/ (Chinese PDFs)
    systemd           # systemd-analyze verify for deploy/mailroll.service (tests/test_deploy.py)
    chromium          # the web app in a real browser (tests/test_web_browser.py, Selenium)
    chromium-driver   # ... driven through its WebDriver
    tesseract-ocr          # the other OCR engine, measured against RapidOCR (bench/ocr.py)
    tesseract-ocr-chi-sim
    shellcheck        # make test checks this script (tests/test_install_deps.py)
)
# What to install on a system without apt-get (RPM names; antiword is in EPEL).
OTHER_SYSTEMS="python3 (3.11 or later, with venv), antiword, libreoffice-writer, libreoffice-calc, libarchive"

mode=runtime
dry_run=false
for arg in "$@"; do
    case "$arg" in
        --test) mode="test" ;;
        --dry-run) dry_run=true ;;
        *) echo "install-deps: unknown option $arg (use --test, --dry-run)" >&2; exit 2 ;;
    esac
done
packages=("${RUNTIME_PACKAGES[@]}")
if [[ "$mode" == test ]]; then
    packages+=("${TEST_PACKAGES[@]}")
fi

give_up() {
    if [[ "$mode" == test ]]; then
        echo "install-deps: $1" >&2
        exit 1
    fi
    echo "install-deps: warning: $1; those attachment types will be listed as problems" >&2
    exit 0
}

is_installed() {
    # dpkg -s succeeds for removed-but-not-purged packages too, so check the status.
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
    echo "install-deps: this is not a Debian-family system (no apt-get); nothing installed." >&2
    echo "install-deps: install by hand: $OTHER_SYSTEMS" >&2
    give_up "no apt-get here"
fi

missing=()
for pkg in "${packages[@]}"; do
    is_installed "$pkg" || missing+=("$pkg")
done
if [[ "$dry_run" == true ]]; then
    echo "install-deps: dry run ($mode), nothing installed; the Debian packages:"
    for pkg in "${packages[@]}"; do
        if is_installed "$pkg"; then state="present"; else state="would install"; fi
        printf '  %-26s %s\n' "$pkg" "$state"
    done
    exit 0
fi
if ((${#missing[@]} == 0)); then
    echo "install-deps: all present (${packages[*]})"
    exit 0
fi
if [[ "$(id -u)" -eq 0 ]]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    give_up "need root or sudo to install: ${missing[*]}"
fi

echo "install-deps: installing ${missing[*]}"
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${missing[*]}"
# Where systemd runs, dovecot-core's postinst also starts the system-wide service
# (ports 143/993). The tests never use it: tests/dovecot.py runs its own instance.
