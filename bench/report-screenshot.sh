#!/usr/bin/env bash
# Renders a report's HTML page headless to a PNG, to look at it.
# Needs Debian's chromium (apt-get install -y chromium). Not run in CI.
#
#   bench/report-screenshot.sh                      # a synthetic report
#   bench/report-screenshot.sh path/to/report.html  # an existing page
# Output: /tmp/report.png (or $OUT).
set -euo pipefail
cd "$(dirname "$0")/.."
html=${1:-}
if [ -z "$html" ]; then
  dir=$(mktemp -d)
  go run ./report/reporttest/sample -out "$dir" -servers "${SERVERS:-300}" -packages "${PACKAGES:-12}" >/dev/null
  html=$dir/report.html
fi
out=${OUT:-/tmp/report.png}
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --screenshot="$out" --window-size="${SIZE:-1400,1800}" \
  "file://$(realpath "$html")" 2>/dev/null
echo "$out"
