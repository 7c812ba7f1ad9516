#!/usr/bin/env bash
# leftovers.sh CMD...: runs CMD with a private TMPDIR and fails if it left
# anything behind: a network namespace, a pluto, named or qemu process, a
# mount, or an entry in its TMPDIR. Processes are told apart from other
# users' by the TMPDIR in their environment (every test component inherits
# it). Namespaces and mounts are compared before and after; the tests name
# their namespaces after their process id (NAME-PID-N, or NAME-PID), so a
# new namespace whose name holds a pid that never ran with our TMPDIR
# belongs to someone else on this machine and is not counted.
set -uo pipefail
base=${TMPDIR:-/tmp}
tmp=$(mktemp -d "$base/goswan-run-XXXXXX")
# Like /tmp, it must be traversable: tests run the built goswan as an
# ordinary user (setup's TestNotRoot) from a directory below it.
chmod 0755 "$tmp"
snap() {
	{ ip netns list 2>/dev/null | awk '{ print "netns " $1 }'
	  awk '{ print "mount " $2 }' /proc/self/mounts; } | sort -u
}
ours() {
	for p in $(pgrep -x 'pluto|named|qemu-system-x86|qemu-system-x86_64' 2>/dev/null); do
		if grep -qzx "TMPDIR=$tmp" "/proc/$p/environ" 2>/dev/null; then
			echo "process $p $(cat "/proc/$p/comm" 2>/dev/null)"
		fi
	done
}
# pidsnow prints the pids of processes running with our TMPDIR.
pidsnow() {
	grep -lzx "TMPDIR=$tmp" /proc/[0-9]*/environ 2>/dev/null | sed 's#^/proc/##; s#/environ$##'
}
before=$(snap)
pidlog=$(mktemp "$base/goswan-pids-XXXXXX")
( while :; do pidsnow >> "$pidlog"; sleep 1; done ) &
sampler=$!
TMPDIR=$tmp "$@"
status=$?
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
# ours NAME: the namespace or mount names a pid that ran with our TMPDIR,
# or names none.
ours_name() {
	local pids
	pids=$(grep -o -- '-[0-9]\+' <<<"$1" | tr -d -)
	[ -z "$pids" ] && return 0
	for p in $pids; do
		grep -qx "$p" "$pidlog" && return 0
	done
	return 1
}
left() {
	comm -13 <(echo "$before") <(snap) | while read -r kind name; do
		# The first `ip netns add` on a machine mounts /run/netns itself,
		# for every later namespace of any user: iproute2's, not ours.
		[ "$kind $name" = "mount /run/netns" ] && continue
		if ours_name "$name"; then echo "$kind $name"; fi
	done
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
rm -rf "$tmp" "$pidlog"
exit "$status"
