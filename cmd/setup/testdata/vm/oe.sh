#!/bin/sh
# Inside the ESP VM: opportunistic encryption from DNS keys, end to end.
# named (in west's namespace, address 192.1.2.254) serves a reverse zone it
# signs itself; each host makes its key with ipsec newhostkey, publishes it
# with ipsec showhostkey --ipseckey --oe --publish (TSIG), checks the signed
# record, and starts with ipsec setup start. A ping from west to east makes
# west's pluto fetch east's key, validate it and bring the tunnel up; the
# ping then crosses it over real ESP. No key is handed from one host to the
# other. The Libreswan release is the one libreswan.sh installs.
ip() { /sbin/ip "$@"; }
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
die() { echo "OE-VM: FAIL: $*"; for f in $T/*/pluto.log $T/dns/named.log; do [ -f $f ] && { echo "== $f"; grep -v '^.\{24\}|' $f | tail -30; }; done; exit 1; }
. /t/libreswan.sh
I=/t/ipsec
T=/run/oe
Z=2.1.192.in-addr.arpa
ip netns add pw && ip netns add pe || exit 1
ip link add w0 netns pw type veth peer name e0 netns pe
ip -n pw addr add 192.1.2.45/24 dev w0
ip -n pe addr add 192.1.2.23/24 dev e0
for ns in pw pe; do ip -n $ns link set lo up; done
ip -n pw link set w0 up; ip -n pe link set e0 up
ip -n pw addr add 192.1.2.254/32 dev lo
ip -n pw route add default via 192.1.2.23
ip -n pe route add default via 192.1.2.45
echo "nameserver 192.1.2.254" > /etc/resolv.conf
echo "127.0.0.1 localhost" > /etc/hosts
# A chrooted pluto's libunbound reads the chroot's resolv.conf and hosts.
[ -z "$R" ] || cp /etc/resolv.conf /etc/hosts $R/etc/ || exit 1

mkdir -p $T/dns/keys
cp /t/tsig.key $T/dns/tsig.key
cat > $T/dns/$Z.db <<EOZ
\$TTL 300
@   IN SOA ns.oe.test. hostmaster.oe.test. ( 1 60 30 86400 60 )
    IN NS  ns.oe.test.
254 IN PTR ns.oe.test.
EOZ
cat > $T/dns/named.conf <<EOC
include "$T/dns/tsig.key";
options {
	directory "$T/dns";
	pid-file "$T/dns/named.pid";
	session-keyfile "$T/dns/session.key";
	managed-keys-directory "$T/dns";
	listen-on port 53 { 192.1.2.254; };
	listen-on-v6 { none; };
	recursion no;
	dnssec-validation no;
	notify no;
};
controls { };
zone "$Z" {
	type primary;
	file "$T/dns/$Z.db";
	key-directory "$T/dns/keys";
	dnssec-policy default;
	inline-signing no;
	allow-update { key oe-vm-tsig; };
};
EOC
ip netns exec pw /usr/sbin/named -g -n 1 -c $T/dns/named.conf > $T/dns/named.log 2>&1 &
i=0
until ksk=$(grep -l 'DNSKEY 257' $T/dns/keys/K$Z.+*.key 2>/dev/null | head -1) && [ -n "$ksk" ] && grep -q 'running' $T/dns/named.log; do
	i=$((i+1)); [ $i -lt 300 ] || die "named did not sign $Z"; sleep 0.1
done
sleep 1
/usr/bin/dnssec-dsfromkey -2 "$ksk" > $T/anchors.ds || die "dnssec-dsfromkey"
echo "OE-VM: named up, $Z signed; anchor: $(cut -c1-60 $T/anchors.ds)"

for n in west east; do
	ns=pw; [ $n = east ] && ns=pe
	d=$T/$n; mkdir -p $d/etc/ipsec.d/policies $d/run; cp -a /t/$n/nss $d/nss
	echo "192.1.2.0/24" > $d/etc/ipsec.d/policies/private-or-clear
	echo "192.1.2.254/32" > $d/etc/ipsec.d/policies/clear
	IPSEC_CONFS=$d/etc ip netns exec $ns $I newhostkey --output $d/ipsec.secrets --bits 2048 --hostname $n --quiet || die "newhostkey $n"
	cat > $d/etc/ipsec.conf <<EOC
config setup
	nssdir=$d/nss
	ipsecdir=$d/ipsec.d
	secretsfile=$d/ipsec.secrets
	dumpdir=$d
	logfile=$d/pluto.log
	dnssec-enable=yes
	dnssec-rootkey-file=""
	dnssec-anchors=$T/anchors.ds

# FreeS/WAN 2: the policy groups are implicit; only what differs is written.
conn block
	auto=ignore

# The VM has no updown script (as the other VM tests, routes need none here).
conn private-or-clear
	leftupdown=%disabled

conn clear
	leftupdown=%disabled
EOC
	IPSEC_CONFS=$d/etc ip netns exec $ns $I showhostkey --file $d/ipsec.secrets --ipseckey --oe --publish \
		--server 192.1.2.254 --tsig-key $T/dns/tsig.key || die "publish $n"
	IPSEC_CONFS=$d/etc ip netns exec $ns $I showhostkey --file $d/ipsec.secrets --ipseckey --oe --check --dnssec \
		--nameserver 192.1.2.254 || die "check $n"
done
# What this release's whack --status says of a routed OE group instance.
routed=$(cat /t/routed)
for n in east west; do
	ns=pw; [ $n = east ] && ns=pe
	d=$T/$n
	IPSEC_CONFS=$d/etc ip netns exec $ns $I setup --config $d/etc/ipsec.conf --rundir $d/run start || die "setup start $n"
	i=0
	until /usr/libexec/ipsec/whack --rundir $d/run --status | grep '"private-or-clear#192.1.2.0/24": ' | grep -qF "$routed"; do
		i=$((i+1)); [ $i -lt 100 ] || die "$n: OE policy not routed"; sleep 0.1
	done
done
echo "OE-VM: both plutos up"
# The first packet only triggers OE (negotiationshunt=passthrough lets it
# through in the clear); the later ones must cross the tunnel.
ip netns exec pw ping -c 1 -W 2 192.1.2.23 >/dev/null
i=0
until /usr/libexec/ipsec/whack --rundir $T/west/run --trafficstatus | grep -q 'type=ESP'; do
	i=$((i+1)); [ $i -lt 100 ] || die "no Child SA"; sleep 0.1
done
ip netns exec pw ping -c 3 -i 0.2 -W 3 192.1.2.23 || die "ping through the tunnel"
echo "ping through the tunnel: ok"
/usr/libexec/ipsec/whack --rundir $T/west/run --trafficstatus
/usr/libexec/ipsec/whack --rundir $T/west/run --listpubkeys | grep -E 'RSA Key|ID_'
for n in west east; do grep -hE 'established (IKE|Child) SA' $T/$n/pluto.log | cut -c1-220 | sed "s/^/$n: /"; done
ip -n pw -s xfrm state | grep -E '^src|proto esp|packets\)'
out=$(ip -n pw -s xfrm state | grep -c 'proto esp')
[ "$out" -ge 2 ] || die "no ESP states"
/usr/libexec/ipsec/whack --rundir $T/west/run --trafficstatus | grep -q "inBytes=[1-9]" || die "no traffic counted"
echo "OE over ESP: ok"
