#!/usr/bin/env bash
# Bulk loading: 1,000 conns into a fresh pluto, ours (`ipsec auto --addall`)
# against Libreswan's `addconn --autoall`, alternating runs, medians, ratio.
# Each run gets a freshly started pluto in a private network namespace, so
# neither side benefits from the other's state. Needs root and Libreswan.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
N=${N:-1000}
ours=${IPSEC:-bin/ipsec}
[ -x "$ours" ] || go build -o "$ours" ./cmd/ipsec
ours=$(realpath "$ours")
L=/usr/libexec/ipsec
[ -x "$L/pluto" ] || { echo "bench-auto: Libreswan not installed; skipped" >&2; exit 0; }
[ "$(id -u)" = 0 ] || { echo "bench-auto: needs root (network namespace); skipped" >&2; exit 0; }
work=$(mktemp -d)
ns=bench-auto-$$
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add eth0 type veth peer name eth1
ip -n "$ns" addr add 192.0.2.2/24 dev eth0
ip -n "$ns" link set eth0 up
ip -n "$ns" link set eth1 up
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

{
	printf 'config setup\n\tdnssec-enable=no\n\n'
	for i in $(seq 1 "$N"); do
		a=$((i / 250)) b=$((i % 250))
		printf 'conn c%d\n\tleft=192.0.2.2\n\tleftid=@west%d\n\tleftsubnet=10.%d.%d.0/24\n\tright=198.51.%d.%d\n\trightid=@east%d\n\trightsubnet=172.16.%d.%d/32\n\tauthby=secret\n\tike=aes256-sha2_256;modp2048\n\tikelifetime=4h\n\tauto=add\n\n' \
			"$i" "$i" "$a" "$b" "$((100 + a))" "$b" "$i" "$a" "$b"
	done
} > "$work/ipsec.conf"
mkdir -p "$work/nss"
certutil -N -d "sql:$work/nss" --empty-password
: > "$work/ipsec.secrets"

start_pluto() {
	rm -rf "$work/run"
	mkdir -p "$work/run"
	ip netns exec "$ns" "$L/pluto" --nofork --stderrlog --no-dnssec --config /dev/null \
		--secretsfile "$work/ipsec.secrets" --rundir "$work/run" --nssdir "$work/nss" \
		--dumpdir "$work" --ipsecdir "$work" >"$work/pluto.log" 2>&1 &
	pid=$!
	until "$L/whack" --rundir "$work/run" --status >/dev/null 2>&1; do sleep 0.02; done
}
stop_pluto() {
	"$L/whack" --rundir "$work/run" --shutdown >/dev/null 2>&1 || kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=
}
# timed CMD...: seconds taken; checks that all N conns loaded.
timed() {
	start_pluto
	s=$EPOCHREALTIME
	"$@" >/dev/null 2>&1 || true
	e=$EPOCHREALTIME
	loaded=$("$L/whack" --rundir "$work/run" --status | sed -n 's/.*Total IPsec connections: loaded \([0-9]*\).*/\1/p')
	stop_pluto
	[ "$loaded" = "$N" ] || echo "bench-auto: only $loaded of $N conns loaded by: $*" >&2
	awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f\n", b - a }'
}
median() { sort -n | awk -v n="$RUNS" 'NR == int((n + 1) / 2) { print }'; }

: > "$work/ls" ; : > "$work/ours"
for _ in $(seq "$RUNS"); do
	timed ip netns exec "$ns" "$L/addconn" --config "$work/ipsec.conf" --ctlsocket "$work/run/pluto.ctl" --autoall >> "$work/ls"
	timed ip netns exec "$ns" "$ours" auto --config "$work/ipsec.conf" --ctlsocket "$work/run/pluto.ctl" --addall >> "$work/ours"
done
ls_s=$(median < "$work/ls")
our_s=$(median < "$work/ours")
printf '%-6s %14s %12s %8s\n' conns addconn_s goswan_s ratio
printf '%-6s %14s %12s %8s\n' "$N" "$ls_s" "$our_s" "$(awk -v a="$ls_s" -v b="$our_s" 'BEGIN { printf "%.2f", b / a }')"
