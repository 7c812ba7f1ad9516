#!/bin/sh
# Runs as root inside the ESP VM (scripts/esp-vm.sh), from /t, which also
# holds a static ipsec binary and ipsec.conf (written by TestManualVM).
# Two network namespaces, a (192.0.2.1 and 2001:db8::1, client
# 198.51.100.1) and b (192.0.2.2 and 2001:db8::2, client 203.0.113.1),
# joined by veth. For each conn checked below:
# ipsec manual --up in both, ping through, check with
# ipsec look that every SA carried traffic, ipsec manual --down in both,
# check that nothing is left. Keys are never printed: ipsec look censors
# them and the test checks the console for them.
ip() { /sbin/ip "$@"; }
IPSEC=/t/ipsec
say() { echo "GOSWAN-VM: $*"; }
die() { say "FAILED: $*"; exit 1; }

ip netns add a && ip netns add b || die "netns"
ip link add va netns a type veth peer name vb netns b || die "veth"
ip -n a addr add 192.0.2.1/24 dev va
ip -n b addr add 192.0.2.2/24 dev vb
ip -n a addr add 2001:db8::1/64 dev va nodad
ip -n b addr add 2001:db8::2/64 dev vb nodad
ip -n a addr add 198.51.100.1/32 dev lo
ip -n b addr add 203.0.113.1/32 dev lo
for ns in a b; do ip -n $ns link set lo up; done
ip -n a link set va up
ip -n b link set vb up
# The routes toward the clients; ipsec manual --down keeps routes anyway.
ip -n a route add 203.0.113.0/24 via 192.0.2.2 src 198.51.100.1
ip -n b route add 198.51.100.0/24 via 192.0.2.1 src 203.0.113.1
ip netns exec a ping -c 1 -W 3 192.0.2.2 >/dev/null || die "plain ping"

manual() { ns=$1; shift; ip netns exec "$ns" $IPSEC manual --config /t/ipsec.conf "$@"; }

# conn proto ping-args...
check() {
	conn=$1 proto=$2
	shift 2
	for ns in a b; do
		manual $ns --up "$conn" || die "$conn: ipsec manual --up in $ns"
	done
	ip netns exec a ping -c 3 -i 0.2 -W 3 "$@" || die "$conn: ping $*"
	for ns in a b; do
		ip netns exec $ns $IPSEC look state >/tmp/look || die "$conn: ipsec look in $ns"
		sed "s/^/$ns: /" /tmp/look
		n=$(grep -c "proto $proto spi" /tmp/look)
		idle=$(grep -c 'traffic: 0 bytes' /tmp/look)
		[ "$n" -eq 2 ] && [ "$idle" -eq 0 ] || die "$conn: $ns has $n $proto SAs, $idle of them without traffic"
	done
	for ns in a b; do
		manual $ns --down "$conn" || die "$conn: ipsec manual --down in $ns"
		# counts only: ip xfrm state would print keys
		sad=$(ip -n $ns xfrm state count)
		spd=$(ip -n $ns xfrm policy count)
		echo "$sad" | grep -q 'SAD count 0$' && echo "$spd" | grep -q 'SPD IN  0 OUT 0 FWD 0$' ||
			die "$conn: left in $ns after --down: $sad; $spd"
	done
	say "$conn: ok"
}

check tr-cbc esp 192.0.2.2

# Rollback on a real ESP kernel: conn dup reuses an SPI of tr-cbc, so its
# first SA fails after its policies went in; they must go again, and
# tr-cbc must be untouched.
manual a --up tr-cbc || die "rollback: tr-cbc --up"
out=$(manual a --up dup 2>&1) && die "rollback: dup --up succeeded"
echo "$out"
echo "$out" | grep -q 'another SA has this SPI' || die "rollback: unexpected error"
ip -n a xfrm state count | grep -q 'SAD count 2$' || die "rollback: SAs of tr-cbc changed"
ip -n a xfrm policy count | grep -q 'SPD IN  1 OUT 1 FWD 0$' || die "rollback: policies of dup left: $(ip -n a xfrm policy count)"
manual a --down tr-cbc || die "rollback: tr-cbc --down"
say "rollback: ok"
check tun-gcm esp -I 198.51.100.1 203.0.113.1
check tun-cbc esp -I 198.51.100.1 203.0.113.1
check tr-ah ah 192.0.2.2
check tun-ah ah -I 198.51.100.1 203.0.113.1
check tr-v6 esp 2001:db8::2
check tun-esp-ah ah -I 198.51.100.1 203.0.113.1
grep -q '^up-client 198.51.100.0/24 203.0.113.0/24$' /tmp/updown.log || die "updown up-client not called"
grep -q '^down-client 203.0.113.0/24 198.51.100.0/24$' /tmp/updown.log || die "updown down-client not called in b"
say "all conns ok"
