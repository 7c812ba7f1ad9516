#!/usr/bin/env bash
# Installs what the tests need when it is missing: Libreswan 4.x (pluto,
# whack, readwriteconf, addconn), BIND 9 (named, dig, nsupdate), iproute2,
# NSS tools, mandoc and QEMU with a Debian kernel for the ESP tests.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "$2" ]; }
have pluto /usr/libexec/ipsec/pluto || need+=(libreswan)
have named /usr/sbin/named || need+=(bind9)
have dig /usr/bin/dig || need+=(bind9-dnsutils)
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

# staticcheck, pinned, from the Go module proxy (scripts/lint.sh runs it).
STATICCHECK_VERSION=v0.8.2
gobin=$(go env GOPATH)/bin
if ! "$gobin/staticcheck" -version 2>/dev/null | grep -q "(${STATICCHECK_VERSION#v})\|$STATICCHECK_VERSION"; then
	echo "install-test-deps: installing staticcheck $STATICCHECK_VERSION"
	go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION"
fi

if [ ${#need[@]} -eq 0 ]; then
	exit 0
fi
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
