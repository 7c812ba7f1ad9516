#!/bin/sh
# Runs as root inside the ESP VM (scripts/esp-vm.sh), from /t, which holds a
# static ipsec binary, ipsec.conf (manual conns whose keys are planted
# markers), ipsec.secrets and keys (the planted key hex, one per line,
# never printed). Written by TestBarfVM. In a namespace a (192.0.2.1 and
# .11, veth to b at 192.0.2.2 and .12) the manual conns put ESP and AH SAs with those keys in
# the kernel; ipsec barf must show the SAs but none of the keys, and
# ipsec verify must find ESP and AH present.
ip() { /sbin/ip "$@"; }
IPSEC=/t/ipsec
say() { echo "GOSWAN-VM: $*"; }
die() { say "FAILED: $*"; exit 1; }

ip netns add a && ip netns add b || die "netns"
ip link add va netns a type veth peer name vb netns b || die "veth"
ip -n a addr add 192.0.2.1/24 dev va
ip -n b addr add 192.0.2.2/24 dev vb
# The AH conn has addresses of its own: two transport conns between the
# same hosts would ask for the same policies.
ip -n a addr add 192.0.2.11/24 dev va
ip -n b addr add 192.0.2.12/24 dev vb
for ns in a b; do ip -n $ns link set lo up; done
ip -n a link set va up
ip -n b link set vb up

for c in barf-esp barf-ah; do
	ip netns exec a $IPSEC manual --config /t/ipsec.conf --up $c || die "ipsec manual --up $c"
done
n=$(ip -n a xfrm state | grep -c -i -f /t/keys)
[ "$n" -ge 3 ] || die "the planted keys are not in XFRM ($n lines)"

IPSEC_CONFS=/t ip netns exec a $IPSEC barf --config /t/ipsec.conf --timeout 10s >/tmp/barf 2>&1 || die "ipsec barf failed"
ip netns exec a $IPSEC verify --nocolour --config /t/ipsec.conf >/tmp/verify 2>&1
# The reports go to the console (the test checks it for keys), the
# summary after them.
sed 's/^/GOSWAN-BARF: /' /tmp/barf
sed 's/^/GOSWAN-VERIFY: /' /tmp/verify
say "XFRM holds the planted keys ($n lines)"
leaks=$(grep -c -i -f /t/keys /tmp/barf)
[ "$leaks" -eq 0 ] || die "ipsec barf shows $leaks lines with a planted key"
sas=$(grep -c 'proto esp spi\|proto ah spi' /tmp/barf)
[ "$sas" -ge 4 ] || die "ipsec barf shows $sas SAs, want 4"
grep '^	\(enc\|auth\|auth-trunc\|aead\) ' /tmp/barf | sed 's/^/GOSWAN-VM: barf key line: /'
say "barf: $sas SAs, no planted key"
grep -q 'XFRM present, ESP present, AH present' /tmp/verify || die "verify did not find ESP and AH"
say "barf and verify ok"
