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

# Opportunistic encryption in DNS: the records of the quickstart's roles,
# and the signed RFC 2136 update `showhostkey --publish` would send (dry run;
# drop --dry-run and add --server to send it, then check with --check).
step "$IPSEC" showhostkey --pem-in "$ex/oe-host.pub.pem" --owner xy.example.com --key
step "$IPSEC" showhostkey --pem-in "$ex/oe-host.pub.pem" --owner 192.0.2.1 --key --txt 192.0.2.1 \
	--subnet 198.51.100.0/29 --ptr-domain example.com --publish --dry-run \
	--zone 2.0.192.in-addr.arpa --zone 100.51.198.in-addr.arpa --tsig-key "$ex/oe-tsig.key"
