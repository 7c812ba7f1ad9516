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

# ipsec verify on this machine with an example config (failures are
# findings, not demo errors), and the censored config and secrets sections
# of ipsec barf.
step "$IPSEC" verify --nocolour --config "$ex/net-to-net.conf" || true
printf '\n$ IPSEC_CONFS=%s %s barf | sed -n ...\n' "$ex/barf" "$IPSEC"
IPSEC_CONFS="$ex/barf" "$IPSEC" barf --timeout 5s | sed -n '/_ ipsec\/conf$/,/_ ipsec\/listall$/p'
