#!/usr/bin/env bash
# make demo: runs the freshly built toolkit on the bundled examples/.
set -euo pipefail
cd "$(dirname "$0")/.."
IPSEC=${1:-bin/ipsec}
ex=examples
step() { printf '\n$ %s\n' "$*"; "$@"; }
# One EXIT trap runs every clean-up registered with at_exit, last first (a
# second `trap ... EXIT` would replace the first and leave its namespace).
cleanups=()
at_exit() { cleanups=("$*" "${cleanups[@]}"); }
trap 'for c in "${cleanups[@]}"; do eval "$c"; done' EXIT
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
at_exit 'rm -rf "$keytmp"'
step "$IPSEC" newhostkey --output "$keytmp/ipsec.secrets" --bits 2048 --hostname demo.example
step "$IPSEC" showhostkey --file "$keytmp/ipsec.secrets" --dump
# ipsec manual and ipsec look: the plan for each end (keys censored), then,
# as root, a real bring-up of policies in a throwaway network namespace.
step "$IPSEC" manual --config "$ex/manual.conf" --showonly --iam 192.0.2.1@eth0 --up net-net
step "$IPSEC" manual --config "$ex/manual.conf" --showonly --iam 192.0.2.2@eth0 --down net-net
step "$IPSEC" manual --config "$ex/manual.conf" --showonly --iam 192.0.2.1@eth0 --up host-host-ah
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
	ns=goswan-demo-$$
	ip netns add "$ns"
	at_exit "ip netns del $ns 2>/dev/null || true"
	ip -n "$ns" link add va type veth peer name vb
	ip -n "$ns" addr add 192.0.2.1/24 dev va
	ip -n "$ns" link set va up
	# On a kernel without ESP this says "kernel lacks ESP" and rolls back.
	step ip netns exec "$ns" "$IPSEC" manual --config "$ex/manual.conf" --show --up net-net || true
	step ip netns exec "$ns" "$IPSEC" look
fi
# ipsec verify on this machine with an example config (failures are
# findings, not demo errors), and the censored config and secrets sections
# of ipsec barf.
step "$IPSEC" verify --nocolour --config "$ex/net-to-net.conf" || true
printf '\n$ IPSEC_CONFS=%s %s barf | sed -n ...\n' "$ex/barf" "$IPSEC"
IPSEC_CONFS="$ex/barf" "$IPSEC" barf --timeout 5s | sed -n '/_ ipsec\/conf$/,/_ ipsec\/listall$/p'
# Opportunistic encryption in DNS: the records of the quickstart's roles,
# and the signed RFC 2136 update `showhostkey --publish` would send (dry run;
# drop --dry-run and add --server to send it, then check with --check).
step "$IPSEC" showhostkey --pem-in "$ex/oe-host.pub.pem" --owner xy.example.com --key
step "$IPSEC" showhostkey --pem-in "$ex/oe-host.pub.pem" --owner 192.0.2.1 --key --txt 192.0.2.1 \
	--subnet 198.51.100.0/29 --ptr-domain example.com --publish --dry-run \
	--zone 2.0.192.in-addr.arpa --zone 100.51.198.in-addr.arpa --tsig-key "$ex/oe-tsig.key"
# ipsec auto: the whack command lines a conn becomes (no pluto needed), and,
# as root with Libreswan, ipsec setup start/status/stop of a real pluto in
# a private network namespace with ipsec auto --status in between.
step "$IPSEC" auto --config "$ex/net-to-net.conf" --showonly --add net-to-net
step "$IPSEC" auto --config "$ex/roadwarrior.conf" --showonly --addall
if [ "$(id -u)" = 0 ] && [ -x /usr/libexec/ipsec/pluto ]; then
	d=$(mktemp -d)
	ns=demo-setup-$$
	ip netns add "$ns"
	at_exit "ip netns exec $ns $IPSEC setup --rundir $d/run --config $d/ipsec.conf stop >/dev/null 2>&1 || true; ip netns del $ns 2>/dev/null || true; rm -rf $d"
	ip -n "$ns" link set lo up
	ip -n "$ns" link add va type veth peer name vb
	ip -n "$ns" addr add 192.0.2.1/24 dev va
	ip -n "$ns" link set va up
	ip -n "$ns" link set vb up
	ip -n "$ns" route add default via 192.0.2.254
	mkdir -p "$d/nss"
	: > "$d/ipsec.secrets"
	{ printf 'config setup\n\tnssdir=%s/nss\n\tsecretsfile=%s/ipsec.secrets\n\tdumpdir=%s\n\tdnssec-enable=no\n\n' "$d" "$d" "$d"
	  sed -n '/^conn /,$p' "$ex/net-to-net.conf"; } > "$d/ipsec.conf"
	S=(ip netns exec "$ns" "$IPSEC" setup --rundir "$d/run" --config "$d/ipsec.conf")
	step "${S[@]}" start || true
	step "${S[@]}" status || true
	step ip netns exec "$ns" "$IPSEC" auto --rundir "$d/run" --config "$d/ipsec.conf" --status
	step "${S[@]}" stop
	step "${S[@]}" status || true
fi
