#!/usr/bin/env bash
# make bench: Go benchmarks of every package, then each side-by-side
# comparison with Libreswan (scripts/bench-*.sh), which print ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
# The comparisons run the binary make built (bench depends on build).
export IPSEC="$PWD/bin/ipsec"
go test -run '^$' -bench . -benchmem -timeout 30m ./...
for b in scripts/bench-*.sh; do
	[ -e "$b" ] || continue
	echo "== $b"
	bash "$b"
done
