#!/usr/bin/env bash
# Side by side: publishing a gateway's OE records (its KEY and, for each
# client of a subnet, an X-IPsec-Server TXT with the key and a PTR) with
# `ipsec showhostkey --publish` and with BIND's nsupdate fed the same update
# (our --dry-run text), both TSIG-signed, to a private named on 127.0.0.1.
# Libreswan has no publisher; nsupdate is the reference. Medians of RUNS.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-7}
ours=${IPSEC:-bin/ipsec}
[ -x "$ours" ] || go build -o "$ours" ./cmd/ipsec
ours=$(realpath "$ours")
for p in named nsupdate tsig-keygen; do
	command -v "$p" >/dev/null || [ -x "/usr/sbin/$p" ] || { echo "bench-dns: $p missing (apt-get install bind9 bind9-dnsutils)"; exit 0; }
done
PATH=$PATH:/usr/sbin
D=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT
tsig-keygen -a hmac-sha256 bench-key > "$D/tsig.key"
zones="example.com 2.0.192.in-addr.arpa 100.51.198.in-addr.arpa"
for z in $zones; do
	printf '$TTL 300\n@ IN SOA ns1.example.com. hostmaster.example.com. 1 3600 600 86400 300\n  IN NS ns1.example.com.\n' > "$D/$z.db"
done
start_named() {
	port=$((20000 + RANDOM % 20000))
	{
		echo "include \"$D/tsig.key\";"
		echo "options { directory \"$D\"; pid-file \"$D/named.pid\"; session-keyfile \"$D/session.key\";"
		echo "  managed-keys-directory \"$D\"; listen-on port $port { 127.0.0.1; }; listen-on-v6 { none; };"
		echo "  recursion no; dnssec-validation no; notify no; };"
		echo "controls { };"
		for z in $zones; do echo "zone \"$z\" { type primary; file \"$D/$z.db\"; allow-update { key \"bench-key\"; }; };"; done
	} > "$D/named.conf"
	named -g -c "$D/named.conf" -n 1 > "$D/named.log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do
		grep -q ' running$' "$D/named.log" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=
	return 1
}
for _ in 1 2 3 4 5; do start_named && break; done
[ -n "$pid" ] || { echo "bench-dns: named did not start"; cat "$D/named.log"; exit 1; }

median() { sort -n | awk -v n="$RUNS" 'NR == int((n + 1) / 2) { print }'; }
timeit() {   # CMD... with stdin from $IN: prints seconds per run, one per line
	for _ in $(seq "$RUNS"); do
		s=$EPOCHREALTIME
		"$@" < "$IN" >/dev/null
		e=$EPOCHREALTIME
		awk -v a="$s" -v b="$e" 'BEGIN { printf "%.4f\n", b - a }'
	done
}
pem=keys/oe/testdata/host.pub.pem
printf '%-10s %8s %12s %12s %8s\n' subnet records nsupdate_s goswan_s ratio
for sub in 198.51.100.0/30 198.51.100.0/27 198.51.100.0/26; do
	args=(showhostkey --pem-in "$pem" --owner 192.0.2.1 --key --txt 192.0.2.1 --subnet "$sub" --ptr-domain example.com
		--publish --server "127.0.0.1:$port" --tsig-key "$D/tsig.key")
	"$ours" "${args[@]}" --dry-run > "$D/update.txt"
	records=$(grep -c '^update add' "$D/update.txt")
	IN=/dev/null
	g=$(timeit "$ours" "${args[@]}" | median)
	IN=$D/update.txt
	n=$(timeit nsupdate -k "$D/tsig.key" | median)
	ratio=$(awk -v n="$n" -v g="$g" 'BEGIN { printf "%.1fx", (g > 0 ? n / g : 0) }')
	printf '%-10s %8d %12s %12s %8s\n' "$sub" "$records" "$n" "$g" "$ratio"
done
echo "(ratio > 1: goswan faster than nsupdate for the same signed update)"
