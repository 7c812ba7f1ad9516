#!/bin/sh
# Inside the ESP VM: ipsec setup start on two ends (two namespaces), ipsec
# auto --up on one, a ping through the tunnel, ipsec verify, barf and look
# with the tunnel up, ipsec setup stop, with the Libreswan release
# libreswan.sh installs.
# Debian's static busybox runs its own ip applet first; it knows no netns.
ip() { /sbin/ip "$@"; }
stamp() { echo "GOSWAN-T: $(cut -d' ' -f1 /proc/uptime)s $*"; }
stamp run.sh starts
. /t/libreswan.sh
I=/t/ipsec
T=/run/gs
ip netns add pw && ip netns add pe || exit 1
ip link add w0 netns pw type veth peer name e0 netns pe
ip -n pw addr add 192.0.2.11/24 dev w0
ip -n pe addr add 192.0.2.12/24 dev e0
for ns in pw pe; do ip -n $ns link set lo up; done
ip -n pw link set w0 up; ip -n pe link set e0 up
ip -n pw addr add 198.51.100.11/32 dev lo
ip -n pe addr add 203.0.113.12/32 dev lo
ip -n pw route add 203.0.113.0/24 via 192.0.2.12 src 198.51.100.11
ip -n pe route add 198.51.100.0/24 via 192.0.2.11 src 203.0.113.12
mkdir -p $T
for n in west east; do
  d=$T/$n; mkdir -p $d; cp -a /t/$n/nss $d/nss
  echo '@west @east : PSK "0123456789abcdef0123456789abcdef"' > $d/ipsec.secrets
  cat > $d/ipsec.conf <<EOC
version 2.0

config setup
	nssdir=$d/nss
	secretsfile=$d/ipsec.secrets
	dumpdir=$d
	logfile=$d/pluto.log
	dnssec-enable=no
	plutoload=%search
	interfaces=%defaultroute

conn t
	left=192.0.2.11
	leftid=@west
	leftsubnet=198.51.100.0/24
	leftupdown=%disabled
	right=192.0.2.12
	rightid=@east
	rightsubnet=203.0.113.0/24
	rightupdown=%disabled
	authby=secret
	keyexchange=ike
	auto=add
EOC
done
stamp starting pluto
ip netns exec pe $I setup --config $T/east/ipsec.conf --rundir $T/east/run start || { cat $T/east/pluto.log; exit 1; }
ip netns exec pw $I setup --config $T/west/ipsec.conf --rundir $T/west/run start || { cat $T/west/pluto.log; exit 1; }
ip netns exec pw $I setup --config $T/west/ipsec.conf --rundir $T/west/run status
stamp both started
$I auto --config $T/west/ipsec.conf --rundir $T/west/run --up t
ip netns exec pw ping -c 3 -i 0.2 -W 3 -I 198.51.100.11 203.0.113.12; prc=$?
[ $prc = 0 ] && echo "ping through the tunnel: ok"
/usr/libexec/ipsec/whack --rundir $T/west/run --trafficstatus
ip -n pw -s xfrm state | grep -E '^src|proto esp|packets\)'
grep -hE 'established|ERROR' $T/west/pluto.log $T/east/pluto.log
stamp tunnel checked
# The diagnostics with the tunnel up; the test checks their lines.
ip netns exec pw $I verify --nocolour --config $T/west/ipsec.conf --rundir $T/west/run 2>&1 | sed 's/^/VERIFY: /'
# a loaded host makes the emulated guest slow: no command may be cut short
ip netns exec pw $I barf --timeout 60s --config $T/west/ipsec.conf --rundir $T/west/run > $T/barf.txt 2>&1
echo "barf exit $?, $(wc -l < $T/barf.txt) lines"
# the section headings, then the sections the test reads
grep '^+ _____' $T/barf.txt | sed 's/^/BARF: /'
for s in version ipsec/status ip-xfrm-state; do
  awk -v s="+ _________________________ $s" '$0 == s {p=1; print; next} /^\+ _____/ {p=0} p' $T/barf.txt | sed 's/^/BARF: /'
done
ip netns exec pw $I look 2>&1 | sed 's/^/LOOK: /' 
stamp diagnostics done
for n in west east; do
  ns=pw; [ $n = east ] && ns=pe
  ip netns exec $ns $I setup --config $T/$n/ipsec.conf --rundir $T/$n/run stop
done
stamp stopped
left=$(ip -n pw xfrm state | grep -c '^src')
echo "xfrm states left after stop: $left"
[ $prc = 0 ] && [ "$left" = 0 ] && echo "setup+auto over ESP: ok"
[ $prc = 0 ] && [ "$left" = 0 ]
