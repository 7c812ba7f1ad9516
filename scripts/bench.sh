#!/usr/bin/env bash
# make bench: Go benchmarks of every package, then each side-by-side
# comparison with Libreswan (scripts/bench-*.sh), which print ratios.
set -euo pipefail
cd "$(dirname "$0")/.."
go test -run '^$' -bench . -benchmem -timeout 30m ./...
for b in scripts/bench-*.sh; do
	[ -e "$b" ] || continue
	echo "== $b"
	bash "$b"
done
