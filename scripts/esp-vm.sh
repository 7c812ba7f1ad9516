#!/usr/bin/env bash
# esp-vm.sh - run a test script on a Linux kernel that has ESP and AH.
#
# The hosts this project is developed and tested on run a kernel without
# ESP, so the end-to-end IPsec tests boot Debian's stock kernel under QEMU:
# the linux-image package is fetched with `apt-get download` and unpacked
# (never installed), a small initramfs is built from busybox, iproute2 and
# the XFRM/ESP/AH/crypto modules, and DIR (a directory holding run.sh and
# whatever it needs) is copied in as /t. The guest's init loads the modules,
# runs /t/run.sh as root, prints "GOSWAN-VM-RESULT: PASS" or "FAIL" on the
# serial console and powers off. The VM has no network device.
#
# Usage: esp-vm.sh DIR
#
# Exit status: 0 run.sh passed; 1 run.sh failed or the VM did not finish;
# 3 the VM cannot be started here (the message says why: missing QEMU,
# busybox-static, kernel package...).
#
# Environment:
#   GOSWAN_VM_CACHE  where the unpacked kernel is kept between runs (default
#                    /var/cache/goswan-test/esp-vm for root, else
#                    ${XDG_CACHE_HOME:-$HOME/.cache}/goswan/esp-vm)
#   CONSOLE_LOG      file receiving the serial console (default DIR.console)
#   VM_TIMEOUT       seconds before the VM is killed (default 240)
#   KERNEL_PKG       a specific linux-image-VERSION package
#   ACCEL            kvm or tcg (default: kvm only with kvm_intel/kvm_amd)
set -euo pipefail

die_env() { echo "esp-vm: cannot start the VM: $*" >&2; exit 3; }
T0=$SECONDS
log() { echo "esp-vm: [$((SECONDS - T0))s] $*" >&2; }

[ $# -eq 1 ] && [ -d "$1" ] || { echo "usage: esp-vm.sh DIR (a directory with run.sh)" >&2; exit 2; }
TESTDIR=$(cd "$1" && pwd)
[ -x "$TESTDIR/run.sh" ] || { echo "esp-vm: $TESTDIR/run.sh missing or not executable" >&2; exit 2; }
if [ "$(id -u)" = 0 ]; then
	CACHE=${GOSWAN_VM_CACHE:-/var/cache/goswan-test/esp-vm}
else
	CACHE=${GOSWAN_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/goswan/esp-vm}
fi
CONSOLE_LOG=${CONSOLE_LOG:-$TESTDIR.console}
VM_TIMEOUT=${VM_TIMEOUT:-240}

QEMU=$(command -v qemu-system-x86_64) || die_env "qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] && "$BUSYBOX" --list | grep -x cpio >/dev/null ||
	die_env "$BUSYBOX with cpio not found (apt-get install busybox-static)"
IPROUTE=$(command -v ip) || die_env "iproute2's ip not found (apt-get install iproute2)"
command -v dpkg-deb >/dev/null || die_env "dpkg-deb not found (a Debian host is needed to unpack the kernel)"

# 1. The kernel, unpacked once into the cache.
mkdir -p "$CACHE"
if ! ls "$CACHE"/kernel/boot/vmlinuz-* >/dev/null 2>&1; then
	pkg=${KERNEL_PKG:-}
	if [ -z "$pkg" ]; then
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
	fi
	[ -n "$pkg" ] || die_env "cannot resolve linux-image-amd64 to a kernel package (run apt-get update)"
	log "fetching $pkg"
	dl=$(mktemp -d "$CACHE/dl.XXXXXX")
	(cd "$dl" && apt-get download "$pkg" >/dev/null 2>&1) ||
		{ rm -rf "$dl"; die_env "apt-get download $pkg failed"; }
	mkdir "$dl/root"
	dpkg-deb -x "$dl"/*.deb "$dl/root" || { rm -rf "$dl"; die_env "dpkg-deb -x failed"; }
	rm -rf "$CACHE/kernel"
	mv "$dl/root" "$CACHE/kernel"
	rm -rf "$dl"
fi
VMLINUZ=$(ls "$CACHE"/kernel/boot/vmlinuz-* | head -n1)
KVER=${VMLINUZ##*/vmlinuz-}
MODROOT=$CACHE/kernel/lib/modules/$KVER

