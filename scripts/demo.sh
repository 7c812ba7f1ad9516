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

# keys: ranbits, rsasigkey, newhostkey, showhostkey on examples/hostkey.secrets
step "$IPSEC" ranbits 128
step "$IPSEC" ranbits --bytes --continuous 20
step "$IPSEC" showhostkey --file "$ex/hostkey.secrets" --list
step "$IPSEC" showhostkey --file "$ex/hostkey.secrets" --left
step "$IPSEC" showhostkey --file "$ex/hostkey.secrets" --ipseckey --gateway 192.0.2.1
step "$IPSEC" showhostkey --file "$ex/hostkey.secrets" --key
step "$IPSEC" showhostkey --file "$ex/hostkey.secrets" --txt 192.0.2.1 --owner 5.2.0.192.in-addr.arpa
keytmp=$(mktemp -d)
step "$IPSEC" newhostkey --output "$keytmp/ipsec.secrets" --bits 2048 --hostname demo.example
step "$IPSEC" showhostkey --file "$keytmp/ipsec.secrets" --dump
rm -rf "$keytmp"
