#!/usr/bin/env bash
# Side by side: `ipsec verify` and `ipsec barf`, Libreswan 4.10's and ours,
# on this machine and its configuration: the median wall time of RUNS runs
# each, the ratio ours/Libreswan (targets: verify <= 0.5, barf <= 1.0), and
# how much each barf gathered (sections, lines). verify runs without the
# Opportunistic Encryption DNS checks (no --nameserver/--hostname).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-10}
ours=${IPSEC:-bin/ipsec}
[ -x "$ours" ] || go build -o "$ours" ./cmd/ipsec
ours=$(realpath "$ours")
theirs=${LIBRESWAN_IPSEC:-/usr/sbin/ipsec}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ ! -x "$theirs" ]; then
	echo "bench-verify: Libreswan's ipsec ($theirs) not installed; nothing to compare" >&2
	exit 0
fi

# median CMD...: the median wall time in seconds of RUNS runs of CMD.
median() {
	for _ in $(seq "$RUNS"); do
		start=$EPOCHREALTIME
		"$@" >/dev/null 2>&1 || true
		end=$EPOCHREALTIME
		awk -v a="$start" -v b="$end" 'BEGIN { printf "%.4f\n", b - a }'
	done | sort -n | awk -v n="$RUNS" '{ t[NR] = $1 } END { if (n % 2) print t[(n + 1) / 2]; else printf "%.4f\n", (t[n / 2] + t[n / 2 + 1]) / 2 }'
}

ratio() { awk -v o="$1" -v l="$2" 'BEGIN { printf "%.2f", (l > 0 ? o / l : 0) }'; }

printf '%-8s %12s %12s %8s %8s\n' command libreswan_s goswan_s ratio target
lv=$(median "$theirs" verify)
gv=$(median "$ours" verify --nocolour)
printf '%-8s %12s %12s %8s %8s\n' verify "$lv" "$gv" "$(ratio "$gv" "$lv")" "<=0.50"
lb=$(median "$theirs" barf)
gb=$(median "$ours" barf)
printf '%-8s %12s %12s %8s %8s\n' barf "$lb" "$gb" "$(ratio "$gb" "$lb")" "<=1.00"

"$theirs" barf > "$work/ls" 2>&1 || true
"$ours" barf > "$work/gs" 2>&1 || true
sections() { grep -cE '^\+ _{25,}' "$1"; }
# Output lines without the "+ command" trace lines, which Libreswan's set -x
# prints for every loop step.
content() { grep -cvE '^\+ ' "$1"; }
printf 'gathered: libreswan %d sections, %d output lines; goswan %d sections, %d output lines\n' \
	"$(sections "$work/ls")" "$(content "$work/ls")" "$(sections "$work/gs")" "$(content "$work/gs")"
