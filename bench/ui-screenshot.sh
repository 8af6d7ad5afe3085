#!/usr/bin/env bash
# Renders the Temporal Web UI's workflow list of a running dev stack to a PNG
# with headless Chromium (Debian's chromium package), to check by eye that the
# UI lists the cycles. Usage: bench/ui-screenshot.sh [UI_URL] [OUT.png]
set -euo pipefail
url=${1:-http://127.0.0.1:8233}
out=${2:-/tmp/fleetpatch-ui.png}
command -v chromium >/dev/null || { echo "install Debian's chromium: apt-get install -y chromium" >&2; exit 1; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$profile" --virtual-time-budget=15000 --window-size=1500,1000 \
  --screenshot="$out" "$url/namespaces/default/workflows" 2>/dev/null
echo "$out"
