#!/usr/bin/env bash
# Key benchmarks against the tools users compare us with, as medians and
# ratios (never pass/fail):
#   RSA-3072 generation: ipsec rsasigkey vs Libreswan's rsasigkey (into a
#   scratch NSS db) vs openssl genrsa;
#   ranbits of 10 MiB vs head -c from /dev/urandom piped to a hex encoder.
# RUNS (default 21) generations per tool; RANRUNS (default 7) ranbits runs.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-21}
RANRUNS=${RANRUNS:-7}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/ipsec" ./cmd/ipsec

now() { date +%s%N; }
# median of the numbers on stdin
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
# time_runs N CMD...: N runs of CMD, one elapsed time in ms per line
time_runs() {
	local n=$1; shift
	for _ in $(seq "$n"); do
		local t0; t0=$(now)
		"$@" >/dev/null 2>&1
		echo $(( ($(now) - t0) / 1000000 ))
	done
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

echo "RSA-3072 key generation, median of $RUNS runs (ms):"
ours=$(time_runs "$RUNS" "$tmp/ipsec" rsasigkey --hostname bench.example 3072 | median)
printf "  goswan rsasigkey      %8s\n" "$ours"
LS=/usr/libexec/ipsec/rsasigkey
if [ -x "$LS" ] && command -v certutil >/dev/null; then
	mkdir -p "$tmp/nss"
	certutil -N -d "sql:$tmp/nss" --empty-password
	ls_ms=$(time_runs "$RUNS" "$LS" --nssdir "$tmp/nss" --seeddev /dev/urandom 3072 | median)
	printf "  libreswan rsasigkey   %8s   ours/libreswan = %s (target <= 1)\n" "$ls_ms" "$(ratio "$ours" "$ls_ms")"
else
	echo "  libreswan rsasigkey   not installed"
fi
if command -v openssl >/dev/null; then
	ossl=$(time_runs "$RUNS" openssl genrsa 3072 | median)
	printf "  openssl genrsa        %8s   ours/openssl = %s\n" "$ossl" "$(ratio "$ours" "$ossl")"
fi

size=$((10 * 1024 * 1024))
echo "random hex, 10 MiB, median of $RANRUNS runs:"
rb=$(time_runs "$RANRUNS" "$tmp/ipsec" ranbits --bytes "$size" | median)
if command -v xxd >/dev/null; then
	hexer="xxd -p"
else
	hexer="od -An -tx1 -v"
fi
ref=$(time_runs "$RANRUNS" sh -c "head -c $size /dev/urandom | $hexer" | median)
mbps() { awk -v ms="$1" 'BEGIN { if (ms > 0) printf "%.1f", 10 * 1000 / ms; else print "inf" }'; }
printf "  goswan ranbits        %6s ms  %7s MiB/s\n" "$rb" "$(mbps "$rb")"
printf "  head -c | %-11s %6s ms  %7s MiB/s\n" "${hexer%% *}" "$ref" "$(mbps "$ref")"
printf "  throughput ours/reference = %s (target >= 0.5)\n" "$(ratio "$ref" "$rb")"
