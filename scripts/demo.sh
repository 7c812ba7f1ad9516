#!/usr/bin/env bash
# make demo: runs the freshly built toolkit on the bundled examples/.
set -euo pipefail
cd "$(dirname "$0")/.."
IPSEC=${1:-bin/ipsec}
ex=examples
step() { printf '\n$ %s\n' "$*"; "$@"; }
step "$IPSEC" --version
step "$IPSEC" --help
for f in "$ex"/*.conf; do
	step "$IPSEC" addconn --checkconfig --config "$f"
done
step "$IPSEC" readwriteconf --config "$ex/net-to-net.conf"
