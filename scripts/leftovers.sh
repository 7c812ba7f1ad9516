#!/usr/bin/env bash
# leftovers.sh CMD...: runs CMD with a private TMPDIR and fails if it left
# anything behind: a network namespace, a pluto, named or qemu process, a
# mount, or an entry in its TMPDIR. Processes are told apart from other
# users' by the TMPDIR in their environment (every test component inherits
# it); namespaces and mounts by comparing before and after (a second look
# after a pause lets a concurrent run elsewhere finish its own cleanup).
set -uo pipefail
base=${TMPDIR:-/tmp}
tmp=$(mktemp -d "$base/goswan-run-XXXXXX")
snap() {
	{ ip netns list 2>/dev/null | awk '{ print "netns " $1 }'
	  awk '{ print "mount " $2 }' /proc/self/mounts; } | sort -u
}
ours() {
	for p in $(pgrep -x 'pluto|named|qemu-system-x86|qemu-system-x86_64|qemu-system-x86_' 2>/dev/null); do
		if { tr '\0' '\n' < "/proc/$p/environ"; } 2>/dev/null | grep -qx "TMPDIR=$tmp"; then
			echo "process $p $(cat "/proc/$p/comm" 2>/dev/null)"
		fi
	done
}
before=$(snap)
TMPDIR=$tmp "$@"
status=$?
left() {
	comm -13 <(echo "$before") <(snap)
	ours
	# go test's own build cache lives outside TMPDIR; go-build* work
	# directories of a go command still running are not ours to judge.
	find "$tmp" -mindepth 1 -maxdepth 1 ! -name 'go-build*' -printf 'tmp %p\n' 2>/dev/null
}
found=$(left)
if [ -n "$found" ]; then
	sleep 3
	found=$(left)
fi
if [ -n "$found" ]; then
	echo "leftovers: $* left behind:" >&2
	echo "$found" | sed 's/^/  /' >&2
	[ "$status" = 0 ] && status=1
fi
rm -rf "$tmp"
exit "$status"
