#!/usr/bin/env bash
# bench-kernel.sh: ipsec manual --up/--down of 1,000 manual conns in a
# throwaway network namespace, per conn, against iproute2 installing and
# deleting the same 3,000 XFRM policies with `ip -batch` (Libreswan has no
# manual keying to compare with; ip -batch is the floor: one process, no
# config parsing). Policies only: ESP SAs need a kernel with ESP.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000}
[ "$(id -u)" = 0 ] || { echo "bench-kernel: needs root (network namespaces)" >&2; exit 1; }
work=$(mktemp -d)
ns=goswan-bench-$$
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
go build -o "$work/ipsec" ./cmd/ipsec
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add va type veth peer name vb
ip -n "$ns" addr add 192.0.2.1/24 dev va

conf=$work/ipsec.conf
{
	printf 'conn %%default\n\tleft=192.0.2.1\n\tright=192.0.2.2\n\ttype=passthrough\n\tauto=manual\n\tleftupdown=%%disabled\n\n'
	for ((i = 0; i < N; i++)); do
		printf 'conn c%d\n\tleftsubnet=10.%d.%d.0/24\n\trightsubnet=10.%d.%d.0/24\n\n' \
			$i $((1 + i / 256)) $((i % 256)) $((100 + i / 256)) $((i % 256))
	done
} >"$conf"
names=$(seq -f 'c%g' 0 $((N - 1)))
for ((i = 0; i < N; i++)); do
	l=10.$((1 + i / 256)).$((i % 256)).0/24 r=10.$((100 + i / 256)).$((i % 256)).0/24
	echo "xfrm policy add src $l dst $r dir out priority 1040 action allow"
	echo "xfrm policy add src $r dst $l dir in priority 1040 action allow"
	echo "xfrm policy add src $r dst $l dir fwd priority 1040 action allow"
done >"$work/add.batch"
sed 's/ add / delete /; s/ priority 1040 action allow//' "$work/add.batch" >"$work/del.batch"

now() { date +%s%N; }
t0=$(now); ip netns exec "$ns" "$work/ipsec" manual --config "$conf" --up $names; t1=$(now)
count=$(ip -n "$ns" xfrm policy count | grep -o 'OUT [0-9]*' | cut -d' ' -f2)
[ "$count" = "$N" ] || { echo "bench-kernel: $count out policies after --up, want $N" >&2; exit 1; }
ip netns exec "$ns" "$work/ipsec" manual --config "$conf" --down $names; t2=$(now)
[ -z "$(ip -n "$ns" xfrm policy)" ] || { echo "bench-kernel: policies left after --down" >&2; exit 1; }
ip -n "$ns" -batch "$work/add.batch"; t3=$(now)
ip -n "$ns" -batch "$work/del.batch"; t4=$(now)

awk -v n="$N" -v up=$((t1 - t0)) -v down=$((t2 - t1)) -v ipadd=$((t3 - t2)) -v ipdel=$((t4 - t3)) 'BEGIN {
	printf "ipsec manual --up   %d conns: %7.1f ms  %6.1f us/conn  (ip -batch add: %6.1f us/conn, ratio %.2f)\n", n, up/1e6, up/n/1e3, ipadd/n/1e3, up/ipadd
	printf "ipsec manual --down %d conns: %7.1f ms  %6.1f us/conn  (ip -batch del: %6.1f us/conn, ratio %.2f)\n", n, down/1e6, down/n/1e3, ipdel/n/1e3, down/ipdel
}'
