#!/usr/bin/env bash
# Side by side: Libreswan's readwriteconf and ours on the same generated
# configurations (scripts/gen-bench-conf.sh), medians of RUNS runs, with the
# ratio, the 100k/10k growth and peak memory. Libreswan at 100,000 conns
# takes about 100 s (it grows quadratically), so it runs only with
# BENCH_FULL=1.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
ours=${IPSEC:-bin/ipsec}
[ -x "$ours" ] || go build -tags urfave_cli_no_docs -o "$ours" ./cmd/ipsec
ours=$(realpath "$ours")
ls_rwc=/usr/libexec/ipsec/readwriteconf
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# median_run CMD...: runs CMD RUNS times in the config dir, prints
# "seconds cpu_seconds peakKB" of the median run (by wall time). CPU time
# (user + system) is printed too: on a shared machine the wall time
# measures the other load as much as the program.
median_run() {
	for _ in $(seq "$RUNS"); do
		start=$EPOCHREALTIME
		/usr/bin/time -f '%U %S %M' -o "$work/t" "$@" >/dev/null 2>&1 || true
		end=$EPOCHREALTIME
		read -r u s m < "$work/t"
		echo "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }') $(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }') $m"
	done | sort -n | awk -v n="$RUNS" 'NR == int((n + 1) / 2) { print }'
}

printf '%-8s %12s %12s %8s %12s %12s %8s %14s\n' conns libreswan_s goswan_s ratio libreswan_cpu goswan_cpu cpu_ratio goswan_peak_MB
declare -A ourtime
for n in 1000 10000 100000; do
	dir="$work/c$n"
	scripts/gen-bench-conf.sh "$dir" "$n"
	cd "$dir"
	read -r g gc gm < <(median_run "$ours" readwriteconf --config ipsec.conf)
	ourtime[$n]=$g
	l=- lc=- ratio=- cratio=-
	if [ -x "$ls_rwc" ] && { [ "$n" -le 10000 ] || [ "${BENCH_FULL:-}" = 1 ]; }; then
		read -r l lc _ < <(RUNS=$([ "$n" -le 10000 ] && echo "$RUNS" || echo 1) median_run "$ls_rwc" --config ipsec.conf)
		ratio=$(awk -v l="$l" -v g="$g" 'BEGIN { printf "%.1fx", (g > 0 ? l / g : 0) }')
		cratio=$(awk -v l="$lc" -v g="$gc" 'BEGIN { printf "%.1fx", (g > 0 ? l / g : 0) }')
	fi
	cd - >/dev/null
	printf '%-8s %12s %12s %8s %12s %12s %8s %14s\n' "$n" "$l" "$g" "$ratio" "$lc" "$gc" "$cratio" "$((gm / 1024))"
done
awk -v a="${ourtime[10000]}" -v b="${ourtime[100000]}" 'BEGIN { printf "growth 100k/10k: %.1f (linear is 10; target <= 11)\n", (a > 0 ? b / a : 0) }'
