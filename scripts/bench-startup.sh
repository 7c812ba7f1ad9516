#!/usr/bin/env bash
# Side by side: start-up of short commands, ours against Libreswan's shell
# front end, which pluto runs on every tunnel event (`ipsec _updown`) and
# scripts call in loops. Runs alternate between the two so that a busy
# machine slows both alike; it prints the median and the fastest wall time
# of RUNS runs each and the ratio ours/Libreswan of the medians (target:
# <= 1.0, and `ipsec --version` under 5 ms).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-60}
ours=${IPSEC:-bin/ipsec}
[ -x "$ours" ] || make -s build
ours=$(realpath "$ours")
theirs=${LIBRESWAN_IPSEC:-/usr/sbin/ipsec}
if [ ! -x "$theirs" ]; then
	echo "bench-startup: Libreswan's ipsec ($theirs) not installed; nothing to compare" >&2
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# once FILE CMD...: append the wall time of one run of CMD, in ms, to FILE.
once() {
	local file=$1 start end
	shift
	start=$EPOCHREALTIME
	"$@" >/dev/null 2>&1 || true
	end=$EPOCHREALTIME
	echo "$start $end" >>"$file"
}

# stats FILE: "median min" in ms.
stats() {
	awk '{ print ($2 - $1) * 1000 }' "$1" | sort -n | awk '{ t[NR] = $1 }
		END { m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2; printf "%.2f %.2f\n", m, t[1] }'
}

# compare LABEL OURS-CMD -- THEIRS-CMD
compare() {
	local label=$1 i
	shift
	local -a a=() b=()
	while [ "$1" != -- ]; do a+=("$1"); shift; done
	shift
	b=("$@")
	: >"$work/a"; : >"$work/b"
	for i in $(seq "$RUNS"); do
		once "$work/a" "${a[@]}"
		once "$work/b" "${b[@]}"
	done
	read -r am amin < <(stats "$work/a")
	read -r bm bmin < <(stats "$work/b")
	printf '%-28s ours %6.2f ms (min %5.2f)  Libreswan %6.2f ms (min %5.2f)  ratio %.2f\n' \
		"$label" "$am" "$amin" "$bm" "$bmin" "$(awk -v a="$am" -v b="$bm" 'BEGIN { print a / b }')"
}

echo "start-up, median of $RUNS runs each ($(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
compare "ipsec --version" "$ours" --version -- "$theirs" --version
# goswan's _updown once it is an applet (it then answers --version with
# "ipsec _updown VERSION"); until then another applet-less short command.
if "$ours" _updown --version 2>/dev/null | grep -q '^ipsec _updown '; then
	compare "ipsec _updown --version" "$ours" _updown --version -- "$theirs" _updown --version
else
	compare "ipsec --versioncode" "$ours" --versioncode -- "$theirs" --versioncode
fi
compare "ipsec status (no pluto)" "$ours" --rundir "$work" status -- "$theirs" --rundir "$work" status
