#!/usr/bin/env bash
# Installs what the tests need when it is missing: Libreswan 4.x (pluto,
# whack, readwriteconf, addconn), BIND 9 (named, dig, nsupdate), iproute2,
# NSS tools, mandoc and QEMU with a Debian kernel for the ESP tests; and a
# Debian 13 root with Libreswan 5.2 for the tests that run against both
# releases (built with debootstrap once per machine, about 2 minutes and
# 300-440 MB, kept in GOSWAN_LIBRESWAN5_ROOT, default /var/cache/goswan/trixie).
# Running it again changes nothing once everything is there.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "$2" ]; }
have pluto /usr/libexec/ipsec/pluto || need+=(libreswan)
have named /usr/sbin/named || need+=(bind9)
have dig /usr/bin/dig || need+=(bind9-dnsutils)
# OE tests: zones signed offline, DS records (dnssec-signzone, -dsfromkey),
# and the DNSSEC root key pluto loads by default
have dnssec-signzone /usr/bin/dnssec-signzone || need+=(bind9-utils)
[ -f /usr/share/dns/root.key ] || need+=(dns-root-data)
have ip /usr/sbin/ip || need+=(iproute2)
have pk12util /usr/bin/pk12util || need+=(libnss3-tools)
have mandoc /usr/bin/mandoc || need+=(mandoc)
have man /usr/bin/man || need+=(man-db)
have openssl /usr/bin/openssl || need+=(openssl)
have qemu-system-x86_64 /usr/bin/qemu-system-x86_64 || need+=(qemu-system-x86)
have cpio /usr/bin/cpio || need+=(cpio)
# the ESP VM's initramfs needs a static busybox (scripts/esp-vm.sh)
{ [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; } || need+=(busybox-static)
have iptables /usr/sbin/iptables || need+=(iptables)
have ping /usr/bin/ping || need+=(iputils-ping)
have unshare /usr/bin/unshare || need+=(util-linux)
have debootstrap /usr/sbin/debootstrap || need+=(debootstrap)
# systemd-analyze verifies goswan-ipsec.service (tests/systemd_test.go)
have systemd-analyze /usr/bin/systemd-analyze || need+=(systemd)

if [ ${#need[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "install-test-deps: missing packages ${need[*]}; run as root or install them" >&2
		exit 1
	fi
	echo "install-test-deps: installing ${need[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
	# Debian starts the services it installs; the tests start their own, privately.
	for svc in ipsec named bind9; do
		systemctl stop "$svc" >/dev/null 2>&1 || true
	done
	pkill -x pluto >/dev/null 2>&1 || true
fi

# staticcheck, pinned, from the Go module proxy (scripts/lint.sh runs it).
STATICCHECK_VERSION=v0.8.2
gobin=$(go env GOPATH)/bin
if ! "$gobin/staticcheck" -version 2>/dev/null | grep -q "(${STATICCHECK_VERSION#v})\|$STATICCHECK_VERSION"; then
	echo "install-test-deps: installing staticcheck $STATICCHECK_VERSION"
	go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
fi

# Libreswan 5.2 needs a newer libc than Debian 12's, so it runs from a
# Debian 13 root (tests/testenv's MustHaveLibreswanVersion runs it through
# chroot wrappers). The marker holds the recipe and is written only after a
# complete build: a root without it (an interrupted debootstrap) or with an
# older recipe is built again, beside the old one, which is replaced only
# once the new one works.
ROOT=${GOSWAN_LIBRESWAN5_ROOT:-/var/cache/goswan/trixie}
MARKER=$ROOT/.goswan-root-complete
RECIPE="debootstrap --variant=minbase --include=libreswan,bind9-host,iproute2,libnss3-tools trixie"
[ "$(cat "$MARKER" 2>/dev/null)" = "$RECIPE" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "install-test-deps: no Debian 13 root with Libreswan 5.2 in $ROOT; run as root to build it" >&2
	exit 1
fi
mounted() { findmnt -rn -o TARGET | grep -q "^$1\(/\|\$\)"; }
mkdir -p "$(dirname "$ROOT")"
exec 9>"$ROOT.lock"
flock 9 # another make test may be building it
[ "$(cat "$MARKER" 2>/dev/null)" = "$RECIPE" ] && exit 0
NEW=$ROOT.new
if [ -e "$NEW" ]; then
	mounted "$NEW" && { echo "install-test-deps: something is mounted under $NEW; unmount it first" >&2; exit 1; }
	rm -rf --one-file-system "$NEW"
fi
echo "install-test-deps: building the Debian 13 root with Libreswan 5.2 in $ROOT (about 2 minutes)"
start=$SECONDS
# No mirror argument: debootstrap takes the Debian mirror apt uses. Without
# bind9-host libreswan's postinst fails on its missing "host".
if ! $RECIPE "$NEW" >"$ROOT.log" 2>&1; then
	echo "install-test-deps: debootstrap failed; see $ROOT.log:" >&2
	tail -n 20 "$ROOT.log" >&2
	exit 1
fi
if ! out=$(chroot "$NEW" /usr/libexec/ipsec/pluto --version 2>&1); then
	echo "install-test-deps: Libreswan in the new root does not run: $out" >&2
	exit 1
fi
# the packages are installed; their .deb files are not needed
rm -f "$NEW"/var/cache/apt/archives/*.deb
echo "$RECIPE" >"$NEW/.goswan-root-complete"
if [ -e "$ROOT" ]; then
	mounted "$ROOT" && { echo "install-test-deps: something is mounted under $ROOT; unmount it first (the new root is in $NEW)" >&2; exit 1; }
	mv "$ROOT" "$ROOT.old"
	rm -rf --one-file-system "$ROOT.old"
fi
mv "$NEW" "$ROOT"
echo "install-test-deps: $(echo "$out" | cut -d' ' -f1-2) ready in $ROOT after $((SECONDS - start)) s"
