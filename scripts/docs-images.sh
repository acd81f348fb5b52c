#!/usr/bin/env bash
# Render the demo's 概况 page and district summary draft to PNG for the README:
#   docs/overview.png    the first page of the cumulative workbook (概况), as printed
#   docs/summary-1.png … the pages of …_累计_区级总结.docx
# Needs `make install-test` (LibreOffice, a CJK font, poppler-utils). Uses a private
# copy of the demo's database and output, so var/ and output/ are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed -e "s|^database = .*|database = \"$work/var/mailroll.sqlite3\"|" \
    -e "s|^archive = .*|archive = \"$work/var/archive\"|" \
    -e "s|^dir = \"output\"|dir = \"$work/output\"|" \
    -e "s|^path = \"demo/mail\"|path = \"$PWD/demo/mail\"|" \
    -e "s|^dir = \"rules\"|dir = \"$PWD/rules\"|" \
    -e "s|^log_file = .*|log_file = \"\"|" config.toml > "$work/config.toml"
.venv/bin/mailroll --config "$work/config.toml" run --once --quiet
book="$work/output/江北区节能宣传周汇总_累计.xlsx"
draft="$work/output/江北区节能宣传周汇总_累计_区级总结.docx"
soffice "-env:UserInstallation=file://$work/lo" --headless --convert-to pdf \
    --outdir "$work/pdf" "$book" "$draft" > /dev/null
mkdir -p docs
pdftoppm -png -r 110 -f 1 -l 1 -singlefile "$work/pdf/江北区节能宣传周汇总_累计.pdf" docs/overview
rm -f docs/summary-*.png
pdftoppm -png -r 70 "$work/pdf/江北区节能宣传周汇总_累计_区级总结.pdf" docs/summary
ls docs/overview.png docs/summary-*.png