# build_base writes $BASE.
build_base() {
	# 2. Modules: what XFRM, ESP, AH and veth need, then every crypto module so
	#    the kernel can load templates (cbc, hmac, gcm, authenc...) on demand.
	#    ESP's IV generators want the default RNG, which Debian builds as the
	#    drbg and jitterentropy_rng modules.
	LOAD="veth xfrm_user xfrm_algo esp4 esp6 ah4 ah6 drbg jitterentropy_rng authenc echainiv seqiv gcm ctr ghash_generic"
	declare -A where=() taken=()
	while IFS= read -r f; do
		n=${f##*/}; n=${n%.ko}; where[${n//-/_}]=${f#"$MODROOT/"}
	done < <(find "$MODROOT/kernel" -name '*.ko')
	[ ${#where[@]} -gt 0 ] || die_env "no uncompressed modules (*.ko) in $MODROOT"
	mods=()
	want() {
		local n=${1//-/_} dep
		[ -z "${taken[$n]:-}" ] || return 0
		taken[$n]=1
		[ -n "${where[$n]:-}" ] || return 0 # built into the kernel
		for dep in $(tr '\0' '\n' <"$MODROOT/${where[$n]}" | sed -n 's/^depends=//p' | tr ',' ' '); do
			want "$dep"
		done
		mods+=("${where[$n]}")
	}
	for m in $LOAD; do want "$m"; done
	for key in "${!where[@]}"; do
		case ${where[$key]} in kernel/crypto/* | kernel/arch/x86/crypto/* | kernel/lib/crypto/*) want "$key" ;; esac
	done

	log "module list ready"
	# 3. The initramfs.
	R=$work/root
	mkdir -p "$R"/{bin,sbin,dev,proc,sys,run,tmp,etc,lib64,usr/lib}
	cp "$BUSYBOX" "$R/bin/busybox"
	for a in $("$BUSYBOX" --list); do [ "$a" = busybox ] || ln -sf busybox "$R/bin/$a"; done
	rm -f "$R/bin/ip"
	cp "$IPROUTE" "$R/sbin/ip"
	for lib in $(ldd "$IPROUTE" | grep -o '/[^ ]*'); do
		mkdir -p "$R$(dirname "$lib")"; cp -L "$lib" "$R$lib"
	done
	for p in "${mods[@]}"; do
		mkdir -p "$R/lib/modules/$KVER/$(dirname "$p")"
		cp "$MODROOT/$p" "$R/lib/modules/$KVER/$p"
	done
	ln -sf ../bin/busybox "$R/sbin/modprobe"
	"$BUSYBOX" depmod -b "$R" "$KVER"
	echo "$LOAD" >"$R/load"
	cat >"$R/init" <<-'INIT'
	#!/bin/sh
	# Debian's static busybox runs its own applets before PATH; its ip knows
	# neither netns nor xfrm, and a shell function beats an applet.
	ip() { /sbin/ip "$@"; }
	export PATH=/sbin:/bin
	mount -t proc proc /proc
	mount -t sysfs sys /sys
	mount -t devtmpfs dev /dev 2>/dev/null
	mount -t tmpfs run /run
	mkdir -p /run/netns /var
	ln -s /run /var/run
	echo 0 >/proc/sys/kernel/printk
	echo "GOSWAN-VM: kernel $(uname -r) up after $(cut -d' ' -f1 /proc/uptime)s"
	for m in $(cat /load); do modprobe "$m" || echo "GOSWAN-VM: modprobe $m failed"; done
	cd /t && ./run.sh
	rc=$?
	echo "GOSWAN-VM: run.sh exit $rc after $(cut -d' ' -f1 /proc/uptime)s"
	if [ $rc -eq 0 ]; then echo "GOSWAN-VM-RESULT: PASS"; else echo "GOSWAN-VM-RESULT: FAIL"; fi
	sync
	poweroff -f
	INIT
	chmod 755 "$R/init"
	(cd "$R" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null | gzip -1) >"$BASE.tmp"
	mv "$BASE.tmp" "$BASE"
	rm -rf "$R"
	log "built $BASE: ${#mods[@]} modules, $(du -k "$BASE" | cut -f1) KiB"
}

# 2. The base initramfs (busybox, iproute2, modules, init) depends only on
#    the kernel and this script, so it is built once and kept in the cache;
#    each run appends a second archive holding DIR as /t (the kernel unpacks
#    concatenated archives in order).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
BASE=$CACHE/base-$KVER-$(cksum <"$0" | cut -d' ' -f1).cpio.gz
if [ ! -s "$BASE" ]; then
	rm -f "$CACHE"/base-*.cpio.gz
	build_base
fi
mkdir "$work/t"
cp -a "$TESTDIR" "$work/t/t"
(cd "$work/t" && find . | "$BUSYBOX" cpio -o -H newc 2>/dev/null | gzip -1) >"$work/t.cpio.gz"
cat "$BASE" "$work/t.cpio.gz" >"$work/initrd"
log "kernel $KVER, initramfs $(du -k "$work/initrd" | cut -f1) KiB"

# 4. Boot. /dev/kvm may be a software nested-virtualisation module
#    (kvm_pvm) on which a stock kernel hangs early; use KVM only when
#    kvm_intel or kvm_amd provides it.
if [ -z "${ACCEL:-}" ]; then
	ACCEL=tcg
	if [ -w /dev/kvm ] && { [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; }; then ACCEL=kvm; fi
fi
cpu=(-accel tcg -cpu "${VM_CPU:-max}")
[ "$ACCEL" = kvm ] && cpu=(-accel kvm -cpu host)
log "booting ($ACCEL), console in $CONSOLE_LOG"
: >"$CONSOLE_LOG"
set +e
timeout "$VM_TIMEOUT" "$QEMU" "${cpu[@]}" -m 512 -smp 1 -nodefaults -no-user-config \
	-display none -nic none -no-reboot -serial "file:$CONSOLE_LOG" \
	-kernel "$VMLINUZ" -initrd "$work/initrd" \
	-append "console=ttyS0 panic=-1 quiet loglevel=3 cryptomgr.notests mitigations=off ${VM_APPEND:-}" </dev/null
qrc=$?
log "qemu exit $qrc"
set -e
if [ $qrc -ne 0 ] && ! grep -q '^GOSWAN-VM: kernel' "$CONSOLE_LOG"; then
	die_env "qemu exited $qrc before the guest ran (see $CONSOLE_LOG)"
fi
if grep -q '^GOSWAN-VM-RESULT: PASS' "$CONSOLE_LOG"; then
	log PASS
	exit 0
fi
[ $qrc -eq 124 ] && log "timed out after ${VM_TIMEOUT}s"
log "FAIL (console in $CONSOLE_LOG)"
exit 1
