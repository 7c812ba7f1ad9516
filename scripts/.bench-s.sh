#!/usr/bin/env bash
# Bulk loading: 1,000 conns into a fresh pluto, ours (`ipsec auto --addall`)
# against each Libreswan's own `addconn --autoall`, alternating runs,
# medians, ratio. Each run gets a freshly started pluto in a private network
# namespace, so neither side benefits from the other's state. Runs against
# the host's Libreswan (4.10) and, when its Debian 13 root is there
# (GOSWAN_LIBRESWAN5_ROOT, default /var/cache/goswan/trixie), Libreswan 5.2
# from that root. Needs root.
#
# The configuration has a site's shape: a conn %default (keyingtries,
# lifetimes, DPD), a conn base pulled in by also=, each conn its own
# left/right/subnets/IDs, and the conns spread over the main file and three
# includes (one by name, two by a glob).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
N=${N:-1000}
ours=${IPSEC:-bin/ipsec}
[ -x "$ours" ] || go build -tags urfave_cli_no_docs -o "$ours" ./cmd/ipsec
ours=$(realpath "$ours")
[ "$(id -u)" = 0 ] || { echo "bench-auto: needs root (network namespace); skipped" >&2; exit 0; }
root5=${GOSWAN_LIBRESWAN5_ROOT:-/var/cache/goswan/trixie}
work=$(mktemp -d)
ns=bench-auto-$$
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add eth0 type veth peer name eth1
ip -n "$ns" addr add 192.0.2.2/24 dev eth0
ip -n "$ns" link set eth0 up
ip -n "$ns" link set eth1 up
ip -n "$ns" route add default via 192.0.2.1
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

conn() { # conn I: one conn of the site
	local i=$1 a=$(($1 / 250)) b=$(($1 % 250))
	printf 'conn c%d\n\talso=base\n\tleft=192.0.2.2\n\tleftid=@west%d\n\tleftsubnet=10.%d.%d.0/24\n\tright=198.51.%d.%d\n\trightid=@east%d\n\trightsubnet=172.16.%d.%d/32\n\tauto=add\n\n' \
		"$i" "$i" "$a" "$b" "$((100 + a))" "$((b + 1))" "$i" "$a" "$b"
}
mkdir -p "$work/conf/sites"
{
	printf 'config setup\n\tdnssec-enable=no\n\tikev1-policy=accept\n\n'
	printf 'conn %%default\n\tkeyingtries=3\n\tikelifetime=8h\n\tsalifetime=1h\n\tdpddelay=30\n\tdpdtimeout=120\n\n'
	printf 'conn base\n\tleftnexthop=192.0.2.1\n\tauthby=secret\n\tike=aes256-sha2_256;modp2048\n\tesp=aes256-sha2_256\n\ttype=tunnel\n\n'
	printf 'include %s/conf/hq.conf\ninclude %s/conf/sites/*.conf\n\n' "$work" "$work"
	for i in $(seq 1 $((N / 4))); do conn "$i"; done
} > "$work/conf/ipsec.conf"
for i in $(seq $((N / 4 + 1)) $((N / 2))); do conn "$i"; done > "$work/conf/hq.conf"
for i in $(seq $((N / 2 + 1)) $((3 * N / 4))); do conn "$i"; done > "$work/conf/sites/a.conf"
for i in $(seq $((3 * N / 4 + 1)) "$N"); do conn "$i"; done > "$work/conf/sites/b.conf"
# pluto reads only config setup (given the whole file it would load the
# conns itself at start-up).
printf 'config setup\n\tdnssec-enable=no\n' > "$work/pluto.conf"
mkdir -p "$work/nss"
certutil -N -d "sql:$work/nss" --empty-password
: > "$work/ipsec.secrets"

# Libreswan 5.2 runs from its root: wrappers that enter it in a private
# mount namespace (so nothing stays mounted), with /tmp (the work
# directory) visible at the same path.
if [ -x "$root5/usr/libexec/ipsec/pluto" ]; then
	mkdir -p "$work/ls5"
	for p in pluto whack addconn; do
		cat > "$work/ls5/$p" <<WRAP
#!/bin/sh
exec unshare --mount --propagation private /bin/sh -ec '
r=$root5
mount --bind /dev "\$r/dev"; mount -t proc proc "\$r/proc"
mount --bind /tmp "\$r/tmp"
exec chroot "\$r" /usr/libexec/ipsec/$p "\$@"
' sh "\$@"
WRAP
		chmod +x "$work/ls5/$p"
	done
fi

# bench DIR: ours against DIR's addconn, both into DIR's pluto.
bench() {
	local L=$1 label
	label=$("$L/whack" --version 2>/dev/null | awk '{ print $2; exit }')
	start_pluto() {
		rm -rf "$work/run"
		mkdir -p "$work/run"
		ip netns exec "$ns" "$L/pluto" --nofork --stderrlog --config "$work/pluto.conf" \
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
		"$@" >"$work/out" 2>&1 || true
		e=$EPOCHREALTIME
		loaded=$("$L/whack" --rundir "$work/run" --status | sed -n 's/.*Total IPsec connections: loaded \([0-9]*\).*/\1/p')
		stop_pluto
		[ "$loaded" = "$((N + 1))" ] || [ "$loaded" = "$N" ] || { echo "bench-auto: only $loaded of $N conns loaded by: $*" >&2; head -5 "$work/out" >&2; }
		awk -v a="$s" -v b="$e" 'BEGIN { printf "%.3f\n", b - a }'
	}
	median() { sort -n | awk -v n="$RUNS" 'NR == int((n + 1) / 2) { print }'; }
	: > "$work/ls" ; : > "$work/ours"
	for _ in $(seq "$RUNS"); do
		timed ip netns exec "$ns" perf stat -x, -e task-clock,page-faults,context-switches -o /tmp/ps.ls."$RANDOM" "$L/addconn" --config "$work/conf/ipsec.conf" --ctlsocket "$work/run/pluto.ctl" --autoall >> "$work/ls"
		timed ip netns exec "$ns" perf stat -x, -e task-clock,page-faults,context-switches -o /tmp/ps.ours."$RANDOM" "$ours" auto --config "$work/conf/ipsec.conf" --ctlsocket "$work/run/pluto.ctl" --execdir "$L" --addall >> "$work/ours"
	done
	ls_s=$(median < "$work/ls")
	our_s=$(median < "$work/ours")
	printf '%-10s %-6s %14s %12s %8s\n' "$label" "$N" "$ls_s" "$our_s" "$(awk -v a="$ls_s" -v b="$our_s" 'BEGIN { printf "%.2f", b / a }')"
}

printf '%-10s %-6s %14s %12s %8s\n' libreswan conns addconn_s goswan_s ratio
if [ -x /usr/libexec/ipsec/pluto ]; then bench /usr/libexec/ipsec; else echo "bench-auto: Libreswan not installed; 4.x skipped" >&2; fi
:
